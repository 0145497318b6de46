#!/usr/bin/env bash
# Regenerates the key tables of docs/config-reference.md from the key declarations
# (ConfigReferenceTests with ATTEND_UPDATE_CONFIG_REFERENCE=1), then copies the document (minus
# its title) into README.md between the config-reference markers, so the README's config
# reference is never out of date. Tests (ConfigReferenceTests, ReadmeTests) fail when they differ.
# --readme-only: skip the regeneration (no build), only copy.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" != "--readme-only" ]]; then
  ATTEND_UPDATE_CONFIG_REFERENCE=1 swift test -c release --disable-swift-testing \
    --filter AttendTrainingTests.ConfigReferenceTests/testConfigReferenceTablesEqualTheKeyDeclarations >/dev/null
fi
python3 - <<'PY'
import re
readme = open("README.md", encoding="utf-8").read()
reference = open("docs/config-reference.md", encoding="utf-8").read()
body = reference.split("\n", 1)[1].lstrip("\n")            # drop the "# ..." title line
body = re.sub(r"^## ", "### ", body, flags=re.M)            # README nests it one level down
begin = readme.index("<!-- config-reference:begin")
begin = readme.index("\n", begin) + 1
end = readme.index("<!-- config-reference:end -->")
open("README.md", "w", encoding="utf-8").write(readme[:begin] + "\n" + body.rstrip("\n") + "\n\n" + readme[end:])
PY
