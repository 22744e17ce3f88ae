#!/usr/bin/env python3
"""PROTOCOL.md's held-out rule, applied to `likeness-bench one-shot --held-out` JSON lines.

Usage: heldout_rule.py FILE.jsonl [FILE.jsonl ...]

Runs of the same recipe from several files (seeds 0-2 in one, 3-5 in another) are joined by
seed. Per setting: the candidate distillation weights' held-out mean recall (Shirt and Bag),
averaged over the seeds, among those whose 6 known classes keep at least the triplet reference's
macro recall - 0.01; the highest wins, a tie goes to the smaller weight. Prints a table and the
choice; a weight measured on other seeds than the reference is no candidate, and the exit
status is then 1.
"""
import json
import re
import statistics
import sys

CANDIDATES = (0.3, 0.5, 0.7, 1.0)
FLOOR_MARGIN = 0.01


def recipe_key(line):
    """(setting, weight) for a distilled run, ("reference", None) for the triplet reference, None for other lines."""
    if line.get("loss") == "triplet" and not line.get("distill"):
        return ("reference", None)
    match = re.search(r"weight ([0-9.]+)", line.get("distill") or "")
    if line.get("loss") != "supcon" or not match:
        return None
    return (line["setting"], float(match.group(1)))


def main(paths):
    figures = {}  # (key, measure) -> {seed: value}
    for path in paths:
        with open(path) as handle:
            for number, text in enumerate(handle, 1):
                line = json.loads(text)
                measure = next((m for m in ("heldout_novel_recall", "heldout_known_macro_recall")
                                if line["name"].endswith(m)), None)
                key = recipe_key(line) if measure else None
                if key is None:
                    continue
                runs = line["runs"]
                if len(runs) != len(line["seeds"]):
                    sys.exit(f"{path}:{number}: {len(runs)} runs for seeds {line['seeds']}")
                per_seed = figures.setdefault((key, measure), {})
                for seed, value in zip(line["seeds"], runs):
                    if seed in per_seed and per_seed[seed] != value:
                        sys.exit(f"{path}:{number}: seed {seed} of {line['name']} measured twice, differently")
                    per_seed[seed] = value

    def mean(key, measure):
        per_seed = figures.get((key, measure), {})
        return statistics.fmean(per_seed.values()), sorted(per_seed)

    reference_known, reference_seeds = mean(("reference", None), "heldout_known_macro_recall")
    floor = reference_known - FLOOR_MARGIN
    print(f"triplet reference: known-6 {reference_known:.4f} over seeds {reference_seeds} -> floor {floor:.4f}")
    failed = False
    for setting in sorted({key[0] for key, _ in figures if key[0] != "reference"}):
        best = None
        for weight in CANDIDATES:
            if ((setting, weight), "heldout_novel_recall") not in figures:
                print(f"{setting} {weight}: not measured")
                continue
            novel, seeds = mean((setting, weight), "heldout_novel_recall")
            known, known_seeds = mean((setting, weight), "heldout_known_macro_recall")
            values = list(figures[((setting, weight), "heldout_novel_recall")].values())
            spread = statistics.stdev(values) if len(values) > 1 else float("nan")
            eligible = known >= floor
            print(f"{setting} {weight}: held-out mean {novel:.4f} (sd over seeds {spread:.4f}), "
                  f"known-6 {known:.4f}{'' if eligible else ' (under the floor)'}, seeds {seeds}")
            if seeds != reference_seeds or known_seeds != seeds:
                print(f"  seeds differ from the reference's {reference_seeds}: not a candidate")
                failed, eligible = True, False
            if eligible and (best is None or novel > best[1]):
                best = (weight, novel)
        print(f"{setting}: the rule chooses {best[0] if best else 'nothing'}")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
