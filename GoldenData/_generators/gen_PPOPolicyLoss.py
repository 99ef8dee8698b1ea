"""Golden data for Specs/PPOPolicyLoss.md: PPO clipped surrogate (asymmetric clip, dual clip, log-ratio
clamp), the four aggregation modes, clip fractions and approximate-KL diagnostics.

Independent float64 reference. Values and gradients come from JAX (x64) autodiff of the Spec's forward
pass written in "branch-select" form (every clip / clamp / cap is active only when its bound is strictly
exceeded, Spec section Gradient), which makes autodiff return exactly the Spec's subgradient on kinks.
Cross-checks run for every case:
  * a second, "textbook" JAX forward (jnp.clip / maximum / minimum) must give the same values, and the
    same gradients away from kinks (on kinks JAX's tie rules split the gradient; the Spec does not);
  * a NumPy closed-form gradient  dloss/dlog_probs = w * (-A * rho) * [no clamp, clip or cap active];
  * a float32 re-run must pass the float32 tolerance unless the case is flagged `float64_only`;
  * unmasked tokens of differentiable cases keep a margin of two finite-difference steps from every kink,
    and a central finite difference (step 1e-6 * max(1, |x|), atol 1e-6, rtol 1e-5, as in the Swift
    harness) agrees with the stored gradient.

Run from the package root:  .venv-golden/bin/python GoldenData/_generators/gen_PPOPolicyLoss.py
"""
from __future__ import annotations

import os
import sys
from decimal import Decimal, getcontext

import numpy as np
import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden_io as gio  # noqa: E402

SPEC = "PPOPolicyLoss"
PROGRAM = "GoldenData/_generators/gen_PPOPolicyLoss.py"

AGGREGATIONS = ("token_mean", "seq_mean_token_mean", "seq_mean_token_sum", "constant_normalizer")
DEFAULTS = {"clip_epsilon": 0.2, "clip_epsilon_low": None, "clip_epsilon_high": None,
            "dual_clip": None, "log_ratio_clamp": None, "aggregation": "token_mean", "normalizer": None,
            "empty_rows": "count", "row_count_epsilon": None, "zero_masked_outputs": True}
# Framework versions: trl = TRL 0.29.1 (trl/experimental/ppo), verl = 0.9.1, openRLHF = 0.11.2.
FRAMEWORK_DENOMINATORS = {"empty_rows": "exclude", "row_count_epsilon": 1e-8}  # verl agg_loss, OpenRLHF aggregate_loss
PRESETS = {
    "paper": {},
    "trl": {},
    "verl": {"clip_epsilon": 0.2, "dual_clip": 3.0, "log_ratio_clamp": 20.0, **FRAMEWORK_DENOMINATORS},
    "openRLHF": {"clip_epsilon": 0.2, "log_ratio_clamp": 20.0, **FRAMEWORK_DENOMINATORS},
    "cleanRL": {"clip_epsilon": 0.2},
    "rl4vlm": {"clip_epsilon": 0.1},
}
DIAGNOSTICS = ("clip_fraction_ratio", "clip_fraction_active", "clip_fraction_dual",
               "approx_kl_k1", "approx_kl_k2", "approx_kl_k3")


def resolve(inputs: dict) -> dict:
    """Defaults (paper) <- preset fields <- explicit keys (an explicit null disables an option)."""
    p = dict(DEFAULTS)
    if "preset" in inputs:
        p.update(PRESETS[inputs["preset"]])
    for k in DEFAULTS:
        if k in inputs:
            p[k] = inputs[k]
    p["eps_low"] = p["clip_epsilon_low"] if p["clip_epsilon_low"] is not None else p["clip_epsilon"]
    p["eps_high"] = p["clip_epsilon_high"] if p["clip_epsilon_high"] is not None else p["clip_epsilon"]
    return p


# ----------------------------------------------------------------------------------------------
# Aggregation (PPOPolicyLoss-4); shared by name with ValueLoss and PPOLoss
# ----------------------------------------------------------------------------------------------
def row_count(m, empty_rows):
    """B of the sequence modes: every row ("count") or the rows with a valid token ("exclude", at least 1)."""
    if empty_rows == "count":
        return m.shape[0]
    return max(int(np.sum(np.sum(np.asarray(m), axis=1) > 0)), 1)


def aggregate(x, m, mode, normalizer, empty_rows="count", row_count_epsilon=None):
    """x [B,T], m [B,T] 0/1. Masked entries contribute exactly 0 (jnp.where, never x * 0)."""
    b = row_count(m, empty_rows)
    xm = jnp.where(m > 0, x, 0.0)
    if mode == "token_mean":
        return jnp.sum(xm) / jnp.maximum(jnp.sum(m), 1.0)
    if mode == "seq_mean_token_mean":
        n = jnp.sum(m, axis=1)
        n = jnp.maximum(n, 1.0) if row_count_epsilon is None else n + row_count_epsilon
        return jnp.sum(jnp.sum(xm, axis=1) / n) / b
    if mode == "seq_mean_token_sum":
        return jnp.sum(xm) / b
    if mode == "constant_normalizer":
        return jnp.sum(xm) / (b * normalizer)
    raise ValueError(mode)


def aggregation_weights(m, mode, normalizer, empty_rows="count", row_count_epsilon=None):
    """d aggregate / d x, in NumPy (closed form used by the cross-check)."""
    b = row_count(m, empty_rows)
    if mode == "token_mean":
        return m / max(m.sum(), 1.0)
    if mode == "seq_mean_token_mean":
        n = m.sum(axis=1, keepdims=True)
        return m / (np.maximum(n, 1.0) if row_count_epsilon is None else n + row_count_epsilon) / b
    if mode == "seq_mean_token_sum":
        return m / b
    return m / (b * normalizer)


def masked_token_mean(x, m):
    return jnp.sum(jnp.where(m > 0, x, 0.0)) / jnp.maximum(jnp.sum(m), 1.0)


# ----------------------------------------------------------------------------------------------
# Per-token loss, Spec form (branch-select) and textbook form
# ----------------------------------------------------------------------------------------------
def per_token_spec(lp, old, adv, p):
    d = lp - old                                                          # PPOPolicyLoss-1
    kappa = p["log_ratio_clamp"]
    if kappa is not None:
        d = jnp.where(d > kappa, kappa, jnp.where(d < -kappa, -kappa, d))  # boundary: unclamped
    rho = jnp.exp(d)
    lo = 1.0 - p["eps_low"]
    hi = 1.0 + p["eps_high"]
    rho_c = jnp.where(rho > hi, hi, jnp.where(rho < lo, lo, rho))
    l1 = -adv * rho                                                       # PPOPolicyLoss-2
    l2 = -adv * rho_c
    clip_active = l2 > l1                                                 # tie -> unclipped branch
    l = jnp.where(clip_active, l2, l1)
    c = p["dual_clip"]
    if c is not None:                                                     # PPOPolicyLoss-3
        dual_active = (adv < 0) & (l > -c * adv)                          # tie -> not capped
        l = jnp.where(dual_active, -c * adv, l)
    else:
        dual_active = jnp.zeros_like(clip_active)
    l = jnp.where(adv == 0, 0.0, l)                                       # A = 0: exactly 0
    ratio_out = (rho < lo) | (rho > hi)
    diag = {"ratio": rho, "ratio_out": ratio_out, "clip_active": clip_active, "dual_active": dual_active,
            "k1": -d, "k2": 0.5 * d * d, "k3": jnp.expm1(d) - d}         # PPOPolicyLoss-6
    return l, diag


def per_token_textbook(lp, old, adv, p):
    d = lp - old
    if p["log_ratio_clamp"] is not None:
        d = jnp.clip(d, -p["log_ratio_clamp"], p["log_ratio_clamp"])
    rho = jnp.exp(d)
    l = jnp.maximum(-adv * rho, -adv * jnp.clip(rho, 1.0 - p["eps_low"], 1.0 + p["eps_high"]))
    if p["dual_clip"] is not None:
        l = jnp.where(adv < 0, jnp.minimum(l, -p["dual_clip"] * adv), l)
    return l


def arrays(inputs, dtype):
    lp = np.asarray(inputs["log_probs"], dtype=np.float64)
    b, t = lp.shape
    old = np.asarray(inputs["old_log_probs"], dtype=np.float64)
    adv = np.asarray(inputs["advantages"], dtype=np.float64)
    if adv.ndim == 1:
        adv = np.repeat(adv[:, None], t, axis=1)                          # [B] broadcast over T
    m = np.asarray(inputs.get("mask", np.ones((b, t))), dtype=np.float64)
    return [jnp.asarray(a.astype(dtype)) for a in (lp, old, adv, m)]


def forward(lp, old, adv, m, p, textbook=False):
    if textbook:
        l = per_token_textbook(lp, old, adv, p)
        return aggregate(l, m, p["aggregation"], p["normalizer"], p["empty_rows"], p["row_count_epsilon"]), None
    l, dg = per_token_spec(lp, old, adv, p)
    loss = aggregate(l, m, p["aggregation"], p["normalizer"], p["empty_rows"],
                     p["row_count_epsilon"])                                # PPOPolicyLoss-4
    f = lambda x: masked_token_mean(x.astype(lp.dtype), m)                # PPOPolicyLoss-5/-6
    keep = (m > 0) if p["zero_masked_outputs"] else jnp.ones(m.shape, dtype=bool)   # zero_masked_outputs
    diag = {"clip_fraction_ratio": f(dg["ratio_out"]), "clip_fraction_active": f(dg["clip_active"]),
            "clip_fraction_dual": f(dg["dual_active"]), "approx_kl_k1": f(dg["k1"]),
            "approx_kl_k2": f(dg["k2"]), "approx_kl_k3": f(dg["k3"]),
            "ratios": jnp.where(keep, dg["ratio"], 0.0), "per_token_loss": jnp.where(keep, l, 0.0)}
    return loss, diag


def evaluate(inputs, dtype):
    p = resolve(inputs)
    lp, old, adv, m = arrays(inputs, dtype)
    if dtype == np.float32:
        p = {k: (np.float32(v) if isinstance(v, float) else v) for k, v in p.items()}
    (loss, diag), g = jax.value_and_grad(lambda x: forward(x, old, adv, m, p), has_aux=True)(lp)
    out = {"loss": float(loss)}
    out.update({k: float(v) if np.ndim(v) == 0 else np.asarray(v, np.float64) for k, v in diag.items()})
    return out, np.asarray(g, np.float64)


def kink_points(p):
    """Log-ratio values at which the per-token loss has a kink."""
    pts = [np.log(1.0 + p["eps_high"]), np.log(1.0 - p["eps_low"])]
    if p["log_ratio_clamp"] is not None:
        pts += [p["log_ratio_clamp"], -p["log_ratio_clamp"]]
    if p["dual_clip"] is not None:
        pts.append(np.log(p["dual_clip"]))
    return np.array(pts)


# ----------------------------------------------------------------------------------------------
# Case builders
# ----------------------------------------------------------------------------------------------
def make_case(id, equation, comment, inputs, *, flags=(), tol=None, source=None):
    flags = list(flags)
    p = resolve(inputs)
    out, g = evaluate(inputs, np.float64)
    assert all(np.all(np.isfinite(v)) for v in out.values()) and np.all(np.isfinite(g)), id
    lp, old, adv, m = (np.asarray(a) for a in arrays(inputs, np.float64))
    # textbook forward: same values; same gradient unless the case sits on a kink
    loss_tb = float(forward(*arrays(inputs, np.float64), p, textbook=True)[0])
    np.testing.assert_allclose(loss_tb, out["loss"], rtol=1e-13, atol=1e-15, err_msg=id)
    g_tb = np.asarray(jax.grad(lambda x: forward(x, *arrays(inputs, np.float64)[1:], p, textbook=True)[0])(
        jnp.asarray(lp)))
    # closed-form gradient
    d = lp - old
    free = np.ones_like(d, dtype=bool)
    if p["log_ratio_clamp"] is not None:
        free &= np.abs(d) <= p["log_ratio_clamp"]
        d = np.clip(d, -p["log_ratio_clamp"], p["log_ratio_clamp"])
    rho = np.exp(d)
    lo, hi = 1.0 - p["eps_low"], 1.0 + p["eps_high"]
    free &= ~(((adv > 0) & (rho > hi)) | ((adv < 0) & (rho < lo)))
    if p["dual_clip"] is not None:
        free &= ~((adv < 0) & (rho > p["dual_clip"]))
    w = aggregation_weights(m, p["aggregation"], p["normalizer"], p["empty_rows"], p["row_count_epsilon"])
    g_hand = np.where(free & (m > 0), w * (-adv * rho), 0.0)
    np.testing.assert_allclose(g, g_hand, rtol=1e-12, atol=1e-15, err_msg=id)
    if "nondifferentiable" in flags:
        same = np.allclose(g, g_tb, rtol=1e-9, atol=1e-15)
        print(f"  {id}: textbook JAX autodiff {'agrees with' if same else 'differs from'} the Spec subgradient")
    else:
        np.testing.assert_allclose(g, g_tb, rtol=1e-12, atol=1e-15, err_msg=id)
        dist = np.abs((lp - old)[:, :, None] - kink_points(p)[None, None, :])
        live = (m > 0) & (adv != 0)
        step = 1e-6 * np.maximum(1.0, np.abs(lp))
        assert np.all((dist > 2 * step[:, :, None])[live]), f"{id}: an unmasked token is within 2 FD steps of a kink"
        # the finite-difference check of the Swift harness (central, h = 1e-6 max(1,|x|), atol 1e-6, rtol 1e-5)
        fd = np.zeros_like(lp)
        f = lambda x: float(forward(jnp.asarray(x), *arrays(inputs, np.float64)[1:], p)[0])
        for i in np.ndindex(lp.shape):
            h = 1e-6 * max(1.0, abs(lp[i]))
            xp = lp.copy(); xp[i] += h; xm = lp.copy(); xm[i] -= h
            fd[i] = (f(xp) - f(xm)) / (2 * h)
        assert np.all(np.abs(fd - g) <= 1e-6 + 1e-5 * np.abs(g)), f"{id}: finite differences disagree: {fd} vs {g}"
    # float32 re-run
    out32, g32 = evaluate(inputs, np.float32)
    t32 = (tol or gio.tolerance())["float32"]
    ok = lambda a, e: bool(np.all(np.abs(np.asarray(a) - np.asarray(e)) <= t32["atol"] + t32["rtol"] * np.abs(e)))
    ok32 = all(ok(out32[k], out[k]) for k in out) and ok(g32, g)
    if "float64_only" in flags:
        # exact float64 kinks: whether a float32 ratio lands on, above or below the rounded bound
        # depends on the float32 exp's last bit, so the case is not meaningful in Float either way
        print(f"  {id}: float64_only; this float32 re-run {'passes' if ok32 else 'fails'}")
    else:
        assert ok32, f"{id}: float32 re-run fails: {out32} vs {out}"
    return gio.case(id, equation, comment, inputs, out, flags=flags, cotangents={"loss": 1.0},
                    gradients={"log_probs": g}, tol=tol, source=source)


def per_token_case(id, comment, inputs):
    """A case with cotangents on loss, ratios and per_token_loss; its gradient is JAX's of the weighted sum."""
    p = resolve(inputs)
    arr = arrays(inputs, np.float64)
    shape = np.shape(inputs["log_probs"])
    n = int(np.prod(shape))
    cot = {"loss": 1.0, "ratios": np.round(np.linspace(-1, 1, n).reshape(shape), 3),
           "per_token_loss": np.round(np.linspace(0.5, -0.5, n).reshape(shape), 3)}

    def weighted(x):
        loss, d = forward(x, *arr[1:], p)
        return loss + jnp.sum(cot["ratios"] * d["ratios"]) + jnp.sum(cot["per_token_loss"] * d["per_token_loss"])

    out, _ = evaluate(inputs, np.float64)
    g = np.asarray(jax.grad(weighted)(arr[0]), np.float64)
    return gio.case(id, "PPOPolicyLoss-2", comment, inputs, out, flags=["diagnostics", "per_token"], cotangents=cot,
                    gradients={"log_probs": g})


def error_case(id, equation, comment, inputs, kind):
    return gio.case(id, equation, comment, inputs, {"error": kind}, flags=["error"])


getcontext().prec = 60


def exact_kink(old: float, target: float, seed: int):
    """(old, lp, F): log-probs with d = lp - old exact in float64, d within 1e-4 of log(target), and
    exp(d) within 0.01 ulp of the float64 F (so any exp with error < 0.99 ulp, NumPy's included,
    returns F). Neighbouring floats d only visit a few residues of exp(d) modulo ulp, hence the
    random spread of the candidates."""
    krng = np.random.default_rng(seed)
    for _ in range(200000):
        lp = float(old + (np.log(target) + krng.uniform(-1e-4, 1e-4)))
        d = lp - old
        if Decimal(lp) - Decimal(old) != Decimal(d):
            continue
        ex = Decimal(d).exp()
        f = float(ex)
        if abs(ex - Decimal(f)) < Decimal(float(np.spacing(f))) / 100 and float(np.exp(d)) == f:
            return old, lp, f
    raise RuntimeError("no exact kink found")


rng = np.random.default_rng(20240302)
r6 = lambda a: np.round(a, 6)


def random_batch(b, t, spread=0.3):
    old = r6(-rng.uniform(0.2, 3.0, size=(b, t)))
    lp = r6(old + rng.normal(scale=spread, size=(b, t)))
    adv = r6(rng.normal(size=(b, t)))
    return lp, old, adv


def lengths_mask(lengths, t):
    return np.array([[1.0 if j < n else 0.0 for j in range(t)] for n in lengths])


def build_groups():
    # ---------------------------------------------------------------- group: clipped surrogate
    surrogate: list[dict] = []
    lp, old, adv = random_batch(3, 5)
    mk = lengths_mask([5, 4, 2], 5)
    surrogate.append(make_case(
        "random-default", "PPOPolicyLoss-2",
        "Random log-probs (log-ratio ~ N(0, 0.3^2)) and advantages, rows of length 5, 4, 2; paper "
        "defaults (clip 0.2, token_mean). Some tokens clipped on each side.",
        {"log_probs": lp, "old_log_probs": old, "advantages": adv, "mask": mk}, flags=["random", "mask"]))

    adv_b = r6(rng.normal(size=3))
    surrogate.append(make_case(
        "advantages-per-sequence-broadcast", "PPOPolicyLoss-2",
        "advantages of shape [B] (one per sequence, as in GRPO/RL4VLM) are broadcast over T.",
        {"log_probs": lp, "old_log_probs": old, "advantages": adv_b, "mask": mk}, flags=["broadcast"]))

    surrogate.append(make_case(
        "no-mask-key", "PPOPolicyLoss-2",
        "mask omitted: every token counts (same data as random-default).",
        {"log_probs": lp, "old_log_probs": old, "advantages": adv}, flags=["random"]))

    surrogate.append(make_case(
        "asymmetric-clip-dapo", "PPOPolicyLoss-2",
        "clip_epsilon_low 0.2, clip_epsilon_high 0.28 (DAPO clip-higher): bounds [0.8, 1.28].",
        {"log_probs": lp, "old_log_probs": old, "advantages": adv, "mask": mk,
         "clip_epsilon_low": 0.2, "clip_epsilon_high": 0.28}, flags=["asymmetric"]))

    lpz = np.array([[-1.0, -0.5, -2.0, -1.2]]); oldz = np.array([[-1.5, -1.0, -1.0, -1.2]])
    surrogate.append(make_case(
        "zero-advantage", "PPOPolicyLoss-2",
        "A = 0 on every token: loss 0 and gradient 0 whatever the ratio (even outside the clip range). "
        "clip_fraction_ratio still counts the 3 ratios outside [0.8, 1.2]; clip_fraction_active counts none.",
        {"log_probs": lpz, "old_log_probs": oldz, "advantages": np.zeros((1, 4))},
        flags=["edge", "hand"], source={"kind": "hand", "reference": "-0 * rho = 0 for every token"}))

    lpd = np.array([[np.log(4.0) - 1.0, np.log(2.0) - 1.0, np.log(4.0) - 1.0, -1.0 - 0.3]])
    oldd = np.full((1, 4), -1.0)
    advd = np.array([[-0.5, -0.5, 0.5, -1.5]])
    surrogate.append(make_case(
        "dual-clip-active", "PPOPolicyLoss-3",
        "dual_clip 3: token 1 has A < 0 and ratio 4 > 3, its loss is capped at 3|A| = 1.5 with zero "
        "gradient; token 2 (ratio 2 < 3) and token 3 (A > 0) are not affected; token 4 is lower-clipped.",
        {"log_probs": lpd, "old_log_probs": oldd, "advantages": advd, "dual_clip": 3.0},
        flags=["dual_clip"]))
    surrogate.append(make_case(
        "dual-clip-off-same-data", "PPOPolicyLoss-2",
        "Same tokens without dual clip: token 1 contributes |A| * 4 = 2 instead of 1.5.",
        {"log_probs": lpd, "old_log_probs": oldd, "advantages": advd}, flags=["dual_clip"]))

    lpc = np.array([[-0.5, -3.0, -1.0, -0.5]]); oldc = np.array([[-3.5, -0.5, -1.0, -0.75]])
    advc = np.array([[-0.25, 2.0, 1.0, -1.0]])
    surrogate.append(make_case(
        "log-ratio-clamp-active", "PPOPolicyLoss-1",
        "log_ratio_clamp 2 (small, so that the loss stays O(1) and finite differences stay accurate): token 1 "
        "has log-ratio 3 (A < 0: loss 0.25 e^2 instead of 0.25 e^3, gradient 0), token 2 has -2.5 (A > 0: "
        "ratio e^-2 instead of e^-2.5, gradient 0 instead of -A e^-2.5). Diagnostics use the clamped log-ratio.",
        {"log_probs": lpc, "old_log_probs": oldc, "advantages": advc, "log_ratio_clamp": 2.0},
        flags=["clamp"]))
    surrogate.append(make_case(
        "log-ratio-clamp-20-single-token", "PPOPolicyLoss-1",
        "log_ratio_clamp 20 (verl, OpenRLHF) and log-ratio 25 with A < 0: loss 0.25 e^20 (not 0.25 e^25), "
        "gradient 0; approx_kl_k3 = e^20 - 21.",
        {"log_probs": [[-0.5]], "old_log_probs": [[-25.5]], "advantages": [[-0.25]], "log_ratio_clamp": 20.0},
        flags=["clamp"]))
    # verl data: dual clip (lpd) plus log-ratios beyond +-20 whose clamp shows in the diagnostics only
    # (with dual clip 3 the loss is capped first; A > 0 beyond +20 is clipped anyway)
    lpv = np.array([[-0.5, -25.5]]); oldv = np.array([[-25.5, -0.5]]); advv = np.array([[0.5, 2.0]])

    surrogate.append(make_case(
        "preset-verl", "PPOPolicyLoss-3",
        "preset verl = clip 0.2/0.2, dual_clip 3, log_ratio_clamp 20, token_mean "
        "(verl/trainer/ppo/core_algos.py compute_policy_loss_vanilla). Data exercise the dual clip; the two "
        "log-ratios of +-25 are clamped to +-20, which here shows in the diagnostics only.",
        {"log_probs": np.concatenate([lpd, lpc, lpv], axis=1), "old_log_probs": np.concatenate([oldd, oldc, oldv], axis=1),
         "advantages": np.concatenate([advd, advc, advv], axis=1), "preset": "verl"}, flags=["preset"]))
    surrogate.append(make_case(
        "preset-verl-dual-clip-overridden-null", "PPOPolicyLoss-2",
        "preset verl with explicit \"dual_clip\": null: the explicit null disables the preset's dual clip.",
        {"log_probs": np.concatenate([lpd, lpc, lpv], axis=1), "old_log_probs": np.concatenate([oldd, oldc, oldv], axis=1),
         "advantages": np.concatenate([advd, advc, advv], axis=1), "preset": "verl", "dual_clip": None},
        flags=["preset"]))
    for name in ("openRLHF", "cleanRL", "rl4vlm", "trl", "paper"):
        surrogate.append(make_case(
            f"preset-{name}", "PPOPolicyLoss-2",
            f"preset {name} on the random-default data (see the Spec's preset table).",
            {"log_probs": lp, "old_log_probs": old, "advantages": adv, "mask": mk, "preset": name},
            flags=["preset"]))

    surrogate.append(make_case(
        "all-masked", "PPOPolicyLoss-4",
        "Every mask entry is 0: loss 0, every diagnostic 0, gradient 0 (no NaN from 0/0).",
        {"log_probs": lp, "old_log_probs": old, "advantages": adv, "mask": np.zeros((3, 5))},
        flags=["edge", "mask"]))

    lps = np.array([[-0.7]]); olds = np.array([[-0.9]])
    surrogate.append(make_case(
        "single-token-hand", "PPOPolicyLoss-2",
        "One token, log-ratio 0.2, ratio e^0.2 = 1.2214 > 1.2, A = 2: loss = -min(2 e^0.2, 2 * 1.2) = -2.4, "
        "gradient 0 (clipped). k1 = -0.2, k2 = 0.02, k3 = e^0.2 - 1.2.",
        {"log_probs": lps, "old_log_probs": olds, "advantages": np.array([[2.0]])},
        flags=["hand"], source={"kind": "hand", "reference": "-min(2*exp(0.2), 2*1.2) = -2.4"}))

    # ---------------------------------------------------------------- group: kinks
    kinks: list[dict] = []
    old_up, lp_up, f_up = exact_kink(-1.5, 1.2, 1)
    eps_up = f_up - 1.0
    assert 1.0 + eps_up == f_up
    old_lo, lp_lo, f_lo = exact_kink(-1.75, 0.8, 2)
    eps_lo = 1.0 - f_lo
    assert 1.0 - eps_lo == f_lo
    old_du, lp_du, f_du = exact_kink(-2.5, 3.0, 3)

    kinks.append(make_case(
        "kink-upper-exact", "PPOPolicyLoss-2",
        f"A > 0 and ratio exactly 1 + eps_high (ratio = exp({lp_up!r} - ({old_up!r})) = {f_up!r}, clip_epsilon = "
        f"{eps_up!r}): the two branches tie. Spec subgradient: unclipped branch, d loss/d log_prob = -A*rho. "
        "JAX's maximum/clip tie rules would give a split gradient instead; this value is computed with the "
        "Spec's branch rule. Not a clipped token for either clip fraction.",
        {"log_probs": [[lp_up]], "old_log_probs": [[old_up]], "advantages": [[1.5]], "clip_epsilon": eps_up},
        flags=["nondifferentiable", "float64_only", "kink"]))
    kinks.append(make_case(
        "kink-lower-exact", "PPOPolicyLoss-2",
        f"A < 0 and ratio exactly 1 - eps_low ({f_lo!r}, clip_epsilon = {eps_lo!r}). Spec subgradient: "
        "unclipped branch, -A*rho.",
        {"log_probs": [[lp_lo]], "old_log_probs": [[old_lo]], "advantages": [[-0.75]], "clip_epsilon": eps_lo},
        flags=["nondifferentiable", "float64_only", "kink"]))
    kinks.append(make_case(
        "kink-dual-clip-exact", "PPOPolicyLoss-3",
        f"A < 0 and ratio exactly equal to dual_clip = {f_du!r}: the cap ties with the clipped loss. Spec "
        "subgradient: not capped, -A*rho.",
        {"log_probs": [[lp_du]], "old_log_probs": [[old_du]], "advantages": [[-0.5]], "dual_clip": f_du},
        flags=["nondifferentiable", "float64_only", "kink", "dual_clip"]))
    kinks.append(make_case(
        "kink-zero-epsilon", "PPOPolicyLoss-2",
        "clip_epsilon 0 and log_prob == old_log_prob: ratio exactly 1 = both bounds, exact in float32 too. "
        "Spec subgradient -A*rho = -A per token (weighted 1/2 by token_mean); a textbook autodiff of "
        "max(-A r, -A clip(r, 1, 1)) returns a fraction of it.",
        {"log_probs": [[-0.5, -1.25]], "old_log_probs": [[-0.5, -1.25]], "advantages": [[2.0, -1.0]],
         "clip_epsilon": 0.0},
        flags=["nondifferentiable", "kink", "hand"],
        source={"kind": "hand", "reference": "loss = (-2 + 1)/2 = -0.5; gradient (-2*1/2, 1*1/2) = (-1, 0.5)"}))
    kinks.append(make_case(
        "kink-log-ratio-clamp-boundary", "PPOPolicyLoss-1",
        "log-ratio exactly +20 and -20 with log_ratio_clamp 20: the clamp is not active on its boundary, "
        "so the gradient passes through (token 1: A < 0, gradient 0.25 e^20 / 2; token 2: A > 0, ratio "
        "e^-20 < 0.8 is on the unclipped side for A > 0, gradient -A e^-20 / 2). Exact in float32.",
        {"log_probs": [[-0.5, -20.25]], "old_log_probs": [[-20.5, -0.25]], "advantages": [[-0.25, 1.0]],
         "log_ratio_clamp": 20.0},
        flags=["nondifferentiable", "kink", "clamp"]))

    off = 5e-6
    d_up = np.log(1.2)
    kinks.append(make_case(
        "near-kink-upper", "PPOPolicyLoss-2",
        "A > 0, log-ratio log(1.2) - 5e-6 (unclipped, gradient -A rho) and log(1.2) + 5e-6 (clipped, "
        "gradient 0). 5e-6 rather than 1e-6 so that a central difference with step 1e-6 stays on one side.",
        {"log_probs": [[-1.0 + d_up - off, -1.0 + d_up + off]], "old_log_probs": [[-1.0, -1.0]],
         "advantages": [[1.5, 1.5]]}, flags=["near_kink"]))
    d_lo = np.log(0.8)
    kinks.append(make_case(
        "near-kink-lower", "PPOPolicyLoss-2",
        "A < 0, log-ratio log(0.8) + 5e-6 (unclipped) and log(0.8) - 5e-6 (clipped).",
        {"log_probs": [[-0.5 + d_lo + off, -0.5 + d_lo - off]], "old_log_probs": [[-0.5, -0.5]],
         "advantages": [[-0.75, -0.75]]}, flags=["near_kink"]))
    d_du = np.log(3.0)
    kinks.append(make_case(
        "near-kink-dual-clip", "PPOPolicyLoss-3",
        "A < 0, dual_clip 3, log-ratio log(3) - 5e-6 (not capped) and log(3) + 5e-6 (capped, gradient 0).",
        {"log_probs": [[-2.0 + d_du - off, -2.0 + d_du + off]], "old_log_probs": [[-2.0, -2.0]],
         "advantages": [[-0.5, -0.5]], "dual_clip": 3.0}, flags=["near_kink", "dual_clip"]))
    kinks.append(make_case(
        "near-kink-clamp", "PPOPolicyLoss-1",
        "log_ratio_clamp 20, log-ratio 20 - 5e-6 (free) and 20 + 5e-6 (clamped), A < 0.",
        {"log_probs": [[-0.5 - off, -0.5 + off]], "old_log_probs": [[-20.5, -20.5]],
         "advantages": [[-0.25, -0.25]], "log_ratio_clamp": 20.0}, flags=["near_kink", "clamp"]))

    # ---------------------------------------------------------------- group: aggregation
    aggregation: list[dict] = []
    lp, old, adv = random_batch(3, 6)
    mk = lengths_mask([6, 3, 1], 6)
    for mode in AGGREGATIONS:
        inp = {"log_probs": lp, "old_log_probs": old, "advantages": adv, "mask": mk, "aggregation": mode}
        if mode == "constant_normalizer":
            inp["normalizer"] = 8.0
        aggregation.append(make_case(
            f"aggregation-{mode}", "PPOPolicyLoss-4",
            f"Same data (row lengths 6, 3, 1), aggregation {mode}"
            + (" with normalizer 8 (L_max): loss = sum(l*m) / (B * 8)." if mode == "constant_normalizer" else "."),
            inp, flags=["aggregation"]))
    mk0 = lengths_mask([4, 0, 2], 6)
    for mode in AGGREGATIONS:
        inp = {"log_probs": lp, "old_log_probs": old, "advantages": adv, "mask": mk0, "aggregation": mode}
        if mode == "constant_normalizer":
            inp["normalizer"] = 6.0
        aggregation.append(make_case(
            f"aggregation-{mode}-empty-row", "PPOPolicyLoss-4",
            f"Row lengths 4, 0, 2 with {mode}: the empty row contributes 0 and still counts in B "
            "(seq_mean_token_mean divides its 0 token sum by max(0, 1) = 1).",
            inp, flags=["aggregation", "edge"]))
    for mode in AGGREGATIONS[1:]:
        inp = {"log_probs": lp, "old_log_probs": old, "advantages": adv, "mask": mk0, "aggregation": mode,
               "empty_rows": "exclude", "row_count_epsilon": 1e-8}
        if mode == "constant_normalizer":
            inp["normalizer"] = 6.0
        aggregation.append(make_case(
            f"aggregation-{mode}-empty-row-excluded", "PPOPolicyLoss-4",
            f"Row lengths 4, 0, 2 with {mode}, empty_rows exclude and row_count_epsilon 1e-8 (the "
            "denominators of verl 0.9.1 agg_loss and OpenRLHF 0.11.2 aggregate_loss): B = 2 non-empty rows"
            + (", row token counts n_b + 1e-8." if mode == "seq_mean_token_mean" else "."),
            inp, flags=["aggregation", "edge"]))
    for preset in ("verl", "openRLHF"):
        inp = {"log_probs": lp, "old_log_probs": old, "advantages": adv, "mask": mk0,
               "aggregation": "seq_mean_token_mean", "preset": preset}
        aggregation.append(make_case(
            f"aggregation-seq-mean-token-mean-empty-row-{preset}", "PPOPolicyLoss-4",
            f"Row lengths 4, 0, 2, preset {preset} ({'verl 0.9.1 agg_loss seq-mean-token-mean' if preset == 'verl' else 'OpenRLHF 0.11.2 aggregate_loss, token_level_loss=False'}): "
            "the preset's denominators exclude the empty row and add 1e-8 to each row's count.",
            inp, flags=["aggregation", "edge", "preset"]))
    aggregation.append(make_case(
        "aggregation-hand", "PPOPolicyLoss-4",
        "Hand example, ratio 1 (log_probs == old), so l = -A: A = [[1, 2, 3], [4, 0, 0]], rows of length "
        "3 and 1. token_mean = -(1+2+3+4)/4 = -2.5; the seq_mean_token_mean variant of this case is the next one.",
        {"log_probs": np.zeros((2, 3)), "old_log_probs": np.zeros((2, 3)),
         "advantages": [[1.0, 2.0, 3.0], [4.0, 0.0, 0.0]], "mask": [[1, 1, 1], [1, 0, 0]]},
        flags=["hand"], source={"kind": "hand", "reference": "-(1+2+3+4)/4 = -2.5"}))
    aggregation.append(make_case(
        "aggregation-hand-seq-mean-token-mean", "PPOPolicyLoss-4",
        "Same: mean(-(1+2+3)/3, -4/1) = mean(-2, -4) = -3.",
        {"log_probs": np.zeros((2, 3)), "old_log_probs": np.zeros((2, 3)),
         "advantages": [[1.0, 2.0, 3.0], [4.0, 0.0, 0.0]], "mask": [[1, 1, 1], [1, 0, 0]],
         "aggregation": "seq_mean_token_mean"},
        flags=["hand"], source={"kind": "hand", "reference": "(-2 + -4)/2 = -3"}))

    # ---------------------------------------------------------------- group: diagnostics
    diagnostics: list[dict] = []
    dlt = np.array([[0.5, 0.5, -0.5, -0.5], [1.5, 0.5, 0.1, 2.0]])
    diagnostics.append(make_case(
        "diagnostics-clip-fractions", "PPOPolicyLoss-5",
        "dual_clip 3, clip 0.2, aggregation seq_mean_token_mean (the fractions are masked token means anyway). "
        "(log-ratio, A): (0.5, 1) outside, clip active; (0.5, -1) outside, not active (for A < 0 only the lower "
        "bound binds); (-0.5, 1) outside, not active; (-0.5, -1) outside, active; (1.5, -0.5) ratio 4.48 > 3: "
        "outside, dual active; (0.5, 0) outside, not active (A = 0); (0.1, 2) inside; the masked token (2, 1) "
        "is not counted. N = 7: clip_fraction_ratio 6/7, clip_fraction_active 2/7, clip_fraction_dual 1/7.",
        {"log_probs": -1.25 + dlt, "old_log_probs": np.full((2, 4), -1.25),
         "advantages": [[1.0, -1.0, 1.0, -1.0], [-0.5, 0.0, 2.0, 1.0]], "mask": [[1, 1, 1, 1], [1, 1, 1, 0]],
         "dual_clip": 3.0, "aggregation": "seq_mean_token_mean"},
        flags=["diagnostics", "hand", "dual_clip"],
        source={"kind": "hand", "reference": "fractions 6/7, 2/7, 1/7 counted in the comment"}))
    dkl = np.array([[0.3, -0.2, 1.0, -1.5, 3.0]])
    diagnostics.append(make_case(
        "diagnostics-approx-kl", "PPOPolicyLoss-6",
        "log_ratio_clamp 1.2, log-ratios 0.3, -0.2, 1.0, -1.5 (clamped to -1.2) and a masked 3.0: the "
        "diagnostics see the clamped log-ratio. k1 = -(0.3 - 0.2 + 1.0 - 1.2)/4 = 0.025, "
        "k2 = (0.09 + 0.04 + 1 + 1.44)/8 = 0.32125, k3 = mean(expm1(d) - d) over the same four.",
        {"log_probs": -0.75 + dkl, "old_log_probs": np.full((1, 5), -0.75),
         "advantages": [[0.5, -1.0, 0.25, 2.0, 1.0]], "mask": [[1, 1, 1, 1, 0]], "log_ratio_clamp": 1.2},
        flags=["diagnostics", "clamp"]))

    lp_c, old_c, adv_c = random_batch(2, 4)
    inp_c = {"log_probs": lp_c, "old_log_probs": old_c, "advantages": adv_c, "mask": lengths_mask([4, 2], 4),
             "preset": "verl"}
    diagnostics.append(per_token_case(
        "per-token-outputs-cotangents",
        "Per-token outputs: ratios (exp of the clamped log-ratio) and per_token_loss (0 at masked tokens), with "
        "cotangents on both and on loss, preset verl; d ratio/d log_probs = ratio where the clamp is inactive.", inp_c))
    diagnostics.append(per_token_case(
        "per-token-outputs-unmasked",
        "zero_masked_outputs false on the data of per-token-outputs-cotangents: ratios and per_token_loss also at the "
        "2 masked tokens (as verl 0.9.1 and OpenRLHF 0.11.2 return them), with cotangents there too; loss and the "
        "diagnostics unchanged.", dict(inp_c, zero_masked_outputs=False)))

    # ---------------------------------------------------------------- group: errors
    errors: list[dict] = []
    base = {"log_probs": [[-1.0, -2.0]], "old_log_probs": [[-1.1, -1.9]], "advantages": [[0.5, -0.5]]}


    def err(id, eq, comment, kind, **over):
        inp = dict(base)
        for k, v in over.items():
            if v is KeyError:
                inp.pop(k)
            else:
                inp[k] = v
        errors.append(error_case(id, eq, comment, inp, kind))


    err("missing-advantages", "PPOPolicyLoss-2", "advantages is required.", "missing_input", advantages=KeyError)
    err("missing-old-log-probs", "PPOPolicyLoss-1", "old_log_probs is required.", "missing_input",
        old_log_probs=KeyError)
    err("shape-mismatch-old", "PPOPolicyLoss-1", "old_log_probs [1,3] vs log_probs [1,2].", "shape_mismatch",
        old_log_probs=[[-1.0, -2.0, -3.0]])
    err("shape-mismatch-advantages-vector", "PPOPolicyLoss-2", "advantages [2] for B = 1.", "shape_mismatch",
        advantages=[0.5, 0.5])
    err("shape-mismatch-mask", "PPOPolicyLoss-4", "mask [2,2] for [1,2].", "shape_mismatch",
        mask=[[1, 1], [1, 1]])
    err("nan-log-prob", "PPOPolicyLoss-1", "NaN in log_probs.", "non_finite", log_probs=[[-1.0, np.nan]])
    err("inf-old-log-prob-masked", "PPOPolicyLoss-1", "-inf in old_log_probs, even at a masked position.",
        "non_finite", old_log_probs=[[-1.1, -np.inf]], mask=[[1, 0]])
    err("inf-advantage", "PPOPolicyLoss-2", "+inf advantage.", "non_finite", advantages=[[np.inf, 0.0]])
    err("mask-not-binary", "PPOPolicyLoss-4", "mask entries must be 0 or 1.", "invalid_argument", mask=[[1, 2]])
    err("clip-epsilon-negative", "PPOPolicyLoss-2", "clip_epsilon must be >= 0.", "out_of_range",
        clip_epsilon=-0.1)
    err("clip-epsilon-low-one", "PPOPolicyLoss-2", "clip_epsilon_low must be < 1 (lower bound 1 - eps > 0).",
        "out_of_range", clip_epsilon_low=1.0)
    err("clip-epsilon-nan", "PPOPolicyLoss-2", "clip_epsilon must be finite.", "non_finite",
        clip_epsilon=np.nan)
    err("dual-clip-not-above-one", "PPOPolicyLoss-3", "dual_clip must be > 1.", "out_of_range", dual_clip=1.0)
    err("log-ratio-clamp-zero", "PPOPolicyLoss-1", "log_ratio_clamp must be > 0.", "out_of_range",
        log_ratio_clamp=0.0)
    err("unknown-aggregation", "PPOPolicyLoss-4", "aggregation must be one of the four names.",
        "invalid_argument", aggregation="token-mean")
    err("zero-masked-outputs-not-boolean", "PPOPolicyLoss-2", "zero_masked_outputs must be true or false.",
        "invalid_argument", zero_masked_outputs="no")
    err("unknown-preset", "PPOPolicyLoss-2", "Unknown preset name (names are case-sensitive).",
        "invalid_argument", preset="VERL")
    err("constant-normalizer-missing", "PPOPolicyLoss-4", "constant_normalizer needs normalizer.",
        "missing_input", aggregation="constant_normalizer")
    err("constant-normalizer-zero", "PPOPolicyLoss-4", "normalizer must be > 0.", "out_of_range",
        aggregation="constant_normalizer", normalizer=0.0)
    err("unknown-empty-rows", "PPOPolicyLoss-4", "empty_rows must be count or exclude.", "invalid_argument",
        empty_rows="drop")
    err("row-count-epsilon-negative", "PPOPolicyLoss-4", "row_count_epsilon must be > 0.", "out_of_range",
        row_count_epsilon=-1e-8)
    err("empty-batch", "PPOPolicyLoss-4", "B = 0.", "empty", log_probs=[], old_log_probs=[], advantages=[])
    err("empty-time", "PPOPolicyLoss-4", "T = 0 (shape [1,0]).", "empty",
        log_probs=[[]], old_log_probs=[[]], advantages=[[]])
    return {"clipped_surrogate": surrogate, "kinks": kinks, "aggregation": aggregation,
            "diagnostics": diagnostics, "errors": errors}


if __name__ == "__main__":
    src = gio.generator_source(PROGRAM, "JAX x64 autodiff of the Spec's branch-select forward; cross-checked "
                               "against a textbook JAX forward, a NumPy closed-form gradient and a float32 re-run.")
    built = build_groups()
    for group, cs, desc in (
            ("clipped_surrogate", built["clipped_surrogate"], "Clipped surrogate: random data, broadcast advantages, asymmetric "
             "clip, A = 0, dual clip, log-ratio clamp, presets, all-masked."),
            ("kinks", built["kinks"], "Exactly on the clip / dual-clip / clamp kinks (Spec subgradient) and 5e-6 either side."),
            ("aggregation", built["aggregation"], "The four aggregation modes on the same data, with unequal lengths and "
             "an empty row; hand examples."),
            ("diagnostics", built["diagnostics"], "Clip fractions (ratio outside the bounds, clip active, dual "
             "clip active) and approximate-KL estimators k1, k2, k3 on the clamped log-ratio."),
            ("errors", built["errors"], "Invalid inputs and the error kind each must raise.")):
        print("wrote", gio.write_file(SPEC, group, desc, src, cs), f"({len(cs)} cases)")
