#!/usr/bin/env bash
# Trains every attention variant (configs/attention/*.yaml) on every toy corpus that has gold dev
# alignments (corpora/<name>/dev.align, with its training budget from configs/<name>.yaml) and
# prints Markdown tables of dev BLEU, alignment error rate and training time, read from the SQLite
# log. docs/attention.md shows the tables this printed.
#
# Usage (from anywhere; runs from the repository root):
#   scripts/compare-attention.sh [--variants "bahdanau luong-general"] [--corpora "reverse dates"]
#                                [--max-steps N] [--threads N] [--database PATH] [--out FILE]
#
#   --variants   names of configs/attention/*.yaml to train (default: all)
#   --corpora    names of corpora/* to train on (default: all with dev.align and a configs/<name>.yaml)
#   --max-steps  cap every run at N steps (default 0: the corpus config's epochs)
#   --threads    BLAS threads per run (default 1: CPU time then measures the work, not the
#                machine's load or OpenBLAS threads waiting for each other)
#   --database   SQLite log to write (default runs/attention-comparison.sqlite; recreated)
#   --out        also write the tables to FILE
#   ATTEND=path  use this attend binary instead of building one (swift build -c release)
#
# Each run's model section is the variant file's; data, epochs and learning rate come from the
# corpus; seed 1, batch 64, evaluation every 200 steps (greedy decoding, the model's decoding
# settings). BLEU is the best dev BLEU of the run; AER is the dev AER (argmax of the teacher-forced
# attention against the gold alignments, Och & Ney) at that best step; time is the CPU time (user +
# system) of the whole `attend train` process, evaluations included.
set -euo pipefail
cd "$(dirname "$0")/.."

variants=""
corpora=""
max_steps=0
threads=1
database=runs/attention-comparison.sqlite
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --variants) variants="$2"; shift 2 ;;
    --corpora) corpora="$2"; shift 2 ;;
    --max-steps) max_steps="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --database) database="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if [ -z "$variants" ]; then
  variants=$(for f in configs/attention/*.yaml; do basename "$f" .yaml; done)
fi
if [ -z "$corpora" ]; then
  corpora=$(for d in corpora/*/; do
    name=$(basename "$d")
    [ -f "corpora/$name/dev.align" ] && [ -f "configs/$name.yaml" ] && echo "$name"
  done)
fi
for v in $variants; do
  [ -f "configs/attention/$v.yaml" ] || { echo "error: no configs/attention/$v.yaml" >&2; exit 2; }
done
for c in $corpora; do
  for f in "corpora/$c/train.tsv" "corpora/$c/dev.tsv" "corpora/$c/dev.align" "configs/$c.yaml"; do
    [ -f "$f" ] || { echo "error: corpus '$c' lacks $f" >&2; exit 2; }
  done
done
command -v sqlite3 >/dev/null || { echo "error: sqlite3 is needed to read the log (apt-get install sqlite3)" >&2; exit 2; }

attend="${ATTEND:-}"
if [ -z "$attend" ]; then
  swift build -c release --product attend >&2
  attend=.build/release/attend
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$(dirname "$database")"
rm -f "$database" "$database-wal" "$database-shm"

# The first value of `key:` in a corpus config (its training budget).
setting() { awk -v key="$2:" '$1 == key { print $2; exit }' "configs/$1.yaml"; }

for c in $corpora; do
  epochs=$(setting "$c" epochs)
  rate=$(setting "$c" learning_rate)
  for v in $variants; do
    name="$v@$c"
    config="$work/$v-$c.yaml"
    {
      # The variant's model section only; data and budget come from the corpus.
      awk '/^[^ #]/ { keep = ($0 ~ /^model:/) } keep && !/^ *#/' "configs/attention/$v.yaml"
      cat <<EOF
data:
  train: corpora/$c/train.tsv
  dev: corpora/$c/dev.tsv
  dev_alignments: corpora/$c/dev.align
training:
  seed: 1
  batch_size: 64
  epochs: ${epochs:-5}
  max_steps: $max_steps
  learning_rate: ${rate:-0.002}
  eval_every: 200
  threads: $threads
  checkpoint_dir: $work/checkpoints
logging:
  run_name: $(echo "$name" | tr '@' '_')
  database: $database
  probes: 3
EOF
    } >"$config"
    echo "training $v on $c" >&2
    # bash's `time` reports the child's CPU seconds (user, system) on stderr per TIMEFORMAT.
    if ! { TIMEFORMAT='%U %S'; time "$attend" train --config "$config" >"$work/$v-$c.log" 2>&1; } 2>"$work/$v-$c.time"; then
      echo "  failed; last lines:" >&2
      tail -5 "$work/$v-$c.log" >&2
      rm -f "$work/$v-$c.time"
    fi
  done
done

# One value per (variant, corpus) run, from the log.
value() {
  local run
  run=$(echo "$1@$2" | tr '@' '_')
  sqlite3 "$database" "
    SELECT CASE '$3'
      WHEN 'bleu' THEN printf('%.1f', r.best_bleu)
      WHEN 'aer' THEN (SELECT printf('%.3f', e.aer) FROM evaluations e WHERE e.run_id = r.id AND e.step = r.best_step)
    END
    FROM runs r WHERE r.name = '$run' AND r.status = 'completed' ORDER BY r.id DESC LIMIT 1"
}

table() {
  local metric="$1" title="$2"
  echo "$title"
  echo
  printf '| variant |'
  for c in $corpora; do printf ' %s |' "$c"; done
  echo
  printf '|---|'
  for _ in $corpora; do printf -- '---:|'; done
  echo
  for v in $variants; do
    printf '| %s |' "$v"
    for c in $corpora; do
      if [ "$metric" = time ]; then
        x=$([ -f "$work/$v-$c.time" ] && awk '{ printf "%.0f", $1 + $2 }' "$work/$v-$c.time")
      else
        x=$(value "$v" "$c" "$metric")
      fi
      printf ' %s |' "${x:-failed}"
    done
    echo
  done
  echo
}

{
  table bleu "Dev BLEU (best of the run):"
  table aer "Dev AER at the best-BLEU step (lower is better):"
  table time "Training time: CPU seconds of the run ($threads BLAS thread(s), evaluations included):"
  echo "$("$attend" --version 2>/dev/null | head -1); $(sqlite3 "$database" "SELECT blas FROM runs LIMIT 1")"
} | tee ${out:+"$out"}
