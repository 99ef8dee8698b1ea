"""Golden data for Specs/CLIP.md from Hugging Face transformers' own CLIPModel (float64, eager attention).

Writes
- GoldenData/CLIP/transformers/micro/: config.json and model.safetensors exactly as
  `CLIPModel.save_pretrained` writes them (float64), the micro model of every whole-model case below, and
  loss_gradients.safetensors: the gradient of case micro-loss's loss for EVERY parameter (float64, keys = the
  parameter names; the case itself carries five of them, which the golden runner also checks by central
  differences);
- GoldenData/CLIP/clip.json: whole-model cases (`form: "clip"`, the config and every weight inline) for the
  text encoder's input embeddings and last hidden state (CLIP-1), the pooled text state under both of
  transformers' pooling rules (CLIP-2), the pooled image state (CLIP-3), and the normalised embeddings,
  logits and loss (CLIP-4 .. CLIP-6) with gradients (autograd), plus invalid inputs (which carry no weights:
  the batch is checked first); and cases of the loss alone on given features and logit_scale (`form:
  "contrastive_loss"`, CLIP-4 .. CLIP-7) with gradients.

Micro model: text (vocab 20, width 8, 2 heads, 2 layers, MLP 16, 8 positions, eos_token_id 3, pad 0),
vision (8x8 images in 4x4 patches, width 8, 2 heads, 1 layer, MLP 16), projection 6, quick_gelu. Every
parameter is redrawn from a fixed torch seed (matrices and embeddings N(0, 0.3^2), norm weights 1 + N(0,
0.1^2), biases N(0, 0.1^2), logit_scale 1.3) and rounded to 3 decimals, so the inline JSON stays short.

Float64 everywhere: CLIP's eager attention computes its softmax in float32 even for a float64 model; that
one step is switched to float64 with gen_Model.full_float64 (GoldenData/Model/FLOAT32_PLACES.md). The largest
difference between the patched and the unpatched model over all recorded outputs is printed.

Run from the package root:  .venv-golden/bin/python GoldenData/_generators/gen_CLIP.py
"""
from __future__ import annotations

import json
import math
import os
import shutil
import sys

import numpy as np
import torch
import transformers
from transformers import CLIPConfig, CLIPModel
from transformers.models.clip import modeling_clip
from safetensors import safe_open
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_Model as G  # noqa: E402
from golden_io import ROOT, as_read, case, generator_source, tolerance, write_file  # noqa: E402

PROGRAM = "GoldenData/_generators/gen_CLIP.py"
F64 = torch.float64
FOLDER = os.path.join(ROOT, "CLIP", "transformers", "micro")

TEXT = dict(vocab_size=20, hidden_size=8, intermediate_size=16, num_hidden_layers=2, num_attention_heads=2,
            max_position_embeddings=8, hidden_act="quick_gelu", layer_norm_eps=1e-5, bos_token_id=1,
            eos_token_id=3, pad_token_id=0, projection_dim=6)
VISION = dict(hidden_size=8, intermediate_size=16, num_hidden_layers=1, num_attention_heads=2, image_size=8,
              patch_size=4, num_channels=3, hidden_act="quick_gelu", layer_norm_eps=1e-5, projection_dim=6)
PROJECTION = 6
GRADIENT_FILE = "loss_gradients.safetensors"
# the micro-loss case carries these parameters' gradients (central differences run on them: every element of
# every case gradient costs two whole-model evaluations); every parameter's gradient is in GRADIENT_FILE
FD_CHECKED = ("logit_scale", "text_projection.weight", "vision_model.post_layernorm.bias",
              "text_model.final_layer_norm.weight", "text_model.encoder.layers.0.self_attn.k_proj.bias")
LOGIT_SCALE = 1.3
# right-padded rows (pad 0), each with one eos (3); the legacy rule (eos_token_id 2) pools at the largest id
INPUT_IDS = [[1, 5, 9, 12, 3, 0], [1, 7, 3, 0, 0, 0], [1, 4, 11, 16, 8, 3]]
ATTENTION_MASK = [[1 if t != 0 else 0 for t in row] for row in INPUT_IDS]


def q3(t):
    return G.q3(t)


def build(eos_token_id: int = TEXT["eos_token_id"]) -> CLIPModel:
    text = dict(TEXT, eos_token_id=eos_token_id)
    config = CLIPConfig(text_config=text, vision_config=VISION, projection_dim=PROJECTION,
                        logit_scale_init_value=2.6592)
    torch.manual_seed(0)
    model = CLIPModel(config).to(F64)
    model.config._attn_implementation = "eager"
    model.text_model.config._attn_implementation = "eager"
    model.vision_model.config._attn_implementation = "eager"
    g = torch.Generator().manual_seed(2024)
    with torch.no_grad():
        for name, p in model.named_parameters():
            r = torch.randn(p.shape, generator=g, dtype=F64)
            if name == "logit_scale":
                p.fill_(LOGIT_SCALE)
            elif ("norm" in name) and name.endswith(".weight"):
                p.copy_(q3(1 + 0.1 * r))
            elif name.endswith(".bias"):
                p.copy_(q3(0.1 * r))
            else:
                p.copy_(q3(0.3 * r))
    model.eval()
    return model


def pixel_values():
    g = torch.Generator().manual_seed(77)
    return q3(torch.randn((3, 3, 8, 8), generator=g, dtype=F64))


def outputs(model: CLIPModel, ids, mask, pix) -> dict:
    """Every recorded quantity, each from transformers' own modules."""
    emb = model.text_model.embeddings(input_ids=ids)
    text = model.text_model(input_ids=ids, attention_mask=mask)
    vision = model.vision_model(pixel_values=pix)
    o = model(input_ids=ids, attention_mask=mask, pixel_values=pix, return_loss=True)
    return {"text_input_embeddings": emb, "text_last_hidden_state": text.last_hidden_state,
            "text_pooled": text.pooler_output, "image_pooled": vision.pooler_output,
            "text_embeds": o.text_embeds, "image_embeds": o.image_embeds,
            "logits_per_image": o.logits_per_image, "logits_per_text": o.logits_per_text, "loss": o.loss}


def save_folder(model: CLIPModel) -> dict:
    if os.path.isdir(FOLDER):
        shutil.rmtree(FOLDER)
    os.makedirs(FOLDER)
    model.save_pretrained(FOLDER)
    for extra in os.listdir(FOLDER):
        if extra not in ("config.json", "model.safetensors", GRADIENT_FILE):
            os.remove(os.path.join(FOLDER, extra))
    with safe_open(os.path.join(FOLDER, "model.safetensors"), "pt") as f:
        assert set(f.keys()) == {n for n, _ in model.named_parameters()}, "on-disk names differ from in-memory names"
    with open(os.path.join(FOLDER, "config.json"), encoding="utf-8") as f:
        return json.load(f)


def weights(model: CLIPModel) -> dict:
    return {n: p.detach().clone() for n, p in model.named_parameters()}


def model_cases() -> list:
    ids = torch.tensor(INPUT_IDS)
    mask = torch.tensor(ATTENTION_MASK)
    pix = pixel_values()
    model = build()
    config = save_folder(model)
    legacy = build(eos_token_id=2)
    legacy_config = json.loads(json.dumps(config))
    legacy_config["text_config"]["eos_token_id"] = 2
    with G.full_float64():
        o = outputs(model, ids, mask, pix)
        ol = outputs(legacy, ids, mask, pix)
        params = dict(model.named_parameters())
        grads = torch.autograd.grad(o["loss"], list(params.values()))
    save_file({k: g.detach().contiguous() for k, g in zip(params, grads)}, os.path.join(FOLDER, GRADIENT_FILE),
              metadata={"content": "d loss / d parameter of CLIPModel(return_loss=True) on the batch of GoldenData/CLIP/"
                                   "clip.json case micro-loss, float64, torch autograd"})
    plain = outputs(build(), ids, mask, pix)
    dev = max(float((o[k] - plain[k]).abs().max()) for k in o)
    print(f"max |full float64 - transformers as run| over the recorded outputs: {dev:.2e}")

    def inputs(cfg, w, **over):
        d = {"form": "clip", "config": cfg, **{k: v for k, v in w.items()},
             "input_ids": INPUT_IDS, "attention_mask": ATTENTION_MASK, "pixel_values": pix}
        d.update(over)
        return d

    w = weights(model)
    base = inputs(config, w)
    det = {k: v.detach() for k, v in o.items()}
    cases = [
        case("micro-text-hidden-states", "CLIP-1",
             "token + learned position embeddings (positions 0..T-1, CLIPTextEmbeddings), 2 encoder layers with "
             "causal + padding mask, final_layer_norm; every position (padding rows included: with right padding "
             "every query sees key 0)", base,
             {"text_input_embeddings": det["text_input_embeddings"],
              "text_last_hidden_state": det["text_last_hidden_state"]}, flags=["random"]),
        case("micro-text-pooled-eos", "CLIP-2",
             "eos_token_id 3 (not 2): pooled at the first position holding eos_token_id", base,
             {"text_pooled": det["text_pooled"]}, flags=["random"]),
        case("micro-text-pooled-legacy-argmax", "CLIP-2",
             "eos_token_id 2: transformers' legacy rule pools at argmax(input_ids) (first largest id), here "
             "NOT the eos position", inputs(legacy_config, w), {"text_pooled": ol["text_pooled"].detach()},
             flags=["random"]),
        case("micro-image-pooled", "CLIP-3", "post_layernorm of the class token's last hidden state", base,
             {"image_pooled": det["image_pooled"]}, flags=["random"]),
        case("micro-loss", "CLIP-6",
             "the whole CLIPModel: embeddings (CLIP-4), logits (CLIP-5), symmetric InfoNCE (return_loss=True) and "
             "the loss's gradient for every parameter (autograd)",
             base, {k: det[k] for k in ("text_embeds", "image_embeds", "logits_per_image", "logits_per_text", "loss")},
             flags=["random"], cotangents={"loss": 1.0},
             gradients={k: g.detach() for k, g in zip(params, grads) if k in FD_CHECKED}),
        # invalid inputs are rejected before any weight is read, so these carry no weights
        case("micro-no-eos", "CLIP-2", "eos_token_id 3 but row 1 holds no 3: transformers would pool position 0 "
             "silently; RLRef rejects the row", inputs(config, {}, input_ids=[[1, 5, 9, 12, 3, 0], [1, 7, 6, 0, 0, 0],
                                                                               [1, 4, 11, 16, 8, 3]]),
             {"error": "invalid_argument"}, flags=["error"]),
        case("micro-id-out-of-range", "CLIP-1", "token id 20 in a 20-token vocabulary",
             inputs(config, {}, input_ids=[[1, 5, 9, 12, 3, 0], [1, 20, 3, 0, 0, 0], [1, 4, 11, 16, 8, 3]]),
             {"error": "out_of_range"}, flags=["error"]),
        case("micro-too-long", "CLIP-1", "9 tokens with 8 position embeddings (transformers raises ValueError)",
             inputs(config, {}, input_ids=[[1, 5, 9, 12, 3, 0, 0, 0, 0]] * 3,
                    attention_mask=[[1, 1, 1, 1, 1, 0, 0, 0, 0]] * 3), {"error": "out_of_range"}, flags=["error"]),
        case("micro-mask-shape-mismatch", "CLIP-1", "attention_mask [3, 5] for input_ids [3, 6]",
             inputs(config, {}, attention_mask=[row[:5] for row in ATTENTION_MASK]), {"error": "shape_mismatch"},
             flags=["error"]),
        case("micro-pixels-wrong-size", "CLIP-3", "4x4 images for an 8x8 model",
             inputs(config, {}, pixel_values=torch.zeros(3, 3, 4, 4)), {"error": "shape_mismatch"},
             flags=["error"]),
        case("micro-loss-unpaired", "CLIP-6", "2 texts for 3 images: logits exist, the loss needs pairs",
             inputs(config, {}, input_ids=INPUT_IDS[:2], attention_mask=ATTENTION_MASK[:2]),
             {"error": "shape_mismatch"}, flags=["error"]),
        case("micro-missing-weight", "CLIP-1", "every weight but text_projection.weight",
             inputs(config, {k: v for k, v in w.items() if k != "text_projection.weight"}),
             {"error": "missing_input"}, flags=["error"]),
    ]
    return cases


def loss_reference(image, text, scale, max_scale=None):
    """CLIPModel.forward's tail on given (unnormalised) embeddings, with transformers' own helpers."""
    ie = image / modeling_clip._get_vector_norm(image)
    te = text / modeling_clip._get_vector_norm(text)
    s = torch.clamp(scale, max=max_scale) if max_scale is not None else scale
    logits_per_text = torch.matmul(te, ie.t()) * s.exp()
    return {"logits_per_image": logits_per_text.t(), "logits_per_text": logits_per_text,
            "loss": modeling_clip.image_text_contrastive_loss(logits_per_text)}


def loss_case(id, equation, comment, image, text, scale, max_scale=None, cot_seed=None, flags=()):
    inp = {"form": "contrastive_loss", "image_embeds": image, "text_embeds": text, "logit_scale": scale}
    if max_scale is not None:
        inp["max_logit_scale"] = max_scale
    r = as_read(inp)
    t = {k: torch.tensor(np.asarray(r[k], dtype=np.float64), dtype=F64, requires_grad=True)
         for k in ("image_embeds", "text_embeds", "logit_scale")}
    o = loss_reference(t["image_embeds"], t["text_embeds"], t["logit_scale"], r.get("max_logit_scale"))
    if cot_seed is None:
        cots = {"loss": 1.0}
        total = o["loss"]
    else:
        g = torch.Generator().manual_seed(cot_seed)
        cots = {k: torch.randn(tuple(v.shape), generator=g, dtype=F64) for k, v in o.items()}
        total = sum((cots[k] * o[k]).sum() for k in o)
    grads = torch.autograd.grad(total, list(t.values()))
    return case(id, equation, comment, inp, {k: v.detach() for k, v in o.items()}, flags=list(flags),
                cotangents=cots, gradients={k: g for k, g in zip(t, grads)})


def loss_cases() -> list:
    g = torch.Generator().manual_seed(31)
    n = lambda *s: q3(torch.randn(s, generator=g, dtype=F64))  # noqa: E731
    img, txt = n(4, 5), n(4, 5)
    return [
        loss_case("loss-4-pairs", "CLIP-6", "4 pairs, 5-d unnormalised embeddings, logit_scale 2.6592 "
                  "(ln(1/0.07), CLIP's initial temperature)", img, txt, 2.6592, flags=["random"]),
        loss_case("loss-4-pairs-all-outputs", "CLIP-5", "random cotangents on logits and loss: the gradient through "
                  "both logit matrices", img, txt, 1.1, cot_seed=5, flags=["random"]),
        loss_case("normalisation-invariance", "CLIP-4", "text embeddings scaled by 7: same logits and loss as "
                  "loss-4-pairs (normalisation), gradients 1/7 as large", img, 7 * txt, 2.6592, flags=["random"]),
        loss_case("loss-one-pair", "CLIP-6", "a single pair: both cross-entropies are over one class, loss 0, "
                  "every gradient 0", n(1, 5), n(1, 5), 2.0),
        loss_case("loss-matched-pairs", "CLIP-6", "text = image embeddings (orthogonal-ish): diagonal logits "
                  "exp(s); small loss", img, img.clone(), 3.0, flags=["random"]),
        loss_case("clamp-inactive", "CLIP-7", "max_logit_scale ln(100) above logit_scale 2.6592: no effect",
                  img, txt, 2.6592, max_scale=math.log(100.0), flags=["random"]),
        loss_case("clamp-active", "CLIP-7", "logit_scale 5 clamped to ln(100) = 4.605...: the temperature is "
                  "100 and d loss / d logit_scale = 0", img, txt, 5.0, max_scale=math.log(100.0), flags=["random"]),
        case("loss-shape-mismatch", "CLIP-6", "4 images, 3 texts", {"form": "contrastive_loss", "image_embeds": img,
             "text_embeds": txt[:3], "logit_scale": 1.0}, {"error": "shape_mismatch"}, flags=["error"]),
        case("loss-width-mismatch", "CLIP-5", "5-d images, 4-d texts", {"form": "contrastive_loss",
             "image_embeds": img, "text_embeds": txt[:, :4], "logit_scale": 1.0}, {"error": "shape_mismatch"},
             flags=["error"]),
        case("loss-empty", "CLIP-6", "no pairs", {"form": "contrastive_loss", "image_embeds": [],
             "text_embeds": [], "logit_scale": 1.0}, {"error": "empty"}, flags=["error"]),
        case("loss-zero-vector", "CLIP-4", "a zero text embedding has no direction (transformers gives NaN)",
             {"form": "contrastive_loss", "image_embeds": img, "text_embeds": torch.cat([txt[:3], torch.zeros(1, 5)]),
              "logit_scale": 1.0}, {"error": "invalid_argument"}, flags=["error"]),
        case("loss-non-finite-scale", "CLIP-5", "logit_scale NaN", {"form": "contrastive_loss",
             "image_embeds": img, "text_embeds": txt, "logit_scale": float("nan")}, {"error": "non_finite"},
             flags=["error"]),
        case("loss-non-finite-embedding", "CLIP-4", "an infinite image embedding element",
             {"form": "contrastive_loss", "image_embeds": torch.where(torch.arange(20).reshape(4, 5) == 7,
                                                                     float("inf"), img),
              "text_embeds": txt, "logit_scale": 1.0}, {"error": "non_finite"}, flags=["error"]),
    ]


def main():
    cases = model_cases() + loss_cases()
    src = generator_source(PROGRAM, "transformers CLIPModel (float64, eager attention, the float32 softmax "
                                    "switched to float64) and torch autograd; the loss alone through "
                                    "modeling_clip._get_vector_norm and image_text_contrastive_loss")
    path = write_file("CLIP", "clip", "Tiny CLIP (Specs/CLIP.md): micro CLIPModel saved by transformers "
                      f"{transformers.__version__} (GoldenData/CLIP/transformers/micro), outputs, loss and every "
                      "parameter's gradient; the contrastive loss alone with gradients", src, cases,
                      default_tolerance=tolerance(1e-12, 1e-10, 1e-5, 1e-4))
    print(path)


if __name__ == "__main__":
    main()
