"""RL4VLM's own `llava_evaluate` on the golden cases of the CoTLogProb `rl4vlm` presets.

RL4VLM is not on PyPI and this project ships none of its code: point RL4VLM_DIR at a git clone of the
RL4VLM repository. The driver reads `VLM_PPO/a2c_ppo_acktr/llava_interface/interface.py` at the commit each
preset names (`rl4vlm`: 74236ab, the one-marker rule kept until HEAD b989b57; `rl4vlm-2024-05-15`: 202229a,
as released) with `git show` and loads that file alone (it imports only torch and math).

`llava_evaluate(value_model, input_ids, output_ids, image_tensor, temperature, thought_prob_coef)` runs the
LLaVA model; the driver passes a stand-in model whose logits make `log_softmax` give the case's log-probs:
at the position that scores token t the chosen token's logit is log_probs[t], one filler token carries the
remaining probability mass (log(1 - exp(log_probs[t]))) and every other logit is -inf. Temperature 1. Each
row is evaluated alone (llava_evaluate's marker search flattens the batch; the Spec applies the rule per row).
"""
from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys
import tempfile
from types import SimpleNamespace

import torch

from driving import Driver, Skip, drive, require_only

FILE = "VLM_PPO/a2c_ppo_acktr/llava_interface/interface.py"
COMMITS = {"rl4vlm": "74236ab", "rl4vlm-2024-05-15": "202229a"}


def load(commit: str):
    source = subprocess.run(["git", "-C", os.environ["RL4VLM_DIR"], "show", f"{commit}:{FILE}"],
                            check=True, capture_output=True, text=True).stdout
    path = os.path.join(tempfile.mkdtemp(), f"interface_{commit}.py")
    with open(path, "w", encoding="utf-8") as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location(f"rl4vlm_interface_{commit}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MODULES: dict[str, object] = {}


class _Base:
    """Stand-in for the LLaVA model: returns the logits that reproduce the case's log-probs."""
    device = torch.device("cpu")
    dtype = torch.float32

    def __init__(self, logits):
        self.logits = logits

    def prepare_inputs_labels_for_multimodal(self, ids, *rest):
        return None, None, None, None, torch.zeros(ids.shape[0], ids.shape[1], 1), None

    def __call__(self, inputs_embeds, output_hidden_states):
        return SimpleNamespace(logits=self.logits, hidden_states=[torch.zeros(inputs_embeds.shape[0], inputs_embeds.shape[1], 1)])


def row_logits(tokens: list[int], log_probs: list[float], vocabulary: int) -> torch.Tensor:
    """[1, 1 + T, V]: position 0 is the prompt token; position 1 + j scores output token j + 1."""
    z = torch.full((1, 1 + len(tokens), vocabulary), -math.inf, dtype=torch.float64)
    filler = vocabulary - 1
    for t in range(1, len(tokens)):
        lp = log_probs[t]
        z[0, t, tokens[t]] = lp
        if lp < 0:
            z[0, t, filler] = math.log(-math.expm1(lp))
    return z


def cot(inputs, cotangents):
    require_only(inputs, {"preset", "log_probs", "tokens", "thought_coef", "old_sequence_log_probs", "advantages"},
                 "llava_evaluate has a fixed marker, pad id, fallback and bfloat16 rounding")
    preset = inputs["preset"]
    if "RL4VLM_DIR" not in os.environ:
        raise Skip("RL4VLM_DIR not set (a git clone of RL4VLM)")
    module = MODULES.setdefault(preset, load(COMMITS[preset]))
    sequence, action = [], []
    for tokens, log_probs in zip(inputs["tokens"], inputs["log_probs"]):
        tokens = [int(x) for x in tokens]
        vocabulary = max(max(tokens), 29908) + 2
        model = SimpleNamespace(base=_Base(row_logits(tokens, log_probs, vocabulary).to(torch.float32)),
                                value_head=lambda h: torch.zeros(h.shape[0], 1))
        _, s, a = module.llava_evaluate(model, torch.zeros(1, 1, dtype=torch.long), torch.tensor([tokens]),
                                        torch.zeros(1), 1.0, inputs.get("thought_coef", 0.5))
        sequence.append(float(s.reshape(-1)[0]))
        action.append(float(a.reshape(-1)[0]))
    return {"sequence_log_probs": sequence, "action_log_probs": action}, None


DRIVERS = [Driver("CoTLogProb", tuple(COMMITS), cot, f"llava_evaluate in {FILE} at 74236ab / 202229a")]

if __name__ == "__main__":
    head = subprocess.run(["git", "-C", os.environ["RL4VLM_DIR"], "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip() if "RL4VLM_DIR" in os.environ else "not given"
    drive("RL4VLM", f"git {head}", DRIVERS, sys.argv[1])
