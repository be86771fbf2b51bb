#!/usr/bin/python3
"""The PyTorch side of `mpt bench train-step`: the same prompt-tuning step in PyTorch eager, for side-by-side timing.

Issue 7 compares Mpt against "Hugging Face T5 + PyTorch eager doing the same step with the same thread count on the
same machine". The `transformers` and `peft` packages cannot be installed here (only NuGet, npm and Debian packages are
reachable, and Debian ships neither), so this file re-states Hugging Face's T5ForConditionalGeneration (transformers
4.40, modeling_t5.py) op for op — same modules, same order of operations, dropout in the same places, float32 softmax
and RMS-norm variance — plus PEFT's seq2seq prompt tuning (prompt rows concatenated before the token embeddings, mask
extended with ones). `--verify GOLDEN_DIR` proves the re-statement against the golden files that HF itself produced
(loss, logits, hidden states and the prompt gradient of every golden model), so the timed step is HF's step.

Not needed by Mpt's users or CI: it is a benchmark tool. Run with Debian's python3-torch (1.13.1) and, for a fair
BLAS, the OpenMP OpenBLAS (docs/stack.md section 6):

    apt-get install python3-torch libopenblas0-openmp
    /usr/bin/python3 benchmarks/pytorch/t5_prompt_step.py --verify GOLDEN_DIR    # the golden root, docs/testing.md §2.1
    /usr/bin/python3 benchmarks/pytorch/t5_prompt_step.py --shape t5-small --batch 8 --seq 128 --target 4 \
        --prompt 100 --steps 6 --warmup 2 --threads 2 [--bf16] [--no-dropout]

OpenBLAS 0.3.21 does not recognise CPUs newer than its release (Sapphire/Emerald Rapids among them) and then falls back
to its SSE3 "Prescott" kernels, 3-4x slower than the AVX-512 ones: set OPENBLAS_CORETYPE (Cooperlake for an AVX512-BF16
CPU, SkylakeX for AVX-512 without BF16, Haswell for AVX2) or PyTorch is handicapped. The script warns when it is unset
and records the value in its output.

Prints one JSON line with the fields `mpt bench train-step` prints (ms_per_step_median, ms_min, ms_max, tokens_per_s,
peak_rss_mb, phase_ms_median, loss_first, ...).
"""

import argparse
import json
import math
import os
import struct
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

# The shapes of `mpt bench` (src/Mpt.Apps/Benchmarks/BenchmarkShapes.cs): vocabulary 32128, buckets 32, max distance 128.
SHAPES = {
    "t5-small": dict(d_model=512, d_kv=64, d_ff=2048, num_layers=6, num_decoder_layers=6, num_heads=8,
                     feed_forward_proj="relu", tie_word_embeddings=True),
    "t5-base": dict(d_model=768, d_kv=64, d_ff=3072, num_layers=12, num_decoder_layers=12, num_heads=12,
                    feed_forward_proj="relu", tie_word_embeddings=True),
    "t5-v1_1-small": dict(d_model=512, d_kv=64, d_ff=1024, num_layers=8, num_decoder_layers=8, num_heads=6,
                          feed_forward_proj="gated-gelu", tie_word_embeddings=False),
}


class Config:
    def __init__(self, **kw):
        self.vocab_size = kw.get("vocab_size", 32128)
        self.d_model = kw["d_model"]
        self.d_kv = kw["d_kv"]
        self.d_ff = kw["d_ff"]
        self.num_layers = kw["num_layers"]
        self.num_decoder_layers = kw.get("num_decoder_layers") or kw["num_layers"]
        self.num_heads = kw["num_heads"]
        self.num_buckets = kw.get("relative_attention_num_buckets", 32)
        self.max_distance = kw.get("relative_attention_max_distance", 128)
        self.dropout_rate = kw.get("dropout_rate", 0.1)
        self.eps = kw.get("layer_norm_epsilon", 1e-6)
        self.gated = kw.get("feed_forward_proj", "relu").startswith("gated-")
        self.tie_word_embeddings = kw.get("tie_word_embeddings", True)


class T5LayerNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, h):
        # HF: variance in float32, no mean subtraction, cast back to a half weight's dtype before scaling.
        variance = h.to(torch.float32).pow(2).mean(-1, keepdim=True)
        h = h * torch.rsqrt(variance + self.eps)
        if self.weight.dtype in (torch.float16, torch.bfloat16):
            h = h.to(self.weight.dtype)
        return self.weight * h


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class DenseReluDense(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gated = c.gated
        if c.gated:
            self.wi_0 = nn.Linear(c.d_model, c.d_ff, bias=False)
            self.wi_1 = nn.Linear(c.d_model, c.d_ff, bias=False)
        else:
            self.wi = nn.Linear(c.d_model, c.d_ff, bias=False)
        self.wo = nn.Linear(c.d_ff, c.d_model, bias=False)
        self.dropout = nn.Dropout(c.dropout_rate)

    def forward(self, h):
        if self.gated:
            h = gelu_new(self.wi_0(h)) * self.wi_1(h)
        else:
            h = F.relu(self.wi(h))
        h = self.dropout(h)
        if h.dtype != self.wo.weight.dtype and self.wo.weight.dtype != torch.int8:
            h = h.to(self.wo.weight.dtype)
        return self.wo(h)


class LayerFF(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.DenseReluDense = DenseReluDense(c)
        self.layer_norm = T5LayerNorm(c.d_model, c.eps)
        self.dropout = nn.Dropout(c.dropout_rate)

    def forward(self, h):
        return h + self.dropout(self.DenseReluDense(self.layer_norm(h)))


def relative_position_bucket(relative_position, bidirectional, num_buckets, max_distance):
    ret = 0
    if bidirectional:
        num_buckets //= 2
        ret += (relative_position > 0).to(torch.long) * num_buckets
        relative_position = torch.abs(relative_position)
    else:
        relative_position = -torch.min(relative_position, torch.zeros_like(relative_position))
    max_exact = num_buckets // 2
    is_small = relative_position < max_exact
    large = max_exact + (torch.log(relative_position.float() / max_exact) / math.log(max_distance / max_exact)
                         * (num_buckets - max_exact)).to(torch.long)
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return ret + torch.where(is_small, relative_position, large)


class Attention(nn.Module):
    def __init__(self, c, is_decoder, has_bias):
        super().__init__()
        self.is_decoder = is_decoder
        self.c = c
        inner = c.num_heads * c.d_kv
        self.q = nn.Linear(c.d_model, inner, bias=False)
        self.k = nn.Linear(c.d_model, inner, bias=False)
        self.v = nn.Linear(c.d_model, inner, bias=False)
        self.o = nn.Linear(inner, c.d_model, bias=False)
        if has_bias:
            self.relative_attention_bias = nn.Embedding(c.num_buckets, c.num_heads)
        self.dropout = c.dropout_rate

    def compute_bias(self, q_len, k_len):
        ctx = torch.arange(q_len, dtype=torch.long)[:, None]
        mem = torch.arange(k_len, dtype=torch.long)[None, :]
        buckets = relative_position_bucket(mem - ctx, not self.is_decoder, self.c.num_buckets, self.c.max_distance)
        return self.relative_attention_bias(buckets).permute([2, 0, 1]).unsqueeze(0)  # (1, H, q, k)

    def forward(self, h, mask, position_bias=None, kv=None):
        b, q_len = h.shape[:2]
        src = h if kv is None else kv
        k_len = src.shape[1]

        def shape(x):
            return x.view(b, -1, self.c.num_heads, self.c.d_kv).transpose(1, 2)

        q, k, v = shape(self.q(h)), shape(self.k(src)), shape(self.v(src))
        scores = torch.matmul(q, k.transpose(3, 2))  # T5: no 1/sqrt(d_kv)
        if position_bias is None:
            if hasattr(self, "relative_attention_bias"):
                position_bias = self.compute_bias(q_len, k_len)
            else:
                position_bias = torch.zeros((1, self.c.num_heads, q_len, k_len), dtype=scores.dtype)
            if mask is not None:
                position_bias = position_bias + mask
        scores += position_bias
        weights = F.softmax(scores.float(), dim=-1).type_as(scores)
        weights = F.dropout(weights, p=self.dropout, training=self.training)
        out = torch.matmul(weights, v).transpose(1, 2).contiguous().view(b, -1, self.c.num_heads * self.c.d_kv)
        return self.o(out), position_bias


class LayerAttention(nn.Module):
    def __init__(self, c, is_decoder, has_bias, cross):
        super().__init__()
        self.attention = Attention(c, is_decoder, has_bias)
        self.layer_norm = T5LayerNorm(c.d_model, c.eps)
        self.dropout = nn.Dropout(c.dropout_rate)
        self.cross = cross

    def forward(self, h, mask, position_bias, kv=None):
        out, position_bias = self.attention(self.layer_norm(h), mask, position_bias, kv)
        return h + self.dropout(out), position_bias


class Block(nn.Module):
    def __init__(self, c, is_decoder, has_bias):
        super().__init__()
        self.is_decoder = is_decoder
        layers = [LayerAttention(c, is_decoder, has_bias, cross=False)]
        if is_decoder:
            layers.append(LayerAttention(c, is_decoder, False, cross=True))
        layers.append(LayerFF(c))
        self.layer = nn.ModuleList(layers)

    def forward(self, h, mask, bias, enc=None, enc_mask=None, enc_bias=None):
        h, bias = self.layer[0](h, mask, bias)
        if self.is_decoder:
            h, enc_bias = self.layer[1](h, enc_mask, enc_bias, kv=enc)
        return self.layer[-1](h), bias, enc_bias


class Stack(nn.Module):
    def __init__(self, c, is_decoder, shared):
        super().__init__()
        self.is_decoder = is_decoder
        self.embed_tokens = shared
        n = c.num_decoder_layers if is_decoder else c.num_layers
        self.block = nn.ModuleList([Block(c, is_decoder, i == 0) for i in range(n)])
        self.final_layer_norm = T5LayerNorm(c.d_model, c.eps)
        self.dropout = nn.Dropout(c.dropout_rate)

    def forward(self, ids=None, embeds=None, mask=None, enc=None, enc_mask=None, hidden_states=None):
        if embeds is None:
            embeds = self.embed_tokens(ids)
        b, n = embeds.shape[:2]
        if mask is None:
            mask = torch.ones(b, n, dtype=torch.long)
        ext = mask[:, None, None, :]
        if self.is_decoder:
            causal = torch.arange(n)[None, None, :].repeat(b, n, 1) <= torch.arange(n)[None, :, None]
            ext = causal.to(mask.dtype)[:, None, :, :] * mask[:, None, None, :]
        finfo_min = torch.finfo(embeds.dtype).min
        ext = (1.0 - ext.to(embeds.dtype)) * finfo_min
        enc_ext = None
        if self.is_decoder:
            enc_ext = (1.0 - enc_mask[:, None, None, :].to(embeds.dtype)) * finfo_min
        h = self.dropout(embeds)
        if hidden_states is not None:
            hidden_states.append(h)
        bias = enc_bias = None
        for blk in self.block:
            h, bias, enc_bias = blk(h, ext, bias, enc, enc_ext, enc_bias)
            if hidden_states is not None:
                hidden_states.append(h)
        h = self.dropout(self.final_layer_norm(h))
        if hidden_states is not None:
            hidden_states[-1] = h
        return h


class T5ForConditionalGeneration(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.shared = nn.Embedding(c.vocab_size, c.d_model)
        self.encoder = Stack(c, False, self.shared)
        self.decoder = Stack(c, True, self.shared)
        if not c.tie_word_embeddings:
            self.lm_head = nn.Linear(c.d_model, c.vocab_size, bias=False)

    def forward(self, labels, input_ids=None, inputs_embeds=None, attention_mask=None, enc_hidden=None, dec_hidden=None,
                timer=None):
        enc = self.encoder(input_ids, inputs_embeds, attention_mask, hidden_states=enc_hidden)
        if timer:
            timer.mark("encoder")
        # shift_right: decoder_start_token_id 0, -100 replaced by pad 0.
        dec_ids = torch.zeros_like(labels)
        dec_ids[:, 1:] = labels[:, :-1]
        dec_ids.masked_fill_(dec_ids == -100, 0)
        dec = self.decoder(dec_ids, enc=enc, enc_mask=attention_mask, hidden_states=dec_hidden)
        if self.c.tie_word_embeddings:
            logits = F.linear(dec * (self.c.d_model ** -0.5), self.shared.weight)
        else:
            logits = self.lm_head(dec)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), labels.view(-1), ignore_index=-100)
        return loss, logits, enc, dec


def prompted_inputs(model, prompt, input_ids, attention_mask):
    """PEFT PeftModelForSeq2SeqLM, PROMPT_TUNING: [prompt rows; token embeddings], mask extended with ones."""
    embeds = model.shared(input_ids)
    b = input_ids.shape[0]
    rows = prompt.unsqueeze(0).expand(b, -1, -1).to(embeds.dtype)
    mask = torch.cat([torch.ones(b, prompt.shape[0], dtype=attention_mask.dtype), attention_mask], dim=1)
    return torch.cat([rows, embeds], dim=1), mask


# ---------------------------------------------------------------------------------------------------------- verify

def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        assert meta["dtype"] == "F32", f"{path}: {name} is {meta['dtype']}"
        a, b = meta["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(meta["shape"])
    return out


def load_golden_model(folder):
    cfg = json.load(open(os.path.join(folder, "config.json")))
    c = Config(**cfg)
    model = T5ForConditionalGeneration(c)
    weights = read_safetensors(os.path.join(folder, "model.safetensors"))
    state = {}
    for name, t in weights.items():
        # HF names: ...layer.0.SelfAttention / layer.1.EncDecAttention map to this file's .attention.
        state[name.replace("SelfAttention", "attention").replace("EncDecAttention", "attention")] = t
    state["encoder.embed_tokens.weight"] = state["shared.weight"]
    state["decoder.embed_tokens.weight"] = state["shared.weight"]
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected and not missing, (missing, unexpected)
    return model


def tensor(obj):
    dtype = torch.int64 if obj["dtype"] == "int64" else torch.float32
    return torch.tensor(obj["data"], dtype=dtype).reshape(obj["shape"])


def verify(golden_root):
    """Checks the re-stated HF T5 + PEFT prompt step against every golden model (tolerances of docs/testing.md §2.9)."""
    models = os.path.join(golden_root, "models")
    worst = {}
    names = sorted(os.listdir(models))
    for name in names:
        folder = os.path.join(models, name)
        g = json.load(open(os.path.join(folder, "golden.json")))
        model = load_golden_model(folder).eval()
        for p in model.parameters():
            p.requires_grad_(False)
        i = g["inputs"]
        ids, mask, labels = tensor(i["input_ids"]), tensor(i["attention_mask"]), tensor(i["labels"])
        enc_h, dec_h = [], []
        with torch.no_grad():
            loss, logits, enc, dec = model(labels, ids, attention_mask=mask, enc_hidden=enc_h, dec_hidden=dec_h)
        o = g["outputs"]
        checks = [("loss", loss, tensor(o["loss"]), 1e-5), ("logits", logits, tensor(o["logits"]), 1e-4),
                  ("encoder_last_hidden_state", enc, tensor(o["encoder_last_hidden_state"]), 1e-4),
                  ("decoder_last_hidden_state", dec, tensor(o["decoder_last_hidden_state"]), 1e-4),
                  ("encoder_hidden_states", torch.stack(enc_h), tensor(o["encoder_hidden_states"]), 1e-4),
                  ("decoder_hidden_states", torch.stack(dec_h), tensor(o["decoder_hidden_states"]), 1e-4)]
        prompt = tensor(i["soft_prompt"]).requires_grad_(True)
        embeds, pmask = prompted_inputs(model, prompt, ids, mask)
        ploss, plogits, _, _ = model(labels, inputs_embeds=embeds, attention_mask=pmask)
        ploss.backward()
        p = g["prompt_outputs"]
        checks += [("prompt loss", ploss, tensor(p["loss"]), 1e-5), ("prompt logits", plogits, tensor(p["logits"]), 1e-4),
                   ("prompt mask", pmask, tensor(i["prompt_attention_mask"]), 0),
                   ("prompt grad", prompt.grad, tensor(g["prompt_grad"]), 1e-5)]
        for what, got, want, tol in checks:
            got = got.detach().to(want.dtype).reshape(want.shape)
            diff = (got - want).abs()
            bound = tol + (1e-3 if what == "prompt grad" else tol) * want.abs()
            excess = (diff - bound).max().item() if diff.numel() else 0.0
            worst[what] = max(worst.get(what, 0.0), diff.max().item() if diff.numel() else 0.0)
            if excess > 0:
                print(f"FAIL {name}: {what} differs from HF by {diff.max().item():.3g} (tolerance {tol} abs+rel)")
                return 1
    print(json.dumps({"verified": names, "max_abs_diff": {k: float(f"{v:.3g}") for k, v in worst.items()}}))
    return 0


# ------------------------------------------------------------------------------------------------------- benchmark

def peak_rss_mib():
    hwm = rss = None
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
            elif line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
    return round(max(hwm or 0, rss or 0), 1)


class PhaseTimer:
    def __init__(self):
        self.start = self.last = time.perf_counter()
        self.phases = {}

    def mark(self, name):
        now = time.perf_counter()
        self.phases[name] = self.phases.get(name, 0.0) + (now - self.last) * 1000
        self.last = now

    @property
    def total_ms(self):
        return (self.last - self.start) * 1000


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def blas_library():
    """The BLAS shared library this process loaded (PyTorch's Debian build calls the system libblas)."""
    with open("/proc/self/maps") as f:
        for line in f:
            if "blas" in line:
                return line.split()[-1]
    return None


def bench(a):
    blas = blas_library()
    if blas and "openblas" in blas and not os.environ.get("OPENBLAS_CORETYPE"):
        print("warning: OPENBLAS_CORETYPE is not set; OpenBLAS 0.3.21 may run its slow generic kernels on this CPU "
              "(see the header of this file)", file=sys.stderr)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    c = Config(**SHAPES[a.shape])
    model = T5ForConditionalGeneration(c)
    # Random weights with torch's default initialisers (Linear: Kaiming-uniform, Embedding: N(0, 1), norms: ones),
    # the same ones TorchSharp uses for `mpt bench`'s in-memory model.
    for p in model.parameters():
        p.requires_grad_(False)
    model.train(a.dropout)
    g = torch.Generator().manual_seed(a.seed)
    ids = torch.randint(2, c.vocab_size, (a.batch, a.seq), generator=g)
    labels = torch.randint(2, c.vocab_size, (a.batch, a.target), generator=g)
    mask = torch.ones(a.batch, a.seq, dtype=torch.long)
    rows = torch.randint(0, min(5000, c.vocab_size), (a.prompt,), generator=g)
    prompt = model.shared.weight[rows].detach().clone().float().requires_grad_(True)  # prompts stay fp32
    opt = torch.optim.AdamW([prompt], lr=0.3)

    def step(timer):
        opt.zero_grad(set_to_none=True)
        timer.mark("optimizer")
        embeds, pmask = prompted_inputs(model, prompt, ids, mask)
        timer.mark("prompt")
        # PyTorch's mixed precision: autocast runs the matmuls in bf16 over fp32 weights (the issue's bf16 reference).
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16):
            loss, _, _, _ = model(labels, inputs_embeds=embeds, attention_mask=pmask, timer=timer)
        timer.mark("decoder_loss")
        loss.backward()
        timer.mark("backward")
        opt.step()
        timer.mark("optimizer")
        return loss

    for _ in range(a.warmup):
        step(PhaseTimer())
    totals, phases, losses = [], {}, []
    for _ in range(a.steps):
        t = PhaseTimer()
        loss = step(t)
        totals.append(t.total_ms)
        for k, v in t.phases.items():
            phases.setdefault(k, []).append(v)
        losses.append(float(loss))
    med = median(totals)
    print(json.dumps({
        "bench": "train-step", "implementation": f"pytorch {torch.__version__} eager (HF T5 + PEFT prompt tuning restated)",
        "shape": a.shape, "dtype": "bfloat16-autocast" if a.bf16 else "float32", "dropout": a.dropout,
        "batch": a.batch, "seq": a.seq, "target": a.target, "prompt": a.prompt, "encoder_len": a.prompt + a.seq,
        "threads": torch.get_num_threads(), "steps": a.steps, "warmup": a.warmup,
        "ms_per_step_median": round(med, 2), "ms_min": round(min(totals), 2), "ms_max": round(max(totals), 2),
        "tokens_per_s": round(a.batch * a.seq / (med / 1000), 2), "examples_per_s": round(a.batch / (med / 1000), 3),
        "peak_rss_mb": peak_rss_mib(),
        "phase_ms_median": {k: round(median(v), 2) for k, v in phases.items()},
        "loss_first": losses[0],
        "backbone_parameters": sum(p.numel() for p in model.parameters()),
        "trainable_parameters": prompt.numel(),
        "blas": blas, "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
        "loadavg_1m": os.getloadavg()[0],
    }))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--verify", metavar="GOLDEN_DIR", help="check the T5 re-statement against the golden HF outputs")
    ap.add_argument("--shape", choices=sorted(SHAPES), default="t5-small")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--target", type=int, default=4)
    ap.add_argument("--prompt", type=int, default=100)
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bf16", action="store_true", help="torch.autocast(cpu, bfloat16) around the forward")
    ap.add_argument("--no-dropout", dest="dropout", action="store_false", help="frozen backbone in eval mode")
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    if a.verify:
        return verify(a.verify)
    for name in ("batch", "seq", "target", "prompt", "steps", "threads"):
        if getattr(a, name) <= 0:
            ap.error(f"--{name} must be positive")
    if a.warmup < 0:
        ap.error("--warmup must be >= 0")
    return bench(a)


if __name__ == "__main__":
    sys.exit(main())
