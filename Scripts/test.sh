#!/usr/bin/env bash
# Sets up what is missing, then runs every test. Heavy tests run on the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh

# A Python environment with h5py, so that the tests check that other HDF5 clients read our files, and
# with what the notebooks need (Scripts/run-notebooks.sh). Installed again when a requirements file changes.
requirements=(Scripts/requirements-test.txt Notebooks/requirements.txt)
stamp=$(cat "${requirements[@]}" | sha256sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python3 ] || [ "$(cat .venv/requirements.sha256 2>/dev/null)" != "$stamp" ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r Scripts/requirements-test.txt -r Notebooks/requirements.txt
  echo "$stamp" > .venv/requirements.sha256
fi
export PATH="$PWD/.venv/bin:$PATH"

swift build -c release --build-tests
# The command-line suites fail, rather than skip, when an executable is missing.
LIKENESS_REQUIRE_BINARY=1 swift test -c release --skip-build 2>&1

# The demo's small version end to end, then the notebooks on what it wrote, so neither can rot.
.build/release/likeness demo --quick --output .build/demo-quick
Scripts/run-notebooks.sh .build/demo-quick

# The README's own-folder walk-through, as written.
rm -rf .build/walkthrough
Scripts/readme-walkthrough.sh .build/walkthrough > /dev/null
