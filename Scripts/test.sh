#!/usr/bin/env bash
# Sets up what is missing, then runs every test. Heavy tests run on the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
swift build -c release --build-tests
swift test -c release --skip-build 2>&1
