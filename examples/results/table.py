#!/usr/bin/env python3
"""Table 2 of the paper from the JSON of `asc eval` for every run and seed:
per-device log loss, mean (macro) log loss and accuracy, as mean +- sample
standard deviation over seeds; then the unseen devices' mean log loss.

    table.py OUTDIR "1 2 3"
"""
import json
import statistics
import sys

DEVICES = ["a", "b", "c", "s1", "s2", "s3", "s4", "s5", "s6"]
ROWS = [
    ("pre", "pre-trained"),
    ("pre-ft0.04", "fine-tuned, lambda 0.04"),
    ("pre-ft0.4", "fine-tuned, lambda 0.4"),
    ("pre-ft0.4-nodrop", "fine-tuned, lambda 0.4, no drop (control)"),
    ("pre-kd", "KD, pre-trained"),
    ("pre-kd-ft0.04", "KD, fine-tuned, lambda 0.04"),
    ("pre-kd-ft0.4", "KD, fine-tuned, lambda 0.4"),
    ("pre-kd-ft0.4-nodrop", "KD, fine-tuned, lambda 0.4, no drop (control)"),
    ("teacher", "teacher (float, not fine-tuned)"),
]


def cell(values, digits, scale=1.0):
    values = [v * scale for v in values]
    if len(values) < 2:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def unseen(result):
    return statistics.mean(result["devices"][d]["logloss"] for d in ("s4", "s5", "s6"))


def main():
    out, seeds = sys.argv[1], sys.argv[2].split()
    header = ["system"] + [d.upper() for d in DEVICES] + ["S4-S6", "mean log loss", "accuracy %"]
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    for key, label in ROWS:
        runs = [json.load(open(f"{out}/s{seed}-{key}.json")) for seed in seeds]
        cells = [cell([r["devices"][d]["logloss"] for r in runs], 3) for d in DEVICES]
        cells.append(cell([unseen(r) for r in runs], 3))
        cells.append(cell([r["logloss"] for r in runs], 3))
        cells.append(cell([r["accuracy"] for r in runs], 1, 100))
        print("| " + " | ".join([label] + cells) + " |")
    print()
    print("Change of the S4-S6 mean log loss from the pre-trained student, per seed:")
    for pre in ("pre", "pre-kd"):
        for ft in ("ft0.04", "ft0.4", "ft0.4-nodrop"):
            deltas = []
            for seed in seeds:
                base = unseen(json.load(open(f"{out}/s{seed}-{pre}.json")))
                tuned = unseen(json.load(open(f"{out}/s{seed}-{pre}-{ft}.json")))
                deltas.append(tuned - base)
            shown = ", ".join(f"{d:+.3f}" for d in deltas)
            print(f"- {pre} -> {ft}: {shown} (mean {statistics.mean(deltas):+.3f})")


if __name__ == "__main__":
    main()
