#!/usr/bin/env bash
# Runs the README's own-folder walk-through exactly as written: the shell block between the
# <!-- walkthrough:begin --> and <!-- walkthrough:end --> marks, in a fresh folder where
# Datasets/ is the repository's and `likeness` is the release build. Its output goes to stdout.
#   Scripts/readme-walkthrough.sh [FOLDER]     (default: a new temporary folder)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
folder="${1:-$(mktemp -d)}"
mkdir -p "$folder"
[ -e "$folder/Datasets" ] || ln -s "$repo/Datasets" "$folder/Datasets"
block=$(awk '/<!-- walkthrough:begin -->/{on=1; next} /<!-- walkthrough:end -->/{on=0} on' "$repo/README.md" | sed '/^```/d')
[ -n "$block" ] || { echo "readme-walkthrough: no walk-through block in README.md" >&2; exit 1; }
export PATH="$repo/.build/release:$PATH"
cd "$folder"
echo "readme-walkthrough: running in $folder" >&2
bash -euo pipefail -c "$block"
