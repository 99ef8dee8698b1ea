"""Checks a CLIP model folder written by RLRef against Hugging Face transformers: the round trip "RLRef saves ->
CLIPModel.from_pretrained loads -> same outputs" of Specs/CLIP.md ("Files").

Folder layout (what `rlref model init-clip --out FOLDER` writes):
  config.json, model.safetensors   CLIPModel.save_pretrained layout
  rlref_outputs.json               {"input_ids": [B,T], "attention_mask": [B,T], "pixel_values": [B,C,H,W],
                                    "text_embeds": [B,P], "image_embeds": [B,P], "logits_per_image": [B,B],
                                    "loss": scalar}

The folder is loaded with CLIPModel.from_pretrained(folder, dtype=float64, eager attention); any missing, unexpected
or mis-shaped tensor is an error. The outputs are recomputed with return_loss=True in float64, with the eager
attention's float32 softmax switched to float64 (gen_Model.full_float64, GoldenData/Model/FLOAT32_PLACES.md;
`--transformers` runs transformers unpatched and then needs `--rtol 1e-6`). The check passes when
|rlref - transformers| <= rtol * max(|transformers|, 1) for every element of every output (rtol 1e-9 by default).
Exit status 0 = pass, 1 = mismatch, 2 = the folder could not be loaded.

Usage:  .venv-golden/bin/python GoldenData/_generators/check_clip_export.py FOLDER [--rtol 1e-9] [--transformers]
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys

import torch
from transformers import CLIPModel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_Model as G  # noqa: E402

OUTPUTS = ("text_embeds", "image_embeds", "logits_per_image", "loss")


def load(folder: str) -> CLIPModel:
    model, info = CLIPModel.from_pretrained(folder, dtype=torch.float64, attn_implementation="eager",
                                            output_loading_info=True)
    problems = {k: v for k, v in info.items() if v}
    if problems:
        raise ValueError(f"from_pretrained reported {problems}")
    for n, p in model.named_parameters():
        if p.dtype != torch.float64:
            raise ValueError(f"{n} loaded as {p.dtype}")
    return model.eval()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder")
    ap.add_argument("--rtol", type=float, default=1e-9)
    ap.add_argument("--transformers", action="store_true", help="run transformers unpatched (float32 softmax)")
    args = ap.parse_args()
    try:
        model = load(args.folder)
        with open(os.path.join(args.folder, "rlref_outputs.json"), encoding="utf-8") as f:
            rec = json.load(f)
    except Exception as e:  # noqa: BLE001 - any load failure is reported as such
        print(f"LOAD FAILED: {e}")
        return 2
    ctx = contextlib.nullcontext() if args.transformers else G.full_float64()
    with ctx, torch.no_grad():
        o = model(input_ids=torch.tensor(rec["input_ids"]), attention_mask=torch.tensor(rec["attention_mask"]),
                  pixel_values=torch.tensor(rec["pixel_values"], dtype=torch.float64), return_loss=True)
    ok = True
    for k in OUTPUTS:
        ref = getattr(o, k).to(torch.float64)
        got = torch.tensor(rec[k], dtype=torch.float64)
        if got.shape != ref.shape:
            print(f"{k}: shape {tuple(got.shape)} from RLRef, {tuple(ref.shape)} from transformers")
            ok = False
            continue
        err = (got - ref).abs()
        allowed = args.rtol * torch.clamp(ref.abs(), min=1.0)
        worst = float((err / torch.clamp(ref.abs(), min=1.0)).max())
        passed = bool((err <= allowed).all())
        ok &= passed
        print(f"{k}: max |rlref - transformers| {float(err.max()):.3e} (scaled {worst:.3e}) {'ok' if passed else 'MISMATCH'}")
    n = sum(p.numel() for p in model.parameters())
    print(("PASS" if ok else "FAIL") + f": {args.folder} ({n} parameters, {len(rec['input_ids'])} pairs)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
