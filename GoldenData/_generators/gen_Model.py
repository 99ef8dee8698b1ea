"""Golden cases for Specs/Model.md (the tiny LLaVA-layout model: CLIP-style ViT -> projector -> Llama
decoder, LoRA, value head), written to GoldenData/Model/layers.json.

Independent float64 reference: every value and gradient comes from Hugging Face transformers' and
PEFT's OWN modules, run by PyTorch in float64, gradients by torch.autograd with random cotangents
(fixed seeds):
- transformers 5.24.0: LlamaRMSNorm, LlamaRotaryEmbedding + apply_rotary_pos_emb, the Llama eager
  attention (`eager_attention_forward`, GQA via `repeat_kv`), LlamaMLP, LlamaDecoderLayer, CLIPMLP,
  CLIPEncoderLayer, CLIPVisionEmbeddings, LlavaMultiModalProjector, ACT2FN, and the whole
  LlavaForConditionalGeneration (Model-16);
- PEFT 0.21.2: `peft.tuners.lora.Linear` (Model-2);
- torch.nn.Linear / nn.Embedding / nn.LayerNorm where transformers itself uses them.

A float64 transformers model still computes a few steps in float32 (listed with file and function in
GoldenData/Model/FLOAT32_PLACES.md). `full_float64()` below switches exactly those steps to float64
by monkeypatching them for the duration of a `with` block; Model-1..15 always run under it. Model-16
is recorded twice: "float64" (patched) and "transformers" (unpatched, as users run it).

Model-16 inputs use the ON-DISK tensor names that LlavaForConditionalGeneration.save_pretrained
writes (read back from the saved model.safetensors), and the config.json it writes.

Run from the package root:  .venv-golden/bin/python GoldenData/_generators/gen_Model.py
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn
import transformers
from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig, LlavaForConditionalGeneration
from transformers.activations import ACT2FN
from transformers.models.clip import modeling_clip
from transformers.models.clip.modeling_clip import CLIPEncoderLayer, CLIPMLP, CLIPVisionEmbeddings
from transformers.models.llama import modeling_llama
from transformers.models.llama.modeling_llama import (LlamaDecoderLayer, LlamaMLP, LlamaRMSNorm,
                                                      LlamaRotaryEmbedding, apply_rotary_pos_emb)
from transformers.models.llava.modeling_llava import LlavaMultiModalProjector
import peft
from peft import LoraConfig
from peft.tuners.lora import Linear as LoraLinear
from safetensors import safe_open

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_io import case, tolerance, generator_source, write_file  # noqa: E402

SPEC = "Model"
PROGRAM = "GoldenData/_generators/gen_Model.py"
F64 = torch.float64

# ----------------------------------------------------------------------------------------------
# The micro configuration (shared with gen_ModelTransformers.py)
# ----------------------------------------------------------------------------------------------
# Kept as small as possible while every part stays exercised (two layers each so that vision feature layer -2
# differs from -1, GQA 4:2, head size 2): the whole-model folders store several float64 copies of every
# parameter, so the parameter count sets the size of the committed golden files.
VISION = dict(hidden_size=4, intermediate_size=8, num_hidden_layers=2, num_attention_heads=2, image_size=8,
              patch_size=4, projection_dim=8, hidden_act="quick_gelu", layer_norm_eps=1e-5)
TEXT = dict(vocab_size=32, hidden_size=8, intermediate_size=16, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-6, rope_theta=10000.0,
            tie_word_embeddings=False)
LLAVA = dict(image_token_index=31, projector_hidden_act="gelu", vision_feature_layer=-2,
             vision_feature_select_strategy="default", image_seq_length=4, tie_word_embeddings=False)
WEIGHT_SEED = 20260101
WEIGHT_SCALE = 0.3
BOS, IMAGE = 1, 31


def micro_config() -> LlavaConfig:
    cfg = LlavaConfig(vision_config=CLIPVisionConfig(**VISION), text_config=LlamaConfig(**TEXT), **LLAVA)
    cfg._attn_implementation = "eager"
    return cfg


def q3(t: torch.Tensor) -> torch.Tensor:
    """Rounds to 3 decimals: inputs are short decimals, so the JSON stays small (values are exact inputs)."""
    return torch.round(t * 1000.0) / 1000.0


def build_micro_model() -> LlavaForConditionalGeneration:
    """LlavaForConditionalGeneration in float64, eager attention, EVERY parameter (norm weights and biases
    included) redrawn as N(0, 0.3^2) (norm weights as 1 + N(0, 0.3^2)) and rounded to 3 decimals."""
    torch.manual_seed(0)
    model = LlavaForConditionalGeneration(micro_config()).to(F64)
    model.config._attn_implementation = "eager"
    g = torch.Generator().manual_seed(WEIGHT_SEED)
    with torch.no_grad():
        for name, p in model.named_parameters():
            r = torch.randn(p.shape, generator=g, dtype=F64) * WEIGHT_SCALE
            is_norm_weight = name.endswith("weight") and ("norm" in name or "layrnorm" in name)
            p.copy_(q3(1.0 + r if is_norm_weight else r))
    model.eval()
    return model


def save_and_read(model, folder: str) -> tuple[dict, dict]:
    """save_pretrained(folder); returns (config.json object, {on-disk name: tensor})."""
    model.save_pretrained(folder)
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    with safe_open(os.path.join(folder, "model.safetensors"), "pt") as f:
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    return cfg, tensors


# ----------------------------------------------------------------------------------------------
# The float32 places of a float64 transformers model, switched to float64 (FLOAT32_PLACES.md)
# ----------------------------------------------------------------------------------------------
def _rms_norm_forward_f64(self, hidden_states):
    # modeling_llama.LlamaRMSNorm.forward without `.to(torch.float32)` / `.to(input_dtype)` (place 1)
    variance = hidden_states.pow(2).mean(-1, keepdim=True)
    hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
    return self.weight * hidden_states


def _rope_inv_freq_f64(config) -> torch.Tensor:
    # modeling_llama.LlamaRotaryEmbedding.compute_default_rope_parameters with arange in float64 (place 2)
    base = config.rope_parameters["rope_theta"]
    dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    return 1.0 / (base ** (torch.arange(0, dim, 2, dtype=F64) / dim))


def _rotary_forward_f64(self, x, position_ids):
    # modeling_llama.LlamaRotaryEmbedding.forward with positions, inv_freq, freqs, cos, sin in float64
    # (place 3); inv_freq recomputed in float64 because the buffer was created in float32 (place 2)
    inv_freq = _rope_inv_freq_f64(self.config).to(x.device)
    freqs = position_ids[..., None].to(F64) * inv_freq
    emb = torch.cat((freqs, freqs), dim=-1)
    cos = emb.cos() * self.attention_scaling
    sin = emb.sin() * self.attention_scaling
    return cos.to(dtype=x.dtype), sin.to(dtype=x.dtype)


def _softmax_in_input_dtype(orig_softmax):
    def softmax(input, dim=None, _stacklevel=3, dtype=None):
        # eager attention calls softmax(..., dtype=torch.float32).to(query.dtype) (places 4, 5):
        # keep the input's dtype instead
        return orig_softmax(input, dim=dim, dtype=input.dtype if dtype == torch.float32 else dtype)
    return softmax


class _FunctionalProxy:
    """Stands in for `nn.functional` inside modeling_llama / modeling_clip: identical except softmax."""

    def __init__(self, base):
        self._base = base
        self.softmax = _softmax_in_input_dtype(base.softmax)

    def __getattr__(self, name):
        return getattr(self._base, name)


class _NNProxy:
    def __init__(self, base):
        self._base = base
        self.functional = _FunctionalProxy(base.functional)

    def __getattr__(self, name):
        return getattr(self._base, name)


@contextlib.contextmanager
def full_float64():
    """Switches exactly the float32 steps of transformers' float64 Llama/CLIP/LLaVA to float64:
    LlamaRMSNorm.forward (upcast/downcast removed), LlamaRotaryEmbedding.forward (inv_freq, positions,
    freqs, cos, sin in float64), and the softmax dtype of both eager_attention_forward functions (the
    module-level `nn` those functions see is replaced by a proxy whose functional.softmax keeps the input
    dtype). Everything else is transformers' own code, unchanged."""
    saved = (LlamaRMSNorm.forward, LlamaRotaryEmbedding.forward, modeling_llama.nn, modeling_clip.nn)
    LlamaRMSNorm.forward = _rms_norm_forward_f64
    LlamaRotaryEmbedding.forward = _rotary_forward_f64
    modeling_llama.nn = _NNProxy(nn)
    modeling_clip.nn = _NNProxy(nn)
    try:
        yield
    finally:
        LlamaRMSNorm.forward, LlamaRotaryEmbedding.forward, modeling_llama.nn, modeling_clip.nn = saved


# ----------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------
class Rand:
    def __init__(self, seed):
        self.g = torch.Generator().manual_seed(seed)

    def n(self, *shape, scale=1.0):
        """A short-decimal normal input."""
        return q3(torch.randn(shape, generator=self.g, dtype=F64) * scale)

    def cot(self, shape):
        """A random cotangent, rounded to 3 decimals like the inputs (short in the file, still generic)."""
        return q3(torch.randn(shape, generator=self.g, dtype=F64))


def tensors_of(inputs: dict, keys) -> dict:
    return {k: torch.tensor(np.asarray(inputs[k], dtype=np.float64), dtype=F64, requires_grad=True) for k in keys}


def run(fn, inputs: dict, diff_keys, rng: Rand, cot_masks: dict | None = None):
    """fn(tensors) -> {output: tensor}. Returns expected, cotangents, gradients (float64, via autograd)."""
    t = tensors_of(inputs, diff_keys)
    out = fn(t)
    cots = {}
    total = 0.0
    for k, v in out.items():
        c = rng.cot(tuple(v.shape))
        if cot_masks and k in cot_masks:
            c = c * cot_masks[k]
        cots[k] = c
        total = total + (c * v).sum()
    grads = torch.autograd.grad(total, [t[k] for k in diff_keys], allow_unused=True)
    gd = {k: (g if g is not None else torch.zeros_like(t[k])) for k, g in zip(diff_keys, grads)}
    return ({k: v.detach() for k, v in out.items()}, cots, {k: v.detach() for k, v in gd.items()})


def lin(module: nn.Linear, w, b=None):
    """Puts autograd tensors into an nn.Linear (so the module's own forward is what runs)."""
    del module.weight
    module.weight = w
    if module.bias is not None or b is not None:
        del module.bias
        module.bias = b
    return module


def set_param(module, name, value):
    delattr(module, name)
    setattr(module, name, value)


def act(name):
    return ACT2FN[name]


CASES: list[dict] = []


def add(id, eq, comment, inputs, fn, diff_keys, seed, flags=None, cot_masks=None, tol=None):
    with full_float64():
        exp, cots, grads = run(fn, inputs, diff_keys, Rand(seed), cot_masks)
    CASES.append(case(id, eq, comment, inputs, exp, flags=flags, cotangents=cots, gradients=grads, tol=tol))


def add_error(id, eq, comment, inputs, kind):
    CASES.append(case(id, eq, comment, inputs, {"error": kind}, flags=["error"]))


# ----------------------------------------------------------------------------------------------
# Model-1 linear, Model-2 lora_linear, Model-3 embedding
# ----------------------------------------------------------------------------------------------
def f_linear(t):
    m = nn.Linear(t["weight"].shape[1], t["weight"].shape[0], bias="bias" in t)
    lin(m, t["weight"], t.get("bias"))
    return {"y": m(t["x"])}


def f_lora(scaling_inputs):
    def f(t):
        out_f, in_f = t["weight"].shape
        r = t["lora_a"].shape[0]
        base = nn.Linear(in_f, out_f, bias="bias" in t)
        lin(base, t["weight"], t.get("bias"))
        alpha = scaling_inputs["scaling"] * r
        cfg = LoraConfig(r=r, lora_alpha=alpha, lora_dropout=0.0)
        layer = LoraLinear(base, "default", config=cfg, r=r, lora_alpha=alpha)
        assert layer.scaling["default"] == scaling_inputs["scaling"]
        set_param(layer.lora_A["default"], "weight", t["lora_a"])
        set_param(layer.lora_B["default"], "weight", t["lora_b"])
        return {"y": layer(t["x"])}
    return f


def model_1_3():
    r = Rand(1)
    inp = {"layer": "linear", "x": r.n(3, 5), "weight": r.n(4, 5), "bias": r.n(4)}
    add("linear", "Model-1", "nn.Linear y = x W^T + b", inp, f_linear, ["x", "weight", "bias"], 101)
    inp = {"layer": "linear", "x": r.n(2, 4), "weight": r.n(3, 4)}
    add("linear-no-bias", "Model-1", "nn.Linear(bias=False), the Llama projections' form", inp, f_linear,
        ["x", "weight"], 102)
    add_error("linear-shape-mismatch", "Model-1", "x has 4 features, weight expects 5",
              {"layer": "linear", "x": r.n(2, 4), "weight": r.n(3, 5), "bias": r.n(3)}, "shape_mismatch")
    add_error("linear-bias-shape-mismatch", "Model-1", "bias [2] for 3 outputs",
              {"layer": "linear", "x": r.n(2, 4), "weight": r.n(3, 4), "bias": r.n(2)}, "shape_mismatch")

    inp = {"layer": "lora_linear", "x": r.n(3, 5), "weight": r.n(4, 5), "bias": r.n(4), "lora_a": r.n(2, 5),
           "lora_b": r.n(4, 2), "scaling": 2.0}
    add("lora-linear", "Model-2", "PEFT lora.Linear, r 2, alpha 4 (scaling 2), dropout 0, B nonzero",
        inp, f_lora(inp), ["x", "weight", "bias", "lora_a", "lora_b"], 103)
    inp = {"layer": "lora_linear", "x": r.n(2, 6), "weight": r.n(5, 6), "lora_a": r.n(3, 6),
           "lora_b": r.n(5, 3), "scaling": 0.5}
    add("lora-linear-no-bias", "Model-2", "PEFT lora.Linear on a bias-free base (the Llama q/k/v/o/MLP form), "
        "r 3, alpha 1.5 (scaling 0.5)", inp, f_lora(inp), ["x", "weight", "lora_a", "lora_b"], 104)
    add_error("lora-rank-mismatch", "Model-2", "lora_a has rank 2, lora_b rank 3",
              {"layer": "lora_linear", "x": r.n(2, 4), "weight": r.n(3, 4), "lora_a": r.n(2, 4),
               "lora_b": r.n(3, 3), "scaling": 1.0}, "shape_mismatch")

    def f_emb(inputs):
        def f(t):
            ids = torch.tensor(inputs["ids"])
            m = nn.Embedding(*t["weight"].shape)
            set_param(m, "weight", t["weight"])
            return {"y": m(ids)}
        return f
    inp = {"layer": "embedding", "ids": [[1, 3, 3, 0], [5, 2, 1, 4]], "weight": r.n(6, 3)}
    add("embedding", "Model-3", "nn.Embedding lookup; a repeated id accumulates its gradient, id 5 = V-1 is in range",
        inp, f_emb(inp), ["weight"], 105)
    add_error("embedding-id-out-of-range", "Model-3", "id 6 with V = 6",
              {"layer": "embedding", "ids": [[1, 6]], "weight": r.n(6, 3)}, "out_of_range")
    add_error("embedding-negative-id", "Model-3", "id -1", {"layer": "embedding", "ids": [[-1, 2]],
                                                             "weight": r.n(6, 3)}, "out_of_range")


# ----------------------------------------------------------------------------------------------
# Model-4 rms_norm, Model-5 layer_norm, Model-6 rotary
# ----------------------------------------------------------------------------------------------
def model_4_6():
    r = Rand(2)

    def f_rms(eps):
        def f(t):
            m = LlamaRMSNorm(t["weight"].shape[0], eps=eps)
            set_param(m, "weight", t["weight"])
            return {"y": m(t["x"])}
        return f
    for id, n, d, eps, sc, cm in [("rms-norm", 4, 6, 1e-6, 1.0, "LlamaRMSNorm, eps 1e-6"),
                                  ("rms-norm-small-x", 3, 5, 1e-5, 0.003, "|x| ~ 3e-3 so eps = 1e-5 matters")]:
        inp = {"layer": "rms_norm", "x": r.n(n, d, scale=sc) if sc >= 0.1 else
               torch.round(torch.randn((n, d), generator=r.g) * sc * 1e6) / 1e6,
               "weight": 1.0 + r.n(d, scale=0.3), "eps": eps}
        add(id, "Model-4", cm, inp, f_rms(eps), ["x", "weight"], 110 + n)
    add_error("rms-norm-shape-mismatch", "Model-4", "weight [4] for D = 5",
              {"layer": "rms_norm", "x": r.n(2, 5), "weight": r.n(4), "eps": 1e-6}, "shape_mismatch")

    def f_ln(eps):
        def f(t):
            m = nn.LayerNorm(t["weight"].shape[0], eps=eps)
            set_param(m, "weight", t["weight"])
            set_param(m, "bias", t["bias"])
            return {"y": m(t["x"])}
        return f
    inp = {"layer": "layer_norm", "x": r.n(4, 6), "weight": 1.0 + r.n(6, scale=0.3), "bias": r.n(6, scale=0.3),
           "eps": 1e-5}
    add("layer-norm", "Model-5", "nn.LayerNorm (CLIP's layer_norm1/2, pre_layrnorm), biased variance, eps 1e-5",
        inp, f_ln(1e-5), ["x", "weight", "bias"], 120)
    add_error("layer-norm-shape-mismatch", "Model-5", "bias [5] for D = 6",
              {"layer": "layer_norm", "x": r.n(2, 6), "weight": r.n(6), "bias": r.n(5), "eps": 1e-5},
              "shape_mismatch")

    def f_rot(inputs):
        def f(t):
            x = t["x"]
            hd = x.shape[-1]
            cfg = LlamaConfig(hidden_size=hd * x.shape[1], num_attention_heads=x.shape[1], head_dim=hd,
                              rope_theta=inputs["theta"])
            rot = LlamaRotaryEmbedding(cfg)
            cos, sin = rot(x, torch.tensor(inputs["positions"]))
            y, _ = apply_rotary_pos_emb(x, x, cos, sin)
            return {"y": y}
        return f
    inp = {"layer": "rotary", "x": r.n(2, 2, 3, 4), "positions": [[0, 1, 2], [5, 6, 7]], "theta": 10000.0}
    add("rotary", "Model-6", "LlamaRotaryEmbedding + apply_rotary_pos_emb (rotate_half: pairs (i, i+hd/2)), "
        "cos/sin in float64", inp, f_rot(inp), ["x"], 130)
    inp = {"layer": "rotary", "x": r.n(1, 1, 4, 8), "positions": [[0, 3, 17, 40]], "theta": 100.0}
    add("rotary-theta-100", "Model-6", "hd 8, theta 100, large positions", inp, f_rot(inp), ["x"], 131)
    add_error("rotary-odd-head-dim", "Model-6", "hd 3 is odd",
              {"layer": "rotary", "x": r.n(1, 1, 2, 3), "positions": [[0, 1]], "theta": 10000.0}, "shape_mismatch")
    add_error("rotary-positions-shape-mismatch", "Model-6", "positions [1,3] for T = 2",
              {"layer": "rotary", "x": r.n(1, 1, 2, 4), "positions": [[0, 1, 2]], "theta": 10000.0},
              "shape_mismatch")


# ----------------------------------------------------------------------------------------------
# Model-7 attention
# ----------------------------------------------------------------------------------------------
class _AttnStub(nn.Module):
    def __init__(self, groups):
        super().__init__()
        self.num_key_value_groups = groups
        self.training = False


def visible(mask, T, causal):
    m = torch.tensor(mask, dtype=torch.bool)  # [B,T]
    vis = m[:, None, :].expand(m.shape[0], T, T).clone()  # [B, q, k]
    if causal:
        vis &= torch.tril(torch.ones(T, T, dtype=torch.bool))
    return vis


def additive_mask(vis, dtype=F64):
    """transformers' eager_mask: 0 where visible, finfo(dtype).min elsewhere, shape [B,1,T,T]."""
    return torch.where(vis, torch.zeros((), dtype=dtype), torch.finfo(dtype).min)[:, None]


def attention_core(q, k, v, vis):
    """modeling_llama.eager_attention_forward (GQA by repeat_kv) with the eager additive mask; rows with
    no visible key are set to 0 (our convention; HF's uniform softmax over equal minima is discarded)."""
    hq, hkv = q.shape[1], k.shape[1]
    out, _ = modeling_llama.eager_attention_forward(_AttnStub(hq // hkv), q, k, v, additive_mask(vis),
                                                    scaling=q.shape[-1] ** -0.5)
    out = out.transpose(1, 2)  # back to [B,Hq,T,hd]
    has_key = vis.any(-1)[:, None, :, None].to(q.dtype)  # [B,1,T,1]
    return out * has_key


def model_7():
    r = Rand(3)

    def f_att(inputs):
        def f(t):
            T = t["q"].shape[2]
            return {"out": attention_core(t["q"], t["k"], t["v"], visible(inputs["attention_mask"], T,
                                                                         inputs["causal"]))}
        return f
    specs = [
        ("attention-causal-right-padding", "causal, right padding, GQA 4:2", 2, 4, 2, 4, 3,
         [[1, 1, 1, 0], [1, 1, 1, 1]], True, []),
        ("attention-causal-left-padding", "causal, left padding: row 0's first query rows see no key -> 0, "
         "no gradient", 2, 2, 1, 4, 3, [[0, 0, 1, 1], [1, 1, 1, 1]], True, []),
        ("attention-bidirectional", "bidirectional (CLIP), no padding, MHA", 1, 2, 2, 5, 3, [[1, 1, 1, 1, 1]],
         False, []),
        ("attention-gqa", "causal, GQA 4 query heads on 1 kv head (h // 4), no padding", 1, 4, 1, 3, 2,
         [[1, 1, 1]], True, []),
        ("attention-mha", "causal MHA, 3 heads, no padding", 1, 3, 3, 4, 2, [[1, 1, 1, 1]], True, []),
    ]
    for id, cm, B, hq, hkv, T, hd, mask, causal, flags in specs:
        inp = {"layer": "attention", "q": r.n(B, hq, T, hd), "k": r.n(B, hkv, T, hd), "v": r.n(B, hkv, T, hd),
               "attention_mask": mask, "causal": causal}
        qmask = torch.tensor(mask, dtype=F64)[:, None, :, None]
        add(id, "Model-7", cm + "; cotangents zero on padded query rows", inp, f_att(inp), ["q", "k", "v"],
            140 + len(CASES), flags=flags, cot_masks={"out": qmask})
    add_error("attention-heads-not-divisible", "Model-7", "Hq 3 not a multiple of Hkv 2",
              {"layer": "attention", "q": r.n(1, 3, 2, 2), "k": r.n(1, 2, 2, 2), "v": r.n(1, 2, 2, 2),
               "attention_mask": [[1, 1]], "causal": True}, "shape_mismatch")
    add_error("attention-mask-shape-mismatch", "Model-7", "attention_mask [1,3] for T = 2",
              {"layer": "attention", "q": r.n(1, 2, 2, 2), "k": r.n(1, 2, 2, 2), "v": r.n(1, 2, 2, 2),
               "attention_mask": [[1, 1, 1]], "causal": True}, "shape_mismatch")


# ----------------------------------------------------------------------------------------------
# Model-8 activation, Model-9 swiglu_mlp, Model-10 clip_mlp
# ----------------------------------------------------------------------------------------------
def model_8_10():
    r = Rand(4)

    def f_act(fn):
        return lambda t: {"y": act(fn)(t["x"])}
    for fn in ["gelu", "gelu_pytorch_tanh", "quick_gelu", "silu", "relu", "tanh"]:
        x = r.n(2, 4, scale=1.5)
        if fn == "relu":
            x = torch.where(x.abs() < 0.05, x + 0.1 * torch.sign(x + 1e-9), x)  # keep away from the kink
        inp = {"layer": "activation", "x": x, "function": fn}
        add(f"activation-{fn}", "Model-8", f"ACT2FN[{fn!r}] ({type(act(fn)).__name__})", inp, f_act(fn), ["x"],
            150 + len(CASES))
    inp = {"layer": "activation", "x": [[0.0, -0.5, 0.7]], "function": "relu"}
    add("activation-relu-at-zero", "Model-8", "relu at exactly 0: subgradient 0 (torch's relu backward)",
        inp, f_act("relu"), ["x"], 160, flags=["nondifferentiable"])
    add_error("activation-unknown", "Model-8", "unknown function name",
              {"layer": "activation", "x": [[1.0]], "function": "swish2"}, "invalid_argument")

    def f_swiglu(t):
        I, D = t["gate_weight"].shape
        m = LlamaMLP(LlamaConfig(hidden_size=D, intermediate_size=I, hidden_act="silu",
                                 num_attention_heads=1, num_key_value_heads=1))
        lin(m.gate_proj, t["gate_weight"])
        lin(m.up_proj, t["up_weight"])
        lin(m.down_proj, t["down_weight"])
        return {"y": m(t["x"])}
    inp = {"layer": "swiglu_mlp", "x": r.n(3, 4), "gate_weight": r.n(6, 4), "up_weight": r.n(6, 4),
           "down_weight": r.n(4, 6)}
    add("swiglu-mlp", "Model-9", "LlamaMLP: down(silu(gate x) * up x), no biases", inp, f_swiglu,
        ["x", "gate_weight", "up_weight", "down_weight"], 170)
    add_error("swiglu-mlp-shape-mismatch", "Model-9", "up_weight [5,4] vs gate_weight [6,4]",
              {"layer": "swiglu_mlp", "x": r.n(2, 4), "gate_weight": r.n(6, 4), "up_weight": r.n(5, 4),
               "down_weight": r.n(4, 6)}, "shape_mismatch")

    def f_clip_mlp(fn):
        def f(t):
            I, D = t["fc1_weight"].shape
            m = CLIPMLP(CLIPVisionConfig(hidden_size=D, intermediate_size=I, hidden_act=fn,
                                                num_attention_heads=1))
            lin(m.fc1, t["fc1_weight"], t["fc1_bias"])
            lin(m.fc2, t["fc2_weight"], t["fc2_bias"])
            return {"y": m(t["x"])}
        return f
    for fn in ["quick_gelu", "gelu"]:
        inp = {"layer": "clip_mlp", "x": r.n(3, 4), "fc1_weight": r.n(6, 4), "fc1_bias": r.n(6),
               "fc2_weight": r.n(4, 6), "fc2_bias": r.n(4), "function": fn}
        add(f"clip-mlp-{fn}", "Model-10", f"CLIPMLP fc2(act(fc1 x)), act = {fn}", inp, f_clip_mlp(fn),
            ["x", "fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias"], 180 + len(CASES))


# ----------------------------------------------------------------------------------------------
# Model-11 patch_embedding, Model-12 clip_encoder_layer, Model-13 llama_decoder_layer
# ----------------------------------------------------------------------------------------------
def model_11_13():
    r = Rand(5)

    def f_patch(t):
        D, C, p, _ = t["patch_weight"].shape
        H = t["pixel_values"].shape[2]
        m = CLIPVisionEmbeddings(CLIPVisionConfig(hidden_size=D, num_channels=C, patch_size=p, image_size=H,
                                                          num_attention_heads=1))
        set_param(m.patch_embedding, "weight", t["patch_weight"])
        set_param(m, "class_embedding", t["class_embedding"])
        set_param(m.position_embedding, "weight", t["position_embedding"])
        return {"y": m(t["pixel_values"])}
    inp = {"layer": "patch_embedding", "pixel_values": r.n(2, 3, 4, 4), "patch_weight": r.n(5, 3, 2, 2),
           "class_embedding": r.n(5), "position_embedding": r.n(5, 5)}
    add("patch-embedding", "Model-11", "CLIPVisionEmbeddings: conv stride p without bias, CLS first, patches "
        "row-major, + position_embedding", inp, f_patch,
        ["pixel_values", "patch_weight", "class_embedding", "position_embedding"], 190)
    add_error("patch-embedding-wrong-size", "Model-11", "image 6x6 is not the configured 4x4 "
              "(position_embedding has 5 rows = 4 patches + CLS)",
              {"layer": "patch_embedding", "pixel_values": r.n(1, 3, 6, 6), "patch_weight": r.n(5, 3, 2, 2),
               "class_embedding": r.n(5), "position_embedding": r.n(5, 5)}, "shape_mismatch")
    add_error("patch-embedding-wrong-channels", "Model-11", "1 channel for a 3-channel patch_weight",
              {"layer": "patch_embedding", "pixel_values": r.n(1, 1, 4, 4), "patch_weight": r.n(5, 3, 2, 2),
               "class_embedding": r.n(5), "position_embedding": r.n(5, 5)}, "shape_mismatch")

    clip_keys = ["layer_norm1_weight", "layer_norm1_bias", "q_proj_weight", "q_proj_bias", "k_proj_weight",
                 "k_proj_bias", "v_proj_weight", "v_proj_bias", "out_proj_weight", "out_proj_bias",
                 "layer_norm2_weight", "layer_norm2_bias", "fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias"]

    def f_clip_layer(inputs):
        def f(t):
            D = t["x"].shape[-1]
            I = t["fc1_weight"].shape[0]
            cfg = CLIPVisionConfig(hidden_size=D, intermediate_size=I, num_attention_heads=inputs["heads"],
                                   layer_norm_eps=inputs["eps"], hidden_act=inputs["function"])
            cfg._attn_implementation = "eager"
            m = CLIPEncoderLayer(cfg)
            for ln in ["layer_norm1", "layer_norm2"]:
                set_param(getattr(m, ln), "weight", t[f"{ln}_weight"])
                set_param(getattr(m, ln), "bias", t[f"{ln}_bias"])
            for p in ["q_proj", "k_proj", "v_proj", "out_proj"]:
                lin(getattr(m.self_attn, p), t[f"{p}_weight"], t[f"{p}_bias"])
            lin(m.mlp.fc1, t["fc1_weight"], t["fc1_bias"])
            lin(m.mlp.fc2, t["fc2_weight"], t["fc2_bias"])
            return {"y": m(t["x"], attention_mask=None)}
        return f
    D, I = 6, 8
    inp = {"layer": "clip_encoder_layer", "x": r.n(2, 3, D), "heads": 2, "eps": 1e-5, "function": "quick_gelu",
           "layer_norm1_weight": 1.0 + r.n(D, scale=0.3), "layer_norm1_bias": r.n(D, scale=0.3),
           "q_proj_weight": r.n(D, D, scale=0.5), "q_proj_bias": r.n(D, scale=0.3),
           "k_proj_weight": r.n(D, D, scale=0.5), "k_proj_bias": r.n(D, scale=0.3),
           "v_proj_weight": r.n(D, D, scale=0.5), "v_proj_bias": r.n(D, scale=0.3),
           "out_proj_weight": r.n(D, D, scale=0.5), "out_proj_bias": r.n(D, scale=0.3),
           "layer_norm2_weight": 1.0 + r.n(D, scale=0.3), "layer_norm2_bias": r.n(D, scale=0.3),
           "fc1_weight": r.n(I, D, scale=0.5), "fc1_bias": r.n(I, scale=0.3),
           "fc2_weight": r.n(D, I, scale=0.5), "fc2_bias": r.n(D, scale=0.3)}
    add("clip-encoder-layer", "Model-12", "CLIPEncoderLayer (pre-LN, bidirectional MHA with biases, quick_gelu "
        "MLP), eager attention, no mask", inp, f_clip_layer(inp), ["x"] + clip_keys, 200)
    inp2 = dict(inp, function="gelu", heads=3)
    add("clip-encoder-layer-gelu-3-heads", "Model-12", "same weights, exact GELU, 3 heads of size 2", inp2,
        f_clip_layer(inp2), ["x"] + clip_keys, 201)
    add_error("clip-encoder-layer-heads-not-divisible", "Model-12", "D 6 with 4 heads", dict(inp, heads=4),
              "shape_mismatch")

    llama_keys = ["input_layernorm_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight", "o_proj_weight",
                  "post_attention_layernorm_weight", "gate_proj_weight", "up_proj_weight", "down_proj_weight"]

    def f_llama_layer(inputs):
        def f(t):
            D = t["x"].shape[-1]
            I = t["gate_proj_weight"].shape[0]
            cfg = LlamaConfig(hidden_size=D, intermediate_size=I, num_attention_heads=inputs["heads"],
                              num_key_value_heads=inputs["kv_heads"], rms_norm_eps=inputs["eps"],
                              rope_theta=inputs["theta"])
            cfg._attn_implementation = "eager"
            m = LlamaDecoderLayer(cfg, layer_idx=0)
            set_param(m.input_layernorm, "weight", t["input_layernorm_weight"])
            set_param(m.post_attention_layernorm, "weight", t["post_attention_layernorm_weight"])
            for p in ["q_proj", "k_proj", "v_proj", "o_proj"]:
                lin(getattr(m.self_attn, p), t[f"{p}_weight"])
            for p in ["gate_proj", "up_proj", "down_proj"]:
                lin(getattr(m.mlp, p), t[f"{p}_weight"])
            pos = torch.tensor(inputs["positions"])
            cos_sin = LlamaRotaryEmbedding(cfg)(t["x"], pos)
            T = t["x"].shape[1]
            mask = additive_mask(visible(inputs["attention_mask"], T, True))
            return {"y": m(t["x"], attention_mask=mask, position_ids=pos, position_embeddings=cos_sin)}
        return f
    D, I, H, KV = 8, 8, 4, 2
    hd = D // H
    inp = {"layer": "llama_decoder_layer", "x": r.n(2, 4, D), "attention_mask": [[1, 1, 1, 0], [1, 1, 1, 1]],
           "positions": [[0, 1, 2, 3], [0, 1, 2, 3]], "heads": H, "kv_heads": KV, "theta": 10000.0, "eps": 1e-6,
           "input_layernorm_weight": 1.0 + r.n(D, scale=0.3), "q_proj_weight": r.n(H * hd, D, scale=0.5),
           "k_proj_weight": r.n(KV * hd, D, scale=0.5), "v_proj_weight": r.n(KV * hd, D, scale=0.5),
           "o_proj_weight": r.n(D, H * hd, scale=0.5), "post_attention_layernorm_weight": 1.0 + r.n(D, scale=0.3),
           "gate_proj_weight": r.n(I, D, scale=0.5), "up_proj_weight": r.n(I, D, scale=0.5),
           "down_proj_weight": r.n(D, I, scale=0.5)}
    qmask = torch.tensor(inp["attention_mask"], dtype=F64)[:, :, None]
    add("llama-decoder-layer", "Model-13", "LlamaDecoderLayer: x + attn(RMSNorm x) then + SwiGLU(RMSNorm); "
        "GQA 4:2, RoPE theta 1e4, causal + right padding; cotangents zero on the padded row", inp,
        f_llama_layer(inp), ["x"] + llama_keys, 210, cot_masks={"y": qmask})
    inp2 = dict(inp, attention_mask=[[1, 1, 1, 1], [1, 1, 1, 1]], positions=[[3, 4, 5, 6], [0, 2, 4, 6]],
                kv_heads=4, theta=500.0, k_proj_weight=r.n(D, D, scale=0.5), v_proj_weight=r.n(D, D, scale=0.5))
    add("llama-decoder-layer-mha-positions", "Model-13", "MHA (kv_heads = heads), theta 500, positions not "
        "starting at 0, no padding", inp2, f_llama_layer(inp2), ["x"] + llama_keys, 211)
    add_error("llama-decoder-layer-kv-shape-mismatch", "Model-13", "k_proj_weight rows 6 != kv_heads*hd = 4",
              dict(inp, k_proj_weight=r.n(6, D)), "shape_mismatch")


# ----------------------------------------------------------------------------------------------
# Model-14 projector, Model-15 value_head
# ----------------------------------------------------------------------------------------------
def value_head_forward(t, prefix_fmt, fn, hidden):
    """Linear -> act -> Linear -> act -> Linear (or a single Linear), squeezed to [N] / [B,T]."""
    n_layers = 3 if prefix_fmt.format(1) + "weight" in t else 1
    h = hidden
    for i in range(n_layers):
        w, b = t[prefix_fmt.format(i) + "weight"], t[prefix_fmt.format(i) + "bias"]
        m = nn.Linear(w.shape[1], w.shape[0])
        lin(m, w, b)
        h = m(h)
        if i < n_layers - 1:
            h = act(fn)(h)
    return h.squeeze(-1)


def model_14_15():
    r = Rand(6)

    def f_proj(inputs):
        def f(t):
            dv, dt = t["linear_1_weight"].shape[1], t["linear_1_weight"].shape[0]
            cfg = LlavaConfig(vision_config=CLIPVisionConfig(hidden_size=dv, num_attention_heads=1),
                              text_config=LlamaConfig(hidden_size=dt, num_attention_heads=1,
                                                                      num_key_value_heads=1), projector_hidden_act=inputs["function"])
            m = LlavaMultiModalProjector(cfg)
            lin(m.linear_1, t["linear_1_weight"], t["linear_1_bias"])
            lin(m.linear_2, t["linear_2_weight"], t["linear_2_bias"])
            return {"y": m(t["x"])}
        return f
    keys = ["x", "linear_1_weight", "linear_1_bias", "linear_2_weight", "linear_2_bias"]
    inp = {"layer": "projector", "x": r.n(4, 5), "linear_1_weight": r.n(6, 5), "linear_1_bias": r.n(6),
           "linear_2_weight": r.n(6, 6), "linear_2_bias": r.n(6), "function": "gelu"}
    add("projector", "Model-14", "LlavaMultiModalProjector linear_2(gelu(linear_1 x)), exact GELU", inp,
        f_proj(inp), keys, 220)
    add_error("projector-shape-mismatch", "Model-14", "linear_2_weight [6,5] after a 6-wide linear_1",
              dict(inp, linear_2_weight=r.n(6, 5)), "shape_mismatch")

    vk = ["hidden", "value_head_0_weight", "value_head_0_bias", "value_head_1_weight", "value_head_1_bias",
          "value_head_2_weight", "value_head_2_bias"]
    for fn in ["relu", "tanh"]:
        inp = {"layer": "value_head", "hidden": r.n(4, 6), "value_head_0_weight": r.n(5, 6),
               "value_head_0_bias": r.n(5), "value_head_1_weight": r.n(3, 5), "value_head_1_bias": r.n(3),
               "value_head_2_weight": r.n(1, 3), "value_head_2_bias": r.n(1), "function": fn}
        if fn == "relu":  # no pre-activation exactly at 0 (inputs are 3-decimal, pre-activations checked)
            pass
        add(f"value-head-{fn}", "Model-15", f"Linear -> {fn} -> Linear -> {fn} -> Linear -> values [N]", inp,
            lambda t, fn=fn: {"values": value_head_forward(t, "value_head_{}_", fn, t["hidden"])}, vk,
            230 + len(CASES))
    inp = {"layer": "value_head", "hidden": r.n(3, 6), "value_head_0_weight": r.n(1, 6), "value_head_0_bias": r.n(1),
           "function": "relu"}
    add("value-head-single-linear", "Model-15", "single Linear [1,D] head (no activation used)", inp,
        lambda t: {"values": value_head_forward(t, "value_head_{}_", "relu", t["hidden"])},
        ["hidden", "value_head_0_weight", "value_head_0_bias"], 240)
    add_error("value-head-output-not-1", "Model-15", "last layer has 2 outputs",
              dict(inp, value_head_0_weight=r.n(2, 6), value_head_0_bias=r.n(2)), "shape_mismatch")


# ----------------------------------------------------------------------------------------------
# Model-16 the whole micro LLaVA
# ----------------------------------------------------------------------------------------------
VALUE_HEAD_HIDDEN = 12  # not the decoder width 8, so the head's matrices are not square
# Small tensors on every path (vision embeddings, projector, decoder norms, value head): central differences
# run on each of their elements with the whole model as the function, so the subset is kept to ~80 elements.
# The whole-model folders (gen_ModelTransformers.py) record the gradient of every parameter.
MODEL16_GRAD_KEYS = ["vision_tower.embeddings.class_embedding", "multi_modal_projector.linear_2.bias",
                     "language_model.model.layers.0.input_layernorm.weight", "language_model.model.norm.weight",
                     "value_head.layers.2.weight"]


def micro_batch():
    """B = 2 right-padded rows: BOS, 4 image tokens, prompt, response; lengths 11 and 9 of T = 11."""
    ids = [[BOS, IMAGE, IMAGE, IMAGE, IMAGE, 5, 9, 12, 20, 7, 3],
           [BOS, IMAGE, IMAGE, IMAGE, IMAGE, 14, 6, 22, 8, 0, 0]]
    mask = [[1] * 11, [1] * 9 + [0, 0]]
    g = torch.Generator().manual_seed(77)
    pixels = q3(torch.randn((2, 3, 8, 8), generator=g, dtype=F64))
    return ids, mask, pixels


def micro_value_head(seed=88):
    g = torch.Generator().manual_seed(seed)
    H, D = VALUE_HEAD_HIDDEN, TEXT["hidden_size"]
    shapes = [(H, D), (H,), (H, H), (H,), (1, H), (1,)]
    names = ["value_head.layers.0.weight", "value_head.layers.0.bias", "value_head.layers.1.weight",
             "value_head.layers.1.bias", "value_head.layers.2.weight", "value_head.layers.2.bias"]
    return {n: q3(torch.randn(s, generator=g, dtype=F64) * WEIGHT_SCALE) for n, s in zip(names, shapes)}


def load_weights_into(model, weights: dict):
    """Copies (or, for autograd, substitutes) tensors keyed by on-disk name into the in-memory model. The
    in-memory name is `model.` + on-disk name, except `language_model.lm_head.weight` -> `lm_head.weight`
    (transformers' checkpoint conversion for Llava)."""
    params = dict(model.named_parameters())
    for disk, val in weights.items():
        if disk.startswith("value_head."):
            continue
        mem = "lm_head.weight" if disk == "language_model.lm_head.weight" else "model." + disk
        mem = mem.replace("model.language_model.model.", "model.language_model.")
        assert mem in params, (disk, mem)
        mod_name, _, attr = mem.rpartition(".")
        set_param(model.get_submodule(mod_name), attr, val)


def model_outputs(model, input_ids, attention_mask, pixel_values, vh: dict, fn="relu"):
    """log_probs, entropy, values [B,T-1] from one forward; hidden = final-norm output."""
    out = model(input_ids=input_ids, attention_mask=attention_mask, pixel_values=pixel_values,
                output_hidden_states=True, use_cache=False)
    logits = out.logits
    hidden = out.hidden_states[-1]  # after language_model.model.norm
    logp = torch.log_softmax(logits[:, :-1], dim=-1)
    log_probs = logp.gather(-1, input_ids[:, 1:, None]).squeeze(-1)
    entropy = -(logp.exp() * logp).sum(-1)
    values = value_head_forward(vh, "value_head.layers.{}.", fn, hidden[:, :-1])
    return {"logits": logits, "log_probs": log_probs, "entropy": entropy, "values": values, "hidden": hidden}


def model_16():
    model = build_micro_model()
    with tempfile.TemporaryDirectory() as tmp:
        cfg_json, disk = save_and_read(model, tmp)
    ids, mask, pixels = micro_batch()
    vh = micro_value_head()
    inputs = {"layer": "llava", "config": cfg_json}
    inputs.update({k: disk[k] for k in sorted(disk)})
    inputs.update({"input_ids": ids, "attention_mask": mask, "pixel_values": pixels})
    inputs.update(vh)
    inputs["value_head_function"] = "relu"
    B, T = len(ids), len(ids[0])
    cmask = torch.tensor(mask, dtype=F64)[:, 1:]

    def f(t):
        m = LlavaForConditionalGeneration(micro_config()).to(F64).eval()
        m.config._attn_implementation = "eager"
        w = {k: (t[k] if k in t else torch.as_tensor(disk[k])) for k in disk}
        load_weights_into(m, w)
        v = {k: (t[k] if k in t else vh[k]) for k in vh}
        o = model_outputs(m, torch.tensor(ids), torch.tensor(mask), t.get("pixel_values", torch.as_tensor(pixels, dtype=F64)), v)
        return {"log_probs": o["log_probs"], "entropy": o["entropy"], "values": o["values"]}

    results = {}
    for ref in ["float64", "transformers"]:
        ctx = full_float64() if ref == "float64" else contextlib.nullcontext()
        with ctx:
            results[ref] = run(f, inputs, MODEL16_GRAD_KEYS, Rand(300),
                               cot_masks={k: cmask for k in ["log_probs", "entropy", "values"]})
    # measured difference between the two references (documents the tolerance below): the largest
    # |float64 - transformers| over all outputs and gradients, absolute and relative to the array's max |.|
    dev_abs = dev_scaled = 0.0
    for part in (0, 2):
        for k in results["float64"][part]:
            a, b = results["float64"][part][k], results["transformers"][part][k]
            dev_abs = max(dev_abs, float((a - b).abs().max()))
            dev_scaled = max(dev_scaled, float((a - b).abs().max() / a.abs().max()))
    global MODEL16_MEASURED
    MODEL16_MEASURED = (dev_abs, dev_scaled)
    exp, cots, grads = results["float64"]
    CASES.append(case(
        "llava-micro-float64", "Model-16",
        "Whole micro LlavaForConditionalGeneration (CLIP 2 layers, feature layer -2, projector, Llama 2 layers "
        "GQA 4:2) with the float32 steps of transformers switched to float64 (FLOAT32_PLACES.md); log_probs / "
        "entropy / values at t = 0..T-2; cotangents zero where attention_mask[b,t+1] = 0; gradients for a subset. "
        "Float tolerance loosened to atol 1e-4, rtol 1e-3 for the depth of the whole model.",
        inputs, exp, flags=["random"], cotangents=cots, gradients=grads,
        tol=tolerance(f32_atol=1e-4, f32_rtol=1e-3)))
    # The "transformers" reference of the same batch is recorded, with every parameter's gradient, in
    # Model/transformers/micro-full/reference.json; MODEL16_MEASURED (printed below) documents its distance.
    # Bad input at model level (wrong image size, token id >= vocab_size) is covered by the small Model-11 and
    # Model-3 error cases: a Model-16 error case would repeat all ~3.5k weights for one error kind.


MODEL16_MEASURED = (float("nan"), float("nan"))


def main():
    model_1_3()
    model_4_6()
    model_7()
    model_8_10()
    model_11_13()
    model_14_15()
    model_16()
    src = generator_source(PROGRAM, "Hugging Face transformers / PEFT modules in float64 with the float32 steps "
                                    "patched to float64 (see Model/FLOAT32_PLACES.md); gradients by torch.autograd")
    print(write_file(SPEC, "layers", "Layers of the tiny LLaVA-layout model (Linear, LoRA, embedding, RMSNorm, "
                     "LayerNorm, RoPE, attention, activations, SwiGLU, CLIP MLP/layer, patch embedding, Llama "
                     "decoder layer, projector, value head) and the whole micro model, from transformers' and "
                     "PEFT's own code", src, CASES, inline_arrays=True, significant_digits=14))
    print("llava: max |float64 - transformers| = %.2e (abs), %.2e (relative to scale)" % MODEL16_MEASURED)


if __name__ == "__main__":
    main()
