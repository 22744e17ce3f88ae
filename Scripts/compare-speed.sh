#!/usr/bin/env bash
# Speed of one build against another on the same machine: the two likeness-bench binaries
# alternate (the order swapped every pair, so drift hits both alike), PAIRS pairs of
# `likeness-bench MEASURES --runs 5`, then per figure the median of the pairs' ratios new/old.
#
#   Scripts/compare-speed.sh OLD_BENCH NEW_BENCH [PAIRS] [MEASURE ...] [-- BENCH OPTIONS]
#   Scripts/compare-speed.sh /tmp/old/likeness-bench .build/release/likeness-bench 8 train embed query -- --model m.h5
set -euo pipefail
old=$1 new=$2 pairs=${3:-8}
shift $(($# < 3 ? $# : 3))
measures=() options=()
while (($#)); do
  if [ "$1" = "--" ]; then shift; options=("$@"); break; fi
  measures+=("$1"); shift
done
((${#measures[@]})) || measures=(train embed query)
out=$(mktemp -d)
for i in $(seq 1 "$pairs"); do
  order=(old new); ((i % 2)) || order=(new old)
  for t in "${order[@]}"; do
    bench=$old; [ "$t" = new ] && bench=$new
    echo "pair $i/$pairs: $t" >&2
    "$bench" "${measures[@]}" --runs 5 "${options[@]}" --output "$out/$t-$i.jsonl" > /dev/null 2> "$out/$t-$i.log"
  done
done
python3 - "$out" "$pairs" <<'PY'
import json, statistics, sys
folder, pairs = sys.argv[1], int(sys.argv[2])
figures = {}
for i in range(1, pairs + 1):
    for build in ("old", "new"):
        for line in open(f"{folder}/{build}-{i}.jsonl"):
            figure = json.loads(line)
            if str(figure.get("unit", "")).endswith("/s"):
                figures.setdefault(figure["name"], {}).setdefault(build, []).append(figure["value"])
print("| figure | old (median) | new (median) | ratios new/old by pair | median ratio |")
print("|---|---|---|---|---|")
for name, runs in figures.items():
    ratios = [n / o for n, o in zip(runs["new"], runs["old"])]
    print(f"| {name} | {statistics.median(runs['old']):.0f} | {statistics.median(runs['new']):.0f} | "
          f"{' '.join(f'{r:.2f}' for r in ratios)} | {statistics.median(ratios):.3f} |")
PY
echo "runs in $out" >&2
