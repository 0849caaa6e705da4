from django.db.models import QuerySet

from accounts.models import User
from websites.models import Website


def website_list(*, user: User) -> QuerySet[Website]:
    return Website.objects.for_user(user).order_by("created_at")
