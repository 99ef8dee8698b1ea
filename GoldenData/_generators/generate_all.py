"""Regenerates every golden file: runs each GoldenData/_generators/gen_*.py in turn.

Usage (from the package root):
    python3 -m venv .venv-golden && .venv-golden/bin/pip install -r GoldenData/_generators/requirements.txt
    .venv-golden/bin/python GoldenData/_generators/generate_all.py
Every generator is deterministic (fixed seeds), so a rerun reproduces the committed JSON byte for byte.
gen_Model.py (GoldenData/Model/layers.json) and gen_ModelTransformers.py (the GoldenData/Model/transformers/
folders, safetensors included) run Hugging Face transformers / PEFT on PyTorch, pinned in requirements.txt;
gen_CLIP.py writes GoldenData/CLIP/clip.json and the CLIPModel folder GoldenData/CLIP/transformers/micro/ the same
way. check_rlref_export.py and check_clip_export.py are checkers for model folders written by RLRef (`rlref model
init`, `rlref model init-clip`), not generators, and are not run here.
"""
import glob
import os
import runpy
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
for path in sorted(glob.glob(os.path.join(here, "gen_*.py"))):
    print(f"running {os.path.basename(path)}", flush=True)
    runpy.run_path(path, run_name="__main__")
