"""Builds ingest/data/referrers.json, the host lists behind `enrichment.referrer_classify`.

    .venv/bin/python ingest/data/build_referrer_lists.py          # rewrite referrers.json
    .venv/bin/python ingest/data/build_referrer_lists.py --check  # exit 1 if it is stale

Sources (vendored verbatim under ingest/data/upstream/, so the build needs no network):

- Matomo "searchengine-and-social-list", github.com/matomo-org/searchengine-and-social-list
  - SearchEngines.yml at commit 02e45a1caccbcefaba4d27e407f969bc1d777557 -> search engines
  - Socials.yml at commit 03dcb356c076419f9d32c6da6b69344bd23db106 -> social networks
  License: public domain (composer.json: "Unlicense", package.json: "CC0-1.0").
- Snowplow "referer-parser", github.com/snowplow-referer-parser/referer-parser,
  resources/referers-2025-03-24-140145.json at commit a88dd39879847265ed1738a6acdffda7872cc9ee:
  its `unknown`, `email` and `social` sections (the file's leading characters, verbatim, closed
  with "}"; its `search` section is not used, Matomo's list is the search source).
  License: the project's README says referers.yml "is based on Piwik's SearchEngines.php and
  Socials.php ... available under the GNU General Public License v3"; the code is MIT.
- LOCAL_ADDITIONS below: the few hosts both lists lack at these versions, each with its reason.

To update: replace the files under upstream/ with newer versions, update the commits above, run
this script, commit the three together. The tests fail when referrers.json is stale.

What is built (all hosts lower-case, without a leading "www."):
- `suffix`: host -> category, matching the host and any subdomain of it (m.facebook.com matches
  facebook.com). Social, email and Snowplow's `unknown` entries; Matomo's "{}.bing.com" patterns.
- `exact`: host -> category, matching that host only. Matomo's plain search-engine hosts: Matomo
  lists the search subdomains it means (news.google.com, r.search.yahoo.com), so docs.google.com is
  a referral, not a search.
- `tld_wildcard`: prefix -> category for Matomo's "google.{}" patterns: any TLD, including the
  combined ones listed in `combined_tlds` (google.co.uk, google.com.au).
Categories are "search", "social", "email" and "other" (Snowplow's `unknown`: known pages of search
companies that are not searches, such as maps.google.com; they end up as plain referrals). When the
same host is in several lists, email beats social beats other beats search (www.facebook.com is
both a Matomo search engine and a social network: social). Entries with a path ("orange.fr/webmail",
"bing.com/images/search") are skipped: a referrer is classified by its host alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent
UPSTREAM = DATA / "upstream"
OUTPUT = DATA / "referrers.json"

MATOMO_SEARCH = UPSTREAM / "matomo" / "SearchEngines.yml"
MATOMO_SOCIAL = UPSTREAM / "matomo" / "Socials.yml"
SNOWPLOW = UPSTREAM / "snowplow" / "referers-2025-03-24-140145.unknown-email-social.json"

# Matomo README: "For tlds only {} would also match combined tlds like co.uk (com.*, org.*, net.*,
# co.*, it.*, edu.*)".
COMBINED_TLDS = ("co", "com", "edu", "it", "net", "org")

PRIORITY = {"email": 0, "social": 1, "other": 2, "search": 3}

# Hosts missing from both lists at the vendored versions. Keep this short; prefer upstream.
LOCAL_ADDITIONS: dict[str, dict[str, str]] = {
    "search": {
        "search.brave.com": "Brave Search (Snowplow's search section; not this Matomo version)",
        "ya.ru": "Yandex's search home page since 2023",
    },
    "social": {
        "x.com": "Twitter's domain since 2023",
        "threads.com": "Threads' domain since 2025 (threads.net is listed)",
        "bsky.app": "Bluesky",
        "mastodon.social": "the largest Mastodon instance",
    },
    "email": {
        "outlook.office.com": "Outlook on the web for Microsoft 365 (outlook.live.com is listed)",
        "outlook.office365.com": "Outlook on the web for Microsoft 365, older host",
    },
}


def normalize_host(entry: str) -> str | None:
    """A list entry as a bare host, or None when it cannot be matched on a host alone."""
    host = entry.strip().lower()
    if host.startswith("android-app://"):
        host = host.removeprefix("android-app://")
    if not host or "/" in host or " " in host:
        return None
    host = host.rstrip(".")
    return host.removeprefix("www.")


class Lists:
    def __init__(self) -> None:
        self.exact: dict[str, str] = {}
        self.suffix: dict[str, str] = {}
        self.tld_wildcard: dict[str, str] = {}
        self.skipped: list[str] = []

    @staticmethod
    def _put(table: dict[str, str], key: str, category: str) -> None:
        current = table.get(key)
        if current is None or PRIORITY[category] < PRIORITY[current]:
            table[key] = category

    def add_host(self, entry: str, category: str, *, subdomains: bool) -> None:
        host = normalize_host(entry)
        if host is None:
            self.skipped.append(entry)
            return
        self._put(self.suffix if subdomains else self.exact, host, category)

    def add_pattern(self, entry: str, category: str) -> None:
        """A Matomo url: a host, "{}.host" (any subdomain) or "host.{}" (any TLD)."""
        if "{}" not in entry:
            self.add_host(entry, category, subdomains=False)
        elif entry.startswith("{}.") and entry.count("{}") == 1:
            self.add_host(entry[3:], category, subdomains=True)
        elif entry.endswith(".{}") and entry.count("{}") == 1 and "/" not in entry:
            prefix = normalize_host(entry[:-3])
            if prefix is None:
                self.skipped.append(entry)
            else:
                self._put(self.tld_wildcard, prefix, category)
        else:
            # A wildcard in the middle ("images.{}.ask.com") or with a path: not a host rule.
            self.skipped.append(entry)

    def finish(self) -> None:
        # A host in `suffix` wins over the same host in `exact` (exact only holds searches, the
        # lowest priority): maps.google.com is "other", facebook.com is "social".
        for host in self.suffix.keys() & self.exact.keys():
            del self.exact[host]

    def as_json(self) -> dict:
        return {
            "about": "Generated by ingest/data/build_referrer_lists.py; do not edit by hand.",
            "sources": [
                "matomo-org/searchengine-and-social-list SearchEngines.yml@02e45a1 (Unlicense)",
                "matomo-org/searchengine-and-social-list Socials.yml@03dcb35 (Unlicense)",
                "snowplow-referer-parser/referer-parser "
                "referers-2025-03-24-140145.json@a88dd39 unknown/email/social (GPL-3.0)",
                "local additions (see build_referrer_lists.py)",
            ],
            "combined_tlds": list(COMBINED_TLDS),
            "exact": dict(sorted(self.exact.items())),
            "suffix": dict(sorted(self.suffix.items())),
            "tld_wildcard": dict(sorted(self.tld_wildcard.items())),
        }


def build() -> dict:
    """The content of referrers.json, from the vendored upstream files."""
    lists = Lists()

    engines = yaml.safe_load(MATOMO_SEARCH.read_text(encoding="utf-8"))
    for configs in engines.values():
        for config in configs:
            for url in config["urls"]:
                lists.add_pattern(str(url), "search")

    networks = yaml.safe_load(MATOMO_SOCIAL.read_text(encoding="utf-8"))
    for hosts in networks.values():
        for host in hosts:
            lists.add_host(str(host), "social", subdomains=True)

    snowplow = json.loads(SNOWPLOW.read_text(encoding="utf-8"))
    for section, category in (("unknown", "other"), ("email", "email"), ("social", "social")):
        for provider in snowplow[section].values():
            for host in provider["domains"]:
                lists.add_host(host, category, subdomains=True)

    for category, hosts in LOCAL_ADDITIONS.items():
        for host in hosts:
            lists.add_host(host, category, subdomains=category != "search")

    lists.finish()
    result = lists.as_json()
    result["skipped"] = sorted(set(lists.skipped))
    return result


def render(content: dict) -> str:
    return json.dumps(content, ensure_ascii=False, indent=0) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if referrers.json is stale")
    args = parser.parse_args()

    text = render(build())
    if args.check:
        if OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT} is stale: run {Path(__file__).name}", file=sys.stderr)
            return 1
        print(f"{OUTPUT.name} is up to date")
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    content = json.loads(text)
    print(
        f"wrote {OUTPUT.name}: {len(content['exact'])} exact, {len(content['suffix'])} suffix, "
        f"{len(content['tld_wildcard'])} TLD-wildcard hosts; skipped {len(content['skipped'])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
