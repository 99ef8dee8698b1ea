"""Golden cases for Specs/RetrievalMetrics.md (seed 004_531eaa20d30d8d4b.txt, Section 3.1 and Table 3:
CLIP Recall R@1/5/10 and MRR of text-to-image retrieval; image-to-text as well).

Independent float64 implementation: ranks by counting (no sorting), so that the tie rules are explicit.
The metrics are piecewise constant in the similarities: no gradients (the Spec says so).

Writes GoldenData/RetrievalMetrics/{hand,ties,random,errors}.json. Run from the package root:
    .venv-golden/bin/python GoldenData/_generators/gen_RetrievalMetrics.py
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden_io as g  # noqa: E402

SPEC = "RetrievalMetrics"
PROGRAM = "GoldenData/_generators/gen_RetrievalMetrics.py"
TIES = ("pessimistic", "optimistic", "index")
DEFAULTS = {"ks": [1, 5, 10], "ties": "pessimistic"}
PRESETS = {"paper": {}}


from golden_io import SpecError  # noqa: E402


def validate(inp):
    if "similarity" not in inp:
        raise SpecError("missing_input")
    p = dict(DEFAULTS)
    if "preset" in inp:
        if inp["preset"] not in PRESETS:
            raise SpecError("invalid_argument")
        p.update(PRESETS[inp["preset"]])
    for k in DEFAULTS:
        if k in inp:
            p[k] = inp[k]
    if p["ties"] not in TIES:
        raise SpecError("invalid_argument")
    S = inp["similarity"]
    if not isinstance(S, list) or any(not isinstance(r, list) for r in S):
        raise SpecError("shape_mismatch")
    n_img = len(S)
    n_txt = len(S[0]) if n_img else 0
    if any(len(r) != n_txt for r in S):
        raise SpecError("shape_mismatch")
    if n_img == 0 or n_txt == 0:
        raise SpecError("empty")
    if "text_to_image" in inp:
        t2i = list(inp["text_to_image"])
        if len(t2i) != n_txt:
            raise SpecError("shape_mismatch")
        if any(i < 0 or i >= n_img for i in t2i):
            raise SpecError("out_of_range")
    else:
        if n_img != n_txt:
            raise SpecError("shape_mismatch")
        t2i = list(range(n_txt))
    if any(k < 1 for k in p["ks"]):
        raise SpecError("out_of_range")
    A = np.array(S, dtype=np.float64)
    if not np.all(np.isfinite(A)):
        raise SpecError("non_finite")
    return A, t2i, p


def rank_of_best_correct(scores, correct, ties):
    """1-based position of the best-placed correct candidate in the descending order of `scores`
    (RetrievalMetrics-1/-2). `correct` is a boolean vector with at least one True."""
    idx = np.flatnonzero(correct)
    m = scores[idx].max()
    first = idx[scores[idx] == m].min()          # the correct candidate that the index rule places first
    wrong = ~correct
    greater = int(np.sum(wrong & (scores > m)))
    equal_wrong = wrong & (scores == m)
    if ties == "pessimistic":
        extra = int(np.sum(equal_wrong))
    elif ties == "optimistic":
        extra = 0
    else:  # index: equal scores ordered by ascending candidate index
        extra = int(np.sum(equal_wrong & (np.arange(len(scores)) < first)))
    return 1 + greater + extra


def metrics(inp):
    A, t2i, p = validate(inp)
    n_img, n_txt = A.shape
    ks = p["ks"]
    t2i_ranks = []
    for j in range(n_txt):
        correct = np.zeros(n_img, dtype=bool)
        correct[t2i[j]] = True
        t2i_ranks.append(rank_of_best_correct(A[:, j], correct, p["ties"]))
    i2t_ranks = []
    for i in range(n_img):
        correct = np.array([t2i[j] == i for j in range(n_txt)])
        i2t_ranks.append(rank_of_best_correct(A[i, :], correct, p["ties"]) if correct.any() else 0)
    tr = np.array(t2i_ranks)
    ir = np.array([r for r in i2t_ranks if r > 0])
    out = {
        "t2i_ranks": t2i_ranks,
        "t2i_recall_at_k": [float(np.mean(tr <= k)) for k in ks],
        "t2i_mrr": float(np.mean(1.0 / tr)),
        "i2t_ranks": i2t_ranks,
        "i2t_recall_at_k": [float(np.mean(ir <= k)) for k in ks],
        "i2t_mrr": float(np.mean(1.0 / ir)),
        "i2t_num_queries": int(len(ir)),
    }
    return out


def ok(cid, eq, comment, inputs, flags=(), hand=None, source=None):
    exp = metrics(inputs)
    if hand is not None:
        for k, v in hand.items():
            got = exp[k]
            assert np.allclose(np.asarray(got, dtype=float), np.asarray(v, dtype=float), rtol=0, atol=1e-15), \
                (cid, k, got, v)
        source = source or {"kind": "hand", "reference": f"Specs/RetrievalMetrics.md, case {cid} (comment)"}
    return g.case(cid, eq, comment, inputs, exp, flags=list(flags), source=source)


def err(cid, eq, comment, inputs, kind):
    try:
        validate(inputs)
    except SpecError as e:
        assert e.kind == kind, (cid, e.kind, kind)
    else:
        raise AssertionError(cid)
    return g.case(cid, eq, comment, inputs, {"error": kind}, flags=["error"])


def hand_cases():
    C = []
    C.append(ok("perfect-3x3", "RetrievalMetrics-3",
                "Diagonal strictly largest in every row and column: all ranks 1, recall 1, MRR 1.",
                {"similarity": [[0.9, 0.1, 0.2], [0.3, 0.8, 0.1], [0.0, 0.2, 0.7]]},
                hand={"t2i_ranks": [1, 1, 1], "t2i_recall_at_k": [1, 1, 1], "t2i_mrr": 1.0,
                      "i2t_ranks": [1, 1, 1], "i2t_mrr": 1.0}))
    # columns (text j): col0 [0.2,0.5,0.1] true img0 -> 0.5 > 0.2 -> rank 2
    #                   col1 [0.9,0.4,0.3] true img1 -> 0.9 > 0.4 -> rank 2
    #                   col2 [0.6,0.1,0.0] true img2 -> 0.6, 0.1 > 0.0 -> rank 3
    # rows (image i):   row0 [0.2,0.9,0.6] true txt0 -> rank 3; row1 [0.5,0.4,0.1] true txt1 -> rank 2;
    #                   row2 [0.1,0.3,0.0] true txt2 -> rank 3
    C.append(ok("hand-3x3-misranked", "RetrievalMetrics-4",
                "Hand-ranked 3x3 (ks [1, 2, 3]): t2i ranks 2, 2, 3 -> R@1 0, R@2 2/3, R@3 1, "
                "MRR (1/2 + 1/2 + 1/3)/3 = 4/9; i2t ranks 3, 2, 3 -> R@1 0, R@2 1/3, R@3 1, "
                "MRR (1/3 + 1/2 + 1/3)/3 = 7/18.",
                {"similarity": [[0.2, 0.9, 0.6], [0.5, 0.4, 0.1], [0.1, 0.3, 0.0]], "ks": [1, 2, 3]},
                hand={"t2i_ranks": [2, 2, 3], "t2i_recall_at_k": [0, 2 / 3, 1], "t2i_mrr": 4 / 9,
                      "i2t_ranks": [3, 2, 3], "i2t_recall_at_k": [0, 1 / 3, 1], "i2t_mrr": 7 / 18}))
    # several captions per image: texts 0,1 -> img0, texts 2,3 -> img1, text 4 -> img2
    S = [[0.9, 0.2, 0.1, 0.3, 0.0],
         [0.4, 0.6, 0.8, 0.1, 0.2],
         [0.1, 0.5, 0.2, 0.7, 0.6]]
    # t2i: text0 col [0.9,0.4,0.1] true 0 -> 1; text1 col [0.2,0.6,0.5] true 0 -> 3;
    #      text2 col [0.1,0.8,0.2] true 1 -> 1; text3 col [0.3,0.1,0.7] true 1 -> 3; text4 [0,0.2,0.6] true 2 -> 1
    # i2t: img0 row [0.9,0.2,0.1,0.3,0.0] correct {0,1}: best 0.9 -> 1
    #      img1 row [0.4,0.6,0.8,0.1,0.2] correct {2,3}: best 0.8 -> 1
    #      img2 row [0.1,0.5,0.2,0.7,0.6] correct {4}: 0.6, wrong above: 0.7 -> 2
    C.append(ok("captions-per-image", "RetrievalMetrics-2",
                "Five captions for three images (text_to_image [0, 0, 1, 1, 2]). t2i ranks 1, 3, 1, 3, 1; "
                "i2t counts the best-placed correct caption: ranks 1, 1, 2. ks [1, 2, 3]: t2i recall "
                "3/5, 3/5, 1, MRR (3 + 2/3)/5 = 11/15; i2t recall 2/3, 1, 1, MRR (1 + 1 + 1/2)/3 = 5/6.",
                {"similarity": S, "text_to_image": [0, 0, 1, 1, 2], "ks": [1, 2, 3]},
                hand={"t2i_ranks": [1, 3, 1, 3, 1], "t2i_recall_at_k": [0.6, 0.6, 1], "t2i_mrr": 11 / 15,
                      "i2t_ranks": [1, 1, 2], "i2t_recall_at_k": [2 / 3, 1, 1], "i2t_mrr": 5 / 6},
                flags=["multi_caption"]))
    C.append(ok("image-without-caption", "RetrievalMetrics-2",
                "Four images, three captions mapped to images 0, 1, 2: image 3 is a distractor for t2i "
                "(its scores count) and has no i2t query (rank 0, excluded from i2t means; "
                "i2t_num_queries 3). t2i: text0 col [0.5,0.1,0.2,0.9] -> rank 2; text1 col [0.1,0.6,0.3,0.2] "
                "-> 1; text2 col [0.2,0.2,0.4,0.1] -> 1. i2t: ranks 1, 1, 1.",
                {"similarity": [[0.5, 0.1, 0.2], [0.1, 0.6, 0.2], [0.2, 0.3, 0.4], [0.9, 0.2, 0.1]],
                 "text_to_image": [0, 1, 2], "ks": [1, 5]},
                hand={"t2i_ranks": [2, 1, 1], "t2i_recall_at_k": [2 / 3, 1], "t2i_mrr": 5 / 6,
                      "i2t_ranks": [1, 1, 1, 0], "i2t_recall_at_k": [1, 1], "i2t_mrr": 1.0,
                      "i2t_num_queries": 3},
                flags=["distractor"]))
    C.append(ok("single-pair", "RetrievalMetrics-3",
                "N = 1: the only candidate is correct, rank 1 for every K (K may exceed the candidate count).",
                {"similarity": [[-0.3]]},
                hand={"t2i_ranks": [1], "t2i_recall_at_k": [1, 1, 1], "t2i_mrr": 1.0,
                      "i2t_ranks": [1], "i2t_recall_at_k": [1, 1, 1], "i2t_mrr": 1.0},
                flags=["length_1"]))
    C.append(ok("preset-paper", "RetrievalMetrics-3",
                "preset 'paper' = the defaults (ks [1, 5, 10], pessimistic ties) on a 2x2 swap: all ranks 2.",
                {"similarity": [[0.1, 0.9], [0.8, 0.2]], "preset": "paper"},
                hand={"t2i_ranks": [2, 2], "t2i_recall_at_k": [0, 1, 1], "t2i_mrr": 0.5,
                      "i2t_ranks": [2, 2], "i2t_recall_at_k": [0, 1, 1], "i2t_mrr": 0.5},
                flags=["preset"]))
    return C


def tie_cases():
    C = []
    allsame = [[0.5] * 3 for _ in range(3)]
    hand = {"pessimistic": ([3, 3, 3], [3, 3, 3], 1 / 3),
            "optimistic": ([1, 1, 1], [1, 1, 1], 1.0),
            "index": ([1, 2, 3], [1, 2, 3], (1 + 1 / 2 + 1 / 3) / 3)}
    for t, (tr, ir, mrr) in hand.items():
        C.append(ok(f"all-equal-{t}", "RetrievalMetrics-1",
                    f"Constant 3x3 similarity, ties '{t}': t2i ranks {tr}, i2t ranks {ir} (ks [1, 2, 3]).",
                    {"similarity": allsame, "ties": t, "ks": [1, 2, 3]},
                    hand={"t2i_ranks": tr, "i2t_ranks": ir, "t2i_mrr": mrr, "i2t_mrr": mrr},
                    flags=["ties"]))
    # partial ties: column 0 = [0.5, 0.5, 0.25, 0.5]: true image 0 ties with images 1 and 3
    # column 1 = [0.75, 0.5, 0.5, 0.0]: true image 1 ties with image 2 (higher index), below image 0
    # column 2 = [0.25, 0.25, 0.25, 0.25] true image 2 ties with all
    # column 3 = [0.0, 0.5, 0.5, 0.5] true image 3 ties with images 1, 2 (lower indices)
    S = [[0.5, 0.75, 0.25, 0.0],
         [0.5, 0.5, 0.25, 0.5],
         [0.25, 0.5, 0.25, 0.5],
         [0.5, 0.0, 0.25, 0.5]]
    hand_t2i = {"pessimistic": [3, 3, 4, 3], "optimistic": [1, 2, 1, 1], "index": [1, 2, 3, 3]}
    # rows (i2t): row0 [0.5,0.75,0.25,0.0] true 0: greater {1} -> optimistic 2, pess 2, index 2
    #             row1 [0.5,0.5,0.25,0.5] true 1: equal wrong {0,3}: pess 3, opt 1, index (0 < 1) 2
    #             row2 [0.25,0.5,0.25,0.5] true 2: greater {1,3}, equal wrong {0}: pess 4, opt 3, index 4
    #             row3 [0.5,0.0,0.25,0.5] true 3: equal wrong {0}: pess 2, opt 1, index 2
    hand_i2t = {"pessimistic": [2, 3, 4, 2], "optimistic": [2, 1, 3, 1], "index": [2, 2, 4, 2]}
    for t in TIES:
        C.append(ok(f"partial-ties-{t}", "RetrievalMetrics-1",
                    f"4x4 with partial ties (values exact in binary), ties '{t}': t2i ranks {hand_t2i[t]}, "
                    f"i2t ranks {hand_i2t[t]}; ks [1, 2, 3].",
                    {"similarity": S, "ties": t, "ks": [1, 2, 3]},
                    hand={"t2i_ranks": hand_t2i[t], "i2t_ranks": hand_i2t[t]}, flags=["ties"]))
    # multi-caption ties in i2t: two correct captions with the same best score as a wrong one
    S2 = [[0.5, 0.5, 0.5, 0.25],
          [0.0, 0.25, 0.75, 0.5]]
    # image 0 correct {1, 2}? use text_to_image [1, 0, 0, 1]: image 0 correct texts {1, 2}, image 1 {0, 3}
    # row0 [0.5,0.5,0.5,0.25] correct {1,2}, m = 0.5, wrong {0,3}: equal wrong {0} -> pess 2, opt 1,
    #      index: first correct with m is 1, wrong equal with index < 1: {0} -> 2
    # row1 [0.0,0.25,0.75,0.5] correct {0,3}, m = 0.5 (text 3), wrong greater {2} -> 2 for all rules
    for t, ir in {"pessimistic": [2, 2], "optimistic": [1, 2], "index": [2, 2]}.items():
        C.append(ok(f"multi-caption-ties-{t}", "RetrievalMetrics-2",
                    f"i2t with two correct captions per image tied with a wrong one, ties '{t}': i2t ranks {ir}.",
                    {"similarity": S2, "text_to_image": [1, 0, 0, 1], "ties": t, "ks": [1, 2]},
                    hand={"i2t_ranks": ir}, flags=["ties", "multi_caption"]))
    return C


def random_cases():
    rng = np.random.default_rng(404)
    C = []
    # values on a 1/64 grid: exact in float32, ties possible and handled by the default rule
    S = (np.round(rng.uniform(-1, 1, size=(4, 4)) * 64) / 64).tolist()
    C.append(ok("random-4x4", "RetrievalMetrics-3", "Random 4x4 on a 1/64 grid, defaults.",
                {"similarity": S}, flags=["random"]))
    S = (np.round(rng.uniform(-1, 1, size=(4, 8)) * 16) / 16).tolist()
    t2i = [0, 1, 2, 3, 0, 1, 2, 3]
    for t in TIES:
        C.append(ok(f"random-4x8-{t}", "RetrievalMetrics-2",
                    f"Random 4x8 on a coarse 1/16 grid (ties likely), two captions per image, ties '{t}', "
                    "ks [1, 2, 3, 10].",
                    {"similarity": S, "text_to_image": t2i, "ties": t, "ks": [1, 2, 3, 10]},
                    flags=["random", "ties", "multi_caption"]))
    return C


def error_cases():
    E = []
    E.append(err("nan", "RetrievalMetrics-1", "NaN similarity.",
                 {"similarity": [[0.1, "nan"], [0.2, 0.3]]}, "non_finite"))
    E.append(err("inf", "RetrievalMetrics-1", "+inf similarity.",
                 {"similarity": [[0.1, 0.2], ["inf", 0.3]]}, "non_finite"))
    E.append(err("non-square-default-pairing", "RetrievalMetrics-1",
                 "2x3 without text_to_image: the default pairing i <-> i needs N_img = N_txt.",
                 {"similarity": [[0.1, 0.2, 0.3], [0.2, 0.3, 0.4]]}, "shape_mismatch"))
    E.append(err("ragged", "RetrievalMetrics-1", "Rows of different length.",
                 {"similarity": [[0.1, 0.2], [0.3]], "text_to_image": [0, 1]}, "shape_mismatch"))
    E.append(err("text-to-image-length", "RetrievalMetrics-2", "text_to_image has 2 entries for 3 texts.",
                 {"similarity": [[0.1, 0.2, 0.3], [0.2, 0.3, 0.4]], "text_to_image": [0, 1]},
                 "shape_mismatch"))
    E.append(err("text-to-image-out-of-range", "RetrievalMetrics-2", "Image index 2 with 2 images.",
                 {"similarity": [[0.1, 0.2, 0.3], [0.2, 0.3, 0.4]], "text_to_image": [0, 1, 2]},
                 "out_of_range"))
    E.append(err("empty", "RetrievalMetrics-1", "No images.", {"similarity": []}, "empty"))
    E.append(err("k-zero", "RetrievalMetrics-3", "ks contains 0.",
                 {"similarity": [[1.0]], "ks": [0, 1]}, "out_of_range"))
    E.append(err("ties-unknown", "RetrievalMetrics-1", "ties 'random' is not a rule.",
                 {"similarity": [[1.0]], "ties": "random"}, "invalid_argument"))
    E.append(err("similarity-missing", "RetrievalMetrics-1", "No similarity key.", {"ks": [1]},
                 "missing_input"))
    return E


def main():
    src = g.generator_source(PROGRAM, "independent float64 Python implementation of Specs/RetrievalMetrics.md")
    root = os.path.dirname(g.ROOT)
    for group, desc, cases in [
        ("hand", "Hand-ranked small cases (source hand, checked by the generator).", hand_cases()),
        ("ties", "The three tie rules on constant and partially tied matrices.", tie_cases()),
        ("random", "Random matrices on coarse binary grids.", random_cases()),
        ("errors", "Invalid inputs and their error kinds.", error_cases()),
    ]:
        print("wrote", os.path.relpath(g.write_file(SPEC, group, desc, src, cases), root))


if __name__ == "__main__":
    main()
