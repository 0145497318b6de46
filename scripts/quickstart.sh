#!/usr/bin/env bash
# The README's first command: install what is missing, build in release mode, train the shipped
# reverse config, and translate a sequence the model has never seen.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-dependencies.sh
swift build -c release
.build/release/attend info
.build/release/attend train --config configs/reverse.yaml --overwrite
echo
echo "translate: 12 7 33 5 41 9 18  ->"
.build/release/attend translate --checkpoint checkpoints/reverse/best.ckpt "12 7 33 5 41 9 18"
echo
echo "attention of probe sentence 0 at the last evaluation (sqlite3 runs/attend.sqlite):"
sqlite3 -header -column runs/attend.sqlite "
  SELECT target_position AS t, target_token, source_position AS s, source_token, round(weight, 3) AS weight
  FROM alignment_argmax
  WHERE run_id = (SELECT max(id) FROM runs WHERE name = 'reverse')
    AND probe = 0
    AND step = (SELECT max(step) FROM evaluations
                WHERE run_id = (SELECT max(id) FROM runs WHERE name = 'reverse'))
  ORDER BY t;"
