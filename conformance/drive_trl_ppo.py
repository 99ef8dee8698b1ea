"""TRL 0.29.1's own PPO code on the golden cases of the `trl` PPO presets (GAE, PPOPolicyLoss, ValueLoss,
PPOLoss, KLPenalty reward form, TokenLogProbs, VLRMA2C). Runs in its own environment (TRL 1.16.0, used for GRPO,
has no PPOTrainer): see requirements-trl-ppo.txt.

`masked_mean`, `masked_var`, `masked_whiten` and `selective_log_softmax` are functions and are called directly.
The reward placement, the GAE loop and the losses are statements inside `PPOTrainer.train`; the driver runs
those statements themselves, read from the installed `trl/experimental/ppo/ppo_trainer.py` at run time (see
inline.py), in a namespace holding the case's tensors and the `PPOConfig` defaults the statements read.

TRL derives its two masks from each response's length: `padding_mask` (policy tokens: everything after the
last real token is padding) and `padding_mask_p1` (values: one position longer). The driver builds them from
the case's mask: `padding_mask = not mask` and `padding_mask_p1 = not mask` except at the position right after
the last real token (GAE and KL-reward cases), or `padding_mask_p1 = not mask` (loss cases, where the case's
mask is the value mask too). A case mask with holes thus becomes padding in the middle, which TRL's own
derivation never produces but its statements handle position by position.
"""
from __future__ import annotations

import sys
from types import SimpleNamespace

import torch

import inline
from driving import with_gradient, Driver, Skip, drive, mask_of, require_only, scalar_gradient, t

from trl.experimental.ppo import ppo_trainer  # noqa: E402
from trl.experimental.ppo.ppo_config import PPOConfig  # noqa: E402

TRAIN = inline.source_of(ppo_trainer.PPOTrainer.train)
WHERE = "trl/experimental/ppo/ppo_trainer.py PPOTrainer.train"
DEFAULTS = {f: PPOConfig.__dataclass_fields__[f].default
            for f in ("gamma", "lam", "cliprange", "cliprange_value", "vf_coef", "kl_coef", "kl_estimator")}


def args(**overrides):
    return SimpleNamespace(**{**DEFAULTS, **overrides})


def namespace(**values):
    return {"torch": torch, "masked_mean": ppo_trainer.masked_mean, "masked_whiten": ppo_trainer.masked_whiten,
            "INVALID_LOGPROB": ppo_trainer.INVALID_LOGPROB, **values}


def masks(mask: torch.Tensor, value_mask_extends: bool):
    """(padding_mask, padding_mask_p1, sequence_lengths, sequence_lengths_p1) from a case's 0/1 mask."""
    real = mask.bool()
    if not real.any(dim=1).all():
        raise Skip("a row without real tokens: TRL's response has at least one token")
    t_len = mask.shape[1]
    last = torch.stack([torch.nonzero(row).flatten()[-1] for row in real])
    value_real = real.clone()
    if value_mask_extends:
        rows = torch.nonzero(last + 1 < t_len).flatten()
        value_real[rows, last[rows] + 1] = True
    return ~real, ~value_real, last, last + 1


def placed_rewards(non_score_reward, scores, sequence_lengths, sequence_lengths_p1):
    """TRL's "4. compute rewards" placement statements: the score goes one position after the last real token."""
    ns = inline.run(TRAIN, r"^\s*rewards = non_score_reward\.clone\(\)", r"rewards\[actual_start, actual_end\] \+= scores",
                    namespace(non_score_reward=non_score_reward, scores=scores, sequence_lengths=sequence_lengths,
                              sequence_lengths_p1=sequence_lengths_p1), WHERE)
    return ns["rewards"]


def gae(inputs, cot):
    require_only(inputs, {"preset", "rewards", "values", "mask", "sequence_rewards", "truncated", "truncation_values",
                          "last_values", "gamma", "lambda", "whiten"}, "PPOTrainer has no such option")
    if any(v != 0 for v in inputs.get("last_values", [])):
        raise Skip("nonzero last_values: TRL always bootstraps 0 after the last token")
    values = t(inputs["values"])
    mask = mask_of(inputs, values.shape)
    padding_mask, padding_mask_p1, lengths, lengths_p1 = masks(mask, value_mask_extends=True)
    value_real = (~padding_mask_p1).double()
    # the per-token rewards play TRL's non-score (KL) reward, 0 beyond the value mask (where TRL's two log-probs
    # are both INVALID_LOGPROB); the position after the last real token is a step of the Spec's extended mask
    rewards = t(inputs["rewards"]) * value_real if "rewards" in inputs else torch.zeros_like(values)
    scores = t(inputs.get("sequence_rewards", [0.0] * len(values)))
    ns = namespace(rewards=placed_rewards(rewards, scores, lengths, lengths_p1), values=values,
                   padding_mask=padding_mask, padding_mask_p1=padding_mask_p1, responses=values,
                   args=args(gamma=inputs.get("gamma", DEFAULTS["gamma"]), lam=inputs.get("lambda", DEFAULTS["lam"])))
    inline.run(TRAIN, r"^\s*values = torch\.masked_fill\(values, padding_mask_p1, 0\)",
               r"^\s*values = torch\.masked_fill\(values, padding_mask_p1, 0\)", ns, WHERE)
    inline.run(TRAIN, r"# 6\. compute advantages and returns", r"^\s*returns = advantages \+ values", ns, WHERE)
    outputs = {"advantages": ns["advantages"] * value_real, "returns": ns["returns"] * value_real}
    if inputs.get("whiten", True):
        inline.run(TRAIN, r"^\s*advantages = masked_whiten\(advantages, ~padding_mask\)",
                   r"^\s*advantages = torch\.masked_fill\(advantages, padding_mask, 0\)", ns, WHERE)
        outputs["whitened_advantages"] = ns["advantages"]
    return outputs, None


def whiten(inputs, cot):
    require_only(inputs, {"preset", "form", "x", "mask"}, "masked_whiten has no such option")
    x = t(inputs["x"])
    mask = mask_of(inputs, x.shape).bool()
    return ({"whitened": ppo_trainer.masked_whiten(x, mask) * mask, "mean": ppo_trainer.masked_mean(x, mask),
             "variance": ppo_trainer.masked_var(x, mask)}, None)


def losses(lp, old, adv, v, old_v, ret, mask):
    """TRL's minibatch loss statements, from the masked log-probs to `loss = pg_loss + vf_coef * vf_loss`."""
    padding_mask, padding_mask_p1, _, _ = masks(mask, value_mask_extends=False)
    # vpred_temp[:, context_length - 1 : -1] selects the response positions: one prompt position, one extra
    vpred_temp = torch.cat([v, torch.zeros_like(v[:, :1])], dim=1).unsqueeze(-1)
    ns = namespace(new_logprobs=lp, mb_logprobs=old, mb_advantage=adv, vpred_temp=vpred_temp, context_length=1,
                   mb_values=old_v, mb_return=ret, padding_mask=padding_mask, padding_mask_p1=padding_mask_p1,
                   micro_batch_inds=torch.arange(lp.shape[0]), args=args())
    inline.run(TRAIN, r"^\s*new_logprobs = torch\.masked_fill\(", r"^\s*loss = pg_loss \+ args\.vf_coef \* vf_loss", ns, WHERE)
    inline.run(TRAIN, r"^\s*pg_clipfrac = masked_mean\(", r"^\s*\)$", ns, WHERE)
    return ns


def policy_loss(inputs, cot):
    require_only(inputs, {"preset", "log_probs", "old_log_probs", "advantages", "mask"}, "PPOTrainer has no such option")
    lp = t(inputs["log_probs"], grad=True)
    mask = mask_of(inputs, lp.shape)
    zeros = torch.zeros_like(lp)
    ns = losses(lp, t(inputs["old_log_probs"]), t(inputs["advantages"]), zeros, zeros, zeros, mask)
    loss = ns["pg_loss"]
    return {"loss": loss, "clip_fraction_active": ns["pg_clipfrac"]}, {"log_probs": scalar_gradient(loss, lp, cot)}


def value_loss(inputs, cot):
    require_only(inputs, {"preset", "values", "old_values", "returns", "mask"}, "PPOTrainer has no such option")
    v = t(inputs["values"], grad=True)
    mask = mask_of(inputs, v.shape)
    zeros = torch.zeros_like(v)
    ns = losses(zeros, zeros, zeros, v, t(inputs["old_values"]), t(inputs["returns"]), mask)
    loss = ns["vf_loss"]
    return {"loss": loss, "clip_fraction": ns["vf_clipfrac"]}, {"values": scalar_gradient(loss, v, cot)}


def ppo_loss(inputs, cot):
    require_only(inputs, {"preset", "log_probs", "old_log_probs", "advantages", "values", "old_values", "returns",
                          "entropy", "mask"}, "PPOTrainer has no such option")
    lp = t(inputs["log_probs"], grad=True)
    v = t(inputs["values"], grad=True)
    mask = mask_of(inputs, lp.shape)
    ns = losses(lp, t(inputs["old_log_probs"]), t(inputs["advantages"]), v, t(inputs["old_values"]),
                t(inputs["returns"]), mask)
    grads = None
    if cot and set(cot) == {"loss"}:
        g_lp, g_v = torch.autograd.grad(ns["loss"] * float(cot["loss"]), (lp, v))
        grads = {"log_probs": g_lp, "values": g_v, "entropy": torch.zeros_like(lp)}
    return {"loss": ns["loss"], "policy_loss": ns["pg_loss"], "value_loss": ns["vf_loss"]}, grads


def kl_reward(inputs, cot):
    require_only(inputs, {"preset", "form", "log_probs", "ref_log_probs", "mask", "scores", "estimator", "kl_coef"},
                 "PPOTrainer has no such option")
    if inputs.get("estimator", "k1") not in ("k1", "k3"):
        raise Skip("TRL's PPO KL reward offers k1 and k3")
    mask = t(inputs["mask"])
    padding_mask, _, lengths, lengths_p1 = masks(mask, value_mask_extends=True)
    ns = namespace(logprobs=t(inputs["log_probs"]), ref_logprobs=t(inputs["ref_log_probs"]), padding_mask=padding_mask,
                   scores=t(inputs["scores"]), sequence_lengths=lengths, sequence_lengths_p1=lengths_p1,
                   args=args(kl_coef=inputs.get("kl_coef", DEFAULTS["kl_coef"]),
                             kl_estimator=inputs.get("estimator", DEFAULTS["kl_estimator"])))
    inline.run(TRAIN, r"^\s*logprobs = torch\.masked_fill\(logprobs, padding_mask, INVALID_LOGPROB\)",
               r"^\s*ref_logprobs = torch\.masked_fill\(ref_logprobs, padding_mask, INVALID_LOGPROB\)", ns, WHERE)
    inline.run(TRAIN, r"^\s*logr = ref_logprobs - logprobs", r"rewards\[actual_start, actual_end\] \+= scores", ns, WHERE)
    return {"rewards": ns["rewards"], "kl": ns["kl"]}, None


def token_log_probs(inputs, cot):
    require_only(inputs, {"preset", "form", "logits", "tokens", "temperature"}, "PPOTrainer has no such option")
    if isinstance(inputs.get("temperature", 1.0), list):
        raise Skip("a temperature per row: TRL's PPOConfig has one temperature")
    leaf = t(inputs["logits"], grad=True)
    ns = namespace(logits=leaf.clone(), mb_responses=torch.tensor(inputs["tokens"], dtype=torch.long),
                   selective_log_softmax=ppo_trainer.selective_log_softmax,
                   args=SimpleNamespace(temperature=inputs.get("temperature", 1.0)))
    inline.run(TRAIN, r"^\s*logits /= args\.temperature \+ 1e-7", r"^\s*new_logprobs = selective_log_softmax\(", ns, WHERE)
    inline.run(TRAIN, r"^\s*prob_dist = torch\.nn\.functional\.softmax\(logits", r"^\s*entropy = torch\.logsumexp", ns, WHERE)
    outputs = {"log_probs": ns["new_logprobs"], "entropy": ns["entropy"]}
    return with_gradient(outputs, cot, leaf, "logits")


def vlrm_normalized(inputs, cot):
    # only VLRMA2C's advantage normalisation is TRL's: masked_whiten of A = R - V over the real tokens
    require_only(inputs, {"preset", "logits", "log_probs", "tokens", "values", "returns", "mask"},
                 "masked_whiten has no such option")
    mask = t(inputs["mask"]).bool()
    advantages = (t(inputs["returns"]) - t(inputs["values"])) * mask
    return {"advantages_normalized": ppo_trainer.masked_whiten(advantages, mask) * mask}, None


PPO = "trl/experimental/ppo/ppo_trainer.py"
DRIVERS = [
    Driver("GAE", ("trl",), gae, f"reward placement + GAE + masked_whiten statements of PPOTrainer.train ({PPO})",
           forms=("gae",)),
    Driver("GAE", ("trl",), whiten, "trl.experimental.ppo.ppo_trainer.masked_whiten / masked_mean / masked_var",
           forms=("whiten",)),
    Driver("PPOPolicyLoss", ("trl",), policy_loss, "policy-loss statements of PPOTrainer.train"),
    Driver("ValueLoss", ("trl",), value_loss, "value-loss statements of PPOTrainer.train"),
    Driver("PPOLoss", ("trl",), ppo_loss, "loss statements of PPOTrainer.train (pg_loss + vf_coef·vf_loss)"),
    Driver("KLPenalty", ("trl",), kl_reward, "KL and reward-placement statements of PPOTrainer.train", forms=("reward",)),
    Driver("TokenLogProbs", ("trl",), token_log_probs, "temperature, selective_log_softmax and entropy statements of "
           "PPOTrainer.train", forms=("log_probs", "entropy")),
    Driver("VLRMA2C", ("trl",), vlrm_normalized, "trl.experimental.ppo.ppo_trainer.masked_whiten"),
]

if __name__ == "__main__":
    from importlib.metadata import version
    drive("TRL", version("trl"), DRIVERS, sys.argv[1])
