"""The Celery application and the one beat schedule of the project."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "analytics_site.settings.prod")

app = Celery("analytics_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job, in one place. Each entry expires so that a beat that was down does not
# flood the worker with stale runs when it comes back.
app.conf.beat_schedule = {}
