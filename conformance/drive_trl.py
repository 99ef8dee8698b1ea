"""TRL's own GRPO loss and advantages on the golden cases of the `trl` and `trl-1.9.0` GRPO presets (TRL 1.16.0).

The group advantages are statements inside `GRPOTrainer._generate_and_score_completions` (after the reward
functions ran): the driver runs those statements, read from the installed source at run time (see inline.py),
with the case's scores as the output of a single reward function of weight 1.

TRL computes the GRPO loss inside the method `GRPOTrainer._compute_loss(model, inputs)`, which first runs
the model to get per-token log-probs. The driver calls that method, unmodified, on a stand-in trainer
object: its `_get_per_token_logps_and_entropies` returns the case's `log_probs` (a leaf tensor, so PyTorch
autograd gives the gradient through TRL's own loss code), and it carries the configuration attributes the
method reads (`beta`, `epsilon_low`/`epsilon_high`, `loss_type`, `args.use_bias_correction_kl`, ...), with a
single-process accelerator and evaluation mode (no gradient-accumulation scaling).
"""
from __future__ import annotations

import sys
from collections import defaultdict
from types import SimpleNamespace

import torch

import frameworks
import inline
from driving import Driver, Skip, drive, mask_of, require_only, scalar_gradient, t

from trl.trainer.grpo_trainer import GRPOTrainer  # noqa: E402
from trl.trainer.utils import nanstd  # noqa: E402

LOSS_TYPE = {"token_mean": "dapo", "seq_mean_token_mean": "grpo", "constant_normalizer": "dr_grpo",
             "seq_mean_token_sum": "luspo"}   # the Spec's aggregation -> TRL's loss_type


class _Accelerator:
    num_processes = 1

    def gather(self, x):
        return x

    gather_for_metrics = gather

    def reduce(self, x, reduction="sum"):
        return x


def grpo_loss(inputs, cot):
    # TRL's own spellings (loss_type, beta, epsilon_high, max_completion_length) are passed through as written
    inputs = dict(inputs)
    if "loss_type" in inputs:
        inputs["aggregation"] = {v: k for k, v in LOSS_TYPE.items()}.get(inputs.pop("loss_type"), "unknown")
    for trl_key, key in (("beta", "kl_coef"), ("epsilon_high", "clip_epsilon_high"), ("max_completion_length", "normalizer")):
        if trl_key in inputs:
            inputs[key] = inputs.pop(trl_key)
    require_only(inputs, {"preset", "form", "log_probs", "old_log_probs", "advantages", "mask", "ref_log_probs",
                          "kl_coef", "kl_bias_correction", "clip_epsilon", "clip_epsilon_low", "clip_epsilon_high",
                          "aggregation", "normalizer"}, "GRPOTrainer has no such option")
    if inputs.get("aggregation", "token_mean") not in LOSS_TYPE:
        raise Skip("loss_type not one of TRL's clipped-objective losses")
    if inputs.get("kl_estimator", "k3") != "k3":
        raise Skip("TRL's GRPO KL term is k3 only")
    lp = t(inputs["log_probs"], grad=True)
    mask = mask_of(inputs, lp.shape)
    mode = inputs.get("aggregation", "token_mean")
    eps = inputs.get("clip_epsilon", 0.2)
    bias_correction = inputs.get("kl_bias_correction", inputs["preset"] == "trl")
    trainer = SimpleNamespace(
        _get_per_token_logps_and_entropies=lambda *a, **k: (lp, torch.zeros_like(lp), None),
        top_entropy_quantile=1.0, aux_loss_enabled=False, off_policy_mask_threshold=None,
        importance_sampling_level="token", beta=float(inputs.get("kl_coef", 0.0)), loss_type=LOSS_TYPE[mode],
        epsilon_low=inputs.get("clip_epsilon_low", eps), epsilon_high=inputs.get("clip_epsilon_high", eps),
        max_completion_length=inputs.get("normalizer"), use_vllm=False, vllm_importance_sampling_correction=False,
        model=SimpleNamespace(training=False), current_gradient_accumulation_steps=1, _entropy_bonus_enabled=False,
        _metrics={"train": defaultdict(list), "eval": defaultdict(list)}, accelerator=_Accelerator(),
        args=SimpleNamespace(use_bias_correction_kl=bias_correction, delta=None, steps_per_generation=1))
    batch = {"prompt_ids": torch.zeros(lp.shape[0], 1, dtype=torch.long),
             "prompt_mask": torch.ones(lp.shape[0], 1, dtype=torch.long),
             "completion_ids": torch.zeros(lp.shape, dtype=torch.long), "completion_mask": mask,
             "advantages": t(inputs["advantages"]), "num_items_in_batch": mask.sum()}
    if "old_log_probs" in inputs:
        batch["old_per_token_logps"] = t(inputs["old_log_probs"])
    if "ref_log_probs" in inputs:
        batch["ref_per_token_logps"] = t(inputs["ref_log_probs"])
    loss = GRPOTrainer._compute_loss(trainer, None, batch)
    return {"loss": loss}, {"log_probs": scalar_gradient(loss, lp, cot)}


def grpo_advantages(inputs, cot):
    inputs = dict(inputs)
    if "scale_rewards" in inputs:   # TRL's own spelling, as written
        inputs["scale"] = inputs.pop("scale_rewards")
    require_only(inputs, {"preset", "form", "scores", "group_size", "scale"}, "GRPOTrainer has no such option")
    scores = t(inputs["scores"])
    self = SimpleNamespace(multi_objective_aggregation="sum_then_normalize", reward_weights=torch.ones(1, dtype=torch.float64),
                           reward_funcs=[None], scale_rewards=inputs.get("scale", "group"))
    ns = inline.run(inline.source_of(GRPOTrainer._generate_and_score_completions),
                    r"^\s*unscorable_mask = torch\.isnan\(rewards_per_func\)\.all\(dim=1\)",
                    r"^\s*advantages = torch\.nan_to_num\(advantages, nan=0\.0\)",
                    {"torch": torch, "nanstd": nanstd, "self": self, "device": "cpu", "rewards_per_func": scores.unsqueeze(1),
                     "num_generations": inputs.get("group_size", len(scores))}, "GRPOTrainer._generate_and_score_completions")
    return {"advantages": ns["advantages"]}, None


DRIVERS = [
    Driver("GRPO", ("trl", "trl-1.9.0"), grpo_loss, "trl.trainer.grpo_trainer.GRPOTrainer._compute_loss",
           forms=("clipped",)),
    Driver("GRPO", ("trl",), grpo_advantages, "advantage statements of GRPOTrainer._generate_and_score_completions",
           forms=("advantages",)),
]

if __name__ == "__main__":
    drive("TRL", frameworks.version("trl"), DRIVERS, sys.argv[1])
