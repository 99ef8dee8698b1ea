"""Golden cases for Specs/Tokenizer.md from Hugging Face tokenizers' own WordLevel model.

Every expected id list and offset list is what `tokenizers.Tokenizer` (WordLevel model, pre-tokenizer
Sequence[WhitespaceSplit, Punctuation("isolated")], special tokens added with `add_special_tokens`) returns
for the case's text. The vocabulary-building cases count the pieces that tokenizers' own pre-tokenizer
produces (`pre_tokenize_str`) and order them as the Spec defines (descending count, then code points).
"""
from collections import Counter

from tokenizers import Tokenizer, models, pre_tokenizers

import golden_io as gio

PROGRAM = "GoldenData/_generators/gen_Tokenizer.py"
SPECIALS = ["<pad>", "<s>", "</s>", "<unk>", "<image>"]


def hf_tokenizer(vocab, specials, unk):
    tok = Tokenizer(models.WordLevel({t: i for i, t in enumerate(vocab)}, unk_token=unk))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation("isolated")])
    tok.add_special_tokens(specials)
    return tok


def encode_case(cid, equation, comment, vocab, text, specials=SPECIALS, unk="<unk>"):
    enc = hf_tokenizer(vocab, specials, unk).encode(text)
    return gio.case(cid, equation, comment,
                    {"vocab": vocab, "special_tokens": specials, "unk_token": unk, "text": text},
                    {"ids": list(enc.ids), "offsets": [list(o) for o in enc.offsets], "count": len(enc.ids)})


def build_case(cid, comment, corpus):
    pre = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation("isolated")])
    counts = Counter()
    for text in corpus:
        # special tokens are cut out first, exactly as the tokenizer does
        rest = text
        for s in sorted(SPECIALS, key=len, reverse=True):
            rest = rest.replace(s, " ")
        counts.update(piece for piece, _ in pre.pre_tokenize_str(rest))
    words = sorted((w for w in counts if w not in SPECIALS), key=lambda w: (-counts[w], [ord(c) for c in w]))
    return gio.case(cid, "Tokenizer-3", comment, {"corpus": corpus}, {"vocab": SPECIALS + words})


def main():
    vocab = SPECIALS + ["the", "red", "circle", "is", "left", "of", "a", "{", '"', ":", ",", "}", "8", "/", "(", "3",
                        "-", ")", "thoughts", "action", "?", "é", "—"]
    cases = [
        encode_case("words", "Tokenizer-1", "white space of every kind separates words; runs of spaces give no token",
                    vocab, "the red  circle\tis\nleft of a"),
        encode_case("punctuation-isolated", "Tokenizer-2", "every punctuation character is its own piece, also in runs",
                    vocab, 'the red circle?? {"thoughts": "x", "action": "8/(3-8/3)"}'),
        encode_case("special-tokens-in-raw-text", "Tokenizer-1", "special tokens are cut out before splitting, also without spaces",
                    vocab, "<s>the<image><image> red</s><pad>"),
        encode_case("unknown-words", "Tokenizer-3", "pieces outside the vocabulary map to <unk>", vocab, "the blue square is left"),
        encode_case("unicode-offsets", "Tokenizer-4",
                    "offsets count Unicode scalars: a combining accent stays in its word, an em dash and curly quotes are punctuation",
                    vocab, "é e\u0301 — \u201cthe\u201d caf\u00e9!! 3.5"),
        encode_case("empty-text", "Tokenizer-4", "no text, no token", vocab, ""),
        encode_case("only-spaces", "Tokenizer-1", "white space alone gives no token", vocab, "  \t \n"),
        encode_case("ascii-symbols", "Tokenizer-2", "every printable non-alphanumeric ASCII character is punctuation",
                    vocab, "a+b=c <x> $5 ^ | ~ ` @ #_"),
        build_case("build-from-corpus", "the vocabulary: special tokens, then pieces by count, ties by code points",
                   ["the red circle is left of the blue square", "is the circle red ? yes", "<image> the answer : red"]),
        gio.case("duplicate-token", "Tokenizer-3", "a token listed twice", {"vocab": ["<unk>", "a", "a"], "special_tokens": ["<unk>"],
                 "unk_token": "<unk>", "text": "a"}, {"error": "invalid_argument"}, flags=["error"]),
        gio.case("unknown-token-missing", "Tokenizer-3", "the unknown token must be in the vocabulary",
                 {"vocab": ["a", "b"], "special_tokens": [], "unk_token": "<unk>", "text": "a"}, {"error": "invalid_argument"}, flags=["error"]),
    ]
    gio.write_file("Tokenizer", "word_level", "WordLevel tokenization with special tokens and offsets, as Hugging Face tokenizers computes it",
                   gio.generator_source(PROGRAM), cases)


if __name__ == "__main__":
    main()
