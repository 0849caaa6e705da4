"""The sites pages and a shared link in a real headless Chromium against the live server.

The data set is the reports' week (tests/reports/conftest.py, "now" 2026-03-10 12:00 UTC).
Expected figures come from the query engine, computed before the browser opens (Django refuses
ORM calls inside Playwright's asyncio loop). Screenshots go to tests/artifacts/.
"""

import json
import re

from dashboard.site_selectors import site_summary, website_query_run
from sharing.models import SharedLink
from sharing.services import shared_link_create
from tests.browser import PHONE, chromium, chromium_or_skip, screenshot, signed_in
from tests.factories import session_signed_in, website_make
from websites.models import Website
from websites.selectors import website_tracker_snippet

chromium_or_skip()


SAFARI = ["is", "visit:browser", ["Safari"]]
READ_VISITORS = "() => document.querySelector('.top-stats [data-metric=visitors]').dataset.value"
PAGE_OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def visitors(website, filters: list) -> str:
    answer = website_query_run(
        website=website, body={"date_range": "30d", "metrics": ["visitors"], "filters": filters}
    )
    return json.dumps(answer["results"][0]["metrics"][0])


def test_the_owner_lists_adds_a_site_and_copies_its_snippet(live_server, tenant, dataset):
    quiet = website_make(account=tenant.account, domain="quiet.example")
    today = {site.domain: site_summary(website=site).today_visitors for site in (dataset, quiet)}
    session_key = session_signed_in(user=tenant.user)

    with chromium() as browser:
        page = signed_in(browser, live_server, session_key).new_page()
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{live_server.url}/sites/")
        shown = {
            row.query_selector("th").text_content().strip(): row.query_selector(
                "[data-metric=visitors]"
            ).get_attribute("data-value")
            for row in page.query_selector_all("tr[data-website-id]")
        }
        sparklines = page.locator("svg.sparkline").count()
        screenshot(page, "sites-list")

        phone = signed_in(browser, live_server, session_key, viewport=PHONE).new_page()
        phone.goto(f"{live_server.url}/sites/")
        phone_overflow = phone.evaluate(PAGE_OVERFLOW)
        screenshot(phone, "sites-list-phone")

        page.click("text=Add a site")
        page.fill("#id_domain", "not a domain")
        page.select_option("#id_timezone", "Asia/Tokyo")
        page.click("main button[type=submit]")
        domain_error = page.text_content(".field-invalid .field-errors")
        screenshot(page, "site-add-error")
        page.fill("#id_domain", "shop.example")
        page.click("main button[type=submit]")
        page.wait_for_url("**/settings/")
        page.click("#snippet button[data-copy]")
        page.wait_for_selector("#snippet .copy-status:has-text('Copied')")
        copied = page.evaluate("() => navigator.clipboard.readText()")
        screenshot(page, "site-settings")

    assert shown == {domain: str(count) for domain, count in today.items()}
    assert sparklines == 1  # quiet.example waits for its first event
    assert phone_overflow == 0
    assert "domain name" in domain_error
    added = Website.objects.get(domain="shop.example")
    assert (added.account_id, added.timezone) == (tenant.account.pk, "Asia/Tokyo")
    assert copied == website_tracker_snippet(website=added)
    assert errors == []


def test_a_shared_link_made_on_its_page_opens_signed_out(live_server, tenant, dataset):
    expected_locked = visitors(dataset, [SAFARI])
    session_key = session_signed_in(user=tenant.user)
    shares = f"{live_server.url}/sites/{dataset.pk}/shares/"

    with chromium() as browser:
        owner = signed_in(browser, live_server, session_key).new_page()
        owner.goto(shares)
        owner.fill("#id_label", "Press kit")
        owner.fill("#id_password", "open sesame please")
        owner.fill("#id_filters", json.dumps([SAFARI]))
        owner.click("button:has-text('Create the link')")
        owner.wait_for_selector("tr[data-share-id]")
        link_url = owner.text_content("tr[data-share-id] code")
        screenshot(owner, "shares-list")
        phone = signed_in(browser, live_server, session_key, viewport=PHONE).new_page()
        phone.goto(shares)
        phone_overflow = phone.evaluate(PAGE_OVERFLOW)
        screenshot(phone, "shares-list-phone")

        visitor = browser.new_context().new_page()
        visitor.goto(link_url)
        screenshot(visitor, "share-password")
        visitor.fill("#id_password", "wrong password")
        visitor.click("main button[type=submit]")
        refused = visitor.text_content(".field-errors")
        visitor.fill("#id_password", "open sesame please")
        visitor.click("main button[type=submit]")
        visitor.wait_for_selector("#chart .uplot")
        shown_locked = visitor.evaluate(READ_VISITORS)
        chips = visitor.locator(".chip.locked").count()
        links_out = visitor.evaluate(
            "() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"
            ".filter(href => href.includes('/sites/') || href.startsWith('/admin'))"
        )
        header_nav = visitor.locator(".site-header nav, .site-header a").count()
        screenshot(visitor, "share-dashboard")

    assert re.fullmatch(rf"{live_server.url}/share/[A-Za-z0-9_-]{{43}}/", link_url)
    assert phone_overflow == 0
    assert "not this link's password" in refused
    assert shown_locked == expected_locked
    assert chips == 1
    assert links_out == [] and header_nav == 0
    link = SharedLink.objects.get()
    assert (link.label, link.has_password) == ("Press kit", True)


def test_the_embed_shows_in_a_frame_where_the_page_cannot(live_server, dataset):
    link = shared_link_create(website=dataset, filters=[SAFARI])
    expected = visitors(dataset, [SAFARI])
    base = f"{live_server.url}/share/{link.token}/"

    with chromium() as browser:
        page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
        page.set_content(
            "<h1>A customer's page</h1>"
            f'<iframe id="embed" src="{base}?embed=1" style="width:1000px;height:1500px"></iframe>'
            f'<iframe id="page" src="{base}" style="width:300px;height:100px"></iframe>'
        )
        embed = page.frame_locator("#embed")
        embed.locator("#chart .uplot").wait_for()
        shown = embed.locator(".top-stats [data-metric=visitors]").get_attribute("data-value")
        embed_header = embed.locator(".site-header").count()
        blocked = page.query_selector("#page").content_frame()
        for _ in range(100):  # up to 5 s for the answer (the error page replaces about:blank)
            if blocked.url != "about:blank":
                break
            page.wait_for_timeout(50)
        framed_page = (blocked.url, page.frame_locator("#page").locator(".top-stats").count())
        screenshot(page, "share-embed")

    assert shown == expected
    assert embed_header == 0
    # X-Frame-Options: DENY keeps the link's own page out of frames: Chromium shows its error.
    assert framed_page == ("chrome-error://chromewebdata/", 0)
