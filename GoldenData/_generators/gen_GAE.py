"""Golden cases for Specs/GAE.md (generalized advantage estimation with masks, termination,
truncation bootstrap, reward placement and optional whitening).

Independent float64 reference: the recursion is written directly from the Spec's equations
(GAE-1 .. GAE-5) as a small JAX program; gradients come from jax.vjp with random cotangents,
except on the two whitening kinks (Spec "Gradient"), where the stated subgradient of the
whitening step is computed explicitly and chained through the (linear) recursion's VJP.

Run from the package root:  .venv-golden/bin/python GoldenData/_generators/gen_GAE.py
"""
from __future__ import annotations

import os
import sys

import numpy as np
import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_io import case, tolerance, generator_source, write_file  # noqa: E402

SPEC = "GAE"
PROGRAM = "GoldenData/_generators/gen_GAE.py"

# ----------------------------------------------------------------------------------------------
# Conventions (Spec "Conventions and presets")
# ----------------------------------------------------------------------------------------------
DEFAULTS = {  # = preset "paper" (seed 000: gamma 0.99, GAE lambda 0.95)
    "gamma": 0.99, "lambda": 0.95, "masked_steps": "skip", "truncation_as_termination": False,
    "placement": "last_token", "whiten": False, "whiten_variance": "unbiased",
    "whiten_epsilon": 1e-8, "whiten_epsilon_placement": "inside_sqrt", "whiten_shift_mean": True,
}
PRESETS = {
    "paper": dict(DEFAULTS),
    "cleanRL": dict(DEFAULTS, truncation_as_termination=True, whiten_epsilon_placement="outside_sqrt"),
    # trl (TRL 0.29.1 PPO), verl (0.9.1), openRLHF (0.11.2) have no truncation input: the value after the
    # last response token is always 0, so a truncated step is treated as a terminal one.
    "trl": dict(DEFAULTS, gamma=1.0, **{"lambda": 0.95}, masked_steps="zero_fill", truncation_as_termination=True,
                placement="after_last_token", whiten=True),
    "verl": dict(DEFAULTS, gamma=1.0, **{"lambda": 1.0}, truncation_as_termination=True, whiten=True),
    "openRLHF": dict(DEFAULTS, gamma=1.0, **{"lambda": 1.0}, masked_steps="zero_fill", truncation_as_termination=True,
                     whiten=True, whiten_variance="population", whiten_epsilon_placement="clamp"),
    "rl4vlm": dict(DEFAULTS, gamma=0.9, **{"lambda": 0.95}, truncation_as_termination=True, whiten=True,
                   whiten_epsilon=1e-5, whiten_epsilon_placement="outside_sqrt"),
}
STRING_CHOICES = {
    "masked_steps": ("skip", "zero_fill"),
    "placement": ("last_token", "after_last_token"),
    "whiten_variance": ("unbiased", "population"),
    "whiten_epsilon_placement": ("inside_sqrt", "outside_sqrt", "clamp"),
}
BOOL_KEYS = ("truncation_as_termination", "whiten", "whiten_shift_mean")
FLOAT_2D = ("rewards", "values", "truncation_values")
FLOAT_1D = ("last_values", "sequence_rewards")
FLAG_2D = ("mask", "terminated", "truncated")
DIFF_KEYS = ("rewards", "values", "last_values", "truncation_values", "sequence_rewards")


class GAEError(Exception):
    def __init__(self, kind):
        super().__init__(kind)
        self.kind = kind


def _num(x):
    """JSON number or the strings 'nan'/'inf'/'-inf' -> float."""
    if isinstance(x, str):
        return float(x)
    return float(x)


def _arr(x, dtype=float):
    def conv(v):
        if isinstance(v, list):
            return [conv(u) for u in v]
        if isinstance(v, bool):
            return float(v)
        return _num(v)
    return np.array(conv(x), dtype=dtype)


def resolve(inputs):
    """Preset + explicit keys -> full parameter dict, validated (Spec "Errors", steps 1-2 and 6)."""
    if "preset" in inputs:
        if inputs["preset"] not in PRESETS:
            raise GAEError("invalid_argument")
        params = dict(PRESETS[inputs["preset"]])
    else:
        params = dict(DEFAULTS)
    for k in DEFAULTS:
        if k in inputs:
            params[k] = inputs[k]
    for k, choices in STRING_CHOICES.items():
        if params[k] not in choices:
            raise GAEError("invalid_argument")
    for k in BOOL_KEYS:
        if not isinstance(params[k], bool):
            raise GAEError("invalid_argument")
    return params


def validate(inputs):
    """Returns (params, arrays) or raises GAEError, checking in the Spec's order."""
    params = resolve(inputs)                                             # 1. strings / preset
    if "values" not in inputs or ("rewards" not in inputs and "sequence_rewards" not in inputs):
        raise GAEError("missing_input")                                  # 2. required inputs
    a = {}
    for k in FLOAT_2D + FLOAT_1D + FLAG_2D:
        if k in inputs:
            a[k] = _arr(inputs[k])
    V = a["values"]                                                      # 3. shapes
    if V.ndim != 2:
        raise GAEError("shape_mismatch")
    B, T = V.shape
    for k in FLOAT_2D + FLAG_2D:
        if k in a and a[k].shape != (B, T):
            raise GAEError("shape_mismatch")
    for k in FLOAT_1D:
        if k in a and a[k].shape != (B,):
            raise GAEError("shape_mismatch")
    for k in FLAG_2D:                                                    # 4. flags in {0, 1}
        if k in a and not np.all((a[k] == 0) | (a[k] == 1)):
            raise GAEError("invalid_argument")
    for k in FLOAT_2D + FLOAT_1D:                                        # 5. finiteness
        if k in a and not np.all(np.isfinite(a[k])):
            raise GAEError("non_finite")
    for k in ("gamma", "lambda", "whiten_epsilon"):
        if not np.isfinite(_num(params[k])):
            raise GAEError("non_finite")
    if not (0.0 <= params["gamma"] <= 1.0 and 0.0 <= params["lambda"] <= 1.0):
        raise GAEError("out_of_range")                                   # 6. ranges
    if not params["whiten_epsilon"] > 0.0:
        raise GAEError("out_of_range")
    mask = a.get("mask", np.ones((B, T)))
    term = a.get("terminated", np.zeros((B, T))) * mask
    trunc = a.get("truncated", np.zeros((B, T))) * mask
    needs_tv = (not params["truncation_as_termination"]) and np.any((trunc == 1) & (term == 0))
    if needs_tv and "truncation_values" not in a:
        raise GAEError("missing_input")                                  # 7. truncation values
    return params, a, (B, T)


# ----------------------------------------------------------------------------------------------
# Static (non-differentiable) structure: effective mask, placement positions, indicators
# ----------------------------------------------------------------------------------------------
def structure(params, a, shape):
    B, T = shape
    mask = a.get("mask", np.ones((B, T))).astype(float)
    place = np.full(B, -1, dtype=int)          # column receiving sequence_rewards[b] (-1: dropped)
    meff = mask.copy()
    if "sequence_rewards" in a:
        for b in range(B):
            real = np.nonzero(mask[b] == 1)[0]
            if real.size == 0:
                continue                        # all-masked row: the score is dropped (GAE-1)
            last = int(real[-1])
            if params["placement"] == "after_last_token" and last + 1 < T:
                place[b] = last + 1
                meff[b, last + 1] = 1.0         # the step after the last real token becomes real
            else:
                place[b] = last
    term = a.get("terminated", np.zeros((B, T))) * meff
    trunc = a.get("truncated", np.zeros((B, T))) * meff
    if params["truncation_as_termination"]:
        d = np.maximum(term, trunc)             # no bootstrap
        u = np.zeros((B, T))
    else:
        d = term
        u = trunc * (1 - term)                  # bootstrap from truncation_values
    end = np.maximum(d, u)
    return {"mask": meff, "place": place, "d": d, "u": u, "end": end, "B": B, "T": T}


# ----------------------------------------------------------------------------------------------
# GAE-1 .. GAE-4: the recursion (JAX, differentiable in the float inputs)
# ----------------------------------------------------------------------------------------------
def recursion(x, st, params):
    """x: dict of jnp arrays for every key of DIFF_KEYS (zeros where absent)."""
    B, T = st["B"], st["T"]
    g, lam = float(params["gamma"]), float(params["lambda"])
    m, d, u, end, place = st["mask"], st["d"], st["u"], st["end"], st["place"]
    skip = params["masked_steps"] == "skip"
    adv_rows, ret_rows = [], []
    for b in range(B):
        # GAE-1: effective per-step reward
        r = [x["rewards"][b, t] + (x["sequence_rewards"][b] if place[b] == t else 0.0) for t in range(T)]
        V = [x["values"][b, t] for t in range(T)]
        if not skip:  # zero_fill: masked positions are ordinary steps with reward 0 and value 0
            r = [r[t] * m[b, t] for t in range(T)]
            V = [V[t] * m[b, t] for t in range(T)]
        A = [None] * T
        succ = None                              # successor step index
        for t in reversed(range(T)):
            if skip and m[b, t] == 0:
                continue                         # invisible: carried over, no decay
            # GAE-2: the value bootstrapped after step t
            if d[b, t] == 1:
                vnext = 0.0
            elif u[b, t] == 1:
                vnext = x["truncation_values"][b, t]
            elif succ is not None:
                vnext = V[succ]
            else:
                vnext = x["last_values"][b]
            # GAE-3: TD residual and recursion
            delta = r[t] + g * vnext - V[t]
            anext = A[succ] if succ is not None else 0.0
            A[t] = delta + g * lam * (1.0 - end[b, t]) * anext
            succ = t
        # outputs are exactly 0 at masked positions; GAE-4: returns = A + V at real steps
        adv_rows.append([A[t] * m[b, t] if A[t] is not None else jnp.zeros(()) for t in range(T)])
        ret_rows.append([(A[t] + x["values"][b, t]) * m[b, t] if A[t] is not None else jnp.zeros(())
                         for t in range(T)])

    def stack(rows):
        if T == 0:
            return jnp.zeros((B, 0))
        return jnp.stack([jnp.stack([jnp.asarray(v, dtype=jnp.float64) for v in row]) for row in rows])
    return stack(adv_rows), stack(ret_rows)


# ----------------------------------------------------------------------------------------------
# GAE-5: whitening
# ----------------------------------------------------------------------------------------------
def whiten_stats(params, m):
    n = float(m.sum())
    if n == 0:
        raise GAEError("empty")
    return n


def whiten_jax(A, st, params):
    """Whitened advantages as a JAX function of the (masked) advantages A. Smooth branches only."""
    m = jnp.asarray(st["mask"])
    n = whiten_stats(params, st["mask"])
    mu = jnp.sum(A * m) / n
    z = (A - mu) * m
    ss = jnp.sum(z * z)
    if params["whiten_variance"] == "unbiased":
        var = ss / (n - 1.0) if n >= 2 else 0.0 * ss
    else:
        var = ss / n
    eps = float(params["whiten_epsilon"])
    p = params["whiten_epsilon_placement"]
    if p == "inside_sqrt":
        s = jnp.sqrt(var + eps)
    elif p == "outside_sqrt":
        safe = jnp.where(var > 0, var, 1.0)
        s = jnp.where(var > 0, jnp.sqrt(safe), 0.0) + eps
    else:  # clamp; the tie var == eps takes the constant branch (Spec "Gradient")
        s = jnp.sqrt(jnp.where(var > eps, var, eps))
    W = z / s
    if not params["whiten_shift_mean"]:
        W = W + mu
    return W * m


def whiten_vjp_explicit(A, gW, st, params):
    """Hand-written VJP of GAE-5 with the Spec's subgradient choices at the kinks
    (outside_sqrt at var == 0: d sqrt(var)/d var := 0; clamp at var <= eps: constant branch)."""
    m = st["mask"]
    sel = m == 1
    a = np.asarray(A)[sel]
    gsel = np.asarray(gW)[sel]
    n = a.size
    mu = a.mean()
    z = a - mu
    if params["whiten_variance"] == "unbiased":
        q = n - 1.0 if n >= 2 else None
    else:
        q = float(n)
    var = 0.0 if q is None else float(np.sum(z * z) / q)
    eps = float(params["whiten_epsilon"])
    p = params["whiten_epsilon_placement"]
    if p == "inside_sqrt":
        s = np.sqrt(var + eps)
        ds = 1.0 / (2.0 * s)
    elif p == "outside_sqrt":
        s = np.sqrt(var) + eps
        ds = 1.0 / (2.0 * np.sqrt(var)) if var > 0 else 0.0
    else:
        s = np.sqrt(max(var, eps))
        ds = 1.0 / (2.0 * np.sqrt(var)) if var > eps else 0.0
    dvar = np.zeros_like(z) if q is None else 2.0 * z / q
    gbar = gsel.mean()
    out = (gsel - gbar) / s - (np.sum(gsel * z) / s ** 2) * ds * dvar
    if not params["whiten_shift_mean"]:
        out = out + gbar
    full = np.zeros(m.shape)
    full[sel] = out
    return full


# ----------------------------------------------------------------------------------------------
# Case builder
# ----------------------------------------------------------------------------------------------
RNG_COT = np.random.default_rng(7001)


def r4(x):
    return np.round(np.asarray(x, dtype=float), 4)


def compute(inputs, cot_rng=RNG_COT, explicit_whiten_vjp=False):
    params, a, shape = validate(inputs)
    st = structure(params, a, shape)
    B, T = shape
    present = [k for k in DIFF_KEYS if k in a]
    base = {k: jnp.asarray(a[k]) if k in a else jnp.zeros((B, T) if k in FLOAT_2D else (B,))
            for k in DIFF_KEYS}

    def f_rec(*vals):
        x = dict(base)
        x.update(dict(zip(present, vals)))
        return recursion(x, st, params)

    primals = [base[k] for k in present]
    (A, R), vjp_rec = jax.vjp(f_rec, *primals)
    out = {"advantages": np.asarray(A), "returns": np.asarray(R)}
    cot = {"advantages": r4(cot_rng.standard_normal((B, T))), "returns": r4(cot_rng.standard_normal((B, T)))}
    gA = cot["advantages"].copy()
    if params["whiten"]:
        W, vjp_w = jax.vjp(lambda A_: whiten_jax(A_, st, params), A)
        out["whitened_advantages"] = np.asarray(W)
        cot["whitened_advantages"] = r4(cot_rng.standard_normal((B, T)))
        if explicit_whiten_vjp:
            gA = gA + whiten_vjp_explicit(A, cot["whitened_advantages"], st, params)
        else:
            gA = gA + np.asarray(vjp_w(jnp.asarray(cot["whitened_advantages"]))[0])
    grads = vjp_rec((jnp.asarray(gA), jnp.asarray(cot["returns"])))
    gradients = {k: np.asarray(v) for k, v in zip(present, grads)}
    return params, st, out, cot, gradients


def mk(id, equation, comment, inputs, *, flags=None, tol=None, source=None, explicit_whiten_vjp=False,
       check=None):
    params, st, out, cot, grads = compute(inputs, explicit_whiten_vjp=explicit_whiten_vjp)
    for k, v in out.items():
        assert np.all(np.isfinite(v)), (id, k)
    if check is not None:
        check(out, grads)
    return case(id, equation, comment, inputs, out, flags=flags, cotangents=cot, gradients=grads,
                tol=tol, source=source)


def mk_error(id, equation, comment, inputs, kind, flags=None):
    try:
        validate(inputs) if kind != "empty" else _whiten_probe(inputs)
    except GAEError as e:
        assert e.kind == kind, (id, e.kind, kind)
    else:
        raise AssertionError(f"{id}: expected error {kind}")
    return case(id, equation, comment, inputs, {"error": kind}, flags=["error"] + list(flags or []))


def _whiten_probe(inputs):
    params, a, shape = validate(inputs)
    st = structure(params, a, shape)
    if params["whiten"]:
        whiten_stats(params, st["mask"])


def lengths_mask(lengths, T):
    return [[1 if t < L else 0 for t in range(T)] for L in lengths]


def approx(x, y, tol=1e-12):
    assert np.allclose(np.asarray(x, dtype=float), np.asarray(y, dtype=float), atol=tol, rtol=0), (x, y)


HAND = lambda ref: {"kind": "hand", "reference": ref}  # noqa: E731

# ----------------------------------------------------------------------------------------------
# Group: recursion (GAE-2 .. GAE-4)
# ----------------------------------------------------------------------------------------------
def group_recursion():
    rng = np.random.default_rng(1001)
    cases = []

    def hand_basic_check(out, g):
        approx(out["advantages"], [[0.875, -0.5, 2.0]])
        approx(out["returns"], [[1.375, 0.5, 2.0]])
    cases.append(mk(
        "hand-three-steps", "GAE-3",
        "Hand calculation, gamma = lambda = 0.5, last_values default 0: delta = [1+0.5*1-0.5, 0+0.5*0-1, 2] = "
        "[1, -1, 2]; A2 = 2, A1 = -1 + 0.25*2 = -0.5, A0 = 1 + 0.25*(-0.5) = 0.875; returns = A + V.",
        {"rewards": [[1.0, 0.0, 2.0]], "values": [[0.5, 1.0, 0.0]], "gamma": 0.5, "lambda": 0.5},
        flags=["hand"], source=HAND("Specs/GAE.md, Golden inputs: hand-three-steps"), check=hand_basic_check))

    B, T = 4, 8
    lengths = [8, 5, 3, 6]
    inp = {"rewards": r4(rng.normal(size=(B, T))).tolist(), "values": r4(rng.normal(size=(B, T))).tolist(),
           "mask": lengths_mask(lengths, T)}
    cases.append(mk(
        "random-mixed-lengths-defaults", "GAE-3",
        "Right-padded batch of lengths 8, 5, 3, 6 with every convention at its default (paper: gamma 0.99, "
        "lambda 0.95, skip, last_values 0). Padding holds random rewards/values that must not leak.",
        inp, flags=["random", "padding", "defaults"]))

    inp2 = {"rewards": r4(rng.normal(size=(3, 7))).tolist(), "values": r4(rng.normal(size=(3, 7))).tolist(),
            "mask": lengths_mask([7, 2, 4], 7), "last_values": r4(rng.normal(size=3)).tolist(),
            "gamma": 0.97, "lambda": 0.9}
    cases.append(mk(
        "random-mixed-lengths-last-values", "GAE-2",
        "Mixed lengths with non-zero last_values: under skip the bootstrap value of each row's last real "
        "step is last_values[b] even when padding follows.",
        inp2, flags=["random", "padding", "bootstrap"]))
    inp2z = dict(inp2, masked_steps="zero_fill")
    cases.append(mk(
        "random-mixed-lengths-last-values-zero-fill", "GAE-2",
        "Same data under zero_fill: last_values bootstraps column T-1 only, and reaches the last real step "
        "of a padded row through the zero-filled padding with a gamma*lambda decay per padded step.",
        inp2z, flags=["random", "padding", "bootstrap", "zero_fill"]))

    # terminated in the middle (environment-style rollout: two episodes in one row)
    inp3 = {"rewards": r4(rng.normal(size=(2, 6))).tolist(), "values": r4(rng.normal(size=(2, 6))).tolist(),
            "terminated": [[0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 1, 0]],
            "last_values": [0.7, -0.3], "gamma": 0.99, "lambda": 0.95}

    def check_done(out, g):
        # the recursion restarts after a termination: step 2 of row 0 has A = r - V
        approx(out["advantages"][0][2], inp3["rewards"][0][2] - inp3["values"][0][2])
        # nothing after the done influences the steps before it
        assert np.all(g["values"][0][:3] != 0)
    cases.append(mk(
        "terminated-mid-row", "GAE-2",
        "Environment-style rows holding two episodes: terminated after step 2 (row 0) and step 4 (row 1). "
        "No bootstrap and no advantage carried across the boundary; last_values bootstraps the unfinished "
        "second episode.",
        inp3, flags=["done", "random"], check=check_done))

    # truncation with bootstrap, and the same data with truncation_as_termination
    inp4 = {"rewards": r4(rng.normal(size=(2, 5))).tolist(), "values": r4(rng.normal(size=(2, 5))).tolist(),
            "truncated": [[0, 1, 0, 0, 0], [0, 0, 0, 0, 1]],
            "terminated": [[0, 0, 0, 1, 0], [0, 0, 0, 0, 0]],
            "truncation_values": [[0.0, 1.25, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, -0.8]],
            "last_values": [0.4, 2.0], "gamma": 0.99, "lambda": 0.95}
    cases.append(mk(
        "truncated-bootstrap", "GAE-2",
        "Time-limit truncation after step 1 (row 0) and at the last column (row 1): the TD target uses "
        "truncation_values (value of the final observation), the recursion stops there. Row 1 shows that "
        "truncation_values, not last_values, is used at a truncated last step.",
        inp4, flags=["truncation", "random"]))
    cases.append(mk(
        "truncated-as-terminated", "GAE-2",
        "Same data with truncation_as_termination = true (CleanRL / RL4VLM default behaviour): no bootstrap at "
        "truncation; gradients w.r.t. truncation_values are all zero.",
        dict(inp4, truncation_as_termination=True), flags=["truncation", "random"]))

    inp4b = {"rewards": [[1.0, 2.0, 3.0]], "values": [[0.5, 0.5, 0.5]],
             "terminated": [[0, 1, 0]], "truncated": [[0, 1, 0]],
             "truncation_values": [[0.0, 10.0, 0.0]], "gamma": 0.5, "lambda": 0.5}

    def check_both(out, g):
        approx(out["advantages"][0][1], 1.5)  # terminated wins: no bootstrap from 10.0
        approx(g["truncation_values"], [[0.0, 0.0, 0.0]])
    cases.append(mk(
        "terminated-and-truncated", "GAE-2",
        "Both flags at the same step: termination wins (no bootstrap); A1 = 2 - 0.5 = 1.5 by hand.",
        inp4b, flags=["done", "truncation", "hand"], source=HAND("A1 = r1 - V1 = 1.5"), check=check_both))

    # lambda = 0: one-step TD
    inp5 = {"rewards": r4(rng.normal(size=(2, 5))).tolist(), "values": r4(rng.normal(size=(2, 5))).tolist(),
            "mask": lengths_mask([5, 3], 5), "last_values": [0.3, 0.9], "gamma": 0.9, "lambda": 0.0}

    def check_td(out, g):
        r, V = np.array(inp5["rewards"]), np.array(inp5["values"])
        nxt = np.concatenate([V[:, 1:], np.array(inp5["last_values"])[:, None]], axis=1)
        nxt[1, 2] = inp5["last_values"][1]
        td = (r + 0.9 * nxt - V) * np.array(inp5["mask"])
        approx(out["advantages"], td)
    cases.append(mk(
        "lambda-zero-one-step-td", "GAE-3",
        "lambda = 0: A_t = delta_t (one-step TD error); checked against r + gamma V_next - V.",
        inp5, flags=["lambda0", "random"], check=check_td))

    # lambda = gamma = 1: Monte-Carlo
    def check_mc(out, g):
        approx(out["advantages"], [[5.5, 4.75, 2.0]])
        approx(out["returns"], [[6.0, 5.0, 3.0]])
    cases.append(mk(
        "monte-carlo-hand", "GAE-4",
        "gamma = lambda = 1: A = reward-to-go - V. Reward-to-go of [1, 2, 3] is [6, 5, 3]; V = [0.5, 0.25, 1] "
        "gives A = [5.5, 4.75, 2], returns = reward-to-go.",
        {"rewards": [[1.0, 2.0, 3.0]], "values": [[0.5, 0.25, 1.0]], "gamma": 1.0, "lambda": 1.0},
        flags=["monte_carlo", "hand"], source=HAND("reward-to-go [6, 5, 3] minus V"), check=check_mc))
    inp6 = {"rewards": r4(rng.normal(size=(3, 6))).tolist(), "values": r4(rng.normal(size=(3, 6))).tolist(),
            "mask": lengths_mask([6, 4, 1], 6), "gamma": 1.0, "lambda": 1.0}

    def check_mc2(out, g):
        r, V, m = (np.array(inp6[k]) for k in ("rewards", "values", "mask"))
        rtg = np.cumsum((r * m)[:, ::-1], axis=1)[:, ::-1]
        approx(out["returns"], rtg * m)
        approx(out["advantages"], (rtg - V) * m)
    cases.append(mk(
        "monte-carlo-random-padded", "GAE-3",
        "gamma = lambda = 1 on a padded random batch: returns equal the masked reward-to-go (Properties).",
        inp6, flags=["monte_carlo", "random", "padding"], check=check_mc2))

    # T = 1
    cases.append(mk(
        "length-one", "GAE-3",
        "T = 1: A = r + gamma * last_values - V for every row; the second row is masked (outputs 0).",
        {"rewards": [[0.8], [0.1], [-0.4]], "values": [[0.2], [5.0], [0.1]], "mask": [[1], [0], [1]],
         "last_values": [1.0, 3.0, 0.0]},
        flags=["length1"]))

    # all-masked row; flags at masked positions ignored
    inp7 = {"rewards": r4(rng.normal(size=(3, 4))).tolist(), "values": r4(rng.normal(size=(3, 4))).tolist(),
            "mask": [[1, 1, 1, 0], [0, 0, 0, 0], [1, 1, 0, 0]],
            "terminated": [[0, 0, 0, 1], [1, 0, 0, 0], [0, 0, 1, 0]],
            "truncated": [[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]],
            "last_values": [0.5, 0.5, -0.5], "gamma": 0.95, "lambda": 0.9}

    def check_allmasked(out, g):
        assert np.all(out["advantages"][1] == 0) and np.all(out["returns"][1] == 0)
        assert np.all(g["values"][1] == 0) and np.all(g["rewards"][1] == 0) and g["last_values"][1] == 0
    cases.append(mk(
        "all-masked-row", "GAE-3",
        "Row 1 is fully masked: its outputs and all its gradients are exactly 0. Terminated/truncated flags "
        "sit only at masked positions and are ignored, so truncation_values may be absent.",
        inp7, flags=["all_masked", "padding", "random"], check=check_allmasked))

    # masked token inside a response: skip vs zero_fill (hand)
    base = {"rewards": [[1.0, 9.0, 2.0]], "values": [[0.5, 7.0, 0.25]], "mask": [[1, 0, 1]],
            "gamma": 0.5, "lambda": 0.5}

    def check_skip(out, g):
        approx(out["advantages"], [[1.0625, 0.0, 1.75]])
        approx(out["returns"], [[1.5625, 0.0, 2.0]])

    def check_zf(out, g):
        approx(out["advantages"], [[0.640625, 0.0, 1.75]])
        approx(out["returns"], [[1.140625, 0.0, 2.0]])
    cases.append(mk(
        "interior-mask-skip-hand", "GAE-2",
        "Masked observation token in the middle, skip: the masked step is invisible. A2 = 2 - 0.25 = 1.75; "
        "delta0 = 1 + 0.5*0.25 - 0.5 = 0.625; A0 = 0.625 + 0.25*1.75 = 1.0625.",
        dict(base, masked_steps="skip"), flags=["interior_mask", "hand"],
        source=HAND("see comment"), check=check_skip))
    cases.append(mk(
        "interior-mask-zero-fill-hand", "GAE-2",
        "Same data, zero_fill: the masked step has r = V = 0. A2 = 1.75; A1 = 0.5*0.25 + 0.25*1.75 = 0.5625; "
        "delta0 = 1 + 0.5*0 - 0.5 = 0.5; A0 = 0.5 + 0.25*0.5625 = 0.640625.",
        dict(base, masked_steps="zero_fill"), flags=["interior_mask", "zero_fill", "hand"],
        source=HAND("see comment"), check=check_zf))
    inp8 = {"rewards": r4(rng.normal(size=(3, 8))).tolist(), "values": r4(rng.normal(size=(3, 8))).tolist(),
            "mask": [[1, 1, 0, 0, 1, 1, 1, 0], [1, 0, 1, 0, 1, 0, 1, 1], [0, 0, 1, 1, 1, 1, 0, 0]],
            "gamma": 1.0, "lambda": 0.95}
    cases.append(mk(
        "interior-mask-random-skip", "GAE-2",
        "Multi-turn style masks (observation tokens inside, leading and trailing masks), skip convention.",
        dict(inp8, masked_steps="skip"), flags=["interior_mask", "random"]))
    cases.append(mk(
        "interior-mask-random-zero-fill", "GAE-2",
        "Same data under zero_fill; differs from the skip case at every real step followed by a masked one.",
        dict(inp8, masked_steps="zero_fill"), flags=["interior_mask", "zero_fill", "random"]))

    cases.append(mk(
        "boolean-mask", "GAE-2",
        "Masks and flags given as JSON booleans (accepted like 0/1).",
        {"rewards": [[0.5, -0.25, 1.0, 0.0]], "values": [[0.1, 0.2, 0.3, 0.4]],
         "mask": [[True, True, True, False]], "terminated": [[False, True, False, False]],
         "gamma": 0.9, "lambda": 0.8},
        flags=["boolean_mask"]))

    cases.append(mk(
        "empty-time-axis", "GAE-3",
        "T = 0 (B = 2): outputs are [2, 0] arrays; the gradient w.r.t. last_values is 0.",
        {"rewards": [[], []], "values": [[], []], "last_values": [1.0, 2.0]},
        flags=["empty"]))

    # long case
    T = 64
    rl = np.random.default_rng(1064)
    inpL = {"rewards": r4(rl.normal(size=(2, T))).tolist(), "values": r4(rl.normal(size=(2, T))).tolist(),
            "mask": lengths_mask([64, 40], T), "last_values": [0.5, 0.0], "gamma": 0.9999, "lambda": 0.9995}
    params, st, out, cot, gr = compute(inpL, cot_rng=np.random.default_rng(99))
    # Rounding bound: input rounding (at most u * sum |r| + |V| along a row, weights <= 1) plus three
    # roundings per step of a running advantage bounded by max|A| over T steps: u * (S + 3 T max|A|).
    S = float(np.max(np.sum(np.abs(np.array(inpL["rewards"])) + np.abs(np.array(inpL["values"])), axis=1)))
    amax = float(np.max(np.abs(out["advantages"])))
    bound = S + 3 * T * amax

    def up(x):  # round up to one significant digit
        e = np.floor(np.log10(x))
        return float(np.ceil(x / 10 ** e) * 10 ** e)
    f64_atol = max(1e-12, up(2.0 ** -53 * bound))
    f32_atol = max(1e-5, up(2.0 ** -24 * bound))
    cases.append(mk(
        "long-gamma-lambda-near-one", "GAE-3",
        f"T = 64, gamma*lambda = 0.99940005: the advantage of step 0 sums 64 discounted residuals with almost "
        f"no decay. Tolerance from the arithmetic: unit roundoff u times (row sum of |r|+|V| = {S:.1f} for the "
        f"rounded inputs + 3 roundings per step * T * max|A| = {3 * T * amax:.1f}), rounded up: float64 atol "
        f"{f64_atol:g}, float32 atol {f32_atol:g}.",
        inpL, flags=["long", "random"], tol=tolerance(f64_atol=f64_atol, f32_atol=f32_atol)))
    return cases


# ----------------------------------------------------------------------------------------------
# Group: reward placement (GAE-1)
# ----------------------------------------------------------------------------------------------
def group_placement():
    rng = np.random.default_rng(2002)
    B, T = 3, 6
    lengths = [4, 6, 2]   # row 1 fills the row: after_last_token falls back to its last token
    score = [1.5, -0.5, 2.0]
    V = r4(rng.normal(size=(B, T))).tolist()
    mask = lengths_mask(lengths, T)
    common = {"values": V, "mask": mask, "sequence_rewards": score, "gamma": 1.0, "lambda": 0.95}
    cases = []

    def check_last(out, g):
        # gradient w.r.t. the score equals the gradient w.r.t. the per-token reward at the last real token
        for b, L in enumerate(lengths):
            approx(g["sequence_rewards"][b], g["rewards"][b][L - 1])
    cases.append(mk(
        "score-last-token", "GAE-1",
        "sequence_rewards placed at each row's last real token (OpenRLHF / verl reward managers); rewards "
        "given as zeros.",
        dict(common, rewards=np.zeros((B, T)).tolist(), placement="last_token"),
        flags=["placement"], check=check_last))
    cases.append(mk(
        "score-last-token-no-rewards", "GAE-1",
        "Same as score-last-token with the rewards key absent (defaults to zeros); no rewards gradient stored.",
        dict(common, placement="last_token"), flags=["placement", "defaults"]))

    def check_after(out, g):
        m = np.array(mask)
        # rows 0 and 2 gain a real step at index L; row 1 (full) falls back to its last token
        assert out["advantages"][0][4] != 0 and out["returns"][2][2] != 0
        approx(g["sequence_rewards"][1], g["rewards"][1][5])
        approx(g["sequence_rewards"][0], g["rewards"][0][4])
        assert m[0][4] == 0
    cases.append(mk(
        "score-after-last-token", "GAE-1",
        "placement after_last_token (TRL PPO): the score goes one step after the last real token, and that "
        "step becomes a real step (its value is values[b, L]); row 1 has no room and falls back to its last "
        "token. Outputs at the added step are non-zero.",
        dict(common, rewards=np.zeros((B, T)).tolist(), placement="after_last_token"),
        flags=["placement"], check=check_after))
    per_token = r4(0.05 * rng.normal(size=(B, T))).tolist()
    cases.append(mk(
        "score-added-to-token-rewards", "GAE-1",
        "Per-token rewards (e.g. a KL penalty, non-zero also at padding, which must be ignored) plus the "
        "score added at the last real token.",
        dict(common, rewards=per_token, placement="last_token"), flags=["placement", "random"]))
    cases.append(mk(
        "score-added-to-token-rewards-after", "GAE-1",
        "Same per-token rewards with placement after_last_token: the per-token reward at the added step "
        "(formerly padding) now counts too.",
        dict(common, rewards=per_token, placement="after_last_token"), flags=["placement", "random"]))
    cases.append(mk(
        "score-all-masked-row", "GAE-1",
        "A fully masked row has nowhere to put its score: the score is dropped (gradient 0), outputs 0.",
        {"values": [[0.3, 0.2, 0.1], [0.5, 0.5, 0.5]], "mask": [[1, 1, 0], [0, 0, 0]],
         "sequence_rewards": [1.0, 4.0], "placement": "after_last_token", "gamma": 1.0, "lambda": 1.0},
        flags=["placement", "all_masked"]))
    return cases


# ----------------------------------------------------------------------------------------------
# Group: whitening (GAE-5)
# ----------------------------------------------------------------------------------------------
def group_whitening():
    rng = np.random.default_rng(3003)
    cases = []
    B, T = 3, 5
    data = {"rewards": r4(rng.normal(size=(B, T))).tolist(), "values": r4(rng.normal(size=(B, T))).tolist(),
            "mask": lengths_mask([5, 3, 4], T), "gamma": 0.99, "lambda": 0.95, "whiten": True}
    variants = [
        ("whiten-unbiased-inside", {}, "unbiased variance, epsilon inside the sqrt (TRL / verl masked_whiten)"),
        ("whiten-population-inside", {"whiten_variance": "population"}, "population variance"),
        ("whiten-unbiased-outside", {"whiten_epsilon_placement": "outside_sqrt"},
         "epsilon added to the standard deviation (CleanRL / RL4VLM style)"),
        ("whiten-no-shift-mean", {"whiten_shift_mean": False},
         "shift_mean false: centre, scale, re-add the mean (TRL masked_whiten(shift_mean=False))"),
        ("whiten-population-clamp", {"whiten_variance": "population", "whiten_epsilon_placement": "clamp"},
         "population variance clamped below at epsilon (OpenRLHF)"),
    ]
    for cid, extra, what in variants:
        cases.append(mk(cid, "GAE-5", f"Whitening variants on one shared padded batch: {what}.",
                        dict(data, **extra), flags=["whiten", "random"]))
    cases.append(mk(
        "whiten-big-epsilon", "GAE-5",
        "Same batch with whiten_epsilon = 0.5 so the epsilon visibly changes the scale.",
        dict(data, whiten_epsilon=0.5), flags=["whiten", "random"]))

    one = {"rewards": [[0.0, 0.7, 0.0], [0.0, 0.0, 0.0]], "values": [[0.0, 0.2, 0.0], [0.0, 0.0, 0.0]],
           "mask": [[0, 1, 0], [0, 0, 0]], "whiten": True, "gamma": 0.99, "lambda": 0.95}

    def check_one(out, g):
        assert np.all(out["whitened_advantages"] == 0)
    cases.append(mk(
        "whiten-one-valid-token", "GAE-5",
        "Exactly one real token in the batch: the unbiased variance is defined as 0 (TRL gives NaN, verl "
        "raises), so the whitened advantage is (A - mu)/sqrt(eps) = 0 exactly.",
        one, flags=["whiten", "one_token"], explicit_whiten_vjp=True, check=check_one))

    def check_one_ns(out, g):
        approx(out["whitened_advantages"][0][1], out["advantages"][0][1])
    cases.append(mk(
        "whiten-one-valid-token-no-shift", "GAE-5",
        "One real token with shift_mean false: whitened = 0 + mu = A.",
        dict(one, whiten_shift_mean=False), flags=["whiten", "one_token"], explicit_whiten_vjp=True,
        check=check_one_ns))
    cases.append(mk(
        "whiten-one-valid-token-outside", "GAE-5",
        "One real token, outside_sqrt: 0 / (0 + eps) = 0 (no NaN).",
        dict(one, whiten_epsilon_placement="outside_sqrt"), flags=["whiten", "one_token"],
        explicit_whiten_vjp=True))

    # zero variance: gamma = 0 makes A = r - V = 1 exactly at every real step (exact also in float32)
    zv = {"rewards": [[1.5, 1.25, 3.0], [2.0, 0.0, 0.0]], "values": [[0.5, 0.25, 2.0], [1.0, 0.0, 0.0]],
          "mask": [[1, 1, 1], [1, 0, 0]], "gamma": 0.0, "lambda": 0.95, "whiten": True}

    def check_zv(out, g):
        assert np.all(out["whitened_advantages"] == 0)
    cases.append(mk(
        "whiten-zero-variance-inside", "GAE-5",
        "All real advantages equal (A = 1): whitened = 0, d whitened/dA = (I - 1/n)/sqrt(eps) (exact). The "
        "function is smooth here but its curvature scale is sqrt(eps) = 1e-4, so a finite-difference check "
        "with h = 1e-6 is off by ~1e-5 relative: flagged nondifferentiable only to skip that check.",
        zv, flags=["whiten", "zero_variance", "nondifferentiable"], check=check_zv))
    cases.append(mk(
        "whiten-zero-variance-outside-kink", "GAE-5",
        "Same data with outside_sqrt: sqrt(var) has a kink at var = 0. Stored gradient uses the Spec's "
        "subgradient d sqrt(var)/d var := 0 (computed explicitly, not by JAX), i.e. (c - mean c)/eps.",
        dict(zv, whiten_epsilon_placement="outside_sqrt"),
        flags=["whiten", "zero_variance", "nondifferentiable"], explicit_whiten_vjp=True, check=check_zv))
    near = dict(zv, rewards=[[1.51, 1.25, 3.0], [2.0, 0.0, 0.0]], whiten_epsilon_placement="outside_sqrt")
    cases.append(mk(
        "whiten-near-zero-variance-outside", "GAE-5",
        "Near the var = 0 kink (one advantage moved by 0.01, far more than the finite-difference step): "
        "differentiable, ordinary gradient.",
        near, flags=["whiten", "near_kink"]))
    # clamp kink: population var exactly equal to eps (= 0.25): A = [1.5, 0.5, 0.5, 1.5] -> mu 1, var 0.25
    # (four values: with two, whitening on the variance branch is scale-invariant and its gradient vanishes)
    ck = {"rewards": [[1.5, 0.5, 0.5, 1.5]], "values": [[0.0, 0.0, 0.0, 0.0]], "gamma": 0.0, "lambda": 0.5,
          "whiten": True,
          "whiten_variance": "population", "whiten_epsilon_placement": "clamp", "whiten_epsilon": 0.25}

    def check_ck(out, g):
        approx(out["whitened_advantages"], [[1.0, -1.0, -1.0, 1.0]])
    cases.append(mk(
        "whiten-clamp-on-kink", "GAE-5",
        "Population variance exactly equal to whiten_epsilon = 0.25 (A = [1.5, 0.5, 0.5, 1.5], exact in binary): on the "
        "max(var, eps) kink. Stored gradient takes the constant (eps) branch, computed explicitly.",
        ck, flags=["whiten", "nondifferentiable", "hand"], explicit_whiten_vjp=True,
        source=HAND("(A - 1)/sqrt(0.25) = [1, -1, -1, 1]"), check=check_ck))
    cases.append(mk(
        "whiten-clamp-near-kink-above", "GAE-5",
        "Variance 10.5% above epsilon (A = [1.55, 0.5, 0.45, 1.5], var = 0.27625): variance branch, "
        "differentiable.",
        dict(ck, rewards=[[1.55, 0.5, 0.45, 1.5]]), flags=["whiten", "near_kink"]))
    cases.append(mk(
        "whiten-clamp-near-kink-below", "GAE-5",
        "Variance below epsilon (A = [1.45, 0.5, 0.55, 1.5], var = 0.22625): constant branch, differentiable.",
        dict(ck, rewards=[[1.45, 0.5, 0.55, 1.5]]), flags=["whiten", "near_kink"]))
    return cases


# ----------------------------------------------------------------------------------------------
# Group: presets
# ----------------------------------------------------------------------------------------------
def group_presets():
    rng = np.random.default_rng(4004)
    B, T = 3, 7
    shared = {
        "rewards": r4(0.1 * rng.normal(size=(B, T))).tolist(),
        "values": r4(rng.normal(size=(B, T))).tolist(),
        "mask": [[1, 1, 1, 1, 1, 0, 0], [1, 1, 0, 0, 1, 1, 1], [1, 1, 1, 0, 0, 0, 0]],
        "truncated": [[0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
        "truncation_values": [[0.0] * 7, [0.0] * 6 + [0.6], [0.0] * 7],
        "sequence_rewards": [1.0, -0.5, 0.25],
        "last_values": [0.0, 0.0, 0.0],
    }
    sources = {
        "paper": "seed 000_b729f3bd0d2d935c.txt (gamma 0.99, GAE lambda 0.95); no whitening stated",
        "cleanRL": "CleanRL fe8d8a03 cleanrl/ppo.py (gamma 0.99, gae_lambda 0.95, done = terminated or truncated)",
        "trl": "TRL 0.29.1 trl/experimental/ppo/ppo_trainer.py + ppo_config.py (gamma 1, lam 0.95, score at "
               "sequence_lengths + 1, masked_whiten; no truncation input, so row 1's truncation bootstraps 0)",
        "verl": "verl 0.9.1 verl/trainer/ppo/core_algos.py compute_gae_advantage_return + ppo_trainer.yaml "
                "(gamma 1, lam 1; no truncation input, so row 1's truncation bootstraps 0)",
        "openRLHF": "OpenRLHF 0.11.2 openrlhf/trainer/ppo_utils/experience_maker.py get_advantages_and_returns + "
                    "global advantage normalization (gamma 1, lambd 1; no truncation input, so row 1's "
                    "truncation bootstraps 0)",
        "rl4vlm": "RL4VLM b989b57 VLM_PPO a2c_ppo_acktr storage.compute_returns / algo/ppo.py update (gamma 0.9, "
                  "gae_lambda 0.95, (A - mean)/(std + 1e-5))",
    }
    cases = []
    for name in ("paper", "cleanRL", "trl", "verl", "openRLHF", "rl4vlm"):
        cases.append(mk(
            f"preset-{name}", "GAE-3",
            f"Shared batch (interior mask in row 1, a truncation at row 1's last column, sequence scores) under "
            f"preset {name}: {sources[name]}.",
            dict(shared, preset=name), flags=["preset", "random"]))
    cases.append(mk(
        "preset-trl-override-gamma", "GAE-3",
        "Explicit keys override the preset: preset trl with gamma 0.9 and whiten false.",
        dict(shared, preset="trl", gamma=0.9, whiten=False), flags=["preset", "random"]))
    return cases


# ----------------------------------------------------------------------------------------------
# Group: errors
# ----------------------------------------------------------------------------------------------
def group_errors():
    r = [[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]]
    v = [[0.0, 0.1, 0.2, 0.3], [0.4, 0.5, 0.6, 0.7]]
    m = [[1, 1, 1, 0], [1, 1, 0, 0]]
    E = []
    E.append(mk_error("err-shape-rewards", "GAE-3", "rewards [2, 3] vs values [2, 4].",
                      {"rewards": [row[:3] for row in r], "values": v}, "shape_mismatch"))
    E.append(mk_error("err-shape-mask", "GAE-3", "mask [1, 4] vs values [2, 4].",
                      {"rewards": r, "values": v, "mask": [m[0]]}, "shape_mismatch"))
    E.append(mk_error("err-shape-last-values", "GAE-2", "last_values of length 3 for B = 2.",
                      {"rewards": r, "values": v, "last_values": [0.0, 0.0, 0.0]}, "shape_mismatch"))
    E.append(mk_error("err-shape-sequence-rewards", "GAE-1", "sequence_rewards of length 1 for B = 2.",
                      {"values": v, "sequence_rewards": [1.0]}, "shape_mismatch"))
    E.append(mk_error("err-shape-values-1d", "GAE-3", "values must be 2-D [B, T].",
                      {"rewards": r[0], "values": v[0]}, "shape_mismatch"))
    E.append(mk_error("err-gamma-above-one", "GAE-3", "gamma = 1.5 is outside [0, 1].",
                      {"rewards": r, "values": v, "gamma": 1.5}, "out_of_range"))
    E.append(mk_error("err-lambda-negative", "GAE-3", "lambda = -0.1 is outside [0, 1].",
                      {"rewards": r, "values": v, "lambda": -0.1}, "out_of_range"))
    E.append(mk_error("err-epsilon-zero", "GAE-5", "whiten_epsilon must be > 0.",
                      {"rewards": r, "values": v, "whiten": True, "whiten_epsilon": 0.0}, "out_of_range"))
    E.append(mk_error("err-nan-reward", "GAE-3", "NaN in rewards.",
                      {"rewards": [[0.1, "nan", 0.3, 0.4], r[1]], "values": v}, "non_finite"))
    E.append(mk_error("err-inf-value", "GAE-3", "+inf in values.",
                      {"rewards": r, "values": [v[0], [0.4, 0.5, "inf", 0.7]]}, "non_finite"))
    E.append(mk_error("err-nan-at-masked-position", "GAE-3",
                      "Non-finite values are rejected even at masked positions (strict check).",
                      {"rewards": r, "values": [[0.0, 0.1, 0.2, "nan"], v[1]], "mask": m}, "non_finite"))
    E.append(mk_error("err-inf-last-values", "GAE-2", "-inf in last_values.",
                      {"rewards": r, "values": v, "last_values": [0.0, "-inf"]}, "non_finite"))
    E.append(mk_error("err-mask-not-binary", "GAE-3", "mask value 2 is not in {0, 1}.",
                      {"rewards": r, "values": v, "mask": [[1, 2, 1, 0], m[1]]}, "invalid_argument"))
    E.append(mk_error("err-terminated-fractional", "GAE-2", "terminated value 0.5 is not in {0, 1}.",
                      {"rewards": r, "values": v, "terminated": [[0, 0.5, 0, 0], [0, 0, 0, 0]]},
                      "invalid_argument"))
    E.append(mk_error("err-unknown-preset", "GAE-3", "Unknown preset name.",
                      {"rewards": r, "values": v, "preset": "ppo2"}, "invalid_argument"))
    E.append(mk_error("err-unknown-masked-steps", "GAE-2", "Unknown masked_steps convention.",
                      {"rewards": r, "values": v, "masked_steps": "ignore"}, "invalid_argument"))
    E.append(mk_error("err-unknown-placement", "GAE-1", "Unknown placement.",
                      {"values": v, "sequence_rewards": [1.0, 2.0], "placement": "first_token"},
                      "invalid_argument"))
    E.append(mk_error("err-unknown-epsilon-placement", "GAE-5", "Unknown whiten_epsilon_placement.",
                      {"rewards": r, "values": v, "whiten": True, "whiten_epsilon_placement": "sqrt_plus"},
                      "invalid_argument"))
    E.append(mk_error("err-missing-values", "GAE-3", "values is required.",
                      {"rewards": r}, "missing_input"))
    E.append(mk_error("err-missing-rewards-and-score", "GAE-1", "Neither rewards nor sequence_rewards.",
                      {"values": v}, "missing_input"))
    E.append(mk_error("err-missing-truncation-values", "GAE-2",
                      "A real step is truncated, truncation_as_termination is false and truncation_values "
                      "is absent.",
                      {"rewards": r, "values": v, "truncated": [[0, 1, 0, 0], [0, 0, 0, 0]]}, "missing_input"))
    E.append(mk_error("err-whiten-all-masked", "GAE-5", "whiten with no real position in the batch.",
                      {"rewards": r, "values": v, "mask": [[0, 0, 0, 0], [0, 0, 0, 0]], "whiten": True},
                      "empty"))
    E.append(mk_error("err-whiten-empty-time-axis", "GAE-5", "whiten with T = 0.",
                      {"rewards": [[], []], "values": [[], []], "whiten": True}, "empty"))
    return E


# ----------------------------------------------------------------------------------------------
# Group: whitening on its own (form "whiten": GAE-5 applied to a given array x)
# ----------------------------------------------------------------------------------------------
def whiten_form(inputs):
    """(params, x, mask) of a form-"whiten" case, checked in the Spec's order (form "whiten" errors)."""
    params = resolve(inputs)                                              # preset / conventions
    if "x" not in inputs:
        raise GAEError("missing_input")
    x = _arr(inputs["x"])
    if x.ndim != 2:
        raise GAEError("shape_mismatch")
    m = _arr(inputs["mask"]) if "mask" in inputs else np.ones_like(x)
    if m.shape != x.shape:
        raise GAEError("shape_mismatch")
    if not np.all((m == 0) | (m == 1)):
        raise GAEError("invalid_argument")
    eps = _num(params["whiten_epsilon"])
    if not np.all(np.isfinite(x)) or not np.isfinite(eps):
        raise GAEError("non_finite")
    if eps <= 0:
        raise GAEError("out_of_range")
    if m.sum() == 0:
        raise GAEError("empty")
    return params, x, m


def whiten_form_outputs(x, m, params):
    """whitened (GAE-5), and the mean and variance it uses, as JAX functions of x."""
    n = float(m.sum())
    mj = jnp.asarray(m)
    mu = jnp.sum(x * mj) / n
    z = (x - mu) * mj
    q = (n - 1.0 if n >= 2 else None) if params["whiten_variance"] == "unbiased" else n
    var = jnp.sum(z * z) / q if q is not None else 0.0 * jnp.sum(z * z)
    return whiten_jax(x, {"mask": m}, params), mu, var


def group_whiten_form():
    rng = np.random.default_rng(4005)
    cot_rng = np.random.default_rng(4006)
    x = r4(rng.normal(0.3, 1.2, size=(3, 5))).tolist()
    mask = [[1, 1, 1, 1, 1], [1, 1, 0, 0, 0], [1, 1, 1, 0, 0]]
    cases = []

    def wf(id, comment, inputs, flags=None, source=None):
        inputs = {"form": "whiten", **inputs}
        params, xa, m = whiten_form(inputs)
        (W, mu, var), vjp = jax.vjp(lambda v: whiten_form_outputs(v, m, params), jnp.asarray(xa))
        cot = {"whitened": r4(cot_rng.standard_normal(xa.shape)), "mean": 0.5, "variance": -0.25}
        (g,) = vjp((jnp.asarray(cot["whitened"]), jnp.asarray(cot["mean"]), jnp.asarray(cot["variance"])))
        out = {"whitened": np.asarray(W), "mean": float(mu), "variance": float(var)}
        return case(id, "GAE-5", comment, inputs, out, flags=flags, cotangents=cot,
                    gradients={"x": np.asarray(g)}, source=source)

    cases.append(wf("whiten-form-default", "Whitening of a given array over the mask (rows of 5, 2, 3 real "
                    "entries) with the paper defaults: unbiased variance, epsilon 1e-8 inside the root, mean "
                    "subtracted; mean and variance are outputs too.", {"x": x, "mask": mask}, flags=["whiten"]))
    for name, source in (("trl", "TRL 0.29.1 trl/experimental/ppo/ppo_trainer.py masked_whiten"),
                         ("verl", "verl 0.9.1 verl/utils/torch_functional.py masked_whiten"),
                         ("openRLHF", "OpenRLHF 0.11.2 experience_maker.py advantage normalisation "
                                      "(population variance, rsqrt(clamp(var, 1e-8)))"),
                         ("cleanRL", "CleanRL fe8d8a03 ppo.py (A - mean)/(std + 1e-8), unbiased std"),
                         ("rl4vlm", "RL4VLM b989b57 PPO.update (A - mean)/(std + 1e-5)")):
        cases.append(wf(f"whiten-form-preset-{name}", f"Same array and mask under preset {name}: {source}.",
                        {"x": x, "mask": mask, "preset": name}, flags=["whiten", "preset"]))
    cases.append(wf("whiten-form-no-shift", "whiten_shift_mean false: centre, scale, then add the mean back "
                    "(TRL's shift_mean=False).", {"x": x, "mask": mask, "whiten_shift_mean": False}, flags=["whiten"]))
    cases.append(wf("whiten-form-hand", "x = [1, 3], no mask, population variance 1, epsilon placement clamp "
                    "(1 > 1e-8): whitened [-1, 1], mean 2, variance 1.",
                    {"x": [[1.0, 3.0]], "whiten_variance": "population", "whiten_epsilon_placement": "clamp"},
                    flags=["whiten", "hand"], source={"kind": "hand", "reference": "(x - 2)/1"}))
    cases.append(wf("whiten-form-one-real-entry", "One real entry, unbiased variance: the variance is defined "
                    "as 0 (TRL divides by n - 1 = 0 and gives NaN; verl raises), so whitened = 0.",
                    {"x": [[0.7, 5.0, -2.0]], "mask": [[0, 1, 0]]}, flags=["whiten", "edge"]))
    for id, comment, inputs, kind in (
            ("err-whiten-form-missing-x", "form whiten needs x.", {"mask": [[1, 1]]}, "missing_input"),
            ("err-whiten-form-all-masked", "No real entry: nothing to whiten.", {"x": [[1.0, 2.0]], "mask": [[0, 0]]},
             "empty"),
            ("err-whiten-form-mask-shape", "mask [1,3] for x [1,2].", {"x": [[1.0, 2.0]], "mask": [[1, 1, 1]]},
             "shape_mismatch"),
            ("err-whiten-form-nan", "NaN in x.", {"x": [[1.0, "nan"]]}, "non_finite")):
        inputs = {"form": "whiten", **inputs}
        try:
            whiten_form(inputs)
        except GAEError as e:
            assert e.kind == kind, (id, e.kind)
        else:
            raise AssertionError(id)
        cases.append(case(id, "GAE-5", comment, inputs, {"error": kind}, flags=["error"]))
    return cases


# ----------------------------------------------------------------------------------------------
# Group: CleanRL's layout (form "cleanrl"): time-major [T, N], dones[t] = step t starts a new episode
# ----------------------------------------------------------------------------------------------
def cleanrl_loop(rewards, values, dones, next_value, next_done, gamma, lam):
    """CleanRL's backward loop over a time-major buffer, written from its description (Spec, form cleanrl)."""
    T = rewards.shape[0]
    adv = [None] * T
    last = jnp.zeros_like(next_value)
    for t in reversed(range(T)):
        nonterminal = 1.0 - (next_done if t == T - 1 else dones[t + 1])
        nextv = next_value if t == T - 1 else values[t + 1]
        delta = rewards[t] + gamma * nextv * nonterminal - values[t]
        last = delta + gamma * lam * nonterminal * last
        adv[t] = last
    A = jnp.stack(adv)
    return A, A + values


def group_cleanrl():
    rng = np.random.default_rng(4007)
    cot_rng = np.random.default_rng(4008)
    cases = []

    def cr(id, comment, inputs, flags=None, source=None):
        inputs = {"form": "cleanrl", **inputs}
        params = resolve(inputs)
        r, v, d = (np.asarray(inputs[k], dtype=float) for k in ("rewards", "values", "dones"))
        nv, nd = np.asarray(inputs["next_value"], dtype=float), np.asarray(inputs["next_done"], dtype=float)
        f = lambda r_, v_, nv_: cleanrl_loop(r_, v_, jnp.asarray(d), nv_, jnp.asarray(nd), params["gamma"],
                                             params["lambda"])
        (A, R), vjp = jax.vjp(f, jnp.asarray(r), jnp.asarray(v), jnp.asarray(nv))
        cot = {"advantages": r4(cot_rng.standard_normal(r.shape)), "returns": r4(cot_rng.standard_normal(r.shape))}
        gr, gv, gnv = vjp((jnp.asarray(cot["advantages"]), jnp.asarray(cot["returns"])))
        return case(id, "GAE-3", comment, inputs, {"advantages": np.asarray(A), "returns": np.asarray(R)},
                    flags=flags, cotangents=cot, gradients={"rewards": np.asarray(gr), "values": np.asarray(gv),
                                                            "next_value": np.asarray(gnv)}, source=source)

    T, N = 6, 3
    base = {"rewards": r4(rng.normal(0.2, 1.0, (T, N))).tolist(), "values": r4(rng.normal(0.0, 1.0, (T, N))).tolist(),
            "dones": [[0, 0, 0], [0, 0, 0], [0, 1, 0], [0, 0, 0], [1, 0, 0], [0, 0, 0]],
            "next_value": r4(rng.normal(0.0, 1.0, N)).tolist(), "next_done": [0, 1, 0]}
    cases.append(cr("cleanrl-layout-preset", "CleanRL fe8d8a03 ppo.py layout under preset cleanRL (gamma 0.99, lambda "
                    "0.95): time-major [T=6, N=3]; env 1 starts a new episode at step 2, env 0 at step 4 (so steps 1 "
                    "and 3 end one), env 1's buffer ends with next_done = 1 (no bootstrap), the others bootstrap "
                    "next_value.", dict(base, preset="cleanRL"), flags=["cleanrl", "preset"]))
    cases.append(cr("cleanrl-layout-defaults", "Same buffer with the paper defaults (the layout is an input "
                    "convention of its own, usable with any preset).", base, flags=["cleanrl"]))
    cases.append(cr("cleanrl-layout-hand", "T = 2, N = 1, gamma = lambda = 0.5, r = [1, 2], V = [0.5, 1], next_value "
                    "4, no done: delta = [1 + 0.5 - 0.5, 2 + 2 - 1] = [1, 3], A = [1 + 0.25*3, 3] = [1.75, 3].",
                    {"rewards": [[1.0], [2.0]], "values": [[0.5], [1.0]], "dones": [[0], [0]], "next_value": [4.0],
                     "next_done": [0], "gamma": 0.5, "lambda": 0.5}, flags=["cleanrl", "hand"],
                    source={"kind": "hand", "reference": "A = [1.75, 3], R = [2.25, 4]"}))
    for id, comment, inputs, kind in (
            ("err-cleanrl-missing-next-done", "form cleanrl needs next_done.",
             {"rewards": [[1.0]], "values": [[0.5]], "dones": [[0]], "next_value": [0.0]}, "missing_input"),
            ("err-cleanrl-next-value-shape", "next_value must have one entry per environment.",
             {"rewards": [[1.0, 2.0]], "values": [[0.5, 0.5]], "dones": [[0, 0]], "next_value": [0.0], "next_done": [0, 0]},
             "shape_mismatch")):
        cases.append(case(id, "GAE-3", comment, {"form": "cleanrl", **inputs}, {"error": kind}, flags=["error"]))
    return cases


def main():
    src = generator_source(PROGRAM, "float64 JAX recursion written from Specs/GAE.md; jax.vjp gradients")
    groups = [
        ("recursion", "GAE recursion: padding, termination, truncation bootstrap, skip vs zero_fill, "
                      "lambda = 0, Monte-Carlo, T = 1, T = 0, long rows", group_recursion()),
        ("placement", "Placement of sequence-level scores (GAE-1)", group_placement()),
        ("whitening", "Whitening of advantages (GAE-5): variance, epsilon placement, shift_mean, kinks",
         group_whitening()),
        ("presets", "Framework presets on one shared batch", group_presets()),
        ("errors", "Invalid inputs and their error kinds", group_errors()),
        ("whiten_form", "Whitening on its own (form \"whiten\", GAE-5): outputs whitened, mean, variance; "
                        "every preset's conventions", group_whiten_form()),
        ("cleanrl_layout", "CleanRL's time-major layout with dones / next_done / next_value (form \"cleanrl\")",
         group_cleanrl()),
    ]
    total = 0
    for group, desc, cases in groups:
        path = write_file(SPEC, group, desc, src, cases)
        total += len(cases)
        print(f"wrote {path} ({len(cases)} cases, {os.path.getsize(path)} bytes)")
    print(f"total {total} cases")


if __name__ == "__main__":
    main()
