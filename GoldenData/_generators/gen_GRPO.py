"""Golden cases for Specs/GRPO.md (independent float64 reference; JAX x64 for gradients).

Writes GoldenData/GRPO/{advantages,clipped_loss,seed_literal}.json.
Run from the package root: .venv-golden/bin/python GoldenData/_generators/gen_GRPO.py

GRPO-1 group-normalised advantages (NumPy, no gradient: advantages are constants in the loss);
GRPO-2 clipped token-level objective with beta*KL inside the aggregation (JAX, d/d log_probs);
GRPO-3 the seed's literal loss -mean(normalised rewards) * L_MLE (003_247733433a43e0cd.txt, Alg. 1);
GRPO-4 the corrected per-sample objective -mean_i A_i * mean_t log pi(y_i,t).
"""
from __future__ import annotations

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

from golden_io import case, generator_source, write_file  # noqa: E402

SPEC = "GRPO"
PROGRAM = "GoldenData/_generators/gen_GRPO.py"
INF = math.inf
ESTIMATORS = ("k1", "k2", "k3", "k1_plus", "k3_plus")
AGGREGATIONS = ("token_mean", "seq_mean_token_mean", "seq_mean_token_sum", "constant_normalizer")

DEFAULTS = {
    # GRPO-1 (paper = seed 003; epsilon and std estimator are not given there, see the Spec)
    "std": "population", "epsilon": 1e-8, "epsilon_placement": "outside", "scale": "group",
    "singleton_group": "zero",
    # GRPO-2
    "clip_epsilon": 0.2, "dual_clip": None, "log_ratio_clamp": None, "kl_coef": 0.0,
    "kl_estimator": "k3", "kl_log_ratio_clamp": None, "kl_clamp": None, "kl_bias_correction": False,
    "aggregation": "seq_mean_token_mean", "empty_rows": "count", "row_count_epsilon": None,
}
PRESETS = {
    "paper": {},
    # TRL 1.16.0 GRPOTrainer / GRPOConfig: use_bias_correction_kl=True by default
    "trl": {"std": "unbiased", "epsilon": 1e-4, "aggregation": "token_mean", "kl_bias_correction": True},
    # TRL up to at least 1.9.0 (and 0.29.1): use_bias_correction_kl=False, plain k3
    "trl-1.9.0": {"std": "unbiased", "epsilon": 1e-4, "aggregation": "token_mean"},
    # verl 0.9.1 core_algos (agg_loss: empty rows excluded, 1e-8 on row token counts)
    "verl": {"std": "unbiased", "epsilon": 1e-6, "singleton_group": "mean_zero_std_one",
             "dual_clip": 3.0, "log_ratio_clamp": 20.0, "aggregation": "token_mean",
             "empty_rows": "exclude", "row_count_epsilon": 1e-8},
    # OpenRLHF 0.11.2 (aggregate_loss: the same denominators as verl)
    "openRLHF": {"std": "unbiased", "epsilon": 1e-9, "log_ratio_clamp": 20.0, "kl_estimator": "k1",
                 "kl_clamp": 10.0, "aggregation": "token_mean", "empty_rows": "exclude", "row_count_epsilon": 1e-8},
}
# The `form` input key selects the equation group (the evaluator sees inputs only).
FORMS = {"GRPO-1": "advantages", "GRPO-2": "clipped", "GRPO-3": "seed_literal", "GRPO-4": "corrected",
         "GRPO-5": "clipped"}
ENUMS = {"std": ("population", "unbiased"), "epsilon_placement": ("outside", "inside", "variance_floor"),
         "scale": ("group", "batch", "none"), "singleton_group": ("zero", "mean_zero_std_one"),
         "kl_estimator": ESTIMATORS, "aggregation": AGGREGATIONS, "empty_rows": ("count", "exclude")}


from golden_io import SpecError as GoldenError  # noqa: E402

# Framework vocabulary (Spec "Framework vocabulary"): key -> (Spec key, value translation or None)
ALIASES = {
    "loss_type": ("aggregation", {"grpo": "seq_mean_token_mean", "bnpo": "token_mean", "dapo": "token_mean",
                                  "dr_grpo": "constant_normalizer", "luspo": "seq_mean_token_sum"}),
    "max_completion_length": ("normalizer", None), "beta": ("kl_coef", None),
    "epsilon_high": ("clip_epsilon_high", None), "scale_rewards": ("scale", None),
    "loss_agg_mode": ("aggregation", {"token-mean": "token_mean", "seq-mean-token-mean": "seq_mean_token_mean",
                                      "seq-mean-token-sum": "seq_mean_token_sum",
                                      "seq-mean-token-sum-norm": "constant_normalizer"}),
    "loss_scale_factor": ("normalizer", None), "clip_ratio": ("clip_epsilon", None),
    "clip_ratio_low": ("clip_epsilon_low", None), "clip_ratio_high": ("clip_epsilon_high", None),
    "clip_ratio_c": ("dual_clip", None),
}


def translate(inputs):
    """The inputs with framework keys replaced by the Spec's (invalid_argument for both, or an unknown value)."""
    out = dict(inputs)
    for key, (canonical, values) in ALIASES.items():
        if key not in out:
            continue
        if canonical in out:
            raise GoldenError("invalid_argument")
        v = out.pop(key)
        if values is not None:
            if v not in values:
                raise GoldenError("invalid_argument")
            v = values[v]
        out[canonical] = v
    return out


def as_float(x):
    if isinstance(x, str):
        return {"inf": INF, "-inf": -INF, "nan": math.nan}[x]
    return float(x)


def to_array(x):
    if isinstance(x, np.ndarray):
        return x.astype(np.float64)
    if isinstance(x, (list, tuple)):
        if len(x) == 0:
            return np.zeros((0,), dtype=np.float64)
        return np.array([to_array(v) for v in x], dtype=np.float64)
    return np.float64(as_float(x))


def clean(x):
    return np.asarray(x, dtype=np.float64) + 0.0


def resolve(inputs: dict) -> dict:
    p = dict(DEFAULTS)
    preset = inputs.get("preset")
    if preset is not None:
        if preset not in PRESETS:
            raise GoldenError("invalid_argument")
        p.update(PRESETS[preset])
    for k in list(DEFAULTS) + ["clip_epsilon_low", "clip_epsilon_high", "normalizer"]:
        if k in inputs:
            p[k] = inputs[k]
    if preset == "verl":
        on = p["kl_estimator"] in ("k3", "k3_plus")
        if "kl_log_ratio_clamp" not in inputs:
            p["kl_log_ratio_clamp"] = 20.0 if on else None
        if "kl_clamp" not in inputs:
            p["kl_clamp"] = 10.0 if on else None
    for k, allowed in ENUMS.items():
        if p[k] not in allowed:
            raise GoldenError("invalid_argument")
    for k in ("dual_clip", "log_ratio_clamp", "kl_log_ratio_clamp", "kl_clamp"):
        p[k] = INF if p[k] is None else as_float(p[k])  # null = option off
    for k in ("epsilon", "clip_epsilon", "kl_coef"):
        p[k] = as_float(p[k])
    p["clip_epsilon_low"] = as_float(p.get("clip_epsilon_low", p["clip_epsilon"]))
    p["clip_epsilon_high"] = as_float(p.get("clip_epsilon_high", p["clip_epsilon"]))
    for k in ("epsilon", "clip_epsilon", "clip_epsilon_low", "clip_epsilon_high", "kl_coef"):
        if math.isnan(p[k]) or math.isinf(p[k]):
            raise GoldenError("non_finite")
        if p[k] < 0:
            raise GoldenError("out_of_range")
    if not isinstance(p["kl_bias_correction"], bool):
        raise GoldenError("invalid_argument")
    if p["row_count_epsilon"] is not None:
        e = as_float(p["row_count_epsilon"])
        if not math.isfinite(e):
            raise GoldenError("non_finite")
        p["row_count_epsilon"] = e
    if p["clip_epsilon_low"] >= 1:
        raise GoldenError("out_of_range")
    if math.isnan(p["dual_clip"]) or not p["dual_clip"] > 1:
        raise GoldenError("out_of_range")
    for k in ("log_ratio_clamp", "kl_log_ratio_clamp", "kl_clamp"):
        if math.isnan(p[k]) or not p[k] > 0:
            raise GoldenError("out_of_range")
    if p["row_count_epsilon"] is not None and not p["row_count_epsilon"] > 0:
        raise GoldenError("out_of_range")
    return p


# ------------------------------------------------------------------------------------------
# GRPO-1: group-normalised advantages
# ------------------------------------------------------------------------------------------
def groups_of(inputs, N):
    has_size, has_ids = "group_size" in inputs, "group_ids" in inputs
    if has_size and has_ids:
        raise GoldenError("invalid_argument")
    if has_ids:
        ids = inputs["group_ids"]
        if len(ids) != N:
            raise GoldenError("shape_mismatch")
        order = []
        for i in ids:
            if i not in order:
                order.append(i)
        return [[j for j in range(N) if ids[j] == g] for g in order]
    G = inputs.get("group_size", N)
    if not isinstance(G, int) or G < 1:
        raise GoldenError("out_of_range")
    if N % G != 0:
        raise GoldenError("invalid_argument")
    return [list(range(s, s + G)) for s in range(0, N, G)]


def variance(x, estimator):
    n = len(x)
    if n <= 1:
        return 0.0
    mu = float(np.sum(x)) / n
    ss = float(np.sum((x - mu) ** 2))
    return ss / n if estimator == "population" else ss / (n - 1)


def denominator(v, eps, placement):
    if placement == "outside":
        return math.sqrt(v) + eps
    if placement == "inside":
        return math.sqrt(v + eps)
    return math.sqrt(max(v, eps)) + eps


def advantages_of(inputs):
    p = resolve(inputs)
    if "scores" not in inputs:
        raise GoldenError("missing_input")
    r = to_array(inputs["scores"])
    if r.size == 0:
        raise GoldenError("empty")
    if r.ndim != 1:
        raise GoldenError("shape_mismatch")
    if not np.all(np.isfinite(r)):
        raise GoldenError("non_finite")
    N = r.shape[0]
    groups = groups_of(inputs, N)
    v_batch = variance(r, p["std"])
    A = np.zeros(N)
    for g in groups:
        x = r[g]
        n = len(g)
        if n == 1:
            if p["singleton_group"] == "zero":
                continue
            mu, v_group = 0.0, 1.0
        else:
            if np.all(x == x[0]):
                continue  # constant group: exactly 0
            mu, v_group = float(np.sum(x)) / n, variance(x, p["std"])
        c = x - mu
        if p["scale"] == "none":
            A[g] = c
            continue
        v = v_group if p["scale"] == "group" else v_batch
        d = denominator(v, p["epsilon"], p["epsilon_placement"])
        A[g] = c / d if d > 0 else 0.0
    return clean(A)


def eval_advantages(inputs):
    return {"advantages": advantages_of(inputs)}


# ------------------------------------------------------------------------------------------
# KL estimator (same definition as Specs/KLPenalty.md KLPenalty-1..5)
# ------------------------------------------------------------------------------------------
def clamp_pass(x, c):
    return jnp.where(x > c, c, jnp.where(x < -c, -c, x))


def kl_tokens(lp, ref, valid, estimator, c_ratio, c_kl):
    lp_s = jnp.where(valid, lp, 0.0)
    ref_s = jnp.where(valid, ref, 0.0)
    l = clamp_pass(ref_s - lp_s, c_ratio)
    base = estimator.replace("_plus", "")
    k = -l if base == "k1" else (0.5 * l * l if base == "k2" else jnp.exp(l) - 1.0 - l)
    k = clamp_pass(k, c_kl)
    if estimator.endswith("_plus"):
        s = 0.5 * (lp_s - ref_s) ** 2
        k = s + jax.lax.stop_gradient(k - s)
    return jnp.where(valid, k, 0.0)


def aggregate(x, m, aggregation, normalizer, empty_rows="count", row_count_epsilon=None):
    """PPOPolicyLoss-4. The sequence modes divide by B (empty_rows "count") or by the number of rows with a
    valid token ("exclude", at least 1); row_count_epsilon replaces max(n_b, 1) by n_b + eps per row."""
    n_rows = np.sum(np.asarray(m), axis=1)
    b = x.shape[0] if empty_rows == "count" else max(int(np.sum(n_rows > 0)), 1)
    if aggregation == "token_mean":
        n = jnp.sum(m)
        return jnp.where(n > 0, jnp.sum(x * m) / jnp.where(n > 0, n, 1.0), 0.0)
    if aggregation == "seq_mean_token_mean":
        n = jnp.sum(m, axis=1)
        if row_count_epsilon is not None:
            return jnp.sum(jnp.sum(x * m, axis=1) / (n + row_count_epsilon)) / b
        row = jnp.where(n > 0, jnp.sum(x * m, axis=1) / jnp.where(n > 0, n, 1.0), 0.0)
        return jnp.sum(row) / b
    if aggregation == "seq_mean_token_sum":
        return jnp.sum(x * m) / b
    return jnp.sum(x * m) / (b * normalizer)  # shared definition: sum / (B * L), PPOPolicyLoss-4


# ------------------------------------------------------------------------------------------
# GRPO-2: clipped token-level objective
# ------------------------------------------------------------------------------------------
def read_tokens(inputs, key, shape=None, required=True):
    if key not in inputs:
        if required:
            raise GoldenError("missing_input")
        return None
    a = to_array(inputs[key])
    if a.size == 0:
        raise GoldenError("empty")
    if a.ndim != 2 or (shape is not None and a.shape != shape):
        raise GoldenError("shape_mismatch")
    return a


def read_mask(inputs, key, shape):
    if key not in inputs:
        return np.ones(shape)
    m = to_array(inputs[key])
    if m.shape != shape:
        raise GoldenError("shape_mismatch")
    if not np.all((m == 0) | (m == 1)):
        raise GoldenError("invalid_argument")
    return m


def clipped_setup(inputs):
    p = resolve(inputs)
    lp = read_tokens(inputs, "log_probs")
    shape = lp.shape
    old = read_tokens(inputs, "old_log_probs", shape, required=False)
    ref = read_tokens(inputs, "ref_log_probs", shape, required=False)
    mask = read_mask(inputs, "mask", shape)
    valid = mask == 1
    if "advantages" not in inputs:
        raise GoldenError("missing_input")
    adv = to_array(inputs["advantages"])
    if adv.shape == (shape[0],):
        adv = np.repeat(adv[:, None], shape[1], axis=1)
    elif adv.shape != shape:
        raise GoldenError("shape_mismatch")
    if p["kl_coef"] > 0 and ref is None:
        raise GoldenError("missing_input")
    for a in (lp, old, ref, adv):
        if a is not None and not np.all(np.isfinite(a)):
            raise GoldenError("non_finite")  # anywhere, even at masked positions (as PPOPolicyLoss)
    normalizer = None
    if p["aggregation"] == "constant_normalizer":
        if "normalizer" not in p:
            raise GoldenError("missing_input")
        normalizer = as_float(p["normalizer"])
        if not math.isfinite(normalizer):
            raise GoldenError("non_finite")
        if normalizer <= 0:
            raise GoldenError("out_of_range")
    # sanitise masked entries (never read)
    z = lambda a: None if a is None else np.where(valid, a, 0.0)
    return p, z(lp), z(old), z(ref), mask, z(adv), normalizer


def clipped_per_token(lp, old, ref, mask, adv, p):
    valid = mask == 1
    old_ = jax.lax.stop_gradient(lp) if old is None else old
    d = clamp_pass(lp - old_, p["log_ratio_clamp"])  # PPOPolicyLoss-1 (verl/OpenRLHF: 20)
    ratio = jnp.exp(d)
    lo, hi = 1.0 - p["clip_epsilon_low"], 1.0 + p["clip_epsilon_high"]
    unclipped = jnp.where(adv == 0, 0.0, -adv * ratio)  # A = 0: exactly 0, never 0*inf
    clipped_const = -adv * jnp.clip(jax.lax.stop_gradient(ratio), lo, hi)
    # the clipped branch is taken only when strictly larger (at a tie: unclipped gradient)
    l = jnp.where(clipped_const > unclipped, clipped_const, unclipped)
    if math.isfinite(p["dual_clip"]):  # "inf" = off (avoids 0*inf)
        cap = -adv * p["dual_clip"]
        l = jnp.where((adv < 0) & (l > cap), cap, l)
    if p["kl_coef"] > 0:
        k = kl_tokens(lp, ref, valid, p["kl_estimator"], p["kl_log_ratio_clamp"], p["kl_clamp"])
        if p["kl_bias_correction"]:  # GRPO-5: times the differentiable, unclamped ratio (TRL 1.16)
            k = k * jnp.exp(jnp.where(valid, lp - old_, 0.0))
        l = l + p["kl_coef"] * k
    return jnp.where(valid, l, 0.0)


def eval_clipped(inputs):
    p, lp, old, ref, mask, adv, normalizer = clipped_setup(inputs)

    def f(x):
        per = clipped_per_token(x, old, ref, mask, adv, p)
        return aggregate(per, jnp.asarray(mask), p["aggregation"], normalizer, p["empty_rows"],
                         p["row_count_epsilon"]), per

    (loss, per), g = jax.value_and_grad(f, has_aux=True)(jnp.asarray(lp))
    return ({"loss": float(loss) + 0.0, "per_token_loss": clean(per)}, {"loss": 1.0},
            {"log_probs": clean(g)})


# ------------------------------------------------------------------------------------------
# GRPO-3 (seed literal) and GRPO-4 (corrected per-sample objective)
# ------------------------------------------------------------------------------------------
def eval_seed_literal(inputs):
    A = advantages_of(inputs)
    mle = read_tokens(inputs, "mle_log_probs")
    mm = read_mask(inputs, "mle_mask", mle.shape)
    if not np.all(np.isfinite(mle)):
        raise GoldenError("non_finite")
    mle = np.where(mm == 1, mle, 0.0)
    lp = read_tokens(inputs, "log_probs", required=False)
    if lp is not None and lp.shape[0] != A.shape[0]:
        raise GoldenError("shape_mismatch")
    if lp is None:
        lp = np.zeros((A.shape[0], 1))
    mean_A = float(np.sum(A)) / A.shape[0]

    def f(mle_lp, sample_lp):
        n = jnp.sum(mm)
        mle_loss = jnp.where(n > 0, -jnp.sum(mle_lp * mm) / jnp.where(n > 0, n, 1.0), 0.0)
        return -mean_A * mle_loss, mle_loss

    (loss, mle_loss), (g_mle, g_lp) = jax.value_and_grad(f, argnums=(0, 1), has_aux=True)(
        jnp.asarray(mle), jnp.asarray(lp))
    grads = {"mle_log_probs": clean(g_mle)}
    if "log_probs" in inputs:
        grads["log_probs"] = clean(g_lp)
    return ({"loss": float(loss) + 0.0, "normalized_rewards": A, "mle_loss": float(mle_loss) + 0.0},
            {"loss": 1.0}, grads)


def eval_corrected(inputs):
    A = advantages_of(inputs)
    lp = read_tokens(inputs, "log_probs")
    if lp.shape[0] != A.shape[0]:
        raise GoldenError("shape_mismatch")
    mask = read_mask(inputs, "mask", lp.shape)
    if not np.all(np.isfinite(lp)):
        raise GoldenError("non_finite")
    lp = np.where(mask == 1, lp, 0.0)

    def f(x):
        n = jnp.sum(mask, axis=1)
        row = jnp.where(n > 0, jnp.sum(x * mask, axis=1) / jnp.where(n > 0, n, 1.0), 0.0)
        return -jnp.sum(jnp.asarray(A) * row) / A.shape[0]

    loss, g = jax.value_and_grad(f)(jnp.asarray(lp))
    return {"loss": float(loss) + 0.0, "normalized_rewards": A}, {"loss": 1.0}, {"log_probs": clean(g)}


# ------------------------------------------------------------------------------------------
# Cases
# ------------------------------------------------------------------------------------------
def with_form(equation, inputs):
    """The case's inputs with the `form` key of its equation group first."""
    return {"form": FORMS[equation], **inputs}


def err_case(id, equation, comment, inputs, kind, evaluator):
    inputs = with_form(equation, inputs)
    try:
        evaluator(inputs)
    except GoldenError as e:
        assert e.kind == kind, (id, e.kind, kind)
    else:
        raise AssertionError(f"{id}: expected error {kind}")
    return case(id, equation, comment, inputs, {"error": kind}, flags=["error"])


def ragged_mask(lengths, T):
    return np.array([[1.0 if t < n else 0.0 for t in range(T)] for n in lengths])


def advantage_cases():
    rng = np.random.default_rng(20240311)
    cases = []

    def ac(id, comment, inputs, flags=None, source=None, tol=None):
        inputs = with_form("GRPO-1", inputs)
        return case(id, "GRPO-1", comment, inputs, eval_advantages(inputs), flags=flags, source=source, tol=tol)

    s8 = np.round(rng.uniform(0, 1, 8), 4)
    for preset in ("paper", "trl", "verl", "openRLHF"):
        cases.append(ac(f"preset-{preset}", f"preset {preset}, two groups of 4 consecutive scores.",
                        {"scores": s8, "group_size": 4, "preset": preset}))
    hand = {"scores": [1.0, 0.0, 0.0, 1.0], "group_size": 4, "epsilon": 0.0}
    assert np.allclose(eval_advantages(hand)["advantages"], [1, -1, -1, 1])
    cases.append(ac("hand-binary-population", "scores 1,0,0,1: mean 0.5, population std 0.5, epsilon 0 -> "
                    "A = +1,-1,-1,+1.", hand,
                    source={"kind": "hand", "reference": "Specs/GRPO.md GRPO-1"}))
    hand_u = {"scores": [1.0, 0.0, 0.0, 1.0], "group_size": 4, "epsilon": 0.0, "std": "unbiased"}
    cases.append(ac("hand-binary-unbiased", "same with the unbiased std sqrt(1/3): A = +-sqrt(3)/2 = "
                    "+-0.8660254037844386.", hand_u,
                    source={"kind": "hand", "reference": "Specs/GRPO.md GRPO-1"}))
    cases.append(ac("one-group-default", "Neither group_size nor group_ids: the whole batch is one group "
                    "(the seed's setting, batch size 1).", {"scores": s8[:4]}))
    cases.append(ac("epsilon-inside-sqrt", "epsilon_placement inside: (r - mean)/sqrt(var + eps), eps = 0.01 "
                    "so the effect is visible.",
                    {"scores": s8, "group_size": 4, "epsilon": 0.01, "epsilon_placement": "inside"}))
    cases.append(ac("epsilon-variance-floor", "epsilon_placement variance_floor (verl group_mean_std): "
                    "(r - mean)/(sqrt(max(var, eps)) + eps); group 0 has variance below eps = 1e-4 (floor "
                    "active), group 1 above it.",
                    {"scores": [0.5, 0.5002, 0.4999, 0.5001, 0.1, 0.9, 0.4, 0.6], "group_size": 4,
                     "epsilon": 1e-4, "epsilon_placement": "variance_floor", "std": "unbiased"}))
    cases.append(ac("scale-batch", "scale batch (TRL scale_rewards='batch'): group mean, std of the whole "
                    "batch.", {"scores": s8, "group_size": 4, "preset": "trl", "scale": "batch"}))
    cases.append(ac("scale-none-dr-grpo", "scale none (Dr. GRPO, verl norm_adv_by_std_in_grpo=False): "
                    "A = r - group mean.", {"scores": s8, "group_size": 4, "scale": "none"}))
    cases.append(ac("zero-variance-group", "Group 0 is constant (0.1 four times, whose float mean is not "
                    "exactly 0.1): its advantages are exactly 0 by rule, not rounding noise / eps. Group 1 "
                    "is normal.", {"scores": [0.1, 0.1, 0.1, 0.1, 0.3, 0.7, 0.2, 0.9], "group_size": 4,
                                   "preset": "trl"}))
    cases.append(ac("zero-variance-group-scale-none", "Constant group with scale none: exactly 0 too.",
                    {"scores": [0.1, 0.1, 0.1, 0.3, 0.7, 0.2], "group_size": 3, "scale": "none"}))
    cases.append(ac("all-constant-batch-scale-batch", "Whole batch constant with scale batch: 0 everywhere "
                    "(never 0/0).", {"scores": [2.5] * 6, "group_size": 3, "scale": "batch", "epsilon": 0.0}))
    cases.append(ac("epsilon-zero", "epsilon 0: exact z-scores for a non-constant group, 0 for a constant one.",
                    {"scores": [3.0, 1.0, 2.0, 5.0, 5.0, 5.0], "group_size": 3, "epsilon": 0.0}))
    cases.append(ac("near-zero-variance-trl", "Almost constant group (spread 1e-7) with TRL's eps 1e-4: "
                    "eps dominates and the advantages stay small (~1e-3), unlike eps = 0 where they would be "
                    "+-1. Float32 cannot represent the spread around 0.5 faithfully.",
                    {"scores": [0.5, 0.5000001, 0.5, 0.4999999], "preset": "trl"}, flags=["float64_only"]))
    cases.append(ac("singleton-groups-trl", "group_size 1 with preset trl: A = 0 for every sample.",
                    {"scores": [0.3, 0.9, -1.2], "group_size": 1, "preset": "trl"}))
    cases.append(ac("singleton-groups-verl", "group_size 1 with preset verl: mean 0, std 1 -> A = r/(1+1e-6).",
                    {"scores": [0.3, 0.9, -1.2], "group_size": 1, "preset": "verl"},
                    source={"kind": "hand", "reference": "Specs/GRPO.md GRPO-1; verl compute_grpo_outcome_advantage"}))
    cases.append(ac("singleton-verl-scale-none", "singleton with mean_zero_std_one and scale none: A = r.",
                    {"scores": [0.3, 0.9], "group_size": 1, "singleton_group": "mean_zero_std_one",
                     "scale": "none"}))
    cases.append(ac("group-ids-noncontiguous", "group_ids (any order, non-contiguous members): groups "
                    "{0,2,5}, {1,3}, {4} (singleton -> 0 under paper rules).",
                    {"scores": [0.2, 0.8, 0.6, 0.1, 0.5, 1.0], "group_ids": [7, 3, 7, 3, 9, 7]}))
    cases.append(ac("group-ids-singleton-verl", "group_ids with a singleton under preset verl.",
                    {"scores": [0.2, 0.8, 0.6, 0.1, 0.5, 1.0], "group_ids": [7, 3, 7, 3, 9, 7],
                     "preset": "verl"}))
    cases.append(ac("explicit-overrides-preset", "preset verl with std population and epsilon 0.1 given "
                    "explicitly: explicit keys win.",
                    {"scores": s8, "group_size": 4, "preset": "verl", "std": "population", "epsilon": 0.1}))
    scale_in = with_form("GRPO-1", {"scores": s8, "group_size": 4, "preset": "trl", "scale_rewards": "batch"})
    cases.append(case("trl-vocabulary-scale-rewards", "GRPO-1", "TRL's scale_rewards batch as written (= scale batch): "
                      "group mean, batch std.", scale_in, eval_advantages(translate(scale_in))))
    ev = eval_advantages
    cases += [
        err_case("error-not-divisible", "GRPO-1", "N = 6 is not a multiple of group_size 4.",
                 {"scores": [1.0, 2, 3, 4, 5, 6], "group_size": 4}, "invalid_argument", ev),
        err_case("error-group-size-zero", "GRPO-1", "group_size must be >= 1.",
                 {"scores": [1.0, 2.0], "group_size": 0}, "out_of_range", ev),
        err_case("error-group-ids-length", "GRPO-1", "group_ids must have N entries.",
                 {"scores": [1.0, 2.0, 3.0], "group_ids": [0, 0]}, "shape_mismatch", ev),
        err_case("error-both-grouping-keys", "GRPO-1", "group_size and group_ids are exclusive.",
                 {"scores": [1.0, 2.0], "group_size": 2, "group_ids": [0, 0]}, "invalid_argument", ev),
        err_case("error-score-nan", "GRPO-1", "non-finite score.",
                 {"scores": [1.0, "nan"], "group_size": 2}, "non_finite", ev),
        err_case("error-negative-epsilon", "GRPO-1", "epsilon must be >= 0.",
                 {"scores": [1.0, 2.0], "epsilon": -1e-6}, "out_of_range", ev),
        err_case("error-unknown-std", "GRPO-1", "std must be population or unbiased.",
                 {"scores": [1.0, 2.0], "std": "sample"}, "invalid_argument", ev),
        err_case("error-unknown-scale", "GRPO-1", "scale must be group, batch or none.",
                 {"scores": [1.0, 2.0], "scale": "global"}, "invalid_argument", ev),
        err_case("error-empty", "GRPO-1", "no scores.", {"scores": []}, "empty", ev),
        err_case("error-missing-scores", "GRPO-1", "scores is required.", {"group_size": 2}, "missing_input", ev),
    ]
    return cases


def clipped_cases():
    rng = np.random.default_rng(20240312)
    cases = []

    def cc(id, comment, inputs, flags=None, check=None, equation="GRPO-2"):
        inputs = with_form(equation, inputs)
        out, cot, g = eval_clipped(inputs)
        if check is not None:
            check(out, g)
        return case(id, equation, comment, inputs, out, flags=flags, cotangents=cot, gradients=g)

    B, T = 4, 6
    lp = np.log(rng.uniform(0.05, 0.95, (B, T)))
    mask = ragged_mask([6, 2, 5, 3], T)
    A = advantages_of({"scores": [0.9, 0.1, 0.4, 0.6], "preset": "trl"})
    # on-policy: old_log_probs passed explicitly equal to log_probs (a separate input, so a
    # finite-difference check perturbs log_probs only); omitting it means the same thing.
    on = {"log_probs": lp, "old_log_probs": lp, "advantages": A, "mask": mask}
    out, _, _ = eval_clipped(dict(on, aggregation="seq_mean_token_mean"))
    assert abs(out["loss"]) < 1e-15
    no_old = with_form("GRPO-2", {"log_probs": lp, "advantages": A, "mask": mask, "aggregation": "token_mean"})
    out_no_old, _, _ = eval_clipped(no_old)
    cases.append(case("old-log-probs-absent", "GRPO-2", "old_log_probs omitted: it defaults to a detached copy "
                      "of log_probs (ratio 1). Values only: a finite-difference check cannot see the stop-gradient; "
                      "'on-policy-token-mean-loss-nonzero' has the same values and the gradients.",
                      no_old, out_no_old))
    cases.append(cc("on-policy-seq-mean-loss-zero", "On-policy (old_log_probs == log_probs, "
                    "ratio 1), beta 0, one complete group: seq_mean_token_mean gives loss -mean(A) = 0 "
                    "(trl#2995) while the gradient -A_i/(B*n_i) is not 0.",
                    dict(on, aggregation="seq_mean_token_mean")))
    cases.append(cc("on-policy-token-mean-loss-nonzero", "Same inputs with token_mean: the loss "
                    "-sum_i n_i A_i / sum n_i is not 0 (length weighting).", dict(on, aggregation="token_mean")))
    old = lp + rng.normal(0, 0.3, (B, T))
    Amix = np.array([1.2, -0.7, 0.4, -1.5])
    off = {"log_probs": lp, "old_log_probs": old, "advantages": Amix, "mask": mask}
    cases.append(cc("off-policy-clipping-token-mean", "Off-policy ratios on both sides of [0.8, 1.2], "
                    "advantages of both signs; clipped tokens get zero gradient.", dict(off, aggregation="token_mean")))
    cases.append(cc("asymmetric-clip-higher", "clip_epsilon_low 0.2, clip_epsilon_high 0.28 (DAPO clip-higher).",
                    dict(off, clip_epsilon_low=0.2, clip_epsilon_high=0.28)))
    cases.append(cc("seq-mean-token-sum", "aggregation seq_mean_token_sum.", dict(off, aggregation="seq_mean_token_sum")))
    cases.append(cc("constant-normalizer", "aggregation constant_normalizer with normalizer T_max = 6: "
                    "loss = sum(m*l) / (B*6) (TRL dr_grpo; the PPOPolicyLoss-4 definition).",
                    dict(off, aggregation="constant_normalizer", normalizer=6.0)))
    ref = lp + rng.normal(0, 0.4, (B, T))
    cases.append(cc("kl-k3-inside-aggregation", "beta 0.04 * k3 added per token INSIDE the "
                    "seq_mean_token_mean (TRL/verl placement).",
                    dict(off, ref_log_probs=ref, kl_coef=0.04)))
    cases.append(cc("kl-k3-plus", "beta 0.1 with k3_plus (value k3, gradient of k2). Straight-through: the "
                    "gradient is by definition not the derivative of the value, so the case is flagged "
                    "surrogate_gradient to skip the finite-difference check.",
                    dict(off, ref_log_probs=ref, kl_coef=0.1, kl_estimator="k3_plus"),
                    flags=["surrogate_gradient", "straight_through"]))
    # verl preset: dual clip on a negative-advantage token with ratio > 3
    old_v = old.copy()
    old_v[1, 0] = lp[1, 0] - 1.5   # ratio e^1.5 = 4.48 > 3, A = -0.7 -> capped at 0.7*3
    old_v[3, 1] = lp[3, 1] - 1.0   # ratio e = 2.72 < 3, A = -1.5 -> unclipped
    cases.append(cc("verl-preset-dual-clip", "preset verl (token_mean, dual clip 3): a token with A < 0 and "
                    "ratio e^1.5 > 3 has loss -A*3 and zero gradient; ratio e < 3 keeps -A*ratio.",
                    {"log_probs": lp, "old_log_probs": old_v, "advantages": Amix, "mask": mask, "preset": "verl"}))
    cases.append(cc("verl-preset-with-kl-loss", "preset verl plus kl_coef 0.001 (verl use_kl_loss=True, "
                    "low_var_kl = k3 with clamps 20/10).",
                    {"log_probs": lp, "old_log_probs": old_v, "ref_log_probs": ref, "advantages": Amix,
                     "mask": mask, "preset": "verl", "kl_coef": 0.001}))
    old_c = old_v.copy()
    old_c[0, 0] = lp[0, 0] - 25.0  # log-ratio 25 > 20 (A > 0: clipped anyway)
    old_c[1, 1] = lp[1, 1] + 23.0  # log-ratio -23 -> clamped to -20 (A < 0: ratio e^-20 < 0.8, clipped)
    old_c[3, 0] = lp[3, 0] - 21.0  # A < 0, log-ratio 21 -> clamped to 20, ratio e^20 > 3 -> dual-capped
    cases.append(cc("verl-preset-ratio-clamp", "preset verl: log-ratio clamped to [-20, 20] before exp "
                    "(PPOPolicyLoss-1), tokens at 25, -23, 21 get zero gradient.",
                    {"log_probs": lp, "old_log_probs": old_c, "advantages": Amix, "mask": mask, "preset": "verl"}))
    cases.append(cc("verl-preset-null-overrides", "preset verl with explicit nulls: \"dual_clip\": null and "
                    "\"log_ratio_clamp\": null switch the preset's dual clip and ratio clamp off (same data as "
                    "verl-preset-dual-clip: the A < 0 token with ratio e^1.5 is no longer capped).",
                    {"log_probs": lp, "old_log_probs": old_v, "advantages": Amix, "mask": mask, "preset": "verl",
                     "dual_clip": None, "log_ratio_clamp": None}))
    adv_tok = rng.normal(0, 1, (B, T))
    cases.append(cc("per-token-advantages", "advantages given per token [B,T] instead of per sequence.",
                    {"log_probs": lp, "old_log_probs": old, "advantages": adv_tok, "mask": mask}))
    # kink: ratio exactly 1 (old == log_probs) with clip_epsilon 0 -> both bounds equal 1
    n = mask.sum(axis=1)

    def kink_check(out, g):
        expect = -(Amix[:, None] * mask) / (n[:, None] * B)
        assert np.allclose(g["log_probs"], expect, rtol=0, atol=1e-16)

    cases.append(cc("kink-ratio-one-clip-zero", "clip_epsilon 0 and old_log_probs == log_probs: ratio = 1 "
                    "sits on both clip bounds. Subgradient: the unclipped one, -A*ratio per token (what "
                    "PyTorch's max/clamp tie rules also give); checked against -A_i/(B*n_i).",
                    {"log_probs": lp, "old_log_probs": lp, "advantages": Amix, "mask": mask, "clip_epsilon": 0.0},
                    flags=["nondifferentiable"], check=kink_check))
    # near the kinks: ratio = 1.2*e^{+-5e-6}, 0.8*e^{+-5e-6} (5e-6 > 2 finite-difference steps of 1e-6)
    d = 5e-6
    lp_n = np.full((2, 4), -1.0)
    old_n = lp_n - np.log(np.array([[1.2, 1.2, 0.8, 0.8], [1.2, 1.2, 0.8, 0.8]])) \
        - np.array([[d, -d, d, -d], [d, -d, d, -d]])
    cases.append(cc("near-clip-bounds", "ratios 5e-6 (in log) inside and outside both clip bounds for A > 0 "
                    "(row 0) and A < 0 (row 1): outside the band on the side that binds, gradient 0.",
                    {"log_probs": lp_n, "old_log_probs": old_n, "advantages": [0.8, -0.6], "aggregation": "token_mean"}))
    old_d = np.full((1, 2), -1.0) - np.log(3.0) - np.array([[d, -d]])
    cases.append(cc("near-dual-clip-bound", "ratio 3*e^{+-5e-6} with A = -1 and dual clip 3: just above is "
                    "capped (gradient 0), just below keeps -A*ratio.",
                    {"log_probs": np.full((1, 2), -1.0), "old_log_probs": old_d, "advantages": [-1.0],
                     "dual_clip": 3.0, "aggregation": "token_mean"}))
    cases.append(cc("all-masked", "No valid token: loss 0, gradient 0, per_token_loss 0.",
                    dict(off, mask=np.zeros((B, T)))))
    m1 = mask.copy()
    m1[2] = 0
    cases.append(cc("row-fully-masked-seq-mean", "Row 2 fully masked: contributes 0 but still counts in "
                    "B = 4 for seq_mean_token_mean.", dict(off, mask=m1)))
    cases.append(cc("zero-advantages", "A = 0 for every row and beta 0: loss 0, gradient 0 (zero-variance "
                    "groups carry no policy gradient).", dict(off, advantages=[0.0, 0.0, 0.0, 0.0])))
    cases.append(cc("trl-preset", "preset trl: token_mean, clip 0.2, beta 0.", dict(off, preset="trl")))
    cases.append(cc("openrlhf-preset-kl", "preset openRLHF with kl_coef 0.01: k1 estimator clamped to +-10 "
                    "inside the loss (its gradient is +beta per token).",
                    dict(off, preset="openRLHF", ref_log_probs=ref, kl_coef=0.01)))
    # GRPO-5: TRL 1.16.0's use_bias_correction_kl (k3 times the differentiable ratio) against plain k3
    cases.append(cc("trl-preset-kl-bias-corrected", "preset trl (TRL 1.16.0 GRPOTrainer._compute_loss, "
                    "use_bias_correction_kl=True by default) with beta 0.04 off-policy: per-token KL = k3 * "
                    "exp(log_probs - old_log_probs), the ratio differentiated too.",
                    dict(off, preset="trl", ref_log_probs=ref, kl_coef=0.04), equation="GRPO-5"))
    cases.append(cc("trl-1.9.0-preset-kl-plain-k3", "preset trl-1.9.0 (TRL up to at least 1.9.0, and 0.29.1: "
                    "use_bias_correction_kl=False) on the same inputs: plain k3.",
                    dict(off, preset="trl-1.9.0", ref_log_probs=ref, kl_coef=0.04)))
    cases.append(cc("trl-preset-kl-bias-correction-off", "preset trl with kl_bias_correction false: the "
                    "same values and gradient as trl-1.9.0-preset-kl-plain-k3.",
                    dict(off, preset="trl", ref_log_probs=ref, kl_coef=0.04, kl_bias_correction=False)))
    kl_on = dict(on, ref_log_probs=ref, kl_coef=0.04, preset="trl")

    def on_policy_check(out, g):
        # ratio 1: the loss equals plain k3's, the gradient gains beta*w*k3 per token
        out_plain, _, g_plain = eval_clipped(with_form("GRPO-2", dict(kl_on, kl_bias_correction=False)))
        assert abs(out["loss"] - out_plain["loss"]) < 1e-15
        k3 = np.exp(ref - lp) - 1.0 - (ref - lp)
        extra = 0.04 * mask * k3 / mask.sum()
        assert np.allclose(g["log_probs"] - g_plain["log_probs"], extra, rtol=1e-12, atol=1e-16)

    cases.append(cc("trl-preset-kl-bias-corrected-on-policy", "preset trl, beta 0.04, on-policy "
                    "(old_log_probs == log_probs): the ratio is 1, so the value equals plain k3's, but its "
                    "derivative adds beta*w*k3 per token (TRL's documented 'changes the gradient even "
                    "on-policy').", kl_on, check=on_policy_check, equation="GRPO-5"))
    # verl / OpenRLHF denominators with a fully masked row (agg_loss / aggregate_loss)
    cases.append(cc("row-fully-masked-seq-mean-verl", "Row 2 fully masked, preset verl (0.9.1 agg_loss) with "
                    "seq-mean-token-mean: the row is excluded, B = 3 non-empty rows, and each row's token count "
                    "carries +1e-8 (empty_rows exclude, row_count_epsilon 1e-8).",
                    dict(off, mask=m1, preset="verl", aggregation="seq_mean_token_mean")))
    cases.append(cc("row-fully-masked-seq-mean-sum-norm-verl", "Same with verl's seq-mean-token-sum-norm: "
                    "constant_normalizer with normalizer T = 6 divides by (3 non-empty rows * 6).",
                    dict(off, mask=m1, preset="verl", aggregation="constant_normalizer", normalizer=6.0)))
    cases.append(cc("row-fully-masked-seq-mean-openrlhf", "Same mask, preset openRLHF (0.11.2 aggregate_loss "
                    "with token_level_loss=False): the same denominators as verl.",
                    dict(off, mask=m1, preset="openRLHF", aggregation="seq_mean_token_mean")))
    cases.append(cc("row-fully-masked-seq-mean-count-override", "preset verl with empty_rows count and "
                    "row_count_epsilon null: back to this Spec's default denominators (B = 4, max(n, 1)).",
                    dict(off, mask=m1, preset="verl", aggregation="seq_mean_token_mean", empty_rows="count",
                         row_count_epsilon=None)))
    # framework vocabulary: expected values computed from the translated (Spec) spelling
    def vocab(id, comment, inputs, equation="GRPO-2"):
        out, cot, g = eval_clipped(with_form(equation, translate(inputs)))
        return case(id, equation, comment, with_form(equation, inputs), out, cotangents=cot, gradients=g)

    cases.append(vocab("trl-vocabulary", "TRL's spelling as written: loss_type grpo (= seq_mean_token_mean), beta "
                       "0.04 (= kl_coef), epsilon_high 0.28 (= clip_epsilon_high), preset trl.",
                       dict(off, preset="trl", ref_log_probs=ref, loss_type="grpo", beta=0.04, epsilon_high=0.28),
                       equation="GRPO-5"))
    cases.append(vocab("trl-vocabulary-dr-grpo", "loss_type dr_grpo with max_completion_length 6 (= "
                       "constant_normalizer with normalizer 6).",
                       dict(off, preset="trl", loss_type="dr_grpo", max_completion_length=6.0)))
    cases.append(vocab("verl-vocabulary", "verl's spelling as written: loss_agg_mode seq-mean-token-sum-norm with "
                       "loss_scale_factor 6, clip_ratio 0.25, clip_ratio_c 3.0, preset verl, row 2 empty.",
                       dict(off, mask=m1, preset="verl", loss_agg_mode="seq-mean-token-sum-norm",
                            loss_scale_factor=6.0, clip_ratio=0.25, clip_ratio_c=3.0)))
    ev = eval_clipped
    cases += [
        err_case("error-vocabulary-both-spellings", "GRPO-2", "loss_type and aggregation together.",
                 {"log_probs": [[-1.0]], "advantages": [1.0], "loss_type": "grpo", "aggregation": "token_mean"},
                 "invalid_argument", lambda i: eval_clipped(translate(i))),
        err_case("error-vocabulary-unknown-loss-type", "GRPO-2", "loss_type cispo is not a GRPO-2 aggregation.",
                 {"log_probs": [[-1.0]], "advantages": [1.0], "loss_type": "cispo"},
                 "invalid_argument", lambda i: eval_clipped(translate(i))),
        err_case("error-kl-without-ref", "GRPO-2", "kl_coef > 0 needs ref_log_probs.",
                 {"log_probs": [[-1.0]], "advantages": [1.0], "kl_coef": 0.1}, "missing_input", ev),
        err_case("error-advantages-shape", "GRPO-2", "advantages must be [B] or [B,T].",
                 {"log_probs": [[-1.0, -2.0]], "advantages": [1.0, 2.0, 3.0]}, "shape_mismatch", ev),
        err_case("error-old-shape", "GRPO-2", "old_log_probs must match log_probs.",
                 {"log_probs": [[-1.0, -2.0]], "old_log_probs": [[-1.0]], "advantages": [1.0]},
                 "shape_mismatch", ev),
        err_case("error-negative-clip", "GRPO-2", "clip epsilons must be >= 0.",
                 {"log_probs": [[-1.0]], "advantages": [1.0], "clip_epsilon_high": -0.1}, "out_of_range", ev),
        err_case("error-clip-low-one", "GRPO-2", "clip_epsilon_low must be < 1 (lower bound > 0), as PPOPolicyLoss.",
                 {"log_probs": [[-1.0]], "advantages": [1.0], "clip_epsilon_low": 1.0}, "out_of_range", ev),
        err_case("error-inf-masked-old", "GRPO-2", "-inf in old_log_probs even at a masked position.",
                 {"log_probs": [[-1.0, -1.0]], "old_log_probs": [[-1.0, "-inf"]], "advantages": [1.0],
                  "mask": [[1, 0]]}, "non_finite", ev),
        err_case("error-dual-clip-not-above-one", "GRPO-2", "dual_clip must be > 1.",
                 {"log_probs": [[-1.0]], "advantages": [-1.0], "dual_clip": 1.0}, "out_of_range", ev),
        err_case("error-non-finite-valid", "GRPO-2", "-inf log-prob on a valid token.",
                 {"log_probs": [["-inf", -1.0]], "advantages": [1.0]}, "non_finite", ev),
        err_case("error-unknown-aggregation", "GRPO-2", "aggregation 'mean' does not exist.",
                 {"log_probs": [[-1.0]], "advantages": [1.0], "aggregation": "mean"}, "invalid_argument", ev),
        err_case("error-missing-advantages", "GRPO-2", "advantages is required.",
                 {"log_probs": [[-1.0]]}, "missing_input", ev),
        err_case("error-empty", "GRPO-2", "no tokens.", {"log_probs": [[]], "advantages": [1.0]}, "empty", ev),
        err_case("error-unknown-empty-rows", "GRPO-2", "empty_rows must be count or exclude.",
                 {"log_probs": [[-1.0]], "advantages": [1.0], "empty_rows": "skip"}, "invalid_argument", ev),
        err_case("error-row-count-epsilon-zero", "GRPO-2", "row_count_epsilon must be > 0.",
                 {"log_probs": [[-1.0]], "advantages": [1.0], "row_count_epsilon": 0.0}, "out_of_range", ev),
        err_case("error-kl-bias-correction-not-boolean", "GRPO-5", "kl_bias_correction must be a boolean.",
                 {"log_probs": [[-1.0]], "advantages": [1.0], "kl_bias_correction": "yes"}, "invalid_argument", ev),
    ]
    return cases


def seed_literal_cases():
    rng = np.random.default_rng(20240313)
    cases = []

    def sl(id, comment, inputs, flags=None):
        inputs = with_form("GRPO-3", inputs)
        out, cot, g = eval_seed_literal(inputs)
        assert abs(out["loss"]) < 1e-14, out["loss"]
        if "log_probs" in g:
            assert not np.any(g["log_probs"])
        return case(id, "GRPO-3", comment, inputs, out, flags=flags, cotangents=cot, gradients=g)

    def co(id, comment, inputs, flags=None):
        inputs = with_form("GRPO-4", inputs)
        out, cot, g = eval_corrected(inputs)
        return case(id, "GRPO-4", comment, inputs, out, flags=flags, cotangents=cot, gradients=g)

    G, T = 4, 5
    scores = np.array([0.86, 0.2, 0.55, 0.3])  # composite VQA rewards in [0, 1]
    lp = np.log(rng.uniform(0.05, 0.95, (G, T)))
    mask = ragged_mask([5, 2, 4, 3], T)
    mle = np.log(rng.uniform(0.05, 0.95, (1, 7)))
    base = {"scores": scores, "mle_log_probs": mle, "log_probs": lp, "mask": mask}
    cases.append(sl("seed-literal-four-samples", "Seed 003 Alg. 1 with num_samples 4: -mean(normalised "
                    "rewards) * L_MLE. mean of the normalised rewards is 0 by construction, so the loss is 0 "
                    "up to rounding (~1e-17) and its gradient w.r.t. the sample log-probs is exactly 0 "
                    "(L_MLE is computed on the prompt's input ids, not on the samples).", base))
    cases.append(sl("seed-literal-unbiased-std", "Same with the unbiased std: still 0.",
                    dict(base, std="unbiased")))
    cases.append(sl("seed-literal-constant-rewards", "All rewards equal: normalised rewards exactly 0, loss "
                    "exactly 0.", dict(base, scores=[0.5, 0.5, 0.5, 0.5])))
    cases.append(sl("seed-literal-single-sample", "num_samples 1: the population std is 0 and the singleton "
                    "rule gives 0 (with torch's unbiased std the seed's code would produce NaN).",
                    {"scores": [0.7], "mle_log_probs": mle, "log_probs": lp[:1], "mask": mask[:1]}))
    cases.append(sl("seed-literal-no-sample-log-probs", "log_probs omitted: only mle_log_probs gets a "
                    "(vanishing) gradient.", {"scores": scores, "mle_log_probs": mle}))
    mle_m = np.array([[1, 1, 1, 1, 1, 0, 0]], dtype=float)
    cases.append(sl("seed-literal-mle-mask", "mle_mask excludes padding of the prompt ids (HF labels -100).",
                    dict(base, mle_mask=mle_m)))
    cases.append(co("corrected-four-samples", "The corrected per-sample objective on the same samples: "
                    "-1/G sum_i A_i * mean_t log pi(y_i,t); non-zero loss and gradient -A_i/(G*n_i).",
                    {"scores": scores, "log_probs": lp, "mask": mask}))
    s8 = np.array([0.86, 0.2, 0.55, 0.3, 1.0, 1.0, 0.0, 0.5])
    lp8 = np.log(rng.uniform(0.05, 0.95, (8, 6)))
    m8 = ragged_mask([6, 2, 5, 3, 1, 6, 4, 4], 6)
    cases.append(co("corrected-two-groups-trl", "Two groups of 4 with preset trl normalisation.",
                    {"scores": s8, "group_size": 4, "preset": "trl", "log_probs": lp8, "mask": m8}))
    cases.append(co("corrected-constant-group", "A constant group has A = 0 and contributes nothing.",
                    {"scores": [0.5, 0.5, 0.5, 0.5], "log_probs": lp, "mask": mask}))
    # relation: GRPO-4 gradient == GRPO-2 on-policy, beta 0, seq_mean_token_mean gradient
    out4, _, g4 = eval_corrected({"scores": scores, "log_probs": lp, "mask": mask})
    A = out4["normalized_rewards"]
    in2 = with_form("GRPO-2", {"log_probs": lp, "old_log_probs": lp, "advantages": A, "mask": mask,
                               "aggregation": "seq_mean_token_mean"})
    out2, cot2, g2 = eval_clipped(in2)
    assert np.allclose(g2["log_probs"], g4["log_probs"], rtol=1e-14, atol=1e-16)
    cases.append(case("clipped-on-policy-matches-corrected", "GRPO-2",
                      "GRPO-2 on the corrected case's samples with A = its normalised rewards, on-policy, "
                      "beta 0, seq_mean_token_mean: same gradient as GRPO-4 'corrected-four-samples' (the value "
                      "differs: -mean(A) = 0 here).", in2, out2, cotangents=cot2, gradients=g2))
    cases += [
        err_case("error-missing-mle", "GRPO-3", "mle_log_probs is required for the seed's loss.",
                 {"scores": [0.1, 0.2]}, "missing_input", eval_seed_literal),
        err_case("error-samples-rows", "GRPO-3", "log_probs must have one row per score.",
                 {"scores": [0.1, 0.2], "mle_log_probs": [[-1.0]], "log_probs": [[-1.0]]},
                 "shape_mismatch", eval_seed_literal),
        err_case("error-corrected-rows", "GRPO-4", "log_probs must have one row per score.",
                 {"scores": [0.1, 0.2, 0.3], "log_probs": [[-1.0], [-2.0]]}, "shape_mismatch", eval_corrected),
        err_case("error-corrected-missing-log-probs", "GRPO-4", "log_probs is required.",
                 {"scores": [0.1, 0.2]}, "missing_input", eval_corrected),
    ]
    return cases


def main():
    src = generator_source(PROGRAM, "float64 NumPy (advantages) and JAX x64 autodiff (losses); kinks resolved "
                                    "with jnp.where to the Spec's subgradient.")
    write_file(SPEC, "advantages", "Group-normalised advantages (GRPO-1): std estimator, epsilon placement, "
               "scale, singleton and zero-variance groups, presets. No gradients (advantages are constants).",
               src, advantage_cases())
    write_file(SPEC, "clipped_loss", "Clipped token-level GRPO objective with beta*KL inside the aggregation "
               "(GRPO-2), gradient w.r.t. log_probs.", src, clipped_cases())
    write_file(SPEC, "seed_literal", "The seed's literal loss -mean(normalised rewards)*L_MLE (GRPO-3, "
               "003_247733433a43e0cd.txt Algorithm 1): loss ~0 and zero gradient w.r.t. the samples; the "
               "corrected per-sample objective (GRPO-4) on the same inputs.", src, seed_literal_cases())


if __name__ == "__main__":
    main()
