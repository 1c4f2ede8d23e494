#!/usr/bin/env bash
# Screenshot check that the HTML reports render offline (issue 15): every page given (default: the
# steward's pages under data/reports/*/index.html) is loaded by headless Chromium with no network
# (the page's own external references are refused by a proxy that does not exist) and
# screenshot to OUT_DIR; a page fails when it names an http(s) asset (src/href/url()) or when
# Chromium cannot render it. Look at the PNGs to see that styles and charts are there.
# Not part of `make test` (CI has no Chromium): `apt-get install -y chromium`, then
#   scripts/check_reports_offline.sh [PAGE.html ...]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT_DIR=${OUT_DIR:-/tmp/footfall-offline-check}
BROWSER=${BROWSER:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$BROWSER" ] || { echo "check_reports_offline: chromium not found (apt-get install -y chromium)" >&2; exit 2; }

if [ $# -eq 0 ]; then
  shopt -s nullglob
  set -- "$ROOT"/data/reports/*/index.html
fi
[ $# -gt 0 ] || { echo "check_reports_offline: no pages (run the demo, or name the pages)" >&2; exit 2; }

mkdir -p "$OUT_DIR"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
failed=0
for page in "$@"; do
  page=$(realpath "$page")
  name=$(basename "$(dirname "$page")")-$(basename "$page" .html)
  png=$OUT_DIR/$name.png
  if grep -Eqi '(src|href)[[:space:]]*=[[:space:]]*["'"'"']?[[:space:]]*(https?:)?//|url\([[:space:]]*["'"'"']?(https?:)?//' "$page"; then
    echo "FAIL $page: loads an asset from the network" >&2
    failed=1
    continue
  fi
  rm -f "$png"
  timeout 120 "$BROWSER" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --proxy-server=127.0.0.1:9 --proxy-bypass-list='<-loopback>' \
    --user-data-dir="$profile" --window-size=1280,2000 --screenshot="$png" \
    "file://$page" >/dev/null 2>&1 || true
  if [ -s "$png" ]; then
    echo "ok   $page -> $png"
  else
    echo "FAIL $page: no screenshot" >&2
    failed=1
  fi
done
exit $failed
