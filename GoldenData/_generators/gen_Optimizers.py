"""Golden data for Specs/Optimizers.md: pure-function Adam / AdamW steps, multi-step trajectories, the
linear warm-up schedule of seed 004, global gradient-norm clipping over a list of tensors and
element-wise gradient clamping.

Values only: the optimizer steps are not differentiated (the Spec says so), so no case has gradients.
Independent float64 reference with NumPy, written from the formulas of the Spec (bias-corrected
moments m_hat, v_hat; PyTorch's algebraically identical rearrangement is cross-checked in the
generator). Hand-checkable cases carry a `source` of kind "hand".

Run from the package root: .venv-golden/bin/python GoldenData/_generators/gen_Optimizers.py
"""
from __future__ import annotations

import copy
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_io import as_read, case, generator_source, write_file  # noqa: E402

SPEC = "Optimizers"
PROGRAM = "GoldenData/_generators/gen_Optimizers.py"

DEFAULTS = {"algorithm": "adam", "lr": 1e-5, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": None,
            "warmup_steps": 20, "warmup_mode": "zero_start", "max_norm": 1.0, "norm_epsilon": 1e-6,
            "clip_value": 1.0}
PRESETS = {
    "paper": {"algorithm": "adam", "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0,
              "warmup_steps": 20, "warmup_mode": "zero_start", "max_norm": 1.0, "norm_epsilon": 1e-6},
    "trl": {"algorithm": "adamw", "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0,
            "warmup_steps": 0, "warmup_mode": "zero_start", "max_norm": 1.0, "norm_epsilon": 1e-6},
    "verl": {"algorithm": "adamw", "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01,
             "warmup_steps": 0, "warmup_mode": "zero_start", "max_norm": 1.0, "norm_epsilon": 1e-6},
    "openRLHF": {"algorithm": "adamw", "beta1": 0.9, "beta2": 0.95, "eps": 1e-8, "weight_decay": 0.0,
                 "warmup_steps": 0, "warmup_mode": "zero_start", "max_norm": 1.0, "norm_epsilon": 1e-6},
    "cleanRL": {"algorithm": "adam", "beta1": 0.9, "beta2": 0.999, "eps": 1e-5, "weight_decay": 0.0,
                "warmup_steps": 0, "warmup_mode": "zero_start", "max_norm": 0.5, "norm_epsilon": 1e-6},
    # RL4VLM b989b57 as shipped (accelerate + DeepSpeed ZeRO-2, scripts/config_zero2.yaml): DeepSpeed clips at
    # the gradient_clipping accelerate fills in (1.0); --max-grad-norm 0.01 reaches only accelerate's
    # clip_grad_norm_, which under DeepSpeed does not clip
    "rl4vlm": {"algorithm": "adam", "beta1": 0.9, "beta2": 0.999, "eps": 1e-7, "weight_decay": 0.0,
               "warmup_steps": 0, "warmup_mode": "zero_start", "max_norm": 1.0, "norm_epsilon": 1e-6},
}
OPERATIONS = ("adam_step", "adam_trajectory", "warmup_lr", "clip_grad_norm", "clip_grad_value")


from golden_io import SpecError as GoldenError  # noqa: E402




def resolve(inp: dict) -> dict:
    cfg = dict(DEFAULTS)
    if "preset" in inp:
        if inp["preset"] not in PRESETS:
            raise GoldenError("invalid_argument")
        cfg.update(PRESETS[inp["preset"]])
    for k in DEFAULTS:
        if k in inp:
            cfg[k] = inp[k]
    if cfg["algorithm"] not in ("adam", "adamw") or cfg["warmup_mode"] not in ("zero_start", "peak_at_warmup_end"):
        raise GoldenError("invalid_argument")
    if cfg["weight_decay"] is None:
        cfg["weight_decay"] = 0.01 if cfg["algorithm"] == "adamw" else 0.0
    return cfg


def _is_int(x) -> bool:
    """An integral number (JSON cannot be relied on to keep 1 and 1.0 apart)."""
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        return False
    return math.isfinite(float(x)) and float(x) == math.floor(float(x))


def _finite_scalars(cfg, keys):
    for k in keys:
        if not math.isfinite(cfg[k]):
            raise GoldenError("non_finite")


def _check_adam_hparams(cfg):
    _finite_scalars(cfg, ("beta1", "beta2", "eps", "weight_decay"))
    if not (0.0 <= cfg["beta1"] < 1.0 and 0.0 <= cfg["beta2"] < 1.0):
        raise GoldenError("out_of_range")
    if cfg["eps"] <= 0 or cfg["weight_decay"] < 0:
        raise GoldenError("out_of_range")


def adam_update(theta, g, m, v, t, lr, cfg):
    """One step of the Spec's Optimizers-1/-2 (textbook form with m_hat and v_hat)."""
    b1, b2, eps, wd = cfg["beta1"], cfg["beta2"], cfg["eps"], cfg["weight_decay"]
    if cfg["algorithm"] == "adam" and wd != 0:
        g = g + wd * theta                       # L2 coupling (PyTorch Adam weight_decay)
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat = m / (1 - b1 ** t)
    v_hat = v / (1 - b2 ** t)
    if cfg["algorithm"] == "adamw":
        theta = theta * (1 - lr * wd)            # decoupled decay (Loshchilov & Hutter, PyTorch AdamW)
    theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta, m, v


def adam_update_torch_form(theta, g, m, v, t, lr, cfg):
    """PyTorch's rearrangement (step_size = lr/bc1, denom = sqrt(v)/sqrt(bc2) + eps): cross-check only."""
    b1, b2, eps, wd = cfg["beta1"], cfg["beta2"], cfg["eps"], cfg["weight_decay"]
    if cfg["algorithm"] == "adam" and wd != 0:
        g = g + wd * theta
    else:
        theta = theta * (1 - lr * wd)
    m = m + (g - m) * (1 - b1)                   # lerp
    v = v * b2 + (1 - b2) * g * g
    bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
    denom = np.sqrt(v) / math.sqrt(bc2) + eps
    return theta - (lr / bc1) * m / denom, m, v


def warmup_lr(t, cfg):
    W, peak = cfg["warmup_steps"], cfg["lr"]
    if W == 0:
        return peak
    k = t - 1 if cfg["warmup_mode"] == "zero_start" else t
    return peak * min(1.0, k / W)




def forward(inp: dict) -> dict:
    inp = as_read(inp)
    if "operation" not in inp:
        raise GoldenError("missing_input")
    op = inp["operation"]
    if op not in OPERATIONS:
        raise GoldenError("invalid_argument")
    cfg = resolve(inp)

    if op in ("adam_step", "adam_trajectory"):
        if "params" not in inp or "grads" not in inp or (op == "adam_step" and "step" not in inp):
            raise GoldenError("missing_input")
        if op == "adam_trajectory" and len(inp["grads"]) == 0:
            raise GoldenError("empty")
        theta = np.asarray(inp["params"], dtype=np.float64)
        grads = np.asarray(inp["grads"], dtype=np.float64)
        m = np.asarray(inp["m"], dtype=np.float64) if "m" in inp else np.zeros_like(theta)
        v = np.asarray(inp["v"], dtype=np.float64) if "v" in inp else np.zeros_like(theta)
        gshape = grads.shape if op == "adam_step" else grads.shape[1:]
        if gshape != theta.shape or m.shape != theta.shape or v.shape != theta.shape or \
                (op == "adam_trajectory" and grads.ndim != theta.ndim + 1):
            raise GoldenError("shape_mismatch")
        t0 = inp.get("step", 1)
        if not _is_int(t0):
            raise GoldenError("invalid_argument")
        t0 = int(t0)
        if op == "adam_trajectory":
            K = grads.shape[0]
            if "lr" in inp and "lrs" in inp:
                raise GoldenError("invalid_argument")
            lrs = np.asarray(inp["lrs"], dtype=np.float64) if "lrs" in inp else np.full(K, cfg["lr"])
            if lrs.shape != (K,):
                raise GoldenError("shape_mismatch")
        else:
            lrs = np.asarray([cfg["lr"]])
        for a in (theta, grads, m, v, lrs):
            if not np.all(np.isfinite(a)):
                raise GoldenError("non_finite")
        _check_adam_hparams(cfg)
        if t0 < 1 or np.any(lrs < 0) or np.any(v < 0):
            raise GoldenError("out_of_range")
        if op == "adam_step":
            th, m2, v2 = adam_update(theta, grads, m, v, t0, float(lrs[0]), cfg)
            tt, mt, vt = adam_update_torch_form(theta, grads, m, v, t0, float(lrs[0]), cfg)
            assert np.allclose(th, tt, rtol=1e-13, atol=1e-15) and np.allclose(m2, mt, rtol=1e-13, atol=1e-300)
            return {"params": th + 0.0, "m": m2 + 0.0, "v": v2 + 0.0}
        hist = []
        for k in range(K):
            theta, m, v = adam_update(theta, grads[k], m, v, t0 + k, float(lrs[k]), cfg)
            hist.append(theta)
        return {"params": theta + 0.0, "m": m + 0.0, "v": v + 0.0, "params_history": np.asarray(hist) + 0.0}

    if op == "warmup_lr":
        if "steps" not in inp:
            raise GoldenError("missing_input")
        steps = inp["steps"]
        if not all(_is_int(s) for s in steps) or not _is_int(cfg["warmup_steps"]):
            raise GoldenError("invalid_argument")
        _finite_scalars(cfg, ("lr",))
        if any(s < 1 for s in steps) or cfg["warmup_steps"] < 0 or cfg["lr"] < 0:
            raise GoldenError("out_of_range")
        return {"lrs": np.asarray([warmup_lr(s, cfg) for s in steps], dtype=np.float64)}

    # clipping: grads is a list of tensors
    if "grads" not in inp:
        raise GoldenError("missing_input")
    tensors = [np.asarray(g, dtype=np.float64) for g in inp["grads"]]
    for g in tensors:
        if not np.all(np.isfinite(g)):
            raise GoldenError("non_finite")
    if op == "clip_grad_value":
        _finite_scalars(cfg, ("clip_value",))
        c = cfg["clip_value"]
        if c <= 0:
            raise GoldenError("out_of_range")
        return {"grads": [np.clip(g, -c, c) for g in tensors]}
    _finite_scalars(cfg, ("max_norm", "norm_epsilon"))
    if cfg["max_norm"] <= 0 or cfg["norm_epsilon"] < 0:
        raise GoldenError("out_of_range")
    per = np.array([math.sqrt(float(np.sum(g * g))) for g in tensors])
    total = math.sqrt(float(np.sum(per * per)))
    denom = total + cfg["norm_epsilon"]
    coef = 1.0 if denom == 0 else min(1.0, cfg["max_norm"] / denom)
    return {"grads": [g * coef for g in tensors], "total_norm": total, "clip_coef": coef}


def ok_case(cid, equation, comment, inputs, flags=None, source=None, tol=None):
    return case(cid, equation, comment, inputs, forward(inputs), flags=flags, source=source, tol=tol)


def error_case(cid, equation, comment, inputs, kind):
    try:
        forward(inputs)
    except GoldenError as e:
        assert e.kind == kind, (cid, e.kind, kind)
    else:
        raise AssertionError(f"{cid}: expected error {kind}")
    return case(cid, equation, comment, inputs, {"error": kind}, flags=["error"])


def r6(rng, *shape, scale=1.0):
    return np.round(rng.normal(0.0, scale, size=shape), 6)


def adam_cases() -> list:
    rng = np.random.default_rng(3003)
    cases = []
    hand = {"operation": "adam_step", "params": [1.0, -2.0], "grads": [0.5, -0.25], "step": 1, "lr": 0.1}
    cases.append(ok_case(
        "hand-step1-bias-correction", "Optimizers-2",
        "Step 1 from m = v = 0: m = 0.1 g, v = 0.001 g^2, m_hat = g, v_hat = g^2, so the update is "
        "lr*g/(|g| + eps): params = [1 - 0.1*0.5/0.50000001, -2 + 0.1*0.25/0.25000001] = "
        "[0.900000002, -1.900000004] (to 9 digits); m = [0.05, -0.025], v = [0.00025, 0.0000625].",
        hand, source={"kind": "hand", "reference": "Specs/Optimizers.md, Optimizers-2"}))
    shape = (2, 3)
    p, g = r6(rng, *shape), r6(rng, *shape, scale=0.1)
    m, v = r6(rng, *shape, scale=0.01), np.abs(r6(rng, *shape, scale=1e-3)) * 1e-2
    base = {"operation": "adam_step", "params": p, "grads": g, "m": m, "v": v, "step": 7, "lr": 1e-3}
    cases.append(ok_case("adam-step-7", "Optimizers-2",
                         "Adam at step 7 from a random state (m, v given), lr 1e-3, defaults otherwise.", base))
    cases.append(ok_case("adamw-step-7", "Optimizers-2",
                         "Same state with algorithm adamw and its default weight_decay 0.01 (seed 003): "
                         "params first scaled by (1 - lr*wd), gradient untouched.", dict(base, algorithm="adamw")))
    cases.append(ok_case("adam-l2-weight-decay", "Optimizers-1",
                         "algorithm adam with weight_decay 0.01: L2 coupling, wd*params added to the gradient "
                         "before the moments (PyTorch Adam, RL4VLM's --weight-decay).",
                         dict(base, weight_decay=0.01)))
    cases.append(ok_case("zero-gradient-step1", "Optimizers-2",
                         "Zero gradient at step 1 from zero moments: m = v = 0, update 0/(0 + eps) = 0, "
                         "params unchanged (Adam).",
                         {"operation": "adam_step", "params": [0.5, -1.5, 2.0], "grads": [0.0, 0.0, 0.0],
                          "step": 1, "lr": 0.01},
                         source={"kind": "hand", "reference": "Specs/Optimizers.md, Edge cases"}))
    cases.append(ok_case("zero-gradient-step1-adamw", "Optimizers-2",
                         "Zero gradient with adamw, wd 0.01, lr 0.01: only the decay acts, params * 0.9999.",
                         {"operation": "adam_step", "params": [0.5, -1.5, 2.0], "grads": [0.0, 0.0, 0.0],
                          "step": 1, "lr": 0.01, "algorithm": "adamw"},
                         source={"kind": "hand", "reference": "Specs/Optimizers.md, Edge cases"}))
    cases.append(ok_case("zero-gradient-with-momentum", "Optimizers-2",
                         "Zero gradient at step 7 with non-zero m, v: params still move by the decayed momentum.",
                         dict(base, grads=np.zeros(shape))))
    tiny = {"operation": "adam_step", "params": [1.0, 1.0], "grads": [1e-7, -3e-8], "step": 1, "lr": 1e-3}
    cases.append(ok_case("tiny-gradient-eps-1e-8", "Optimizers-2",
                         "Gradients of order eps at step 1: update lr*g/(|g| + eps) is visibly below lr "
                         "(eps placement matters: added to sqrt(v_hat), PyTorch).", tiny))
    cases.append(ok_case("tiny-gradient-preset-rl4vlm", "Optimizers-2",
                         "Same with preset rl4vlm (Adam eps 1e-7): g = 1e-7 moves by lr*0.5.",
                         dict(tiny, preset="rl4vlm")))
    cases.append(ok_case("large-step-count", "Optimizers-2",
                         "step 10000: bias corrections 1 - 0.9^10000 = 1 and 1 - 0.999^10000 = 0.99995.",
                         dict(base, step=10000)))
    cases.append(ok_case("rank-3-params-openrlhf", "Optimizers-2",
                         "params of shape [2,2,2] under preset openRLHF (AdamW, betas 0.9/0.95, wd 0) with an "
                         "explicit weight_decay 0.1 override; step 3.",
                         {"operation": "adam_step", "params": r6(rng, 2, 2, 2), "grads": r6(rng, 2, 2, 2),
                          "m": r6(rng, 2, 2, 2, scale=0.1), "v": np.abs(r6(rng, 2, 2, 2, scale=0.1)) * 0.1,
                          "step": 3, "lr": 1e-2, "preset": "openRLHF", "weight_decay": 0.1}))
    cases.append(ok_case("default-lr-omitted-m-v", "Optimizers-2",
                         "No lr, m, v keys: lr 1e-5 (seed 004) and zero moments; step 1.",
                         {"operation": "adam_step", "params": [0.25, -0.75], "grads": [2.0, -0.5], "step": 1}))

    # trajectories
    K = 5
    p0 = r6(rng, 3)
    gs = r6(rng, K, 3, scale=0.5)
    cases.append(ok_case("trajectory-5-steps-adam", "Optimizers-3",
                         "Five Adam steps from zero moments with the given gradients (steps 1..5), lr 0.01; "
                         "final params/m/v and params after each step.",
                         {"operation": "adam_trajectory", "params": p0, "grads": gs, "lr": 0.01}))
    lrs = np.array([warmup_lr(t, dict(DEFAULTS, warmup_steps=3, lr=0.01)) for t in range(1, K + 1)])
    cases.append(ok_case("trajectory-5-steps-adamw-warmup", "Optimizers-3",
                         "Five AdamW steps (wd 0.01) with per-step lrs from the zero_start warm-up "
                         "(W = 3, peak 0.01): [0, 1/3, 2/3, 1, 1]*0.01. Step 1 uses lr 0 (params unchanged, "
                         "moments updated).",
                         {"operation": "adam_trajectory", "params": p0, "grads": gs, "lrs": lrs,
                          "algorithm": "adamw"}))
    cases.append(ok_case("trajectory-resume-at-step-4", "Optimizers-3",
                         "Two Adam steps resuming at step 4 from a given state (step = index of the first step).",
                         {"operation": "adam_trajectory", "params": p0, "grads": gs[:2],
                          "m": r6(rng, 3, scale=0.05), "v": np.abs(r6(rng, 3, scale=0.05)) * 0.05,
                          "step": 4, "lr": 0.01}))
    return cases


def schedule_cases() -> list:
    steps = list(range(1, 26))
    cases = [
        ok_case("warmup-seed004-zero-start", "Optimizers-4",
                "Seed 004: 20 warm-up steps from 0 to 1e-5, then constant. zero_start: lr(t) = 1e-5*min(1,(t-1)/20): "
                "t=1 -> 0, t=2 -> 5e-7, t=21 -> 1e-5 (HF/verl get_constant_schedule_with_warmup).",
                {"operation": "warmup_lr", "steps": steps},
                source={"kind": "hand", "reference": "004_531eaa20d30d8d4b.txt section 3.6; Specs/Optimizers.md"}),
        ok_case("warmup-seed004-peak-at-end", "Optimizers-4",
                "peak_at_warmup_end: lr(t) = 1e-5*min(1, t/20): t=1 -> 5e-7, t=20 -> 1e-5.",
                {"operation": "warmup_lr", "steps": steps, "warmup_mode": "peak_at_warmup_end"},
                source={"kind": "hand", "reference": "Specs/Optimizers.md, Optimizers-4"}),
        ok_case("warmup-zero-steps", "Optimizers-4",
                "warmup_steps 0: constant peak from step 1 (both modes).",
                {"operation": "warmup_lr", "steps": [1, 2, 100], "warmup_steps": 0, "lr": 3e-4},
                source={"kind": "hand", "reference": "Specs/Optimizers.md, Edge cases"}),
        ok_case("warmup-one-step", "Optimizers-4",
                "warmup_steps 1, zero_start: step 1 -> 0, then the peak.",
                {"operation": "warmup_lr", "steps": [1, 2, 3], "warmup_steps": 1, "lr": 2e-7},
                source={"kind": "hand", "reference": "Specs/Optimizers.md, Optimizers-4"}),
    ]
    return cases


def clip_cases() -> list:
    rng = np.random.default_rng(3004)
    exact = {"operation": "clip_grad_norm", "grads": [[3.0], [[0.0, 4.0]]], "max_norm": 5.0}
    cases = [
        ok_case("norm-equals-max-pytorch", "Optimizers-5",
                "Two tensors with norms 3 and 4: total norm exactly 5 = max_norm. PyTorch's formula "
                "(norm_epsilon 1e-6) still scales by 5/(5 + 1e-6) = 0.9999998.", exact,
                source={"kind": "hand", "reference": "Specs/Optimizers.md, Optimizers-5"}),
        ok_case("norm-equals-max-exact", "Optimizers-5",
                "Same with norm_epsilon 0 (exact): coefficient min(1, 5/5) = 1, gradients unchanged.",
                dict(exact, norm_epsilon=0.0),
                source={"kind": "hand", "reference": "Specs/Optimizers.md, Optimizers-5"}),
        ok_case("norm-zero-pytorch", "Optimizers-5",
                "All-zero gradients: total norm 0, coefficient min(1, 1/(0 + 1e-6)) = 1, unchanged.",
                {"operation": "clip_grad_norm", "grads": [[0.0, 0.0], [[0.0]]]},
                source={"kind": "hand", "reference": "Specs/Optimizers.md, Edge cases"}),
        ok_case("norm-zero-exact", "Optimizers-5",
                "All-zero gradients with norm_epsilon 0: 0/0 is defined as coefficient 1 (no change).",
                {"operation": "clip_grad_norm", "grads": [[0.0, 0.0], [[0.0]]], "norm_epsilon": 0.0},
                source={"kind": "hand", "reference": "Specs/Optimizers.md, Edge cases"}),
    ]
    tensors = [r6(rng, 3), r6(rng, 2, 2), r6(rng, 1)]
    cases.append(ok_case("norm-above-max-seed000", "Optimizers-5",
                         "Three tensors (shapes [3], [2,2], [1]), max_norm 0.5 (seed 000): all scaled by "
                         "0.5/(total + 1e-6).", {"operation": "clip_grad_norm", "grads": tensors, "max_norm": 0.5}))
    small = [t * 0.05 for t in tensors]
    cases.append(ok_case("norm-below-max", "Optimizers-5",
                         "Total norm below max_norm 1.0 (default, seed 004 reading): unchanged, coefficient 1.",
                         {"operation": "clip_grad_norm", "grads": small}))
    cases.append(ok_case("norm-preset-rl4vlm", "Optimizers-5",
                         "preset rl4vlm (RL4VLM b989b57 under its shipped DeepSpeed ZeRO-2 config): max_norm 1.0, "
                         "DeepSpeed's gradient_clipping as filled in by accelerate; the total norm is below it, "
                         "so the gradients are unchanged.",
                         {"operation": "clip_grad_norm", "grads": small, "preset": "rl4vlm"}))
    cases.append(ok_case("norm-rl4vlm-max-grad-norm-argument", "Optimizers-5",
                         "preset rl4vlm with max_norm 0.01 (RL4VLM's --max-grad-norm default, effective only "
                         "without DeepSpeed): the same gradients are scaled by 0.01/(total + 1e-6).",
                         {"operation": "clip_grad_norm", "grads": small, "preset": "rl4vlm", "max_norm": 0.01}))
    cases.append(ok_case("clamp-threshold-1", "Optimizers-6",
                         "Element-wise clamp to [-1, 1] (the other reading of seed 004's 'clamp the gradient "
                         "with threshold 1'); values exactly +-1 and inside stay, others are cut.",
                         {"operation": "clip_grad_value", "grads": [[-2.5, -1.0, 0.3, 1.0, 7.0], [[0.999, -1.001]]]},
                         source={"kind": "hand", "reference": "Specs/Optimizers.md, Optimizers-6"}))
    cases.append(ok_case("clamp-threshold-0.25", "Optimizers-6", "clip_value 0.25 on random tensors.",
                         {"operation": "clip_grad_value", "grads": tensors, "clip_value": 0.25}))
    return cases


def error_cases() -> list:
    st = {"operation": "adam_step", "params": [1.0, 2.0], "grads": [0.1, 0.2], "step": 1}
    cl = {"operation": "clip_grad_norm", "grads": [[1.0, 2.0]]}
    out = []

    def mod(b, **kw):
        d = copy.deepcopy(b)
        for k, v in kw.items():
            if v is None:
                d.pop(k)
            else:
                d[k] = v
        return d

    out.append(error_case("error-step-zero", "Optimizers-2", "step 0 (steps are 1-based)", mod(st, step=0),
                          "out_of_range"))
    out.append(error_case("error-step-not-integer", "Optimizers-2", "step 1.5", mod(st, step=1.5),
                          "invalid_argument"))
    out.append(error_case("error-missing-step", "Optimizers-2", "adam_step without step", mod(st, step=None),
                          "missing_input"))
    out.append(error_case("error-beta1-one", "Optimizers-1", "beta1 = 1", mod(st, beta1=1.0), "out_of_range"))
    out.append(error_case("error-eps-zero", "Optimizers-2", "eps = 0", mod(st, eps=0.0), "out_of_range"))
    out.append(error_case("error-negative-lr", "Optimizers-2", "lr -1e-5", mod(st, lr=-1e-5), "out_of_range"))
    out.append(error_case("error-negative-v", "Optimizers-1", "second moment -1e-3",
                          mod(st, v=[0.0, -1e-3]), "out_of_range"))
    out.append(error_case("error-grads-shape", "Optimizers-1", "grads [3] vs params [2]",
                          mod(st, grads=[0.1, 0.2, 0.3]), "shape_mismatch"))
    out.append(error_case("error-nan-grad", "Optimizers-1", "NaN gradient", mod(st, grads=[0.1, "nan"]),
                          "non_finite"))
    out.append(error_case("error-unknown-algorithm", "Optimizers-2", "algorithm 'sgd'",
                          mod(st, algorithm="sgd"), "invalid_argument"))
    out.append(error_case("error-unknown-operation", "Optimizers-2", "operation 'lion_step'",
                          mod(st, operation="lion_step"), "invalid_argument"))
    out.append(error_case("error-missing-operation", "Optimizers-2", "no operation key",
                          mod(st, operation=None), "missing_input"))
    out.append(error_case("error-trajectory-lrs-length", "Optimizers-3", "lrs [1] for K = 2",
                          {"operation": "adam_trajectory", "params": [1.0], "grads": [[0.1], [0.2]], "lrs": [0.1]},
                          "shape_mismatch"))
    out.append(error_case("error-trajectory-empty", "Optimizers-3", "K = 0 gradients",
                          {"operation": "adam_trajectory", "params": [1.0], "grads": np.zeros((0, 1))}, "empty"))
    out.append(error_case("error-trajectory-lr-and-lrs", "Optimizers-3", "both lr and lrs",
                          {"operation": "adam_trajectory", "params": [1.0], "grads": [[0.1]], "lr": 0.1,
                           "lrs": [0.1]}, "invalid_argument"))
    out.append(error_case("error-warmup-step-zero", "Optimizers-4", "steps contain 0",
                          {"operation": "warmup_lr", "steps": [0, 1]}, "out_of_range"))
    out.append(error_case("error-warmup-negative", "Optimizers-4", "warmup_steps -1",
                          {"operation": "warmup_lr", "steps": [1], "warmup_steps": -1}, "out_of_range"))
    out.append(error_case("error-unknown-warmup-mode", "Optimizers-4", "warmup_mode 'cosine'",
                          {"operation": "warmup_lr", "steps": [1], "warmup_mode": "cosine"}, "invalid_argument"))
    out.append(error_case("error-max-norm-zero", "Optimizers-5", "max_norm 0", mod(cl, max_norm=0.0),
                          "out_of_range"))
    out.append(error_case("error-negative-norm-epsilon", "Optimizers-5", "norm_epsilon -1e-6",
                          mod(cl, norm_epsilon=-1e-6), "out_of_range"))
    out.append(error_case("error-inf-grad-clip", "Optimizers-5", "+inf gradient (PyTorch would give NaN)",
                          mod(cl, grads=[[1.0, "inf"]]), "non_finite"))
    out.append(error_case("error-clip-value-negative", "Optimizers-6", "clip_value -1",
                          {"operation": "clip_grad_value", "grads": [[1.0]], "clip_value": -1.0}, "out_of_range"))
    out.append(error_case("error-unknown-preset", "Optimizers-2", "preset 'deepspeed'",
                          mod(st, preset="deepspeed"), "invalid_argument"))
    return out


def main():
    src = generator_source(PROGRAM, "NumPy float64, values only (optimizer steps are not differentiated)")
    write_file(SPEC, "adam", "Adam/AdamW single steps (bias correction, weight decay forms, eps placement, "
               "zero gradients, presets) and multi-step trajectories", src, adam_cases())
    write_file(SPEC, "schedule", "Linear warm-up learning-rate schedule of seed 004 (both indexing modes)",
               src, schedule_cases())
    write_file(SPEC, "clipping", "Global gradient-norm clipping over a list of tensors (PyTorch +1e-6 vs exact) "
               "and element-wise clamping", src, clip_cases())
    write_file(SPEC, "errors", "Invalid inputs and the error kind each must produce", src, error_cases())


if __name__ == "__main__":
    main()
