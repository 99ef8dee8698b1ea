"""Golden data for Specs/CoTLogProb.md: lambda-scaled chain-of-thought log-probability of RL4VLM
(seed 002_8f127797e3a823ce.txt) and the sequence-level PPO clipped loss that consumes it, plus the
`rl4vlm` preset that reproduces RL4VLM's token-id segmenting rule and bfloat16 rounding.

Independent float64 reference: values with NumPy (own round-to-nearest-even bfloat16 routine),
gradients with JAX autodiff (x64). bfloat16 rounding is straight-through for gradients (Spec); the
JAX function adds stop_gradient(rounded - unrounded) offsets taken from the NumPy forward. Every
gradient case is checked against central finite differences of the NumPy forward; cases that sit on
a kink or use bfloat16 rounding are expected to disagree and carry the `nondifferentiable` flag.

Run from the package root: .venv-golden/bin/python GoldenData/_generators/gen_CoTLogProb.py
"""
from __future__ import annotations

import copy
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

jax.config.update("jax_enable_x64", True)

from golden_io import as_read, case, generator_source, write_file  # noqa: E402

SPEC = "CoTLogProb"
PROGRAM = "GoldenData/_generators/gen_CoTLogProb.py"

MARKER = [29908, 2467, 1115]  # '"action":' in the LLaVA-1.6 (Vicuna/LLaMA) tokenizer used by RL4VLM
DEFAULTS = {"segmenting": "masks", "thought_coef": 0.5, "round_to_bfloat16": False, "clip_epsilon": 0.1,
            "ratio_guard": None, "pad_id": 0, "action_marker_ids": MARKER, "marker_min_matches": 1,
            "fallback_tokens": 4}
PRESETS = {
    "paper": dict(DEFAULTS),
    # RL4VLM from commit 74236ab (2024-08-29, "according to issue 19") to HEAD b989b57: one marker suffices
    "rl4vlm": dict(DEFAULTS, segmenting="rl4vlm_marker", round_to_bfloat16=True, ratio_guard=10.0,
                   marker_min_matches=1),
    # RL4VLM as released (commit 202229a, 2024-05-15) until 74236ab: more than one marker needed
    "rl4vlm-2024-05-15": dict(DEFAULTS, segmenting="rl4vlm_marker", round_to_bfloat16=True, ratio_guard=10.0,
                              marker_min_matches=2),
}
FALLBACK_SEQUENCE = -2.0
FALLBACK_ACTION = -1.0
BF16_MAX = (2.0 - 2.0 ** -7) * 2.0 ** 127


from golden_io import SpecError as GoldenError  # noqa: E402


def bf16(x):
    """Round-to-nearest-even to bfloat16 (8 significant bits, exponent range of float32), element-wise,
    from the exact float64 value (one rounding). Overflow past the largest finite bfloat16 gives +-inf."""
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    nz = x != 0
    _, e = np.frexp(x[nz])                      # |x| = f * 2**e with f in [0.5, 1)
    q = np.ldexp(1.0, np.maximum(e, -125) - 8)  # spacing of bfloat16 numbers around x (subnormals: 2**-133)
    r = np.rint(x[nz] / q) * q                  # np.rint rounds halves to even
    r = np.where(np.abs(r) > BF16_MAX, np.sign(r) * np.inf, r)
    out[nz] = r
    return out if out.ndim else float(out)




def resolve(inp: dict) -> dict:
    cfg = dict(DEFAULTS)
    if "preset" in inp:
        if inp["preset"] not in PRESETS:
            raise GoldenError("invalid_argument")
        cfg = dict(PRESETS[inp["preset"]])
    for k in DEFAULTS:
        if k in inp:
            cfg[k] = inp[k]
    return cfg


def _is_int_array(a) -> bool:
    a = np.asarray(a)
    return a.size == 0 or bool(np.all(np.isfinite(a.astype(np.float64))) and np.all(a == np.round(a)))




def validate(inp: dict):
    inp = as_read(inp)
    cfg = resolve(inp)
    if cfg["segmenting"] not in ("masks", "rl4vlm_marker"):
        raise GoldenError("invalid_argument")
    if "log_probs" not in inp:
        raise GoldenError("missing_input")
    marker_mode = cfg["segmenting"] == "rl4vlm_marker"
    if marker_mode and "tokens" not in inp:
        raise GoldenError("missing_input")
    if not marker_mode and ("thought_mask" not in inp or "action_mask" not in inp):
        raise GoldenError("missing_input")
    has_old, has_adv = "old_sequence_log_probs" in inp, "advantages" in inp
    if has_old != has_adv:
        raise GoldenError("missing_input")
    if len(inp["log_probs"]) == 0:  # B = 0: `[]` carries no inner shape, so this comes before shape checks
        raise GoldenError("empty")
    lp = np.asarray(inp["log_probs"], dtype=np.float64)
    if lp.ndim != 2:
        raise GoldenError("shape_mismatch")
    B, T = lp.shape
    if marker_mode:
        tokens = np.asarray(inp["tokens"])
        if tokens.shape != (B, T):
            raise GoldenError("shape_mismatch")
    else:
        tm = np.asarray(inp["thought_mask"], dtype=np.float64)
        am = np.asarray(inp["action_mask"], dtype=np.float64)
        if tm.shape != (B, T) or am.shape != (B, T):
            raise GoldenError("shape_mismatch")
    if has_old:
        old = np.asarray(inp["old_sequence_log_probs"], dtype=np.float64)
        adv = np.asarray(inp["advantages"], dtype=np.float64)
        if old.shape != (B,) or adv.shape != (B,):
            raise GoldenError("shape_mismatch")
    floats = [lp] + ([old, adv] if has_old else [])
    if any(not np.all(np.isfinite(a)) for a in floats):
        raise GoldenError("non_finite")
    for k in ("thought_coef", "clip_epsilon"):
        if not math.isfinite(cfg[k]):
            raise GoldenError("non_finite")
    if cfg["ratio_guard"] is not None and not math.isfinite(cfg["ratio_guard"]):
        raise GoldenError("non_finite")
    if not isinstance(cfg["round_to_bfloat16"], bool):
        raise GoldenError("invalid_argument")
    if marker_mode:
        if not _is_int_array(tokens):
            raise GoldenError("invalid_argument")
        marker = cfg["action_marker_ids"]
        if len(marker) == 0 or not _is_int_array(marker):
            raise GoldenError("invalid_argument")
        for k in ("marker_min_matches", "fallback_tokens", "pad_id"):
            if not _is_int_array(cfg[k]):
                raise GoldenError("invalid_argument")
        if cfg["marker_min_matches"] < 1 or cfg["fallback_tokens"] < 1:
            raise GoldenError("invalid_argument")
    else:
        if not (np.all(np.isfinite(tm)) and np.all(np.isfinite(am))):
            raise GoldenError("non_finite")
        if not (np.all((tm == 0) | (tm == 1)) and np.all((am == 0) | (am == 1))):
            raise GoldenError("invalid_argument")
        if np.any((tm == 1) & (am == 1)):
            raise GoldenError("invalid_argument")
    if not 0.0 <= cfg["thought_coef"] <= 1.0:
        raise GoldenError("out_of_range")
    if cfg["clip_epsilon"] < 0:
        raise GoldenError("out_of_range")
    if cfg["ratio_guard"] is not None and cfg["ratio_guard"] <= 0:
        raise GoldenError("out_of_range")
    if marker_mode:
        if np.any(tokens < 0) or np.any(np.asarray(cfg["action_marker_ids"]) < 0) or cfg["pad_id"] < 0:
            raise GoldenError("out_of_range")
    return inp, cfg


def rl4vlm_segments(tokens: np.ndarray, cfg: dict):
    """Thought/action masks per row by RL4VLM's rule (Spec CoTLogProb-3), in token coordinates.
    Returns (thought_mask, action_mask, source) with source 0 = marker, 1 = fallback, 2 = constants."""
    B, T = tokens.shape
    marker = list(cfg["action_marker_ids"])
    K = len(marker)
    L = T - 1  # length of the scored ("selected") vector, index j <-> token position t = j + 1
    tm = np.zeros((B, T))
    am = np.zeros((B, T))
    src = np.zeros(B, dtype=np.int64)
    for b in range(B):
        row = tokens[b]
        scored = np.array([t >= 1 and row[t] != cfg["pad_id"] for t in range(T)], dtype=bool)
        matches = [m for m in range(0, T - K + 1) if list(row[m:m + K]) == marker]
        scored_pos = np.nonzero(scored)[0]
        if len(matches) >= cfg["marker_min_matches"]:
            c = matches[-1] - 1
            src[b] = 0
        elif scored_pos.size >= cfg["fallback_tokens"]:
            c = int(scored_pos[-cfg["fallback_tokens"]]) - 2  # selected index of that token, minus one
            src[b] = 1
        else:
            src[b] = 2
            continue
        if c < 0:  # Python slice start: a negative index counts from the end
            c = max(c + L, 0)
        for j in range(1, max(c, 1)):        # thought = selected[1:c]
            if j < L and scored[j + 1]:
                tm[b, j + 1] = 1.0
        for j in range(c, L):                # action = selected[c:]
            if scored[j + 1]:
                am[b, j + 1] = 1.0
    return tm, am, src


def forward(inp: dict) -> dict:
    inp, cfg = validate(inp)
    lp = np.asarray(inp["log_probs"], dtype=np.float64)
    B, T = lp.shape
    lam = float(cfg["thought_coef"])
    rnd = cfg["round_to_bfloat16"]
    out = {}
    if cfg["segmenting"] == "rl4vlm_marker":
        tm, am, src = rl4vlm_segments(np.asarray(inp["tokens"]).astype(np.int64), cfg)
        out["thought_mask"] = tm.astype(np.int64)
        out["action_mask"] = am.astype(np.int64)
        out["segment_source"] = src
    else:
        tm = np.asarray(inp["thought_mask"], dtype=np.float64)
        am = np.asarray(inp["action_mask"], dtype=np.float64)
        src = np.zeros(B, dtype=np.int64)
    x = bf16(lp) if rnd else lp
    th = np.sum(tm * x, axis=1)
    ac = np.sum(am * x, axis=1)
    if rnd:
        th, ac = bf16(th), bf16(ac)
        seq = bf16(bf16(lam * th) + ac)
    else:
        seq = lam * th + ac
    const = src == 2
    th = np.where(const, 0.0, th)
    ac = np.where(const, FALLBACK_ACTION, ac)
    seq = np.where(const, FALLBACK_SEQUENCE, seq)
    out["thought_log_probs"] = th + 0.0
    out["action_log_probs"] = ac + 0.0
    out["sequence_log_probs"] = seq + 0.0
    if "advantages" in inp:
        old = np.asarray(inp["old_sequence_log_probs"], dtype=np.float64)
        A = np.asarray(inp["advantages"], dtype=np.float64)
        eps = float(cfg["clip_epsilon"])
        with np.errstate(over="ignore", invalid="ignore"):
            r = np.exp(seq - old)
        guard = cfg["ratio_guard"]
        with np.errstate(invalid="ignore"):  # 0*inf in branches np.where does not select
            if guard is not None and np.any(r > guard):
                l = np.where(A == 0, 0.0, -A * np.clip(r, 1 - eps, 1 + eps))
            else:
                l = np.where(A > 0, -A * np.minimum(r, 1 + eps),
                             np.where(A < 0, -A * np.maximum(r, 1 - eps), 0.0))
        out["ratios"] = r
        out["policy_loss"] = float(np.mean(l)) + 0.0
    return out


def jax_grads(inp: dict, cot: dict) -> dict:
    """d(sum_k <cot_k, out_k>)/d log_probs by JAX autodiff; straight-through bfloat16 rounding."""
    pinp, cfg = validate(inp)
    ref = forward(inp)
    lp0 = np.asarray(pinp["log_probs"], dtype=np.float64)
    B, T = lp0.shape
    lam = float(cfg["thought_coef"])
    rnd = cfg["round_to_bfloat16"]
    if cfg["segmenting"] == "rl4vlm_marker":
        tm, am, src = rl4vlm_segments(np.asarray(pinp["tokens"]).astype(np.int64), cfg)
    else:
        tm = np.asarray(pinp["thought_mask"], dtype=np.float64)
        am = np.asarray(pinp["action_mask"], dtype=np.float64)
        src = np.zeros(B, dtype=np.int64)
    const = jnp.asarray(src == 2)
    # rounding targets from the NumPy forward (straight-through offsets)
    xr = bf16(lp0)
    th_r = bf16(np.sum(tm * xr, axis=1))
    ac_r = bf16(np.sum(am * xr, axis=1))
    lth_r = bf16(lam * th_r)
    seq_r = bf16(lth_r + ac_r)

    def ste(v, target):
        return v + jax.lax.stop_gradient(jnp.asarray(target) - v)

    def outputs(lp):
        x = ste(lp, xr) if rnd else lp
        th = jnp.sum(jnp.asarray(tm) * x, axis=1)
        ac = jnp.sum(jnp.asarray(am) * x, axis=1)
        if rnd:
            th, ac = ste(th, th_r), ste(ac, ac_r)
            seq = ste(ste(lam * th, lth_r) + ac, seq_r)
        else:
            seq = lam * th + ac
        th = jnp.where(const, 0.0, th)
        ac = jnp.where(const, FALLBACK_ACTION, ac)
        seq = jnp.where(const, FALLBACK_SEQUENCE, seq)
        o = {"thought_log_probs": th, "action_log_probs": ac, "sequence_log_probs": seq}
        if "advantages" in pinp:
            old = jnp.asarray(np.asarray(pinp["old_sequence_log_probs"], dtype=np.float64))
            A = np.asarray(pinp["advantages"], dtype=np.float64)
            eps = float(cfg["clip_epsilon"])
            r_np = np.asarray(ref["ratios"])
            d = seq - old
            guard = cfg["ratio_guard"]
            if guard is not None and np.any(r_np > guard):
                inside = (r_np >= 1 - eps) & (r_np <= 1 + eps) & (A != 0)
                const_val = np.where(A == 0, 0.0, -A * np.clip(r_np, 1 - eps, 1 + eps))
            else:
                inside = ((A > 0) & (r_np <= 1 + eps)) | ((A < 0) & (r_np >= 1 - eps))
                const_val = np.where(A > 0, -A * (1 + eps), np.where(A < 0, -A * (1 - eps), 0.0))
            d_safe = jnp.where(jnp.asarray(inside), d, 0.0)
            l = jnp.where(jnp.asarray(inside), -jnp.asarray(A) * jnp.exp(d_safe), jnp.asarray(const_val))
            o["policy_loss"] = jnp.mean(l)
            if "ratios" in cot:
                o["ratios"] = jnp.exp(d)
        return o

    def scalar(lp):
        o = outputs(lp)
        total = 0.0
        for k, c in cot.items():
            total = total + jnp.sum(jnp.asarray(c) * o[k])
        return total, o

    g, o = jax.grad(scalar, has_aux=True)(jnp.asarray(lp0))
    for k in o:  # cross-check JAX forward against NumPy forward
        a, b = np.asarray(o[k]), np.asarray(ref[k])
        fin = np.isfinite(b)
        assert np.all(np.abs(a[fin] - b[fin]) <= 1e-12 + 1e-12 * np.abs(b[fin])), k
    return {"log_probs": np.asarray(g) + 0.0}


def fd_agrees(inp: dict, cot: dict, grads: dict) -> bool:
    def L(i):
        o = forward(i)
        return sum(float(np.sum(np.asarray(c) * np.asarray(o[k]))) for k, c in cot.items())
    base = np.asarray(as_read(inp)["log_probs"], dtype=np.float64)
    g = grads["log_probs"]
    for idx in np.ndindex(base.shape):
        h = 1e-6 * max(1.0, abs(base[idx]))
        a, b = base.copy(), base.copy()
        a[idx] += h
        b[idx] -= h
        fd = (L(dict(inp, log_probs=a)) - L(dict(inp, log_probs=b))) / (2 * h)
        if abs(fd - g[idx]) > 1e-6 + 1e-5 * abs(g[idx]):
            return False
    return True


def make_case(cid, equation, comment, inputs, cot=None, flags=None, smooth=True, source=None, tol=None):
    flags = list(flags or [])
    out = forward(inputs)
    grads = None
    if cot is not None:
        grads = jax_grads(inputs, cot)
        agrees = fd_agrees(inputs, cot, grads)
        if smooth and not agrees:
            raise AssertionError(f"{cid}: finite differences disagree")
        if not smooth:
            if agrees:
                raise AssertionError(f"{cid}: expected finite differences to disagree (kink / rounding)")
            flags.append("nondifferentiable")
    return case(cid, equation, comment, inputs, out, flags=flags, cotangents=cot, gradients=grads,
                source=source, tol=tol)


def error_case(cid, equation, comment, inputs, kind):
    try:
        forward(inputs)
    except GoldenError as e:
        assert e.kind == kind, (cid, e.kind, kind)
    else:
        raise AssertionError(f"{cid}: expected error {kind}")
    return case(cid, equation, comment, inputs, {"error": kind}, flags=["error"])


def f32(a):
    """Values exactly representable in float32 (so float32 runs see the same inputs)."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def cot_for(rng, out: dict, keys) -> dict:
    c = {}
    for k in keys:
        v = np.asarray(out[k])
        c[k] = float(np.round(rng.normal(), 6)) if v.ndim == 0 else np.round(rng.normal(size=v.shape), 6)
    return c


# ---------------------------------------------------------------------------------------------
def mask_cases() -> list:
    rng = np.random.default_rng(2002)
    cases = []
    hand = {"log_probs": [[-0.5, -1.0, -0.25, -2.0, -0.125]], "thought_mask": [[1, 1, 1, 0, 0]],
            "action_mask": [[0, 0, 0, 1, 1]], "thought_coef": 0.5}
    cases.append(make_case(
        "hand-lambda-half", "CoTLogProb-2",
        "Hand: thought = -0.5-1-0.25 = -1.75, action = -2-0.125 = -2.125, sequence = 0.5*(-1.75) - 2.125 = -3.0; "
        "d sequence/d log_probs = [0.5,0.5,0.5,1,1].",
        hand, cot={"sequence_log_probs": [1.0]},
        source={"kind": "hand", "reference": "Specs/CoTLogProb.md, hand case"}))

    B, T = 3, 7
    lp = f32(-np.abs(rng.normal(1.0, 0.8, size=(B, T))))
    tmask = np.array([[0, 1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 0, 0], [0, 0, 1, 1, 1, 1, 0]])
    amask = np.array([[0, 0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 0, 0, 1]])
    base = {"log_probs": lp, "thought_mask": tmask, "action_mask": amask}
    seq_keys = ("thought_log_probs", "action_log_probs", "sequence_log_probs")
    o = forward(dict(base, thought_coef=0.3))
    cot = cot_for(rng, o, seq_keys)
    cases.append(make_case(
        "random-masks-lambda-0.3", "CoTLogProb-2",
        "Random log-probs, thought/action masks with unscored positions in between and padding, lambda 0.3; "
        "random cotangents on the three sequence outputs.", dict(base, thought_coef=0.3), cot=cot))
    cases.append(make_case(
        "lambda-zero", "CoTLogProb-2",
        "lambda = 0: the sequence log-prob is the action log-prob; thought tokens get gradient only through "
        "the thought_log_probs output.", dict(base, thought_coef=0.0), cot=cot))
    cases.append(make_case(
        "lambda-one", "CoTLogProb-2",
        "lambda = 1: the naive sum of thought and action log-probs (the paper's unregularized form).",
        dict(base, thought_coef=1.0), cot=cot))
    cases.append(make_case(
        "default-lambda", "CoTLogProb-2",
        "No thought_coef key: default 0.5 (upper end of the paper's recommended [0.2, 0.5]; RL4VLM's "
        "GymCards scripts).", dict(base), cot=cot))

    # PPO on top
    old = f32(forward(dict(base, thought_coef=0.4))["sequence_log_probs"] + np.array([0.05, -0.3, 0.02]))
    adv = np.array([1.2, -0.7, -0.4])
    ppo = dict(base, thought_coef=0.4, old_sequence_log_probs=old, advantages=adv, clip_epsilon=0.1)
    o = forward(ppo)
    cot = cot_for(rng, o, seq_keys + ("ratios",))
    cot["policy_loss"] = 1.0
    cases.append(make_case(
        "ppo-mixed-clipping", "CoTLogProb-5",
        "Sequence-level PPO with eps 0.1: row 0 (A>0, r=exp(-0.05)) unclipped, row 1 (A<0, r=exp(0.3)>1.1) "
        "unclipped because A<0 takes max(r, 0.9), row 2 (A<0, r=exp(-0.02)) unclipped; "
        "policy loss = mean over sequences.", ppo, cot=cot))
    old2 = f32(forward(dict(base, thought_coef=0.4))["sequence_log_probs"] + np.array([-0.3, 0.3, -0.01]))
    adv2 = np.array([0.9, -1.3, 0.0])
    ppo2 = dict(base, thought_coef=0.4, old_sequence_log_probs=old2, advantages=adv2)
    cases.append(make_case(
        "ppo-clipped-rows", "CoTLogProb-5",
        "Row 0: A>0 and r=exp(0.3)>1.1, clipped, no gradient; row 1: A<0 and r=exp(-0.3)<0.9, clipped, no "
        "gradient; row 2: A=0, loss 0. Default clip_epsilon 0.1. Only the ratios output carries gradient.",
        ppo2, cot={"policy_loss": 1.0, "ratios": [0.3, -0.2, 0.5]}))

    # exactly on the kink: eps = 0 and ratio exactly 1
    kink_lp = [[-0.5, -0.25, -1.0, -0.75]]
    kink = {"log_probs": kink_lp, "thought_mask": [[1, 1, 0, 0]], "action_mask": [[0, 0, 1, 1]],
            "thought_coef": 0.5, "old_sequence_log_probs": [-2.125], "advantages": [0.8], "clip_epsilon": 0.0}
    cases.append(make_case(
        "ppo-on-kink", "CoTLogProb-5",
        "clip_epsilon 0 and sequence log-prob equal to the old one (-2.125, exact in binary): r = 1 sits on "
        "the clip boundary. Subgradient of this Spec: the boundary counts as unclipped, so "
        "d loss/d S = -A*r = -0.8 (then x0.5 for thought tokens, x1 for action tokens). JAX's own choice "
        "at a kink is not used; central differences see -0.4.",
        kink, cot={"policy_loss": 1.0}, smooth=False,
        source={"kind": "hand", "reference": "Specs/CoTLogProb.md, Gradient (boundary = unclipped)"}))
    # near the kink: 1e-5 inside and 1e-5 outside the upper boundary for A>0, inside the lower for A<0
    seq_near = forward(dict(kink, old_sequence_log_probs=[0.0], advantages=[0.0]))["sequence_log_probs"][0]
    near = {"log_probs": kink_lp * 3, "thought_mask": [[1, 1, 0, 0]] * 3, "action_mask": [[0, 0, 1, 1]] * 3,
            "thought_coef": 0.5, "clip_epsilon": 0.1, "advantages": [0.8, 0.8, -0.6],
            "old_sequence_log_probs": [seq_near - (math.log1p(0.1) - 1e-5), seq_near - (math.log1p(0.1) + 1e-5),
                                       seq_near - (math.log1p(-0.1) + 1e-5)]}
    cases.append(make_case(
        "ppo-near-kink", "CoTLogProb-5",
        "Ratios 1e-5 (in log space) from the clip boundaries: row 0 just inside 1+eps (A>0, gradient "
        "-A*r), row 1 just outside (clipped, gradient 0), row 2 just inside 1-eps (A<0, gradient -A*r). "
        "Differentiable; float64_only because float32 cannot place the ratio 1e-5 from the boundary "
        "reliably.", near, cot={"policy_loss": 1.0, "sequence_log_probs": [0.1, 0.2, 0.3]},
        flags=["float64_only"]))

    guard = dict(base, thought_coef=0.4, ratio_guard=10.0, clip_epsilon=0.1,
                 old_sequence_log_probs=f32(forward(dict(base, thought_coef=0.4))["sequence_log_probs"]
                                            + np.array([-2.5, 0.05, -0.05])),
                 advantages=[-0.5, -1.0, 2.0])
    cases.append(make_case(
        "ppo-ratio-guard-triggered", "CoTLogProb-5",
        "ratio_guard 10 (RL4VLM): row 0 has r = exp(2.5) > 10, so every row uses -A*clip(r, 0.9, 1.1) "
        "(RL4VLM's -surr2.mean()); row 0 (A<0) gets 0.5*1.1 instead of 0.5*r and no gradient, rows 1-2 "
        "are inside.",
        guard, cot={"policy_loss": 1.0}))
    guard_off = dict(guard, old_sequence_log_probs=f32(forward(dict(base, thought_coef=0.4))["sequence_log_probs"]
                                                       + np.array([-2.0, 0.05, -0.05])))
    cases.append(make_case(
        "ppo-ratio-guard-not-triggered", "CoTLogProb-5",
        "Same with r_0 = exp(2.0) < 10: the usual max(-A r, -A clip(r)); row 0 (A<0, r>1.1) is NOT "
        "clipped (loss 0.5*r, gradient -A*r).",
        guard_off, cot={"policy_loss": 1.0}))

    over = {"log_probs": [[-0.5, -0.25], [-0.5, -0.25], [-0.5, -0.25]], "thought_mask": [[1, 0]] * 3,
            "action_mask": [[0, 1]] * 3, "old_sequence_log_probs": [-800.0, -800.0, -800.0],
            "advantages": [1.0, 0.0, -1.0]}
    cases.append(make_case(
        "ppo-ratio-overflow", "CoTLogProb-5",
        "S - S_old = 799.5: the ratio overflows to +inf (float64 and float32 alike). A>0: -A*min(r,1+eps) = "
        "-1.1; A=0: 0 by definition (no 0*inf); A<0: +inf. policy_loss = +inf, never NaN. No cotangent on "
        "ratios; the gradient is 0 on the clipped/zero rows and would be inf on the A<0 row, so the "
        "gradient case uses rows 0-1 only (see ppo-ratio-overflow-finite).", over))
    over2 = {k: (v[:2] if isinstance(v, list) else v) for k, v in over.items()}
    cases.append(make_case(
        "ppo-ratio-overflow-finite", "CoTLogProb-5",
        "Rows 0-1 of ppo-ratio-overflow: policy_loss = (-1.1 + 0)/2 = -0.55 with zero gradient.",
        over2, cot={"policy_loss": 1.0, "sequence_log_probs": [1.0, 1.0]}))

    # bfloat16 in masks mode: ties to even
    ties = {"log_probs": [[-1.00390625, -1.01171875]], "thought_mask": [[1, 0]], "action_mask": [[0, 1]],
            "thought_coef": 1.0, "round_to_bfloat16": True}
    cases.append(make_case(
        "bfloat16-ties-to-even", "CoTLogProb-4",
        "-1.00390625 = -(1+2^-8) is halfway between -1 and -(1+2^-7): ties-to-even gives -1.0; "
        "-1.01171875 = -(1+3*2^-8) is halfway between -(1+2^-7) and -(1+2^-6): gives -1.015625; "
        "sequence = bf16(-1 - 1.015625) = -2.015625. Gradient straight-through (1 per token).",
        ties, cot={"sequence_log_probs": [1.0]}, smooth=False,
        source={"kind": "hand", "reference": "Specs/CoTLogProb.md, CoTLogProb-4"}))
    bfr = dict(base, thought_coef=0.3, round_to_bfloat16=True)
    cases.append(make_case(
        "bfloat16-random", "CoTLogProb-4",
        "round_to_bfloat16 on random float32-exact log-probs: each log-prob, each segment sum, lambda*thought "
        "and the final sum rounded; straight-through gradient.", bfr,
        cot=cot_for(rng, forward(bfr), seq_keys), smooth=False))
    return cases


def row(tokens, T):
    return list(tokens) + [0] * (T - len(tokens))


def marker_cases() -> list:
    rng = np.random.default_rng(2003)
    cases = []
    T = 14
    a, b, c = MARKER
    # token 1 = start token, 2 = EOS, 29912 '{', 29913 '}', other small ids arbitrary text tokens
    tw = row([1, 29912, 376, a, b, c, 42, 13, 376, a, b, c, 29913, 2], T)   # marker at 3 and 9
    t1 = row([1, 29912, 376, 500, 600, 13, a, b, c, 376, 718, 29913, 2], T)  # marker once at 6, one pad
    t0 = row([1, 29912, 376, 500, 600, 13, 700, 800, 376, 718, 29913, 2], T)  # no marker, 2 pads
    lp = f32(-np.abs(rng.normal(0.8, 0.9, size=(1, T))))
    seq_keys = ("thought_log_probs", "action_log_probs", "sequence_log_probs")

    def mk(tokens, **kw):
        d = {"log_probs": lp.copy(), "tokens": [tokens]}
        d.update(kw)
        return d

    d = mk(tw, preset="rl4vlm")
    cases.append(make_case(
        "marker-found-twice-rl4vlm", "CoTLogProb-3",
        "preset rl4vlm (RL4VLM commit 74236ab and later, interface.py llava_evaluate): marker at positions 3 "
        "and 9, last one used: thought = positions 2..8, action = "
        "positions 9..13 (the '\"action\":' tokens, value, brace and EOS); position 0 never scored, "
        "position 1 skipped. bfloat16 rounding on (straight-through gradient).",
        d, cot=cot_for(rng, forward(d), seq_keys), smooth=False))
    d = mk(t1, preset="rl4vlm")
    cases.append(make_case(
        "marker-found-once-rl4vlm", "CoTLogProb-3",
        "preset rl4vlm (RL4VLM commit 74236ab, 2024-08-29, and later: `match_index.shape[0] >= 1`) with ONE "
        "marker (position 6): the marker is used, thought = positions 2..5, action = positions 6..12; pad at "
        "13 not scored. bfloat16 rounding on.",
        d, cot=cot_for(rng, forward(d), seq_keys), smooth=False))
    d = mk(t1, preset="rl4vlm", marker_min_matches=1, round_to_bfloat16=False)
    cases.append(make_case(
        "marker-found-once-min-1", "CoTLogProb-3",
        "Same tokens, marker_min_matches = 1 (this Spec's default and RL4VLM's rule since 74236ab) and no "
        "rounding: "
        "thought = positions 2..5, action = positions 6..12; pad at 13 not scored.",
        d, cot=cot_for(rng, forward(d), seq_keys)))
    d = mk(t0, segmenting="rl4vlm_marker")
    cases.append(make_case(
        "marker-absent-fallback", "CoTLogProb-3",
        "No marker: last-4 fallback; scored positions 1..11, 4th-last is 8, action = positions 7..11, "
        "thought = 2..6. Defaults otherwise (lambda 0.5, no rounding).",
        d, cot=cot_for(rng, forward(d), seq_keys)))
    d = mk(t0, segmenting="rl4vlm_marker", fallback_tokens=2)
    cases.append(make_case(
        "marker-absent-fallback-2", "CoTLogProb-3",
        "fallback_tokens = 2: 2nd-last scored is 10, action = positions 9..11, thought = 2..8.",
        d, cot=cot_for(rng, forward(d), seq_keys)))

    # too short -> constants, batched with a normal row
    short = row([1, 29912, 376, 2], T)
    d = {"log_probs": f32(-np.abs(rng.normal(0.8, 0.9, size=(2, T)))), "tokens": [short, t0],
         "segmenting": "rl4vlm_marker"}
    cases.append(make_case(
        "too-short-constants", "CoTLogProb-3",
        "Row 0 has 3 scored tokens, no marker: RL4VLM returns the constants sequence -2, action -1 "
        "(thought reported as 0), with no gradient; row 1 is the fallback row of marker-absent-fallback "
        "(rows are independent).",
        d, cot=cot_for(rng, forward(d), seq_keys)))
    d4 = {"log_probs": lp[:, :8].copy(), "tokens": [[1, 376, 500, 29913, 2, 0, 0, 0]], "segmenting": "rl4vlm_marker"}
    cases.append(make_case(
        "fallback-index-wraps", "CoTLogProb-3",
        "Exactly 4 scored tokens (positions 1..4): the 4th-last is position 1, its shifted index is 0 and the "
        "slice start becomes -1, which Python reads from the end: action = position 7 only (a pad, so 0), "
        "thought = positions 2..6 (scored 2..4). Reproduces RL4VLM's indexing literally.",
        d4, cot=cot_for(rng, forward(d4), seq_keys)))
    d5 = {"log_probs": lp[:, :8].copy(), "tokens": [[1, a, b, c, 376, 718, 29913, 2]],
          "segmenting": "rl4vlm_marker"}
    cases.append(make_case(
        "marker-at-position-1", "CoTLogProb-3",
        "Marker right after the start token (m = 1): slice start 0, thought empty, action = positions 1..7.",
        d5, cot=cot_for(rng, forward(d5), seq_keys)))
    d6 = {"log_probs": lp[:, :8].copy(), "tokens": [[5, 6, 7, 40, 5, 6, 7, 9]], "segmenting": "rl4vlm_marker",
          "action_marker_ids": [5, 6, 7], "pad_id": 9, "thought_coef": 0.25}
    cases.append(make_case(
        "custom-marker-and-pad", "CoTLogProb-3",
        "action_marker_ids [5,6,7] found at 0 and 4 (last used, m = 4), pad_id 9 (position 7 unscored), "
        "lambda 0.25: thought = positions 2..3, action = positions 4..6.",
        d6, cot=cot_for(rng, forward(d6), seq_keys)))

    # full rl4vlm preset with PPO (ratio guard, bf16)
    B = 2
    lpp = f32(-np.abs(rng.normal(0.8, 0.9, size=(B, T))))
    d7 = {"log_probs": lpp, "tokens": [tw, t0], "preset": "rl4vlm"}
    s = forward(d7)["sequence_log_probs"]
    d7.update(old_sequence_log_probs=f32(s + np.array([0.04, -0.2])), advantages=[-0.6, -0.9])
    cases.append(make_case(
        "rl4vlm-preset-ppo", "CoTLogProb-5",
        "Whole rl4vlm preset (RL4VLM commit 74236ab and later): marker rule (row 0 two markers, row 1 "
        "fallback), bfloat16, lambda 0.5, "
        "eps 0.1, ratio guard 10 (not triggered): row 0 (A<0, r=exp(-0.04)) and row 1 (A<0, r=exp(0.2)) "
        "unclipped.",
        d7, cot={"policy_loss": 1.0, "sequence_log_probs": [0.5, -0.5]}, smooth=False))
    d8 = dict(d7, old_sequence_log_probs=f32(s + np.array([-3.0, -0.05])))
    cases.append(make_case(
        "rl4vlm-preset-ppo-guard", "CoTLogProb-5",
        "Same with row 0's ratio exp(3) > 10 and row 1's ratio exp(0.05): the guard switches both rows to "
        "-A*clip(r, 0.9, 1.1); row 0 (A<0) gets 0.6*1.1 instead of 0.6*r and no gradient, row 1 inside "
        "(gradient -A*r).",
        d8, cot={"policy_loss": 1.0}, smooth=False))
    # the rule as released (kept as a dated preset); last so that earlier cases keep their random draws
    d = mk(t1, preset="rl4vlm-2024-05-15")
    cases.append(make_case(
        "marker-found-once-rl4vlm-2024-05-15", "CoTLogProb-3",
        "preset rl4vlm-2024-05-15 (RL4VLM as released, commit 202229a, before 74236ab) with ONE marker "
        "(position 6): that code required more than one match (`match_index.shape[0] > 1`), so it falls back "
        "to the last-4 rule: 4th-last scored token at "
        "position 9, action = positions 8..12 (5 tokens, because the fallback index is taken in shifted "
        "coordinates), thought = positions 2..7.",
        d, cot=cot_for(rng, forward(d), seq_keys), smooth=False))
    return cases


def error_cases() -> list:
    base = {"log_probs": [[-0.5, -1.0, -0.25]], "thought_mask": [[1, 0, 0]], "action_mask": [[0, 1, 1]]}
    mbase = {"log_probs": [[-0.5, -1.0, -0.25, -0.3]], "tokens": [[1, 5, 6, 2]], "segmenting": "rl4vlm_marker"}
    out = []

    def mod(b, **kw):
        d = copy.deepcopy(b)
        for k, v in kw.items():
            if v is None:
                d.pop(k)
            else:
                d[k] = v
        return d

    out.append(error_case("error-lambda-negative", "CoTLogProb-2", "thought_coef -0.1",
                          mod(base, thought_coef=-0.1), "out_of_range"))
    out.append(error_case("error-lambda-above-one", "CoTLogProb-2", "thought_coef 1.5",
                          mod(base, thought_coef=1.5), "out_of_range"))
    out.append(error_case("error-lambda-nan", "CoTLogProb-2", "thought_coef NaN",
                          mod(base, thought_coef="nan"), "non_finite"))
    out.append(error_case("error-missing-action-mask", "CoTLogProb-1", "masks mode without action_mask",
                          mod(base, action_mask=None), "missing_input"))
    out.append(error_case("error-missing-tokens", "CoTLogProb-3", "marker mode without tokens",
                          mod(mbase, tokens=None), "missing_input"))
    out.append(error_case("error-old-without-advantages", "CoTLogProb-5",
                          "old_sequence_log_probs without advantages",
                          mod(base, old_sequence_log_probs=[-1.0]), "missing_input"))
    out.append(error_case("error-mask-shape", "CoTLogProb-1", "thought_mask [1,2] vs log_probs [1,3]",
                          mod(base, thought_mask=[[1, 0]]), "shape_mismatch"))
    out.append(error_case("error-advantages-shape", "CoTLogProb-5", "advantages [2] for B = 1",
                          mod(base, old_sequence_log_probs=[-1.0], advantages=[1.0, 2.0]), "shape_mismatch"))
    out.append(error_case("error-overlapping-masks", "CoTLogProb-1", "position 1 both thought and action",
                          mod(base, thought_mask=[[1, 1, 0]]), "invalid_argument"))
    out.append(error_case("error-mask-not-binary", "CoTLogProb-1", "mask value 2",
                          mod(base, action_mask=[[0, 2, 1]]), "invalid_argument"))
    out.append(error_case("error-unknown-segmenting", "CoTLogProb-1", "segmenting 'regex'",
                          mod(base, segmenting="regex"), "invalid_argument"))
    out.append(error_case("error-empty-marker", "CoTLogProb-3", "action_marker_ids []",
                          mod(mbase, action_marker_ids=[]), "invalid_argument"))
    out.append(error_case("error-fallback-tokens-zero", "CoTLogProb-3", "fallback_tokens 0",
                          mod(mbase, fallback_tokens=0), "invalid_argument"))
    out.append(error_case("error-negative-token", "CoTLogProb-3", "token id -3",
                          mod(mbase, tokens=[[1, -3, 6, 2]]), "out_of_range"))
    out.append(error_case("error-negative-clip", "CoTLogProb-5", "clip_epsilon -0.1",
                          mod(base, old_sequence_log_probs=[-1.0], advantages=[1.0], clip_epsilon=-0.1),
                          "out_of_range"))
    out.append(error_case("error-ratio-guard-zero", "CoTLogProb-5", "ratio_guard 0",
                          mod(base, old_sequence_log_probs=[-1.0], advantages=[1.0], ratio_guard=0.0),
                          "out_of_range"))
    out.append(error_case("error-nan-log-prob", "CoTLogProb-1", "NaN log-prob",
                          mod(base, log_probs=[[-0.5, "nan", -0.25]]), "non_finite"))
    out.append(error_case("error-empty-batch", "CoTLogProb-1", "B = 0",
                          {"log_probs": np.zeros((0, 3)), "thought_mask": np.zeros((0, 3)),
                           "action_mask": np.zeros((0, 3))}, "empty"))
    out.append(error_case("error-unknown-preset", "CoTLogProb-2", "preset 'trl'",
                          mod(base, preset="trl"), "invalid_argument"))
    return out


def main():
    src = generator_source(PROGRAM, "NumPy float64 forward with own RNE bfloat16 rounding, JAX x64 autodiff "
                           "gradients (straight-through rounding)")
    write_file(SPEC, "masks", "Lambda-scaled CoT log-probability from explicit thought/action masks, "
               "sequence-level PPO clipped loss (clipping, kinks, ratio guard, overflow), bfloat16 rounding",
               src, mask_cases())
    write_file(SPEC, "rl4vlm", "RL4VLM's token-id segmenting rule: marker found twice / once / absent, "
               "last-4 fallback, constants, index wrap, custom marker, whole preset with PPO", src, marker_cases())
    write_file(SPEC, "errors", "Invalid inputs and the error kind each must produce", src, error_cases())


if __name__ == "__main__":
    main()
