#!/usr/bin/env bash
# Sets up what is missing, then runs every test. Heavy tests run on the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh

# A Python environment with h5py, so that the tests check that other HDF5 clients read our files.
if [ ! -x .venv/bin/python3 ] || ! .venv/bin/python3 -c "import h5py" 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r Scripts/requirements-test.txt
fi
export PATH="$PWD/.venv/bin:$PATH"

swift build -c release --build-tests
swift test -c release --skip-build 2>&1
