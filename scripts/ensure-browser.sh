#!/usr/bin/env bash
# Makes sure a headless-capable Chromium is at /usr/bin/chromium for the tracker's browser test.
#
# We drive Debian's `chromium` package with Playwright for Python (executable_path=/usr/bin/chromium)
# and never run `playwright install`: the distribution's browser gets security updates with the
# rest of the system and needs no download from a third-party CDN.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

say() { printf '[browser] %s\n' "$*"; }
die() { printf '[browser] ERROR: %s\n' "$*" >&2; exit 1; }

if [ -x "$CHROMIUM" ]; then
  say "Chromium ready: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
  die "$CHROMIUM is missing and cannot be installed here (needs apt-get as root). Install Debian's 'chromium' package (sudo apt-get install chromium) so the tracker's browser test can run."
fi

say "installing chromium with apt-get"
if [ -z "${TRAILMARK_APT_UPDATED:-}" ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  export TRAILMARK_APT_UPDATED=1
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null

[ -x "$CHROMIUM" ] || die "apt-get installed chromium but $CHROMIUM is still missing."
say "Chromium ready: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
