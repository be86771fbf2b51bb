#!/usr/bin/python3
"""Runs `mpt bench train-step` and its PyTorch twin (t5_prompt_step.py) alternately and prints a Markdown table.

Issue 7's goals are ratios measured "one after the other" on the same machine. On a shared machine the load changes
from minute to minute, so each configuration is run as interleaved pairs (Mpt, PyTorch, Mpt, PyTorch, ...): a burst
of load then hurts both sides rather than one. Every raw JSON line is appended to --out; the table shows, per
configuration, the best median of each side (disturbance only adds time) and their ratio.

    /usr/bin/python3 benchmarks/pytorch/compare.py --mpt src/Mpt.Cli/bin/Release/net10.0/linux-x64/Mpt.Cli \
        --out /tmp/compare.jsonl [--pairs 2] [--only t5-small-fp32-2t,...]
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
COMMON = ["--batch", "8", "--seq", "128", "--target", "4", "--prompt", "100"]

# name -> (flags shared by both programs, Mpt-only flags, PyTorch-only flags)
CONFIGS = {
    "t5-small-fp32-2t": (["--shape", "t5-small", "--threads", "2", "--steps", "6", "--warmup", "2"], [], []),
    "t5-small-fp32-2t-parallel-dropout": (["--shape", "t5-small", "--threads", "2", "--steps", "6", "--warmup", "2"],
                                         ["--dropout-kernel", "parallel_chunks"], []),
    "t5-small-bf16-2t": (["--shape", "t5-small", "--threads", "2", "--steps", "6", "--warmup", "2"], ["--bf16"], ["--bf16"]),
    "t5-small-fp32-nodrop-2t": (["--shape", "t5-small", "--threads", "2", "--steps", "6", "--warmup", "2", "--no-dropout"], [], []),
    "t5-v1_1-small-fp32-2t": (["--shape", "t5-v1_1-small", "--threads", "2", "--steps", "6", "--warmup", "2"], [], []),
    "t5-base-fp32-2t": (["--shape", "t5-base", "--threads", "2", "--steps", "5", "--warmup", "2"], [], []),
    "t5-small-fp32-1t": (["--shape", "t5-small", "--threads", "1", "--steps", "4", "--warmup", "1"], [], []),
    "t5-small-bf16-1t": (["--shape", "t5-small", "--threads", "1", "--steps", "4", "--warmup", "1"], ["--bf16"], ["--bf16"]),
}


def run(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mpt", required=True, help="the built Mpt.Cli executable")
    ap.add_argument("--out", required=True, help="JSON lines of every run are appended here")
    ap.add_argument("--pairs", type=int, default=2)
    ap.add_argument("--only", help="comma-separated configuration names (default: all)")
    ap.add_argument("--coretype", default="Cooperlake", help="OPENBLAS_CORETYPE for PyTorch (see t5_prompt_step.py)")
    a = ap.parse_args()
    names = a.only.split(",") if a.only else list(CONFIGS)
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        ap.error(f"unknown configuration(s) {unknown}; known: {', '.join(CONFIGS)}")
    env = dict(os.environ, OPENBLAS_CORETYPE=a.coretype)
    rows = []
    for name in names:
        shared, mpt_only, torch_only = CONFIGS[name]
        best = {"mpt": None, "pytorch": None}
        for _ in range(a.pairs):
            for side in ("mpt", "pytorch"):
                if side == "mpt":
                    r = run([a.mpt, "bench", "train-step", *COMMON, *shared, *mpt_only])
                else:
                    r = run(["/usr/bin/python3", os.path.join(HERE, "t5_prompt_step.py"), *COMMON, *shared, *torch_only], env)
                r["config"], r["side"] = name, side
                with open(a.out, "a") as f:
                    f.write(json.dumps(r) + "\n")
                print(f"{name} {side}: {r['ms_per_step_median']} ms (min {r['ms_min']}), peak {r['peak_rss_mb']} MiB, "
                      f"load {r['loadavg_1m']:.2f}", file=sys.stderr, flush=True)
                if best[side] is None or r["ms_per_step_median"] < best[side]["ms_per_step_median"]:
                    best[side] = r
        rows.append((name, best["mpt"], best["pytorch"]))
    print("| configuration | Mpt median ms (min) | PyTorch median ms (min) | Mpt / PyTorch | Mpt peak MiB | PyTorch peak MiB |")
    print("|---|---|---|---|---|---|")
    for name, m, t in rows:
        print(f"| {name} | {m['ms_per_step_median']:,.0f} ({m['ms_min']:,.0f}) | {t['ms_per_step_median']:,.0f} ({t['ms_min']:,.0f}) | "
              f"{m['ms_per_step_median'] / t['ms_per_step_median']:.2f}× | {m['peak_rss_mb']:,.0f} | {t['peak_rss_mb']:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
