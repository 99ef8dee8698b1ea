"""Golden data for Specs/TokenLogProbs.md: per-token log-probabilities and entropies from logits.

Independent float64 reference: NumPy for input construction, JAX (x64) for the forward pass and for the
gradients (reverse-mode autodiff, not the hand-derived backward the Swift code uses). Every case is also
re-run in float32 (inputs rounded to float32, computation in float32) and checked against the float64
expectation with the float32 tolerance, unless the case is flagged `float64_only`.

Run from the package root:  .venv-golden/bin/python GoldenData/_generators/gen_TokenLogProbs.py
"""
from __future__ import annotations

import os
import sys

import numpy as np
import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden_io as gio  # noqa: E402

SPEC = "TokenLogProbs"
PROGRAM = "GoldenData/_generators/gen_TokenLogProbs.py"
NINF = -np.inf

PRESETS = {
    "paper": {"temperature_epsilon": 0.0},
    "trl": {"temperature_epsilon": 1e-7},
    "verl": {"temperature_epsilon": 0.0},
    "openRLHF": {"temperature_epsilon": 0.0},
}


# ----------------------------------------------------------------------------------------------
# Reference forward pass (Specs/TokenLogProbs.md, TokenLogProbs-1..4)
# ----------------------------------------------------------------------------------------------
def forward(logits, tokens, mask, tau_eff):
    """logits [B,T,V] (may hold -inf), tokens [B,T] int, mask [B,T] 0/1, tau_eff [B] (> 0).
    Returns (log_probs [B,T], entropy [B,T]); both 0 where mask == 0.
    Masked positions are never evaluated: their logits are replaced by zeros before any arithmetic
    (so an all -inf row or a banned/out-of-range token there cannot produce NaN, in the value or in
    the reverse pass)."""
    valid = mask > 0
    z = logits / tau_eff[:, None, None]                          # TokenLogProbs-1
    z = jnp.where(valid[..., None], z, 0.0)
    # Shift by the (first) largest entry z*: s = z - z* <= 0, s* = 0, -inf for banned entries.
    # z* is taken with its gradient (the shift is an exact identity, so autodiff stays exact), and
    # log S = log(1 + sum_{j != *} e^{s_j}) is evaluated with log1p so that near-one-hot rows keep
    # their tiny entropies and log-probs to full relative precision.
    star = jnp.argmax(z, axis=-1)[..., None]
    zstar = jnp.take_along_axis(z, star, axis=-1)
    s = z - zstar
    e = jnp.exp(s)                                               # 0 for banned entries, 1 at *
    is_star = jnp.arange(z.shape[-1]) == star
    rest = jnp.sum(jnp.where(is_star, 0.0, e), axis=-1, keepdims=True)
    big_s = 1.0 + rest
    log_s = jnp.log1p(rest)
    tok = jnp.where(valid, tokens, 0)
    s_tok = jnp.take_along_axis(s, tok[..., None], axis=-1)
    logp = (s_tok - log_s)[..., 0]                               # TokenLogProbs-2
    p = e / big_s
    s_fin = jnp.where(jnp.isfinite(s), s, 0.0)                   # 0 * (-inf) := 0
    ent = log_s[..., 0] + jnp.sum(p * (-s_fin), axis=-1)         # TokenLogProbs-3 (both terms >= 0)
    return jnp.where(valid, logp, 0.0), jnp.where(valid, ent, 0.0)   # TokenLogProbs-4


def resolve(inputs):
    params = {"temperature": 1.0, "temperature_epsilon": 0.0}
    if "preset" in inputs:
        params.update(PRESETS[inputs["preset"]])
    for k in ("temperature", "temperature_epsilon"):
        if k in inputs:
            params[k] = inputs[k]
    return params


def logits_mask_tau(inputs, dtype):
    """logits [B,T,V] and mask [B,T] in float64, and tau_eff [B] in `dtype`."""
    logits = np.asarray(inputs["logits"], dtype=np.float64)
    b, t, _ = logits.shape
    mask = np.asarray(inputs.get("mask", np.ones((b, t))), dtype=np.float64)
    prm = resolve(inputs)
    tau = np.broadcast_to(np.asarray(prm["temperature"], dtype=np.float64), (b,))
    if dtype == np.float32:
        # inputs rounded to Float first, then tau + eps computed in Float (as the Swift Float path does)
        return logits, mask, np.float32(tau.astype(np.float32)) + np.float32(prm["temperature_epsilon"])
    return logits, mask, tau + prm["temperature_epsilon"]


def evaluate(inputs, cot, dtype):
    """Values and dL/dlogits for L = <cot_lp, log_probs> + <cot_h, entropy>, in `dtype`."""
    logits, mask, tau_eff = logits_mask_tau(inputs, dtype)
    tokens = np.asarray(inputs["tokens"], dtype=np.int64)
    x = jnp.asarray(logits.astype(dtype))
    tau_j = jnp.asarray(np.asarray(tau_eff, dtype=dtype))
    mask_j = jnp.asarray(mask.astype(dtype))
    tok_j = jnp.asarray(tokens)
    (lp, h), vjp = jax.vjp(lambda l: forward(l, tok_j, mask_j, tau_j), x)
    (g,) = vjp((jnp.asarray(np.asarray(cot["log_probs"], dtype=dtype)),
                jnp.asarray(np.asarray(cot["entropy"], dtype=dtype))))
    return np.asarray(lp, np.float64), np.asarray(h, np.float64), np.asarray(g, np.float64)


def hand_reference(inputs, cot):
    """Plain NumPy float64 evaluation of the Spec's closed forms (no autodiff), used as a cross-check:
    dlogp_y/dz_j = [j == y] - p_j and dH/dz_j = -p_j (z_j - sum_k p_k z_k) with 0 for banned entries,
    both divided by tau_eff for the raw logits."""
    logits = np.asarray(inputs["logits"], dtype=np.float64)
    b, t, v = logits.shape
    tokens = np.asarray(inputs["tokens"])
    mask = np.asarray(inputs.get("mask", np.ones((b, t))), dtype=np.float64)
    prm = resolve(inputs)
    tau = np.broadcast_to(np.asarray(prm["temperature"], dtype=np.float64), (b,)) + prm["temperature_epsilon"]
    lp = np.zeros((b, t)); h = np.zeros((b, t)); g = np.zeros((b, t, v))
    clp = np.asarray(cot["log_probs"], dtype=np.float64); ch = np.asarray(cot["entropy"], dtype=np.float64)
    for i in range(b):
        for j in range(t):
            if mask[i, j] == 0:
                continue
            z = logits[i, j] / tau[i]
            fin = np.isfinite(z)
            m = z[fin].max()
            s = np.where(fin, z - m, 0.0)
            e = np.where(fin, np.exp(s), 0.0)
            p = e / e.sum()
            y = int(tokens[i, j])
            lp[i, j] = s[y] - np.log(e.sum())
            mean_s = np.sum(p * s)
            h[i, j] = np.log(e.sum()) - mean_s
            d_lp = -p.copy(); d_lp[y] += 1.0
            d_h = np.where(fin, -p * (s - mean_s), 0.0)
            g[i, j] = (clp[i, j] * d_lp + ch[i, j] * d_h) / tau[i]
    return lp, h, g


# ----------------------------------------------------------------------------------------------
# Cases
# ----------------------------------------------------------------------------------------------
cases: list[dict] = []
rng = np.random.default_rng(20240301)


def cotangents_for(b, t):
    return {"log_probs": rng.normal(size=(b, t)).round(6), "entropy": rng.normal(size=(b, t)).round(6)}


def finite_differences_agree(logits, scal, g):
    """The Swift harness' central-difference check (h = 1e-6 max(1,|x|), atol 1e-6, rtol 1e-5) of the scalar
    function `scal` at every finite logit."""
    ok = True
    for i in np.ndindex(logits.shape):
        if not np.isfinite(logits[i]):
            continue
        step = 1e-6 * max(1.0, abs(logits[i]))
        xp = logits.copy(); xp[i] += step; xm = logits.copy(); xm[i] -= step
        d = (scal(xp) - scal(xm)) / (2 * step)
        ok &= bool(abs(d - g[i]) <= 1e-6 + 1e-5 * abs(g[i]))
    return ok


def add(id, equation, comment, inputs, *, flags=(), cot=None, tol=None, source=None):
    flags = list(flags)
    logits = np.asarray(inputs["logits"], dtype=np.float64)
    b, t, _ = logits.shape
    if cot is None:
        cot = cotangents_for(b, t)
    lp, h, g = evaluate(inputs, cot, np.float64)
    assert np.all(np.isfinite(g)), id
    assert not np.any(np.isnan(lp)) and not np.any(np.isnan(h)), id
    # cross-check against the closed forms
    lp2, h2, g2 = hand_reference(inputs, cot)
    np.testing.assert_allclose(lp, lp2, rtol=1e-12, atol=1e-12, err_msg=id)
    np.testing.assert_allclose(h, h2, rtol=1e-10, atol=1e-12, err_msg=id)
    np.testing.assert_allclose(g, g2, rtol=1e-10, atol=1e-12, err_msg=id)
    assert np.all(h >= 0.0), id
    # the finite-difference check of the Swift harness (central, h = 1e-6 max(1,|x|), atol 1e-6, rtol 1e-5),
    # on the finite logits (a -inf entry has no finite neighbourhood; its gradient is defined as 0)
    logits = np.asarray(inputs["logits"], dtype=np.float64)
    cl, ch = np.asarray(cot["log_probs"], dtype=np.float64), np.asarray(cot["entropy"], dtype=np.float64)
    scal = lambda x: float(np.sum(cl * hand_reference(dict(inputs, logits=x), cot)[0])
                           + np.sum(ch * hand_reference(dict(inputs, logits=x), cot)[1]))
    assert finite_differences_agree(logits, scal, g), f"{id}: finite-difference check fails"
    # the float32 path must pass the float32 tolerance unless the case says it cannot
    lp32, h32, g32 = evaluate(inputs, cot, np.float32)
    t32 = (tol or gio.tolerance())["float32"]
    ok32 = all(np.all(np.abs(a - e) <= t32["atol"] + t32["rtol"] * np.abs(e))
               for a, e in ((lp32, lp), (h32, h), (g32, g)))
    if "float64_only" in flags:
        assert not ok32, f"{id}: flagged float64_only but float32 passes"
    else:
        assert ok32, f"{id}: float32 simulation fails the float32 tolerance"
    cases.append(gio.case(id, equation, comment, inputs, {"log_probs": lp, "entropy": h},
                          flags=flags, cotangents=cot, gradients={"logits": g}, tol=tol, source=source))


def add_error(id, equation, comment, inputs, kind):
    cases.append(gio.case(id, equation, comment, inputs, {"error": kind}, flags=["error"]))


# 1. ordinary random logits
lg = rng.normal(scale=2.0, size=(2, 3, 5))
tk = rng.integers(0, 5, size=(2, 3))
add("random-basic", "TokenLogProbs-2",
    "Random N(0, 2^2) logits, B=2, T=3, V=5, no mask (all ones), temperature 1.",
    {"logits": lg, "tokens": tk}, flags=["random"])

# 2. masks with unequal lengths, an all-masked row, garbage at masked positions
lg = rng.normal(scale=1.5, size=(3, 4, 6))
tk = rng.integers(0, 6, size=(3, 4))
mk = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [0, 0, 0, 0]], dtype=np.float64)
tk[1, 3] = -100                     # IGNORE_INDEX-style id at a masked position: ignored
tk[2, 0] = 99                       # out-of-range id at a masked position: ignored
lg[1, 2, :] = NINF                  # an all -inf row at a masked position: ignored
lg[2, 1, tk[2, 1]] = NINF           # banned chosen token at a masked position: ignored
add("masked-unequal-lengths", "TokenLogProbs-4",
    "Row lengths 4, 2, 0. Masked positions hold an out-of-range token id (-100, 99), an all -inf logit "
    "row and a banned chosen token; none of them is evaluated: outputs and gradients are exactly 0 there.",
    {"logits": lg, "tokens": tk, "mask": mk}, flags=["mask", "random"])

# 3. logits of magnitude 1e4 (values chosen exactly representable in float32)
lg = np.array([[[1e4, 1e4 - 1.5, -1e4, 1e4 - 0.25, 0.0],
                [-1e4, -1e4 + 0.5, -1e4 - 2.0, -1e4 + 0.125, -1e4 - 0.75],
                [1e4, -1e4, -1e4, -1e4, -1e4]]])
tk = np.array([[1, 2, 0]])
add("logits-1e4-exact", "TokenLogProbs-3",
    "Logits of magnitude 1e4, all exactly representable in float32. A naive exp overflows, and the "
    "unshifted lse(z) - sum p z loses everything to cancellation (1e4 - 1e4); the max-shifted form of "
    "the Spec is exact. Row 3 is (numerically) one-hot: entropy 0 up to exp(-2e4).",
    {"logits": lg, "tokens": tk}, flags=["large_logits", "hand"],
    tol=gio.tolerance(f64_atol=1e-12, f64_rtol=1e-12))

# 4. banned vocabulary entries (-inf)
lg = rng.normal(size=(2, 2, 6))
lg[0, 0, [1, 4]] = NINF
lg[0, 1, [0, 2, 3, 5]] = NINF
lg[1, 0, :5] = NINF               # only entry 5 allowed -> log-prob 0, entropy 0
lg[1, 1, 2] = NINF
tk = np.array([[0, 4], [5, 3]])
add("banned-entries-neg-inf", "TokenLogProbs-3",
    "Some vocabulary entries are -inf (banned). Their probability is 0, the 0 * (-inf) terms of the "
    "entropy are defined as 0, and their logit gradient is 0 (not NaN). Position (1,0) has a single "
    "allowed entry: log-prob 0 and entropy 0.",
    {"logits": lg, "tokens": tk}, flags=["neg_inf"])

# 5. temperature != 1
lg = rng.normal(scale=2.0, size=(2, 3, 4))
tk = rng.integers(0, 4, size=(2, 3))
add("temperature-0.7", "TokenLogProbs-1",
    "temperature 0.7: z = logits / 0.7 before log-softmax and entropy; gradients include the 1/0.7.",
    {"logits": lg, "tokens": tk, "temperature": 0.7}, flags=["temperature"])

add("temperature-0.7-preset-trl", "TokenLogProbs-1",
    "Same logits with preset trl: z = logits / (0.7 + 1e-7) (TRL PPOTrainer's temperature + 1e-7).",
    {"logits": lg, "tokens": tk, "temperature": 0.7, "preset": "trl"}, flags=["temperature", "preset"])

# presets verl and openRLHF divide by the temperature with no epsilon (= the temperature-0.7 case); their own
# cotangents come from a separate generator so that the cases after these keep their random draws
preset_rng = np.random.default_rng(20261201)
for preset, framework in (("verl", "verl's dp_actor: logits.div_(temperature), then logprobs_from_logits and "
                                   "entropy_from_logits"),
                          ("openRLHF", "OpenRLHF's log_probs_from_logits(logits, labels, temperature)")):
    add(f"temperature-0.7-preset-{preset}", "TokenLogProbs-1",
        f"Same logits with preset {preset}: z = logits / 0.7, no epsilon ({framework}); equals temperature-0.7 "
        "up to the cotangents.",
        {"logits": lg, "tokens": tk, "temperature": 0.7, "preset": preset}, flags=["temperature", "preset"],
        cot={"log_probs": preset_rng.normal(size=tk.shape).round(6), "entropy": preset_rng.normal(size=tk.shape).round(6)})

add("temperature-epsilon-explicit-overrides-preset", "TokenLogProbs-1",
    "preset trl but temperature_epsilon given explicitly as 0: the explicit key wins, so this equals "
    "the temperature-0.7 case.",
    {"logits": lg, "tokens": tk, "temperature": 0.7, "preset": "trl", "temperature_epsilon": 0.0},
    flags=["temperature", "preset"])

lg = rng.normal(scale=1.0, size=(3, 2, 5))
tk = rng.integers(0, 5, size=(3, 2))
add("temperature-per-sequence", "TokenLogProbs-1",
    "temperature given per sequence ([B] = [0.7, 1.0, 0.9]), as with the per-sample temperatures of "
    "seed 003 (GRPO sampling loop).",
    {"logits": lg, "tokens": tk, "temperature": [0.7, 1.0, 0.9]}, flags=["temperature"])

# 6. V = 1
add("vocab-size-1", "TokenLogProbs-3",
    "V = 1: the only token has probability 1, log-prob 0, entropy 0, gradient 0.",
    {"logits": np.array([[[3.5], [-2.0]], [[0.0], [1e4]]]), "tokens": np.zeros((2, 2), dtype=np.int64)},
    flags=["edge", "hand"], source={"kind": "hand", "reference": "softmax of one logit is 1: log 1 = 0, H = 0"})

# 7. hand-checkable uniform distribution
add("uniform-hand", "TokenLogProbs-3",
    "Equal logits over V = 4: log-prob = -log 4, entropy = log 4; with cotangent (1, 1) the gradient "
    "is (delta_jy - 1/4) + 0 (entropy gradient vanishes at the uniform point).",
    {"logits": np.full((1, 1, 4), 0.3), "tokens": np.array([[2]])},
    cot={"log_probs": np.array([[1.0]]), "entropy": np.array([[1.0]])},
    flags=["hand"], source={"kind": "hand", "reference": "uniform softmax: p = 1/4, log p = -log 4, H = log 4"})

# 8. near-deterministic distribution
add("near-one-hot", "TokenLogProbs-3",
    "One logit 50 above the rest: entropy ~ 50 * 3 * exp(-50), tiny but positive and exact in float64.",
    {"logits": np.array([[[50.0, 0.0, 0.0, 0.0], [0.0, 0.0, -50.0, 0.0]]]), "tokens": np.array([[0, 2]])},
    flags=["edge"])

# 9. float64-only: large logits that are not representable in float32
lg = 3000.0 + rng.normal(scale=3.0, size=(1, 2, 5))
tk = rng.integers(0, 5, size=(1, 2))
add("logits-3000-random-float64-only", "TokenLogProbs-2",
    "Random logits around 3000: rounding them to float32 (ulp 2.4e-4 there) moves logit differences by "
    "up to ~2.4e-4, beyond the float32 tolerance, so the case is float64 only. (Around 1e4 the relative "
    "finite-difference step 1e-6*|x| = 1e-2 would be too coarse for the Double gradient check.)",
    {"logits": lg, "tokens": tk}, flags=["large_logits", "float64_only", "random"])

# ---- errors
lg = rng.normal(size=(1, 2, 3))
bad = lg.copy(); bad[0, 1, 2] = NINF
add_error("chosen-token-banned", "TokenLogProbs-2",
          "The chosen token's logit is -inf at an unmasked position (log-prob would be -inf): rejected.",
          {"logits": bad, "tokens": [[0, 2]]}, "invalid_argument")
bad = lg.copy(); bad[0, 0, :] = NINF
add_error("all-banned-row", "TokenLogProbs-3",
          "Every logit of an unmasked position is -inf: no distribution.",
          {"logits": bad, "tokens": [[0, 1]]}, "invalid_argument")
bad = lg.copy(); bad[0, 0, 1] = np.nan
add_error("nan-logit", "TokenLogProbs-1", "A NaN logit (even at a masked position) is rejected.",
          {"logits": bad, "tokens": [[0, 1]], "mask": [[0, 1]]}, "non_finite")
bad = lg.copy(); bad[0, 1, 1] = np.inf
add_error("pos-inf-logit", "TokenLogProbs-1", "+inf logits are rejected (only -inf means banned).",
          {"logits": bad, "tokens": [[0, 1]]}, "non_finite")
add_error("token-out-of-range", "TokenLogProbs-2", "Token id 3 with V = 3 at an unmasked position.",
          {"logits": lg, "tokens": [[0, 3]]}, "out_of_range")
add_error("token-negative", "TokenLogProbs-2", "Token id -1 at an unmasked position.",
          {"logits": lg, "tokens": [[-1, 0]]}, "out_of_range")
add_error("tokens-shape-mismatch", "TokenLogProbs-2", "tokens [1,3] for logits [1,2,3].",
          {"logits": lg, "tokens": [[0, 1, 2]]}, "shape_mismatch")
add_error("mask-shape-mismatch", "TokenLogProbs-4", "mask [2,2] for logits [1,2,3].",
          {"logits": lg, "tokens": [[0, 1]], "mask": [[1, 1], [1, 1]]}, "shape_mismatch")
add_error("temperature-shape-mismatch", "TokenLogProbs-1", "temperature [2] for B = 1.",
          {"logits": lg, "tokens": [[0, 1]], "temperature": [1.0, 0.5]}, "shape_mismatch")
add_error("mask-not-binary", "TokenLogProbs-4", "Mask entries must be 0 or 1.",
          {"logits": lg, "tokens": [[0, 1]], "mask": [[1, 0.5]]}, "invalid_argument")
add_error("temperature-zero", "TokenLogProbs-1", "temperature must be > 0.",
          {"logits": lg, "tokens": [[0, 1]], "temperature": 0.0}, "out_of_range")
add_error("temperature-negative-epsilon", "TokenLogProbs-1", "temperature_epsilon must be >= 0.",
          {"logits": lg, "tokens": [[0, 1]], "temperature_epsilon": -1e-7}, "out_of_range")
add_error("temperature-inf", "TokenLogProbs-1", "temperature must be finite.",
          {"logits": lg, "tokens": [[0, 1]], "temperature": np.inf}, "non_finite")
add_error("unknown-preset", "TokenLogProbs-1", "Presets are paper, trl, verl, openRLHF.",
          {"logits": lg, "tokens": [[0, 1]], "preset": "cleanRL"}, "invalid_argument")
add_error("missing-tokens", "TokenLogProbs-2", "tokens is required.", {"logits": lg}, "missing_input")
add_error("missing-logits", "TokenLogProbs-2", "logits is required.", {"tokens": [[0, 1]]}, "missing_input")
add_error("empty-vocabulary", "TokenLogProbs-2", "V = 0 (logits shape [1,1,0]).",
          {"logits": [[[]]], "tokens": [[0]]}, "empty")
add_error("empty-time", "TokenLogProbs-2", "T = 0 (logits shape [1,0,?] written as [[]]; tokens [[]]).",
          {"logits": [[]], "tokens": [[]]}, "empty")

# ----------------------------------------------------------------------------------------------
# The entropy form (TokenLogProbs-5): logits only, entropy [B,T] and its masked token mean
# ----------------------------------------------------------------------------------------------
entropy_cases: list[dict] = []


def entropy_forward(logits, mask, tau_eff):
    """(entropy [B,T], entropy_mean): TokenLogProbs-3/-4 through `forward` with tokens = the argmax (never
    banned; the entropy does not depend on them), then TokenLogProbs-5: sum(m H) / max(sum m, 1)."""
    tokens = jnp.argmax(jnp.where(jnp.isfinite(logits), logits, -1e300), axis=-1)
    _, h = forward(logits, tokens, mask, tau_eff)
    return h, jnp.sum(mask * h) / jnp.maximum(jnp.sum(mask), 1.0)


def entropy_evaluate(inputs, cot, dtype):
    logits, mask, tau_eff = logits_mask_tau(inputs, dtype)
    b, t, _ = logits.shape
    mask_j, tau_j = jnp.asarray(mask.astype(dtype)), jnp.asarray(np.asarray(tau_eff, dtype=dtype))
    (h, hm), vjp = jax.vjp(lambda l: entropy_forward(l, mask_j, tau_j), jnp.asarray(logits.astype(dtype)))
    ch = np.asarray(cot.get("entropy", np.zeros((b, t))), dtype=dtype)
    (g,) = vjp((jnp.asarray(ch), jnp.asarray(dtype(cot.get("entropy_mean", 0.0)))))
    return np.asarray(h, np.float64), float(hm), np.asarray(g, np.float64)


def add_entropy(id, equation, comment, inputs, cot, *, flags=(), source=None):
    flags = list(flags)
    logits = np.asarray(inputs["logits"], dtype=np.float64)
    b, t, v = logits.shape
    h, hm, g = entropy_evaluate(inputs, cot, np.float64)
    assert np.all(np.isfinite(g)) and np.all(h >= 0.0), id
    # cross-check against the NumPy closed forms: entropy_mean's cotangent is m / max(sum m, 1) on each H
    mask = np.asarray(inputs.get("mask", np.ones((b, t))), dtype=np.float64)
    fin = np.where(np.isfinite(logits), logits, -np.inf)
    hand_in = dict(inputs, tokens=np.argmax(fin, axis=-1))
    ch = np.asarray(cot.get("entropy", np.zeros((b, t)))) + cot.get("entropy_mean", 0.0) * mask / max(mask.sum(), 1.0)
    _, h2, g2 = hand_reference(hand_in, {"log_probs": np.zeros((b, t)), "entropy": ch})
    np.testing.assert_allclose(h, h2, rtol=1e-10, atol=1e-12, err_msg=id)
    np.testing.assert_allclose(hm, float(np.sum(mask * h2) / max(mask.sum(), 1.0)), rtol=1e-12, atol=1e-14, err_msg=id)
    np.testing.assert_allclose(g, g2, rtol=1e-10, atol=1e-12, err_msg=id)
    # the harness' central-difference check on the finite logits
    scal = lambda x: float(np.sum(ch * hand_reference(dict(hand_in, logits=x), {"log_probs": np.zeros((b, t)),
                                                                                 "entropy": ch})[1]))
    assert finite_differences_agree(logits, scal, g), f"{id}: finite-difference check fails"
    h32, hm32, g32 = entropy_evaluate(inputs, cot, np.float32)
    t32 = gio.tolerance()["float32"]
    assert all(np.all(np.abs(a - e) <= t32["atol"] + t32["rtol"] * np.abs(e))
               for a, e in ((h32, h), (np.float64(hm32), hm), (g32, g))), f"{id}: float32 re-run fails"
    entropy_cases.append(gio.case(id, equation, comment, inputs, {"entropy": h, "entropy_mean": hm}, flags=flags,
                                  cotangents=cot, gradients={"logits": g}, source=source))


def add_entropy_error(id, equation, comment, inputs, kind):
    entropy_cases.append(gio.case(id, equation, comment, inputs, {"error": kind}, flags=["error"]))


lg = rng.normal(scale=1.5, size=(3, 4, 6))
mk = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [0, 0, 0, 0]], dtype=np.float64)
lg[1, 2, :] = NINF                  # an all -inf row at a masked position: ignored
lg[0, 1, [2, 5]] = NINF             # banned entries at an unmasked position
add_entropy("entropy-form-masked", "TokenLogProbs-5",
            "form entropy (no tokens): row lengths 4, 2, 0, temperature 0.7, banned entries at (0,1), an all -inf "
            "row at a masked position; entropy_mean = sum(m H) / 6. Cotangents on entropy and entropy_mean.",
            {"form": "entropy", "logits": lg, "mask": mk, "temperature": 0.7},
            {"entropy": rng.normal(size=(3, 4)).round(6), "entropy_mean": 0.75}, flags=["mask", "random"])
lg = rng.normal(scale=2.0, size=(2, 3, 5))
add_entropy("entropy-form-mean-only", "TokenLogProbs-5",
            "form entropy without a mask (all 6 positions), per-sequence temperature [0.9, 1.2], preset trl (tau + "
            "1e-7): the entropy bonus/metric as frameworks log it, with a cotangent on entropy_mean only.",
            {"form": "entropy", "logits": lg, "temperature": [0.9, 1.2], "preset": "trl"}, {"entropy_mean": 1.0},
            flags=["random", "temperature", "preset"])
add_entropy("entropy-form-uniform-hand", "TokenLogProbs-5",
            "Equal logits over V = 4 at two positions, the second masked: entropy (log 4, 0), entropy_mean = log 4; "
            "the gradient vanishes at the uniform point.",
            {"form": "entropy", "logits": np.full((1, 2, 4), -0.5), "mask": [[1, 0]]}, {"entropy_mean": 1.0},
            flags=["hand"], source={"kind": "hand", "reference": "uniform softmax over 4: H = log 4; mean over 1 token"})
add_entropy("entropy-form-all-masked", "TokenLogProbs-5",
            "form entropy with every position masked: entropy all 0, entropy_mean 0 (not NaN), gradient 0.",
            {"form": "entropy", "logits": rng.normal(size=(1, 2, 3)), "mask": [[0, 0]]}, {"entropy_mean": 1.0},
            flags=["edge", "mask"])
lg = rng.normal(size=(1, 2, 3))
add_entropy_error("entropy-form-missing-logits", "TokenLogProbs-5", "form entropy still needs logits.",
                  {"form": "entropy", "mask": [[1, 1]]}, "missing_input")
add_entropy_error("unknown-form", "TokenLogProbs-5", "Forms are log_probs (default) and entropy.",
                  {"form": "entropies", "logits": lg, "tokens": [[0, 1]]}, "invalid_argument")
bad = lg.copy(); bad[0, 0, :] = NINF
add_entropy_error("entropy-form-all-banned-row", "TokenLogProbs-3",
                  "form entropy: every logit of an unmasked position is -inf: no distribution.",
                  {"form": "entropy", "logits": bad}, "invalid_argument")
add_entropy_error("entropy-form-mask-shape-mismatch", "TokenLogProbs-4", "form entropy: mask [1,3] for logits [1,2,3].",
                  {"form": "entropy", "logits": lg, "mask": [[1, 1, 1]]}, "shape_mismatch")

if __name__ == "__main__":
    path = gio.write_file(
        SPEC, "token_log_probs",
        "Token log-probabilities and entropies from logits: random, masks, 1e4 logits, -inf banned "
        "entries, temperature (scalar, per sequence, TRL epsilon), V = 1, and invalid inputs.",
        gio.generator_source(PROGRAM, "JAX x64 forward + jax.vjp gradients, cross-checked against "
                             "NumPy closed forms and a float32 re-run."),
        cases)
    print(f"wrote {path} ({len(cases)} cases)")
    path = gio.write_file(
        SPEC, "entropy",
        "The entropy form (input form = entropy, no tokens): per-position entropies and their masked token mean, "
        "with gradients; its errors.",
        gio.generator_source(PROGRAM, "JAX x64 forward + jax.vjp gradients, cross-checked against "
                             "NumPy closed forms, central differences and a float32 re-run."),
        entropy_cases)
    print(f"wrote {path} ({len(entropy_cases)} cases)")
