"""Golden data for Specs/VLRMA2C.md: the A2C losses of VLRM (seed 004_531eaa20d30d8d4b.txt, Eq. 2-4).

Independent float64 reference: values with NumPy, gradients with JAX autodiff (x64). The normalized
advantage M is a constant for the policy loss (stop-gradient, as the paper says), so the generator
computes M with NumPy and feeds it to the JAX loss as a constant. Every gradient case is also checked
against central finite differences of the *full* forward function (M recomputed): where the two
disagree by design (M depends on `values`), the case carries the flags `stop_gradient` and
`nondifferentiable` (finite-difference check skipped, golden gradient compared).

Run from the package root: .venv-golden/bin/python GoldenData/_generators/gen_VLRMA2C.py
"""
from __future__ import annotations

import copy
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

jax.config.update("jax_enable_x64", True)

from golden_io import as_read, case, generator_source, tolerance, write_file  # noqa: E402

SPEC = "VLRMA2C"
PROGRAM = "GoldenData/_generators/gen_VLRMA2C.py"

AGGREGATIONS = ("token_mean", "seq_mean_token_mean", "seq_mean_token_sum", "constant_normalizer")  # PPOPolicyLoss names
POLICY_TERMS = ("probability", "log_probability")
STD_ESTIMATORS = ("unbiased", "population")
PLACEMENTS = ("std", "variance", "variance_floor")

DEFAULTS = {"policy_term": "probability", "aggregation": "token_mean", "std_estimator": "unbiased",
            "std_epsilon": 0.0, "epsilon_placement": "std", "normalizer": None}
PRESETS = {
    "paper": dict(DEFAULTS),
    "trl": {"policy_term": "log_probability", "aggregation": "token_mean", "std_estimator": "unbiased",
            "std_epsilon": 1e-8, "epsilon_placement": "variance"},
    "verl": {"policy_term": "log_probability", "aggregation": "token_mean", "std_estimator": "unbiased",
             "std_epsilon": 1e-8, "epsilon_placement": "variance"},
    "openRLHF": {"policy_term": "log_probability", "aggregation": "token_mean",
                 "std_estimator": "population", "std_epsilon": 1e-8, "epsilon_placement": "variance_floor"},
    "cleanRL": {"policy_term": "log_probability", "aggregation": "token_mean", "std_estimator": "unbiased",
                "std_epsilon": 1e-8, "epsilon_placement": "std"},
    "rl4vlm": {"policy_term": "log_probability", "aggregation": "token_mean", "std_estimator": "unbiased",
               "std_epsilon": 1e-5, "epsilon_placement": "std"},
}


from golden_io import SpecError as GoldenError  # noqa: E402


# ---------------------------------------------------------------------------------------------
# Reference forward (NumPy, float64), including validation -> error kinds of the Spec.
# ---------------------------------------------------------------------------------------------
def resolve_config(inp: dict) -> dict:
    cfg = dict(DEFAULTS)
    if "preset" in inp:
        if inp["preset"] not in PRESETS:
            raise GoldenError("invalid_argument")
        cfg = dict(PRESETS[inp["preset"]])
    for k in DEFAULTS:
        if k in inp:
            cfg[k] = inp[k]
    if cfg["policy_term"] not in POLICY_TERMS or cfg["aggregation"] not in AGGREGATIONS \
            or cfg["std_estimator"] not in STD_ESTIMATORS or cfg["epsilon_placement"] not in PLACEMENTS:
        raise GoldenError("invalid_argument")
    eps = cfg["std_epsilon"]
    if not np.isfinite(eps):
        raise GoldenError("non_finite")
    if eps < 0:
        raise GoldenError("out_of_range")
    if cfg["aggregation"] == "constant_normalizer":
        if cfg["normalizer"] is None:
            raise GoldenError("missing_input")
        if not np.isfinite(cfg["normalizer"]):
            raise GoldenError("non_finite")
        if cfg["normalizer"] <= 0:
            raise GoldenError("out_of_range")
    return cfg


def validate(inp: dict):
    has_logits = "logits" in inp
    has_lp = "log_probs" in inp
    if "values" not in inp or "returns" not in inp:
        raise GoldenError("missing_input")
    if has_logits and has_lp:
        raise GoldenError("invalid_argument")
    if not has_logits and not has_lp:
        raise GoldenError("missing_input")
    if has_logits and "tokens" not in inp:
        raise GoldenError("missing_input")
    if len(inp["values"]) == 0:  # B = 0: `[]` carries no inner shape, so this comes before shape checks
        raise GoldenError("empty")
    values = np.asarray(inp["values"], dtype=np.float64)
    returns = np.asarray(inp["returns"], dtype=np.float64)
    if values.ndim != 2:
        raise GoldenError("shape_mismatch")
    B, T = values.shape
    if T == 0:
        raise GoldenError("empty")
    if returns.shape != (B, T):
        raise GoldenError("shape_mismatch")
    if has_logits:
        logits = np.asarray(inp["logits"], dtype=np.float64)
        tokens = np.asarray(inp["tokens"])
        if logits.ndim != 3 or logits.shape[:2] != (B, T) or tokens.shape != (B, T):
            raise GoldenError("shape_mismatch")
        V = logits.shape[2]
    else:
        lp = np.asarray(inp["log_probs"], dtype=np.float64)
        if lp.shape != (B, T):
            raise GoldenError("shape_mismatch")
        V = 1
    mask = np.asarray(inp["mask"], dtype=np.float64) if "mask" in inp else np.ones((B, T))
    if mask.shape != (B, T):
        raise GoldenError("shape_mismatch")
    if B == 0 or T == 0 or V == 0:
        raise GoldenError("empty")
    floats = [values, returns] + ([logits] if has_logits else [lp])
    if any(not np.all(np.isfinite(a)) for a in floats) or not np.all(np.isfinite(mask)):
        raise GoldenError("non_finite")
    if not np.all((mask == 0) | (mask == 1)):
        raise GoldenError("invalid_argument")
    if has_logits:
        if not np.all(tokens == np.round(tokens)):
            raise GoldenError("invalid_argument")
        if np.any(tokens < 0) or np.any(tokens >= V):
            raise GoldenError("out_of_range")
    cfg = resolve_config(inp)
    return cfg, mask


def token_log_probs(logits: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    mx = logits.max(axis=-1, keepdims=True)
    lse = (mx + np.log(np.exp(logits - mx).sum(axis=-1, keepdims=True)))[..., 0]
    picked = np.take_along_axis(logits, tokens[..., None].astype(np.int64), axis=-1)[..., 0]
    return picked - lse


def aggregation_weights(mask: np.ndarray, cfg: dict) -> np.ndarray:
    """w[b,t] with loss = sum(w * x); the same aggregation names and rules as PPOPolicyLoss-4."""
    B, T = mask.shape
    aggregation = cfg["aggregation"]
    if aggregation == "token_mean":
        return mask / max(mask.sum(), 1.0)
    if aggregation == "seq_mean_token_mean":  # empty rows contribute 0 and still count in B
        return mask / np.maximum(mask.sum(axis=1, keepdims=True), 1.0) / B
    if aggregation == "seq_mean_token_sum":
        return mask / B
    return mask / (B * cfg["normalizer"])


def normalized_advantages(adv: np.ndarray, mask: np.ndarray, cfg: dict) -> np.ndarray:
    real = adv[mask == 1]
    n = real.size
    if n == 0 or np.max(real) == np.min(real):
        return np.zeros_like(adv)
    mu = real.sum() / n
    ss = ((real - mu) ** 2).sum()
    var = ss / (n - 1) if cfg["std_estimator"] == "unbiased" else ss / n
    eps = cfg["std_epsilon"]
    pl = cfg["epsilon_placement"]
    if pl == "std":
        denom = np.sqrt(var) + eps
    elif pl == "variance":
        denom = np.sqrt(var + eps)
    else:
        denom = np.sqrt(max(var, eps))
    if denom == 0:
        return np.zeros_like(adv)
    return np.where(mask == 1, (adv - mu) / denom, 0.0)


def forward(inp: dict) -> dict:
    cfg, mask = validate(inp)
    values = np.asarray(inp["values"], dtype=np.float64)
    returns = np.asarray(inp["returns"], dtype=np.float64)
    if "logits" in inp:
        lp = token_log_probs(np.asarray(inp["logits"], dtype=np.float64), np.asarray(inp["tokens"]))
    else:
        lp = np.asarray(inp["log_probs"], dtype=np.float64)
    w = aggregation_weights(mask, cfg)
    adv = np.where(mask == 1, returns - values, 0.0)
    M = normalized_advantages(adv, mask, cfg)
    f = np.exp(lp) if cfg["policy_term"] == "probability" else lp
    policy_loss = -np.sum(w * f * M)
    value_loss = np.sum(w * (returns - values) ** 2)
    return {"policy_loss": float(policy_loss) + 0.0, "value_loss": float(value_loss) + 0.0,
            "advantages": adv + 0.0, "advantages_normalized": M + 0.0}


# ---------------------------------------------------------------------------------------------
# Gradients (JAX autodiff, M as a constant) and a finite-difference consistency probe.
# ---------------------------------------------------------------------------------------------
def jax_grads(inp: dict, cot: dict) -> dict:
    cfg, mask = validate(inp)
    ref = forward(inp)
    M = jnp.asarray(ref["advantages_normalized"])
    w = jnp.asarray(aggregation_weights(mask, cfg))
    returns = jnp.asarray(np.asarray(inp["returns"], dtype=np.float64))
    prob = cfg["policy_term"] == "probability"
    use_logits = "logits" in inp

    def scalar(x, values):
        if use_logits:
            tokens = jnp.asarray(np.asarray(inp["tokens"], dtype=np.int64))
            logp_all = jax.nn.log_softmax(x, axis=-1)
            lp = jnp.take_along_axis(logp_all, tokens[..., None], axis=-1)[..., 0]
        else:
            lp = x
        f = jnp.exp(lp) if prob else lp
        pol = -jnp.sum(w * f * M)
        val = jnp.sum(w * (returns - values) ** 2)
        return cot["policy_loss"] * pol + cot["value_loss"] * val, (pol, val)

    key = "logits" if use_logits else "log_probs"
    x0 = jnp.asarray(np.asarray(inp[key], dtype=np.float64))
    v0 = jnp.asarray(np.asarray(inp["values"], dtype=np.float64))
    (gx, gv), (pol, val) = jax.grad(scalar, argnums=(0, 1), has_aux=True)(x0, v0)
    # cross-check of the NumPy forward against the JAX forward
    assert abs(float(pol) - ref["policy_loss"]) <= 1e-12 + 1e-12 * abs(ref["policy_loss"])
    assert abs(float(val) - ref["value_loss"]) <= 1e-12 + 1e-12 * abs(ref["value_loss"])
    return {key: np.asarray(gx) + 0.0, "values": np.asarray(gv) + 0.0}  # + 0.0 turns -0.0 into 0.0


def fd_agrees(inp: dict, cot: dict, grads: dict) -> bool:
    """Central differences of the full forward (M recomputed) vs the golden gradient, README policy."""
    def L(i):
        o = forward(i)
        return cot["policy_loss"] * o["policy_loss"] + cot["value_loss"] * o["value_loss"]
    for name, g in grads.items():
        base = np.asarray(inp[name], dtype=np.float64)
        it = np.nditer(base, flags=["multi_index"])
        for x in it:
            idx = it.multi_index
            h = 1e-6 * max(1.0, abs(float(x)))
            ip, im = copy.deepcopy(inp), copy.deepcopy(inp)
            a, b = base.copy(), base.copy()
            a[idx] += h
            b[idx] -= h
            ip[name], im[name] = a, b
            fd = (L(ip) - L(im)) / (2 * h)
            if abs(fd - g[idx]) > 1e-6 + 1e-5 * abs(g[idx]):
                return False
    return True




def make_case(cid, equation, comment, inputs, cot=None, flags=None, expect_fd=True, source=None, tol=None):
    flags = list(flags or [])
    inputs = as_read(inputs)
    out = forward(inputs)
    grads = None
    if cot is not None:
        grads = jax_grads(inputs, cot)
        agrees = fd_agrees(inputs, cot, grads)
        if expect_fd and not agrees:
            raise AssertionError(f"{cid}: finite differences disagree with the golden gradient")
        if not expect_fd:
            if agrees:
                raise AssertionError(f"{cid}: expected the stop-gradient to be visible to finite differences")
            flags += ["stop_gradient", "nondifferentiable"]
    return case(cid, equation, comment, inputs, out, flags=flags, cotangents=cot, gradients=grads,
                source=source, tol=tol)




def error_case(cid, equation, comment, inputs, kind):
    try:
        forward(as_read(inputs))
    except GoldenError as e:
        assert e.kind == kind, (cid, e.kind, kind)
    else:
        raise AssertionError(f"{cid}: expected error {kind}")
    return case(cid, equation, comment, inputs, {"error": kind}, flags=["error"])


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------
def rnd(rng, *shape, scale=1.0):
    return np.round(rng.normal(0.0, scale, size=shape), 6)


STOPGRAD_NOTE = (" Gradient w.r.t. `values` has only the value-loss path (M is a stop-gradient constant in the "
                 "policy loss); finite differences of the forward see M move with `values`, hence the flags.")


def basic_cases() -> list:
    rng = np.random.default_rng(4004)
    cases = []

    # Hand case: B=1, T=2, V=2, logits 0 -> p = 0.5 for both tokens.
    hand = {"logits": [[[0.0, 0.0], [0.0, 0.0]]], "tokens": [[0, 1]], "values": [[0.0, 0.0]],
            "returns": [[1.0, 0.0]]}
    cases.append(make_case(
        "hand-two-tokens", "VLRMA2C-5",
        "Hand: A=[1,0], mean 0.5, unbiased std sqrt(0.5), M=[+1/sqrt2,-1/sqrt2]; policy loss "
        "-(0.5*M1+0.5*M2)/2 = 0; value loss (1+0)/2 = 0.5; dLp/dz[0] = -(1/2)*M1*p*(onehot-p) = "
        "[-0.0883883476,+0.0883883476]; dLv/dV = -2*(R-V)/2 = [-1, 0]. With n=2, M = +-1/sqrt2 "
        "whatever V is (as long as A1 != A2), so finite differences agree.",
        hand, cot={"policy_loss": 1.0, "value_loss": 1.0},
        source={"kind": "hand", "reference": "Specs/VLRMA2C.md, Golden inputs and outputs (hand case)"}))

    B, T, V = 3, 5, 6
    logits = rnd(rng, B, T, V, scale=1.5)
    tokens = rng.integers(0, V, size=(B, T))
    values = rnd(rng, B, T)
    returns = rnd(rng, B, T, scale=2.0)
    mask = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 1, 1, 1, 0]], dtype=float)
    base = {"logits": logits, "tokens": tokens, "values": values, "returns": returns, "mask": mask}
    cp, cv = float(np.round(rng.normal(), 6)), float(np.round(rng.normal(), 6))

    cases.append(make_case(
        "random-token-mean-probability", "VLRMA2C-5",
        "Paper defaults: p_k = softmax(logits)[token], token-mean over the 12 real tokens, unbiased std, "
        "no epsilon; random cotangents on both losses." + STOPGRAD_NOTE,
        dict(base), cot={"policy_loss": cp, "value_loss": cv}, expect_fd=False))
    cases.append(make_case(
        "random-value-loss-cotangent-only", "VLRMA2C-2",
        "Same inputs with cotangent 0 on the policy loss: the gradient w.r.t. logits is 0 and the one "
        "w.r.t. values is -2(R-V)/n on real tokens; finite differences agree.",
        dict(base), cot={"policy_loss": 0.0, "value_loss": 1.0}))
    cases.append(make_case(
        "random-policy-log-probability", "VLRMA2C-5",
        "policy_term = log_probability: loss -1/n sum log p_k M_k (the usual policy-gradient form)."
        + STOPGRAD_NOTE,
        dict(base, policy_term="log_probability"), cot={"policy_loss": cp, "value_loss": cv},
        expect_fd=False))
    cases.append(make_case(
        "random-population-std", "VLRMA2C-4",
        "Same inputs as random-token-mean-probability with std_estimator = population (divide by n)."
        + STOPGRAD_NOTE,
        dict(base, std_estimator="population"), cot={"policy_loss": cp, "value_loss": cv}, expect_fd=False))
    cases.append(make_case(
        "random-seq-mean-token-mean", "VLRMA2C-5",
        "aggregation = seq_mean_token_mean: each caption's 1/n_b sum, then the mean over captions "
        "(literal reading of Eq. 2 and 4 'for a given caption'). M still uses batch statistics."
        + STOPGRAD_NOTE,
        dict(base, aggregation="seq_mean_token_mean"), cot={"policy_loss": cp, "value_loss": cv},
        expect_fd=False))
    cases.append(make_case(
        "random-constant-normalizer", "VLRMA2C-5",
        "aggregation = constant_normalizer with normalizer 8: sum over real tokens / (B * 8)." + STOPGRAD_NOTE,
        dict(base, aggregation="constant_normalizer", normalizer=8.0), cot={"policy_loss": cp, "value_loss": cv},
        expect_fd=False))
    cases.append(make_case(
        "random-seq-mean-token-sum", "VLRMA2C-5",
        "aggregation = seq_mean_token_sum: sum over each caption's real tokens, mean over the B rows."
        + STOPGRAD_NOTE,
        dict(base, aggregation="seq_mean_token_sum"), cot={"policy_loss": cp, "value_loss": cv},
        expect_fd=False))
    cases.append(make_case(
        "random-epsilon-on-std", "VLRMA2C-4",
        "std_epsilon = 0.1 added to the std: M = (A - mean)/(std + 0.1)." + STOPGRAD_NOTE,
        dict(base, std_epsilon=0.1, epsilon_placement="std"), cot={"policy_loss": cp, "value_loss": cv},
        expect_fd=False))
    cases.append(make_case(
        "random-epsilon-in-variance", "VLRMA2C-4",
        "std_epsilon = 0.1 inside the square root: M = (A - mean)/sqrt(var + 0.1)." + STOPGRAD_NOTE,
        dict(base, std_epsilon=0.1, epsilon_placement="variance"), cot={"policy_loss": cp, "value_loss": cv},
        expect_fd=False))

    # log_probs input form (log-probs of the same tokens), gradients w.r.t. log_probs
    lp = token_log_probs(logits, tokens)
    cases.append(make_case(
        "log-probs-input", "VLRMA2C-5",
        "Alternative input form: `log_probs` [B,T] instead of logits+tokens (values equal "
        "log_softmax(logits)[tokens] of random-token-mean-probability, so the losses match it); gradient "
        "w.r.t. log_probs is -w_k M_k p_k." + STOPGRAD_NOTE,
        {"log_probs": lp, "values": values, "returns": returns, "mask": mask},
        cot={"policy_loss": cp, "value_loss": cv}, expect_fd=False))

    # presets
    cases.append(make_case(
        "preset-openrlhf", "VLRMA2C-4",
        "preset openRLHF: population variance, M = (A - mean) * rsqrt(max(var, 1e-8)), log-probability "
        "policy term." + STOPGRAD_NOTE,
        dict(base, preset="openRLHF"), cot={"policy_loss": cp, "value_loss": cv}, expect_fd=False))
    cases.append(make_case(
        "preset-rl4vlm-with-override", "VLRMA2C-4",
        "preset rl4vlm (unbiased std + 1e-5, log-probability) with an explicit override "
        "policy_term = probability: explicit keys win over the preset." + STOPGRAD_NOTE,
        dict(base, preset="rl4vlm", policy_term="probability"), cot={"policy_loss": cp, "value_loss": cv},
        expect_fd=False))

    # Paper Table 1 returns: R(t_k) = r0 + r1 - {7,6,5,4,...,0}; with r0 + r1 = 1.5 and V = 0.
    penalties = np.array([7, 6, 5, 4, 4, 4, 4, 4, 4, 4, 4, 3, 2, 1, 0, 0], dtype=float)
    T1 = penalties.size
    ret1 = (1.5 - penalties)[None, :]
    logits1 = rnd(rng, 1, T1, 4)
    tokens1 = rng.integers(0, 4, size=(1, T1))
    cases.append(make_case(
        "paper-table1-returns", "VLRMA2C-4",
        "Returns of seed 004 Table 1 ('an image of a man in green shirt and green shirt is talking about "
        "a car', bad phrases and one repeat) with sim + ref = r0 + r1 = 1.5 and V = 0; EOS row left out "
        "(its return is not legible in the extraction). M does not depend on r0 + r1." + STOPGRAD_NOTE,
        {"logits": logits1, "tokens": tokens1, "values": np.zeros((1, T1)), "returns": ret1},
        cot={"policy_loss": 1.0, "value_loss": 0.5}, expect_fd=False,
        source={"kind": "paper", "reference": "004_531eaa20d30d8d4b.txt Table 1 (returns), values by generator"}))
    return cases


def edge_cases() -> list:
    rng = np.random.default_rng(4005)
    cases = []
    B, T, V = 2, 3, 4
    logits = rnd(rng, B, T, V)
    tokens = rng.integers(0, V, size=(B, T))
    values = rnd(rng, B, T)
    returns = rnd(rng, B, T)

    cases.append(make_case(
        "single-real-token", "VLRMA2C-4",
        "Only one real token (n = 1): the unbiased std is undefined, spread is zero by definition, "
        "so M = 0, policy loss 0 and no policy gradient; value loss = (R - V)^2 of that token.",
        {"logits": logits, "tokens": tokens, "values": values, "returns": returns,
         "mask": [[0, 1, 0], [0, 0, 0]]}, cot={"policy_loss": 1.0, "value_loss": 1.0}))
    cases.append(make_case(
        "single-real-token-log-probability-verl", "VLRMA2C-4",
        "n = 1 under preset verl (verl's masked_var raises here; this Spec returns M = 0).",
        {"logits": logits, "tokens": tokens, "values": values, "returns": returns,
         "mask": [[0, 0, 0], [0, 0, 1]], "preset": "verl"}, cot={"policy_loss": 1.0, "value_loss": 1.0}))

    two_mask = [[1, 0, 0], [0, 0, 1]]
    cases.append(make_case(
        "two-real-tokens-probability", "VLRMA2C-5",
        "Exactly two real tokens with different advantages: M = +-1/sqrt(2) (unbiased, no epsilon) whatever "
        "the values are, so the stop-gradient is invisible and finite differences check the logits and "
        "values gradients of the probability policy term.",
        {"logits": logits, "tokens": tokens, "values": values, "returns": returns, "mask": two_mask},
        cot={"policy_loss": 1.3, "value_loss": -0.4}))
    cases.append(make_case(
        "two-real-tokens-log-probs-population", "VLRMA2C-5",
        "Two real tokens, log_probs input, population std (M = +-1), log-probability policy term; "
        "finite-difference checkable like the previous case.",
        {"log_probs": token_log_probs(logits, tokens), "values": values, "returns": returns, "mask": two_mask,
         "std_estimator": "population", "policy_term": "log_probability"},
        cot={"policy_loss": 0.6, "value_loss": 0.9}))

    eq_values = np.array([[0.25, -0.5, 1.0], [0.75, 0.0, 0.125]])
    eq_returns = eq_values + 0.5  # exact in binary: R - V == 0.5 bit for bit, in float32 too
    cases.append(make_case(
        "all-advantages-equal", "VLRMA2C-4",
        "R - V = 0.5 exactly on every real token (5 tokens, binary fractions so the subtraction is exact): "
        "zero spread, M = 0 exactly, policy loss 0; value loss 0.25." + STOPGRAD_NOTE
        + " Here the jump is a discontinuity: any perturbation of one value makes M of order 1.",
        {"logits": logits, "tokens": tokens, "values": eq_values, "returns": eq_returns,
         "mask": [[1, 1, 1], [1, 1, 0]]}, cot={"policy_loss": 1.0, "value_loss": 1.0}, expect_fd=False))
    cases.append(make_case(
        "all-advantages-equal-preset-trl", "VLRMA2C-4",
        "Same zero-spread input under preset trl (epsilon 1e-8 inside rsqrt): M = 0 exactly." + STOPGRAD_NOTE,
        {"logits": logits, "tokens": tokens, "values": eq_values, "returns": eq_returns,
         "mask": [[1, 1, 1], [1, 1, 0]], "preset": "trl"}, cot={"policy_loss": 1.0, "value_loss": 1.0},
        expect_fd=False))
    near_returns = eq_returns + np.array([[0.0, 1e-9, 0.0], [-1e-9, 0.0, 0.0]])
    cases.append(make_case(
        "near-equal-advantages", "VLRMA2C-4",
        "Advantages differ by 1e-9: with no epsilon the normalization blows the differences up to "
        "order 1 (the discontinuity next to the zero-spread rule). Float32 cannot resolve 1e-9 on "
        "values near 0.5, hence float64_only. Tolerance: M divides differences of order 1e-9 computed "
        "from inputs of order 1, so float64 cancellation leaves a relative error near 1e-7 in M; "
        "atol 1e-6 / rtol 1e-5 on this case." + STOPGRAD_NOTE,
        {"logits": logits, "tokens": tokens, "values": eq_values, "returns": near_returns,
         "mask": [[1, 1, 1], [1, 1, 0]]}, cot={"policy_loss": 1.0, "value_loss": 1.0}, expect_fd=False,
        flags=["float64_only"], tol=tolerance(f64_atol=1e-6, f64_rtol=1e-5)))
    cases.append(make_case(
        "all-masked", "VLRMA2C-2",
        "No real token: both losses 0, advantages and M all 0, all gradients 0.",
        {"logits": logits, "tokens": tokens, "values": values, "returns": returns,
         "mask": [[0, 0, 0], [0, 0, 0]]}, cot={"policy_loss": 1.0, "value_loss": 1.0}))
    cases.append(make_case(
        "all-masked-seq-mean-token-mean", "VLRMA2C-2",
        "No real token with seq_mean_token_mean (no non-empty caption): both losses 0.",
        {"logits": logits, "tokens": tokens, "values": values, "returns": returns,
         "mask": [[0, 0, 0], [0, 0, 0]], "aggregation": "seq_mean_token_mean"},
        cot={"policy_loss": 1.0, "value_loss": 1.0}))
    cases.append(make_case(
        "empty-caption-row-seq-mean-token-mean", "VLRMA2C-5",
        "Row 1 has no real token: with seq_mean_token_mean it contributes 0 and still counts in B = 2 "
        "(PPOPolicyLoss-4 rule: its token sum is divided by max(0, 1) = 1)."
        + STOPGRAD_NOTE,
        {"logits": logits, "tokens": tokens, "values": values, "returns": returns,
         "mask": [[1, 1, 1], [0, 0, 0]], "aggregation": "seq_mean_token_mean"},
        cot={"policy_loss": 1.0, "value_loss": 1.0}, expect_fd=False))

    # variance floor active vs inactive
    # binary fractions: R - V is exact in float32 as well, so the tiny spread is not cancellation noise
    fvalues = np.round(values * 256) / 256
    small_returns = fvalues + np.array([[1.0, -2.0, 0.5], [0.0, 1.5, -1.0]]) * 2.0 ** -10
    cases.append(make_case(
        "variance-floor-active", "VLRMA2C-4",
        "epsilon_placement = variance_floor with std_epsilon = 1e-4 and a population variance ~1.3e-6 < 1e-4: "
        "the floor wins, M = (A - mean)/1e-2. Values and returns are binary fractions (A exact in float32)."
        + STOPGRAD_NOTE,
        {"logits": logits, "tokens": tokens, "values": fvalues, "returns": small_returns,
         "std_estimator": "population", "std_epsilon": 1e-4, "epsilon_placement": "variance_floor"},
        cot={"policy_loss": 1.0, "value_loss": 1.0}, expect_fd=False))
    cases.append(make_case(
        "variance-floor-inactive", "VLRMA2C-4",
        "variance_floor with std_epsilon = 1e-8, below the variance: M = (A - mean)/std." + STOPGRAD_NOTE,
        {"logits": logits, "tokens": tokens, "values": fvalues, "returns": small_returns,
         "std_estimator": "population", "std_epsilon": 1e-8, "epsilon_placement": "variance_floor"},
        cot={"policy_loss": 1.0, "value_loss": 1.0}, expect_fd=False))
    # no mask key: all tokens real
    cases.append(make_case(
        "mask-omitted", "VLRMA2C-5",
        "No `mask` key: every position is real (n = B*T = 6)." + STOPGRAD_NOTE,
        {"logits": logits, "tokens": tokens, "values": values, "returns": returns},
        cot={"policy_loss": -0.7, "value_loss": 0.3}, expect_fd=False))
    # the advantage itself (VLRMA2C-3): R - V on real tokens, exactly 0 on padding whatever R and V hold there
    pad_values = np.array([[0.5, -0.25, 3.0], [1.0, 0.0, -2.0]])
    pad_returns = np.array([[1.0, 0.5, -7.0], [0.75, 0.0, 5.0]])
    cases.append(make_case(
        "advantages-zero-on-padding", "VLRMA2C-3",
        "Hand: A = m*(R - V) = [[0.5, 0.75, 0], [-0.25, 0, 0]] (binary fractions, exact in float32); the padded "
        "column holds R - V = -10 and 7, which must not leak into A, M or the losses. Value loss (token mean over "
        "n = 4) = (0.25 + 0.5625 + 0.0625 + 0)/4 = 0.21875. Cotangent on the value loss only (policy 0), so "
        "finite differences check the values gradient -2 w (R - V) = [[-0.25, -0.375, 0], [0.125, 0, 0]].",
        {"log_probs": [[-0.5, -1.25, -0.75], [-2.0, -0.125, -1.0]], "values": pad_values, "returns": pad_returns,
         "mask": [[1, 1, 0], [1, 1, 0]]},
        cot={"policy_loss": 0.0, "value_loss": 1.0},
        source={"kind": "hand", "reference": "Specs/VLRMA2C.md, VLRMA2C-2 and VLRMA2C-3"}))
    return cases


def error_cases() -> list:
    base = {"logits": [[[0.1, 0.2, 0.3], [0.0, -0.5, 0.4]]], "tokens": [[0, 2]],
            "values": [[0.1, 0.2]], "returns": [[1.0, 0.5]], "mask": [[1, 1]]}
    out = []

    def mod(**kw):
        d = copy.deepcopy(base)
        for k, v in kw.items():
            if v is None:
                d.pop(k)
            else:
                d[k] = v
        return d

    out.append(error_case("error-token-out-of-range", "VLRMA2C-1", "token id 3 with V = 3",
                          mod(tokens=[[0, 3]]), "out_of_range"))
    out.append(error_case("error-negative-token", "VLRMA2C-1", "token id -1",
                          mod(tokens=[[-1, 0]]), "out_of_range"))
    out.append(error_case("error-values-shape", "VLRMA2C-2", "values [1,3] vs logits [1,2,3]",
                          mod(values=[[0.1, 0.2, 0.3]]), "shape_mismatch"))
    out.append(error_case("error-mask-shape", "VLRMA2C-2", "mask [1,1] vs [1,2]",
                          mod(mask=[[1]]), "shape_mismatch"))
    out.append(error_case("error-both-input-forms", "VLRMA2C-1", "logits and log_probs both given",
                          mod(log_probs=[[-1.0, -1.0]]), "invalid_argument"))
    out.append(error_case("error-no-policy-input", "VLRMA2C-1", "neither logits nor log_probs",
                          mod(logits=None, tokens=None), "missing_input"))
    out.append(error_case("error-logits-without-tokens", "VLRMA2C-1", "logits without tokens",
                          mod(tokens=None), "missing_input"))
    out.append(error_case("error-missing-returns", "VLRMA2C-2", "no returns",
                          mod(returns=None), "missing_input"))
    out.append(error_case("error-nan-value", "VLRMA2C-2", "NaN in values (even a masked one is rejected)",
                          mod(values=[[0.1, "nan"]], mask=[[1, 0]]), "non_finite"))
    out.append(error_case("error-inf-logit", "VLRMA2C-1", "+inf logit",
                          mod(logits=[[[0.1, "inf", 0.3], [0.0, -0.5, 0.4]]]), "non_finite"))
    out.append(error_case("error-unknown-aggregation", "VLRMA2C-2", "aggregation 'sum'",
                          mod(aggregation="sum"), "invalid_argument"))
    out.append(error_case("error-unknown-preset", "VLRMA2C-4", "preset 'ppo'",
                          mod(preset="ppo"), "invalid_argument"))
    out.append(error_case("error-normalizer-missing", "VLRMA2C-2", "constant_normalizer without normalizer",
                          mod(aggregation="constant_normalizer"), "missing_input"))
    out.append(error_case("error-normalizer-zero", "VLRMA2C-2", "normalizer 0",
                          mod(aggregation="constant_normalizer", normalizer=0.0), "out_of_range"))
    out.append(error_case("error-negative-epsilon", "VLRMA2C-4", "std_epsilon -1e-8",
                          mod(std_epsilon=-1e-8), "out_of_range"))
    out.append(error_case("error-mask-not-binary", "VLRMA2C-2", "mask value 0.5",
                          mod(mask=[[1, 0.5]]), "invalid_argument"))
    out.append(error_case("error-empty-batch", "VLRMA2C-2", "B = 0",
                          {"logits": np.zeros((0, 2, 3)), "tokens": np.zeros((0, 2), dtype=int),
                           "values": np.zeros((0, 2)), "returns": np.zeros((0, 2))}, "empty"))
    return out


def main():
    src = generator_source(PROGRAM, "NumPy float64 forward, JAX x64 autodiff gradients with M held constant")
    write_file(SPEC, "basic", "VLRM A2C losses: hand case, defaults, policy-term, std, epsilon, aggregation and "
               "preset variants, log_probs input form, returns of the paper's Table 1", src, basic_cases())
    write_file(SPEC, "edge_cases", "Single real token, zero-spread and near-zero-spread advantages, all-masked "
               "batches, empty rows, variance floor, omitted mask", src, edge_cases())
    write_file(SPEC, "errors", "Invalid inputs and the error kind each must produce", src, error_cases())


if __name__ == "__main__":
    main()
