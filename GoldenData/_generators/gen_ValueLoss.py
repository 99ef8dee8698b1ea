"""Golden data for Specs/ValueLoss.md: 1/2 squared error of the value head, optionally clipped around the
rollout-time values (PPO2 / baselines form), with the aggregation modes of Specs/PPOPolicyLoss.md.

Independent float64 reference. Values and gradients come from JAX (x64) autodiff of the Spec's forward
pass written in "branch-select" form (the value clip is active only when its bound is strictly exceeded,
and a tie between the clipped and unclipped errors goes to the unclipped one), so that autodiff returns
exactly the Spec's subgradient on kinks. Cross-checks for every case:
  * a "textbook" JAX forward (jnp.clip / jnp.maximum) gives the same values, and the same gradients away
    from kinks;
  * a NumPy closed-form gradient  dloss/dvalues = w * (V - R) * [clipped error not strictly larger];
  * a float32 re-run must pass the float32 tolerance unless the case is flagged `float64_only`;
  * unmasked values of differentiable cases keep a margin of two finite-difference steps from every kink,
    and a central finite difference (step 1e-6 * max(1, |x|), atol 1e-6, rtol 1e-5, as in the Swift
    harness) agrees with the stored gradient.

Run from the package root:  .venv-golden/bin/python GoldenData/_generators/gen_ValueLoss.py
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

SPEC = "ValueLoss"
PROGRAM = "GoldenData/_generators/gen_ValueLoss.py"
AGGREGATIONS = ("token_mean", "seq_mean_token_mean", "seq_mean_token_sum", "constant_normalizer")
DEFAULTS = {"value_clip": None, "aggregation": "token_mean", "normalizer": None, "zero_masked_outputs": True}
PRESETS = {
    "paper": {},
    "trl": {"value_clip": 0.2},
    "verl": {"value_clip": 0.5},
    "openRLHF": {"value_clip": 0.5},
    "cleanRL": {"value_clip": 0.2},
    "rl4vlm": {"value_clip": 0.1},
}


def resolve(inputs: dict) -> dict:
    p = dict(DEFAULTS)
    if "preset" in inputs:
        p.update(PRESETS[inputs["preset"]])
    for k in DEFAULTS:
        if k in inputs:
            p[k] = inputs[k]
    return p


def aggregate(x, m, mode, normalizer):
    """Same definitions as PPOPolicyLoss-4 (re-implemented here on purpose)."""
    b = x.shape[0]
    xm = jnp.where(m > 0, x, 0.0)
    if mode == "token_mean":
        return jnp.sum(xm) / jnp.maximum(jnp.sum(m), 1.0)
    if mode == "seq_mean_token_mean":
        return jnp.mean(jnp.sum(xm, axis=1) / jnp.maximum(jnp.sum(m, axis=1), 1.0))
    if mode == "seq_mean_token_sum":
        return jnp.sum(xm) / b
    if mode == "constant_normalizer":
        return jnp.sum(xm) / (b * normalizer)
    raise ValueError(mode)


def weights(m, mode, normalizer):
    b = m.shape[0]
    return {"token_mean": m / max(m.sum(), 1.0),
            "seq_mean_token_mean": m / np.maximum(m.sum(axis=1, keepdims=True), 1.0) / b,
            "seq_mean_token_sum": m / b,
            "constant_normalizer": m / (b * (normalizer or 1.0))}[mode]


def per_token_spec(v, vold, ret, c):
    """(per-token loss, clip-active indicator). ValueLoss-1 / ValueLoss-2."""
    unclipped = 0.5 * (v - ret) ** 2                                         # ValueLoss-1
    if c is None:
        return unclipped, jnp.zeros(v.shape, dtype=bool)
    lo, hi = vold - c, vold + c
    vc = jnp.where(v > hi, hi, jnp.where(v < lo, lo, v))                   # boundary: not clipped
    clipped = 0.5 * (vc - ret) ** 2
    active = clipped > unclipped                                            # tie: unclipped branch
    return jnp.where(active, clipped, unclipped), active                   # ValueLoss-2


def per_token_textbook(v, vold, ret, c):
    if c is None:
        return 0.5 * (v - ret) ** 2
    vc = vold + jnp.clip(v - vold, -c, c)
    return 0.5 * jnp.maximum((v - ret) ** 2, (vc - ret) ** 2)


def arrays(inputs, dtype):
    v = np.asarray(inputs["values"], dtype=np.float64)
    b, t = v.shape
    vold = np.asarray(inputs.get("old_values", np.zeros((b, t))), dtype=np.float64)
    ret = np.asarray(inputs["returns"], dtype=np.float64)
    m = np.asarray(inputs.get("mask", np.ones((b, t))), dtype=np.float64)
    return [jnp.asarray(a.astype(dtype)) for a in (v, vold, ret, m)]


def forward(v, vold, ret, m, p, textbook=False):
    c = p["value_clip"]
    if textbook:
        return aggregate(per_token_textbook(v, vold, ret, c), m, p["aggregation"], p["normalizer"]), None
    l, active = per_token_spec(v, vold, ret, c)
    loss = aggregate(l, m, p["aggregation"], p["normalizer"])                 # ValueLoss-3
    frac = jnp.sum(jnp.where(m > 0, active.astype(v.dtype), 0.0)) / jnp.maximum(jnp.sum(m), 1.0)  # ValueLoss-4
    keep = (m > 0) if p["zero_masked_outputs"] else jnp.ones(m.shape, dtype=bool)     # zero_masked_outputs
    return loss, {"clip_fraction": frac, "per_token_loss": jnp.where(keep, l, 0.0)}    # ValueLoss-1/-2 per token


def evaluate(inputs, dtype):
    p = resolve(inputs)
    if dtype == np.float32:
        p = {k: (np.float32(x) if isinstance(x, float) else x) for k, x in p.items()}
    v, vold, ret, m = arrays(inputs, dtype)
    (loss, aux), g = jax.value_and_grad(lambda x: forward(x, vold, ret, m, p), has_aux=True)(v)
    out = {"loss": float(loss)}
    out.update({k: float(x) if np.ndim(x) == 0 else np.asarray(x, np.float64) for k, x in aux.items()})
    return out, np.asarray(g, np.float64)


def make_case(id, equation, comment, inputs, *, flags=(), tol=None, source=None):
    flags = list(flags)
    p = resolve(inputs)
    out, g = evaluate(inputs, np.float64)
    assert all(np.all(np.isfinite(x)) for x in out.values()) and np.all(np.isfinite(g)), id
    v, vold, ret, m = (np.asarray(a) for a in arrays(inputs, np.float64))
    a64 = arrays(inputs, np.float64)
    loss_tb = float(forward(*a64, p, textbook=True)[0])
    np.testing.assert_allclose(loss_tb, out["loss"], rtol=1e-13, atol=1e-15, err_msg=id)
    g_tb = np.asarray(jax.grad(lambda x: forward(x, *a64[1:], p, textbook=True)[0])(a64[0]))
    c = p["value_clip"]
    active = np.zeros_like(v, dtype=bool)
    if c is not None:
        vc = np.clip(v, vold - c, vold + c)
        active = (vc - ret) ** 2 > (v - ret) ** 2
    g_hand = np.where(active | (m == 0), 0.0, weights(m, p["aggregation"], p["normalizer"]) * (v - ret))
    np.testing.assert_allclose(g, g_hand, rtol=1e-12, atol=1e-15, err_msg=id)
    if "nondifferentiable" in flags:
        same = np.allclose(g, g_tb, rtol=1e-9, atol=1e-15)
        print(f"  {id}: textbook JAX autodiff {'agrees with' if same else 'differs from'} the Spec subgradient")
    else:
        np.testing.assert_allclose(g, g_tb, rtol=1e-12, atol=1e-15, err_msg=id)
        if c is not None:
            kinks = np.stack([vold - c, vold + c, 2 * ret - (vold - c), 2 * ret - (vold + c)], axis=-1)
            dist = np.abs(v[..., None] - kinks)
            step = 1e-6 * np.maximum(1.0, np.abs(v))
            assert np.all((dist > 2 * step[..., None])[m > 0]), f"{id}: an unmasked value is within 2 FD steps of a kink"
        # the finite-difference check of the Swift harness (central, h = 1e-6 max(1,|x|), atol 1e-6, rtol 1e-5)
        f = lambda x: float(forward(jnp.asarray(x), *a64[1:], p)[0])
        for i in np.ndindex(v.shape):
            h = 1e-6 * max(1.0, abs(v[i]))
            xp = v.copy(); xp[i] += h; xm = v.copy(); xm[i] -= h
            fd = (f(xp) - f(xm)) / (2 * h)
            assert abs(fd - g[i]) <= 1e-6 + 1e-5 * abs(g[i]), f"{id}: finite differences disagree at {i}"
    out32, g32 = evaluate(inputs, np.float32)
    t32 = (tol or gio.tolerance())["float32"]
    ok = lambda a, e: bool(np.all(np.abs(np.asarray(a) - np.asarray(e)) <= t32["atol"] + t32["rtol"] * np.abs(e)))
    ok32 = all(ok(out32[k], out[k]) for k in out) and ok(g32, g)
    if "float64_only" in flags:
        print(f"  {id}: float64_only; this float32 re-run {'passes' if ok32 else 'fails'}")
    else:
        assert ok32, f"{id}: float32 re-run fails: {out32} vs {out}"
    return gio.case(id, equation, comment, inputs, out, flags=flags, cotangents={"loss": 1.0},
                    gradients={"values": g}, tol=tol, source=source)


def per_token_case(id, equation, comment, inputs):
    """A case with cotangents on loss and per_token_loss; its gradient is JAX's of the weighted sum."""
    p = resolve(inputs)
    a64 = arrays(inputs, np.float64)
    out, _ = evaluate(inputs, np.float64)
    shape = np.shape(inputs["values"])
    cot = {"loss": 1.0, "per_token_loss": np.round(np.linspace(0.5, -0.5, int(np.prod(shape))).reshape(shape), 3)}

    def weighted(x):
        loss, aux = forward(x, *a64[1:], p)
        return loss + jnp.sum(cot["per_token_loss"] * aux["per_token_loss"])

    g = np.asarray(jax.grad(weighted)(a64[0]), np.float64)
    v, vold, ret, m = (np.asarray(x) for x in a64)
    c = p["value_clip"]
    active = (np.clip(v, vold - c, vold + c) - ret) ** 2 > (v - ret) ** 2 if c is not None else np.zeros_like(v, bool)
    keep = m if p["zero_masked_outputs"] else np.ones_like(m)
    w = weights(m, p["aggregation"], p["normalizer"]) + cot["per_token_loss"] * keep    # NumPy closed form
    np.testing.assert_allclose(g, np.where(active, 0.0, w * (v - ret)), rtol=1e-12, atol=1e-15, err_msg=id)
    return gio.case(id, equation, comment, inputs, out, flags=["per_token"], cotangents=cot, gradients={"values": g})


def error_case(id, equation, comment, inputs, kind):
    return gio.case(id, equation, comment, inputs, {"error": kind}, flags=["error"])


rng = np.random.default_rng(20240303)
r6 = lambda a: np.round(a, 6)


def lengths_mask(lengths, t):
    return np.array([[1.0 if j < n else 0.0 for j in range(t)] for n in lengths])


def build_groups():
    # ------------------------------------------------------------ group: value loss
    main: list[dict] = []
    ret = r6(rng.normal(size=(3, 5)))
    vold = r6(ret + rng.normal(scale=0.6, size=(3, 5)))
    v = r6(vold + rng.normal(scale=0.3, size=(3, 5)))
    mk = lengths_mask([5, 3, 2], 5)
    main.append(make_case(
        "unclipped-random", "ValueLoss-1",
        "Seed 000 default: no value clipping, token_mean of 1/2 (V - R)^2 over rows of length 5, 3, 2.",
        {"values": v, "old_values": vold, "returns": ret, "mask": mk}, flags=["random", "mask"]))
    main.append(make_case(
        "unclipped-without-old-values", "ValueLoss-1",
        "old_values may be omitted when value_clip is null (same result as unclipped-random).",
        {"values": v, "returns": ret, "mask": mk}, flags=["edge"]))
    main.append(make_case(
        "clipped-random", "ValueLoss-2",
        "value_clip 0.2 on the same data: some tokens moved more than 0.2 away from old_values and are "
        "clipped (those whose clipped error is larger get zero gradient).",
        {"values": v, "old_values": vold, "returns": ret, "mask": mk, "value_clip": 0.2},
        flags=["random", "mask", "clip"]))
    for name in ("paper", "trl", "verl", "openRLHF", "cleanRL", "rl4vlm"):
        main.append(make_case(
            f"preset-{name}", "ValueLoss-2",
            f"preset {name} on the same data (see the Spec's preset table for its value_clip).",
            {"values": v, "old_values": vold, "returns": ret, "mask": mk, "preset": name}, flags=["preset"]))
    main.append(make_case(
        "preset-verl-clip-overridden-null", "ValueLoss-1",
        "preset verl with explicit \"value_clip\": null: unclipped (equals unclipped-random).",
        {"values": v, "old_values": vold, "returns": ret, "mask": mk, "preset": "verl", "value_clip": None},
        flags=["preset"]))
    main.append(make_case(
        "hand-clipped", "ValueLoss-2",
        "Hand example, value_clip 0.5: token 1 V=2, V_old=1, R=0 -> Vc=1.5, max(4, 2.25)/2 = 2 (unclipped, "
        "grad V-R = 2 / 2 tokens = 1); token 2 V=2, V_old=1, R=3 -> Vc=1.5, max(1, 2.25)/2 = 1.125 (clipped, "
        "grad 0). loss = (2 + 1.125)/2 = 1.5625.",
        {"values": [[2.0, 2.0]], "old_values": [[1.0, 1.0]], "returns": [[0.0, 3.0]], "value_clip": 0.5},
        flags=["hand", "clip"], source={"kind": "hand", "reference": "(max(4, 2.25) + max(1, 2.25)) / 4 = 1.5625"}))
    main.append(make_case(
        "all-masked", "ValueLoss-3", "Every mask entry 0: loss 0, clip_fraction 0, gradient 0.",
        {"values": v, "old_values": vold, "returns": ret, "mask": np.zeros((3, 5)), "value_clip": 0.2},
        flags=["edge", "mask"]))
    main.append(make_case(
        "zero-clip", "ValueLoss-2",
        "value_clip 0: Vc = V_old, loss = 1/2 max((V-R)^2, (V_old-R)^2) per token.",
        {"values": v, "old_values": vold, "returns": ret, "mask": mk, "value_clip": 0.0}, flags=["edge", "clip"]))
    main.append(make_case(
        "clip-fraction-masked-token-mean", "ValueLoss-4",
        "value_clip 0.2, aggregation seq_mean_token_sum: the clip fraction is still a masked token mean. "
        "Valid tokens (V, V_old, R): (1, 0.5, 0) unclipped error larger, not active; (1, 0.5, 2) Vc = 0.7, "
        "1.69 > 1, active; (0.45, 0.5, 0.4) inside the band; (-0.5, 0, -1) Vc = -0.2, 0.64 > 0.25, active; "
        "(0.2, 0.1, 0.15) inside. The masked token (3, 0, 5) would be active and is not counted: "
        "clip_fraction = 2/5.",
        {"values": [[1.0, 1.0, 0.45], [-0.5, 3.0, 0.2]], "old_values": [[0.5, 0.5, 0.5], [0.0, 0.0, 0.1]],
         "returns": [[0.0, 2.0, 0.4], [-1.0, 5.0, 0.15]], "mask": [[1, 1, 1], [1, 0, 1]], "value_clip": 0.2,
         "aggregation": "seq_mean_token_sum"},
        flags=["hand", "clip", "mask"], source={"kind": "hand", "reference": "2 active of 5 valid tokens: 0.4"}))
    main.append(per_token_case(
        "per-token-loss-cotangents", "ValueLoss-2",
        "Per-token output per_token_loss (1/2 error of ValueLoss-1/-2, 0 at masked tokens) with cotangents on it "
        "and on loss, preset verl (value_clip 0.5), aggregation seq_mean_token_mean; "
        "d per_token_loss/d values = V - R unless the clipped error is strictly larger (then 0).",
        {"values": v, "old_values": vold, "returns": ret, "mask": mk, "preset": "verl",
         "aggregation": "seq_mean_token_mean"}))
    main.append(per_token_case(
        "per-token-loss-unmasked", "ValueLoss-2",
        "zero_masked_outputs false on the data of per-token-loss-cotangents: per_token_loss also at the 5 masked "
        "tokens (as verl 0.9.1 and OpenRLHF 0.11.2 return it), with cotangents there too; loss and clip_fraction "
        "unchanged.",
        {"values": v, "old_values": vold, "returns": ret, "mask": mk, "preset": "verl",
         "aggregation": "seq_mean_token_mean", "zero_masked_outputs": False}))

    # ------------------------------------------------------------ group: kinks
    kinks: list[dict] = []
    kinks.append(make_case(
        "kink-upper-boundary", "ValueLoss-2",
        "V - V_old = +c exactly (V=0.75, V_old=0.5, c=0.25) with R = 1.5 beyond it: one step further "
        "the clip freezes Vc and the clipped error wins. Spec subgradient: unclipped, V - R = -0.75. "
        "Exact in float32.",
        {"values": [[0.75]], "old_values": [[0.5]], "returns": [[1.5]], "value_clip": 0.25},
        flags=["nondifferentiable", "kink"]))
    kinks.append(make_case(
        "kink-lower-boundary", "ValueLoss-2",
        "V - V_old = -c exactly (V=0.5, V_old=1, c=0.5) with R = -0.5 below it. Spec subgradient V - R = 1.",
        {"values": [[0.5]], "old_values": [[1.0]], "returns": [[-0.5]], "value_clip": 0.5},
        flags=["nondifferentiable", "kink"]))
    kinks.append(make_case(
        "kink-equal-errors", "ValueLoss-2",
        "V=1.5, V_old=0, c=0.5 -> Vc=0.5; R=1 makes (V-R)^2 = (Vc-R)^2 = 0.25 with V != Vc. Spec: the tie "
        "goes to the unclipped error, gradient V - R = 0.5 (jnp.maximum would split it: 0.25).",
        {"values": [[1.5]], "old_values": [[0.0]], "returns": [[1.0]], "value_clip": 0.5},
        flags=["nondifferentiable", "kink", "hand"],
        source={"kind": "hand", "reference": "0.5 * max(0.25, 0.25) = 0.125; subgradient 0.5"}))
    o = 5e-6
    kinks.append(make_case(
        "near-kink-upper-boundary", "ValueLoss-2",
        "V - V_old = 0.25 - 5e-6 (free, gradient V - R) and 0.25 + 5e-6 (clipped, gradient 0), R = 1.5.",
        {"values": [[0.75 - o, 0.75 + o]], "old_values": [[0.5, 0.5]], "returns": [[1.5, 1.5]],
         "value_clip": 0.25}, flags=["near_kink"]))
    kinks.append(make_case(
        "near-kink-lower-boundary", "ValueLoss-2",
        "V - V_old = -0.5 + 5e-6 (free) and -0.5 - 5e-6 (clipped), R = -0.5.",
        {"values": [[0.5 + o, 0.5 - o]], "old_values": [[1.0, 1.0]], "returns": [[-0.5, -0.5]],
         "value_clip": 0.5}, flags=["near_kink"]))
    kinks.append(make_case(
        "near-kink-equal-errors", "ValueLoss-2",
        "V = 1.5 + 5e-6 (unclipped error larger, gradient V - R) and 1.5 - 5e-6 (clipped error larger, "
        "gradient 0); V_old = 0, c = 0.5, R = 1.",
        {"values": [[1.5 + o, 1.5 - o]], "old_values": [[0.0, 0.0]], "returns": [[1.0, 1.0]],
         "value_clip": 0.5}, flags=["near_kink"]))

    # ------------------------------------------------------------ group: aggregation
    aggregation: list[dict] = []
    ret = r6(rng.normal(size=(3, 6)))
    vold = r6(ret + rng.normal(scale=0.5, size=(3, 6)))
    v = r6(vold + rng.normal(scale=0.3, size=(3, 6)))
    for lengths, tag in (([6, 3, 1], ""), ([4, 0, 2], "-empty-row")):
        mk = lengths_mask(lengths, 6)
        for mode in AGGREGATIONS:
            inp = {"values": v, "old_values": vold, "returns": ret, "mask": mk, "value_clip": 0.2,
                   "aggregation": mode}
            if mode == "constant_normalizer":
                inp["normalizer"] = 8.0
            aggregation.append(make_case(
                f"aggregation-{mode}{tag}", "ValueLoss-3",
                f"Clipped (0.2) value loss, rows of length {lengths}, aggregation {mode}"
                + (" (normalizer 8)." if mode == "constant_normalizer" else ".")
                + (" The empty row contributes 0 and still counts in B." if tag else ""),
                inp, flags=["aggregation"] + (["edge"] if tag else [])))

    # ------------------------------------------------------------ group: errors
    errors: list[dict] = []
    base = {"values": [[0.5, 1.0]], "old_values": [[0.4, 1.2]], "returns": [[1.0, 0.0]], "value_clip": 0.2}

    def err(id, eq, comment, kind, **over):
        inp = dict(base)
        for k, x in over.items():
            if x is KeyError:
                inp.pop(k)
            else:
                inp[k] = x
        errors.append(error_case(id, eq, comment, inp, kind))

    err("missing-values", "ValueLoss-1", "values is required.", "missing_input", values=KeyError)
    err("missing-returns", "ValueLoss-1", "returns is required.", "missing_input", returns=KeyError)
    err("missing-old-values-when-clipped", "ValueLoss-2", "old_values is required when value_clip is set.",
        "missing_input", old_values=KeyError)
    err("shape-mismatch-returns", "ValueLoss-1", "returns [1,3] vs values [1,2].", "shape_mismatch",
        returns=[[1.0, 0.0, 0.0]])
    err("shape-mismatch-old-values", "ValueLoss-2", "old_values [2,2] vs values [1,2].", "shape_mismatch",
        old_values=[[0.4, 1.2], [0.0, 0.0]])
    err("shape-mismatch-mask", "ValueLoss-3", "mask [1,3].", "shape_mismatch", mask=[[1, 1, 0]])
    err("nan-values", "ValueLoss-1", "NaN in values.", "non_finite", values=[[np.nan, 1.0]])
    err("inf-returns-masked", "ValueLoss-1", "inf in returns, even at a masked position.", "non_finite",
        returns=[[1.0, np.inf]], mask=[[1, 0]])
    err("value-clip-negative", "ValueLoss-2", "value_clip must be >= 0.", "out_of_range", value_clip=-0.2)
    err("value-clip-inf", "ValueLoss-2", "value_clip must be finite (use null for no clipping).",
        "non_finite", value_clip=np.inf)
    err("mask-not-binary", "ValueLoss-3", "mask entries must be 0 or 1.", "invalid_argument", mask=[[1, -1]])
    err("unknown-aggregation", "ValueLoss-3", "Unknown aggregation name.", "invalid_argument",
        aggregation="mean")
    err("zero-masked-outputs-not-boolean", "ValueLoss-1", "zero_masked_outputs must be true or false.",
        "invalid_argument", zero_masked_outputs="no")
    err("unknown-preset", "ValueLoss-2", "Unknown preset name.", "invalid_argument", preset="sb3")
    err("constant-normalizer-missing", "ValueLoss-3", "constant_normalizer needs normalizer.", "missing_input",
        aggregation="constant_normalizer")
    err("constant-normalizer-negative", "ValueLoss-3", "normalizer must be > 0.", "out_of_range",
        aggregation="constant_normalizer", normalizer=-4.0)
    err("empty-time", "ValueLoss-1", "T = 0.", "empty", values=[[]], old_values=[[]], returns=[[]])
    return {"value_loss": main, "kinks": kinks, "aggregation": aggregation, "errors": errors}


if __name__ == "__main__":
    src = gio.generator_source(PROGRAM, "JAX x64 autodiff of the Spec's branch-select forward; cross-checked "
                               "against a textbook JAX forward, a NumPy closed-form gradient and a float32 re-run.")
    desc = {"value_loss": "Unclipped (seed 000) and clipped value loss, presets, hand example, edge cases.",
            "kinks": "Exactly on the value-clip kinks (Spec subgradient) and 5e-6 either side.",
            "aggregation": "The four aggregation modes on the same clipped data, with and without an empty row.",
            "errors": "Invalid inputs and the error kind each must raise."}
    for group, cs in build_groups().items():
        print("wrote", gio.write_file(SPEC, group, desc[group], src, cs), f"({len(cs)} cases)")
