"""The Celery application and the one beat schedule of the project."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "analytics_site.settings.prod")

app = Celery("analytics_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job, in one place. Each entry expires so that a beat that was down does not
# flood the worker with stale runs when it comes back.
_DAY = 24 * 60 * 60
app.conf.beat_schedule = {
    # A day's visitors must not be re-identifiable once the day is over in every time zone.
    "ingest-salts-expire": {
        "task": "ingest.tasks.salts_expire",
        "schedule": crontab(minute=5),
        "options": {"expires": 60 * 60},
    },
    "ingest-partitions-create": {
        "task": "ingest.tasks.event_partitions_create",
        "schedule": crontab(minute=10, hour=0),
        "options": {"expires": _DAY},
    },
    # Every day that is over in its website's time zone (midnight comes every hour somewhere)
    # and stale, missed or to realign: one aggregate_day task per website and day.
    "aggregation-pending": {
        "task": "aggregation.tasks.aggregate_pending_days",
        "schedule": crontab(minute=15),
        "options": {"expires": 60 * 60},
    },
    # Today's sessions closed so far, stored: queries sessionize only the minutes since.
    "aggregation-todays-closed-sessions": {
        "task": "aggregation.tasks.store_todays_closed_sessions",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 5 * 60},
    },
    # Deleted websites are purged as soon as they are deleted; this resumes any purge that died.
    "websites-purges-resume": {
        "task": "websites.tasks.website_purges_resume",
        "schedule": crontab(minute=45),
        "options": {"expires": 60 * 60},
    },
    # After the nightly aggregation has had time to run.
    "aggregation-raw-events-purge": {
        "task": "aggregation.tasks.raw_events_purge",
        "schedule": crontab(minute=0, hour=3),
        "options": {"expires": _DAY},
    },
}
