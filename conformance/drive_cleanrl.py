"""CleanRL's own `cleanrl/ppo.py` statements on the golden cases of the `cleanRL` presets (CleanRL fe8d8a03).

CleanRL is a set of single-file scripts (its PyPI package is an old 2021 snapshot), and `ppo.py` needs
gymnasium, tyro and TensorBoard at import time. Point CLEANRL_DIR at a git clone of CleanRL: the driver reads
`cleanrl/ppo.py` at the pinned commit with `git show` and runs, without importing the script, its `Args`
dataclass (the defaults), the GAE loop and the minibatch loss statements (see inline.py) on the case's tensors.

Layouts: CleanRL's buffers are time-major [num_steps, num_envs] with `dones[t]` = "observation t starts a new
episode". A case in that layout (`"form": "cleanrl"`) is passed as written. A [B, T] case with a mask becomes
one environment whose steps are the rows' real steps one after the other (masked steps deleted: the `skip`
convention), each row one episode (`dones` 1 at each row's first step, `next_done` 1 after the last). The
losses take the real tokens as one minibatch, with `norm_adv` off: the Specs' advantage input is the value
after normalisation, which the GAE whitening cases check on their own.
"""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import torch

import inline
from driving import Driver, Skip, drive, require_only

COMMIT = "fe8d8a03"
FILE = "cleanrl/ppo.py"
WHERE = f"{FILE} at {COMMIT}"
_SOURCE: dict[str, str] = {}


def source() -> str:
    if "CLEANRL_DIR" not in os.environ:
        raise Skip("CLEANRL_DIR not set (a git clone of CleanRL)")
    if not _SOURCE:
        _SOURCE["ppo"] = subprocess.run(["git", "-C", os.environ["CLEANRL_DIR"], "show", f"{COMMIT}:{FILE}"],
                                        check=True, capture_output=True, text=True).stdout
    return _SOURCE["ppo"]


def args(**overrides):
    """ppo.py's `Args` dataclass, defined from its own source, with its defaults and `overrides`."""
    ns = inline.run(source(), r"^@dataclass", r"^\s*num_iterations: int = 0", {"dataclass": dataclasses.dataclass, "os": os, "__file__": FILE}, WHERE)
    return dataclasses.replace(ns["Args"](), **overrides)


def t(x):
    return torch.tensor(x, dtype=torch.float64)


def scatter(flat, mask):
    out = torch.zeros(mask.shape, dtype=torch.float64)
    out[mask.bool()] = flat
    return out


def run_gae(rewards, values, dones, next_value, next_done, gamma, lam):
    """ppo.py's GAE loop ("bootstrap value if not done") on time-major [num_steps, num_envs] buffers."""
    ns = {"torch": torch, "device": "cpu", "rewards": rewards, "values": values, "dones": dones,
          "next_value": next_value.reshape(1, -1), "next_done": next_done,
          "args": args(num_steps=rewards.shape[0], gamma=gamma, gae_lambda=lam)}
    inline.run(source(), r"^\s*advantages = torch\.zeros_like\(rewards\)\.to\(device\)", r"^\s*returns = advantages \+ values",
               ns, WHERE)
    return ns["advantages"], ns["returns"]


def gae(inputs, cot):
    source()
    if inputs.get("form") == "cleanrl":
        require_only(inputs, {"preset", "form", "rewards", "values", "dones", "next_value", "next_done", "gamma",
                              "lambda"}, "ppo.py has no such option")
        adv, ret = run_gae(t(inputs["rewards"]), t(inputs["values"]), t(inputs["dones"]), t(inputs["next_value"]),
                           t(inputs["next_done"]), inputs.get("gamma", 0.99), inputs.get("lambda", 0.95))
        return {"advantages": adv, "returns": ret}, None
    require_only(inputs, {"preset", "rewards", "values", "mask", "sequence_rewards", "truncated", "truncation_values",
                          "last_values", "gamma", "lambda"}, "ppo.py has no such option")
    if any(v != 0 for v in inputs.get("last_values", [])):
        raise Skip("nonzero last_values: rows laid end to end in one environment have no per-row bootstrap")
    values = t(inputs["values"])
    mask = t(inputs["mask"]) if "mask" in inputs else torch.ones_like(values)
    rewards = t(inputs["rewards"]) if "rewards" in inputs else torch.zeros_like(values)
    real = mask.bool()
    starts = torch.zeros(mask.shape, dtype=torch.bool)
    for b, row in enumerate(real):
        valid = torch.nonzero(row).flatten()
        if len(valid):
            starts[b, valid[0]] = True
            if "sequence_rewards" in inputs:
                rewards[b, valid[-1]] += inputs["sequence_rewards"][b]
    # truncated steps end their episode as terminations do (CleanRL's done = terminated or truncated)
    adv, ret = run_gae(rewards[real].reshape(-1, 1), values[real].reshape(-1, 1), starts[real].double().reshape(-1, 1),
                       torch.zeros(1, dtype=torch.float64), torch.ones(1, dtype=torch.float64),
                       inputs.get("gamma", 0.99), inputs.get("lambda", 0.95))
    return {"advantages": scatter(adv.flatten(), mask), "returns": scatter(ret.flatten(), mask)}, None


def whiten(inputs, cot):
    source()
    require_only(inputs, {"preset", "form", "x", "mask"}, "ppo.py's normalisation has no such option")
    x = t(inputs["x"])
    mask = t(inputs["mask"]) if "mask" in inputs else torch.ones_like(x)
    line = r"^\s*mb_advantages = \(mb_advantages - mb_advantages\.mean\(\)\) / \(mb_advantages\.std\(\) \+ 1e-8\)"
    ns = inline.run(source(), line, line, {"mb_advantages": x[mask.bool()]}, WHERE)
    return {"whitened": scatter(ns["mb_advantages"], mask)}, None


def losses(inputs, cot, spec):
    source()
    keys = {"PPOPolicyLoss": {"log_probs", "old_log_probs", "advantages"}, "ValueLoss": {"values", "old_values", "returns"}}
    keys["PPOLoss"] = keys["PPOPolicyLoss"] | keys["ValueLoss"] | {"entropy"}
    require_only(inputs, keys[spec] | {"preset", "mask"}, "ppo.py has no such option")
    shape = t(inputs.get("log_probs", inputs.get("values"))).shape
    real = (t(inputs["mask"]) if "mask" in inputs else torch.ones(shape, dtype=torch.float64)).bool()
    n = int(real.sum())
    leaves = {k: t(inputs[k]).requires_grad_(True) for k in ("log_probs", "values", "entropy") if k in inputs}
    flat = {k: ((leaves[k] if k in leaves else t(inputs[k]))[real] if k in inputs else torch.zeros(n, dtype=torch.float64))
            for k in ("log_probs", "old_log_probs", "advantages", "values", "old_values", "returns", "entropy")}
    ns = {"torch": torch, "newlogprob": flat["log_probs"], "b_logprobs": flat["old_log_probs"],
          "b_advantages": flat["advantages"], "newvalue": flat["values"], "b_values": flat["old_values"],
          "b_returns": flat["returns"], "entropy": flat["entropy"], "mb_inds": torch.arange(n), "clipfracs": [],
          "args": args(norm_adv=False)}
    inline.run(source(), r"^\s*logratio = newlogprob - b_logprobs\[mb_inds\]",
               r"^\s*loss = pg_loss - args\.ent_coef \* entropy_loss \+ v_loss \* args\.vf_coef", ns, WHERE)
    outputs = {"PPOPolicyLoss": {"loss": ns["pg_loss"]}, "ValueLoss": {"loss": ns["v_loss"]},
               "PPOLoss": {"loss": ns["loss"], "policy_loss": ns["pg_loss"], "value_loss": ns["v_loss"],
                           "entropy": ns["entropy_loss"]}}[spec]
    if not cot or set(cot) != {"loss"}:
        return outputs, None
    grads = torch.autograd.grad(outputs["loss"] * float(cot["loss"]), list(leaves.values()), allow_unused=True)
    return outputs, {k: torch.zeros(shape, dtype=torch.float64) if g is None else g for k, g in zip(leaves, grads)}


DRIVERS = [
    Driver("GAE", ("cleanRL",), gae, f"GAE loop of {FILE} (\"bootstrap value if not done\")", forms=("gae", "cleanrl")),
    Driver("GAE", ("cleanRL",), whiten, f"mb_advantages normalisation statement of {FILE}", forms=("whiten",)),
    Driver("PPOPolicyLoss", ("cleanRL",), lambda i, c: losses(i, c, "PPOPolicyLoss"), f"minibatch loss statements of {FILE}"),
    Driver("ValueLoss", ("cleanRL",), lambda i, c: losses(i, c, "ValueLoss"), f"minibatch loss statements of {FILE}"),
    Driver("PPOLoss", ("cleanRL",), lambda i, c: losses(i, c, "PPOLoss"), f"minibatch loss statements of {FILE}"),
]

if __name__ == "__main__":
    head = subprocess.run(["git", "-C", os.environ["CLEANRL_DIR"], "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip() if "CLEANRL_DIR" in os.environ else "not given"
    drive("CleanRL", f"git {COMMIT} (clone at {head})", DRIVERS, sys.argv[1])
