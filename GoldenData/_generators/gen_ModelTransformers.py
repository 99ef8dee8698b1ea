"""Whole-model references for Specs/Model.md from Hugging Face transformers' LlavaForConditionalGeneration and
PEFT's LoRA, written to GoldenData/Model/transformers/<name>/ (sub-folders, so the golden-file loader, which reads
only top-level JSON of GoldenData/Model, ignores them).

Folders (same base weights in both; the micro configuration and weights of gen_Model.py / Model-16):
- `micro-lora/`: an adapter folder without its base model, whose files are micro-full's (reference.json
  `files.base_model` = "../micro-full"): `adapter_config.json` and `adapter_model.safetensors` exactly as
  `PeftModel.save_pretrained` writes them (LoRA r 4, alpha 8, dropout 0,
  q/k/v/o/gate/up/down projections of the language model only, selected by a regex because a plain module list
  would also hit the vision tower's q_proj/k_proj/v_proj; lora_A as PEFT initialises it under a fixed torch seed,
  lora_B RE-RANDOMISED to N(0, 0.3^2) after init so that lora_A's gradients are nonzero); PEFT's model card
  README.md is not kept;
- `micro-full/`: `config.json`, `model.safetensors`, `generation_config.json` exactly as
  `LlavaForConditionalGeneration.save_pretrained` writes them (float64); full fine-tuning: every weight trainable;
- both: `value_head.safetensors` (keys value_head.layers.{0,1,2}.{weight,bias}, hidden sizes 12, relu),
  `reference.json` (format "rlref-model-reference", version 1: inputs, outputs, scalars, AdamW losses and norms,
  trainable names, shapes and groups) and `reference.safetensors` (tensors named in reference.json, F64 for the
  "float64" reference and F32 for the "transformers" one: the logits, the gradients of the functional and of the
  PPO loss and the parameters after 10 AdamW steps, each of the last three as one vector over all trainable
  parameters in the order of trainable.names).

References: "float64" = the model with transformers' float32 steps switched to float64 (gen_Model.full_float64,
GoldenData/Model/FLOAT32_PLACES.md); "transformers" = the model as users run it in float64 (eager attention).
Outputs at t = 0..T-2: log_probs = log p(input_ids[t+1] | <= t), entropy of the softmax at t, values = value head on
the final-norm hidden state at t. ppo_loss = Specs/PPOLoss.md with the `paper` preset (clip 0.2, value_coef 0.5,
entropy_coef 0.01, unclipped value loss, token_mean), mask = response_mask, implemented here in torch float64.
AdamW: torch.optim.AdamW, 10 steps on the fixed batch, clip_grad_norm_(all trainables, 0.5) before each step.

Run from the package root:  .venv-golden/bin/python GoldenData/_generators/gen_ModelTransformers.py
"""
from __future__ import annotations

import copy
import contextlib
import json
import math
import os
import shutil
import sys
import tempfile

import torch
import transformers
import peft
from peft import LoraConfig, PeftModel, get_peft_model
import safetensors
from safetensors import safe_open
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_Model as G  # noqa: E402
from golden_io import generator_source, _jsonable  # noqa: E402

PROGRAM = "GoldenData/_generators/gen_ModelTransformers.py"
OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Model", "transformers")
F64 = torch.float64
LORA = dict(r=4, lora_alpha=8, lora_dropout=0.0,
            target_modules=r".*language_model.*\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)")
LORA_SEED = 4242
LORA_B_SEED = 4343
PPO = {"preset": "paper", "clip_epsilon": 0.2, "value_coef": 0.5, "entropy_coef": 0.01, "value_clip": None,
       "aggregation": "token_mean"}
GROUPS = {"policy": {"lr": 5e-3, "weight_decay": 0.01}, "value_head": {"lr": 1e-2, "weight_decay": 0.0}}
BETAS, EPS, CLIP_NORM, STEPS = (0.9, 0.999), 1e-8, 0.5, 10
# prompt lengths (BOS + 4 image tokens + prompt) of the two rows of gen_Model.micro_batch; the rest are response
PROMPT_LEN = [8, 7]


def disk_name(mem: str) -> str:
    """In-memory parameter name of LlavaForConditionalGeneration -> the name save_pretrained writes."""
    if mem == "lm_head.weight":
        return "language_model.lm_head.weight"
    if mem.startswith("model.language_model."):
        return "language_model.model." + mem[len("model.language_model."):]
    assert mem.startswith("model."), mem
    return mem[len("model."):]


def lora_saved_name(mem: str) -> str:
    """PeftModel parameter name -> adapter_model.safetensors key (PEFT drops the adapter name `default`)."""
    return mem.replace(".lora_A.default.", ".lora_A.").replace(".lora_B.default.", ".lora_B.")


def build(kind: str):
    """(model to call, {trainable name: Parameter} policy part, base model for saving)."""
    base = G.build_micro_model()
    if kind == "full":
        for p in base.parameters():
            p.requires_grad_(True)
        return base, {disk_name(n): p for n, p in base.named_parameters()}, base
    torch.manual_seed(LORA_SEED)
    pm = get_peft_model(copy.deepcopy(base), LoraConfig(**LORA))
    g = torch.Generator().manual_seed(LORA_B_SEED)
    with torch.no_grad():
        for n, p in pm.named_parameters():
            if ".lora_B." in n:
                p.copy_(G.q3(torch.randn(p.shape, generator=g, dtype=F64) * G.WEIGHT_SCALE))
    pm.eval()
    trainable = {lora_saved_name(n): p for n, p in pm.named_parameters() if p.requires_grad}
    return pm, trainable, base


def value_head_params():
    return {k: torch.nn.Parameter(v.clone()) for k, v in G.micro_value_head().items()}


def batch():
    ids, mask, pix = G.micro_batch()
    B, T = len(ids), len(ids[0])
    resp = [[1 if (t + 1) >= PROMPT_LEN[b] and mask[b][t + 1] == 1 else 0 for t in range(T - 1)] for b in range(B)]
    return ids, mask, pix, resp


def ppo_loss(o: dict, inp: dict) -> dict:
    """Specs/PPOLoss.md, preset paper, token_mean over m = response_mask (PPOPolicyLoss-1,2,4, ValueLoss-1,3,
    PPOLoss-1,2)."""
    m = inp["response_mask"]
    n = torch.clamp(m.sum(), min=1.0)
    A = inp["advantages"]
    ratio = torch.exp(o["log_probs"] - inp["old_log_probs"])
    eps = PPO["clip_epsilon"]
    per_tok = torch.maximum(-A * ratio, -A * torch.clamp(ratio, 1.0 - eps, 1.0 + eps))
    per_tok = torch.where(A == 0, torch.zeros_like(per_tok), per_tok)
    policy = (per_tok * m).sum() / n
    value = (0.5 * (o["values"] - inp["returns"]) ** 2 * m).sum() / n
    ent = (o["entropy"] * m).sum() / n
    return {"loss": policy + PPO["value_coef"] * value - PPO["entropy_coef"] * ent, "policy_loss": policy,
            "value_loss": value, "entropy": ent}


def forward(model, vh, inp):
    return G.model_outputs(model, inp["input_ids"], inp["attention_mask"], inp["pixel_values"], vh, "relu")


def grads(scalar, params: dict) -> dict:
    names = list(params)
    gs = torch.autograd.grad(scalar, [params[k] for k in names], retain_graph=True, allow_unused=True)
    return {k: (g.detach().clone() if g is not None else torch.zeros_like(params[k])) for k, g in zip(names, gs)}


def flat(per_parameter: dict) -> torch.Tensor:
    """One float64 vector: every tensor flattened row-major, concatenated in the dict's order (the order of
    reference.json's trainable.names, whose trainable.shapes give each one's shape)."""
    return torch.cat([t.detach().reshape(-1) for t in per_parameter.values()]).clone()


def reference(kind: str, ref: str, inp: dict, tensors: dict, record_final: bool) -> dict:
    ctx = G.full_float64() if ref == "float64" else contextlib.nullcontext()
    with ctx:
        model, policy, _ = build(kind)
        vh = value_head_params()
        params = {**policy, **vh}
        o = forward(model, vh, inp)
        functional = sum((inp["cotangents"][k] * o[k]).sum() for k in ("log_probs", "entropy", "values"))
        pl = ppo_loss(o, inp)
        gf = grads(functional, params)
        gp = grads(pl["loss"], params)
        unused = sorted(k for k in params if torch.autograd.grad(pl["loss"], [params[k]], retain_graph=True,
                                                                  allow_unused=True)[0] is None)
        tensors[f"{ref}/functional_grad"] = flat(gf)
        tensors[f"{ref}/ppo_loss_grad"] = flat(gp)
        tensors[f"{ref}/logits"] = o["logits"].detach().clone()
        out = {"logits": f"{ref}/logits", "log_probs": o["log_probs"].detach(),
               "entropy": o["entropy"].detach(), "values": o["values"].detach(),
               "functional": functional.detach(),
               "functional_grad": f"{ref}/functional_grad",
               "ppo_loss": {k: v.detach() for k, v in pl.items()},
               "ppo_loss_grad": f"{ref}/ppo_loss_grad",
               **({"parameters_without_gradient": unused} if ref == "float64" else {})}
        # AdamW, 10 steps, fresh copies of the same initial weights
        model, policy, _ = build(kind)
        vh = value_head_params()
        opt = torch.optim.AdamW([{"params": list(policy.values()), **GROUPS["policy"]},
                                 {"params": list(vh.values()), **GROUPS["value_head"]}], betas=BETAS, eps=EPS)
        everything = list(policy.values()) + list(vh.values())
        losses, norms = [], []
        for _ in range(STEPS):
            opt.zero_grad(set_to_none=True)
            loss = ppo_loss(forward(model, vh, inp), inp)["loss"]
            losses.append(loss.item())
            loss.backward()
            norms.append(float(torch.nn.utils.clip_grad_norm_(everything, CLIP_NORM)))
            opt.step()
        loss_after = float(ppo_loss(forward(model, vh, inp), inp)["loss"])
        out["adamw"] = {"losses": losses, "grad_norms_before_clip": norms, "loss_after_last_step": loss_after}
        if record_final:
            tensors[f"{ref}/adamw_final"] = flat({**policy, **vh})
            out["adamw"]["final_parameters"] = f"{ref}/adamw_final"
    return out


def write_folder(kind: str, name: str, inp: dict, inputs_json: dict):
    folder = os.path.join(OUT, name)
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    model, policy, base = build(kind)
    if kind == "full":
        base.save_pretrained(folder)
        with safe_open(os.path.join(folder, "model.safetensors"), "pt") as f:
            assert set(f.keys()) == set(policy)
    else:
        # the base model is micro-full's (the same weights, built by the same function): PEFT saves an adapter
        # apart from its base model, and one copy of the base weights is enough
        with tempfile.TemporaryDirectory() as tmp:
            model.save_pretrained(tmp)
            for f in ("adapter_config.json", "adapter_model.safetensors"):
                shutil.copy(os.path.join(tmp, f), os.path.join(folder, f))
        with safe_open(os.path.join(folder, "adapter_model.safetensors"), "pt") as f:
            assert set(f.keys()) == set(policy), (sorted(f.keys())[:3], sorted(policy)[:3])
    save_file({k: v.contiguous() for k, v in G.micro_value_head().items()},
              os.path.join(folder, "value_head.safetensors"))

    tensors: dict = {}
    refs = {"float64": reference(kind, "float64", inp, tensors, True),
            "transformers": reference(kind, "transformers", inp, tensors, False)}
    _, policy, _ = build(kind)
    names = list(policy) + list(G.micro_value_head())
    shapes = [list(p.shape) for p in policy.values()] + [list(v.shape) for v in G.micro_value_head().values()]
    dev = 0.0
    for k in ("functional_grad", "ppo_loss_grad"):
        a, b, at = tensors["float64/" + k], tensors["transformers/" + k], 0
        for shape in shapes:  # per array, as the tolerance note below states
            n = math.prod(shape)
            dev = max(dev, float((a[at:at + n] - b[at:at + n]).abs().max()))
            at += n
        assert at == a.numel()
    doc = {
        "format": "rlref-model-reference", "version": 1,
        "description": ("micro LLaVA (CLIP 2 layers, feature layer -2, projector, Llama 2 layers GQA 4:2) with "
                        + ("PEFT LoRA r 4, alpha 8 (scaling 2) on the language model's q/k/v/o/gate/up/down; "
                           "lora_B re-randomised to nonzero after PEFT's init; base weights frozen"
                           if kind == "lora" else "full fine-tuning (every model weight trainable)")
                        + "; relu value head %d-%d-1 on the final-norm hidden states"
                        % (G.VALUE_HEAD_HIDDEN, G.VALUE_HEAD_HIDDEN)),
        "source": {"kind": "generator", "program": PROGRAM,
                   "versions": generator_source(PROGRAM)["versions"],
                   "description": "transformers LlavaForConditionalGeneration + PEFT in float64; two references: "
                                  "'float64' (float32 steps patched, GoldenData/Model/FLOAT32_PLACES.md) and "
                                  "'transformers' (as users run it, eager attention)"},
        "files": {"model": ["config.json", "model.safetensors", "generation_config.json"] if kind == "full" else [],
                  "adapter": ["adapter_config.json", "adapter_model.safetensors"] if kind == "lora" else [],
                  "value_head": "value_head.safetensors", "tensors": "reference.safetensors",
                  **({"base_model": "../micro-full"} if kind == "lora" else {})},
        "value_head": {"function": "relu", "layers": 3, "hidden_sizes": [G.VALUE_HEAD_HIDDEN] * 2},
        "outputs_convention": "log_probs[b,t] = log p(input_ids[b,t+1] | input_ids[b,<=t], image); entropy[b,t] of "
                              "the softmax at t; values[b,t] = value head on the final-norm hidden state at t; "
                              "t = 0..T-2",
        "trainable": {"names": names, "shapes": shapes,
                      "groups": {"value_head": "the names starting with value_head.",
                                 "policy": "every other name"}},
        "optimizer": {"name": "torch.optim.AdamW", "steps": STEPS, "betas": list(BETAS), "eps": EPS,
                      "clip_grad_norm": CLIP_NORM, "groups": GROUPS,
                      "note": "clip_grad_norm_ over all trainables before each step; the loss of each step is "
                              "recorded before that step; parameters whose gradient is None (not reached by the "
                              "loss, see references.float64.parameters_without_gradient) are skipped by AdamW "
                              "entirely (no weight decay either) and excluded from the norm"},
        "ppo_loss": dict(PPO, mask="response_mask",
                         definition="Specs/PPOLoss.md: loss = policy_loss + 0.5 value_loss - 0.01 entropy, "
                                    "token_mean over response_mask"),
        "functional": "sum over log_probs, entropy, values of <cotangents[k], outputs[k]>",
        "tolerance": {"float64": {"atol": 1e-12, "rtol": 1e-10},
                      "transformers": {"atol": 1e-4, "rtol": 1e-5,
                                       "derivation": "GoldenData/Model/FLOAT32_PLACES.md: the float32 steps perturb "
                                                     "every array by <= ~1e-5 of its largest element (measured: "
                                                     "<= 2e-6); gradient arrays reach |g| ~ 40, hence atol 1e-4. "
                                                     "Measured max |float64 - transformers| over all gradients: "
                                                     "%.1e. The 'transformers' tensors of reference.safetensors are "
                                                     "stored in F32 (a change of <= 6e-8 of each value, far inside "
                                                     "rtol 1e-5)" % dev},
                      "note": "the gradient of vision_tower.encoder.layers.0.self_attn.k_proj.bias is exactly 0 "
                              "mathematically (softmax is shift-invariant); the recorded values are rounding noise "
                              "(~1e-16 float64, ~1e-7 transformers) and AdamW normalises that noise, so compare that "
                              "tensor's adamw_final with atol ~1e-9 in Double and skip it in Float"},
        "inputs": inputs_json,
        "references": refs,
        "tensor_keys": "reference.safetensors keys are '<reference>/logits' and '<reference>/<functional_grad|"
                       "ppo_loss_grad|adamw_final>' (F64 for 'float64', F32 for 'transformers'). A string where "
                       "an array is expected names the tensor that holds it. functional_grad, ppo_loss_grad and "
                       "adamw.final_parameters name one vector per reference: the per-parameter tensors flattened "
                       "row-major and concatenated in the order "
                       "of trainable.names, with trainable.shapes giving each one's shape (one tensor per "
                       "parameter would spend a third of the file on header names). Parameter names are the "
                       "on-disk (micro-full) or PEFT-saved (micro-lora) names, value_head.layers.* for the value "
                       "head",
    }
    # the "transformers" reference is stored in F32: it carries float32 rounding of ~1e-5 of each array's scale
    # anyway (FLOAT32_PLACES.md) and is compared at rtol 1e-5, atol 1e-4, while storing it in F32 moves a value by
    # at most 6e-8 of itself; the "float64" reference stays F64
    save_file({k: (v.to(torch.float32) if k.startswith("transformers/") else v).contiguous()
               for k, v in sorted(tensors.items())}, os.path.join(folder, "reference.safetensors"))
    with open(os.path.join(folder, "reference.json"), "w", encoding="utf-8") as f:
        json.dump(_jsonable(doc), f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print(folder, f"max |float64 - transformers| gradient deviation {dev:.2e}")


def main():
    ids, mask, pix, resp = batch()
    B, T = len(ids), len(ids[0])
    g = torch.Generator().manual_seed(555)
    m = torch.tensor(resp, dtype=F64)
    pad = torch.tensor(mask, dtype=F64)[:, 1:]
    # old log-probs / values near the float64 model's, so ratios straddle the clip range
    with G.full_float64(), torch.no_grad():
        model, _, _ = build("full")
        o = forward(model, G.micro_value_head(), {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(mask),
                                                  "pixel_values": pix})
    old_lp = G.q3((o["log_probs"] + 0.25 * torch.randn((B, T - 1), generator=g, dtype=F64)) * m)
    adv = G.q3(torch.randn((B, T - 1), generator=g, dtype=F64) * m)
    ret = G.q3((o["values"] + 0.5 * torch.randn((B, T - 1), generator=g, dtype=F64)) * m)
    old_v = G.q3((o["values"] + 0.1 * torch.randn((B, T - 1), generator=g, dtype=F64)) * m)
    cots = {k: torch.randn((B, T - 1), generator=g, dtype=F64) * pad for k in ("log_probs", "entropy", "values")}
    inp = {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(mask), "pixel_values": pix,
           "response_mask": m, "old_log_probs": old_lp, "advantages": adv, "returns": ret, "old_values": old_v,
           "cotangents": cots}
    inputs_json = {"input_ids": ids, "attention_mask": mask, "pixel_values": pix, "response_mask": resp,
                   "old_log_probs": old_lp, "advantages": adv, "returns": ret, "old_values": old_v,
                   "cotangents": cots}
    write_folder("lora", "micro-lora", inp, inputs_json)
    write_folder("full", "micro-full", inp, inputs_json)


if __name__ == "__main__":
    main()
