#!/usr/bin/env python3
"""The table of scripts/distill-spread.sh: per distillation run folder, the distillation's dev curve (mean source-dev
accuracy at each evaluation), the step it kept, the per-source dev accuracy of the kept and of the last prompt, and the
MPT target runs (kept step and test score per target and seed; with recorded curves, the dev metric / dev loss / test at
every evaluation).

    python3 scripts/distill-spread-table.py [--seeds 1,2,3] RUN...   (RUN = seed-S folders of distill-spread.sh;
                                                                        --seeds: only these target seeds)

Standard library only; reads metrics.jsonl, distill/result.json, source-dev/*.json and adapt/TARGET/mpt/seed-S/.
"""
import json
import os
import statistics
import sys

SOURCES = ["word-polarity", "wn-supersense", "brown-genre", "sotu-era"]


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def distill_curve(run):
    """step -> mean source-dev accuracy, from the run's metrics.jsonl (the distillation's dev evaluations)."""
    curve = {}
    path = os.path.join(run, "metrics.jsonl")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    r = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a torn last line of a killed run
                if r.get("stage") == "distill" and r.get("dev_score") is not None:
                    curve[r["step"]] = r["dev_score"]
    return curve


def source_dev(run, which):
    scores = []
    for t in SOURCES:
        path = os.path.join(run, "source-dev", f"{which}.{t}.json")
        if not os.path.exists(path):
            return None
        scores.append(read_json(path)["tasks"][t]["average_metrics"])
    return scores


def target_runs(run):
    """(target, seed) -> (kept step, test score, curve rows or None)."""
    result = {}
    adapt = os.path.join(run, "adapt")
    if not os.path.isdir(adapt):
        return result
    for target in sorted(os.listdir(adapt)):
        mpt = os.path.join(adapt, target, "mpt")
        if not os.path.isdir(mpt):
            continue
        for seed_dir in sorted(os.listdir(mpt)):
            folder = os.path.join(mpt, seed_dir)
            test_file = os.path.join(folder, "test_results.json")
            if not os.path.exists(test_file):
                continue
            test = read_json(test_file)["tasks"][target]["average_metrics"]
            step = read_json(os.path.join(folder, "result.json")).get("BestStep")
            curve = None
            curve_file = os.path.join(folder, "selection_curve.jsonl")
            if os.path.exists(curve_file):
                with open(curve_file, encoding="utf-8") as f:
                    curve = [json.loads(line) for line in f if line.strip()]
            result[(target, int(seed_dir.split("-")[1]))] = (step, test, curve)
    return result


def main(runs, seeds=None):
    print("| run | distill dev by step | kept step | source dev, kept (" + " / ".join(SOURCES) + ") | source dev, last | MPT test per target (seeds) | MPT mean per target |")
    print("|---|---|---|---|---|---|---|")
    curves = []
    for run in runs:
        name = os.path.basename(os.path.normpath(run))
        curve = distill_curve(run)
        result_file = os.path.join(run, "distill", "result.json")
        kept = read_json(result_file).get("BestStep") if os.path.exists(result_file) else None
        kept_dev = source_dev(run, "selected")
        last_dev = source_dev(run, "last")
        targets = target_runs(run)
        per_target = {}
        for (target, seed), (step, test, c) in sorted(targets.items()):
            if seeds is not None and seed not in seeds:
                continue
            per_target.setdefault(target, []).append((seed, step, test))
            if c:
                curves.append((name, target, seed, step, c))
        cells = "; ".join(f"{t} " + " / ".join(f"{test:.1f}@{step}" for _, step, test in rows) for t, rows in per_target.items())
        means = "; ".join(f"{t} {statistics.mean(x[2] for x in rows):.1f}" for t, rows in per_target.items())
        fmt = lambda xs: " / ".join(f"{x:.1f}" for x in xs) + f" (mean {statistics.mean(xs):.2f})" if xs else "—"
        print(f"| {name} | " + ", ".join(f"{s}: {v:.2f}" for s, v in sorted(curve.items())) + f" | {kept} | {fmt(kept_dev)} | {fmt(last_dev)} | {cells} | {means} |")
    if curves:
        print()
        print("| run | target | seed | kept step | dev metric / dev loss / test at each evaluation |")
        print("|---|---|---|---|---|")
        for name, target, seed, step, c in curves:
            points = "; ".join(f"{p['step']}: {p['dev_metric']:.1f} / {p['dev_loss']:.3f} / {p['test']:.1f}" for p in c)
            print(f"| {name} | {target} | {seed} | {step} | {points} |")


if __name__ == "__main__":
    args = sys.argv[1:]
    only = None
    if args[:1] == ["--seeds"]:
        only = {int(x) for x in args[1].split(",")}
        args = args[2:]
    if not args:
        sys.exit(__doc__)
    main(args, only)
