"""verl's own functions on the golden cases of the `verl` presets (verl 0.9.1, see requirements).

`apply_kl_penalty` lives in `verl/trainer/ppo/ray_trainer.py`, whose imports need Ray's full stack: the
driver reads that file's source and runs the function's own definition (see inline.py) with a stand-in for
`DataProto` (a dict of tensors with a batch size)."""
from __future__ import annotations

import sys
from types import SimpleNamespace

import numpy as np
import torch

import frameworks
import inline
from driving import adaptive_controller, with_gradient, Driver, Skip, drive, mask_of, per_token, require_only, scalar_gradient, t, token_level_gae_inputs

frameworks.install()
from verl.trainer.ppo import core_algos  # noqa: E402
from verl.utils import torch_functional as verl_F  # noqa: E402

AGG = {"token_mean": "token-mean", "seq_mean_token_mean": "seq-mean-token-mean",
       "seq_mean_token_sum": "seq-mean-token-sum", "constant_normalizer": "seq-mean-token-sum-norm"}


class ActorConfig(dict):
    """The attributes `compute_policy_loss_vanilla` reads from verl's ActorConfig."""
    __getattr__ = dict.__getitem__


def gae(inputs, cot):
    rewards, values, mask, gamma, lam = token_level_gae_inputs(inputs, "verl")
    adv, ret = core_algos.compute_gae_advantage_return(rewards, values, mask, gamma, lam)
    # verl keeps carried values at masked positions; the Spec outputs 0 there (documented difference)
    return {"whitened_advantages": adv * mask, "returns": ret * mask}, None


def whiten(inputs, cot):
    require_only(inputs, {"preset", "form", "x", "mask"}, "masked_whiten has no such option")
    x = t(inputs["x"])
    mask = mask_of(inputs, x.shape)
    # masked_whiten leaves values at masked entries; the Spec outputs 0 there
    return {"whitened": verl_F.masked_whiten(x, mask) * mask}, None


VERL_KEYS = {"clip_ratio": "clip_epsilon", "clip_ratio_low": "clip_epsilon_low", "clip_ratio_high": "clip_epsilon_high",
             "loss_scale_factor": "normalizer"}


def policy_loss(inputs, cot, kl=False):
    # verl's own spellings are passed through as written
    inputs = dict(inputs)
    if "loss_agg_mode" in inputs:
        inputs["aggregation"] = {v: k for k, v in AGG.items()}[inputs.pop("loss_agg_mode")]
    if inputs.pop("clip_ratio_c", 3.0) != 3.0:
        raise Skip("clip_ratio_c other than 3.0: driven with verl's default only")
    for verl_key, key in VERL_KEYS.items():
        if verl_key in inputs:
            inputs[key] = inputs.pop(verl_key)
    allowed = {"preset", "form", "log_probs", "old_log_probs", "advantages", "mask", "clip_epsilon", "clip_epsilon_low",
               "clip_epsilon_high", "aggregation", "normalizer", "empty_rows", "row_count_epsilon",
               "zero_masked_outputs"}   # zero_masked_outputs shapes per-token outputs only; the loss is compared
    if kl:
        allowed |= {"ref_log_probs", "kl_coef", "kl_estimator"}
    require_only(inputs, allowed, "compute_policy_loss_vanilla always applies dual clip 3 and clamp 20")
    if inputs.get("empty_rows", "exclude") != "exclude" or inputs.get("row_count_epsilon", 1e-8) != 1e-8:
        raise Skip("agg_loss has only its own denominators (empty rows excluded, counts + 1e-8)")
    lp = t(inputs["log_probs"], grad=True)
    old = t(inputs["old_log_probs"]) if "old_log_probs" in inputs else lp.detach()
    mask = mask_of(inputs, lp.shape)
    adv = per_token(t(inputs["advantages"]), lp.shape)
    eps = inputs.get("clip_epsilon", 0.2)
    mode = AGG[inputs.get("aggregation", "token_mean")]
    info = {"loss_scale_factor": inputs["normalizer"]} if mode == "seq-mean-token-sum-norm" else {}
    config = ActorConfig(clip_ratio=eps, clip_ratio_low=inputs.get("clip_epsilon_low", eps),
                         clip_ratio_high=inputs.get("clip_epsilon_high", eps), clip_ratio_c=3.0, global_batch_info=info)
    loss, _ = core_algos.compute_policy_loss_vanilla(old, lp, adv, mask, loss_agg_mode=mode, config=config)
    if kl and inputs.get("kl_coef", 0) > 0:
        name = {"k1": "k1", "k2": "k2", "k3": "low_var_kl", "k1_plus": "k1+", "k3_plus": "k3+"}[inputs.get("kl_estimator", "k3")]
        kld = core_algos.kl_penalty(lp, t(inputs["ref_log_probs"]), name)
        loss = loss + inputs["kl_coef"] * core_algos.agg_loss(kld, mask, mode, **info)
    return {"loss": loss}, {"log_probs": scalar_gradient(loss, lp, cot)}


KL_NAMES = {"k1": "k1", "k2": "k2", "k3": "low_var_kl", "k1_plus": "k1+", "k3_plus": "k3+"}


def kl(inputs, cot):
    require_only(inputs, {"preset", "form", "log_probs", "ref_log_probs", "mask", "estimator", "kl_coef",
                          "aggregation"}, "kl_penalty has its own clamps (k3 only)")
    lp = t(inputs["log_probs"], grad=True)
    mask = mask_of(inputs, lp.shape)
    per_token = core_algos.kl_penalty(lp, t(inputs["ref_log_probs"]), KL_NAMES[inputs.get("estimator", "k3")]) * mask
    outputs = {"kl": per_token}
    if inputs.get("form", "per_token") == "loss":
        mode = AGG[inputs.get("aggregation", "token_mean")]
        outputs["loss"] = inputs.get("kl_coef", 0.001) * core_algos.agg_loss(per_token, mask, mode)
    return with_gradient(outputs, cot, lp, "log_probs")


def value_loss(inputs, cot):
    require_only(inputs, {"preset", "values", "old_values", "returns", "mask", "value_clip", "aggregation",
                          "zero_masked_outputs"}, "compute_value_loss has no such option")
    if "value_clip" in inputs and inputs["value_clip"] is None:
        raise Skip("compute_value_loss always clips")
    v = t(inputs["values"], grad=True)
    mask = mask_of(inputs, v.shape)
    # the per-token loss is internal to compute_value_loss: only the aggregated loss is compared
    loss, _ = core_algos.compute_value_loss(v, t(inputs["returns"]), t(inputs["old_values"]), mask,
                                            inputs.get("value_clip", 0.5),
                                            loss_agg_mode=AGG[inputs.get("aggregation", "token_mean")])
    return {"loss": loss}, {"values": scalar_gradient(loss, v, cot)}


def ppo_loss(inputs, cot):
    # actor and critic are separate workers with their own optimizers: policy loss (entropy_coeff 0) and
    # value loss are summed with value_coef 1, which gives each its own gradient
    require_only(inputs, {"preset", "log_probs", "old_log_probs", "advantages", "values", "old_values", "returns",
                          "entropy", "mask"}, "verl's losses have no such option")
    lp = t(inputs["log_probs"], grad=True)
    v = t(inputs["values"], grad=True)
    mask = mask_of(inputs, lp.shape)
    config = ActorConfig(clip_ratio=0.2, clip_ratio_low=0.2, clip_ratio_high=0.2, clip_ratio_c=3.0, global_batch_info={})
    pg, _ = core_algos.compute_policy_loss_vanilla(t(inputs["old_log_probs"]), lp, t(inputs["advantages"]), mask,
                                                   loss_agg_mode="token-mean", config=config)
    vf, _ = core_algos.compute_value_loss(v, t(inputs["returns"]), t(inputs["old_values"]), mask, 0.5)
    loss = pg + vf
    grads = None
    if cot and set(cot) == {"loss"}:
        g_lp, g_v = torch.autograd.grad(loss * float(cot["loss"]), (lp, v))
        grads = {"log_probs": g_lp, "values": g_v, "entropy": torch.zeros_like(lp)}
    return {"loss": loss, "policy_loss": pg, "value_loss": vf}, grads


class _Batch(dict):
    """The part of `DataProto.batch` that apply_kl_penalty reads: tensors by key and `batch_size`."""

    @property
    def batch_size(self):
        return self["response_mask"].shape[:1]


_APPLY_KL = {}


def apply_kl_penalty():
    if not _APPLY_KL:
        source = inline.module_file_source("verl.trainer.ppo.ray_trainer")
        _APPLY_KL.update(inline.run(source, r"^def apply_kl_penalty\(", r"^    return data, metrics",
                                    {"DataProto": object, "core_algos": core_algos, "masked_mean": verl_F.masked_mean,
                                     "torch": torch}, "verl/trainer/ppo/ray_trainer.py"))
    return _APPLY_KL["apply_kl_penalty"]


def kl_reward(inputs, cot):
    require_only(inputs, {"preset", "form", "log_probs", "ref_log_probs", "mask", "scores", "estimator", "kl_coef"},
                 "apply_kl_penalty has no such option")
    mask = t(inputs["mask"])
    scores = torch.zeros_like(mask)
    for b, score in enumerate(inputs["scores"]):   # verl's reward managers put the score on the last valid token
        valid = torch.nonzero(mask[b]).flatten()
        if len(valid):
            scores[b, valid[-1]] = score
    data = SimpleNamespace(batch=_Batch(response_mask=mask, token_level_scores=scores,
                                        old_log_probs=t(inputs["log_probs"]), ref_log_prob=t(inputs["ref_log_probs"])))
    apply_kl_penalty()(data, core_algos.FixedKLController(inputs.get("kl_coef", 0.001)),
                       KL_NAMES[inputs.get("estimator", "k3")])
    kld = core_algos.kl_penalty(t(inputs["log_probs"]), t(inputs["ref_log_probs"]), KL_NAMES[inputs.get("estimator", "k3")])
    return {"rewards": data.batch["token_level_rewards"], "kl": kld * mask}, None


def vlrm_normalized(inputs, cot):
    # only VLRMA2C's advantage normalisation is verl's: masked_whiten of A = R - V over the real tokens
    require_only(inputs, {"preset", "logits", "log_probs", "tokens", "values", "returns", "mask"},
                 "masked_whiten has no such option")
    values, mask = t(inputs["values"]), t(inputs["mask"])
    if mask.sum() <= 1:
        raise Skip("one real token: verl's masked_var(unbiased=True) raises for n <= 1; the Spec gives M = 0")
    advantages = (t(inputs["returns"]) - values) * mask
    return {"advantages_normalized": verl_F.masked_whiten(advantages, mask) * mask}, None


def grpo_advantages(inputs, cot):
    require_only(inputs, {"preset", "form", "scores", "group_size", "group_ids"},
                 "compute_grpo_outcome_advantage has no such option")
    scores = t(inputs["scores"])
    n = len(scores)
    if "group_ids" in inputs:
        index = np.array(inputs["group_ids"])
    else:
        size = inputs.get("group_size", n)
        index = np.arange(n) // size
    adv, _ = core_algos.compute_grpo_outcome_advantage(scores.unsqueeze(1), torch.ones(n, 1, dtype=torch.float64),
                                                       index, epsilon=1e-6, norm_adv_by_std_in_grpo=True)
    return {"advantages": adv[:, 0]}, None


_SCALE = {}


def scale_by_temperature():
    """`_scale_logits_by_temperature` of verl's FSDP engine, defined from its source (the module needs the
    engine's training stack to import)."""
    if not _SCALE:
        source = inline.module_file_source("verl.workers.engine.fsdp.transformer_impl")
        _SCALE.update(inline.run(source, r"^def _scale_logits_by_temperature\(", r"return logits / temperature",
                                 {"torch": torch}, "verl/workers/engine/fsdp/transformer_impl.py"))
    return _SCALE["_scale_logits_by_temperature"]


def token_log_probs(inputs, cot):
    require_only(inputs, {"preset", "form", "logits", "tokens", "temperature", "mask"}, "verl's engine has no such option")
    if isinstance(inputs.get("temperature", 1.0), list):
        raise Skip("a temperature per row: driven with one temperature")
    if "mask" in inputs:
        raise Skip("a mask: verl's engine evaluates every position (the losses mask afterwards)")
    leaf = t(inputs["logits"], grad=True)
    tokens = torch.tensor(inputs["tokens"], dtype=torch.long)
    temperature = inputs.get("temperature", 1.0)
    z = scale_by_temperature()(leaf, torch.tensor(temperature, dtype=torch.float64),
                               is_unit_temperature=temperature == 1.0)
    log_probs = verl_F.logprobs_from_logits(z, tokens)
    entropy = verl_F.entropy_from_logits(z)
    outputs = {"log_probs": log_probs, "entropy": entropy}
    return with_gradient(outputs, cot, leaf, "logits")


def controller(inputs, cot):
    # the controller form's cases name no preset: the framework's controller is the same formula for all of them
    return adaptive_controller(core_algos.AdaptiveKLController, inputs)


DRIVERS = [
    Driver("GAE", ("verl",), gae, "verl.trainer.ppo.core_algos.compute_gae_advantage_return", forms=("gae",)),
    Driver("GAE", ("verl",), whiten, "verl.utils.torch_functional.masked_whiten", forms=("whiten",)),
    Driver("PPOPolicyLoss", ("verl",), policy_loss, "verl.trainer.ppo.core_algos.compute_policy_loss_vanilla (+ agg_loss)"),
    Driver("GRPO", ("verl",), lambda i, c: policy_loss(i, c, kl=True),
           "compute_policy_loss_vanilla + kl_penalty + agg_loss", forms=("clipped",)),
    Driver("GRPO", ("verl",), grpo_advantages, "compute_grpo_outcome_advantage", forms=("advantages",)),
    Driver("KLPenalty", ("verl",), kl, "verl.trainer.ppo.core_algos.kl_penalty (+ agg_loss)", forms=("per_token", "loss")),
    Driver("KLPenalty", ("verl",), kl_reward, "apply_kl_penalty (verl/trainer/ppo/ray_trainer.py) + kl_penalty",
           forms=("reward",)),
    Driver("ValueLoss", ("verl",), value_loss, "verl.trainer.ppo.core_algos.compute_value_loss"),
    Driver("PPOLoss", ("verl",), ppo_loss, "compute_policy_loss_vanilla + compute_value_loss"),
    Driver("VLRMA2C", ("verl",), vlrm_normalized, "verl.utils.torch_functional.masked_whiten"),
    Driver("TokenLogProbs", ("verl",), token_log_probs, "_scale_logits_by_temperature (fsdp engine) + "
           "verl.utils.torch_functional.logprobs_from_logits / entropy_from_logits", forms=("log_probs",)),
    Driver("KLPenalty", (None,), controller, "verl.trainer.ppo.core_algos.AdaptiveKLController", forms=("controller",)),
]

if __name__ == "__main__":
    drive("verl", frameworks.version("verl"), DRIVERS, sys.argv[1])
