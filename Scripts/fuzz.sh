#!/usr/bin/env bash
# Fuzzes Likeness's loaders of untrusted files with libFuzzer and AddressSanitizer (docs/FUZZING.md).
#
#   Scripts/fuzz.sh [TARGET|all] [SECONDS]      (default: all targets, 60 seconds each)
#
# Builds likeness-fuzz with -sanitize=fuzzer,address into .build-fuzz, then runs each target for
# SECONDS from its seeds (Tests/Fuzz/Corpus/TARGET) and the corpus grown so far
# (.fuzz/corpus/TARGET). Crashes, leaks, timeouts and allocations past the memory limit are left
# in .fuzz/artifacts/TARGET/, the log in .fuzz/logs/TARGET.log. Exits non-zero if any target found one.
set -euo pipefail
cd "$(dirname "$0")/.."

all=(idx cifar10 png jpeg image-set gallery embedding-store model-archive)
target=${1:-all}
seconds=${2:-60}
if [ "$target" = all ]; then targets=("${all[@]}"); else targets=("$target"); fi
for t in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $t "* ]] || { echo "fuzz: unknown target '$t' (targets: ${all[*]})" >&2; exit 2; }
done

# lld: gold stops with an internal error on the sanitizer's objects.
flags=(-c release --product likeness-fuzz --build-path .build-fuzz
       -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld)
swift build "${flags[@]}" >&2
binary="$(swift build "${flags[@]}" --show-bin-path)/likeness-fuzz"

export LSAN_OPTIONS="suppressions=$PWD/Scripts/fuzz-lsan.supp:print_suppressions=0"
status=0
for t in "${targets[@]}"; do
  corpus=.fuzz/corpus/$t artifacts=.fuzz/artifacts/$t log=.fuzz/logs/$t.log
  mkdir -p "$corpus" "$artifacts" .fuzz/logs
  echo "fuzz: $t for ${seconds}s" >&2
  # New inputs go to the first folder; the seeds are read from the second.
  if "$binary" "$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "$corpus" "Tests/Fuzz/Corpus/$t" >"$log" 2>&1; then
    result=clean
  else
    result="FOUND $(ls "$artifacts" | wc -l) artifact(s) in $artifacts"
    status=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  echo "fuzz: $t: ${seconds}s, ${runs:-?} runs, corpus $(ls "$corpus" | wc -l) inputs, $result" >&2
done
exit $status
