"""Golden cases for Specs/VLRMReturns.md (seed 004_531eaa20d30d8d4b.txt, Section 3.4, Equation 1, Tables 1 and 6).

Independent float64 implementation of the Spec: the text rules (word normalisation, bad-phrase and year
matching, repeats) in plain Python, the returns in JAX (x64) so that the gradients with respect to `sim`,
`ref` / `ref_logprobs` come from autodiff. The penalty sums are computed as an explicit
(n x n) discount matrix product, not by the backward recursion the Swift code is expected to use.

Writes GoldenData/VLRMReturns/{paper_table1,returns,errors}.json. Run from the package root:
    .venv-golden/bin/python GoldenData/_generators/gen_VLRMReturns.py
"""
from __future__ import annotations

import os
import re
import sys
import unicodedata

import numpy as np
import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden_io as g  # noqa: E402

SPEC = "VLRMReturns"
PROGRAM = "GoldenData/_generators/gen_VLRMReturns.py"
PACKAGE_ROOT = os.path.dirname(g.ROOT)
DATA = os.path.join(PACKAGE_ROOT, "Sources", "RLAlgorithms", "Resources")

# Unicode White_Space property (PropList.txt), listed explicitly so that the rule does not depend on
# Python's str.split() (which also splits on U+001C..U+001F).
WHITE_SPACE = set(chr(c) for c in list(range(0x09, 0x0E)) + [0x20, 0x85, 0xA0, 0x1680]
                  + list(range(0x2000, 0x200B)) + [0x2028, 0x2029, 0x202F, 0x205F, 0x3000])


from golden_io import SpecError  # noqa: E402


# ---------------------------------------------------------------- text rules (VLRMReturns-1..3)

def split_white_space(s: str) -> list[str]:
    parts, cur = [], []
    for ch in s:
        if ch in WHITE_SPACE:
            if cur:
                parts.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
    if cur:
        parts.append("".join(cur))
    return parts


def is_punct(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P")


def normalize_word(w: str) -> str:
    """VLRMReturns-1: per-scalar full lower-case mapping (no Final_Sigma, as TextNormalization-1),
    typographic single quotes -> ASCII apostrophe, then strip leading and trailing punctuation (P*)."""
    w = "".join(ch.lower() for ch in w).replace("\u2018", "'").replace("\u2019", "'")
    a, b = 0, len(w)
    while a < b and is_punct(w[a]):
        a += 1
    while b > a and is_punct(w[b - 1]):
        b -= 1
    return w[a:b]


def normalize_phrase(p: str) -> tuple[str, ...]:
    return tuple(x for x in (normalize_word(piece) for piece in split_white_space(p)) if x)


def read_list(name: str) -> list[str]:
    out = []
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        for line in f.read().split("\n"):
            line = line.rstrip("\r")
            if line.startswith("#") or not split_white_space(line):
                continue
            out.append(line)
    return out


DEFAULT_BAD_PHRASES = read_list("bad_phrases.txt")
DEFAULT_EXEMPT = read_list("colors.txt") + read_list("prepositions.txt") + read_list("articles.txt")
assert len(DEFAULT_BAD_PHRASES) == 212, len(DEFAULT_BAD_PHRASES)

YEAR = re.compile(r"[0-9]{4}")  # ASCII digits only

DEFAULTS = {"bad_phrases": None, "repeat_exempt_words": None, "penalize_years": True,
            "year_range": [0, 9999], "gamma": 1.0, "terminal_discount": "none",
            "sim_weight": 1.0, "ref_weight": 1.0, "bad_weight": 1.0, "repeat_weight": 1.0,
            "noeos_value": 1.0}
PRESETS = {"paper": {}}  # the paper's values are the defaults


def resolve(inp: dict) -> dict:
    p = dict(DEFAULTS)
    if "preset" in inp:
        if inp["preset"] not in PRESETS:
            raise SpecError("invalid_argument")
        p.update(PRESETS[inp["preset"]])
    for k in DEFAULTS:
        if k in inp:
            p[k] = inp[k]
    return p


def word_flags(words, phrases, exempt, penalize_years, year_range):
    """Returns (bad_word, repeat_word) per word (VLRMReturns-2, VLRMReturns-3)."""
    W = len(words)
    norm = [normalize_word(w) for w in words]
    content = [j for j in range(W) if norm[j]]
    bad = [False] * W
    for p in {normalize_phrase(x) for x in phrases}:
        L = len(p)
        if L == 0:
            continue
        for a in range(len(content) - L + 1):
            if all(norm[content[a + i]] == p[i] for i in range(L)):
                for j in range(content[a], content[a + L - 1] + 1):
                    bad[j] = True
    if penalize_years:
        lo, hi = year_range
        for j in content:
            if YEAR.fullmatch(norm[j]) and lo <= int(norm[j]) <= hi:
                bad[j] = True
    exempt_n = {normalize_word(e) for e in exempt}
    rep = [False] * W
    seen = set()
    for j in content:
        if norm[j] in seen and norm[j] not in exempt_n:
            rep[j] = True
        seen.add(norm[j])
    return bad, rep


# ---------------------------------------------------------------- validation (Errors section)

def finite(x) -> bool:
    return bool(np.all(np.isfinite(np.asarray(x, dtype=np.float64))))


def validate(inp: dict) -> dict:
    for k in ("words", "token_word_index", "sim", "ends_with_eos"):
        if k not in inp:
            raise SpecError("missing_input")
    has_ref, has_lp = "ref" in inp, "ref_logprobs" in inp
    if has_ref and has_lp:
        raise SpecError("invalid_argument")
    if not has_ref and not has_lp:
        raise SpecError("missing_input")
    p = resolve(inp)
    if p["terminal_discount"] not in ("none", "gamma"):
        raise SpecError("invalid_argument")
    yr = p["year_range"]
    if len(yr) != 2 or yr[0] > yr[1]:
        raise SpecError("invalid_argument")
    words, twi = inp["words"], inp["token_word_index"]
    n = len(twi)
    if n == 0:
        raise SpecError("empty")
    if has_lp and len(inp["ref_logprobs"]) != n:
        raise SpecError("shape_mismatch")
    W = len(words)
    if any(i < -1 or i >= W for i in twi):
        raise SpecError("out_of_range")
    nonneg = [i for i in twi if i >= 0]
    if any(b < a for a, b in zip(nonneg, nonneg[1:])) or set(nonneg) != set(range(W)):
        raise SpecError("invalid_argument")
    scalars = [inp["sim"], p["gamma"], p["sim_weight"], p["ref_weight"], p["bad_weight"],
               p["repeat_weight"], p["noeos_value"]]
    if not finite(scalars) or not finite(inp["ref"] if has_ref else inp["ref_logprobs"]):
        raise SpecError("non_finite")
    if not (0.0 <= p["gamma"] <= 1.0):
        raise SpecError("out_of_range")
    return p


# ---------------------------------------------------------------- returns (VLRMReturns-4, -5)

def returns_fn(sim, ref_in, pen, noeos, p, use_logprobs):
    n = pen.shape[0]
    gamma = p["gamma"]
    ref = jnp.mean(ref_in) if use_logprobs else ref_in
    c = p["sim_weight"] * sim + p["ref_weight"] * ref - p["noeos_value"] * noeos
    k = np.arange(n)
    expo = k[None, :] - k[:, None]                      # s - k
    disc = np.where(expo >= 0, np.power(gamma, np.maximum(expo, 0)), 0.0)
    penalty_to_go = disc @ pen
    if p["terminal_discount"] == "gamma":
        w = np.power(gamma, (n - 1 - k).astype(np.float64))
    else:
        w = np.ones(n)
    return c * w - penalty_to_go


def evaluate(inp: dict, rng: np.random.Generator):
    p = validate(inp)
    words, twi = inp["words"], inp["token_word_index"]
    phrases = DEFAULT_BAD_PHRASES if p["bad_phrases"] is None else p["bad_phrases"]
    exempt = DEFAULT_EXEMPT if p["repeat_exempt_words"] is None else p["repeat_exempt_words"]
    bad_w, rep_w = word_flags(words, phrases, exempt, p["penalize_years"], p["year_range"])
    bad = np.array([1.0 if (i >= 0 and bad_w[i]) else 0.0 for i in twi])
    rep = np.array([1.0 if (i >= 0 and rep_w[i]) else 0.0 for i in twi])
    noeos = 0.0 if inp["ends_with_eos"] else 1.0
    pen = p["bad_weight"] * bad + p["repeat_weight"] * rep
    use_lp = "ref_logprobs" in inp
    ref_in = jnp.asarray(inp["ref_logprobs"] if use_lp else inp["ref"], dtype=jnp.float64)
    sim = jnp.asarray(inp["sim"], dtype=jnp.float64)
    f = lambda s, r: returns_fn(s, r, jnp.asarray(pen), noeos, p, use_lp)
    out, vjp = jax.vjp(f, sim, ref_in)
    cot = rng.normal(size=len(twi))
    d_sim, d_ref = vjp(jnp.asarray(cot))
    expected = {"bad": bad, "repeat": rep, "noeos": noeos, "returns": np.asarray(out)}
    grads = {"sim": float(d_sim), ("ref_logprobs" if use_lp else "ref"): np.asarray(d_ref)}
    return expected, {"returns": cot}, grads


# ---------------------------------------------------------------- cases

def ok_case(rng, cid, eq, comment, inputs, flags=(), source=None, check=None):
    expected, cot, grads = evaluate(inputs, rng)
    if check is not None:
        check(expected)
    return g.case(cid, eq, comment, inputs, expected, flags=list(flags), cotangents=cot,
                  gradients=grads, source=source)


def err_case(cid, eq, comment, inputs, kind):
    try:
        validate(inputs)
    except SpecError as e:
        assert e.kind == kind, (cid, e.kind, kind)
    else:
        raise AssertionError(f"{cid}: expected error {kind}")
    return g.case(cid, eq, comment, inputs, {"error": kind}, flags=["error"])


TABLE1_WORDS = ["an", "image", "of", "a", "man", "in", "green", "shirt", "and", "green", "shirt",
                "is", "talking", "about", "a", "car"]
TABLE1_TWI = list(range(16)) + [-1]             # one token per word, then the eos token
TABLE1_BAD = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0]
TABLE1_REPEAT = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
TABLE1_OFFSET = [-7, -6, -5, -4, -4, -4, -4, -4, -4, -4, -4, -3, -2, -1, 0, 0, 0]


def table1_check(r0, r1):
    def check(e):
        assert list(e["bad"]) == TABLE1_BAD, e["bad"]
        assert list(e["repeat"]) == TABLE1_REPEAT, e["repeat"]
        assert e["noeos"] == 0.0
        want = np.array([r0 + r1 + o for o in TABLE1_OFFSET], dtype=np.float64)
        assert np.array_equal(e["returns"], want), (e["returns"], want)
    return check


def paper_cases(rng):
    src = {"kind": "paper", "reference": "seed 004_531eaa20d30d8d4b.txt Table 1"}
    base = {"words": TABLE1_WORDS, "token_word_index": TABLE1_TWI, "ends_with_eos": True,
            "bad_phrases": ["an image of", "is talking about"]}
    cases = []
    inp = dict(base, sim=0.0, ref=0.0)
    cases.append(ok_case(
        rng, "table1-r0-r1-zero", "VLRMReturns-5",
        "Seed 004 Table 1 with r0 = ref = 0 and r1 = sim = 0, so the returns are the printed offsets "
        "-7, -6, -5, -4 (x8), -3, -2, -1, 0, 0. Bad phrases {'an image of', 'is talking about'} as in the "
        "caption of Table 1; default repeat exemptions ('green' is a colour, 'a' an article, 'in' a "
        "preposition), so only the second 'shirt' repeats. The table's last row 'eos' prints only bad = 0: "
        "the eos token (token_word_index -1) gets bad = repeat = 0 and R = r0 + r1 (= 0 here).",
        inp, flags=["paper", "table1"], source=src, check=table1_check(0.0, 0.0)))
    inp = dict(base, sim=2.75, ref=-1.5)
    cases.append(ok_case(
        rng, "table1-r0-r1-nonzero", "VLRMReturns-5",
        "Seed 004 Table 1 with r0 = ref = -1.5 and r1 = sim = 2.75: every printed return r0 + r1 + offset "
        "becomes 1.25 + offset (exact in binary).",
        inp, flags=["paper", "table1"], source=src, check=table1_check(-1.5, 2.75)))
    return cases


def returns_cases(rng):
    cases = []
    cases.append(ok_case(
        rng, "table1-caption-default-lists", "VLRMReturns-2",
        "The Table 1 caption against the DEFAULT bad-phrase list (Sources/RLAlgorithms/Resources/bad_phrases.txt, seed 004 "
        "Table 6): 'an image of' and 'image' (from ', image') match, 'talking about' matches but 'is' is no "
        "longer penalised; the second 'shirt' repeats.",
        {"words": TABLE1_WORDS, "token_word_index": TABLE1_TWI, "ends_with_eos": True,
         "sim": 3.1, "ref": -2.2}, flags=["default_lists"]))
    # multi-token words: 'image' = im|age, 'sweatshirt' = sweat|shirt, 'Sweatshirt.' = Sweat|shirt|.
    cases.append(ok_case(
        rng, "multi-token-words", "VLRMReturns-3",
        "Words spanning several tokens: 'image' (2 tokens) inside the bad phrase 'an image of' makes both "
        "tokens bad; the repeated word 'Sweatshirt.' (normalised 'sweatshirt', 3 tokens) makes all three "
        "tokens repeat = 1, so the repeat penalty of a word scales with its token count (as Equation 1 is "
        "written per token).",
        {"words": ["an", "image", "of", "a", "sweatshirt", "and", "a", "Sweatshirt."],
         "token_word_index": [0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 7, -1],
         "ends_with_eos": True, "sim": 1.3, "ref": -0.7, "bad_phrases": ["an image of"]},
        flags=["multi_token_word"]))
    cases.append(ok_case(
        rng, "year-multi-token-no-eos", "VLRMReturns-2",
        "Four-digit years: '1993' (tokens 199|3) is bad twice; its second occurrence also repeats (years are "
        "not exempt); the second 'street' repeats; ',' normalises to the empty word and is neither bad nor "
        "a repeat; no eos, so noeos = 1 is subtracted from every return. bad_phrases = [] disables phrases.",
        {"words": ["a", "street", "in", "1993", ",", "a", "street", "in", "1993"],
         "token_word_index": [0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 8],
         "ends_with_eos": False, "sim": 0.4, "ref": -1.1, "bad_phrases": []},
        flags=["year", "multi_token_word", "noeos"]))
    cases.append(ok_case(
        rng, "year-range", "VLRMReturns-2",
        "year_range [1900, 2099]: '3000' and '1850' are outside and not penalised, '(2021)' normalises to "
        "'2021' and is; '19999' (5 digits) and '1990s' never match the four-digit rule.",
        {"words": ["3000", "people", "in", "1850", "and", "(2021)", "19999", "1990s"],
         "token_word_index": [0, 1, 2, 3, 4, 5, 5, 5, 6, 6, 7, 7, -1],
         "ends_with_eos": True, "sim": 0.25, "ref": -0.5, "bad_phrases": [],
         "year_range": [1900, 2099]}, flags=["year"]))
    cases.append(ok_case(
        rng, "years-disabled", "VLRMReturns-2",
        "penalize_years = false: the same words as 'year-range' give no bad tokens at all.",
        {"words": ["3000", "people", "in", "1850", "and", "(2021)", "19999", "1990s"],
         "token_word_index": [0, 1, 2, 3, 4, 5, 5, 5, 6, 6, 7, 7, -1],
         "ends_with_eos": True, "sim": 0.25, "ref": -0.5, "bad_phrases": [],
         "penalize_years": False}, flags=["year"]))
    cases.append(ok_case(
        rng, "normalization", "VLRMReturns-1",
        "Case and punctuation: 'An IMAGE of' matches 'an image of'; 'Green'/'green' is an exempt colour; "
        "'(shirts)' repeats 'shirts,'; 'camera's' (ASCII apostrophe) repeats 'camera\u2019s' (U+2019 is "
        "mapped to the ASCII apostrophe); inner punctuation is kept, so 'close-up' does not repeat 'close'.",
        {"words": ["An", "IMAGE", "of", "Green", "shirts,", "green", "(shirts)", "camera\u2019s",
                   "camera's", "close", "close-up"],
         "token_word_index": [0, 1, 2, 3, 4, 4, 5, 6, 6, 6, 7, 7, 8, 8, 9, 10, 10, 10],
         "ends_with_eos": False, "sim": 2.0, "ref": -3.0, "bad_phrases": ["an image of"]},
        flags=["normalization", "multi_token_word"]))
    cases.append(ok_case(
        rng, "phrase-across-punctuation-word", "VLRMReturns-2",
        "Words that normalise to the empty string ('-') are skipped when matching, so 'an image - of' "
        "matches 'an image of' and the '-' token inside the match is bad too. The list entry ', dog' "
        "normalises to the one-word phrase 'dog'.",
        {"words": ["an", "image", "-", "of", "a", "dog"],
         "token_word_index": [0, 1, 2, 3, 4, 5, -1],
         "ends_with_eos": True, "sim": 1.0, "ref": -1.0, "bad_phrases": ["an image of", ", dog"]},
        flags=["normalization"]))
    cases.append(ok_case(
        rng, "overlapping-phrases", "VLRMReturns-2",
        "Overlapping matches 'camera shot' and 'shot of a' mark the union 'camera shot of a' once (bad is "
        "an indicator, not a count); the second 'camera' repeats but is outside any phrase; a special "
        "token with word index -1 in the middle is neither bad nor a repeat.",
        {"words": ["a", "camera", "shot", "of", "a", "camera"],
         "token_word_index": [0, 1, 2, -1, 3, 4, 5, -1],
         "ends_with_eos": True, "sim": 0.9, "ref": -0.3, "bad_phrases": ["camera shot", "shot of a"]},
        flags=["overlap"]))
    gamma_words = {"words": ["an", "image", "of", "a", "dog", "and", "a", "dog"],
                   "token_word_index": [0, 1, 2, 3, 4, 5, 6, 7, -1], "ends_with_eos": True,
                   "sim": 1.7, "ref": -0.9, "bad_phrases": ["an image of"]}
    cases.append(ok_case(
        rng, "gamma-0.9-terminal-none", "VLRMReturns-5",
        "gamma = 0.9 with terminal_discount 'none' (default): the penalties are discounted by "
        "gamma^(s-k), sim + ref - noeos is added undiscounted to every token (Equation 1 literally).",
        dict(gamma_words, gamma=0.9), flags=["gamma"]))
    cases.append(ok_case(
        rng, "gamma-0.9-terminal-gamma", "VLRMReturns-5",
        "gamma = 0.9 with terminal_discount 'gamma': sim + ref - noeos is a reward on the last token "
        "and token k receives gamma^(n-1-k) of it (R_k = r_k + gamma R_{k+1}).",
        dict(gamma_words, gamma=0.9, terminal_discount="gamma"), flags=["gamma"]))
    cases.append(ok_case(
        rng, "gamma-0", "VLRMReturns-5",
        "gamma = 0: each token sees only its own penalty (0^0 = 1); with terminal_discount 'gamma' only "
        "the last token receives sim + ref - noeos.",
        dict(gamma_words, gamma=0.0, terminal_discount="gamma"), flags=["gamma"]))
    cases.append(ok_case(
        rng, "weights-vlrm-rs", "VLRMReturns-5",
        "Non-default scales: bad_weight 0.5, repeat_weight 2, noeos_value 3, sim_weight 1.5 and "
        "ref_weight 0 (VLRM-RS trains without the ref component, seed 004 Section 5); no eos.",
        {"words": ["an", "image", "of", "a", "dog", "and", "a", "dog"],
         "token_word_index": [0, 1, 1, 2, 3, 4, 5, 6, 7, 7],
         "ends_with_eos": False, "sim": 4.2, "ref": -5.0, "bad_phrases": ["an image of"],
         "bad_weight": 0.5, "repeat_weight": 2.0, "noeos_value": 3.0, "sim_weight": 1.5,
         "ref_weight": 0.0}, flags=["weights"]))
    cases.append(ok_case(
        rng, "ref-logprobs", "VLRMReturns-4",
        "ref given as per-token reference log-probabilities: ref = mean over all n tokens (eos included), "
        "gradient ref_weight * sum_k(c_k) / n for every entry.",
        {"words": ["a", "dog", "and", "a", "dog"], "token_word_index": [0, 1, 2, 3, 4, -1],
         "ends_with_eos": True, "sim": 2.5,
         "ref_logprobs": [-1.25, -2.5, -0.75, -0.5, -1.0, -0.125], "bad_phrases": []},
        flags=["ref_logprobs"]))
    cases.append(ok_case(
        rng, "eos-only", "VLRMReturns-5",
        "A caption that is only the eos token: no words, bad = repeat = 0, R = sim + ref.",
        {"words": [], "token_word_index": [-1], "ends_with_eos": True, "sim": -0.5, "ref": -4.0},
        flags=["length_1"]))
    cases.append(ok_case(
        rng, "default-lists-no-eos", "VLRMReturns-2",
        "Default Table 6 list and default exemptions on a caption cut by the length limit: 'a blurry "
        "picture of', 'camera,' (normalised 'camera'), 'in the middle of the screen' and the year '1993' "
        "are bad; 'a', 'the', 'of', 'in' repeat but are exempt; noeos = 1.",
        {"words": ["a", "blurry", "picture", "of", "a", "man", "holding", "a", "camera,", "in", "the",
                   "middle", "of", "the", "screen", "in", "1993"],
         "token_word_index": [0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 8, 9, 10, 11, 12, 13, 14, 15, 16, 16],
         "ends_with_eos": False, "sim": 3.5, "ref": -2.0}, flags=["default_lists", "noeos"]))
    cases.append(ok_case(
        rng, "preset-paper-with-override", "VLRMReturns-5",
        "preset 'paper' selects the defaults; the explicit gamma = 0.5 overrides the preset's gamma = 1.",
        {"words": ["a", "red", "car", "and", "a", "red", "car"],
         "token_word_index": [0, 1, 2, 3, 4, 5, 6, -1], "ends_with_eos": True,
         "sim": 1.0, "ref": -1.0, "preset": "paper", "gamma": 0.5, "bad_phrases": []},
        flags=["preset"]))
    return cases


def error_cases():
    base = {"words": ["a", "dog"], "token_word_index": [0, 1, -1], "ends_with_eos": True,
            "sim": 1.0, "ref": -1.0}
    E = []
    E.append(err_case("empty-tokens", "VLRMReturns-5", "n = 0 tokens.",
                      dict(base, words=[], token_word_index=[]), "empty"))
    E.append(err_case("word-index-out-of-range", "VLRMReturns-2", "token_word_index 2 with 2 words.",
                      dict(base, token_word_index=[0, 2, -1]), "out_of_range"))
    E.append(err_case("word-index-below-minus-one", "VLRMReturns-2", "token_word_index -2.",
                      dict(base, token_word_index=[0, 1, -2]), "out_of_range"))
    E.append(err_case("word-index-decreasing", "VLRMReturns-2", "Word indices go back (1 then 0).",
                      dict(base, token_word_index=[1, 0, -1]), "invalid_argument"))
    E.append(err_case("word-not-covered", "VLRMReturns-2", "Word 1 has no token.",
                      dict(base, token_word_index=[0, 0, -1]), "invalid_argument"))
    E.append(err_case("sim-nan", "VLRMReturns-5", "sim is NaN.", dict(base, sim="nan"), "non_finite"))
    E.append(err_case("ref-logprobs-minus-inf", "VLRMReturns-4", "A reference log-prob of -inf.",
                      {k: v for k, v in dict(base, ref_logprobs=[-1.0, "-inf", -0.5]).items() if k != "ref"},
                      "non_finite"))
    E.append(err_case("ref-and-ref-logprobs", "VLRMReturns-4", "Both ref and ref_logprobs given.",
                      dict(base, ref_logprobs=[-1.0, -1.0, -1.0]), "invalid_argument"))
    E.append(err_case("ref-missing", "VLRMReturns-4", "Neither ref nor ref_logprobs.",
                      {k: v for k, v in base.items() if k != "ref"}, "missing_input"))
    E.append(err_case("words-missing", "VLRMReturns-2", "No words key.",
                      {k: v for k, v in base.items() if k != "words"}, "missing_input"))
    E.append(err_case("ref-logprobs-length", "VLRMReturns-4", "ref_logprobs has 2 entries for 3 tokens.",
                      {k: v for k, v in dict(base, ref_logprobs=[-1.0, -1.0]).items() if k != "ref"},
                      "shape_mismatch"))
    E.append(err_case("gamma-above-one", "VLRMReturns-5", "gamma = 1.5.", dict(base, gamma=1.5),
                      "out_of_range"))
    E.append(err_case("terminal-discount-unknown", "VLRMReturns-5", "terminal_discount 'sometimes'.",
                      dict(base, terminal_discount="sometimes"), "invalid_argument"))
    E.append(err_case("preset-unknown", "VLRMReturns-5", "preset 'trl' is not defined for this Spec.",
                      dict(base, preset="trl"), "invalid_argument"))
    E.append(err_case("year-range-reversed", "VLRMReturns-2", "year_range [2100, 1900].",
                      dict(base, year_range=[2100, 1900]), "invalid_argument"))
    return E


def main():
    rng = np.random.default_rng(20240402)
    src = g.generator_source(PROGRAM, "independent float64 Python/JAX implementation of Specs/VLRMReturns.md")
    paths = [
        g.write_file(SPEC, "paper_table1", "Seed 004 Table 1 worked example, reproduced exactly.", src,
                     paper_cases(rng)),
        g.write_file(SPEC, "returns", "Bad phrases, years, repeats, multi-token words, gamma, weights, "
                     "reference log-probs, default data lists.", src, returns_cases(rng)),
        g.write_file(SPEC, "errors", "Invalid inputs and their error kinds.", src, error_cases()),
    ]
    for p in paths:
        print("wrote", os.path.relpath(p, PACKAGE_ROOT))


if __name__ == "__main__":
    main()
