"""Checks a model folder written by RLRef against Hugging Face transformers (and PEFT): the round trip
"RLRef saves -> transformers loads -> same logits" of Specs/Model.md.

Folder layout (the same as GoldenData/Model/transformers/<name>/):
  config.json, model.safetensors                 LlavaForConditionalGeneration.save_pretrained layout
  adapter_config.json, adapter_model.safetensors optional: a PEFT LoRA adapter
  value_head.safetensors                         optional: keys value_head.layers.{0,1,2}.{weight,bias} (or only .0.)
  rlref_logits.json                              {"input_ids": [B,T], "attention_mask": [B,T],
                                                  "pixel_values": [B,C,H,W], "logits": [B,T,V],
                                                  optional "values": [B,T-1] and "value_head_function"}

The folder is loaded with LlavaForConditionalGeneration.from_pretrained(folder, dtype=float64, eager attention)
— any missing, unexpected or mis-shaped tensor is an error — and PeftModel.from_pretrained(model, folder) when
adapter files are present. Logits are recomputed in float64 with transformers' float32 steps switched to float64
(gen_Model.full_float64, see GoldenData/Model/FLOAT32_PLACES.md; `--transformers` runs transformers unpatched and
then needs `--rtol 2e-5`). The check passes when |rlref - transformers| <= rtol * max(|transformers|, 1) for every
logit (rtol 1e-9 by default) and likewise for the values if given. Exit status 0 = pass, 1 = mismatch, 2 = the
folder could not be loaded.

Usage:  .venv-golden/bin/python GoldenData/_generators/check_rlref_export.py FOLDER [--rtol 1e-9] [--transformers]
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile

import torch
from transformers import LlavaForConditionalGeneration
from safetensors import safe_open

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_Model as G  # noqa: E402


def load(folder: str):
    # The base model is read from a scratch folder holding only config.json and model.safetensors: given the
    # whole folder, transformers' own PEFT integration would already inject the adapter it finds there, and
    # PeftModel.from_pretrained below would inject it a second time into the same modules.
    with tempfile.TemporaryDirectory() as base_dir:
        for name in ("config.json", "model.safetensors"):
            shutil.copy(os.path.join(folder, name), os.path.join(base_dir, name))
        model, info = LlavaForConditionalGeneration.from_pretrained(base_dir, dtype=torch.float64,
                                                                    attn_implementation="eager",
                                                                    output_loading_info=True)
    problems = {k: v for k, v in info.items() if v}
    if problems:
        raise ValueError(f"from_pretrained reported {problems}")
    if os.path.exists(os.path.join(folder, "adapter_config.json")):
        from peft import PeftModel
        model = PeftModel.from_pretrained(model, folder)
        for n, p in model.named_parameters():
            if p.dtype != torch.float64:
                raise ValueError(f"{n} loaded as {p.dtype}")
    model.eval()
    vh = None
    path = os.path.join(folder, "value_head.safetensors")
    if os.path.exists(path):
        with safe_open(path, "pt") as f:
            vh = {k: f.get_tensor(k).to(torch.float64) for k in f.keys()}
    return model, vh


def compare(name, ours, theirs, rtol) -> bool:
    if tuple(ours.shape) != tuple(theirs.shape):
        print(f"{name}: shape {tuple(ours.shape)} != transformers {tuple(theirs.shape)}")
        return False
    err = (ours - theirs).abs() / torch.clamp(theirs.abs(), min=1.0)
    worst = int(err.argmax())
    idx = tuple(int(i) for i in torch.unravel_index(torch.tensor(worst), err.shape))
    ok = bool(err.max() <= rtol)
    print(f"{name}: max relative error {float(err.max()):.3e} at {list(idx)} (rlref {float(ours[idx])!r}, "
          f"transformers {float(theirs[idx])!r}) -> {'ok' if ok else 'MISMATCH'} (rtol {rtol:g})")
    return ok


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder")
    ap.add_argument("--rtol", type=float, default=1e-9)
    ap.add_argument("--transformers", action="store_true",
                    help="run transformers unpatched (float32 RoPE/RMSNorm/softmax steps) instead of full float64")
    args = ap.parse_args(argv)
    try:
        with open(os.path.join(args.folder, "rlref_logits.json"), encoding="utf-8") as f:
            data = json.load(f)
        model, vh = load(args.folder)
    except Exception as e:  # noqa: BLE001 - report any loading failure as exit 2
        print(f"cannot load {args.folder}: {type(e).__name__}: {e}")
        return 2
    ids = torch.tensor(data["input_ids"])
    mask = torch.tensor(data["attention_mask"])
    pix = torch.tensor(data["pixel_values"], dtype=torch.float64)
    ctx = contextlib.nullcontext if args.transformers else G.full_float64
    with ctx(), torch.no_grad():
        out = model(input_ids=ids, attention_mask=mask, pixel_values=pix, output_hidden_states=True, use_cache=False)
    ok = compare("logits", torch.tensor(data["logits"], dtype=torch.float64), out.logits, args.rtol)
    if "values" in data:
        if vh is None:
            print("values given but no value_head.safetensors")
            return 1
        with ctx(), torch.no_grad():
            values = G.value_head_forward(vh, "value_head.layers.{}.", data.get("value_head_function", "relu"),
                                          out.hidden_states[-1][:, :-1])
        ok = compare("values", torch.tensor(data["values"], dtype=torch.float64), values, args.rtol) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
