#!/usr/bin/env bash
# Every writing command with its writes failing at STEPS points, from the first byte to the last
# (a file-size limit with SIGXFSZ ignored: a write past it fails as on a full disk). Each time:
# exit 1 with the cause, the old file byte-identical, no temporary file left, no signal.
# The test command runs the same test at four points per command.
#   Scripts/disk-full-sweep.sh [STEPS]      (default 64)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --build-tests
LIKENESS_REQUIRE_BINARY=1 LIKENESS_DISK_FULL_SWEEP="${1:-64}" \
  swift test -c release --skip-build --filter DiskFullCommandLineTests
