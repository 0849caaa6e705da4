"""Local development (`make run`): production behaviour, static files served without collectstatic.

DEBUG stays off unless DEBUG=1, so what you try locally answers exactly like production (JSON 404s,
no debug pages).
"""

from analytics_site.settings.base import *  # noqa: F403

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
