"""Golden cases for Specs/VQAReward.md: composite VQA reward of seed 003 (eq. 5-10).

Text processing comes from gen_TextNormalization.normalize (the Spec's shared normalisation). Every
component is computed here from its definition; the totals are sums in the Spec's fixed order.

Run from the package root: .venv-golden/bin/python GoldenData/_generators/gen_VQAReward.py
"""
from __future__ import annotations

import math
import os
import re
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_io import case, generator_source, write_file  # noqa: E402
from gen_TextNormalization import normalize  # noqa: E402

SPEC = "VQAReward"
PROGRAM = "GoldenData/_generators/gen_VQAReward.py"

PAPER_WEIGHTS = [0.2, 0.3, 0.2, 0.1, 0.2]   # bleu1, exact, substring, jaccard, extractable (seed 003 sec. 3.3)
NUMBER_WORDS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
                "seven": "7", "eight": "8", "nine": "9", "ten": "10"}
NUMERAL = re.compile(r"[0-9]+(\.[0-9]+)?", re.ASCII)


def canonical_number(word: str):
    """VQAReward-6: canonical decimal string of a numeral or number word, else None."""
    if word in NUMBER_WORDS:
        return NUMBER_WORDS[word]
    if NUMERAL.fullmatch(word) is None:
        return None
    if "." in word:
        ip, fp = word.split(".")
    else:
        ip, fp = word, ""
    ip = ip.lstrip("0") or "0"
    fp = fp.rstrip("0")
    return ip + ("." + fp if fp else "")


def contains_run(hay: list[str], needle: list[str]) -> bool:
    m = len(needle)
    return any(hay[i:i + m] == needle for i in range(len(hay) - m + 1))


def bleu1(p: list[str], r: list[str], brevity_penalty: bool) -> float:
    if not p:
        return 0.0
    cp, cr = Counter(p), Counter(r)
    clipped = sum(min(c, cr[w]) for w, c in cp.items())
    prec = clipped / len(p)
    if brevity_penalty and len(p) <= len(r):
        prec *= math.exp(1.0 - len(r) / len(p))
    return prec


def reward(prediction: str, reference: str, weights=None, brevity_penalty=False, substring_mode="chars"):
    w = PAPER_WEIGHTS if weights is None else weights
    pn, pw = normalize(prediction)
    rn, rw = normalize(reference)
    if not rw:
        raise ValueError("empty")
    b = bleu1(pw, rw, brevity_penalty)                                          # -2
    e = 1.0 if pn == rn else 0.0                                                # -3
    if substring_mode == "chars":                                               # -4
        s = 1.0 if rn in pn else 0.0
    else:
        s = 1.0 if contains_run(pw, rw) else 0.0
    ps, rs = set(pw), set(rw)                                                   # -5
    j = len(ps & rs) / len(ps | rs) if (ps | rs) else 1.0
    # -6 extractable
    if len(rw) == 1 and canonical_number(rw[0]) is not None:
        atype = "number"
        target = canonical_number(rw[0])
        extracted = next((x for x in pw if canonical_number(x) is not None), None)
        x = 1.0 if extracted is not None and canonical_number(extracted) == target else 0.0
    elif rw in (["yes"], ["no"]):
        atype = "yes_no"
        extracted = next((x for x in pw if x in ("yes", "no")), None)
        x = 1.0 if extracted == rw[0] else 0.0
    else:
        atype = "text"
        x = 1.0 if contains_run(pw, rw) else 0.0
        extracted = rn if x == 1.0 else None
    total = 0.0
    for wi, ci in zip(w, [b, e, s, j, x]):                                      # -1, fixed order
        total += wi * ci
    return {"bleu1": b, "exact": e, "substring": s, "jaccard": j, "extractable": x, "total": total,
            "answer_type": atype, "extracted": extracted}


def main() -> None:
    cases = []

    def add(cid, eq, comment, inputs, flags=None, hand=None):
        kw = {"weights": inputs.get("weights"), "brevity_penalty": inputs.get("brevity_penalty", False),
              "substring_mode": inputs.get("substring_mode", "chars")}
        out = reward(inputs["prediction"], inputs["reference"], **kw)
        if hand is not None:   # hand-computed components, checked against the program
            for k, v in hand.items():
                assert (abs(out[k] - v) < 1e-15 if isinstance(v, float) else out[k] == v), (cid, k, out[k], v)
        cases.append(case(cid, eq, comment, inputs, out, flags=flags,
                          source={"kind": "hand", "reference": "Specs/VQAReward.md; components worked out in the "
                                  "comment"} if hand is not None else None))

    add("seed000-green", "VQAReward-1",
        "seed 000 Figure 1 answer 'Green.' vs 'green': every component 1; total 0.2+0.3+0.2+0.1+0.2 summed "
        "left to right (rounds to exactly 1.0 in binary64)",
        {"prediction": "Green.", "reference": "green"},
        hand={"bleu1": 1.0, "exact": 1.0, "substring": 1.0, "jaccard": 1.0, "extractable": 1.0,
              "answer_type": "text", "extracted": "green"})
    add("empty-prediction", "VQAReward-2",
        "empty answer: BLEU-1 has no candidate words -> 0; Jaccard 0/1; total 0",
        {"prediction": "", "reference": "green"},
        hand={"bleu1": 0.0, "exact": 0.0, "substring": 0.0, "jaccard": 0.0, "extractable": 0.0, "total": 0.0,
              "extracted": None})
    add("punctuation-only-prediction", "VQAReward-2", "a prediction that normalises to no words behaves as empty",
        {"prediction": "?!", "reference": "green"}, hand={"bleu1": 0.0, "total": 0.0})
    add("multi-word-partial", "VQAReward-1",
        "P=[the,clock,is,green] R=[green]: BLEU-1 1/4, exact 0, substring 1, Jaccard 1/4, extractable 1 "
        "(whole word); total 0.2*0.25+0+0.2+0.1*0.25+0.2 = 0.475",
        {"prediction": "The clock is green.", "reference": "Green"},
        hand={"bleu1": 0.25, "exact": 0.0, "substring": 1.0, "jaccard": 0.25, "extractable": 1.0,
              "answer_type": "text"})
    add("multi-word-reference", "VQAReward-5",
        "P=[red,and,white] R=[white,and,red,stripes]: BLEU-1 3/3, Jaccard 3/4, substring 0 (order), "
        "extractable 0 (no contiguous run)",
        {"prediction": "red and white", "reference": "White and red stripes"},
        hand={"bleu1": 1.0, "exact": 0.0, "substring": 0.0, "jaccard": 0.75, "extractable": 0.0})
    add("repeated-words-clipping", "VQAReward-2",
        "P=[red,red,red,car] R=[red,car]: clipped counts min(3,1)+min(1,1)=2 over 4 -> 0.5; Jaccard 2/2 = 1; "
        "'red car' ends the prediction, so substring and extractable are 1",
        {"prediction": "red red red car", "reference": "red car"},
        hand={"bleu1": 0.5, "jaccard": 1.0, "exact": 0.0, "substring": 1.0, "extractable": 1.0})
    add("repeated-words-in-reference", "VQAReward-2",
        "P=[the,the] R=[the,cat,the]: clip min(2,2)=2 -> 1.0 (reference counts bound the clip)",
        {"prediction": "the the", "reference": "the cat the"}, hand={"bleu1": 1.0, "jaccard": 0.5})
    add("brevity-penalty-on", "VQAReward-2",
        "brevity_penalty=true: P=[red] R=[red,car]: precision 1, BP = exp(1-2/1) = e^-1",
        {"prediction": "red", "reference": "red car", "brevity_penalty": True},
        hand={"bleu1": math.exp(-1.0)})
    add("brevity-penalty-longer-candidate", "VQAReward-2",
        "brevity_penalty=true with c > r: BP = 1; precision 2/3",
        {"prediction": "red car now", "reference": "red car", "brevity_penalty": True},
        hand={"bleu1": 2.0 / 3.0})
    add("brevity-penalty-equal-length", "VQAReward-2",
        "brevity_penalty=true with c = r: BP = exp(0) = 1 exactly", {"prediction": "car red",
                                                                       "reference": "red car",
                                                                       "brevity_penalty": True},
        hand={"bleu1": 1.0})
    add("substring-chars-inside-word", "VQAReward-4",
        "default substring_mode 'chars': 'red' occurs inside 'tired' -> 1; extractable (whole words) 0",
        {"prediction": "tired", "reference": "red"}, hand={"substring": 1.0, "extractable": 0.0})
    add("substring-words-mode", "VQAReward-4",
        "substring_mode 'words': 'red' is not a whole word of 'tired' -> 0",
        {"prediction": "tired", "reference": "red", "substring_mode": "words"}, hand={"substring": 0.0})
    add("substring-direction", "VQAReward-4",
        "the reference must be inside the prediction, not the reverse: R='green clock' P='green' -> 0",
        {"prediction": "green", "reference": "green clock"}, hand={"substring": 0.0, "bleu1": 1.0,
                                                                   "jaccard": 0.5})
    add("plural-substring", "VQAReward-4", "'cat' inside 'cats': substring 1, exact 0, Jaccard 0",
        {"prediction": "cats", "reference": "cat"}, hand={"substring": 1.0, "jaccard": 0.0})
    add("number-digit-vs-word", "VQAReward-6",
        "reference '2' is a number; the first number in the prediction is 'two' -> canonical 2 -> 1",
        {"prediction": "There are two clocks.", "reference": "2"},
        hand={"extractable": 1.0, "answer_type": "number", "extracted": "two", "exact": 0.0})
    add("number-first-number-wins", "VQAReward-6",
        "only the first number of the prediction is extracted: 3 != 4 -> 0 even though 4 appears later",
        {"prediction": "3 or maybe 4", "reference": "four"},
        hand={"extractable": 0.0, "answer_type": "number", "extracted": "3", "substring": 0.0})
    add("number-canonical-decimal", "VQAReward-6",
        "leading zeros and trailing fractional zeros are ignored: '02.50' == '2.5'",
        {"prediction": "about 02.50 metres", "reference": "2.5"}, hand={"extractable": 1.0,
                                                                       "extracted": "02.50"})
    add("number-none-found", "VQAReward-6", "no number in the prediction: extracted null, 0",
        {"prediction": "several", "reference": "3"}, hand={"extractable": 0.0, "extracted": None})
    add("number-thousands-separator", "VQAReward-6",
        "'1,000' splits into '1' and '000' (TextNormalization), so the first number is 1, not 1000",
        {"prediction": "1,000", "reference": "1000"}, hand={"extractable": 0.0, "extracted": "1"})
    add("yes-no-first-wins", "VQAReward-6",
        "reference 'no': the first yes/no word of the prediction is 'yes' -> 0 (hedging is not rewarded)",
        {"prediction": "Yes... no, I mean no.", "reference": "No"},
        hand={"extractable": 0.0, "answer_type": "yes_no", "extracted": "yes", "substring": 1.0})
    add("yes-no-match", "VQAReward-6", "reference 'yes' and prediction starting 'Yes,' -> 1",
        {"prediction": "Yes, it is.", "reference": "yes"},
        hand={"extractable": 1.0, "extracted": "yes", "bleu1": 1.0 / 3.0})
    add("custom-weights", "VQAReward-1",
        "weights [1,0,0,0,0] select BLEU-1 alone; P=[a,blue,car] R=[blue] -> 1/3",
        {"prediction": "a blue car", "reference": "blue", "weights": [1.0, 0.0, 0.0, 0.0, 0.0]},
        hand={"total": 1.0 / 3.0})
    add("weights-need-not-sum-to-one", "VQAReward-1",
        "weights are not renormalised: [1,1,1,1,1] on an exact match gives 5",
        {"prediction": "green", "reference": "green", "weights": [1.0, 1.0, 1.0, 1.0, 1.0]},
        hand={"total": 5.0})
    add("decomposed-vs-precomposed", "VQAReward-3",
        "no Unicode normalization: 'cafe'+U+0301 and 'caf'+U+00E9 are different words (compare scalars, not "
        "Swift String ==, which uses canonical equivalence)",
        {"prediction": "cafe\u0301", "reference": "caf\u00e9"},
        hand={"exact": 0.0, "jaccard": 0.0, "bleu1": 0.0, "substring": 0.0})
    add("non-ascii-match", "VQAReward-3", "case folding of non-ASCII letters: 'ÜBER Straße' vs 'über straße'",
        {"prediction": "ÜBER Straße!", "reference": "über straße"}, hand={"exact": 1.0})
    add("preset-paper", "VQAReward-1", "explicit preset 'paper' equals the defaults",
        {"prediction": "green clock", "reference": "green", "preset": "paper"})
    add("preset-overridden", "VQAReward-1", "preset 'paper' with brevity_penalty overridden to true",
        {"prediction": "green", "reference": "green clock", "preset": "paper", "brevity_penalty": True},
        hand={"bleu1": math.exp(-1.0)})

    def err(cid, comment, inputs, kind):
        cases.append(case(cid, "VQAReward-1", comment, inputs, {"error": kind}, flags=["error"]))

    err("empty-reference", "a reference with no words after normalization cannot be scored",
        {"prediction": "green", "reference": ""}, "empty")
    err("punctuation-only-reference", "reference '...' normalises to no words",
        {"prediction": "green", "reference": "..."}, "empty")
    err("missing-reference", "no `reference` key", {"prediction": "green"}, "missing_input")
    err("missing-prediction", "no `prediction` key", {"reference": "green"}, "missing_input")
    err("prediction-not-string", "`prediction` is a number", {"prediction": 2, "reference": "2"},
        "invalid_argument")
    err("weights-wrong-length", "four weights", {"prediction": "a", "reference": "a",
                                                "weights": [0.25, 0.25, 0.25, 0.25]}, "shape_mismatch")
    err("weights-non-finite", "a NaN weight", {"prediction": "a", "reference": "a",
                                              "weights": [0.2, 0.3, "nan", 0.1, 0.2]}, "non_finite")
    err("unknown-substring-mode", "substring_mode must be 'chars' or 'words'",
        {"prediction": "a", "reference": "a", "substring_mode": "tokens"}, "invalid_argument")
    err("brevity-penalty-not-bool", "brevity_penalty must be a boolean",
        {"prediction": "a", "reference": "a", "brevity_penalty": "yes"}, "invalid_argument")
    err("unknown-preset", "only preset 'paper' exists", {"prediction": "a", "reference": "a", "preset": "trl"},
        "invalid_argument")

    write_file(SPEC, "reward", "composite VQA reward (BLEU-1, exact, substring, Jaccard, extractable)",
               generator_source(PROGRAM), cases)
    print(SPEC, len(cases), "cases")


if __name__ == "__main__":
    main()
