from django.conf import settings
from django.db.models import QuerySet

from accounts.models import User
from websites.models import Website


def website_list(*, user: User) -> QuerySet[Website]:
    return Website.objects.for_user(user).order_by("created_at")


def website_tracker_snippet(*, website: Website) -> str:
    """The `<script>` tag a site embeds to be tracked (README, "Tracker")."""
    return (
        f'<script defer data-id="{website.id}" '
        f'src="{settings.TRAILMARK_PUBLIC_URL}/js/tracker.js"></script>'
    )
