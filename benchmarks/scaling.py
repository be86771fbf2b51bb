#!/usr/bin/env python3
"""How `mpt bench train-step` scales with batch size, input length and model size (issue 7, docs/performance.md).

Runs the t5-small train step over a grid — batch sizes at a fixed input length, input lengths at a fixed batch — and
the three model shapes at the issue's setting, appending every JSON line to --out and printing Markdown tables
(median and minimum ms per step, tokens/s, peak RSS, and the step time per example / per token relative to the
issue's setting, which shows where a larger batch or a longer input stops paying off). Python only formats; the timing is
Mpt's own.

    python3 benchmarks/scaling.py --mpt src/Mpt.Cli/bin/Release/net10.0/linux-x64/Mpt.Cli --out /tmp/scaling.jsonl \
        [--threads 2] [--batches 1,2,4,8,16] [--seqs 32,64,128,256] [--shapes t5-small,t5-v1_1-small,t5-base]
"""

import argparse
import json
import subprocess
import sys


def bench(mpt, shape, batch, seq, threads, extra):
    steps, warmup = ("3", "1") if shape == "t5-base" or batch * seq > 2048 else ("6", "2")
    cmd = [mpt, "bench", "train-step", "--shape", shape, "--batch", str(batch), "--seq", str(seq), "--target", "4",
           "--prompt", "100", "--steps", steps, "--warmup", warmup, "--threads", str(threads), *extra]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def table(title, key, rows, base):
    print(f"\n{title}\n")
    print(f"| {key} | encoder positions | median ms (min) | ms per example | tokens/s | peak RSS MiB | load |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        per_example = r["ms_per_step_median"] / r["batch"]
        print(f"| {r[key]} | {r['encoder_len']} | {r['ms_per_step_median']:,.0f} ({r['ms_min']:,.0f}) | "
              f"{per_example:,.0f} ({per_example / (base['ms_per_step_median'] / base['batch']):.2f}×) | "
              f"{r['tokens_per_s']:,.0f} | {r['peak_rss_mb']:,.0f} | {r['loadavg_1m']:.2f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mpt", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batches", default="1,2,4,8,16")
    ap.add_argument("--seqs", default="32,64,128,256")
    ap.add_argument("--shapes", default="t5-small,t5-v1_1-small,t5-base")
    ap.add_argument("--extra", default="", help="extra flags for every run, e.g. '--no-dropout'")
    a = ap.parse_args()
    extra = a.extra.split()

    def measure(shape, batch, seq):
        r = bench(a.mpt, shape, batch, seq, a.threads, extra)
        with open(a.out, "a") as f:
            f.write(json.dumps(r) + "\n")
        print(f"{shape} b{batch} s{seq}: {r['ms_per_step_median']} ms", file=sys.stderr, flush=True)
        return r

    base = measure("t5-small", 8, 128)
    batches = [base if b == 8 else measure("t5-small", b, 128) for b in map(int, a.batches.split(","))]
    seqs = [base if s == 128 else measure("t5-small", 8, s) for s in map(int, a.seqs.split(","))]
    shapes = [base if s == "t5-small" else measure(s, 8, 128) for s in a.shapes.split(",")]
    table(f"Batch size (t5-small, seq 128, prompt 100, {a.threads} threads; ms per example relative to batch 8)", "batch", batches, base)
    table(f"Input length (t5-small, batch 8, prompt 100, {a.threads} threads; ms per example relative to seq 128)", "seq", seqs, base)
    table(f"Model size (batch 8, seq 128, prompt 100, {a.threads} threads; relative to t5-small)", "shape", shapes, base)
    return 0


if __name__ == "__main__":
    sys.exit(main())
