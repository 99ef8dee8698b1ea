"""Golden cases for Specs/VLRMRSScore.md (seed 004_531eaa20d30d8d4b.txt, Section 5, Equation 5: the VLRM-RS
similarity sim_k = blip2_itm_k + 0.3 * Phi_k with Phi the standardised diagonal of the product of the two
softmaxes of the cosine-similarity matrix).

Independent float64 implementation in JAX (x64); gradients of L = <cotangent, sim> with respect to
`image_embeddings`, `text_embeddings` and `itm` by autodiff (jax.vjp). Degenerate cases (N = 1, all D_k
equal) follow the Spec's rule Phi = 0 with gradient 0, set explicitly.

Float32 tolerances: the standardisation (D - mean D) / std D divides by a spread that can be much smaller
than D itself, so its float32 error is condition-dependent. Each case's float32 tolerance is therefore
measured: the same JAX program is run in float32 (inputs rounded to float32) and the tolerance is set to
10x the observed worst absolute error (never below the default), with the reason in the case comment.

Writes GoldenData/VLRMRSScore/{score,errors}.json. Run from the package root:
    .venv-golden/bin/python GoldenData/_generators/gen_VLRMRSScore.py
"""
from __future__ import annotations

import os
import sys

import numpy as np
import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden_io as g  # noqa: E402

SPEC = "VLRMRSScore"
PROGRAM = "GoldenData/_generators/gen_VLRMRSScore.py"
DEFAULTS = {"phi_weight": 0.3, "logit_scale": 1.0, "std": "unbiased", "epsilon": 0.0,
            "norm_epsilon": 1e-12}
PRESETS = {"paper": {}}


from golden_io import SpecError  # noqa: E402


def resolve(inp):
    p = dict(DEFAULTS)
    if "preset" in inp:
        if inp["preset"] not in PRESETS:
            raise SpecError("invalid_argument")
        p.update(PRESETS[inp["preset"]])
    for k in DEFAULTS:
        if k in inp:
            p[k] = inp[k]
    return p


def as_matrix(x):
    if not isinstance(x, list) or any(not isinstance(r, list) for r in x):
        raise SpecError("shape_mismatch")
    if len(x) and any(len(r) != len(x[0]) for r in x):
        raise SpecError("shape_mismatch")
    return np.array(x, dtype=np.float64).reshape(len(x), len(x[0]) if x else 0)


def validate(inp):
    for k in ("image_embeddings", "text_embeddings", "itm"):
        if k not in inp:
            raise SpecError("missing_input")
    p = resolve(inp)
    if p["std"] not in ("unbiased", "population"):
        raise SpecError("invalid_argument")
    A = as_matrix(inp["image_embeddings"])
    B = as_matrix(inp["text_embeddings"])
    itm = np.array(inp["itm"], dtype=np.float64)
    if A.shape != B.shape or itm.shape != (A.shape[0],):
        raise SpecError("shape_mismatch")
    if A.shape[0] == 0 or A.shape[1] == 0:
        raise SpecError("empty")
    scal = [p["phi_weight"], p["logit_scale"], p["epsilon"], p["norm_epsilon"]]
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B)) and np.all(np.isfinite(itm))
            and np.all(np.isfinite(scal))):
        raise SpecError("non_finite")
    if p["logit_scale"] <= 0 or p["epsilon"] < 0 or p["norm_epsilon"] <= 0:
        raise SpecError("out_of_range")
    return A, B, itm, p


def unit_rows(x, eps):
    sq = jnp.sum(x * x, axis=1, keepdims=True)
    big = sq > eps * eps
    norm = jnp.where(big, jnp.sqrt(jnp.where(big, sq, 1.0)), eps)   # max(||x||, eps), NaN-free gradient
    return x / norm


def forward(A, B, itm, p, degenerate):
    """VLRMRSScore-1..4. `degenerate` (decided outside autodiff) selects Phi = 0."""
    S = unit_rows(A, p["norm_epsilon"]) @ unit_rows(B, p["norm_epsilon"]).T      # [N_img, N_txt]
    Z = p["logit_scale"] * S
    P_img = jax.nn.softmax(Z, axis=0)    # softmax(S, 0): for each text j, a distribution over images i
    P_txt = jax.nn.softmax(Z, axis=1)    # softmax(S, 1): for each image i, a distribution over texts j
    D = jnp.diagonal(P_img * P_txt)
    N = D.shape[0]
    if degenerate:
        phi = jnp.zeros_like(D) * 0.0
    else:
        mean = jnp.mean(D)
        ddof = 1 if p["std"] == "unbiased" else 0
        std = jnp.sqrt(jnp.sum((D - mean) ** 2) / (N - ddof))
        phi = (D - mean) / (std + p["epsilon"])
    sim = itm + p["phi_weight"] * phi
    return {"similarity": S, "d": D, "phi": phi, "sim": sim}


def is_degenerate(A, B, p):
    out = forward(jnp.asarray(A), jnp.asarray(B), jnp.zeros(A.shape[0]), p, degenerate=True)
    D = np.asarray(out["d"])
    N = D.shape[0]
    return N == 1 or bool(np.all(D == D[0]))


def evaluate(inp, rng):
    A, B, itm, p = validate(inp)
    deg = is_degenerate(A, B, p)

    out, vjp = jax.vjp(lambda a, b, t: forward(a, b, t, p, deg)["sim"],
                       jnp.asarray(A), jnp.asarray(B), jnp.asarray(itm))
    full = forward(jnp.asarray(A), jnp.asarray(B), jnp.asarray(itm), p, deg)
    cot = rng.normal(size=A.shape[0])
    dA, dB, dT = vjp(jnp.asarray(cot))
    if deg:   # Spec: Phi := 0 is treated as a constant; its gradient is 0 (JAX agrees, asserted)
        assert np.all(np.asarray(dA) == 0) and np.all(np.asarray(dB) == 0)
    expected = {k: np.asarray(v) for k, v in full.items()}
    grads = {"image_embeddings": np.asarray(dA), "text_embeddings": np.asarray(dB), "itm": np.asarray(dT)}

    # float32 run of the same program, to state the float32 tolerance from the arithmetic
    A32, B32, T32 = (jnp.asarray(np.asarray(x, dtype=np.float32)) for x in (A, B, itm))
    p32 = dict(p)
    out32, vjp32 = jax.vjp(lambda a, b, t: forward(a, b, t, p32, deg)["sim"], A32, B32, T32)
    full32 = forward(A32, B32, T32, p32, deg)
    g32 = vjp32(jnp.asarray(cot, dtype=jnp.float32))
    def needed_atol(got, want):   # smallest atol that passes with the default float32 rtol 1e-4
        got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
        return float(np.max(np.abs(got - want) - 1e-4 * np.abs(want), initial=0.0))

    worst = 0.0
    for k in expected:
        worst = max(worst, needed_atol(full32[k], expected[k]))
    for got, want in zip(g32, (dA, dB, dT)):
        worst = max(worst, needed_atol(got, want))
    return expected, {"sim": cot}, grads, deg, worst


def ok(rng, cid, eq, comment, inputs, flags=(), source=None):
    expected, cot, grads, deg, worst32 = evaluate(inputs, rng)
    flags = list(flags)
    if deg and len(inputs["itm"]) > 1 and "nondifferentiable" not in flags:
        flags.append("nondifferentiable")
    tol = None
    if 10 * worst32 > 1e-5:
        atol32 = float(f"{10 * worst32:.1g}")
        if atol32 < 10 * worst32:
            atol32 = float(f"{2 * atol32:.1g}")
        tol = g.tolerance(f32_atol=atol32)
        comment += (f" Float32 tolerance atol {atol32:g} (rtol 1e-4): a float32 run of the same formula needs "
                    f"atol {worst32:.1e} (the standardisation divides by std D, which can be small relative "
                    f"to D), times 10.")
    return g.case(cid, eq, comment, inputs, expected, flags=flags, cotangents=cot, gradients=grads,
                  tol=tol, source=source)


def err(cid, eq, comment, inputs, kind):
    try:
        validate(inputs)
    except SpecError as e:
        assert e.kind == kind, (cid, e.kind, kind)
    else:
        raise AssertionError(cid)
    return g.case(cid, eq, comment, inputs, {"error": kind}, flags=["error"])


def r(x, d=6):
    return np.round(np.asarray(x), d).tolist()


def score_cases():
    rng = np.random.default_rng(5005)
    C = []
    C.append(ok(rng, "n1", "VLRMRSScore-3",
                "N = 1: std D is undefined (unbiased) / zero (population); the Spec sets Phi = 0, so sim = itm "
                "and the embedding gradients are 0 (Phi is constant for N = 1, so this is a true gradient).",
                {"image_embeddings": [[0.3, -1.2, 0.5]], "text_embeddings": [[1.0, 0.25, -0.5]],
                 "itm": [2.5]}, flags=["length_1"]))
    same_img = r(rng.normal(size=3))
    same_txt = r(rng.normal(size=3))
    C.append(ok(rng, "identical-rows", "VLRMRSScore-3",
                "All image embeddings equal and all text embeddings equal: S is constant, every D_k = 1/N^2 "
                "exactly, std D = 0. Phi := 0 and sim = itm. Phi is discontinuous here (any perturbation "
                "gives |Phi_k| of order 1), so the case is flagged nondifferentiable and the stored "
                "gradient is the Spec's choice 0 for both embedding matrices (itm gradient = cotangent).",
                {"image_embeddings": [same_img] * 3, "text_embeddings": [same_txt] * 3,
                 "itm": [1.0, 2.0, 3.0]}, flags=["zero_variance"]))
    X = r(rng.normal(size=(4, 5)))
    C.append(ok(rng, "paired-identical", "VLRMRSScore-4",
                "image_k = text_k (perfect pairs, S_kk = 1): random 4x5, defaults.",
                {"image_embeddings": X, "text_embeddings": X, "itm": r(rng.normal(size=4) + 3)},
                flags=["random"]))
    # N = 2, unbiased: Phi = +-1/sqrt(2) whenever D_0 != D_1, constant -> embedding gradient 0
    A2 = [[1.0, 0.0], [0.6, 0.8]]
    B2 = [[1.0, 0.0], [0.0, 1.0]]
    C.append(ok(rng, "n2-hand", "VLRMRSScore-3",
                "N = 2 with the unbiased std: D - mean D = (+-d/2) and std = |d|/sqrt(2), so Phi = "
                "+-1/sqrt(2) whatever the embeddings (here S = [[1, 0], [0.6, 0.8]], "
                "D_0 = e/(e + e^0.6) * e/(e + 1) > D_1 = e^0.8/(1 + e^0.8) * e^0.8/(e^0.6 + e^0.8), so Phi = "
                "[1/sqrt(2), -1/sqrt(2)]); Phi is locally constant, so the embedding gradients are 0 up to "
                "rounding.",
                {"image_embeddings": A2, "text_embeddings": B2, "itm": [0.5, -0.5]},
                flags=["hand"],
                source={"kind": "hand", "reference": "Specs/VLRMRSScore.md, Edge cases (N = 2)"}))
    for name, extra, note in [
        ("random-default", {}, "Random N = 4, D = 5, defaults (logit_scale 1, unbiased std, epsilon 0)."),
        ("random-logit-scale-10", {"logit_scale": 10.0},
         "logit_scale 10 instead of the paper's raw cosine (CLIP's trained scale is 100, which saturates "
         "the softmaxes of such small random batches)."),
        ("random-population-eps", {"std": "population", "epsilon": 1e-3},
         "Population std and epsilon 1e-3 added to the std."),
        ("random-phi-weight", {"phi_weight": 1.0, "preset": "paper"},
         "preset 'paper' with phi_weight overridden to 1."),
    ]:
        inp = {"image_embeddings": r(rng.normal(size=(4, 5))), "text_embeddings": r(rng.normal(size=(4, 5))),
               "itm": r(rng.normal(size=4) * 2 + 3)}
        inp.update(extra)
        C.append(ok(rng, name, "VLRMRSScore-4", note, inp, flags=["random"]))
    inp = {"image_embeddings": r(rng.normal(size=(3, 4))), "text_embeddings": r(rng.normal(size=(3, 4))),
           "itm": [0.0, 1.0, 2.0]}
    inp["text_embeddings"][1] = [0.0, 0.0, 0.0, 0.0]
    C.append(ok(rng, "zero-text-embedding", "VLRMRSScore-1",
                "Text 1 is the zero vector: it is divided by max(||x||, norm_epsilon) = 1e-12, so its "
                "similarities are 0, and the gradient with respect to it is (upstream)/1e-12 "
                "(~1e11 entries): the rescaling is linear below norm_epsilon. The function is differentiable "
                "there but linear only within ||x|| < 1e-12, far below the finite-difference step 1e-6, so the "
                "case is flagged nondifferentiable to skip the FD check; the golden gradient is the exact one.",
                inp, flags=["zero_vector", "nondifferentiable"]))
    return C


def error_cases():
    base = {"image_embeddings": [[1.0, 0.0], [0.0, 1.0]], "text_embeddings": [[1.0, 0.0], [0.0, 1.0]],
            "itm": [1.0, 2.0]}
    E = []
    E.append(err("rows-differ", "VLRMRSScore-1", "3 images, 2 texts.",
                 dict(base, image_embeddings=[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), "shape_mismatch"))
    E.append(err("dims-differ", "VLRMRSScore-1", "Embedding widths 2 and 3.",
                 dict(base, text_embeddings=[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), "shape_mismatch"))
    E.append(err("itm-length", "VLRMRSScore-4", "itm has 3 entries for N = 2.",
                 dict(base, itm=[1.0, 2.0, 3.0]), "shape_mismatch"))
    E.append(err("nan-embedding", "VLRMRSScore-1", "NaN in the image embeddings.",
                 dict(base, image_embeddings=[[1.0, "nan"], [0.0, 1.0]]), "non_finite"))
    E.append(err("inf-itm", "VLRMRSScore-4", "itm contains +inf.", dict(base, itm=[1.0, "inf"]),
                 "non_finite"))
    E.append(err("empty", "VLRMRSScore-1", "N = 0.",
                 {"image_embeddings": [], "text_embeddings": [], "itm": []}, "empty"))
    E.append(err("zero-width", "VLRMRSScore-1", "D = 0.",
                 {"image_embeddings": [[], []], "text_embeddings": [[], []], "itm": [1.0, 2.0]}, "empty"))
    E.append(err("logit-scale-zero", "VLRMRSScore-2", "logit_scale 0.", dict(base, logit_scale=0.0),
                 "out_of_range"))
    E.append(err("epsilon-negative", "VLRMRSScore-3", "epsilon -1e-6.", dict(base, epsilon=-1e-6),
                 "out_of_range"))
    E.append(err("std-unknown", "VLRMRSScore-3", "std 'sample'.", dict(base, std="sample"),
                 "invalid_argument"))
    E.append(err("itm-missing", "VLRMRSScore-4", "No itm key.",
                 {k: v for k, v in base.items() if k != "itm"}, "missing_input"))
    return E


def main():
    src = g.generator_source(PROGRAM, "independent float64 JAX implementation of Specs/VLRMRSScore.md")
    root = os.path.dirname(g.ROOT)
    for group, desc, cases in [
        ("score", "VLRM-RS score: degenerate N = 1 / zero variance, N = 2, random, options.", score_cases()),
        ("errors", "Invalid inputs and their error kinds.", error_cases()),
    ]:
        print("wrote", os.path.relpath(g.write_file(SPEC, group, desc, src, cases), root))


if __name__ == "__main__":
    main()
