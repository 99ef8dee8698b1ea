"""Golden cases for Specs/SimilarityReward.md: cosine-similarity reward (seeds 000, 001) and the
Monte-Carlo average of a stochastic reward over K draws (seed 001, K = 5).

Values in float64 NumPy/JAX; gradients by JAX autodiff of L = sum_k <cotangent_k, output_k>, except
on kinks (flag `nondifferentiable`), where the Spec's subgradient is computed explicitly by
differentiating the branch the Spec selects at a tie (never JAX's choice at `where`/`maximum`).

Run from the package root: .venv-golden/bin/python GoldenData/_generators/gen_SimilarityReward.py
"""
from __future__ import annotations

import os
import sys

import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_enable_x64", True)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_io import case, generator_source, tolerance, write_file  # noqa: E402

SPEC = "SimilarityReward"
PROGRAM = "GoldenData/_generators/gen_SimilarityReward.py"
EPS = 1e-8


# ---------------------------------------------------------------- cosine (SimilarityReward-1, -2)
def _safe_norm(x):
    """Row norms [N] with a zero (not NaN) derivative at the zero vector."""
    s = jnp.sum(x * x, axis=-1)
    pos = s > 0
    return jnp.where(pos, jnp.sqrt(jnp.where(pos, s, 1.0)), 0.0)


def cos_product(a, b, eps):
    """-1: <a,b> / max(|a||b|, eps); at |a||b| == eps the |a||b| branch is taken."""
    dot = jnp.sum(a * b, axis=-1)
    p = _safe_norm(a) * _safe_norm(b)
    big = p >= eps
    return jnp.where(big, dot / jnp.where(big, p, 1.0), dot / eps)


def cos_product_normalized_branch(a, b):
    """The |a||b| branch alone: used for the explicit subgradient at a tie."""
    return jnp.sum(a * b, axis=-1) / (jnp.sqrt(jnp.sum(a * a, axis=-1)) * jnp.sqrt(jnp.sum(b * b, axis=-1)))


def cos_separate(a, b, eps):
    """-2: <a,b> / (max(|a|,eps) max(|b|,eps)); at |x| == eps the |x| branch is taken."""
    na, nb = _safe_norm(a), _safe_norm(b)
    da = jnp.where(na >= eps, na, eps)
    db = jnp.where(nb >= eps, nb, eps)
    return jnp.sum(a * b, axis=-1) / (da * db)


def cos_separate_tie_branch(a, b, eps):
    """Separate mode with every norm that is >= eps used as a function (norm branch) and the others
    replaced by the constant eps: the Spec's subgradient at |a| == eps or |b| == eps."""
    na = float(np.linalg.norm(np.asarray(a)))
    nb = float(np.linalg.norm(np.asarray(b)))
    fa = (lambda x: jnp.sqrt(jnp.sum(x * x, axis=-1))) if na >= eps else (lambda x: eps)
    fb = (lambda x: jnp.sqrt(jnp.sum(x * x, axis=-1))) if nb >= eps else (lambda x: eps)
    return lambda x, y: jnp.sum(x * y, axis=-1) / (fa(x) * fb(y))


def cosine_case(cid, equation, comment, a, b, *, eps=None, eps_mode=None, preset=None, flags=None, g=None,
                rng=None, tie=False, tol=None, source=None, rescale=None):
    """`rescale` (a power of two s): value and gradient are computed at (a/s, b/s) and the gradient is
    divided by s. Exact, because the cosine is scale invariant on the |a||b| branch; used where JAX's
    quotient rule would overflow forming (|a||b|)^2."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if rescale is not None:
        c = cosine_case(cid, equation, comment, a / rescale, b / rescale, eps=eps, eps_mode=eps_mode, preset=preset,
                        flags=flags, g=g, rng=rng, tie=tie, tol=tol, source=source)
        e = EPS if eps is None else eps
        assert float(np.min(np.linalg.norm(a / rescale, axis=-1) * np.linalg.norm(b / rescale, axis=-1))) >= e
        c["inputs"]["a"], c["inputs"]["b"] = a, b
        for k in ("a", "b"):
            c["gradients"]["expected"][k] = np.asarray(c["gradients"]["expected"][k]) / rescale
        return c
    e = EPS if eps is None else eps
    mode = "product" if eps_mode is None else eps_mode
    f = cos_product if mode == "product" else cos_separate
    out = np.asarray(f(jnp.asarray(a), jnp.asarray(b), e))
    if g is None:
        g = rng.standard_normal(a.shape[0]) if rng is not None else np.ones(a.shape[0])
    g = np.asarray(g, dtype=np.float64)
    if tie:
        if mode == "product":
            fun = lambda x, y: jnp.sum(jnp.asarray(g) * cos_product_normalized_branch(x, y))  # noqa: E731
        else:
            rows = [cos_separate_tie_branch(a[i], b[i], e) for i in range(a.shape[0])]
            fun = lambda x, y: sum(g[i] * rows[i](x[i], y[i]) for i in range(a.shape[0]))  # noqa: E731
        flags = (flags or []) + ["nondifferentiable"]
    else:
        fun = lambda x, y: jnp.sum(jnp.asarray(g) * f(x, y, e))  # noqa: E731
    ga, gb = jax.grad(fun, argnums=(0, 1))(jnp.asarray(a), jnp.asarray(b))
    inputs = {"function": "cosine", "a": a, "b": b}
    if eps is not None:
        inputs["eps"] = eps
    if eps_mode is not None:
        inputs["eps_mode"] = eps_mode
    if preset is not None:
        inputs["preset"] = preset
    return case(cid, equation, comment, inputs, {"cosine": out}, flags=flags, cotangents={"cosine": g},
                gradients={"a": np.asarray(ga), "b": np.asarray(gb)}, tol=tol, source=source)


# ---------------------------------------------------------------- Monte Carlo (SimilarityReward-3, -4)
def mc(draws, ddof):
    k = draws.shape[-1]
    m = jnp.sum(draws, axis=-1) / k
    v = jnp.sum((draws - m[..., None]) ** 2, axis=-1) / (k - ddof)
    return m, v


def mc_case(cid, equation, comment, draws, *, estimator=None, rng=None, flags=None, tol=None, source=None):
    d = np.asarray(draws, dtype=np.float64)
    ddof = 1 if estimator == "unbiased" else 0
    m, v = mc(jnp.asarray(d), ddof)
    gm = rng.standard_normal(d.shape[0]) if rng is not None else np.ones(d.shape[0])
    gv = rng.standard_normal(d.shape[0]) if rng is not None else np.ones(d.shape[0])
    fun = lambda x: jnp.sum(gm * mc(x, ddof)[0]) + jnp.sum(gv * mc(x, ddof)[1])  # noqa: E731
    gd = jax.grad(fun)(jnp.asarray(d))
    inputs = {"function": "monte_carlo", "draws": d}
    if estimator is not None:
        inputs["variance_estimator"] = estimator
    return case(cid, equation, comment, inputs, {"mean": np.asarray(m), "variance": np.asarray(v)},
                flags=flags, cotangents={"mean": gm, "variance": gv}, gradients={"draws": np.asarray(gd)},
                tol=tol, source=source)


def err(cid, equation, comment, inputs, kind, flags=None):
    return case(cid, equation, comment, inputs, {"error": kind}, flags=["error"] + (flags or []))


def main() -> None:
    rng = np.random.default_rng(4001)
    hand = lambda ref: {"kind": "hand", "reference": ref}  # noqa: E731
    cos_cases = []

    # -- product mode (default)
    cos_cases.append(cosine_case(
        "random-batch", "SimilarityReward-1", "N=4, D=5 standard-normal rows, random cotangents, default eps 1e-8",
        rng.standard_normal((4, 5)), rng.standard_normal((4, 5)), rng=rng, flags=["random"]))
    a = np.array([[0.5, -1.0, 2.0, 0.25]])
    cos_cases.append(cosine_case(
        "parallel", "SimilarityReward-1", "b = 2.5 a: cosine 1; gradient 0 (cosine is at its maximum)",
        a, 2.5 * a, rng=rng, source=hand("b parallel to a: cos = 1, d cos/da = (b^ - cos a^)/|a| = 0")))
    cos_cases.append(cosine_case(
        "antiparallel", "SimilarityReward-1", "b = -0.5 a: cosine -1; gradient 0", a, -0.5 * a, rng=rng,
        source=hand("cos = -1, gradient 0")))
    cos_cases.append(cosine_case(
        "orthogonal", "SimilarityReward-1",
        "<a,b> = 0 exactly: cosine 0; d cos/da = b/(|a||b|) with cotangent 1 (here [-2,1,3]/(sqrt5 sqrt14))",
        [[1.0, 2.0, 0.0]], [[-2.0, 1.0, 3.0]], g=[1.0],
        source=hand("cos = 0; grad_a = b/(|a||b|), grad_b = a/(|a||b|)")))
    cos_cases.append(cosine_case(
        "zero-vector-a", "SimilarityReward-1",
        "a = 0 with |b| ~ 2.3: |a||b| = 0 < eps so cos = <a,b>/eps = 0 and d cos/da = b/eps (1e8 scale), "
        "d cos/db = a/eps = 0. Not a kink (cos is linear in a inside the eps-region) but flagged "
        "nondifferentiable because the harness's finite-difference step 1e-6 leaves that region "
        "(1e-6*|b| > eps); the golden gradient is compared instead",
        [[0.0, 0.0, 0.0]], [[0.5, -1.0, 2.0]], g=[1.0], flags=["nondifferentiable", "fd_step_leaves_region"],
        source=hand("cos = 0/eps = 0; grad_a = b/eps = [5e7,-1e8,2e8]; grad_b = 0")))
    cos_cases.append(cosine_case(
        "zero-vector-a-small-b", "SimilarityReward-1",
        "a = 0 with |b| ~ 2.3e-3: the finite-difference step stays inside the eps-region, so this zero-vector "
        "case is finite-difference checkable; d cos/da = b/eps",
        [[0.0, 0.0, 0.0]], [[5e-4, -1e-3, 2e-3]], g=[1.0],
        source=hand("grad_a = b/eps = [5e4,-1e5,2e5]")))
    cos_cases.append(cosine_case(
        "both-zero", "SimilarityReward-1", "a = b = 0: cosine 0, both gradients 0", [[0.0, 0.0]], [[0.0, 0.0]],
        g=[1.0], source=hand("0/eps = 0; grad_a = b/eps = 0, grad_b = a/eps = 0")))
    ka = np.array([[0.25, 0.375, 0.75]])     # |a| = 0.875 exactly (2-3-6-7 / 8)
    kb = np.array([[0.5, -1.0, 1.0]])        # |b| = 1.5 exactly; |a||b| = 1.3125 exactly (also in binary32)
    cos_cases.append(cosine_case(
        "kink-product-tie", "SimilarityReward-1",
        "|a||b| == eps == 1.3125 exactly (representable in binary32 too): the Spec takes the |a||b| branch, so "
        "the subgradient is b/(|a||b|) - cos a/|a|^2 (the eps branch would give b/eps). Computed by "
        "differentiating that branch explicitly", ka, kb, eps=1.3125, g=[1.0], tie=True))
    cos_cases.append(cosine_case(
        "near-kink-product-above", "SimilarityReward-1",
        "eps = 1.3125*(1-1e-4): |a||b| just above eps, |a||b| branch; far enough for the 1e-6 FD step",
        ka, kb, eps=1.3125 * (1 - 1e-4), g=[1.0]))
    cos_cases.append(cosine_case(
        "near-kink-product-below", "SimilarityReward-1",
        "eps = 1.3125*(1+1e-4): |a||b| just below eps, constant-denominator branch: cos = <a,b>/eps, "
        "d cos/da = b/eps", ka, kb, eps=1.3125 * (1 + 1e-4), g=[1.0]))
    cos_cases.append(cosine_case(
        "tiny-vectors-below-eps", "SimilarityReward-1",
        "entries ~1e-5: |a||b| ~ 1e-10 < eps = 1e-8, so cos = <a,b>/eps is far from the true cosine",
        rng.standard_normal((2, 4)) * 1e-5, rng.standard_normal((2, 4)) * 1e-5, rng=rng, flags=["random"]))
    cos_cases.append(cosine_case(
        "custom-eps", "SimilarityReward-1", "eps = 0.5 with |a||b| ~ 0.05 (constant-denominator branch) and a row "
        "above it", [[0.1, 0.2], [1.0, 2.0]], [[0.3, -0.1], [0.5, 0.5]], eps=0.5, rng=rng))
    cos_cases.append(cosine_case(
        "large-magnitude", "SimilarityReward-1",
        "entries ~1e14 (inside the binary32 bound 1e15): squares ~1e28 fit in binary32 (max ~3.4e38). "
        "Gradients scale like 1/|a| ~ 1e-14, so atol is scaled by 1e-14 (f64 1e-26, f32 1e-19) to keep the "
        "gradient check meaningful; rtol unchanged",
        rng.standard_normal((2, 3)) * 1e14, rng.standard_normal((2, 3)) * 1e14, rng=rng, flags=["random"],
        tol=tolerance(f64_atol=1e-26, f32_atol=1e-19)))
    cos_cases.append(cosine_case(
        "huge-magnitude-float64", "SimilarityReward-1",
        "entries ~1e140 (inside the binary64 bound 1e150; beyond binary32's range). Gradients ~1e-141: "
        "float64 atol scaled to 1e-152 so the check is not vacuous. A backward that forms (|a||b|)^2 "
        "overflows here (JAX's autodiff does: the generator evaluates at (a, b)/2^465 and divides the "
        "gradient by 2^465, exact by scale invariance)",
        rng.standard_normal((1, 3)) * 1e140, rng.standard_normal((1, 3)) * 1e140, rng=rng,
        flags=["random", "float64_only"], tol=tolerance(f64_atol=1e-152), rescale=2.0 ** 465))
    cos_cases.append(cosine_case(
        "preset-paper", "SimilarityReward-1", "preset 'paper' = eps_mode 'product', eps 1e-8",
        [[1.0, 2.0, 3.0]], [[3.0, 2.0, 1.0]], preset="paper", g=[1.0],
        source=hand("cos = 10/14")))

    # -- separate mode
    cos_cases.append(cosine_case(
        "separate-random-batch", "SimilarityReward-2", "eps_mode 'separate' (PyTorch Distance.cpp form), random",
        rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), eps_mode="separate", rng=rng, flags=["random"]))
    cos_cases.append(cosine_case(
        "separate-zero-vector-a", "SimilarityReward-2",
        "a = 0: n_a = eps (constant), cos = 0, d cos/da = b/(eps |b|); flagged like zero-vector-a because the "
        "FD step leaves the region |a| < eps", [[0.0, 0.0, 0.0]], [[0.5, -1.0, 2.0]], eps_mode="separate", g=[1.0],
        flags=["nondifferentiable", "fd_step_leaves_region"]))
    cos_cases.append(cosine_case(
        "separate-a-below-eps", "SimilarityReward-2",
        "0 < |a| < eps = 0.5 (FD-safe): n_a = eps is constant, so d cos/da = b/(eps |b|) with no norm term "
        "(PyTorch's autograd would add one: see the Spec)", [[0.1, -0.2, 0.05]], [[0.5, -1.0, 2.0]], eps=0.5,
        eps_mode="separate", g=[1.0]))
    cos_cases.append(cosine_case(
        "separate-kink-tie", "SimilarityReward-2",
        "|a| == eps == 0.875 exactly: the norm branch is taken (subgradient includes the -cos a/|a|^2 term)",
        ka, kb, eps=0.875, eps_mode="separate", g=[1.0], tie=True))
    cos_cases.append(cosine_case(
        "separate-near-kink-above", "SimilarityReward-2", "|a| = 0.875 just above eps = 0.875(1-1e-4)",
        ka, kb, eps=0.875 * (1 - 1e-4), eps_mode="separate", g=[1.0]))
    cos_cases.append(cosine_case(
        "separate-near-kink-below", "SimilarityReward-2", "|a| = 0.875 just below eps = 0.875(1+1e-4)",
        ka, kb, eps=0.875 * (1 + 1e-4), eps_mode="separate", g=[1.0]))
    cos_cases.append(cosine_case(
        "separate-both-zero", "SimilarityReward-2", "a = b = 0: 0 and zero gradients", [[0.0, 0.0]], [[0.0, 0.0]],
        eps_mode="separate", g=[1.0]))

    # -- errors
    cos_cases += [
        err("shape-mismatch", "SimilarityReward-1", "a [2,3] vs b [2,4]",
            {"function": "cosine", "a": [[1.0, 2.0, 3.0]] * 2, "b": [[1.0, 2.0, 3.0, 4.0]] * 2}, "shape_mismatch"),
        err("rank-1-input", "SimilarityReward-1", "a and b must be [N, D]",
            {"function": "cosine", "a": [1.0, 2.0], "b": [1.0, 2.0]}, "shape_mismatch"),
        err("ragged-rows", "SimilarityReward-1", "rows of different lengths",
            {"function": "cosine", "a": [[1.0, 2.0], [1.0]], "b": [[1.0, 2.0], [1.0]]}, "shape_mismatch"),
        err("empty-batch", "SimilarityReward-1", "N = 0", {"function": "cosine", "a": [], "b": []}, "empty"),
        err("empty-dimension", "SimilarityReward-1", "D = 0", {"function": "cosine", "a": [[]], "b": [[]]},
            "empty"),
        err("non-finite-a", "SimilarityReward-1", "NaN in a",
            {"function": "cosine", "a": [[1.0, "nan"]], "b": [[1.0, 2.0]]}, "non_finite"),
        err("infinite-b", "SimilarityReward-1", "inf in b",
            {"function": "cosine", "a": [[1.0, 2.0]], "b": [["-inf", 2.0]]}, "non_finite"),
        err("eps-zero", "SimilarityReward-1", "eps must be > 0",
            {"function": "cosine", "a": [[1.0, 2.0]], "b": [[1.0, 2.0]], "eps": 0.0}, "out_of_range"),
        err("eps-negative", "SimilarityReward-1", "eps must be > 0",
            {"function": "cosine", "a": [[1.0, 2.0]], "b": [[1.0, 2.0]], "eps": -1e-8}, "out_of_range"),
        err("eps-nan", "SimilarityReward-1", "eps NaN",
            {"function": "cosine", "a": [[1.0, 2.0]], "b": [[1.0, 2.0]], "eps": "nan"}, "non_finite"),
        err("magnitude-beyond-bound", "SimilarityReward-1", "|a_ij| = 1e200 > 1e150 (binary64 bound)",
            {"function": "cosine", "a": [[1e200, 1.0]], "b": [[1.0, 2.0]]}, "out_of_range", flags=["float64_only"]),
        err("unknown-eps-mode", "SimilarityReward-1", "eps_mode must be 'product' or 'separate'",
            {"function": "cosine", "a": [[1.0, 2.0]], "b": [[1.0, 2.0]], "eps_mode": "sqrt"}, "invalid_argument"),
        err("unknown-preset", "SimilarityReward-1", "only preset 'paper' exists",
            {"function": "cosine", "a": [[1.0, 2.0]], "b": [[1.0, 2.0]], "preset": "trl"}, "invalid_argument"),
        err("missing-b", "SimilarityReward-1", "no `b`", {"function": "cosine", "a": [[1.0, 2.0]]}, "missing_input"),
        err("missing-function", "SimilarityReward-1", "no `function` key", {"a": [[1.0]], "b": [[1.0]]},
            "missing_input"),
        err("unknown-function", "SimilarityReward-1", "function must be 'cosine' or 'monte_carlo'",
            {"function": "dot", "a": [[1.0]], "b": [[1.0]]}, "invalid_argument"),
    ]

    # ---------------------------------------------------------------- Monte Carlo
    mc_cases = [
        mc_case("seed001-k5", "SimilarityReward-3",
                "seed 001: reward averaged over K = 5 stochastic draws; N = 3 rows of uniform [0,1) rewards, "
                "population variance (default)", rng.uniform(size=(3, 5)), rng=rng, flags=["random"]),
        mc_case("seed001-k5-unbiased", "SimilarityReward-4", "same shape, variance_estimator 'unbiased' (K-1)",
                rng.uniform(size=(3, 5)), estimator="unbiased", rng=rng, flags=["random"]),
        mc_case("hand-1-to-5", "SimilarityReward-4", "draws 1..5: mean 3, population variance 10/5 = 2",
                [[1.0, 2.0, 3.0, 4.0, 5.0]], source=hand("mean 3; sum of squared deviations 10; 10/5 = 2")),
        mc_case("hand-1-to-5-unbiased", "SimilarityReward-4", "draws 1..5: unbiased variance 10/4 = 2.5",
                [[1.0, 2.0, 3.0, 4.0, 5.0]], estimator="unbiased", source=hand("10/4 = 2.5")),
        mc_case("k1-population", "SimilarityReward-4",
                "K = 1: mean = the draw, population variance 0; d variance/d draw = 0",
                [[0.7], [-0.2]], rng=rng, source=hand("one draw: deviation 0")),
        mc_case("constant-draws", "SimilarityReward-4", "identical draws: variance exactly 0",
                [[0.25, 0.25, 0.25, 0.25]], estimator="unbiased", source=hand("all deviations 0")),
        mc_case("large-offset", "SimilarityReward-4",
                "1e6 + {0.1..0.5}: a one-pass E[x^2]-E[x]^2 loses ~1e-4 here; the Spec's two-pass form is exact "
                "to ~1e-10. float64_only: binary32 cannot hold 1e6+0.1 (ulp 0.0625). Looser float64 tolerance "
                "(atol 1e-9, rtol 1e-8): the ~1e-10 rounding of a 1e6-sized mean enters every deviation",
                1e6 + np.array([[0.1, 0.2, 0.3, 0.4, 0.5]]), rng=rng, flags=["float64_only"],
                tol=tolerance(f64_atol=1e-9, f64_rtol=1e-8),
                ),
        err("k1-unbiased", "SimilarityReward-4", "unbiased variance needs K >= 2",
            {"function": "monte_carlo", "draws": [[0.5]], "variance_estimator": "unbiased"}, "invalid_argument"),
        err("k0", "SimilarityReward-3", "K = 0 draws", {"function": "monte_carlo", "draws": [[]]}, "empty"),
        err("n0", "SimilarityReward-3", "N = 0 rows", {"function": "monte_carlo", "draws": []}, "empty"),
        err("ragged-draws", "SimilarityReward-3", "rows with different K",
            {"function": "monte_carlo", "draws": [[0.1, 0.2], [0.3]]}, "shape_mismatch"),
        err("rank-1-draws", "SimilarityReward-3", "draws must be [N, K]",
            {"function": "monte_carlo", "draws": [0.1, 0.2]}, "shape_mismatch"),
        err("non-finite-draw", "SimilarityReward-3", "NaN draw",
            {"function": "monte_carlo", "draws": [[0.1, "nan"]]}, "non_finite"),
        err("draw-beyond-bound", "SimilarityReward-3", "|draw| = 1e200 > 1e150 (binary64 bound)",
            {"function": "monte_carlo", "draws": [[1e200, 0.0]]}, "out_of_range", flags=["float64_only"]),
        err("unknown-variance-estimator", "SimilarityReward-4", "must be 'population' or 'unbiased'",
            {"function": "monte_carlo", "draws": [[0.1, 0.2]], "variance_estimator": "sample"},
            "invalid_argument"),
        err("missing-draws", "SimilarityReward-3", "no `draws`", {"function": "monte_carlo"}, "missing_input"),
    ]

    src = generator_source(PROGRAM)
    write_file(SPEC, "cosine", "cosine similarity with eps guard (product and separate modes) and its gradient",
               src, cos_cases)
    write_file(SPEC, "monte_carlo", "Monte-Carlo mean and variance of K reward draws", src, mc_cases)
    print(SPEC, len(cos_cases), "+", len(mc_cases), "cases")


if __name__ == "__main__":
    main()
