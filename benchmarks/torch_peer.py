"""PyTorch peer for `rlref bench`: the same tiny Llama configurations on CPU.

Two variants are measured per configuration at a fixed thread count:

* ``transformers`` -- Hugging Face ``LlamaForCausalLM`` built from a
  ``LlamaConfig`` (SDPA attention, the default), i.e. what users actually run;
* ``plain`` -- a minimal hand-written PyTorch Llama at its best eager settings
  (fused QKV and gate/up projections, ``F.scaled_dot_product_attention``,
  ``nn.RMSNorm``, RoPE, SwiGLU and a preallocated key/value cache).

Both are trained with the same optimiser: ``torch.optim.AdamW(fused=True)``
when the build supports it on CPU, otherwise ``foreach=True``.

Per variant it reports training tokens/s and GFLOP/s (forward + next-token
cross-entropy + backward + AdamW step), generation new tokens/s (KV cache,
batch 16, 16-token prompt, 48 new tokens, sampling at temperature 1), the
sgemm rate of ``torch.mm`` measured in the same run, and the process's peak
resident memory.

Usage::

    python benchmarks/torch_peer.py --threads N [--configs small,medium] \
        [--json FILE] [--quick]
"""

import argparse
import os


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, required=True, help="intra-op threads (>= 1)")
    parser.add_argument("--configs", default="small,medium", help="comma-separated: small,medium")
    parser.add_argument("--json", metavar="FILE", help="write the results as JSON to FILE")
    parser.add_argument("--quick", action="store_true", help="time training for >= 0.5 s instead of >= 2 s")
    args = parser.parse_args()
    if args.threads < 1:
        parser.error("--threads must be >= 1")
    args.configs = [name.strip() for name in args.configs.split(",") if name.strip()]
    unknown = [name for name in args.configs if name not in CONFIGS]
    if unknown:
        parser.error(f"unknown configuration(s) {unknown}; known: {sorted(CONFIGS)}")
    return args


CONFIGS = {
    "small": dict(vocab=64, hidden=128, layers=4, heads=4, intermediate=512, context=64, batch=16),
    "medium": dict(vocab=64, hidden=256, layers=6, heads=8, intermediate=1024, context=128, batch=16),
}
ROPE_THETA = 10000.0
RMS_EPS = 1e-6
LEARNING_RATE = 1e-4
WARMUP_STEPS = 3
GEN_BATCH, GEN_PROMPT, GEN_NEW = 16, 16, 48
GEN_REPEATS = 3

# The thread counts must be fixed before torch (and its OpenMP/MKL runtimes) load.
ARGS = parse_args()
os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)
os.environ["MKL_NUM_THREADS"] = str(ARGS.threads)

import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

torch.set_num_threads(ARGS.threads)
torch.set_num_interop_threads(1)

import transformers  # noqa: E402
from transformers import LlamaConfig, LlamaForCausalLM  # noqa: E402


# --------------------------------------------------------------------------- plain model


class Attention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads, self.head_dim = heads, hidden // heads
        self.qkv = nn.Linear(hidden, 3 * hidden, bias=False)
        self.out = nn.Linear(hidden, hidden, bias=False)

    def forward(self, x, cos, sin, cache=None, start=0):
        """x [B, T, D]; cos/sin [T, head_dim] for positions start..start+T-1.

        With ``cache`` (a (keys, values) pair of [B, H, Tmax, head_dim]) the new
        keys/values are written at ``start`` and attention runs over the prefix.
        """
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if cache is not None:
            keys, values = cache
            keys[:, :, start:start + t] = k
            values[:, :, start:start + t] = v
            k, v = keys[:, :, :start + t], values[:, :, :start + t]
        # A single query row attends to the whole prefix; otherwise the prompt starts at 0.
        y = F.scaled_dot_product_attention(q, k, v, is_causal=t > 1)
        return self.out(y.transpose(1, 2).reshape(b, t, d))


class MLP(nn.Module):
    def __init__(self, hidden, intermediate):
        super().__init__()
        self.gate_up = nn.Linear(hidden, 2 * intermediate, bias=False)
        self.down = nn.Linear(intermediate, hidden, bias=False)

    def forward(self, x):
        gate, up = self.gate_up(x).chunk(2, dim=-1)
        return self.down(F.silu(gate) * up)


class Block(nn.Module):
    def __init__(self, hidden, heads, intermediate):
        super().__init__()
        self.attn_norm = nn.RMSNorm(hidden, eps=RMS_EPS)
        self.attn = Attention(hidden, heads)
        self.mlp_norm = nn.RMSNorm(hidden, eps=RMS_EPS)
        self.mlp = MLP(hidden, intermediate)

    def forward(self, x, cos, sin, cache=None, start=0):
        x = x + self.attn(self.attn_norm(x), cos, sin, cache, start)
        return x + self.mlp(self.mlp_norm(x))


def apply_rope(x, cos, sin):
    """Rotate-half RoPE (the Hugging Face Llama convention) on [B, H, T, head_dim]."""
    x1, x2 = x.chunk(2, dim=-1)
    return x * cos + torch.cat((-x2, x1), dim=-1) * sin


class PlainLlama(nn.Module):
    def __init__(self, vocab, hidden, layers, heads, intermediate, context, **_):
        super().__init__()
        self.heads, self.head_dim = heads, hidden // heads
        self.embed = nn.Embedding(vocab, hidden)
        self.blocks = nn.ModuleList(Block(hidden, heads, intermediate) for _ in range(layers))
        self.norm = nn.RMSNorm(hidden, eps=RMS_EPS)
        self.head = nn.Linear(hidden, vocab, bias=False)
        inv_freq = 1.0 / ROPE_THETA ** (torch.arange(0, self.head_dim, 2, dtype=torch.float32) / self.head_dim)
        angles = torch.outer(torch.arange(context, dtype=torch.float32), inv_freq)
        angles = torch.cat((angles, angles), dim=-1)
        self.register_buffer("cos", angles.cos(), persistent=False)
        self.register_buffer("sin", angles.sin(), persistent=False)

    def forward(self, tokens, caches=None, start=0):
        """Logits [B, T, V] for tokens [B, T] at positions start..start+T-1."""
        t = tokens.shape[1]
        cos, sin = self.cos[start:start + t], self.sin[start:start + t]
        x = self.embed(tokens)
        for i, block in enumerate(self.blocks):
            x = block(x, cos, sin, None if caches is None else caches[i], start)
        return self.head(self.norm(x))

    @torch.inference_mode()
    def generate(self, prompt, new_tokens, temperature=1.0):
        """Sample ``new_tokens`` tokens after ``prompt`` [B, P] with a KV cache."""
        b, p = prompt.shape
        shape = (b, self.heads, p + new_tokens, self.head_dim)
        caches = [(torch.empty(shape), torch.empty(shape)) for _ in self.blocks]
        out = torch.empty(b, p + new_tokens, dtype=torch.long)
        out[:, :p] = prompt
        logits = self(prompt, caches, 0)[:, -1]
        for step in range(new_tokens):
            probs = torch.softmax(logits / temperature, dim=-1)
            token = torch.multinomial(probs, 1)
            out[:, p + step] = token[:, 0]
            if step + 1 < new_tokens:
                logits = self(token, caches, p + step)[:, -1]
        return out


# --------------------------------------------------------------------------- variants


def transformers_model(cfg):
    config = LlamaConfig(
        vocab_size=cfg["vocab"],
        hidden_size=cfg["hidden"],
        intermediate_size=cfg["intermediate"],
        num_hidden_layers=cfg["layers"],
        num_attention_heads=cfg["heads"],
        num_key_value_heads=cfg["heads"],
        max_position_embeddings=cfg["context"],
        rms_norm_eps=RMS_EPS,
        rope_parameters={"rope_type": "default", "rope_theta": ROPE_THETA},
        tie_word_embeddings=False,
        attention_bias=False,
        mlp_bias=False,
        pad_token_id=0,
        attn_implementation="sdpa",
    )
    return LlamaForCausalLM(config).float()


def transformers_loss(model, tokens):
    return model(input_ids=tokens, labels=tokens).loss


def transformers_generate(model, prompt):
    return model.generate(
        input_ids=prompt,
        attention_mask=torch.ones_like(prompt),
        do_sample=True,
        temperature=1.0,
        top_k=0,
        top_p=1.0,
        max_new_tokens=GEN_NEW,
        min_new_tokens=GEN_NEW,
        use_cache=True,
    )


def plain_loss(model, tokens):
    logits = model(tokens)
    return F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), tokens[:, 1:].reshape(-1))


def plain_generate(model, prompt):
    return model.generate(prompt, GEN_NEW, temperature=1.0)


VARIANTS = {
    "transformers": (transformers_model, transformers_loss, transformers_generate),
    "plain": (lambda cfg: PlainLlama(**cfg), plain_loss, plain_generate),
}


# --------------------------------------------------------------------------- measurements


def make_adamw(params):
    """Fused AdamW if this build supports it on CPU, else the foreach implementation."""
    params = list(params)
    try:
        return torch.optim.AdamW(params, lr=LEARNING_RATE, fused=True), "fused"
    except (RuntimeError, ValueError):
        return torch.optim.AdamW(params, lr=LEARNING_RATE, foreach=True), "foreach"


def step_flops(cfg):
    """FLOPs of one training step (the formula `rlref bench` uses): 3 x forward."""
    b, t, n, d = cfg["batch"], cfg["context"], cfg["layers"], cfg["hidden"]
    i, v = cfg["intermediate"], cfg["vocab"]
    forward = 2 * b * t * (n * (4 * d * d + 3 * d * i) + d * v) + 4 * b * n * t * t * d
    return 3 * forward


def sgemm_gflops(n, min_seconds=0.5):
    a, b = torch.randn(n, n), torch.randn(n, n)
    out = torch.empty(n, n)
    for _ in range(3):
        torch.mm(a, b, out=out)
    reps, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < min_seconds:
        torch.mm(a, b, out=out)
        reps += 1
    return 2 * n**3 * reps / elapsed / 1e9


def train_tokens_per_s(model, loss_fn, cfg, min_seconds):
    optimizer, _ = make_adamw(model.parameters())
    tokens = torch.randint(0, cfg["vocab"], (cfg["batch"], cfg["context"]))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model, tokens).backward()
        optimizer.step()

    model.train()
    for _ in range(WARMUP_STEPS):
        step()
    steps, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < min_seconds:
        step()
        steps += 1
    return cfg["batch"] * cfg["context"] * steps / elapsed


def generate_new_tokens_per_s(model, generate_fn, cfg):
    model.eval()
    prompt = torch.randint(0, cfg["vocab"], (GEN_BATCH, GEN_PROMPT))
    with torch.inference_mode():
        generate_fn(model, prompt)
        times = []
        for _ in range(GEN_REPEATS):
            start = time.perf_counter()
            out = generate_fn(model, prompt)
            times.append(time.perf_counter() - start)
    assert out.shape == (GEN_BATCH, GEN_PROMPT + GEN_NEW), out.shape
    return GEN_BATCH * GEN_NEW / statistics.median(times)


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main():
    load_at_start = os.getloadavg()
    torch.manual_seed(0)
    min_seconds = 0.5 if ARGS.quick else 2.0
    sgemm = {n: sgemm_gflops(n) for n in (512, 1024)}
    adamw = make_adamw([nn.Parameter(torch.zeros(1))])[1]
    results = []
    for name in ARGS.configs:
        cfg = CONFIGS[name]
        for variant, (build, loss_fn, generate_fn) in VARIANTS.items():
            model = build(cfg)
            tokens_per_s = train_tokens_per_s(model, loss_fn, cfg, min_seconds)
            results.append({
                "config": name,
                "variant": variant,
                "threads": ARGS.threads,
                "train_tokens_per_s": tokens_per_s,
                "train_gflops_per_s": step_flops(cfg) * tokens_per_s / (cfg["batch"] * cfg["context"]) / 1e9,
                "sgemm_gflops_per_s": sgemm[512],
                "sgemm_1024_gflops_per_s": sgemm[1024],
                "generate_new_tokens_per_s": generate_new_tokens_per_s(model, generate_fn, cfg),
                "peak_rss_mib": peak_rss_mib(),
                "adamw": adamw,
            })
            del model

    print(f"torch {torch.__version__}, transformers {transformers.__version__}, threads {ARGS.threads}, "
          f"AdamW {adamw}, sgemm 512: {sgemm[512]:.1f} GFLOP/s, 1024: {sgemm[1024]:.1f} GFLOP/s")
    print(f"{'config':<8} {'variant':<13} {'train tok/s':>12} {'train GFLOP/s':>14} {'% sgemm':>8} "
          f"{'gen new tok/s':>14} {'peak RSS MiB':>13}")
    for r in results:
        print(f"{r['config']:<8} {r['variant']:<13} {r['train_tokens_per_s']:>12.0f} "
              f"{r['train_gflops_per_s']:>14.1f} {100 * r['train_gflops_per_s'] / r['sgemm_gflops_per_s']:>7.0f}% "
              f"{r['generate_new_tokens_per_s']:>14.0f} {r['peak_rss_mib']:>13.0f}")

    if ARGS.json:
        machine = {
            "cpu": cpu_name(),
            "threads": ARGS.threads,
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "python": platform.python_version(),
            "load_average_start": load_at_start,
            "load_average_end": os.getloadavg(),
        }
        with open(ARGS.json, "w") as f:
            json.dump({"machine": machine, "results": results}, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
