"""OpenRLHF's own functions on the golden cases of the `openRLHF` presets (OpenRLHF 0.11.2).

Two conventions are inline statements of `RemoteExperienceMaker.compute_advantages_and_returns`, not functions:
the `group_norm` (GRPO) advantage and the advantage whitening "across all experiences". For those the driver
runs OpenRLHF's own statements, read from the installed source at run time (see inline.py)."""
from __future__ import annotations

import sys
from types import SimpleNamespace

import torch

import frameworks
import inline
from driving import adaptive_controller, with_gradient, Driver, Skip, drive, mask_of, per_token, require_only, scalar_gradient, t, token_level_gae_inputs

frameworks.install()
from openrlhf.models.loss import PolicyLoss, ValueLoss, aggregate_loss  # noqa: E402
from openrlhf.models.actor import Actor  # noqa: E402
from openrlhf.models.utils import compute_approx_kl, compute_entropy, compute_reward, log_probs_from_logits  # noqa: E402
from openrlhf.trainer.ppo_utils import kl_controller  # noqa: E402
from openrlhf.trainer.ppo_utils.experience_maker import RemoteExperienceMaker  # noqa: E402


ADVANTAGES_SOURCE = inline.source_of(RemoteExperienceMaker.compute_advantages_and_returns)
WHERE = "RemoteExperienceMaker.compute_advantages_and_returns"


def whitened(advantages, mask):
    """OpenRLHF's "Normalize advantages across all experiences" statements on one experience: (A', mean, var)."""
    experience = SimpleNamespace(advantages=advantages, action_mask=mask)
    args = SimpleNamespace(algo=SimpleNamespace(advantage=SimpleNamespace(estimator="gae", no_std_norm=False)))
    ns = inline.run(ADVANTAGES_SOURCE, r"if args\.algo\.advantage\.estimator in \[\"gae\"", r"exp\.advantages = \(exp\.advantages - mean\) \* rstd",
                    {"torch": torch, "args": args, "experiences": [experience]}, WHERE)
    return experience.advantages, ns["mean"], ns["var"]


def gae(inputs, cot):
    rewards, values, mask, gamma, lam = token_level_gae_inputs(inputs, "OpenRLHF")
    # a method that reads nothing from its instance: called unbound
    adv, ret = RemoteExperienceMaker.get_advantages_and_returns(None, values, rewards, mask, gamma, lam)
    # OpenRLHF's zero-filled recursion leaves values at masked positions; the Spec outputs 0 there.
    outputs = {"advantages": adv * mask, "returns": ret * mask}
    if inputs.get("whiten", True):
        outputs["whitened_advantages"] = whitened(adv, mask)[0] * mask
    return outputs, None


def whiten(inputs, cot):
    require_only(inputs, {"preset", "form", "x", "mask"}, "OpenRLHF's whitening has no such option")
    x = t(inputs["x"])
    mask = mask_of(inputs, x.shape)
    w, mean, var = whitened(x, mask)
    return {"whitened": w * mask, "mean": mean, "variance": var}, None


def grpo_advantages(inputs, cot):
    require_only(inputs, {"preset", "form", "scores", "group_size"}, "the group_norm statement has no such option")
    scores = t(inputs["scores"])
    size = inputs.get("group_size", len(scores))
    # rewards reshaped to [prompts, n_samples_per_prompt] as in compute_advantages_and_returns
    group_norm = r"rewards = \(rewards - rewards\.mean\(-1, keepdim=True\)\) / \(rewards\.std"
    ns = inline.run(ADVANTAGES_SOURCE, group_norm, group_norm,
                    {"torch": torch, "rewards": scores.reshape(-1, size),
                     "args": SimpleNamespace(algo=SimpleNamespace(advantage=SimpleNamespace(estimator="group_norm")))},
                    WHERE)
    return {"advantages": ns["rewards"].reshape(-1)}, None


def policy_loss(inputs, cot, kl=False):
    allowed = {"preset", "form", "log_probs", "old_log_probs", "advantages", "mask", "clip_epsilon",
               "clip_epsilon_low", "clip_epsilon_high", "dual_clip", "aggregation", "empty_rows", "row_count_epsilon"}
    if kl:
        allowed |= {"ref_log_probs", "kl_coef", "kl_estimator"}
    require_only(inputs, allowed, "PolicyLoss always clamps the log-ratio at 20")
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
    if kl:
        # PPOActor.training_step: loss = actor_loss + aggregate_loss(compute_approx_kl(...)) * kl_ctl
        coef = inputs.get("kl_coef", 0.0)
        if coef > 0:
            kld = compute_approx_kl(lp, t(inputs["ref_log_probs"]), kl_estimator=inputs.get("kl_estimator", "k1"))
            loss = loss + aggregate_loss(kld, mask, token_level_loss=mode == "token_mean") * coef
        return {"loss": loss}, {"log_probs": scalar_gradient(loss, lp, cot)}
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


def kl_reward(inputs, cot):
    require_only(inputs, {"preset", "form", "log_probs", "ref_log_probs", "mask", "scores", "estimator", "kl_coef"},
                 "compute_reward has no such option")
    mask = t(inputs["mask"])
    kld = compute_approx_kl(t(inputs["log_probs"]), t(inputs["ref_log_probs"]), kl_estimator=inputs.get("estimator", "k1"))
    rewards = compute_reward(t(inputs["scores"]), inputs.get("kl_coef", 0.01), kld, action_mask=mask)
    # OpenRLHF keeps the penalty at masked positions (its losses mask them); the Spec outputs 0 there
    return {"rewards": rewards * mask, "kl": kld * mask}, None


def ppo_loss(inputs, cot):
    # separate actor and critic: PolicyLoss + ValueLoss (value_coef 1), no entropy term
    require_only(inputs, {"preset", "log_probs", "old_log_probs", "advantages", "values", "old_values", "returns",
                          "entropy", "mask"}, "OpenRLHF's losses have no such option")
    lp = t(inputs["log_probs"], grad=True)
    v = t(inputs["values"], grad=True)
    mask = mask_of(inputs, lp.shape)
    pg, _, _, _, _ = PolicyLoss(clip_eps_low=0.2, clip_eps_high=0.2)(lp, t(inputs["old_log_probs"]),
                                                                     t(inputs["advantages"]), action_mask=mask)
    vf = ValueLoss(clip_eps=0.5)(v, t(inputs["old_values"]), t(inputs["returns"]), mask)
    loss = pg + vf
    grads = None
    if cot and set(cot) == {"loss"}:
        g_lp, g_v = torch.autograd.grad(loss * float(cot["loss"]), (lp, v))
        grads = {"log_probs": g_lp, "values": g_v, "entropy": torch.zeros_like(lp)}
    return {"loss": loss, "policy_loss": pg, "value_loss": vf}, grads


def vlrm_normalized(inputs, cot):
    # only VLRMA2C's advantage normalisation is OpenRLHF's: its whitening statements on A = R - V
    require_only(inputs, {"preset", "logits", "log_probs", "tokens", "values", "returns", "mask"},
                 "OpenRLHF's whitening has no such option")
    mask = t(inputs["mask"])
    advantages = (t(inputs["returns"]) - t(inputs["values"])) * mask
    return {"advantages_normalized": whitened(advantages, mask)[0] * mask}, None


def token_log_probs(inputs, cot):
    require_only(inputs, {"preset", "form", "logits", "tokens", "temperature", "mask"}, "Actor.forward has no such option")
    if isinstance(inputs.get("temperature", 1.0), list):
        raise Skip("a temperature per row: driven with one temperature")
    if "mask" in inputs:
        raise Skip("a mask: Actor.forward evaluates every position (the losses mask afterwards)")
    leaf = t(inputs["logits"], grad=True)
    tokens = torch.tensor(inputs["tokens"], dtype=torch.long)
    temperature = inputs.get("temperature", 1.0)
    # Actor.forward's own temperature statement, then compute_entropy and log_probs_from_logits
    output = {"logits": leaf.clone()}
    inline.run(inline.source_of(Actor.forward), r"^\s*if self\.temperature != 1\.0:", r"output\[\"logits\"\]\.div_\(self\.temperature\)",
               {"output": output, "self": SimpleNamespace(temperature=temperature)}, "openrlhf/models/actor.py Actor.forward")
    entropy = compute_entropy(output["logits"])
    log_probs = log_probs_from_logits(output["logits"], tokens)
    outputs = {"log_probs": log_probs, "entropy": entropy}
    return with_gradient(outputs, cot, leaf, "logits")


def controller(inputs, cot):
    # the controller form's cases name no preset: the framework's controller is the same formula for all of them
    return adaptive_controller(kl_controller.AdaptiveKLController, inputs)


DRIVERS = [
    Driver("GAE", ("openRLHF",), gae, "openrlhf.trainer.ppo_utils.experience_maker.RemoteExperienceMaker.get_advantages_and_returns",
           forms=("gae",)),
    Driver("PPOPolicyLoss", ("openRLHF",), policy_loss, "openrlhf.models.loss.PolicyLoss (+ aggregate_loss)"),
    Driver("GAE", ("openRLHF",), whiten, "advantage whitening statements of RemoteExperienceMaker.compute_advantages_and_returns",
           forms=("whiten",)),
    Driver("GRPO", ("openRLHF",), grpo_advantages, "group_norm statement of RemoteExperienceMaker.compute_advantages_and_returns",
           forms=("advantages",)),
    Driver("GRPO", ("openRLHF",), lambda i, c: policy_loss(i, c, kl=True),
           "PolicyLoss + compute_approx_kl + aggregate_loss (PPOActor.training_step)", forms=("clipped",)),
    Driver("KLPenalty", ("openRLHF",), kl, "openrlhf.models.utils.compute_approx_kl", forms=("per_token",)),
    Driver("KLPenalty", ("openRLHF",), kl_reward, "compute_approx_kl + openrlhf.models.utils.compute_reward", forms=("reward",)),
    Driver("PPOLoss", ("openRLHF",), ppo_loss, "openrlhf.models.loss.PolicyLoss + ValueLoss"),
    Driver("ValueLoss", ("openRLHF",), value_loss, "openrlhf.models.loss.ValueLoss"),
    Driver("VLRMA2C", ("openRLHF",), vlrm_normalized, "advantage whitening statements of "
           "RemoteExperienceMaker.compute_advantages_and_returns"),
    Driver("TokenLogProbs", ("openRLHF",), token_log_probs, "Actor.forward temperature statement + "
           "openrlhf.models.utils.compute_entropy / log_probs_from_logits", forms=("log_probs",)),
    Driver("KLPenalty", (None,), controller, "openrlhf.trainer.ppo_utils.kl_controller.AdaptiveKLController", forms=("controller",)),
]

if __name__ == "__main__":
    drive("OpenRLHF", frameworks.version("openrlhf"), DRIVERS, sys.argv[1])
