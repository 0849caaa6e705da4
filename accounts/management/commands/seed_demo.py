import secrets
from datetime import timedelta
from itertools import chain

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts import selectors, services
from accounts.keys import ApiKeyUnreadable
from accounts.models import Role, User
from ingest.demo import demo_visit_lines
from ingest.importer import events_import
from ingest.models import Event
from websites.models import Website
from websites.services import website_create, website_update

DEMO_ACCOUNT = "Demo"
DEMO_DOMAIN = "localhost"
DEMO_ADMIN_EMAIL = "admin@demo.trailmark.local"
DEMO_OWNER_EMAIL = "owner@demo.trailmark.local"
DEMO_OPERATOR = "operator"
# Not UTC, so that the demo shows days as a site's own zone cuts them.
DEMO_TIMEZONE = "Europe/Berlin"
# Two 30-day periods: the dashboard's default view compared with the previous period.
DEMO_DAYS = 60
DEMO_VISITS = 6000
DEMO_RECENT_VISITS = 12


class Command(BaseCommand):
    help = (
        "Creates (once) the demo account, website with two months of traffic, admin API user, "
        "site owner and Django admin operator; prints the sign-in credentials (passwords new on "
        "every run)."
    )

    def handle(self, *args, **options):
        account = services.account_get_or_create(name=DEMO_ACCOUNT)
        website = Website.objects.filter(account=account, domain=DEMO_DOMAIN).first()
        if website is None:
            website = website_create(
                account=account,
                domain=DEMO_DOMAIN,
                content_groups=[
                    {"name": "Blog", "pattern": "/blog/*"},
                    {"name": "Docs", "pattern": "/docs*"},
                ],
                timezone=DEMO_TIMEZONE,
            )
        elif website.timezone == "UTC":  # seeded before the demo had its own zone
            website_update(website=website, timezone=DEMO_TIMEZONE)
        if not Event.objects.filter(website=website).exists():
            now = timezone.now()
            lines = chain(
                demo_visit_lines(
                    website_id=str(website.id),
                    host=website.domain,
                    start=now - timedelta(days=DEMO_DAYS),
                    end=now,
                    visits=DEMO_VISITS,
                ),
                # A few visits of the last minutes, for the realtime panel of a fresh demo.
                demo_visit_lines(
                    website_id=str(website.id),
                    host=website.domain,
                    start=now - timedelta(minutes=20),
                    end=now,
                    visits=DEMO_RECENT_VISITS,
                    seed=2,
                ),
            )
            *_, imported = events_import(lines)
            self.stdout.write(f"Demo traffic: {imported.imported} events over {DEMO_DAYS} days.")
        api_user = User.objects.filter(account=account, email=DEMO_ADMIN_EMAIL).first()
        if api_user is None:
            api_user, api_key = services.user_create(
                account=account, role=Role.ADMIN, email=DEMO_ADMIN_EMAIL
            )
        else:
            try:
                api_key = selectors.user_api_key(user=api_user)
            except ApiKeyUnreadable:  # .env's TRAILMARK_KEY_SECRET changed without the old one
                api_key = services.user_issue_api_key(user=api_user)

        owner = User.objects.filter(account=account, email=DEMO_OWNER_EMAIL).first()
        if owner is None:
            owner, _ = services.user_create(account=account, role=Role.USER, email=DEMO_OWNER_EMAIL)

        # Passwords are new on every run and printed only here; they pass
        # AUTH_PASSWORD_VALIDATORS like anyone's (validate_password raises otherwise).
        admin_password, owner_password = _sign_in_password(api_user), _sign_in_password(owner)
        password = secrets.token_urlsafe(16)
        operator = get_user_model().objects.filter(username=DEMO_OPERATOR).first()
        if operator is None:
            operator = get_user_model()(username=DEMO_OPERATOR, is_staff=True, is_superuser=True)
        validate_password(password, user=operator)
        operator.set_password(password)
        operator.save()

        base = settings.TRAILMARK_PUBLIC_URL
        self.stdout.write(
            "\n".join(
                [
                    "",
                    f"Demo website : {website.domain} (id {website.id})",
                    f"Admin API key: {api_key}",
                    f"Try it       : curl -H 'X-API-KEY: {api_key}' {base}/api/v1/websites",
                    f"Django admin : {base}/admin/  user {DEMO_OPERATOR}  password {password}",
                    f"Dashboard    : {base}{settings.LOGIN_URL}",
                    f"  operator   : {DEMO_ADMIN_EMAIL}  password {admin_password}  (all sites)",
                    f"  site owner : {DEMO_OWNER_EMAIL}  password {owner_password}",
                    f"API docs     : {base}/api/docs/",
                    "",
                ]
            )
        )


def _sign_in_password(user: User) -> str:
    """A new dashboard password for the user, set (checked as anyone's) and returned."""
    password = secrets.token_urlsafe(16)
    services.user_password_set(user=user, password=password)
    return password
