"""Golden cases for Specs/KLPenalty.md (independent float64 reference; JAX x64 for gradients).

Writes GoldenData/KLPenalty/{estimators,reward,loss,controller,exact_enumeration}.json.
Run from the package root: .venv-golden/bin/python GoldenData/_generators/gen_KLPenalty.py

Conventions implemented here (see the Spec for the reasoning):
  logr = ref_log_probs - log_probs where mask == 1 (masked entries do not contribute; non-finite values
  anywhere are errors, as in PPOPolicyLoss);
  l = clamp(logr, -log_ratio_clamp, +log_ratio_clamp); k = f(l); kl = clamp(k, -kl_clamp, +kl_clamp);
  a clamp is "active" only strictly beyond its bound: at equality the gradient passes through.
  The *_plus estimators return the value above and the gradient of 0.5*(log_probs - ref)^2 (no clamps).
"""
from __future__ import annotations

import itertools
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

from golden_io import case, generator_source, write_file  # noqa: E402

SPEC = "KLPenalty"
PROGRAM = "GoldenData/_generators/gen_KLPenalty.py"
INF = math.inf
ESTIMATORS = ("k1", "k2", "k3", "k1_plus", "k3_plus")
AGGREGATIONS = ("token_mean", "seq_mean_token_mean", "seq_mean_token_sum", "constant_normalizer")

# --------------------------------------------------------------------------------------------
# Presets (Spec, "Conventions and presets"). Clamps of the verl preset depend on the estimator.
# --------------------------------------------------------------------------------------------
DEFAULTS = {"estimator": "k1", "kl_coef": 0.2, "log_ratio_clamp": INF, "kl_clamp": INF,
            "aggregation": "token_mean", "placement": "last_token"}
PLACEMENTS = ("last_token", "after_last_token")
PRESETS = {
    "paper": dict(DEFAULTS),
    # TRL 0.29.1 PPOTrainer.train: rewards[actual_start, actual_end] += scores, actual_end = last + 1 if it fits
    "trl": {"estimator": "k1", "kl_coef": 0.05, "log_ratio_clamp": INF, "kl_clamp": INF,
            "aggregation": "token_mean", "placement": "after_last_token"},
    "verl": {"estimator": "k3", "kl_coef": 0.001, "aggregation": "token_mean", "placement": "last_token"},
    "openRLHF": {"estimator": "k1", "kl_coef": 0.01, "log_ratio_clamp": INF, "kl_clamp": 10.0,
                 "aggregation": "token_mean", "placement": "last_token"},
}


from golden_io import SpecError as GoldenError  # noqa: E402


def clean(x):
    """float64 array with negative zeros turned into +0.0 (keeps the JSON free of -0.0)."""
    return np.asarray(x, dtype=np.float64) + 0.0


def as_float(x):
    if isinstance(x, str):
        return {"inf": INF, "-inf": -INF, "nan": math.nan}[x]
    return float(x)


def to_array(x):
    """JSON-like nested list (with "inf"/"-inf"/"nan" strings) or array -> float64 array."""
    if isinstance(x, np.ndarray):
        return x.astype(np.float64)
    if isinstance(x, (list, tuple)):
        if len(x) == 0:
            return np.zeros((0,), dtype=np.float64)
        return np.array([to_array(v) for v in x], dtype=np.float64)
    return np.float64(as_float(x))


def resolve(inputs: dict) -> dict:
    """Defaults <- preset <- explicit keys."""
    p = dict(DEFAULTS)
    preset = inputs.get("preset")
    if preset is not None:
        if preset not in PRESETS:
            raise GoldenError("invalid_argument")
        p.update(PRESETS[preset])
    for k in ("estimator", "kl_coef", "log_ratio_clamp", "kl_clamp", "aggregation", "normalizer", "placement"):
        if k in inputs:
            p[k] = inputs[k]
    if preset == "verl":
        # verl clamps only its k3 ("low_var_kl"); explicit keys still override
        on = p["estimator"] in ("k3", "k3_plus")
        if "log_ratio_clamp" not in inputs:
            p["log_ratio_clamp"] = 20.0 if on else INF
        if "kl_clamp" not in inputs:
            p["kl_clamp"] = 10.0 if on else INF
    if p["estimator"] not in ESTIMATORS or p["placement"] not in PLACEMENTS:
        raise GoldenError("invalid_argument")
    for k in ("log_ratio_clamp", "kl_clamp"):
        p[k] = INF if p[k] is None else as_float(p[k])  # null (or "inf") = no clamp
        if not (p[k] > 0):
            raise GoldenError("out_of_range")
    p["kl_coef"] = as_float(p["kl_coef"])
    if not math.isfinite(p["kl_coef"]):
        raise GoldenError("non_finite")
    if p["kl_coef"] < 0:
        raise GoldenError("out_of_range")
    return p


def validate_tokens(inputs: dict):
    if "log_probs" not in inputs or "ref_log_probs" not in inputs:
        raise GoldenError("missing_input")
    lp = to_array(inputs["log_probs"])
    ref = to_array(inputs["ref_log_probs"])
    if lp.size == 0 or ref.size == 0:
        raise GoldenError("empty")
    if lp.ndim != 2 or ref.shape != lp.shape:
        raise GoldenError("shape_mismatch")
    mask = to_array(inputs["mask"]) if "mask" in inputs else np.ones_like(lp)
    if mask.shape != lp.shape:
        raise GoldenError("shape_mismatch")
    if not np.all((mask == 0) | (mask == 1)):
        raise GoldenError("invalid_argument")
    if not (np.all(np.isfinite(lp)) and np.all(np.isfinite(ref))):
        raise GoldenError("non_finite")  # anywhere, even at masked positions (as PPOPolicyLoss)
    return lp, ref, mask


# --------------------------------------------------------------------------------------------
# Per-token estimators (KLPenalty-1..5), written with jnp.where so that the gradient at a clamp
# bound is the pass-through one (the Spec's subgradient). JAX's own jnp.clip would split it.
# --------------------------------------------------------------------------------------------
def clamp_pass(x, c):
    return jnp.where(x > c, c, jnp.where(x < -c, -c, x))


def kl_tokens(lp, ref, mask, estimator, c_ratio, c_kl):
    valid = mask == 1
    lp_s = jnp.where(valid, lp, 0.0)
    ref_s = jnp.where(valid, jnp.asarray(np.where(np.isfinite(ref), ref, 0.0)), 0.0)
    logr = ref_s - lp_s
    l = clamp_pass(logr, c_ratio)
    base = estimator.replace("_plus", "")
    if base == "k1":
        k = -l
    elif base == "k2":
        k = 0.5 * l * l
    else:
        k = jnp.exp(l) - 1.0 - l
    k = clamp_pass(k, c_kl)
    if estimator.endswith("_plus"):
        surrogate = 0.5 * (lp_s - ref_s) ** 2
        k = surrogate + jax.lax.stop_gradient(k - surrogate)
    return jnp.where(valid, k, 0.0)


def hand_kl_grad(lp, ref, mask, estimator, c_ratio, c_kl):
    """Explicit d kl / d log_probs per token (the Spec's formula), used to check kink cases."""
    g = np.zeros_like(lp)
    for idx in np.ndindex(lp.shape):
        if mask[idx] != 1:
            continue
        logr = ref[idx] - lp[idx]
        if estimator.endswith("_plus"):
            g[idx] = -logr
            continue
        l = min(max(logr, -c_ratio), c_ratio)
        if estimator == "k1":
            k, dk = -l, -1.0
        elif estimator == "k2":
            k, dk = 0.5 * l * l, l
        else:
            k, dk = math.exp(l) - 1.0 - l, math.exp(l) - 1.0
        pass_ratio = abs(logr) <= c_ratio
        pass_kl = abs(k) <= c_kl
        g[idx] = -dk if (pass_ratio and pass_kl) else 0.0
    return g


def aggregate(x, mask, aggregation, normalizer):
    m = mask
    if aggregation == "token_mean":
        n = jnp.sum(m)
        return jnp.where(n > 0, jnp.sum(x * m) / jnp.where(n > 0, n, 1.0), 0.0)
    if aggregation == "seq_mean_token_mean":
        n = jnp.sum(m, axis=1)
        row = jnp.where(n > 0, jnp.sum(x * m, axis=1) / jnp.where(n > 0, n, 1.0), 0.0)
        return jnp.sum(row) / x.shape[0]
    if aggregation == "seq_mean_token_sum":
        return jnp.sum(x * m) / x.shape[0]
    if aggregation == "constant_normalizer":
        # as PPOPolicyLoss-4 (Dr. GRPO): sum / (B * L) with L = normalizer
        return jnp.sum(x * m) / (x.shape[0] * normalizer)
    raise GoldenError("invalid_argument")


# --------------------------------------------------------------------------------------------
# Evaluators per equation
# --------------------------------------------------------------------------------------------
def eval_per_token(inputs, cot_seed=None):
    p = resolve(inputs)
    lp, ref, mask = validate_tokens(inputs)
    f = lambda x: kl_tokens(x, ref, mask, p["estimator"], p["log_ratio_clamp"], p["kl_clamp"])
    kl, vjp = jax.vjp(f, jnp.asarray(lp))
    rng = np.random.default_rng(cot_seed)
    cot = rng.normal(size=lp.shape)
    (g,) = vjp(jnp.asarray(cot))
    g = np.asarray(g)
    hand = cot * hand_kl_grad(lp, ref, mask, p["estimator"], p["log_ratio_clamp"], p["kl_clamp"])
    assert np.allclose(g, hand, rtol=1e-13, atol=1e-13 * (1 + np.abs(hand).max())), (g, hand)
    return {"kl": clean(kl)}, {"kl": cot}, {"log_probs": clean(g)}


def eval_reward(inputs):
    p = resolve(inputs)
    lp, ref, mask = validate_tokens(inputs)
    if "scores" not in inputs:
        raise GoldenError("missing_input")
    scores = to_array(inputs["scores"])
    if scores.shape != (lp.shape[0],):
        raise GoldenError("shape_mismatch")
    if not np.all(np.isfinite(scores)):
        raise GoldenError("non_finite")
    kl = np.asarray(kl_tokens(jnp.asarray(lp), ref, mask, p["estimator"], p["log_ratio_clamp"],
                              p["kl_clamp"]))
    rewards = -p["kl_coef"] * kl * mask
    rewards = np.where(mask == 1, rewards, 0.0)
    for b in range(lp.shape[0]):
        idx = np.nonzero(mask[b] == 1)[0]
        if idx.size:
            position = idx[-1]
            if p["placement"] == "after_last_token" and position + 1 < mask.shape[1]:
                position += 1   # outside the mask: the score alone (kl there is 0)
            rewards[b, position] += scores[b]
    return {"rewards": clean(rewards), "kl": clean(kl), "sequence_kl": clean((kl * mask).sum(axis=1))}


def eval_loss(inputs):
    p = resolve(inputs)
    lp, ref, mask = validate_tokens(inputs)
    agg = p["aggregation"]
    if agg not in AGGREGATIONS:
        raise GoldenError("invalid_argument")
    normalizer = None
    if agg == "constant_normalizer":
        if "normalizer" not in p:
            raise GoldenError("missing_input")
        normalizer = as_float(p["normalizer"])
        if not math.isfinite(normalizer):
            raise GoldenError("non_finite")
        if normalizer <= 0:
            raise GoldenError("out_of_range")

    def loss_fn(x):
        kl = kl_tokens(x, ref, mask, p["estimator"], p["log_ratio_clamp"], p["kl_clamp"])
        return p["kl_coef"] * aggregate(kl, jnp.asarray(mask), agg, normalizer), kl

    (loss, kl), g = jax.value_and_grad(loss_fn, has_aux=True)(jnp.asarray(lp))
    return {"loss": float(loss) + 0.0, "kl": clean(kl)}, {"loss": 1.0}, {"log_probs": clean(g)}


def eval_controller(inputs):
    for k in ("kl_coef", "target", "horizon", "current_kl", "n_steps"):
        if k not in inputs:
            raise GoldenError("missing_input")
    beta, target, horizon = (as_float(inputs[k]) for k in ("kl_coef", "target", "horizon"))
    current, n = as_float(inputs["current_kl"]), as_float(inputs["n_steps"])
    clip = as_float(inputs.get("error_clip", 0.2))
    if not all(math.isfinite(v) for v in (beta, target, horizon, current, n, clip)):
        raise GoldenError("non_finite")
    if beta < 0 or target <= 0 or horizon <= 0 or n < 0 or n > horizon or not (0 < clip < 1):
        raise GoldenError("out_of_range")
    e = min(max(current / target - 1.0, -clip), clip)
    return {"new_kl_coef": beta * (1.0 + e * n / horizon), "proportional_error": e}


# --------------------------------------------------------------------------------------------
# Exact enumeration (KLPenalty-9)
# --------------------------------------------------------------------------------------------
def enumerate_sequences(V: int, L: int):
    """Prefixes of non-EOS tokens (ids 0..V-2) of length < L, ordered by length then base-(V-1)
    value (first token most significant); sequences end at EOS (id V-1) or at length L."""
    prefixes = []
    for length in range(L):
        for p in itertools.product(range(V - 1), repeat=length):
            prefixes.append(p)
    index = {p: i for i, p in enumerate(prefixes)}
    seqs = []

    def grow(prefix):
        for v in range(V):
            steps = list(prefix) + [v]
            if v == V - 1 or len(steps) == L:
                seqs.append(tuple(steps))
            else:
                grow(tuple(steps))

    grow(())
    P = np.zeros((len(seqs), L), dtype=np.int64)
    T = np.zeros((len(seqs), L), dtype=np.int64)
    M = np.zeros((len(seqs), L), dtype=np.float64)
    for s, x in enumerate(seqs):
        for t, v in enumerate(x):
            P[s, t] = index[tuple(x[:t])]
            T[s, t] = v
            M[s, t] = 1.0
    return prefixes, seqs, P, T, M


def eval_enumeration(inputs):
    for k in ("logits", "ref_logits", "max_length"):
        if k not in inputs:
            raise GoldenError("missing_input")
    th = to_array(inputs["logits"])
    rf = to_array(inputs["ref_logits"])
    L = inputs["max_length"]
    if not isinstance(L, int) or L < 1 or L > 4:
        raise GoldenError("out_of_range")
    if th.ndim != 2 or th.shape != rf.shape:
        raise GoldenError("shape_mismatch")
    V = th.shape[1]
    if V < 2 or V > 4:
        raise GoldenError("out_of_range")
    if th.shape[0] != sum((V - 1) ** l for l in range(L)):
        raise GoldenError("shape_mismatch")
    if not (np.all(np.isfinite(th)) and np.all(np.isfinite(rf))):
        raise GoldenError("non_finite")
    prefixes, seqs, P, T, M = enumerate_sequences(V, L)

    def tok_lp(logits):
        ls = jax.nn.log_softmax(logits, axis=-1)
        return ls[P, T] * M  # [S, L]

    ref_tok = tok_lp(jnp.asarray(rf))

    def seq_prob(theta):
        return jnp.exp(jnp.sum(tok_lp(theta), axis=1))

    def reverse_kl(theta):
        lpt = tok_lp(theta)
        return jnp.sum(seq_prob(theta) * jnp.sum(lpt - ref_tok, axis=1))

    def forward_kl(theta):
        pr = jnp.exp(jnp.sum(ref_tok, axis=1))
        return jnp.sum(pr * jnp.sum(ref_tok - tok_lp(theta), axis=1))

    def K(theta, est):
        # per-sequence sum over tokens of the per-token estimator (no clamps in this experiment)
        lpt = tok_lp(theta)
        kt = kl_tokens(lpt, np.asarray(ref_tok), M, est, INF, INF)
        return jnp.sum(kt, axis=1)

    theta = jnp.asarray(th)
    out = {"num_sequences": len(seqs),
           "kl": float(reverse_kl(theta)),
           "kl_grad": np.asarray(jax.grad(reverse_kl)(theta)),
           "forward_kl": float(forward_kl(theta)),
           "forward_kl_grad": np.asarray(jax.grad(forward_kl)(theta))}
    sg = jax.lax.stop_gradient
    for est in ESTIMATORS:
        val = float(jnp.sum(seq_prob(theta) * K(theta, est)))
        path = np.asarray(jax.grad(lambda t: jnp.sum(sg(seq_prob(t)) * K(t, est)))(theta))
        score = np.asarray(jax.grad(lambda t: jnp.sum(seq_prob(t) * sg(K(t, est))))(theta))
        total = path + score
        if not est.endswith("_plus"):
            auto = np.asarray(jax.grad(lambda t: jnp.sum(seq_prob(t) * K(t, est)))(theta))
            assert np.allclose(auto, total, rtol=1e-12, atol=1e-14)
        out[f"{est}_expectation"] = val
        out[f"{est}_pathwise_grad"] = path
        out[f"{est}_score_function_grad"] = score
        out[f"{est}_total_grad"] = total
    return out


# --------------------------------------------------------------------------------------------
# Case builders
# --------------------------------------------------------------------------------------------
def err_case(id, equation, comment, inputs, kind, evaluator):
    try:
        evaluator(inputs)
    except GoldenError as e:
        assert e.kind == kind, (id, e.kind, kind)
    else:
        raise AssertionError(f"{id}: expected error {kind}")
    return case(id, equation, comment, inputs, {"error": kind}, flags=["error"])


def rand_tokens(rng, B, T, spread=0.5):
    lp = np.log(rng.uniform(0.05, 0.95, size=(B, T)))
    ref = lp + rng.normal(0.0, spread, size=(B, T))
    return lp, ref


def ragged_mask(lengths, T):
    return np.array([[1.0 if t < n else 0.0 for t in range(T)] for n in lengths])


def per_token_case(id, eq, comment, inputs, seed, flags=None, tol=None, source=None):
    out, cot, grads = eval_per_token(inputs, cot_seed=seed)
    return case(id, eq, comment, inputs, out, flags=flags, cotangents=cot, gradients=grads,
                tol=tol, source=source)


def estimator_cases():
    rng = np.random.default_rng(20240301)
    cases = []
    B, T = 3, 5
    lp, ref = rand_tokens(rng, B, T)
    mask = ragged_mask([5, 3, 4], T)
    for est, eq in (("k1", "KLPenalty-1"), ("k2", "KLPenalty-2"), ("k3", "KLPenalty-3")):
        cases.append(per_token_case(
            f"{est}-random-ragged", eq,
            f"{est} per token on random log-probs, ragged mask; masked entries are 0 with gradient 0.",
            {"log_probs": lp, "ref_log_probs": ref, "mask": mask, "estimator": est}, seed=11))
    # default estimator (paper preset -> k1) with no mask key: mask defaults to all ones
    lp2, ref2 = rand_tokens(rng, 2, 4)
    cases.append(per_token_case(
        "default-estimator-no-mask", "KLPenalty-1",
        "No estimator and no mask given: defaults are estimator k1 (paper preset) and an all-ones mask.",
        {"log_probs": lp2, "ref_log_probs": ref2}, seed=12))
    # identical policies: every estimator is 0; gradients: k1 -> +1 per token, k2/k3 -> 0
    same = np.log(np.array([[0.5, 0.25, 0.125], [0.9, 0.6, 0.3]]))
    for est in ("k1", "k2", "k3"):
        cases.append(per_token_case(
            f"{est}-identical-policies", "KLPenalty-" + est[1],
            f"log_probs == ref_log_probs: {est} = 0 everywhere; d{est}/dlog_probs = "
            + ("+1 (k1 = logp - ref)" if est == "k1" else "0 (minimum of the estimator)") + ".",
            {"log_probs": same, "ref_log_probs": same, "estimator": est}, seed=13,
            source={"kind": "hand", "reference": "Specs/KLPenalty.md, Gradient: logr = 0"}))
    # masked positions carry finite garbage (TRL's INVALID_LOGPROB 1.0, a huge reference value): never read
    lp3 = np.array([[-0.3, -1.2, 1.0, 1.0], [-2.0, -0.1, -0.7, 1.0]])
    ref3 = np.array([[-0.5, -0.9, 800.0, 1.0], [-1.5, -0.4, -0.2, 800.0]])
    m3 = np.array([[1, 1, 0, 0], [1, 1, 1, 0]], dtype=float)
    cases.append(per_token_case(
        "masked-positions-ignored", "KLPenalty-3",
        "Masked entries hold 1.0 (TRL INVALID_LOGPROB) and ref 800 (k3 would overflow to inf if read): "
        "they are not used: kl = 0 and gradient 0 there.",
        {"log_probs": lp3, "ref_log_probs": ref3, "mask": m3, "estimator": "k3"}, seed=14))
    # k3 with a large |log ratio| and no clamp. One token per case: a huge k3 next to O(1) values
    # would drown the other tokens in a finite-difference check of L = sum cot*kl.
    cases.append(per_token_case(
        "k3-extreme-positive-log-ratio-no-clamp", "KLPenalty-3",
        "logr = +100 without clamps: k3 = e^100 - 101 ~ 2.7e43 and gradient 1 - e^100; exp(100) overflows "
        "float32, so float64 only.",
        {"log_probs": [[-101.0]], "ref_log_probs": [[-1.0]], "estimator": "k3"}, seed=15,
        flags=["float64_only"]))
    cases.append(per_token_case(
        "k3-extreme-negative-log-ratio-no-clamp", "KLPenalty-3",
        "logr = -100 without clamps: k3 = e^-100 + 99 (e^-100 underflows to 0 in float32, harmless), "
        "gradient 1 - e^-100.",
        {"log_probs": [[-0.5, -3.0]], "ref_log_probs": [[-100.5, -3.5]], "estimator": "k3"}, seed=15))
    # --- clamps (KLPenalty-4) ---
    # on the log-ratio bound: logr exactly -2 and +2 with log_ratio_clamp 2 (exact in binary)
    lp5 = np.array([[-3.0, -1.0, -0.5, -4.0]])
    ref5 = np.array([[-1.0, -3.0, -0.75, -0.5]])
    for est in ("k1", "k3"):
        cases.append(per_token_case(
            f"{est}-log-ratio-clamp-on-bound", "KLPenalty-4",
            "logr = +2, -2 exactly on log_ratio_clamp = 2 (subgradient: pass-through, i.e. the "
            "unclamped derivative), -0.25 inside, +3.5 beyond (gradient 0). JAX's jnp.clip would give half "
            "the gradient at the bound; the generator uses jnp.where and checks the hand formula.",
            {"log_probs": lp5, "ref_log_probs": ref5, "estimator": est, "log_ratio_clamp": 2.0},
            seed=16, flags=["nondifferentiable"]))
    d = 1e-5
    lp6 = np.array([[-3.0 + d, -3.0 - d, -1.0 - d, -1.0 + d]])
    ref6 = np.array([[-1.0, -1.0, -3.0, -3.0]])
    cases.append(per_token_case(
        "k3-log-ratio-clamp-near-bound", "KLPenalty-4",
        "logr = 2 -+ 1e-5 and -2 -+ 1e-5 around log_ratio_clamp = 2: just inside passes the gradient, just "
        "outside gives 0 (distance 1e-5 exceeds the finite-difference step 1e-6*max(1,|x|) of 3e-6).",
        {"log_probs": lp6, "ref_log_probs": ref6, "estimator": "k3", "log_ratio_clamp": 2.0}, seed=17))
    # on the result bound: k1 = +-10 exactly (logp - ref), k2 = 8 exactly (logr = 4)
    lp7 = np.array([[-1.0, -12.0, -2.5, -20.0]])
    ref7 = np.array([[-11.0, -2.0, -0.5, -1.0]])
    cases.append(per_token_case(
        "k1-kl-clamp-on-bound", "KLPenalty-4",
        "k1 = +10, -10 exactly on kl_clamp = 10 (pass-through gradient +1), -2 inside, +19 beyond "
        "(clamped to 10, gradient 0).",
        {"log_probs": lp7, "ref_log_probs": ref7, "estimator": "k1", "kl_clamp": 10.0}, seed=18,
        flags=["nondifferentiable"]))
    lp8 = np.array([[-5.0, -1.0, -2.0]])
    ref8 = np.array([[-1.0, -5.0, -7.0]])
    cases.append(per_token_case(
        "k2-kl-clamp-on-bound", "KLPenalty-4",
        "k2 = 0.5*4^2 = 8 exactly on kl_clamp = 8 for logr = +4 and -4 (pass-through gradient -logr), "
        "logr = -5 gives 12.5 > 8 (clamped, gradient 0).",
        {"log_probs": lp8, "ref_log_probs": ref8, "estimator": "k2", "kl_clamp": 8.0}, seed=19,
        flags=["nondifferentiable"]))
    # near the k3 = 10 bound: positive root x+ of e^x - 1 - x = 10 and the negative root x- = -11 + e^-11...
    xp = 2.0
    for _ in range(60):
        xp -= (math.exp(xp) - 1 - xp - 10) / (math.exp(xp) - 1)
    xm = -11.0
    for _ in range(60):
        xm -= (math.exp(xm) - 1 - xm - 10) / (math.exp(xm) - 1)
    lp9 = np.array([[-1.0, -1.0, -1.0, -1.0]])
    ref9 = np.array([[-1.0 + xp - 1e-5, -1.0 + xp + 1e-5, -1.0 + xm + 1e-5, -1.0 + xm - 1e-5]])
    cases.append(per_token_case(
        "k3-kl-clamp-near-bound", "KLPenalty-4",
        f"k3 within 1e-5 (in logr) of kl_clamp = 10 on both sides of both roots (x+ = {xp!r}, "
        f"x- = {xm!r}): inside keeps 1 - e^logr, outside is clamped to 10 with gradient 0.",
        {"log_probs": lp9, "ref_log_probs": ref9, "estimator": "k3", "kl_clamp": 10.0}, seed=20))
    # verl preset: k3 with both clamps
    lp10 = np.array([[-0.5, -1.0, -30.0, -2.0, -0.2], [-14.0, -0.3, -0.9, -25.0, -1.0]])
    ref10 = np.array([[-0.8, -3.0, -1.0, -1.0, -0.1], [-1.0, -0.35, -0.9, -4.0, -22.0]])
    cases.append(per_token_case(
        "verl-preset-k3-clamps", "KLPenalty-4",
        "preset verl (k3, log-ratio clamp 20, result clamp 10): logr = +29 is clamped to 20 then k3 to 10; "
        "logr = -21 clamps to -20 then k3 = e^-20 + 19 -> 10; large |logr| tokens get zero gradient.",
        {"log_probs": lp10, "ref_log_probs": ref10, "preset": "verl"}, seed=21))
    cases.append(per_token_case(
        "openrlhf-preset-k1-clamp", "KLPenalty-4",
        "preset openRLHF (k1, result clamp 10 for every estimator, snapshot 3c3be623): "
        "k1 = logp - ref beyond +-10 is clamped with gradient 0; negative k1 values are kept.",
        {"log_probs": lp10, "ref_log_probs": ref10, "preset": "openRLHF"}, seed=22))
    cases.append(per_token_case(
        "verl-preset-k1-no-clamps", "KLPenalty-4",
        "preset verl with estimator k1: verl clamps only k3, so no clamp applies here.",
        {"log_probs": lp10, "ref_log_probs": ref10, "preset": "verl", "estimator": "k1"}, seed=23))
    cases.append(per_token_case(
        "verl-preset-null-clamp", "KLPenalty-4",
        "preset verl with \"kl_clamp\": null: the result clamp is removed (the log-ratio clamp 20 stays): "
        "logr = 3, 4, -12 give k3 = e^3 - 4, e^4 - 5, e^-12 + 11 (> 10, unclamped) with gradients 1 - e^logr.",
        {"log_probs": [[-4.0, -5.0, -0.5, -1.0, -0.7]], "ref_log_probs": [[-1.0, -1.0, -12.5, -0.5, -1.0]],
         "preset": "verl", "kl_clamp": None}, seed=26))
    # --- straight-through (KLPenalty-5) ---
    for est in ("k3_plus", "k1_plus"):
        cases.append(per_token_case(
            f"{est}-random", "KLPenalty-5",
            f"{est}: value of {est[:2]}, gradient of k2 (d/dlogp = logp - ref = -logr). Straight-through: "
            "the gradient is not the derivative of the value, so the case is flagged surrogate_gradient "
            "(skip the finite-difference check, compare the stated gradient).",
            {"log_probs": lp, "ref_log_probs": ref, "mask": mask, "estimator": est}, seed=24,
            flags=["surrogate_gradient", "straight_through"]))
    cases.append(per_token_case(
        "k3-plus-verl-clamped", "KLPenalty-5",
        "k3_plus under the verl clamps: the value is clamped at 10 but the k2 gradient -logr is not "
        "(verl's straight-through uses the unclamped 0.5*(logp - ref)^2).",
        {"log_probs": lp10, "ref_log_probs": ref10, "preset": "verl", "estimator": "k3_plus"}, seed=25,
        flags=["surrogate_gradient", "straight_through"]))
    # --- errors ---
    ev = lambda inp: eval_per_token(inp, cot_seed=0)
    cases += [
        err_case("error-shape-mismatch", "KLPenalty-1", "ref_log_probs has a different shape.",
                 {"log_probs": [[-1.0, -2.0]], "ref_log_probs": [[-1.0, -2.0, -3.0]]}, "shape_mismatch", ev),
        err_case("error-mask-shape", "KLPenalty-1", "mask has a different shape.",
                 {"log_probs": [[-1.0, -2.0]], "ref_log_probs": [[-1.0, -2.0]], "mask": [[1, 1, 0]]},
                 "shape_mismatch", ev),
        err_case("error-non-finite-valid", "KLPenalty-3", "-inf reference log-prob on a valid token.",
                 {"log_probs": [[-1.0, -2.0]], "ref_log_probs": [[-1.0, "-inf"]], "estimator": "k3"},
                 "non_finite", ev),
        err_case("error-inf-at-masked-position", "KLPenalty-1",
                 "-inf even at a masked position is rejected (same rule as PPOPolicyLoss).",
                 {"log_probs": [[-1.0, -2.0]], "ref_log_probs": [[-1.0, "-inf"]], "mask": [[1, 0]]},
                 "non_finite", ev),
        err_case("error-nan-valid", "KLPenalty-1", "NaN log-prob on a valid token.",
                 {"log_probs": [["nan", -2.0]], "ref_log_probs": [[-1.0, -1.0]]}, "non_finite", ev),
        err_case("error-unknown-estimator", "KLPenalty-1", "estimator 'k4' does not exist.",
                 {"log_probs": [[-1.0]], "ref_log_probs": [[-1.5]], "estimator": "k4"}, "invalid_argument", ev),
        err_case("error-unknown-preset", "KLPenalty-1", "preset 'deepspeed' does not exist.",
                 {"log_probs": [[-1.0]], "ref_log_probs": [[-1.5]], "preset": "deepspeed"}, "invalid_argument", ev),
        err_case("error-clamp-not-positive", "KLPenalty-4", "log_ratio_clamp must be > 0.",
                 {"log_probs": [[-1.0]], "ref_log_probs": [[-1.5]], "log_ratio_clamp": 0.0}, "out_of_range", ev),
        err_case("error-kl-clamp-negative", "KLPenalty-4", "kl_clamp must be > 0.",
                 {"log_probs": [[-1.0]], "ref_log_probs": [[-1.5]], "kl_clamp": -10.0}, "out_of_range", ev),
        err_case("error-mask-not-binary", "KLPenalty-1", "mask entries must be 0 or 1.",
                 {"log_probs": [[-1.0, -2.0]], "ref_log_probs": [[-1.0, -2.0]], "mask": [[1, 0.5]]},
                 "invalid_argument", ev),
        err_case("error-missing-ref", "KLPenalty-1", "ref_log_probs is required.",
                 {"log_probs": [[-1.0, -2.0]]}, "missing_input", ev),
        err_case("error-empty", "KLPenalty-1", "B = 0: no tokens at all.",
                 {"log_probs": [], "ref_log_probs": []}, "empty", ev),
        err_case("error-empty-rows", "KLPenalty-1", "T = 0.",
                 {"log_probs": [[]], "ref_log_probs": [[]]}, "empty", ev),
    ]
    return cases


def reward_cases():
    rng = np.random.default_rng(20240302)
    cases = []
    lp, ref = rand_tokens(rng, 3, 6)
    mask = ragged_mask([6, 2, 4], 6)
    scores = np.array([0.71, -0.25, 0.4])

    def rc(id, comment, inputs, flags=None):
        return case(id, "KLPenalty-6", comment, inputs, eval_reward(inputs), flags=flags)

    cases.append(rc("paper-preset-k1", "Seed 001 setting: k1, beta = 0.2; score added on the last valid "
                    "token of each row; rewards are 0 on masked tokens.",
                    {"log_probs": lp, "ref_log_probs": ref, "mask": mask, "scores": scores, "preset": "paper"}))
    hole = np.array([[1, 1, 0, 1, 1, 0], [1, 0, 0, 0, 0, 0], [0, 1, 1, 1, 1, 1]], dtype=float)
    cases.append(rc("mask-with-holes", "Non-contiguous mask: the score goes to the LAST valid index "
                    "(4, 0, 5), masked tokens inside a row get reward 0.",
                    {"log_probs": lp, "ref_log_probs": ref, "mask": hole, "scores": scores, "kl_coef": 0.1}))
    empty_row = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]], dtype=float)
    cases.append(rc("all-masked-row", "A row with no valid token: all its rewards are 0 and its score "
                    "is not placed (there is no action to credit); sequence_kl = 0.",
                    {"log_probs": lp, "ref_log_probs": ref, "mask": empty_row, "scores": scores,
                     "estimator": "k3", "kl_coef": 0.2}))
    cases.append(rc("kl-coef-zero", "beta = 0: rewards are only the score on the last valid token.",
                    {"log_probs": lp, "ref_log_probs": ref, "mask": mask, "scores": scores, "kl_coef": 0.0}))
    cases.append(rc("trl-preset", "preset trl (k1, 0.05, placement after_last_token): as TRL's PPOTrainer, the "
                    "score goes one position after the last valid token when the row has room (rows 1 and 2: "
                    "positions 2 and 4, outside the mask, where the reward is the score alone); row 0 fills the "
                    "buffer, so its score stays on its last token.",
                    {"log_probs": lp, "ref_log_probs": ref, "mask": mask, "scores": scores, "preset": "trl"}))
    cases.append(rc("trl-preset-placement-last-token", "preset trl with placement last_token given explicitly: "
                    "the score on the last valid token (the trl preset's placement before it was checked against "
                    "TRL's code).",
                    {"log_probs": lp, "ref_log_probs": ref, "mask": mask, "scores": scores, "preset": "trl",
                     "placement": "last_token"}))
    cases.append(rc("verl-preset-k3", "preset verl with k3 (clamps 20/10 active) and coefficient 0.001.",
                    {"log_probs": lp, "ref_log_probs": ref, "mask": mask, "scores": scores, "preset": "verl"}))
    cases.append(rc("openrlhf-preset-k2", "preset openRLHF with k2 and its +-10 clamp.",
                    {"log_probs": (lp * 3).tolist(), "ref_log_probs": ref, "mask": mask, "scores": scores,
                     "preset": "openRLHF", "estimator": "k2"}))
    hand_in = {"log_probs": [[-1.0, -2.0, -0.5]], "ref_log_probs": [[-1.5, -1.0, -0.5]],
               "mask": [[1, 1, 0]], "scores": [2.0], "kl_coef": 0.5, "estimator": "k1"}
    exp = eval_reward(hand_in)
    assert np.allclose(exp["rewards"], [[-0.25, 2.5, 0.0]]) and np.allclose(exp["sequence_kl"], [-0.5])
    cases.append(case("hand-k1", "KLPenalty-6",
                      "k1 = logp - ref = [0.5, -1.0, (masked)]; rewards = -0.5*k1 + [0, 2, 0] = [-0.25, 2.5, 0]; "
                      "sequence_kl = -0.5.", hand_in, exp,
                      source={"kind": "hand", "reference": "Specs/KLPenalty.md KLPenalty-6"}))
    cases += [
        err_case("error-missing-scores", "KLPenalty-6", "the reward form needs scores.",
                 {"log_probs": [[-1.0]], "ref_log_probs": [[-1.0]]}, "missing_input", eval_reward),
        err_case("error-scores-shape", "KLPenalty-6", "scores must have shape [B].",
                 {"log_probs": [[-1.0], [-2.0]], "ref_log_probs": [[-1.0], [-2.0]], "scores": [1.0]},
                 "shape_mismatch", eval_reward),
        err_case("error-negative-coef", "KLPenalty-6", "kl_coef must be >= 0.",
                 {"log_probs": [[-1.0]], "ref_log_probs": [[-1.0]], "scores": [1.0], "kl_coef": -0.1},
                 "out_of_range", eval_reward),
        err_case("error-score-inf", "KLPenalty-6", "non-finite score.",
                 {"log_probs": [[-1.0]], "ref_log_probs": [[-1.0]], "scores": ["inf"]},
                 "non_finite", eval_reward),
        err_case("error-unknown-placement", "KLPenalty-6", "placement is last_token or after_last_token.",
                 {"log_probs": [[-1.0]], "ref_log_probs": [[-1.0]], "scores": [1.0], "placement": "eos"},
                 "invalid_argument", eval_reward),
    ]
    return cases


def loss_cases():
    rng = np.random.default_rng(20240303)
    cases = []
    lp, ref = rand_tokens(rng, 4, 6, spread=0.7)
    mask = ragged_mask([6, 1, 4, 3], 6)

    def lc(id, comment, inputs, flags=None):
        out, cot, g = eval_loss(inputs)
        if inputs.get("estimator", "").endswith("_plus"):
            flags = ["surrogate_gradient", "straight_through"]
            comment += " Straight-through gradient: finite-difference check skipped (surrogate_gradient flag)."
        return case(id, "KLPenalty-7", comment, inputs, out, flags=flags, cotangents=cot, gradients=g)

    for agg in AGGREGATIONS:
        inp = {"log_probs": lp, "ref_log_probs": ref, "mask": mask, "estimator": "k3", "kl_coef": 0.04,
               "aggregation": agg}
        if agg == "constant_normalizer":
            inp["normalizer"] = 6.0
        cases.append(lc(f"k3-{agg}", f"beta * {agg}(k3) with a ragged mask (lengths 6,1,4,3)"
                        + ("; normalizer L = T = 6 (Dr. GRPO's L_max): sum / (B*L) = sum / 24."
                           if agg == "constant_normalizer" else "."),
                        inp))
    for est in ("k1", "k2", "k3_plus"):
        cases.append(lc(f"{est}-seq-mean-token-mean", f"{est} in the loss, seq_mean_token_mean.",
                        {"log_probs": lp, "ref_log_probs": ref, "mask": mask, "estimator": est,
                         "kl_coef": 0.1, "aggregation": "seq_mean_token_mean"}))
    cases.append(lc("verl-preset", "preset verl: 0.001 * token_mean(k3 with clamps 20/10).",
                    {"log_probs": lp, "ref_log_probs": ref, "mask": mask, "preset": "verl"}))
    zero = np.zeros_like(mask)
    for agg in AGGREGATIONS:
        inp = {"log_probs": lp, "ref_log_probs": ref, "mask": zero, "estimator": "k3", "kl_coef": 0.1,
               "aggregation": agg}
        if agg == "constant_normalizer":
            inp["normalizer"] = 6.0
        cases.append(lc(f"all-masked-{agg}", "No valid token: loss 0 and gradient 0 (a mean over nothing "
                        "is defined as 0, never 0/0).", inp))
    row0 = mask.copy()
    row0[1] = 0.0
    cases.append(lc("one-row-masked-seq-mean", "Row 1 fully masked: it contributes 0 and still counts in "
                    "B = 4 for seq_mean_token_mean.",
                    {"log_probs": lp, "ref_log_probs": ref, "mask": row0, "estimator": "k3", "kl_coef": 1.0,
                     "aggregation": "seq_mean_token_mean"}))
    cases += [
        err_case("error-missing-normalizer", "KLPenalty-7", "constant_normalizer needs normalizer.",
                 {"log_probs": [[-1.0]], "ref_log_probs": [[-1.2]], "aggregation": "constant_normalizer"},
                 "missing_input", eval_loss),
        err_case("error-normalizer-zero", "KLPenalty-7", "normalizer must be > 0.",
                 {"log_probs": [[-1.0]], "ref_log_probs": [[-1.2]], "aggregation": "constant_normalizer",
                  "normalizer": 0.0}, "out_of_range", eval_loss),
        err_case("error-unknown-aggregation", "KLPenalty-7", "aggregation 'sum' does not exist.",
                 {"log_probs": [[-1.0]], "ref_log_probs": [[-1.2]], "aggregation": "sum"},
                 "invalid_argument", eval_loss),
    ]
    return cases


def controller_cases():
    cases = []

    def cc(id, comment, inputs):
        return case(id, "KLPenalty-8", comment, inputs, eval_controller(inputs),
                    source={"kind": "hand", "reference": "Specs/KLPenalty.md KLPenalty-8 (Ziegler et al. 2019)"})

    base = {"kl_coef": 0.2, "target": 6.0, "horizon": 10000.0, "n_steps": 256}
    cases.append(cc("inside-band", "e = 6.6/6 - 1 = 0.1; beta' = 0.2*(1 + 0.1*256/10000) = 0.200512.",
                    dict(base, current_kl=6.6)))
    cases.append(cc("above-band-clipped", "e = 12/6 - 1 = 1 -> 0.2; beta' = 0.2*(1 + 0.2*0.0256) = 0.201024.",
                    dict(base, current_kl=12.0)))
    cases.append(cc("below-band-clipped", "e = 0/6 - 1 = -1 -> -0.2; beta' = 0.2*(1 - 0.2*0.0256) = 0.198976.",
                    dict(base, current_kl=0.0)))
    cases.append(cc("negative-kl-estimate", "a k1 batch estimate can be negative: e = -0.5/6 - 1 -> -0.2; "
                    "beta' = 0.198976.", dict(base, current_kl=-0.5)))
    cases.append(cc("on-target", "current = target: e = 0, beta unchanged (0.2).", dict(base, current_kl=6.0)))
    cases.append(cc("zero-steps", "n_steps = 0: beta unchanged whatever the error.",
                    dict(base, current_kl=100.0, n_steps=0)))
    cases.append(cc("n-steps-equals-horizon", "n_steps = horizon with e = -0.2: beta' = 0.2*0.8 = 0.16 "
                    "(largest allowed step).", dict(base, current_kl=1.0, n_steps=10000)))
    cases.append(cc("verl-like", "verl target_kl 0.1, horizon 10000, kl_coef 0.001, batch 1024: "
                    "e = 0.13/0.1 - 1 = 0.3 -> 0.2; beta' = 0.001*(1 + 0.2*0.1024) = 0.00102048.",
                    {"kl_coef": 0.001, "target": 0.1, "horizon": 10000.0, "n_steps": 1024, "current_kl": 0.13}))
    cases.append(cc("custom-error-clip", "error_clip 0.5: e = 9/6 - 1 = 0.5 stays (not clipped at 0.2); "
                    "beta' = 0.2*(1 + 0.5*0.0256) = 0.20256.",
                    dict(base, current_kl=9.0, error_clip=0.5)))
    cases.append(cc("kl-coef-zero-stays-zero", "beta = 0 is a fixed point of the multiplicative update.",
                    dict(base, kl_coef=0.0, current_kl=12.0)))
    assert abs(cases[0]["expected"]["new_kl_coef"] - 0.200512) < 1e-15
    assert abs(cases[1]["expected"]["new_kl_coef"] - 0.201024) < 1e-15
    assert abs(cases[2]["expected"]["new_kl_coef"] - 0.198976) < 1e-15
    cases += [
        err_case("error-target-zero", "KLPenalty-8", "target must be > 0.",
                 dict(base, current_kl=1.0, target=0.0), "out_of_range", eval_controller),
        err_case("error-horizon-zero", "KLPenalty-8", "horizon must be > 0 (verl asserts this).",
                 dict(base, current_kl=1.0, horizon=0.0), "out_of_range", eval_controller),
        err_case("error-steps-beyond-horizon", "KLPenalty-8",
                 "n_steps > horizon could make the multiplier <= 0 (sign flip of beta): rejected.",
                 dict(base, current_kl=1.0, n_steps=60000), "out_of_range", eval_controller),
        err_case("error-negative-steps", "KLPenalty-8", "n_steps must be >= 0.",
                 dict(base, current_kl=1.0, n_steps=-1), "out_of_range", eval_controller),
        err_case("error-current-nan", "KLPenalty-8", "current_kl must be finite.",
                 dict(base, current_kl="nan"), "non_finite", eval_controller),
        err_case("error-missing-target", "KLPenalty-8", "target is required.",
                 {"kl_coef": 0.2, "horizon": 10000.0, "n_steps": 1, "current_kl": 1.0}, "missing_input",
                 eval_controller),
    ]
    return cases


def enumeration_cases():
    rng = np.random.default_rng(20240304)
    cases = []

    def ec(id, comment, inputs):
        out = eval_enumeration(inputs)
        return case(id, "KLPenalty-9", comment, inputs, out)

    th1, rf1 = rng.normal(0, 1, (1, 3)), rng.normal(0, 1, (1, 3))
    cases.append(ec("one-step-v3", "Single token (max_length 1, V = 3): k2's pathwise gradient equals "
                    "grad KL exactly; k1's pathwise gradient is 0; k3's pathwise gradient equals the gradient of "
                    "the FORWARD KL(pi_ref || pi_theta); k1's score-function gradient and k3's total gradient "
                    "equal grad KL.", {"logits": th1, "ref_logits": rf1, "max_length": 1}))
    th3, rf3 = rng.normal(0, 1, (7, 3)), rng.normal(0, 1, (7, 3))
    cases.append(ec("sequence-v3-l3", "Sequences of length <= 3 over {0, 1, EOS = 2} (15 sequences, 7 prefixes): "
                    "sum over tokens of k1 and k3 have expectation KL; k2's pathwise gradient is NOT grad KL (it "
                    "misses the effect of early tokens on later KL terms); k1 score-function and k3 total "
                    "gradients equal grad KL.", {"logits": th3, "ref_logits": rf3, "max_length": 3}))
    cases.append(ec("sequence-identical", "pi_theta = pi_ref: KL 0 and every gradient 0 "
                    "(k1 pathwise is 0 in expectation, too).", {"logits": th3, "ref_logits": th3, "max_length": 3}))
    th2, rf2 = rng.normal(0, 2, (3, 3)), rng.normal(0, 2, (3, 3))
    cases.append(ec("sequence-v3-l2-far", "Length <= 2, logits with scale 2 (large divergence): same "
                    "conclusions, bigger gaps.", {"logits": th2, "ref_logits": rf2, "max_length": 2}))
    th4, rf4 = rng.normal(0, 1, (3, 2)), rng.normal(0, 1, (3, 2))
    cases.append(ec("sequence-v2-l3", "Binary vocabulary {0, EOS = 1}, length <= 3 (prefixes [], [0], [0,0]).",
                    {"logits": th4, "ref_logits": rf4, "max_length": 3}))
    cases += [
        err_case("error-prefix-count", "KLPenalty-9", "max_length 3 with V = 3 needs 7 prefix rows, got 3.",
                 {"logits": th2, "ref_logits": rf2, "max_length": 3}, "shape_mismatch", eval_enumeration),
        err_case("error-max-length-zero", "KLPenalty-9", "max_length must be in 1...4.",
                 {"logits": th1, "ref_logits": rf1, "max_length": 0}, "out_of_range", eval_enumeration),
    ]
    return cases


FORMS = ("per_token", "reward", "loss", "controller", "exact_enumeration")


def with_form(form, cases):
    """Puts the dispatch key "form" first in every case's inputs (Spec, "Golden inputs and outputs"):
    an evaluator does not see a case's equation id, so each case names the form it exercises."""
    assert form in FORMS
    for c in cases:
        c["inputs"] = {"form": form, **c["inputs"]}
    return cases


def form_cases():
    """An unknown form is an invalid argument (checked before anything else)."""
    inputs = {"form": "kl_loss", "log_probs": [[-1.0]], "ref_log_probs": [[-1.5]]}
    assert inputs["form"] not in FORMS
    return [case("error-unknown-form", "KLPenalty-1", "form 'kl_loss' does not exist (per_token, reward, "
                 "loss, controller, exact_enumeration).", inputs, {"error": "invalid_argument"}, flags=["error"])]


def main():
    src = generator_source(PROGRAM, "float64 NumPy/JAX reference; gradients by jax.vjp with where-based "
                                    "clamps (pass-through at a bound), checked against the hand formula.")
    write_file(SPEC, "estimators", "Per-token KL estimators k1, k2, k3, clamps and straight-through variants "
               "(KLPenalty-1..5): output kl [B,T], gradient w.r.t. log_probs.", src,
               with_form("per_token", estimator_cases()) + form_cases())
    write_file(SPEC, "reward", "KL as a per-token reward penalty plus the score on the last valid token "
               "(KLPenalty-6); rewards are data, not differentiated.", src, with_form("reward", reward_cases()))
    write_file(SPEC, "loss", "KL as a loss term beta*aggregate(kl) (KLPenalty-7), gradient w.r.t. log_probs.",
               src, with_form("loss", loss_cases()))
    write_file(SPEC, "controller", "Adaptive KL controller (KLPenalty-8), hand-computed.", src,
               with_form("controller", controller_cases()))
    write_file(SPEC, "exact_enumeration", "Exact enumeration over all sequences of a tiny autoregressive "
               "softmax policy (KLPenalty-9): KL, its gradient, and for each estimator its expectation, pathwise "
               "(loss-form) gradient, score-function (reward-form) gradient and their sum.", src,
               with_form("exact_enumeration", enumeration_cases()))


if __name__ == "__main__":
    main()
