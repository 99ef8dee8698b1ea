"""Golden cases for Specs/ActionParsing.md: f(v_out) of seed 002 (RL4VLM) in two modes.

`paper` mode parses `"action": "<a>"` with the Spec's quoting / white-space / case / several-matches
rules; `rl4vlm` mode re-states what RL4VLM's rl_utils.py::text_projection computes (lower-case, cut at
the first '"action":' or keep only the last scalar when it is absent, optional "10" rule, substring
search, exactly one distinct match). Fallback cases record the RNG's argument (`candidates`), never a
draw: the project's Swift RNG draws `candidates[rng.nextInt(below: candidates.count)]`.

Run from the package root: .venv-golden/bin/python GoldenData/_generators/gen_ActionParsing.py
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_io import case, generator_source, write_file  # noqa: E402
from gen_TextNormalization import lower_scalarwise, white_space  # noqa: E402

SPEC = "ActionParsing"
PROGRAM = "GoldenData/_generators/gen_ActionParsing.py"

QUOTES = {
    "straight_double": {"\u0022"},
    "double": {"\u0022", "\u201c", "\u201d"},
    "any": {"\u0022", "\u201c", "\u201d", "\u0027", "\u2018", "\u2019"},
}
PRESETS = {
    "paper": {"mode": "paper", "case_sensitive": False, "quotes": "double", "multiple_matches": "unique"},
    "rl4vlm": {"mode": "rl4vlm", "ten_rule": "auto"},
}
DEFAULTS = {"mode": "paper", "case_sensitive": False, "quotes": "double", "multiple_matches": "unique",
            "ten_rule": "auto"}


class Invalid(Exception):
    pass


def _settings(inputs: dict) -> dict:
    cfg = dict(DEFAULTS)
    if "preset" in inputs:
        if inputs["preset"] not in PRESETS:
            raise Invalid("invalid_argument")
        cfg.update(PRESETS[inputs["preset"]])
    for k in DEFAULTS:
        if k in inputs:
            cfg[k] = inputs[k]
    if cfg["mode"] not in ("paper", "rl4vlm") or cfg["quotes"] not in QUOTES \
            or cfg["multiple_matches"] not in ("unique", "first", "last") \
            or cfg["ten_rule"] not in ("auto", "always", "never") or not isinstance(cfg["case_sensitive"], bool):
        raise Invalid("invalid_argument")
    return cfg


def _paper(text: str, legal: list[str], cfg: dict):
    fold = (lambda s: s) if cfg["case_sensitive"] else lower_scalarwise
    t, acts, q = fold(text), [fold(a) for a in legal], QUOTES[cfg["quotes"]]
    n = len(t)

    def skip_ws(j):
        while j < n and white_space(t[j]):
            j += 1
        return j

    hits = []   # legal index per key occurrence, in text order
    for i in range(n):
        if not (t[i] in q and t[i + 1:i + 7] == "action" and i + 7 < n and t[i + 7] in q):
            continue
        j = skip_ws(i + 8)
        if j >= n or t[j] != ":":
            continue
        j = skip_ws(j + 1)
        if j >= n or t[j] not in q:
            continue
        j = skip_ws(j + 1)
        best = None
        for m, a in enumerate(acts):
            if t[j:j + len(a)] == a:
                k = skip_ws(j + len(a))
                if k < n and t[k] in q and (best is None or len(a) > len(acts[best])):
                    best = m
        if best is not None:
            hits.append(best)
    matched = [legal[m] for m in hits]
    if not hits:
        return None, matched
    if cfg["multiple_matches"] == "first":
        return hits[0], matched
    if cfg["multiple_matches"] == "last":
        return hits[-1], matched
    return (hits[0] if len(set(hits)) == 1 else None), matched


def _rl4vlm(text: str, legal: list[str], cfg: dict):
    s = lower_scalarwise(text)
    i = s.find('"action":')
    s = s[i:] if i >= 0 else s[-1:]
    contained = []
    ten = cfg["ten_rule"] == "always" or (cfg["ten_rule"] == "auto" and "10" in legal)
    if ten and "10" in s:
        contained.append("10")
        s = s.replace("10", "")
    for a in legal:
        if a in s and a not in contained:
            contained.append(a)
    if len(contained) == 1 and contained[0] in legal:
        return legal.index(contained[0]), contained
    return None, contained


def parse(inputs: dict) -> dict:
    if "text" not in inputs or "legal_actions" not in inputs:
        raise Invalid("missing_input")
    text, legal = inputs["text"], inputs["legal_actions"]
    if text is not None and not isinstance(text, str):
        raise Invalid("invalid_argument")
    if not isinstance(legal, list) or not all(isinstance(a, str) for a in legal):
        raise Invalid("invalid_argument")
    if not legal:
        raise Invalid("empty")
    cfg = _settings(inputs)
    for a in legal:
        if a == "" or white_space(a[0]) or white_space(a[-1]):
            raise Invalid("invalid_argument")
    folded = legal if (cfg["mode"] == "rl4vlm" or cfg["case_sensitive"]) else [lower_scalarwise(a) for a in legal]
    if len(set(folded)) != len(folded):
        raise Invalid("invalid_argument")
    if text is None:
        idx, matched = None, []
    elif cfg["mode"] == "paper":
        idx, matched = _paper(text, legal, cfg)
    else:
        idx, matched = _rl4vlm(text, legal, cfg)
    if idx is None:
        return {"action": None, "index": None, "parsed": False, "fallback": True, "candidates": list(legal),
                "matched": matched}
    return {"action": legal[idx], "index": idx, "parsed": True, "fallback": False, "candidates": [],
            "matched": matched}


NL = ["-", "+"]
BJ = ["stand", "hit"]
EZ = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "+", "*", "="]
P24 = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "+", "-", "*", "/", "(", ")", "="]


def main() -> None:
    cases = []
    hand_src = {"kind": "hand", "reference": "Specs/ActionParsing.md rules applied by hand (see comment)"}

    def add(cid, comment, inputs, expect_action, flags=None, eq=None):
        out = parse(inputs)
        assert out["action"] == expect_action, (cid, out, expect_action)   # hand expectation
        mode = _settings(inputs)["mode"]
        eq = eq or ("ActionParsing-1" if mode == "paper" else "ActionParsing-2")
        cases.append(case(cid, eq, comment, inputs, out, flags=(flags or []) + [mode], source=hand_src))

    def both(cid, comment, text, legal, paper_action, rl_action, extra=None):
        add(cid + "/paper", comment, {"text": text, "legal_actions": legal, **(extra or {})}, paper_action)
        add(cid + "/rl4vlm", comment, {"text": text, "legal_actions": legal, "preset": "rl4vlm"}, rl_action)

    both("well-formed-json",
         "RL4VLM NumberLine output format: both modes find '+'",
         '{\n "current number": "3", \n"target number": "5", \n"thoughts": "3 is below 5, so add one", \n'
         '"action": "+" \n}', NL, "+", "+")
    both("blackjack-thoughts-mention-other-action",
         "'hit' appears in the thoughts before the key: paper reads only the value; rl4vlm cuts at the key",
         '{"thoughts": "I could hit, but 19 is high", "action": "stand"}', BJ, "stand", "stand")
    both("extra-white-space",
         "white space around ':' and inside the value quotes: paper accepts it; rl4vlm needs the exact "
         "'\"action\":' and, missing it, keeps only the last scalar '\"' -> no action -> fallback",
         '"action"   :\n\t"  hit "', BJ, "hit", None)
    both("upper-case", "upper-case key and value: both modes fold case", '{"ACTION": "HIT"}', BJ, "hit", "hit")
    add("upper-case/paper-case-sensitive", "case_sensitive=true: 'ACTION'/'HIT' do not match -> fallback",
        {"text": '{"ACTION": "HIT"}', "legal_actions": BJ, "case_sensitive": True}, None)
    add("legal-action-spelling-kept", "matching is case-insensitive but the output is the legal list's spelling",
        {"text": '"action": "stand"', "legal_actions": ["Stand", "Hit"]}, "Stand")
    both("missing-value-quotes",
         "unquoted value: paper requires the quotes of seed 002's pattern -> fallback; rl4vlm substring finds hit",
         '{"action": hit}', BJ, None, "hit")
    both("missing-key-quotes",
         "unquoted key: paper fallback; rl4vlm has no '\"action\":' and the last scalar '}' matches nothing",
         '{action: "hit"}', BJ, None, None)
    both("two-different-actions",
         "two key occurrences with different legal values: paper 'unique' -> fallback; rl4vlm sees both -> fallback",
         '{"action": "hit"} or maybe {"action": "stand"}', BJ, None, None)
    add("two-different-actions/paper-first", "multiple_matches='first' takes the first occurrence",
        {"text": '{"action": "hit"} or maybe {"action": "stand"}', "legal_actions": BJ,
         "multiple_matches": "first"}, "hit")
    add("two-different-actions/paper-last", "multiple_matches='last' takes the last occurrence",
        {"text": '{"action": "hit"} or maybe {"action": "stand"}', "legal_actions": BJ,
         "multiple_matches": "last"}, "stand")
    both("same-action-twice", "the same action twice is not a conflict under 'unique'",
         '"action": "hit" ... final answer: "action": "hit"', BJ, "hit", "hit")
    both("illegal-then-legal",
         "first occurrence holds an illegal value, second a legal one: paper uses the only legal match",
         '"action": "jump", "action": "hit"', BJ, "hit", "hit")
    both("prompt-format-echo",
         "the model echoes the prompt's '\"action\": \"-\" or \"+\"': paper reads the quoted value right after "
         "the key ('-'); rl4vlm sees both '-' and '+' -> fallback",
         '{"action": "-" or "+"}', NL, "-", None)
    both("trailing-text-after-action",
         "rl4vlm keeps everything after the key, so a later mention of the other action forces a fallback",
         '{"action": "hit"} (hit is better than stand here)', BJ, "hit", None)
    both("ten-vs-one-ezpoints",
         "'10' must not be read as '1': paper needs the closing quote right after the value; rl4vlm applies "
         "its '10' rule because '10' is legal (ten_rule auto)", '{"action": "10"}', EZ, "10", "10")
    add("ten-vs-one-ezpoints/rl4vlm-ten-rule-never",
        "without the '10' rule both '1' and '10' (and nothing else) are substrings -> fallback",
        {"text": '{"action": "10"}', "legal_actions": EZ, "preset": "rl4vlm", "ten_rule": "never"}, None)
    both("one-ezpoints", "'1' alone", '{"action": "1"}', EZ, "1", "1")
    both("ten-and-operator-points24",
         "rl4vlm: after removing '10' the text still contains '(' -> two distinct matches -> fallback; "
         "paper reads the quoted value", '{"action": "10"} then ( next', P24, "10", None)
    both("no-key-last-scalar-quirk",
         "no '\"action\":' in the text: rl4vlm's find() returns -1 and s[-1:] keeps the last scalar '+', "
         "which matches exactly one action; paper falls back", "I think I should choose +", NL, None, "+")
    both("no-key-last-scalar-digit",
         "quirk with a digit: the last scalar '7' is an EZPoints action", "the answer is 7", EZ, None, "7")
    both("no-key-last-scalar-letter",
         "quirk with a letter: 't' matches no Blackjack action -> fallback in both", "I will hit", BJ, None,
         None)
    both("curly-quotes",
         "typographic double quotes: accepted by paper (quotes='double'); rl4vlm needs straight quotes",
         '\u201caction\u201d: \u201chit\u201d', BJ, "hit", None)
    add("curly-quotes/paper-straight-only", "quotes='straight_double' rejects U+201C/U+201D",
        {"text": '\u201caction\u201d: \u201chit\u201d', "legal_actions": BJ, "quotes": "straight_double"}, None)
    both("single-quotes", "Python-dict style single quotes: paper default 'double' rejects them",
         "{'action': 'stand'}", BJ, None, None)
    add("single-quotes/paper-any", "quotes='any' accepts U+0027 (and U+2018/U+2019)",
        {"text": "{'action': 'stand'}", "legal_actions": BJ, "quotes": "any"}, "stand")
    both("non-ascii-actions", "non-ASCII legal actions", '{"action": "向右"}', ["向左", "向右"], "向右", "向右")
    both("non-ascii-case-folding", "case folding of a non-ASCII value: 'CAFÉ' matches legal 'Café' in paper "
         "mode; rl4vlm compares with the unfolded legal string 'Café' -> no match -> fallback",
         '{"action": "CAF\u00c9"}', ["Caf\u00e9", "Th\u00e9"], "Caf\u00e9", None)
    both("decomposed-value", "no Unicode normalization: 'cafe'+U+0301 is not the legal 'café' (U+00E9)",
         '{"action": "cafe\u0301"}', ["caf\u00e9", "th\u00e9"], None, None)
    both("empty-text", "empty output: both modes fall back (rl4vlm: s[-1:] of '' is '')", "", BJ, None, None)
    both("null-text", "no text at all (RL4VLM's non-string branch): fallback", None, BJ, None, None)
    both("reaction-key", "'\"reaction\"' is not the key '\"action\"'", '{"reaction": "hit"}', BJ, None, None)
    both("longest-legal-match", "legal actions 'hit' and 'hit me': the value 'hit me' matches only 'hit me' in "
         "paper mode; rl4vlm finds both substrings -> fallback", '{"action": "hit me"}', ["hit", "hit me"],
         "hit me", None)
    both("quote-inside-legal-action",
         "legal actions 'a' and 'a\" b' both match at one key occurrence (each is followed by a quote): "
         "paper takes the longest; rl4vlm sees two substrings -> fallback",
         '{"action": "a" b"}', ["a", 'a" b'], 'a" b', None)

    for mode in ("paper", "rl4vlm"):
        fallback_inputs = {"text": "I am not sure which card to play.", "legal_actions": P24, "preset": mode}
        add("fallback-candidates/" + mode,
            "ActionParsing-3: no action in the text, so the action is drawn uniformly from `candidates`, which is "
            "the whole legal list in its order (17 Points24 actions); the draw itself is the caller's "
            "rng.nextInt(below: 17) and is not recorded", fallback_inputs, None, eq="ActionParsing-3")
        assert parse(fallback_inputs)["candidates"] == P24

    def err(cid, comment, inputs, kind):
        cases.append(case(cid, "ActionParsing-1", comment, inputs, {"error": kind}, flags=["error"]))
        try:
            parse(inputs)
        except Invalid as e:
            assert str(e) == kind, (cid, e)
        else:
            raise AssertionError(cid)

    err("empty-legal-list", "no legal action to choose from", {"text": '{"action": "hit"}', "legal_actions": []},
        "empty")
    err("empty-legal-list-rl4vlm", "no legal action to choose from (rl4vlm mode)",
        {"text": "", "legal_actions": [], "preset": "rl4vlm"}, "empty")
    err("missing-text", "no `text` key", {"legal_actions": BJ}, "missing_input")
    err("missing-legal-actions", "no `legal_actions` key", {"text": "hit"}, "missing_input")
    err("duplicate-legal-actions", "duplicate legal actions", {"text": "", "legal_actions": ["hit", "hit"]},
        "invalid_argument")
    err("case-colliding-legal-actions", "'Hit' and 'hit' collide under case folding (paper, case-insensitive)",
        {"text": "", "legal_actions": ["Hit", "hit"]}, "invalid_argument")
    err("empty-string-action", "an empty legal action", {"text": "", "legal_actions": ["", "hit"]},
        "invalid_argument")
    err("white-space-edged-action", "a legal action starting with a space",
        {"text": "", "legal_actions": [" hit", "stand"]}, "invalid_argument")
    err("text-not-a-string", "`text` is a number", {"text": 3, "legal_actions": BJ}, "invalid_argument")
    err("unknown-mode", "mode must be 'paper' or 'rl4vlm'", {"text": "", "legal_actions": BJ, "mode": "json"},
        "invalid_argument")
    err("unknown-preset", "presets are 'paper' and 'rl4vlm'", {"text": "", "legal_actions": BJ, "preset": "trl"},
        "invalid_argument")
    err("unknown-quotes", "quotes must be straight_double, double or any",
        {"text": "", "legal_actions": BJ, "quotes": "backtick"}, "invalid_argument")

    write_file(SPEC, "parse", "action parsing of seed 002 in paper and rl4vlm modes", generator_source(PROGRAM),
               cases)
    print(SPEC, len(cases), "cases")


if __name__ == "__main__":
    main()
