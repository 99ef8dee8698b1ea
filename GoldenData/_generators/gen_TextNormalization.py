"""Golden cases for Specs/TextNormalization.md (case folding, punctuation, whitespace, word tokens).

An independent Python implementation of the Spec's rules, written scalar by scalar so that it does not
lean on Python's own str.split() / str.lower() conventions (which differ from the Spec: str.lower()
applies the context-dependent Final_Sigma rule, str.isspace() includes U+001C..U+001F).

The functions `white_space`, `lower_scalarwise` and `normalize` are imported by gen_VQAReward.py and
gen_ActionParsing.py; nothing is written unless this file runs as a script.

Run from the package root: .venv-golden/bin/python GoldenData/_generators/gen_TextNormalization.py
"""
from __future__ import annotations

import os
import sys
import unicodedata

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_io import case, generator_source, write_file  # noqa: E402

SPEC = "TextNormalization"
PROGRAM = "GoldenData/_generators/gen_TextNormalization.py"

# Unicode White_Space property (PropList.txt; unchanged since Unicode 6.3): 25 scalars.
WHITE_SPACE = frozenset(
    list(range(0x0009, 0x000D + 1)) + [0x0020, 0x0085, 0x00A0, 0x1680]
    + list(range(0x2000, 0x200A + 1)) + [0x2028, 0x2029, 0x202F, 0x205F, 0x3000])
assert len(WHITE_SPACE) == 25

APOSTROPHES = ("\u0027", "\u2019")   # joined inside a word, emitted as U+0027
DECIMAL_POINT = "\u002e"             # joined between two Nd digits


def white_space(ch: str) -> bool:
    return ord(ch) in WHITE_SPACE


def lower_scalarwise(text: str) -> str:
    """TextNormalization-1: each scalar replaced by its full lowercase mapping, no context rules."""
    return "".join(ch.lower() for ch in text)


def _cls(ch: str) -> str:
    """'W' for letters and numbers, 'M' for marks, 'O' for everything else (after Cf deletion)."""
    major = unicodedata.category(ch)[0]
    if major in ("L", "N"):
        return "W"
    if major == "M":
        return "M"
    return "O"


def normalize(text: str) -> tuple[str, list[str]]:
    """TextNormalization-1..4: returns (normalized, words)."""
    s = lower_scalarwise(text)                                        # -1
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Cf")   # -2
    words: list[str] = []
    buf: list[str] = []
    n = len(s)
    for i, ch in enumerate(s):                                        # -3
        k = _cls(ch)
        nxt = s[i + 1] if i + 1 < n else None
        if k == "W":
            buf.append(ch)
        elif k == "M":
            if buf:
                buf.append(ch)
        elif ch in APOSTROPHES and buf and nxt is not None and _cls(nxt) == "W":
            buf.append("\u0027")
        elif (ch == DECIMAL_POINT and buf and unicodedata.category(s[i - 1]) == "Nd"
              and nxt is not None and unicodedata.category(nxt) == "Nd"):
            buf.append(ch)
        else:
            if buf:
                words.append("".join(buf))
                buf = []
    if buf:
        words.append("".join(buf))
    return " ".join(words), words                                     # -4


def _big_text() -> str:
    """10,000 words drawn with a fixed seed, mixed case, punctuation and varied white space."""
    rng = np.random.default_rng(20240404)
    vocab = ["Green", "red", "clock", "the", "A", "two", "3.5", "don't", "Café", "猫", "t-shirt",
             "YES", "no", "Ünïcödé", "1,000", "rock’n’roll", "ΟΔΟΣ", "x²", "window", "sky"]
    seps = [" ", "  ", "\t", "\n", " , ", ". ", "! ", " (", ") ", "\u00a0", " - ", "\u3000"]
    parts = []
    for _ in range(10_000 // 2):
        parts.append(vocab[int(rng.integers(len(vocab)))])
        parts.append(seps[int(rng.integers(len(seps)))])
        parts.append(vocab[int(rng.integers(len(vocab)))])
        parts.append(" ")
    return "".join(parts)


def main() -> None:
    hand = {"kind": "hand", "reference": "Specs/TextNormalization.md, rules -1..-4 applied by hand"}
    cases = []

    def add(cid, eq, comment, text, expected_words, flags=None, hand_checked=True):
        normalized, words = normalize(text)
        if expected_words is not None:   # hand expectation, cross-checked against the program
            assert words == expected_words, (cid, words, expected_words)
        cases.append(case(cid, eq, comment, {"text": text},
                          {"normalized": normalized, "words": words, "word_count": len(words)},
                          flags=flags, source=hand if hand_checked and expected_words is not None else None))

    add("green-period", "TextNormalization-3", "seed 000 example answer 'Green.': case folded, final period dropped",
        "Green.", ["green"])
    add("punctuation", "TextNormalization-3",
        "ASCII punctuation and quotes are separators; an apostrophe between letters stays",
        "Hello, world! (It's) a \"test\"; isn't it? [yes]/{no} #1 @home & 50% $5 c++ a_b",
        ["hello", "world", "it's", "a", "test", "isn't", "it", "yes", "no", "1", "home", "50", "5", "c",
         "a", "b"])
    add("apostrophes", "TextNormalization-3",
        "U+0027 and U+2019 join only between a word scalar and a following letter/number and are written "
        "as U+0027; leading/trailing/doubled apostrophes separate; U+02BC is a letter (Lm)",
        "don't 'quoted' students' rock’n’roll ’90s o''clock ma\u02bcam it’s",
        ["don't", "quoted", "students", "rock'n'roll", "90s", "o", "clock", "ma\u02bcam", "it's"])
    add("hyphens-dashes", "TextNormalization-3",
        "all dashes (Pd) and the minus sign (Sm) separate: a negative number loses its sign",
        "t-shirt \u2014 well-known \u20135 e-mail \u22123 -7",
        ["t", "shirt", "well", "known", "5", "e", "mail", "3", "7"])
    add("digits-decimal-point", "TextNormalization-3",
        "a full stop between two Nd digits is kept; a comma between digits separates; other full stops separate",
        "3.5 kg, 1,000 people, v2.0.1, .5 and 5. 10:30 \u0663.\u0664 3..5",
        ["3.5", "kg", "1", "000", "people", "v2.0.1", "5", "and", "5", "10", "30", "\u0663.\u0664", "3", "5"])
    add("white-space-collapse", "TextNormalization-4",
        "runs of spaces, tabs, newlines, CR LF, NBSP, EM SPACE, IDEOGRAPHIC SPACE, LINE SEPARATOR, NEL, VT "
        "and the non-White_Space controls U+001C/U+0000 all become one separator; leading/trailing removed",
        "  a\t\tb\n\nc \r\n d\u00a0e\u2003f\u3000g\u2028h\u0085i\u000bj\u001ck\u0000l  ",
        list("abcdefghijkl"))
    add("format-chars-deleted", "TextNormalization-2",
        "Cf scalars (soft hyphen, ZERO WIDTH SPACE/JOINER, BOM, U+180E) are deleted without separating",
        "co\u00adoperate a\u200bb c\u200dd \ufeffhello e\u180ef",
        ["cooperate", "ab", "cd", "hello", "ef"])
    add("non-ascii-latin", "TextNormalization-1", "non-ASCII letters are kept and lower-cased",
        "Café Ünïcödé ÆSIR Øre", ["café", "ünïcödé", "æsir", "øre"])
    add("cjk-no-segmentation", "TextNormalization-3",
        "scripts without spaces are not segmented: a CJK run is one word; CJK punctuation (Po) separates; "
        "U+30FC (Lm) is a letter",
        "我喜欢猫。你呢？ 東京タワー、すごい！",
        ["我喜欢猫", "你呢", "東京タワー", "すごい"])
    add("emoji", "TextNormalization-3",
        "emoji (So), skin-tone modifiers (Sk) separate; a variation selector or ZWJ after a separator is "
        "dropped; a keycap sequence keeps its marks because it starts with a digit",
        "I \u2764\ufe0f cats \U0001F431! thumbs \U0001F44D\U0001F3FD up \U0001F468\u200d\U0001F469\u200d\U0001F467 "
        "1\ufe0f\u20e3",
        ["i", "cats", "thumbs", "up", "1\ufe0f\u20e3"])
    add("combining-marks", "TextNormalization-3",
        "no Unicode normalization: decomposed 'cafe'+U+0301 stays decomposed (differs from precomposed "
        "U+00E9); a mark with no word before it is dropped",
        "cafe\u0301 caf\u00e9 \u0301abc !\u0308x",
        ["cafe\u0301", "caf\u00e9", "abc", "x"])
    add("special-casing", "TextNormalization-1",
        "full lowercase mapping per scalar: U+0130 -> i + U+0307; no Final_Sigma rule (Python str.lower() "
        "would give 'οδος'); U+1E9E -> U+00DF; titlecase U+01C5 -> U+01C6",
        "\u0130stanbul ΟΔΟΣ STRASSE \u1e9e \u01c5",
        ["i\u0307stanbul", "οδοσ", "strasse", "\u00df", "\u01c6"])
    add("numbers-other", "TextNormalization-3",
        "Nl and No are word scalars: Roman numeral (lower-cased to U+217B), superscript two, vulgar half",
        "\u216b x\u00b2 \u00bd \u2460", ["\u217b", "x\u00b2", "\u00bd", "\u2460"])
    add("empty-string", "TextNormalization-4", "empty input: empty normalized string and empty word list",
        "", [])
    add("only-punctuation-and-space", "TextNormalization-4",
        "nothing but separators: same as the empty string", " ?!...  ---\t\u3002 \u2764 ", [])
    add("single-letter", "TextNormalization-3", "length-1 input", "A", ["a"])

    big = _big_text()
    normalized, words = normalize(big)
    assert len(words) >= 10_000
    cases.append(case(
        "ten-thousand-words", "TextNormalization-4",
        "10,000 vocabulary draws (numpy default_rng(20240404)) with mixed separators; the file keeps only "
        "counts and the first/last 5 words to stay small (a test compares only the keys present)",
        {"text": big},
        {"word_count": len(words), "normalized_scalar_count": len(normalized),
         "words_head": words[:5], "words_tail": words[-5:]},
        flags=["large"]))

    cases.append(case("missing-text", "TextNormalization-4", "no `text` key", {}, {"error": "missing_input"},
                      flags=["error"]))
    cases.append(case("text-not-a-string", "TextNormalization-4", "`text` is a number", {"text": 5},
                      {"error": "invalid_argument"}, flags=["error"]))
    cases.append(case("text-null", "TextNormalization-4", "`text` is null", {"text": None},
                      {"error": "invalid_argument"}, flags=["error"]))

    src = generator_source(PROGRAM, f"Python {sys.version.split()[0]} unicodedata {unicodedata.unidata_version}")
    path = write_file(SPEC, "normalize", "case folding, punctuation, white space and word tokens", src, cases)
    print(path, len(cases), "cases")


if __name__ == "__main__":
    main()
