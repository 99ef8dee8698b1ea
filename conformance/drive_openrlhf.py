"""OpenRLHF's own functions on the golden cases of the `openRLHF` presets (OpenRLHF 0.11.2)."""
from __future__ import annotations

import sys

import torch

import frameworks
from driving import Driver, Skip, drive, mask_of, per_token, require_only, scalar_gradient, t, token_level_gae_inputs

frameworks.install()
from openrlhf.models.loss import PolicyLoss, ValueLoss  # noqa: E402
from openrlhf.models.utils import compute_approx_kl  # noqa: E402
from openrlhf.trainer.ppo_utils.experience_maker import RemoteExperienceMaker  # noqa: E402


def gae(inputs, cot):
    rewards, values, mask, gamma, lam = token_level_gae_inputs(inputs, "OpenRLHF")
    # a method that reads nothing from its instance: called unbound
    adv, ret = RemoteExperienceMaker.get_advantages_and_returns(None, values, rewards, mask, gamma, lam)
    # the global whitening of compute_advantages_and_returns is inline code, not a function: not compared.
    # OpenRLHF's zero-filled recursion leaves values at masked positions; the Spec outputs 0 there.
    return {"advantages": adv * mask, "returns": ret * mask}, None


def policy_loss(inputs, cot):
    require_only(inputs, {"preset", "form", "log_probs", "old_log_probs", "advantages", "mask", "clip_epsilon",
                          "clip_epsilon_low", "clip_epsilon_high", "dual_clip", "aggregation", "empty_rows",
                          "row_count_epsilon"}, "PolicyLoss always clamps the log-ratio at 20")
    mode = inputs.get("aggregation", "token_mean")
    if mode not in ("token_mean", "seq_mean_token_mean"):
        raise Skip(f"aggregation {mode}: aggregate_loss offers token-level and per-sample means only")
    if inputs.get("empty_rows", "exclude") != "exclude" or inputs.get("row_count_epsilon", 1e-8) != 1e-8:
        raise Skip("aggregate_loss has only its own denominators (empty rows excluded, counts + 1e-8)")
    lp = t(inputs["log_probs"], grad=True)
    old = t(inputs["old_log_probs"])
    mask = mask_of(inputs, lp.shape)
    adv = per_token(t(inputs["advantages"]), lp.shape)
    eps = inputs.get("clip_epsilon", 0.2)
    fn = PolicyLoss(clip_eps_low=inputs.get("clip_epsilon_low", eps), clip_eps_high=inputs.get("clip_epsilon_high", eps),
                    dual_clip=inputs.get("dual_clip"), token_level_loss=mode == "token_mean")
    loss, clip_ratio, ppo_kl, _, _ = fn(lp, old, adv, action_mask=mask)
    return ({"loss": loss, "clip_fraction_active": clip_ratio, "approx_kl_k1": ppo_kl},
            {"log_probs": scalar_gradient(loss, lp, cot)})


def kl(inputs, cot):
    require_only(inputs, {"preset", "form", "log_probs", "ref_log_probs", "mask", "estimator"},
                 "compute_approx_kl has no such option")
    estimator = inputs.get("estimator", "k1")
    if estimator not in ("k1", "k2", "k3"):
        raise Skip(f"estimator {estimator}: compute_approx_kl offers k1, k2, k3")
    lp = t(inputs["log_probs"], grad=True)
    mask = mask_of(inputs, lp.shape)
    per_token = compute_approx_kl(lp, t(inputs["ref_log_probs"]), kl_estimator=estimator) * mask
    if not cot or "kl" not in cot:
        return {"kl": per_token}, None
    (g,) = torch.autograd.grad((per_token * t(cot["kl"])).sum(), lp)
    return {"kl": per_token}, {"log_probs": g}


def value_loss(inputs, cot):
    require_only(inputs, {"preset", "values", "old_values", "returns", "mask", "value_clip"},
                 "ValueLoss has no such option")
    v = t(inputs["values"], grad=True)
    mask = mask_of(inputs, v.shape)
    loss = ValueLoss(clip_eps=inputs.get("value_clip", 0.5))(v, t(inputs["old_values"]), t(inputs["returns"]), mask)
    return {"loss": loss}, {"values": scalar_gradient(loss, v, cot)}


DRIVERS = [
    Driver("GAE", ("openRLHF",), gae, "openrlhf.trainer.ppo_utils.experience_maker.RemoteExperienceMaker.get_advantages_and_returns",
           forms=("gae",)),
    Driver("PPOPolicyLoss", ("openRLHF",), policy_loss, "openrlhf.models.loss.PolicyLoss (+ aggregate_loss)"),
    Driver("KLPenalty", ("openRLHF",), kl, "openrlhf.models.utils.compute_approx_kl", forms=("per_token",)),
    Driver("ValueLoss", ("openRLHF",), value_loss, "openrlhf.models.loss.ValueLoss"),
]

if __name__ == "__main__":
    drive("OpenRLHF", frameworks.version("openrlhf"), DRIVERS, sys.argv[1])
