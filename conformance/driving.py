"""Shared plumbing of the framework drivers: case selection, tensors, results files.

A driver is `function(inputs, cotangents) -> (outputs, gradients)`; it raises `goldenrun.Skip(reason)`
for a case whose conventions the framework function cannot express (the reason is listed in
CONFORMANCE.md). It only converts data (shapes, masks, where a score goes) and calls the framework's
own function; every number it returns comes from that function (and PyTorch autograd through it).
"""
from __future__ import annotations

import glob
import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import goldenrun  # noqa: E402
from goldenrun import Skip  # noqa: E402,F401

GOLDEN = os.path.join(os.path.dirname(HERE), "GoldenData")
DEFAULT_FORM = {"GAE": "gae", "GRPO": "advantages", "KLPenalty": "per_token", "TokenLogProbs": "log_probs"}   # each Spec's form when a case has no "form" key


@dataclass
class Driver:
    spec: str                                  # Spec name (GoldenData/<spec>/)
    presets: tuple[str | None, ...]            # the case's "preset" must be one of these (None: a case without one)
    function: Callable[[dict, dict | None], tuple[dict, dict | None]]
    what: str                                  # the framework function called, for the report
    forms: tuple[str, ...] | None = None       # the case's "form" must be one of these (None: any)


@dataclass
class Outcome:
    framework: str
    version: str
    driven: dict[str, list[str]] = field(default_factory=dict)      # results file -> case ids
    files: dict[str, str] = field(default_factory=dict)             # results file -> framework function
    skipped: dict[str, str] = field(default_factory=dict)           # "<file>#<case>" -> reason


def t(x: Any, grad: bool = False) -> torch.Tensor:
    v = torch.tensor(goldenrun.decode(x), dtype=torch.float64)
    return v.requires_grad_(True) if grad else v


def mask_of(inputs: dict, shape) -> torch.Tensor:
    return t(inputs["mask"]) if "mask" in inputs else torch.ones(shape, dtype=torch.float64)


def per_token(advantages: torch.Tensor, shape) -> torch.Tensor:
    """[B] advantages broadcast over T (every framework's convention), [B,T] as given."""
    return advantages.unsqueeze(1).expand(shape).clone() if advantages.dim() == 1 else advantages


def require_only(inputs: dict, allowed: set[str], why: str) -> None:
    extra = sorted(set(inputs) - allowed)
    if extra:
        raise Skip(f"sets {', '.join(extra)}: {why}")


def token_level_gae_inputs(inputs: dict, framework: str):
    """(rewards, values, mask, gamma, lambda) for a token-level GAE function with no truncation input: the
    score goes on the last valid token (verl's reward manager, OpenRLHF's `compute_reward`), truncation
    flags need nothing (the frameworks bootstrap 0), and framework defaults γ = λ = 1."""
    require_only(inputs, {"preset", "rewards", "values", "mask", "sequence_rewards", "truncated", "truncation_values",
                          "last_values", "gamma", "lambda"}, "no such option in the framework's GAE")
    if any(v != 0 for v in inputs.get("last_values", [])):
        raise Skip(f"nonzero last_values: {framework} always bootstraps 0 after the last token")
    values = t(inputs["values"])
    mask = mask_of(inputs, values.shape)
    rewards = t(inputs["rewards"]) if "rewards" in inputs else torch.zeros_like(values)
    for b, score in enumerate(inputs.get("sequence_rewards", [])):
        valid = torch.nonzero(mask[b]).flatten()
        if len(valid):
            rewards[b, valid[-1]] += score
    return rewards, values, mask, inputs.get("gamma", 1.0), inputs.get("lambda", 1.0)


def scalar_gradient(loss: torch.Tensor, wrt: torch.Tensor, cotangents: dict | None, name: str = "loss"):
    """d(c * loss)/d wrt for the case's scalar cotangent c on `name`, or None without cotangents."""
    if not cotangents or set(cotangents) != {name}:
        return None   # no cotangents, or also on outputs the framework function does not return
    (g,) = torch.autograd.grad(loss * float(cotangents[name]), wrt, allow_unused=True)
    return torch.zeros_like(wrt) if g is None else g


def with_gradient(outputs: dict, cotangents: dict | None, leaf: torch.Tensor, name: str):
    """(outputs, {name: d(sum_k c_k * output_k)/d leaf}) for the case's cotangents c, or (outputs, None) without."""
    if not cotangents:
        return outputs, None
    total = sum((outputs[k] * t(c)).sum() for k, c in cotangents.items())
    (g,) = torch.autograd.grad(total, leaf)
    return outputs, {name: g}


def adaptive_controller(controller_class, inputs: dict):
    """A framework's AdaptiveKLController (constructor (kl_coef, target, horizon), update(current_kl, n_steps),
    error clipped at ±0.2) on a controller-form case: the new coefficient."""
    require_only(inputs, {"form", "kl_coef", "target", "horizon", "n_steps", "current_kl", "error_clip"},
                 "AdaptiveKLController has no such option")
    if inputs.get("error_clip", 0.2) != 0.2:
        raise Skip("error_clip other than 0.2: AdaptiveKLController clips the error at ±0.2")
    ctl = controller_class(inputs["kl_coef"], inputs["target"], inputs["horizon"])
    ctl.update(inputs["current_kl"], inputs["n_steps"])
    return {"new_kl_coef": float(ctl.value)}, None


def drive(framework: str, version: str, drivers: list[Driver], out_dir: str) -> Outcome:
    """Runs every driver on the matching cases of every golden file; writes <out_dir>/<spec>/<file>.json."""
    outcome = Outcome(framework, version)
    for d in drivers:
        for path in sorted(glob.glob(os.path.join(GOLDEN, d.spec, "*.json"))):
            golden = goldenrun.load(path)
            results: dict[str, Any] = {}
            for case in golden["cases"]:
                inputs = case["inputs"]
                if inputs.get("preset") not in d.presets:
                    continue
                if d.forms is not None and inputs.get("form", DEFAULT_FORM.get(d.spec)) not in d.forms:
                    continue
                key = f"{d.spec}/{os.path.basename(path)}#{case['id']}"
                if "error" in case.get("flags", []):
                    outcome.skipped[key] = "error case: the frameworks raise their own exceptions (or none)"
                    continue
                cot = goldenrun.decode(case["gradients"]["cotangents"]) if "gradients" in case else None
                try:
                    outputs, gradients = d.function(goldenrun.decode(inputs), cot)
                except Skip as s:
                    outcome.skipped[key] = str(s)
                    continue
                entry = {"outputs": goldenrun.encode(outputs)}
                gradients = {k: v for k, v in (gradients or {}).items() if v is not None}
                if gradients:
                    entry["gradients"] = goldenrun.encode(gradients)
                results[case["id"]] = entry
            if results:
                rel = os.path.join(d.spec, os.path.basename(path))
                os.makedirs(os.path.join(out_dir, d.spec), exist_ok=True)
                with open(os.path.join(out_dir, rel), "w", encoding="utf-8") as f:
                    json.dump(results, f, indent=1)
                outcome.driven.setdefault(rel, []).extend(results)
                outcome.files[rel] = d.what
    with open(os.path.join(out_dir, "outcome.json"), "w", encoding="utf-8") as f:
        json.dump({"framework": framework, "version": version, "driven": outcome.driven,
                   "skipped": outcome.skipped,
                   "files": outcome.files}, f, indent=1)
    return outcome
