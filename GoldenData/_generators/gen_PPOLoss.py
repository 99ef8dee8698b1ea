"""Golden data for Specs/PPOLoss.md: the total PPO loss of seed 000,
    L = L_policy + value_coef * L_value - entropy_coef * H,
with L_policy from Specs/PPOPolicyLoss.md, L_value from Specs/ValueLoss.md and H the aggregated per-token
entropy (same aggregation mode, policy mask).

The per-token policy and value losses and the aggregation are imported from gen_PPOPolicyLoss.py and
gen_ValueLoss.py (JAX x64, the Specs' branch-select forms); this program adds the composition, the presets
and the entropy term, and takes gradients w.r.t. log_probs, values and entropy with jax.vjp. Cross-checks:
the composed loss equals policy_loss + value_coef * value_loss - entropy_coef * entropy computed separately
by the two other generators' forward functions; a NumPy closed-form gradient; a central finite difference
(as in the Swift harness) for differentiable cases; a float32 re-run.

Run from the package root:  .venv-golden/bin/python GoldenData/_generators/gen_PPOLoss.py
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
import gen_PPOPolicyLoss as pol  # noqa: E402
import gen_ValueLoss as val  # noqa: E402

SPEC = "PPOLoss"
PROGRAM = "GoldenData/_generators/gen_PPOLoss.py"

DEFAULTS = dict(pol.DEFAULTS)
DEFAULTS.update({"value_clip": None, "value_coef": 0.5, "entropy_coef": 0.01})
PRESETS = {
    "paper": {},
    "trl": {"value_clip": 0.2, "value_coef": 0.1, "entropy_coef": 0.0},
    "verl": {"clip_epsilon": 0.2, "dual_clip": 3.0, "log_ratio_clamp": 20.0, "value_clip": 0.5,
             "value_coef": 1.0, "entropy_coef": 0.0},
    "openRLHF": {"clip_epsilon": 0.2, "log_ratio_clamp": 20.0, "value_clip": 0.5, "value_coef": 1.0,
                 "entropy_coef": 0.0},
    "cleanRL": {"clip_epsilon": 0.2, "value_clip": 0.2, "value_coef": 0.5, "entropy_coef": 0.01},
    "rl4vlm": {"clip_epsilon": 0.1, "value_clip": 0.1, "value_coef": 0.5, "entropy_coef": 0.0},
}
OUTPUTS = ("loss", "policy_loss", "value_loss", "entropy")


def resolve(inputs: dict) -> dict:
    p = dict(DEFAULTS)
    if "preset" in inputs:
        p.update(PRESETS[inputs["preset"]])
    for k in DEFAULTS:
        if k in inputs:
            p[k] = inputs[k]
    p["eps_low"] = p["clip_epsilon_low"] if p["clip_epsilon_low"] is not None else p["clip_epsilon"]
    p["eps_high"] = p["clip_epsilon_high"] if p["clip_epsilon_high"] is not None else p["clip_epsilon"]
    return p


def arrays(inputs, dtype):
    lp = np.asarray(inputs["log_probs"], dtype=np.float64)
    b, t = lp.shape
    old = np.asarray(inputs["old_log_probs"], dtype=np.float64)
    adv = np.asarray(inputs["advantages"], dtype=np.float64)
    if adv.ndim == 1:
        adv = np.repeat(adv[:, None], t, axis=1)
    v = np.asarray(inputs["values"], dtype=np.float64)
    vold = np.asarray(inputs.get("old_values", np.zeros((b, t))), dtype=np.float64)
    ret = np.asarray(inputs["returns"], dtype=np.float64)
    ent = np.asarray(inputs["entropy"], dtype=np.float64)
    m = np.asarray(inputs.get("mask", np.ones((b, t))), dtype=np.float64)
    vm = np.asarray(inputs.get("value_mask", m), dtype=np.float64)
    return {k: jnp.asarray(a.astype(dtype)) for k, a in
            dict(lp=lp, old=old, adv=adv, v=v, vold=vold, ret=ret, ent=ent, m=m, vm=vm).items()}


def forward(lp, v, ent, a, p):
    agg, mode, n = pol.aggregate, p["aggregation"], p["normalizer"]
    l_pg, _ = pol.per_token_spec(lp, a["old"], a["adv"], p)
    policy_loss = agg(l_pg, a["m"], mode, n)
    l_v, _ = val.per_token_spec(v, a["vold"], a["ret"], p["value_clip"])
    value_loss = agg(l_v, a["vm"], mode, n)                              # value mask, same aggregation
    entropy = agg(ent, a["m"], mode, n)                                  # PPOLoss-2
    loss = policy_loss + p["value_coef"] * value_loss - p["entropy_coef"] * entropy   # PPOLoss-1
    return {"loss": loss, "policy_loss": policy_loss, "value_loss": value_loss, "entropy": entropy}


def evaluate(inputs, cot, dtype):
    p = resolve(inputs)
    if dtype == np.float32:
        p = {k: (np.float32(x) if isinstance(x, float) else x) for k, x in p.items()}
    a = arrays(inputs, dtype)
    out, vjp = jax.vjp(lambda lp, v, e: forward(lp, v, e, a, p), a["lp"], a["v"], a["ent"])
    ct = {k: jnp.asarray(np.asarray(cot.get(k, 0.0), dtype=dtype)) for k in OUTPUTS}
    g_lp, g_v, g_e = vjp(ct)
    return ({k: float(out[k]) for k in OUTPUTS},
            {"log_probs": np.asarray(g_lp, np.float64), "values": np.asarray(g_v, np.float64),
             "entropy": np.asarray(g_e, np.float64)})


def make_case(id, equation, comment, inputs, *, flags=(), cot=None, tol=None, source=None):
    flags = list(flags)
    cot = cot or {"loss": 1.0}
    p = resolve(inputs)
    out, g = evaluate(inputs, cot, np.float64)
    assert all(np.isfinite(x) for x in out.values()), id
    # the parts, as the two other generators compute them
    pol_inputs = {k: inputs[k] for k in ("log_probs", "old_log_probs", "advantages", "mask") if k in inputs}
    pol_inputs.update({k: p[k] for k in pol.DEFAULTS})
    pol_out, pol_g = pol.evaluate(pol_inputs, np.float64)
    val_inputs = {k: inputs[k] for k in ("values", "old_values", "returns") if k in inputs}
    if "value_mask" in inputs or "mask" in inputs:
        val_inputs["mask"] = inputs.get("value_mask", inputs.get("mask"))
    val_inputs.update({k: p[k] for k in val.DEFAULTS})
    val_out, val_g = val.evaluate(val_inputs, np.float64)
    np.testing.assert_allclose(out["policy_loss"], pol_out["loss"], rtol=1e-14, atol=0, err_msg=id)
    np.testing.assert_allclose(out["value_loss"], val_out["loss"], rtol=1e-14, atol=0, err_msg=id)
    np.testing.assert_allclose(out["loss"], out["policy_loss"] + p["value_coef"] * out["value_loss"]
                               - p["entropy_coef"] * out["entropy"], rtol=1e-14, atol=1e-15, err_msg=id)
    # closed-form gradients, L = sum_k cot_k * out_k
    c_l = float(cot.get("loss", 0.0))
    m = np.asarray(arrays(inputs, np.float64)["m"])
    w = pol.aggregation_weights(m, p["aggregation"], p["normalizer"])
    c_pg = c_l + float(cot.get("policy_loss", 0.0))
    c_v = c_l * p["value_coef"] + float(cot.get("value_loss", 0.0))
    c_h = -c_l * p["entropy_coef"] + float(cot.get("entropy", 0.0))
    np.testing.assert_allclose(g["log_probs"], c_pg * pol_g, rtol=1e-12, atol=1e-15, err_msg=id)
    np.testing.assert_allclose(g["values"], c_v * val_g, rtol=1e-12, atol=1e-15, err_msg=id)
    np.testing.assert_allclose(g["entropy"], c_h * w, rtol=1e-12, atol=1e-15, err_msg=id)
    if "nondifferentiable" not in flags:
        # the finite-difference check of the Swift harness (central, h = 1e-6 max(1,|x|), atol 1e-6, rtol 1e-5)
        a = arrays(inputs, np.float64)
        scal = lambda lp, v, e: float(sum(float(cot.get(k, 0.0)) * x for k, x in forward(lp, v, e, a, p).items()))
        base = {"log_probs": np.asarray(a["lp"]), "values": np.asarray(a["v"]), "entropy": np.asarray(a["ent"])}
        for key in base:
            x0 = base[key]
            for i in np.ndindex(x0.shape):
                h = 1e-6 * max(1.0, abs(x0[i]))
                vals = []
                for sgn in (1, -1):
                    xs = dict(base); xx = x0.copy(); xx[i] += sgn * h; xs[key] = xx
                    vals.append(scal(jnp.asarray(xs["log_probs"]), jnp.asarray(xs["values"]), jnp.asarray(xs["entropy"])))
                fd = (vals[0] - vals[1]) / (2 * h)
                assert abs(fd - g[key][i]) <= 1e-6 + 1e-5 * abs(g[key][i]), f"{id}: finite differences disagree ({key} {i})"
    out32, g32 = evaluate(inputs, cot, np.float32)
    t32 = (tol or gio.tolerance())["float32"]
    ok = lambda x, e: bool(np.all(np.abs(np.asarray(x) - np.asarray(e)) <= t32["atol"] + t32["rtol"] * np.abs(e)))
    ok32 = all(ok(out32[k], out[k]) for k in out) and all(ok(g32[k], g[k]) for k in g)
    if "float64_only" in flags:
        print(f"  {id}: float64_only; this float32 re-run {'passes' if ok32 else 'fails'}")
    else:
        assert ok32, f"{id}: float32 re-run fails"
    return gio.case(id, equation, comment, inputs, out, flags=flags, cotangents=cot, gradients=g,
                    tol=tol, source=source)


def error_case(id, equation, comment, inputs, kind):
    return gio.case(id, equation, comment, inputs, {"error": kind}, flags=["error"])


rng = np.random.default_rng(20240304)
r6 = lambda a: np.round(a, 6)


def random_inputs(b, t, lengths):
    old = r6(-rng.uniform(0.2, 3.0, size=(b, t)))
    lp = r6(old + rng.normal(scale=0.3, size=(b, t)))
    adv = r6(rng.normal(size=(b, t)))
    ret = r6(rng.normal(size=(b, t)))
    vold = r6(ret + rng.normal(scale=0.6, size=(b, t)))
    v = r6(vold + rng.normal(scale=0.3, size=(b, t)))
    ent = r6(rng.uniform(0.0, 3.0, size=(b, t)))
    mk = np.array([[1.0 if j < n else 0.0 for j in range(t)] for n in lengths])
    return {"log_probs": lp, "old_log_probs": old, "advantages": adv, "values": v, "old_values": vold,
            "returns": ret, "entropy": ent, "mask": mk}


def build_groups():
    cases: list[dict] = []
    base = random_inputs(3, 5, [5, 4, 2])
    cases.append(make_case(
        "paper-defaults", "PPOLoss-1",
        "Seed 000 hyperparameters: clip 0.2, value_coef 0.5, entropy_coef 0.01, unclipped value loss, "
        "token_mean; rows of length 5, 4, 2.", dict(base), flags=["random", "mask"]))
    cases.append(make_case(
        "preset-cleanRL", "PPOLoss-1",
        "preset cleanRL: value loss clipped at 0.2 (clip_vloss, same coefficient as the policy clip), "
        "value_coef 0.5 on top of the 1/2 inside the value loss (0.25 (V-R)^2 in effect), entropy_coef 0.01.",
        dict(base, preset="cleanRL"), flags=["preset"]))
    for name in ("trl", "verl", "openRLHF", "rl4vlm", "paper"):
        cases.append(make_case(
            f"preset-{name}", "PPOLoss-1", f"preset {name} (see the Spec's preset table).",
            dict(base, preset=name), flags=["preset"]))
    cases.append(make_case(
        "seq-mean-token-mean", "PPOLoss-2",
        "aggregation seq_mean_token_mean applies to all three terms (policy, value, entropy).",
        dict(base, aggregation="seq_mean_token_mean"), flags=["aggregation"]))
    cases.append(make_case(
        "constant-normalizer", "PPOLoss-2", "aggregation constant_normalizer with normalizer 8.",
        dict(base, aggregation="constant_normalizer", normalizer=8.0), flags=["aggregation"]))
    cot = {"loss": 1.0, "policy_loss": r6(rng.normal()), "value_loss": r6(rng.normal()),
           "entropy": r6(rng.normal())}
    cases.append(make_case(
        "all-outputs-cotangents", "PPOLoss-1",
        "Random cotangents on all four outputs, so that the gradient of each reported part is checked, "
        "not only that of the total.", dict(base, value_clip=0.2), cot=cot, flags=["random"]))
    vm = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=np.float64)
    cases.append(make_case(
        "value-mask", "PPOLoss-1",
        "value_mask one token longer than mask on the short rows (TRL PPOTrainer's padding_mask_p1): the "
        "value loss averages over value_mask, the policy and entropy terms over mask.",
        dict(base, value_mask=vm, value_clip=0.2), flags=["mask"]))
    cases.append(make_case(
        "coefficients-zero", "PPOLoss-1",
        "value_coef 0 and entropy_coef 0: loss == policy_loss, gradients w.r.t. values and entropy are 0 "
        "(value_loss and entropy are still reported).",
        dict(base, value_coef=0.0, entropy_coef=0.0), flags=["edge"]))
    cases.append(make_case(
        "hand", "PPOLoss-1",
        "One token: log_prob == old (ratio 1), A = 2 -> policy -2; V = 1, R = 0 -> value 0.5; entropy 1.5. "
        "L = -2 + 0.5*0.5 - 0.01*1.5 = -1.765. dL/dlog_prob = -A*1 = -2, dL/dV = 0.5*(V-R) = 0.5, "
        "dL/dH = -0.01.",
        {"log_probs": [[-1.0]], "old_log_probs": [[-1.0]], "advantages": [[2.0]], "values": [[1.0]],
         "old_values": [[1.0]], "returns": [[0.0]], "entropy": [[1.5]]},
        flags=["hand"], source={"kind": "hand", "reference": "-2 + 0.5*0.5 - 0.01*1.5 = -1.765"}))
    cases.append(make_case(
        "kinks-policy-and-value", "PPOLoss-1",
        "Token 1 sits on the policy kink (clip_epsilon 0, ratio exactly 1, A > 0), token 2 on the value "
        "kink (V - V_old = +value_clip exactly with R beyond): Spec subgradients (unclipped branches) in both.",
        {"log_probs": [[-0.5, -1.0]], "old_log_probs": [[-0.5, -1.25]], "advantages": [[1.0, 0.5]],
         "values": [[0.3, 0.75]], "old_values": [[0.3, 0.5]], "returns": [[0.0, 1.5]], "entropy": [[0.7, 1.1]],
         "clip_epsilon": 0.0, "value_clip": 0.25},
        flags=["nondifferentiable", "kink"]))
    cases.append(make_case(
        "all-masked", "PPOLoss-1", "mask all 0 (value_mask defaults to it): every output 0, every gradient 0.",
        dict(base, mask=np.zeros((3, 5))), flags=["edge", "mask"]))

    errors: list[dict] = []
    eb = {"log_probs": [[-1.0, -2.0]], "old_log_probs": [[-1.1, -1.9]], "advantages": [[0.5, -0.5]],
          "values": [[0.5, 1.0]], "old_values": [[0.4, 1.2]], "returns": [[1.0, 0.0]], "entropy": [[1.2, 0.3]]}

    def err(id, eq, comment, kind, **over):
        inp = dict(eb)
        for k, x in over.items():
            if x is KeyError:
                inp.pop(k)
            else:
                inp[k] = x
        errors.append(error_case(id, eq, comment, inp, kind))

    err("missing-entropy", "PPOLoss-2", "entropy is required.", "missing_input", entropy=KeyError)
    err("missing-values", "PPOLoss-1", "values is required.", "missing_input", values=KeyError)
    err("missing-old-values-when-clipped", "PPOLoss-1", "old_values is required when value_clip is set.",
        "missing_input", old_values=KeyError, value_clip=0.2)
    err("entropy-shape-mismatch", "PPOLoss-2", "entropy [1,3] vs [1,2].", "shape_mismatch",
        entropy=[[1.0, 1.0, 1.0]])
    err("value-mask-shape-mismatch", "PPOLoss-1", "value_mask [2,2] vs [1,2].", "shape_mismatch",
        value_mask=[[1, 1], [1, 1]])
    err("values-shape-mismatch", "PPOLoss-1", "values [2,1] vs log_probs [1,2].", "shape_mismatch",
        values=[[0.5], [1.0]])
    err("entropy-nan", "PPOLoss-2", "NaN entropy.", "non_finite", entropy=[[np.nan, 0.3]])
    err("value-coef-inf", "PPOLoss-1", "value_coef must be finite.", "non_finite", value_coef=np.inf)
    err("entropy-coef-nan", "PPOLoss-1", "entropy_coef must be finite.", "non_finite", entropy_coef=np.nan)
    err("dual-clip-out-of-range", "PPOLoss-1", "dual_clip must be > 1 (PPOPolicyLoss rule).", "out_of_range",
        dual_clip=0.9)
    err("value-clip-negative", "PPOLoss-1", "value_clip must be >= 0 (ValueLoss rule).", "out_of_range",
        value_clip=-1.0)
    err("unknown-preset", "PPOLoss-1", "Unknown preset.", "invalid_argument", preset="sb3")
    err("unknown-aggregation", "PPOLoss-2", "Unknown aggregation.", "invalid_argument", aggregation="sum")
    err("value-mask-not-binary", "PPOLoss-1", "value_mask entries must be 0 or 1.", "invalid_argument",
        value_mask=[[1, 0.5]])
    err("empty-batch", "PPOLoss-1", "B = 0.", "empty", log_probs=[], old_log_probs=[], advantages=[],
        values=[], old_values=[], returns=[], entropy=[])
    return {"ppo_loss": cases, "errors": errors}


if __name__ == "__main__":
    src = gio.generator_source(PROGRAM, "JAX x64 vjp of the composed loss (per-token parts from "
                               "gen_PPOPolicyLoss.py and gen_ValueLoss.py); closed-form and float32 cross-checks.")
    desc = {"ppo_loss": "Total PPO loss: seed 000 defaults, presets, aggregation modes, value mask, cotangents "
                        "on every output, kinks, edge cases.",
            "errors": "Invalid inputs and the error kind each must raise."}
    for group, cs in build_groups().items():
        print("wrote", gio.write_file(SPEC, group, desc[group], src, cs), f"({len(cs)} cases)")
