#!/usr/bin/env bash
# Checks `attend report` in a real browser: trains the shipped reverse config into a temporary
# directory, writes the run's HTML report and a heatmap PNG, then loads the report in headless
# Chromium with name resolution disabled and checks that its script drew every heatmap
# (<body data-status="ready">, no script error) and fetched nothing. Also decodes the PNG with
# Python's zlib, an independent decoder. Leaves everything in the temporary directory it prints.
#
# Usage: scripts/check-report.sh [--screenshot]   (run from the repository root)
#   --screenshot   also save the page as docs/report-screenshot.png
# Environment: ATTEND=path/to/attend to skip the build (default: builds into .build-report).
# Chromium comes from Debian (apt-get install chromium); without it the browser check is skipped
# (exit 0, "SKIP" on stderr), the rest still runs.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
screenshot=false
for argument in "$@"; do
  case "$argument" in
    --screenshot) screenshot=true ;;
    *) echo "usage: scripts/check-report.sh [--screenshot]" >&2; exit 2 ;;
  esac
done

if [[ -z "${ATTEND:-}" ]]; then
  swift build -c release --scratch-path .build-report --product attend >&2
  ATTEND="$root/.build-report/release/attend"
fi

work=$(mktemp -d /tmp/attend-check-report.XXXXXX)
echo "working in $work" >&2
# The config's relative paths (corpora/, runs/, checkpoints/) resolve against the working
# directory: give it the corpora and keep everything it writes in $work.
ln -s "$root/corpora" "$work/corpora"
cp configs/reverse.yaml "$work/reverse.yaml"
(cd "$work" && "$ATTEND" train --config reverse.yaml > train.log)
(cd "$work" && "$ATTEND" runs && "$ATTEND" report --run reverse --out report.html \
  && "$ATTEND" alignments --run reverse --probe 2 --out heatmap.png && "$ATTEND" alignments --run reverse --probe 2 --style shade)

if command -v python3 > /dev/null; then
  python3 - "$work/heatmap.png" <<'PYTHON'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "PNG signature"
offset, idat, size = 8, b"", None
while offset < len(data):
    (length,) = struct.unpack(">I", data[offset:offset + 4])
    kind, body = data[offset + 4:offset + 8], data[offset + 8:offset + 8 + length]
    (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
    assert zlib.crc32(kind + body) == crc, f"{kind} CRC"
    if kind == b"IHDR":
        size = struct.unpack(">II", body[:8])
    if kind == b"IDAT":
        idat += body
    offset += 12 + length
raw = zlib.decompress(idat)
width, height = size
assert len(raw) == height * (1 + 3 * width), "scanline bytes"
print(f"heatmap.png: {width}x{height}, zlib and CRCs verified by Python", file=sys.stderr)
PYTHON
fi

browser=""
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" > /dev/null; then browser=$candidate; break; fi
done
if [[ -z "$browser" ]]; then
  echo "SKIP: no Chromium found (apt-get install chromium); the report was written to $work/report.html" >&2
  exit 0
fi

flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --disable-extensions
  --host-resolver-rules="MAP * ~NOTFOUND" --virtual-time-budget=5000)
"$browser" "${flags[@]}" --dump-dom "file://$work/report.html" > "$work/dom.html" 2> "$work/chromium.log"
status=$(grep -o 'data-status="[^"]*"' "$work/dom.html" | head -1 || true)
# Drawn cells only: the script's own source (also in the DOM) has the same class name, followed by a quote.
cells=$(grep -Eo 'class="cell" x="[0-9]' "$work/dom.html" | wc -l)
if [[ "$status" != 'data-status="ready"' ]]; then
  echo "FAIL: the report's script did not finish: ${status:-no data-status} (see $work/dom.html, $work/chromium.log)" >&2
  exit 1
fi
if [[ "$cells" -eq 0 ]]; then
  echo "FAIL: no heatmap cells were drawn (see $work/dom.html)" >&2
  exit 1
fi
if grep -Eq '(src|href)="https?:' "$work/report.html"; then
  echo "FAIL: the report references a network resource" >&2
  exit 1
fi
echo "report renders in $browser: status ready, $cells heatmap cells drawn" >&2

if $screenshot; then
  # Wait for every compositor stage, or the bottom tiles may be captured half painted.
  "$browser" "${flags[@]}" --run-all-compositor-stages-before-draw --window-size=1200,1850 \
    --screenshot="$work/report.png" "file://$work/report.html" \
    2>> "$work/chromium.log"
  cp "$work/report.png" docs/report-screenshot.png
  echo "saved docs/report-screenshot.png" >&2
fi
echo "OK" >&2
