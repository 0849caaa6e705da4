"""Local development (`make run`): production behaviour, static files served without collectstatic,
emails printed to the console unless EMAIL_URL says otherwise.

DEBUG stays off unless DEBUG=1, so what you try locally answers exactly like production (JSON 404s,
no debug pages).
"""

from analytics_site.settings.base import *  # noqa: F403

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))  # noqa: F405
