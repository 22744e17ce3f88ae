#!/usr/bin/env bash
# Executes every notebook of Notebooks/ headless against a folder the CLI wrote (`likeness demo --output DIR`),
# with LIKENESS_DEMO_DIR=DIR. The executed copies go to OUT (default: a new temporary folder), never over
# the committed notebooks. Exits non-zero if a cell of any notebook raises, showing the cell and its error.
#
#   Scripts/run-notebooks.sh DIR [OUT]
#
# Needs a python3 on PATH with Notebooks/requirements.txt installed (Scripts/test.sh puts them into .venv:
# PATH="$PWD/.venv/bin:$PATH" Scripts/run-notebooks.sh likeness-demo).
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  echo "usage: $0 DIR [OUT]   (DIR: what 'likeness demo --output DIR' wrote; OUT: where the executed copies go)" >&2
  exit 2
fi
[ -d "$1" ] || { echo "run-notebooks: no folder $1 (run 'likeness demo --output $1' first)" >&2; exit 2; }
if ! python3 -c "import nbclient, nbformat, ipykernel" 2>/dev/null; then
  echo "run-notebooks: $(command -v python3 || echo python3) lacks nbclient/nbformat/ipykernel:" \
       "pip install -r Notebooks/requirements.txt (Scripts/test.sh installs them into .venv)" >&2
  exit 2
fi

demo=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -eq 2 ]; then
  out=$(realpath -m "$2")
  case "$out/" in
    "$(realpath -m "$root/Notebooks")/"*)
      echo "run-notebooks: OUT must be outside Notebooks/ (the committed notebooks stay as they are)" >&2; exit 2 ;;
  esac
  mkdir -p "$out"
else
  out=$(mktemp -d "${TMPDIR:-/tmp}/likeness-notebooks.XXXXXX")
fi

export LIKENESS_DEMO_DIR="$demo"
# Jupyter's and IPython's own files (kernel connection files, profile) go beside the executed copies, and
# the kernel is this python3's ipykernel, not a kernelspec of the user's.
export JUPYTER_DATA_DIR="$out/.jupyter" IPYTHONDIR="$out/.ipython"

exec python3 - "$root/Notebooks" "$out" <<'PY'
import re, sys, time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

notebooks, out = Path(sys.argv[1]), Path(sys.argv[2])
ansi = re.compile(r"\x1b\[[0-9;]*m")
failed = []
start = time.monotonic()
for path in sorted(notebooks.glob("*.ipynb")):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=600, startup_timeout=120,
                            resources={"metadata": {"path": str(notebooks)}})
    t = time.monotonic()
    try:
        client.execute()
        print(f"{path.name}: ok ({time.monotonic() - t:.1f} s)", flush=True)
    except CellExecutionError as error:
        failed.append(path.name)
        print(f"{path.name}: FAILED ({time.monotonic() - t:.1f} s)\n{ansi.sub('', str(error))}\n", file=sys.stderr, flush=True)
    except Exception as error:  # the kernel died, or a cell ran past the timeout
        failed.append(path.name)
        print(f"{path.name}: FAILED: {type(error).__name__}: {ansi.sub('', str(error))}\n", file=sys.stderr, flush=True)
    finally:
        nbformat.write(nb, out / path.name)

print(f"executed copies in {out} ({time.monotonic() - start:.1f} s)")
if failed:
    sys.exit(f"run-notebooks: {len(failed)} notebook(s) failed: {', '.join(failed)}")
PY
