"""Golden data for Specs/Generation.md (logits processors and KV-cache decoding loops), recorded from Hugging Face
transformers' OWN generation code (transformers 5.24.0, PyTorch CPU), nothing re-implemented:

- GoldenData/Generation/logits_processors.json (Generation-1..6): `transformers.generation.logits_process`
  TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper, NoRepeatNGramLogitsProcessor,
  MinNewTokensLengthLogitsProcessor, called on float64 scores; the Generation-6 pipeline is the LogitsProcessorList
  returned by `GenerationMixin._get_logits_processor` for a sampling GenerationConfig with min_new_tokens,
  no_repeat_ngram_size, temperature, top_k and top_p all set. Its order (transformers 5.24.0):
  NoRepeatNGramLogitsProcessor -> MinNewTokensLengthLogitsProcessor -> TemperatureLogitsWarper -> TopKLogitsWarper
  -> TopPLogitsWarper. Per-row temperature / top_p ([B]) apply the warper row by row.
- GoldenData/Generation/decoding.json (Generation-7 greedy, Generation-8 beam): `GenerationMixin.generate`
  (`_sample` with do_sample False, `_beam_search`) driving a toy bigram language model (`BigramLM` below, a
  PreTrainedModel + GenerationMixin whose logits at every position are table[token]), use_cache False,
  return_dict_in_generate True, output_scores True.
- GoldenData/Generation/transformers/micro-full.json (format "rlref-generation-reference"): `generate` of
  LlavaForConditionalGeneration loaded from GoldenData/Model/transformers/micro-full (float64, eager attention, the
  float32 steps switched to float64 by gen_Model.full_float64), greedy / greedy with min_new_tokens and
  no_repeat_ngram_size / beam search, plus a teacher-forced float64 forward of the generated sequences
  (LlavaForConditionalGeneration.forward with generate's position ids) for the per-step log-probs.

Note: generate casts the next-token logits to float32 before the processors (both `_sample` and `_beam_search`),
and beam search accumulates its scores in float32. The toy tables are multiples of 1/8 (exact in float32), so
greedy's processed scores are exact; beam `sequences_scores` carry float32 rounding (tolerance set per case).

micro-full.json reads the committed GoldenData/Model/transformers/micro-full folder (written by
gen_ModelTransformers.py, which generate_all.py runs after this file) and checks that its weights are exactly those
gen_Model.build_micro_model builds; if that model ever changes, run gen_ModelTransformers.py and then this file.

Run from the package root:  .venv-golden/bin/python GoldenData/_generators/gen_Generation.py
"""
from __future__ import annotations

import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import transformers
from transformers import GenerationConfig, GenerationMixin, LlavaForConditionalGeneration, PretrainedConfig, \
    PreTrainedModel
from transformers.generation.logits_process import (SuppressTokensLogitsProcessor,
                                                    MinNewTokensLengthLogitsProcessor, NoRepeatNGramLogitsProcessor,
                                                    TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper)
from transformers.modeling_outputs import CausalLMOutputWithPast

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_Model as G  # noqa: E402
from golden_io import ROOT, _jsonable, case, generator_source, tolerance, write_file  # noqa: E402

SPEC = "Generation"
PROGRAM = "GoldenData/_generators/gen_Generation.py"
F64 = torch.float64
LN2 = math.log(2.0)
NEG = float("-inf")

PIPELINE_ORDER = ["NoRepeatNGramLogitsProcessor", "MinNewTokensLengthLogitsProcessor", "TemperatureLogitsWarper",
                  "TopKLogitsWarper", "TopPLogitsWarper"]


# ----------------------------------------------------------------------------------------------
# Generation-1..6: logits processors
# ----------------------------------------------------------------------------------------------
def _rows(value, B):
    """A scalar option or a [B] list of per-row options -> one value per row."""
    return list(value) if isinstance(value, (list, tuple)) else [value] * B


def _row_by_row(make, scores, input_ids, option):
    s = torch.tensor(scores, dtype=F64)
    ids = torch.tensor(input_ids, dtype=torch.long) if input_ids is not None else torch.zeros((s.shape[0], 1),
                                                                                              dtype=torch.long)
    out = [make(o)(ids[b:b + 1], s[b:b + 1]) for b, o in enumerate(_rows(option, s.shape[0]))]
    return torch.cat(out, 0)


def apply_processor(inp: dict) -> torch.Tensor:
    p = inp["processor"]
    s = torch.tensor(inp["scores"], dtype=F64)
    ids = torch.tensor(inp["input_ids"], dtype=torch.long) if "input_ids" in inp else None
    if p == "temperature":
        return _row_by_row(lambda t: TemperatureLogitsWarper(float(t)), inp["scores"], None, inp["temperature"])
    if p == "top_k":
        return TopKLogitsWarper(int(inp["top_k"]), min_tokens_to_keep=1)(ids, s)
    if p == "top_p":
        return _row_by_row(lambda q: TopPLogitsWarper(float(q), min_tokens_to_keep=1), inp["scores"], None,
                           inp["top_p"])
    if p == "no_repeat_ngram":
        return NoRepeatNGramLogitsProcessor(int(inp["no_repeat_ngram_size"]))(ids, s)
    if p == "min_new_tokens":
        return MinNewTokensLengthLogitsProcessor(int(inp["prompt_length"]), int(inp["min_new_tokens"]),
                                                 int(inp["eos_token_id"]))(ids, s)
    if p == "suppress_tokens":
        return SuppressTokensLogitsProcessor([int(t) for t in inp["suppress_tokens"]])(ids, s)
    if p == "pipeline":
        procs = pipeline_processors(inp)
        order = PIPELINE_ORDER if "suppress_tokens" not in inp else (
            PIPELINE_ORDER[:2] + ["SuppressTokensLogitsProcessor"] + PIPELINE_ORDER[2:])
        assert [type(q).__name__ for q in procs] == order, [type(q).__name__ for q in procs]
        return procs(ids, s)
    raise ValueError(p)


def pipeline_processors(inp: dict):
    """The LogitsProcessorList that generate builds (GenerationMixin._get_logits_processor) for sampling."""
    gc = GenerationConfig(do_sample=True, num_beams=1, min_new_tokens=int(inp["min_new_tokens"]),
                          no_repeat_ngram_size=int(inp["no_repeat_ngram_size"]),
                          temperature=float(inp["temperature"]), top_k=int(inp["top_k"]), top_p=float(inp["top_p"]),
                          eos_token_id=int(inp["eos_token_id"]), pad_token_id=0,
                          suppress_tokens=inp.get("suppress_tokens"))
    model = bigram_model(np.zeros((len(inp["scores"][0]),) * 2))
    gc._eos_token_tensor = torch.tensor([int(inp["eos_token_id"])])
    gc._pad_token_tensor = torch.tensor(0)
    return model._get_logits_processor(generation_config=gc, input_ids_seq_length=int(inp["prompt_length"]),
                                       device="cpu")


def logits_processor_cases() -> list[dict]:
    C = []

    def add(id, eq, comment, inp, flags=None):
        exp = apply_processor(inp)
        check_order_independent(inp, exp)
        C.append(case(id, eq, comment, inp, {"scores": exp}, flags=flags))

    def err(id, eq, comment, inp, kind):
        C.append(case(id, eq, comment, inp, {"error": kind}, flags=["error"]))

    # Generation-1 temperature
    add("temperature-scalar", "Generation-1", "TemperatureLogitsWarper(0.7): scores / 0.7; -inf stays -inf, ties stay "
        "tied", {"processor": "temperature", "scores": [[1.5, -0.25, 1.5, NEG, 0.0, 3.0],
                                                        [0.125, 0.5, -2.0, 0.5, 1.0, -1.0]], "temperature": 0.7})
    add("temperature-per-row", "Generation-1", "per-row temperatures [0.5, 2.0, 1.0]: the HF warper applied row by "
        "row", {"processor": "temperature", "scores": [[1.0, -1.0, 0.5, 2.0], [1.0, -1.0, 0.5, NEG],
                                                       [0.3, 0.2, 0.1, 0.0]], "temperature": [0.5, 2.0, 1.0]})
    add("temperature-small", "Generation-1", "temperature 0.01 sharpens (scores x 100)",
        {"processor": "temperature", "scores": [[0.013, -0.021, 0.5]], "temperature": 0.01})

    # Generation-2 top_k
    add("top-k-tie-at-kth", "Generation-2", "top_k 2, the 2nd and 3rd largest tie (1.0, 1.0): TopKLogitsWarper removes "
        "only scores STRICTLY below the k-th value, so all tied tokens are kept (3 tokens survive in row 0); row 1 "
        "has no tie", {"processor": "top_k", "scores": [[2.0, 1.0, 0.5, 1.0, -1.0, 0.0],
                                                       [0.1, 0.4, 0.3, 0.2, -0.5, 0.6]], "top_k": 2})
    add("top-k-1-tie-at-top", "Generation-2", "top_k 1 with two equal maxima: both kept",
        {"processor": "top_k", "scores": [[0.5, 3.0, 3.0, 2.9, -1.0]], "top_k": 1})
    add("top-k-larger-than-vocab", "Generation-2", "top_k 10 > V = 5: min(top_k, V) = V, nothing removed",
        {"processor": "top_k", "scores": [[0.5, 3.0, -2.0, 2.9, -1.0]], "top_k": 10})
    add("top-k-with-neg-inf", "Generation-2", "top_k 4 but row 0 has only 3 finite scores: the k-th value is -inf, "
        "nothing is strictly below it, the -inf entries stay -inf; row 1: top 4 of 6",
        {"processor": "top_k", "scores": [[1.0, NEG, 0.5, NEG, NEG, 2.0], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]], "top_k": 4})
    add("top-k-all-tied", "Generation-2", "all scores equal: top_k 2 keeps every token",
        {"processor": "top_k", "scores": [[0.25, 0.25, 0.25, 0.25]], "top_k": 2})

    # Generation-3 top_p
    add("top-p-one-token-exceeds", "Generation-3", "top_p 0.5, the top token alone has p ~ 0.96 > top_p: only it is "
        "kept (min_tokens_to_keep 1 is then moot)", {"processor": "top_p", "scores": [[5.0, 0.0, 0.5, -1.0, 1.0]],
                                                     "top_p": 0.5})
    add("top-p-boundary-exact", "Generation-3", "softmax([0, -ln2, -ln2]) = [0.5, 0.25, 0.25] exactly in float64; "
        "top_p 0.5: TopPLogitsWarper sorts ascending, cumsum = [0.25, 0.5, 1.0] and removes cumsum <= 1 - top_p = 0.5, "
        "so both 0.25 tokens go and the 0.5 token, whose mass equals top_p exactly, is kept alone",
        {"processor": "top_p", "scores": [[0.0, -LN2, -LN2]], "top_p": 0.5})
    add("top-p-boundary-exact-sum", "Generation-3", "softmax = [0.5, 0.25, 0.125, 0.125] exactly; top_p 0.75 "
        "(1 - top_p = 0.25 exactly): ascending cumsum [0.125, 0.25, 0.5, 1] -> both 0.125 tokens removed (<= is "
        "inclusive), the kept set has mass exactly top_p",
        {"processor": "top_p", "scores": [[0.0, -LN2, -2 * LN2, -2 * LN2]], "top_p": 0.75})
    add("top-p-1-underflow", "Generation-3", "top_p 1.0 (1 - top_p = 0): tokens whose float64 softmax underflows to 0 "
        "have cumsum 0 <= 0 and are set to -inf; the rest is unchanged (generate itself skips TopPLogitsWarper when "
        "top_p = 1.0)", {"processor": "top_p", "scores": [[0.0, -800.0, 1.0, NEG, -1.0]], "top_p": 1.0})
    add("top-p-per-row", "Generation-3", "per-row top_p [0.9, 0.3]: the HF warper applied row by row; row 0 has a "
        "-inf entry", {"processor": "top_p", "scores": [[1.0, 0.2, NEG, 0.5, -0.4, 2.0],
                                                       [1.0, 0.2, -3.0, 0.5, -0.4, 2.0]], "top_p": [0.9, 0.3]})
    add("top-p-generic", "Generation-3", "top_p 0.8 on two rows with well separated cumulative sums",
        {"processor": "top_p", "scores": [[2.0, 1.0, 0.0, -1.0, 0.5, 1.5], [0.3, -0.3, 1.2, 0.9, 0.0, -2.0]],
         "top_p": 0.8})

    # Generation-4 no_repeat_ngram
    add("no-repeat-1", "Generation-4", "size 1: every token already in input_ids (prompt included) is banned",
        {"processor": "no_repeat_ngram", "scores": [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0.6, 0.5, 0.4, 0.3, 0.2, 0.1]],
         "input_ids": [[1, 3, 3, 5], [2, 2, 2, 2]], "no_repeat_ngram_size": 1})
    add("no-repeat-2", "Generation-4", "size 2: the last token 3 follows earlier 3s -> bans every token that followed "
        "a 3 (4 and 5); row 1: last token 2 was followed by 0 and 1",
        {"processor": "no_repeat_ngram", "scores": [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]],
         "input_ids": [[3, 4, 1, 3, 5, 3], [2, 0, 4, 2, 1, 2]], "no_repeat_ngram_size": 2})
    add("no-repeat-3", "Generation-4", "size 3: suffix (1, 2) appeared twice, followed by 3 and 4 -> both banned; "
        "row 1's suffix (5, 5) never appeared before -> nothing banned",
        {"processor": "no_repeat_ngram", "scores": [[0.0, 0.1, 0.2, 0.3, 0.4, 0.5], [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]],
         "input_ids": [[1, 2, 3, 1, 2, 4, 1, 2], [0, 1, 2, 3, 5, 5, 4, 5]], "no_repeat_ngram_size": 3})
    add("no-repeat-3-too-short", "Generation-4", "size 3 with only 2 tokens: no complete n-gram, scores unchanged",
        {"processor": "no_repeat_ngram", "scores": [[0.0, 0.1, 0.2, 0.3]], "input_ids": [[1, 1]],
         "no_repeat_ngram_size": 3})
    add("no-repeat-2-left-padding", "Generation-4", "size 2 on a LEFT-padded row (pad 0): transformers treats the pad "
        "tokens as ordinary tokens, so the suffix 0 matches the windows (0,0) and (0,3) and bans 0 and 3",
        {"processor": "no_repeat_ngram", "scores": [[0.5, 0.4, 0.3, 0.2, 0.1]], "input_ids": [[0, 0, 3, 4, 0]],
         "no_repeat_ngram_size": 2})

    # Generation-5 min_new_tokens
    add("min-new-before", "Generation-5", "prompt_length 3, input length 5 -> 2 new tokens < min_new_tokens 3: the eos "
        "column (2) is set to -inf in every row", {"processor": "min_new_tokens",
                                                   "scores": [[0.1, 0.2, 5.0, 0.4], [1.0, 1.0, 1.0, NEG]],
                                                   "input_ids": [[1, 3, 3, 0, 1], [0, 1, 3, 3, 3]], "prompt_length": 3,
                                                   "min_new_tokens": 3, "eos_token_id": 2})
    add("min-new-at-threshold", "Generation-5", "3 new tokens = min_new_tokens 3: unchanged",
        {"processor": "min_new_tokens", "scores": [[0.1, 0.2, 5.0, 0.4]], "input_ids": [[1, 3, 3, 0, 1, 3]],
         "prompt_length": 3, "min_new_tokens": 3, "eos_token_id": 2})
    add("min-new-zero-new", "Generation-5", "first step (input length = prompt_length), min_new_tokens 1: eos banned",
        {"processor": "min_new_tokens", "scores": [[0.1, 0.2, 5.0, 0.4]], "input_ids": [[1, 3, 3]],
         "prompt_length": 3, "min_new_tokens": 1, "eos_token_id": 2})

    # Generation-6 pipeline
    order = " -> ".join(PIPELINE_ORDER)
    add("pipeline-before-min", "Generation-6", "generate's sampling pipeline from GenerationMixin._get_logits_processor, "
        "order " + order + " (min_tokens_to_keep 1): 1 new token < min_new_tokens 2 bans eos 2; no_repeat 2 bans the "
        "earlier successors of the last token; then temperature 0.8, top_k 3, top_p 0.9",
        {"processor": "pipeline", "scores": [[0.5, 1.0, 3.0, 0.25, 2.0, -0.5, 1.5, 0.0],
                                            [2.0, 2.0, 0.5, 1.75, -1.0, 0.75, NEG, 1.0]],
         "input_ids": [[0, 1, 3, 4, 6], [1, 5, 4, 0, 1]], "prompt_length": 4, "eos_token_id": 2,
         "min_new_tokens": 2, "no_repeat_ngram_size": 2, "temperature": 0.8, "top_k": 3, "top_p": 0.9})
    add("pipeline-after-min", "Generation-6", "same pipeline (order " + order + "), 3 new tokens >= min_new_tokens 2: "
        "eos allowed; no_repeat 3; temperature 1.5 flattens so top_p 0.6 keeps more than one token",
        {"processor": "pipeline", "scores": [[0.5, 1.0, 3.0, 0.25, 2.0, -0.5, 1.5, 0.0],
                                            [2.0, 1.0, 0.5, 1.75, -1.0, 0.75, 2.25, 1.0]],
         "input_ids": [[1, 3, 4, 7, 3, 4], [2, 6, 5, 2, 6, 0]], "prompt_length": 3, "eos_token_id": 2,
         "min_new_tokens": 2, "no_repeat_ngram_size": 3, "temperature": 1.5, "top_k": 5, "top_p": 0.6})

    # Generation-9 suppressed tokens
    add("suppress-tokens", "Generation-9", "SuppressTokensLogitsProcessor([0, 3, 4]): those ids -inf in every row, an "
        "already -inf entry stays -inf, the rest unchanged", {"processor": "suppress_tokens",
                                                            "scores": [[0.5, 1.0, 3.0, NEG, 2.0, -0.5],
                                                                       [2.0, -1.0, 0.25, 1.5, 0.0, 0.75]],
                                                            "suppress_tokens": [0, 3, 4]})
    add("suppress-tokens-empty", "Generation-9", "an empty list suppresses nothing",
        {"processor": "suppress_tokens", "scores": [[0.5, 1.0, 3.0]], "suppress_tokens": []})
    add("pipeline-with-suppress", "Generation-6", "generate's sampling pipeline with suppress_tokens [0, 4] (the "
        "recipes' special tokens): SuppressTokensLogitsProcessor runs after MinNewTokensLengthLogitsProcessor (1 new "
        "token < 2 bans eos 2) and NoRepeatNGramLogitsProcessor (2) and before the warpers; temperature 0.7, top_k 4, "
        "top_p 0.95",
        {"processor": "pipeline", "scores": [[0.5, 1.0, 3.0, 0.25, 2.0, -0.5, 1.5, 0.0],
                                            [2.0, 2.0, 0.5, 1.75, 3.0, 0.75, 0.5, 1.0]],
         "input_ids": [[1, 3, 4, 7], [2, 6, 5, 2]], "prompt_length": 3, "eos_token_id": 2,
         "min_new_tokens": 2, "no_repeat_ngram_size": 2, "temperature": 0.7, "top_k": 4, "top_p": 0.95,
         "suppress_tokens": [0, 4]})
    err("suppress-tokens-out-of-vocab", "Generation-9", "id 7 outside a vocabulary of 3 (transformers ignores it; "
        "the Spec rejects it)", {"processor": "suppress_tokens", "scores": [[0.1, 0.2, 0.3]], "suppress_tokens": [7]},
        "out_of_range")

    # errors (kinds from the Spec; transformers raises ValueError for the first three except top_p = 0, which it
    # accepts)
    s = [[0.1, 0.2, 0.3]]
    err("top-k-zero", "Generation-2", "top_k 0 (TopKLogitsWarper raises ValueError)",
        {"processor": "top_k", "scores": s, "top_k": 0}, "out_of_range")
    err("top-p-zero", "Generation-3", "top_p 0 is outside (0, 1] (transformers itself accepts 0 and keeps only the "
        "top token; the Spec rejects it)", {"processor": "top_p", "scores": s, "top_p": 0.0}, "out_of_range")
    err("top-p-above-one", "Generation-3", "top_p 1.5 (TopPLogitsWarper raises ValueError)",
        {"processor": "top_p", "scores": s, "top_p": 1.5}, "out_of_range")
    err("top-p-negative-per-row", "Generation-3", "per-row top_p with a negative entry",
        {"processor": "top_p", "scores": s + s, "top_p": [0.5, -0.1]}, "out_of_range")
    err("temperature-zero", "Generation-1", "temperature 0 (TemperatureLogitsWarper raises ValueError)",
        {"processor": "temperature", "scores": s, "temperature": 0.0}, "out_of_range")
    err("temperature-negative", "Generation-1", "temperature -1",
        {"processor": "temperature", "scores": s, "temperature": -1.0}, "out_of_range")
    err("scores-rank-1", "Generation-1", "scores must be [B, V]",
        {"processor": "temperature", "scores": [0.1, 0.2], "temperature": 0.5}, "shape_mismatch")
    err("scores-rank-3", "Generation-2", "scores must be [B, V]",
        {"processor": "top_k", "scores": [[[0.1, 0.2]]], "top_k": 1}, "shape_mismatch")
    err("no-repeat-input-ids-rows", "Generation-4", "input_ids has 1 row for B = 2",
        {"processor": "no_repeat_ngram", "scores": s + s, "input_ids": [[1, 2, 1]], "no_repeat_ngram_size": 2},
        "shape_mismatch")
    err("min-new-input-ids-rows", "Generation-5", "input_ids has 2 rows for B = 1",
        {"processor": "min_new_tokens", "scores": s, "input_ids": [[1, 2], [1, 2]], "prompt_length": 1,
         "min_new_tokens": 2, "eos_token_id": 2}, "shape_mismatch")
    err("temperature-per-row-length", "Generation-1", "per-row temperature [3] for B = 2",
        {"processor": "temperature", "scores": s + s, "temperature": [0.5, 1.0, 2.0]}, "shape_mismatch")

    return C


def check_processor_errors() -> None:
    """The HF classes themselves reject the invalid options the Spec marks out_of_range (except top_p = 0)."""
    for mk in (lambda: TopKLogitsWarper(0), lambda: TopPLogitsWarper(1.5), lambda: TemperatureLogitsWarper(0.0),
               lambda: TemperatureLogitsWarper(-1.0)):
        try:
            mk()
        except ValueError:
            continue
        raise AssertionError("transformers accepted an invalid option")


def check_order_independent(inp: dict, exp: torch.Tensor) -> None:
    """torch.sort is not stable, so a top_p cut through a group of tied probabilities would depend on the order of
    equal values. The recorded cases avoid that: rerunning with the vocabulary reversed gives the same result."""
    if inp["processor"] not in ("top_p", "pipeline"):
        return
    rev = dict(inp, scores=[row[::-1] for row in inp["scores"]])
    if "input_ids" in inp:
        V = len(inp["scores"][0])
        rev["input_ids"] = [[V - 1 - t for t in row] for row in inp["input_ids"]]
        rev["eos_token_id"] = V - 1 - inp["eos_token_id"]
        if "suppress_tokens" in inp:
            rev["suppress_tokens"] = [V - 1 - t for t in inp["suppress_tokens"]]
    assert torch.equal(apply_processor(rev).flip(-1), exp), inp


# ----------------------------------------------------------------------------------------------
# Generation-7, 8: decoding loops with a toy bigram language model
# ----------------------------------------------------------------------------------------------
class BigramConfig(PretrainedConfig):
    model_type = "rlref_bigram"

    def __init__(self, vocab_size=8, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = vocab_size


class BigramLM(PreTrainedModel, GenerationMixin):
    """next-token logits at every position = table[token at that position] (a [V, V] float64 table)."""
    config_class = BigramConfig
    _supports_cache_class = False

    def __init__(self, config, table):
        super().__init__(config)
        # a (frozen) parameter, not a buffer: generate reads the model's device from its parameters
        self.table = nn.Parameter(torch.as_tensor(np.asarray(table), dtype=F64).clone(), requires_grad=False)

    def _init_weights(self, module):
        pass

    def forward(self, input_ids=None, attention_mask=None, position_ids=None, **kwargs):
        return CausalLMOutputWithPast(logits=self.table[input_ids])


def bigram_model(table) -> BigramLM:
    V = len(table)
    return BigramLM(BigramConfig(vocab_size=V), table).eval()


def run_generate(inp: dict, table=None):
    table = inp["table"] if table is None else table
    model = bigram_model(table)
    f = inp["form"]
    kw = dict(max_new_tokens=int(inp["max_new_tokens"]), eos_token_id=int(inp["eos_token_id"]),
              pad_token_id=int(inp["pad_token_id"]), do_sample=False, use_cache=False,
              return_dict_in_generate=True, output_scores=True,
              num_beams=int(inp.get("num_beams", 1)), num_return_sequences=1)
    if "min_new_tokens" in inp:
        kw["min_new_tokens"] = int(inp["min_new_tokens"])
    if "no_repeat_ngram_size" in inp:
        kw["no_repeat_ngram_size"] = int(inp["no_repeat_ngram_size"])
    if f == "beam":
        kw["length_penalty"] = float(inp["length_penalty"])
        kw["early_stopping"] = inp["early_stopping"]
    gc = GenerationConfig(**kw)
    with torch.no_grad():
        out = model.generate(input_ids=torch.tensor(inp["input_ids"]), attention_mask=torch.tensor(inp["attention_mask"]),
                             generation_config=gc)
    return out


def greedy_expected(inp: dict) -> dict:
    out = run_generate(inp)
    seq = out.sequences
    L = len(inp["input_ids"][0])
    n = seq.shape[1] - L
    assert len(out.scores) == n
    lp = torch.zeros((seq.shape[0], n), dtype=F64)
    finished = torch.zeros(seq.shape[0], dtype=torch.bool)
    for t in range(n):
        ls = torch.log_softmax(out.scores[t].to(F64), -1)
        tok = seq[:, L + t]
        for b in range(seq.shape[0]):
            if not finished[b]:
                lp[b, t] = ls[b, tok[b]]
        finished |= tok == int(inp["eos_token_id"])
    return {"sequences": seq, "new_token_log_probs": lp}


def beam_expected(inp: dict) -> dict:
    out = run_generate(inp)
    # robustness: the decisions must not hinge on float32 near-ties -> a 1e-4 perturbation of the table gives the
    # same sequences
    g = torch.Generator().manual_seed(5)
    t2 = np.asarray(inp["table"]) + 1e-4 * torch.randn((len(inp["table"]),) * 2, generator=g, dtype=F64).numpy()
    assert torch.equal(run_generate(inp, t2).sequences, out.sequences), inp
    # the score formula, recomputed in float64: beam search applies the processors AFTER log_softmax (no
    # renormalisation), so the chosen tokens' processed log-probs are the raw float64 log-softmax of table[prev];
    # the length is the number of new tokens up to and including the first EOS (or max_new_tokens)
    L, eos = len(inp["input_ids"][0]), int(inp["eos_token_id"])
    logp = torch.log_softmax(torch.tensor(inp["table"], dtype=F64), -1)
    for b, row in enumerate(out.sequences.tolist()):
        new = row[L:]
        n = new.index(eos) + 1 if eos in new else len(new)
        prev = row[L - 1:L - 1 + n]
        total = sum(float(logp[p, t]) for p, t in zip(prev, new[:n]))
        assert abs(total / n ** float(inp["length_penalty"]) - float(out.sequences_scores[b])) < 2e-6, (inp, b)
    return {"sequences": out.sequences, "sequences_scores": out.sequences_scores.to(F64)}


def eighths(a, grid: float = 8.0) -> list:
    """Rounds to multiples of 1/grid (exact in float32, so generate's float32 cast of the logits is lossless)."""
    return (np.round(np.asarray(a) * grid) / grid).tolist()


def toy_table(seed: int, V: int, eos: int, eos_bias: float = 0.0, scale: float = 2.0, grid: float = 8.0) -> list:
    g = torch.Generator().manual_seed(seed)
    t = torch.randn((V, V), generator=g, dtype=F64) * scale
    t[:, eos] += eos_bias
    t[:, 0] = -4.0  # pad token 0 is never attractive
    return eighths(t.numpy(), grid)


def decoding_cases() -> list[dict]:
    C = []
    V, EOS, PAD = 9, 2, 0

    def base(table, ids, mask, max_new, **extra):
        d = {"form": extra.pop("form"), "table": table, "input_ids": ids, "attention_mask": mask, "eos_token_id": EOS,
             "pad_token_id": PAD, "max_new_tokens": max_new}
        d.update(extra)
        return d

    # greedy ------------------------------------------------------------------------------
    tg = toy_table(11, V, EOS)
    tg[5][EOS] = 3.0   # after 5, EOS wins
    tg[3][4] = 2.5     # 3 -> 4 -> ... loops
    tg[4][3] = 2.5
    tg[6][3] = 2.0
    ids2 = [[PAD, PAD, 1, 6], [1, 7, 8, 3]]
    m2 = [[0, 0, 1, 1], [1, 1, 1, 1]]
    ids_e = [[PAD, 1, 5], [1, 3, 8]]
    m_e = [[0, 1, 1], [1, 1, 1]]

    def greedy(id, comment, inp, flags=None):
        C.append(case(id, "Generation-7", comment, inp, greedy_expected(inp), flags=flags))

    greedy("greedy-batch", "B 2, left padding (row 0 has 1 pad); argmax of the processed scores each step; a row "
           "that emits EOS is padded with pad_token_id afterwards, its later new_token_log_probs are 0",
           base(tg, ids_e, m_e, 6, form="greedy"))
    greedy("greedy-loop", "row 1 loops 3 -> 8 -> 4 -> 3 ... until max_new_tokens; row 0 (2 pads) ends with EOS after "
           "2 tokens and is pad-filled",
           base(tg, ids2, m2, 5, form="greedy"))
    greedy("greedy-no-repeat-2", "no_repeat_ngram_size 2 breaks the 3 -> 8 -> 4 loop (n-grams counted over the padded "
           "prompt as well)", base(tg, ids2, m2, 6, form="greedy", no_repeat_ngram_size=2))
    greedy("greedy-min-new", "min_new_tokens 3 forbids EOS for the first 3 new tokens (row 0 would stop at once); "
           "new_token_log_probs are log-softmax of the PROCESSED scores (EOS column -inf, so the others renormalise)",
           base(tg, ids_e, m_e, 6, form="greedy", min_new_tokens=3))
    greedy("greedy-min-new-no-repeat", "min_new_tokens 2 and no_repeat_ngram_size 2 together",
           base(tg, ids2, m2, 7, form="greedy", min_new_tokens=2, no_repeat_ngram_size=2))
    tt = [row[:] for row in tg]
    tt[6] = eighths([-4.0, 0.5, 1.25, 1.75, 1.75, -1.0, 0.0, 0.25, 1.0])
    greedy("greedy-argmax-tie", "after token 6 the table row has a tie (tokens 3 and 4, 1.75): argmax takes the lowest "
           "index, 3", base(tt, [[1, 6]], [[1, 1]], 3, form="greedy"))
    te = [row[:] for row in tg]
    for r in range(V):
        te[r][EOS] = 4.0
    greedy("greedy-all-stop-early", "EOS dominates every row: every row stops after 1 new token and generate returns "
           "[B, L + 1] although max_new_tokens is 5", base(te, ids_e, m_e, 5, form="greedy"))

    # beam ---------------------------------------------------------------------------------
    # seed / EOS bias chosen (by a search over a few seeds) so that beams diverge, hypotheses end early with EOS and
    # the length_penalty / early_stopping settings select different hypotheses
    tb = toy_table(26, V, EOS, eos_bias=1.0, scale=1.5, grid=64.0)
    assert all(len(set(row[1:])) == V - 1 for row in tb), "beam table rows must have no ties"
    idsb = [[PAD, PAD, 1, 4], [1, 6, 3, 7]]
    mb = [[0, 0, 1, 1], [1, 1, 1, 1]]
    btol = tolerance(f64_atol=2e-6, f64_rtol=1e-6, f32_atol=2e-5, f32_rtol=1e-5)
    note = (" finished hypotheses shorter than the longest returned one are filled with eos_token_id, NOT "
            "pad_token_id: _beam_search fills with `pad_token_id or eos_token_id[0]` and pad id 0 is falsy;"
            " sequences_scores = (sum of the processed log-softmax of the chosen tokens) / (number of new tokens, EOS "
            "included) ** length_penalty, computed by transformers in float32 (tolerance atol 2e-6 for that)")

    def beam(id, comment, inp):
        C.append(case(id, "Generation-8", comment + ";" + note, inp, beam_expected(inp), tol=btol))

    beam("beam-lp1-early-true", "num_beams 3, length_penalty 1.0, early_stopping true (stop as soon as num_beams "
         "hypotheses are finished)", base(tb, idsb, mb, 6, form="beam", num_beams=3, length_penalty=1.0,
                                          early_stopping=True))
    beam("beam-lp0-early-false", "length_penalty 0.0 (raw sum), early_stopping false (stop when the best running "
         "score / (cur_len - prompt_len)**lp cannot beat the worst finished one)",
         base(tb, idsb, mb, 6, form="beam", num_beams=3, length_penalty=0.0, early_stopping=False))
    beam("beam-lp2-never", "length_penalty 2.0 favours long hypotheses; early_stopping \"never\" (the heuristic uses "
         "max_length - prompt_len for lp > 0)", base(tb, idsb, mb, 6, form="beam", num_beams=3, length_penalty=2.0,
                                                     early_stopping="never"))
    beam("beam-lp0-early-true", "length_penalty 0.0, early_stopping true",
         base(tb, idsb, mb, 6, form="beam", num_beams=3, length_penalty=0.0, early_stopping=True))
    beam("beam-lp2-early-true", "length_penalty 2.0, early_stopping true",
         base(tb, idsb, mb, 6, form="beam", num_beams=3, length_penalty=2.0, early_stopping=True))
    beam("beam-lp1-early-false", "length_penalty 1.0, early_stopping false",
         base(tb, idsb, mb, 6, form="beam", num_beams=3, length_penalty=1.0, early_stopping=False))
    beam("beam-lp1-never", "length_penalty 1.0, early_stopping \"never\"",
         base(tb, idsb, mb, 6, form="beam", num_beams=3, length_penalty=1.0, early_stopping="never"))
    beam("beam-2-single-row", "num_beams 2, B 1, early_stopping true",
         base(tb, [[1, 3]], [[1, 1]], 5, form="beam", num_beams=2, length_penalty=1.0, early_stopping=True))
    beam("beam-5-no-repeat-min-new", "num_beams 5, no_repeat_ngram_size 2, min_new_tokens 4 (the inference setting of "
         "seed 004 scaled down), length_penalty 1.0, early_stopping true",
         base(tb, idsb, mb, 7, form="beam", num_beams=5, length_penalty=1.0, early_stopping=True,
              no_repeat_ngram_size=2, min_new_tokens=4))
    return C


def decoding_error_cases(table) -> list[dict]:
    C = []
    b = {"form": "greedy", "table": table, "input_ids": [[1, 3]], "attention_mask": [[1, 1]], "eos_token_id": 2,
         "pad_token_id": 0, "max_new_tokens": 3}
    C.append(case("mask-shape-mismatch", "Generation-7", "attention_mask [1, 3] for input_ids [1, 2]",
                  dict(b, attention_mask=[[1, 1, 1]]), {"error": "shape_mismatch"}, flags=["error"]))
    C.append(case("table-not-square", "Generation-7", "table [2, 9] is not [V, V]",
                  dict(b, table=table[:2]), {"error": "shape_mismatch"}, flags=["error"]))
    C.append(case("num-beams-zero", "Generation-8", "num_beams 0",
                  dict(b, form="beam", num_beams=0, length_penalty=1.0, early_stopping=True),
                  {"error": "out_of_range"}, flags=["error"]))
    return C


# ----------------------------------------------------------------------------------------------
# Whole micro LLaVA: GoldenData/Generation/transformers/micro-full.json
# ----------------------------------------------------------------------------------------------
MODEL_DIR = os.path.join(ROOT, "Model", "transformers", "micro-full")
IMG = G.IMAGE
# prompt tokens chosen so that no run generates the image token 31 (the micro model often does; a generated image
# token would break the teacher-forced check below, LLaVA then counts more image tokens than image features)
MICRO_IDS = [[G.BOS, IMG, IMG, IMG, IMG, 7, 20, 3],
             [0, 0, G.BOS, IMG, IMG, IMG, IMG, 22]]
MICRO_MASK = [[1] * 8, [0, 0] + [1] * 6]
POSITION_NOTE = (
    "transformers 5.24.0 (GenerationMixin._prepare_position_ids_for_generation, called once by generate before the "
    "prefill) builds position_ids = cumsum(attention_mask, -1) - 1 and then sets the padded positions to 0 "
    "(masked_fill(attention_mask == 0, 0)): a left-padded row's first real token gets position 0 and its pads also "
    "carry 0 (they are masked out of attention anyway). After every step "
    "(_update_model_kwargs_for_generation) the new token's position is the row's last position + 1, and a 1 is "
    "appended to attention_mask for every row (also for rows that already finished). With the KV cache "
    "(use_cache True, DynamicCache), prepare_inputs_for_generation passes only the last token and the last position "
    "column after the prefill; the attention mask covers the whole cached length. The model's own default without "
    "position_ids (LlamaModel: arange over the sequence) would be WRONG for left-padded rows. Beam search expands "
    "input_ids, attention_mask, position_ids and pixel_values num_beams times (repeat_interleave) before the prefill "
    "and reorders the cache by the beam indices after each step. The positions the model actually received are "
    "recorded under greedy.expected.position_ids_seen (one [B, k] list per forward call).")


def load_micro():
    m = LlavaForConditionalGeneration.from_pretrained(MODEL_DIR, dtype=F64, attn_implementation="eager").eval()
    # generate_all.py runs this file before gen_ModelTransformers.py (which writes the folder): make sure the
    # committed folder holds exactly the weights gen_Model.build_micro_model builds today
    ref = dict(G.build_micro_model().named_parameters())
    for k, v in m.named_parameters():
        assert torch.equal(v, ref[k]), f"{k}: stale micro-full folder, run gen_ModelTransformers.py, then this file"
    return m


def micro_generate(model, ids, mask, pix, seen=None, **kw):
    gc = GenerationConfig(do_sample=False, pad_token_id=0, use_cache=True, return_dict_in_generate=True,
                          output_scores=True, num_return_sequences=1, **kw)
    hook = None
    if seen is not None:
        hook = model.register_forward_pre_hook(
            lambda mod, args, kwargs: seen.append(kwargs["position_ids"].tolist()), with_kwargs=True)
    try:
        with torch.no_grad():
            return model.generate(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask), pixel_values=pix,
                                  generation_config=gc)
    finally:
        if hook is not None:
            hook.remove()


def teacher_forced_logp(model, seq, mask, pix):
    """float64 log-softmax at every position of the final sequences, one forward with generate's position ids
    (attention mask = prompt mask followed by ones)."""
    L = len(mask[0])
    full = torch.cat([torch.tensor(mask), torch.ones((seq.shape[0], seq.shape[1] - L), dtype=torch.long)], 1)
    pos = (full.cumsum(-1) - 1).masked_fill(full == 0, 0)
    with torch.no_grad():
        logits = model(input_ids=seq, attention_mask=full, position_ids=pos, pixel_values=pix, use_cache=False).logits
    return torch.log_softmax(logits, -1), logits


def chosen(logp_all, seq, L, eos, n_steps=None):
    """log-prob of each generated token (0 after the row's first EOS); lengths up to and including EOS."""
    B, T = seq.shape
    n = T - L if n_steps is None else n_steps
    out = torch.zeros((B, n), dtype=F64)
    lengths = []
    for b in range(B):
        done = False
        k = n
        for t in range(n):
            if done:
                continue
            tok = int(seq[b, L + t])
            out[b, t] = logp_all[b, L + t - 1, tok]
            if tok == eos:
                done, k = True, t + 1
        lengths.append(k)
    return out, lengths


def micro_reference() -> dict:
    ids, mask = MICRO_IDS, MICRO_MASK
    pix = G.micro_batch()[2]
    L = len(ids[0])
    runs = {}
    dev = {}
    with G.full_float64():
        model = load_micro()
        eos_default = int(model.generation_config.eos_token_id)

        # (a) greedy
        seen = []
        a = micro_generate(model, ids, mask, pix, seen=seen, max_new_tokens=8, eos_token_id=eos_default)
        seq = a.sequences
        n = seq.shape[1] - L
        hf_lp = torch.zeros((seq.shape[0], n), dtype=F64)
        for t in range(n):
            ls = torch.log_softmax(a.scores[t].to(F64), -1)
            hf_lp[:, t] = ls.gather(-1, seq[:, L + t, None]).squeeze(-1)
        logp, logits = teacher_forced_logp(model, seq, mask, pix)
        f64_lp, _ = chosen(logp, seq, L, eos_default)
        hf_lp = torch.where(f64_lp == 0, torch.zeros_like(hf_lp), hf_lp)
        live = f64_lp != 0  # steps up to and including each row's EOS
        top2 = torch.topk(logits[:, L - 1:-1], 2, -1).values
        margin = float((top2[..., 0] - top2[..., 1])[live].min())
        dev["greedy_log_probs"] = float((hf_lp - f64_lp).abs().max())
        # teacher-forced float64 argmax reproduces generate's tokens (finished rows are pad-filled by generate)
        assert torch.equal(logits[:, L - 1:-1].argmax(-1)[live], seq[:, L:][live]), "teacher forcing disagrees"
        runs["greedy"] = {
            "settings": {"do_sample": False, "num_beams": 1, "max_new_tokens": 8, "eos_token_id": eos_default,
                         "pad_token_id": 0, "use_cache": True},
            "expected": {"sequences": seq, "new_token_log_probs": hf_lp, "new_token_log_probs_float64": f64_lp,
                         "position_ids_seen": seen},
            "notes": "new_token_log_probs = log_softmax of generate's processed scores (output_scores; generate casts "
                     "the logits to float32 first) at the chosen tokens; new_token_log_probs_float64 = the same from "
                     "one teacher-forced float64 forward of `sequences` with generate's position ids; 0 after a "
                     "row's EOS. Smallest top-1 minus top-2 logit gap over the greedy steps: %.3e (far above float32 "
                     "rounding, so the argmax does not depend on the float32 cast)" % margin}

        # (b) greedy with min_new_tokens and no_repeat_ngram_size; eos = the 1st token greedy produced in row 1
        eos_b = int(seq[1, L])
        plain = micro_generate(model, ids, mask, pix, max_new_tokens=8, eos_token_id=eos_b)
        b = micro_generate(model, ids, mask, pix, max_new_tokens=8, eos_token_id=eos_b, min_new_tokens=4,
                           no_repeat_ngram_size=2)
        runs["greedy_min_new_no_repeat"] = {
            "settings": {"do_sample": False, "num_beams": 1, "max_new_tokens": 8, "eos_token_id": eos_b,
                         "pad_token_id": 0, "min_new_tokens": 4, "no_repeat_ngram_size": 2, "use_cache": True},
            "expected": {"sequences": b.sequences},
            "unconstrained_sequences": plain.sequences,
            "notes": "eos_token_id %d is the token plain greedy emits first in row 1, so without the constraints row 1 "
                     "stops after 1 new token (unconstrained_sequences: same settings without min_new_tokens and "
                     "no_repeat_ngram_size); processors in generate's order NoRepeatNGramLogitsProcessor -> "
                     "MinNewTokensLengthLogitsProcessor (prompt_length_to_skip = the padded prompt width %d); "
                     "n-grams are counted over the whole row, pads and image tokens included" % (eos_b, L)}

        # (c) beam search
        c = micro_generate(model, ids, mask, pix, max_new_tokens=6, eos_token_id=eos_default, num_beams=3,
                           length_penalty=1.0, early_stopping=True)
        logp_c, _ = teacher_forced_logp(model, c.sequences, mask, pix)
        lp_c, lengths = chosen(logp_c, c.sequences, L, eos_default)
        s64 = lp_c.sum(-1) / torch.tensor(lengths, dtype=F64) ** 1.0
        dev["beam_scores"] = float((s64 - c.sequences_scores.to(F64)).abs().max())
        assert dev["beam_scores"] < 1e-5
        runs["beam"] = {
            "settings": {"do_sample": False, "num_beams": 3, "length_penalty": 1.0, "early_stopping": True,
                         "max_new_tokens": 6, "eos_token_id": eos_default, "pad_token_id": 0,
                         "num_return_sequences": 1, "use_cache": True},
            "expected": {"sequences": c.sequences, "sequences_scores": c.sequences_scores.to(F64),
                         "sequences_scores_float64": s64, "new_token_count": lengths},
            "notes": "sequences_scores as generate returns them (accumulated in float32 by _beam_search) = sum of the "
                     "chosen tokens' processed log-probs / new_token_count ** length_penalty (EOS counted); "
                     "sequences_scores_float64 = the same sum from a teacher-forced float64 forward"}
    assert dev["greedy_log_probs"] < 1e-5, dev
    return {
        "format": "rlref-generation-reference", "version": 1,
        "description": "generate() of the micro LLaVA (GoldenData/Model/transformers/micro-full) on a left-padded "
                       "batch of 2 prompts with images: greedy, greedy with min_new_tokens + no_repeat_ngram_size, "
                       "beam search; KV cache on",
        "source": {"kind": "generator", "program": PROGRAM, "versions": generator_source(PROGRAM)["versions"],
                   "description": "transformers LlavaForConditionalGeneration.from_pretrained(micro-full, dtype "
                                  "float64, attn_implementation eager) with the float32 steps switched to float64 "
                                  "(gen_Model.full_float64, GoldenData/Model/FLOAT32_PLACES.md); "
                                  "GenerationMixin.generate (DynamicCache)"},
        "model": "GoldenData/Model/transformers/micro-full",
        "inputs": {"input_ids": ids, "attention_mask": mask, "pixel_values": pix, "pad_token_id": 0,
                   "bos_token_id": G.BOS, "image_token_id": IMG, "image_seq_length": 4,
                   "layout": "LEFT-padded with pad id 0; each row = BOS, 4 image tokens, prompt tokens"},
        "position_ids": POSITION_NOTE,
        "runs": runs,
        "tolerance": {"sequences": "exact", "float64": {"atol": 1e-12, "rtol": 1e-10,
                                                        "applies_to": ["new_token_log_probs_float64",
                                                                       "sequences_scores_float64"]},
                      "float32_generate": {"atol": 1e-5, "rtol": 1e-5,
                                           "applies_to": ["new_token_log_probs", "sequences_scores"],
                                           "measured_max_abs_difference_to_float64": dev}},
    }


def write_micro(doc: dict) -> str:
    folder = os.path.join(ROOT, SPEC, "transformers")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "micro-full.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(_jsonable(doc), f, indent=1, ensure_ascii=False, allow_nan=False)
        f.write("\n")
    return path


# ----------------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------------
def main():
    check_processor_errors()
    lp = logits_processor_cases()
    src = generator_source(PROGRAM, "transformers' own LogitsProcessor / LogitsWarper classes on float64 scores")
    print(write_file(SPEC, "logits_processors",
                     "Logits processors exactly as transformers 5.24.0 computes them: TemperatureLogitsWarper, "
                     "TopKLogitsWarper, TopPLogitsWarper, NoRepeatNGramLogitsProcessor, MinNewTokensLengthLogitsProcessor "
                     "(filtered entries -inf), and generate's sampling pipeline in its order " +
                     " -> ".join(PIPELINE_ORDER) + "; not differentiable", src, lp))
    dc = decoding_cases()
    dc += decoding_error_cases(dc[0]["inputs"]["table"])
    src = generator_source(PROGRAM, "GenerationMixin.generate (greedy _sample, _beam_search) on a toy bigram model")
    print(write_file(SPEC, "decoding", "Greedy and beam decoding loops of transformers' GenerationMixin.generate with "
                     "a toy bigram language model (logits = table[last token]); left-padded prompts; sequences as "
                     "generate returns them", src, dc))
    print(write_micro(micro_reference()))


if __name__ == "__main__":
    main()
