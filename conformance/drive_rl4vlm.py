"""RL4VLM's own code on the golden cases of its presets: `llava_evaluate` (CoTLogProb `rl4vlm` presets),
`RolloutStorage.compute_returns` and the advantage normalisation and loss statements of `PPO.update` (GAE,
PPOPolicyLoss, ValueLoss, PPOLoss, VLRMA2C), `text_projection` (ActionParsing) and the `optim.Adam` the
training script builds (Optimizers).

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

import inline
from driving import Driver, Skip, drive, require_only

FILE = "VLM_PPO/a2c_ppo_acktr/llava_interface/interface.py"
COMMITS = {"rl4vlm": "74236ab", "rl4vlm-2024-05-15": "202229a"}
HEAD = "b989b57"   # the archived head: every other preset names it (Specs: `rl4vlm` = RL4VLM b989b57)


def show(commit: str, file: str) -> str:
    return subprocess.run(["git", "-C", os.environ["RL4VLM_DIR"], "show", f"{commit}:{file}"],
                          check=True, capture_output=True, text=True).stdout


def load(commit: str, file: str = FILE):
    source = show(commit, file)
    path = os.path.join(tempfile.mkdtemp(), f"{os.path.basename(file)[:-3]}_{commit}.py")
    with open(path, "w", encoding="utf-8") as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location(f"rl4vlm_{os.path.basename(file)[:-3]}_{commit}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MODULES: dict[str, object] = {}


def loaded(key: str, commit: str, file: str = FILE):
    """`load(commit, file)` once per key."""
    if key not in MODULES:
        MODULES[key] = load(commit, file)
    return MODULES[key]


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
    module = loaded(preset, COMMITS[preset])
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


def need_checkout():
    if "RL4VLM_DIR" not in os.environ:
        raise Skip("RL4VLM_DIR not set (a git clone of RL4VLM)")


UPDATE = "VLM_PPO/a2c_ppo_acktr/algo/ppo.py"


def normalized(flat: torch.Tensor) -> torch.Tensor:
    """PPO.update's advantage normalisation statements on a rollout whose returns - value_preds = flat."""
    rollouts = SimpleNamespace(returns=torch.cat([flat, flat.new_zeros(1)]), value_preds=torch.zeros(len(flat) + 1))
    ns = inline.run(show(HEAD, UPDATE), r"^\s*advantages = rollouts\.returns\[:-1\] - rollouts\.value_preds\[:-1\]",
                    r"advantages\.std\(\) \+ 1e-5\)", {"rollouts": rollouts}, f"{UPDATE} PPO.update")
    return ns["advantages"]


def scatter(flat: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    out = torch.zeros(mask.shape, dtype=torch.float64)
    out[mask.bool()] = flat.to(torch.float64)
    return out


class Discrete:
    """An action space named as RolloutStorage expects for one discrete action per step."""


def gae(inputs, cotangents):
    """One RolloutStorage holds the case's rows one after the other (each row one episode over its real steps,
    masked steps deleted: the `skip` convention), `masks` 0 after each episode's last step; the score is added
    to the last step's reward; `use_proper_time_limits` False (RL4VLM's default) ends a truncated episode too."""
    need_checkout()
    require_only(inputs, {"preset", "rewards", "values", "mask", "sequence_rewards", "truncated", "truncation_values",
                          "last_values", "gamma", "lambda", "whiten"}, "compute_returns has no such option")
    if any(v != 0 for v in inputs.get("last_values", [])):
        raise Skip("nonzero last_values: each row is a finished episode here (next value 0)")
    storage = loaded("storage", HEAD, "VLM_PPO/a2c_ppo_acktr/storage.py")
    values = t64(inputs["values"])
    mask = t64(inputs["mask"]) if "mask" in inputs else torch.ones_like(values)
    rewards = t64(inputs["rewards"]) if "rewards" in inputs else torch.zeros_like(values)
    for b, score in enumerate(inputs.get("sequence_rewards", [])):
        valid = torch.nonzero(mask[b]).flatten()
        if len(valid):
            rewards[b, valid[-1]] += score
    real = mask.bool()
    n = int(real.sum())
    rollout = storage.RolloutStorage(n, 1, (1,), Discrete(), 1)
    rollout.rewards = rewards[real].reshape(n, 1, 1)
    rollout.value_preds = torch.cat([values[real], values.new_zeros(1)]).reshape(n + 1, 1, 1)
    rollout.returns = torch.zeros(n + 1, 1, 1, dtype=torch.float64)
    ends = torch.zeros(mask.shape, dtype=torch.bool)
    for b in range(mask.shape[0]):
        valid = torch.nonzero(real[b]).flatten()
        if len(valid):
            ends[b, valid[-1]] = True
    rollout.masks = torch.cat([torch.ones(1), (~ends[real]).double()]).reshape(n + 1, 1, 1)
    rollout.bad_masks = torch.ones(n + 1, 1, 1, dtype=torch.float64)
    rollout.compute_returns(torch.zeros(1, 1, dtype=torch.float64), True, inputs.get("gamma", 0.9),
                            inputs.get("lambda", 0.95), use_proper_time_limits=False)
    returns = rollout.returns[:-1].flatten()
    advantages = returns - rollout.value_preds[:-1].flatten()
    outputs = {"advantages": scatter(advantages, mask), "returns": scatter(returns, mask)}
    if inputs.get("whiten", True):
        outputs["whitened_advantages"] = scatter(normalized(advantages), mask)
    return outputs, None


def whiten(inputs, cotangents):
    need_checkout()
    require_only(inputs, {"preset", "form", "x", "mask"}, "PPO.update's normalisation has no such option")
    x = t64(inputs["x"])
    mask = t64(inputs["mask"]) if "mask" in inputs else torch.ones_like(x)
    # the rollout holds only real steps
    return {"whitened": scatter(normalized(x[mask.bool()]), mask)}, None


def losses(lp, old, adv, v, old_v, ret):
    """PPO.update's loss statements, from the ratio to `loss = value_loss * value_loss_coef + action_loss`, on
    a minibatch of the real tokens (one action per token; all tensors [N])."""
    ns = {"torch": torch, "action_log_probs": lp, "old_action_log_probs_batch": old, "adv_targ": adv, "values": v,
          "value_preds_batch": old_v, "return_batch": ret,
          "self": SimpleNamespace(clip_param=0.1, use_clipped_value_loss=True, value_loss_coef=0.5)}
    return inline.run(show(HEAD, UPDATE), r"^\s*ratio = torch\.exp\(action_log_probs -",
                      r"^\s*loss = value_loss \* self\.value_loss_coef", ns, f"{UPDATE} PPO.update")


def ppo_losses(inputs, cotangents, spec):
    need_checkout()
    keys = {"PPOPolicyLoss": {"log_probs", "old_log_probs", "advantages"}, "ValueLoss": {"values", "old_values", "returns"}}
    keys["PPOLoss"] = keys["PPOPolicyLoss"] | keys["ValueLoss"] | {"entropy"}
    require_only(inputs, keys[spec] | {"preset", "mask"}, "PPO.update has no such option")
    shape = torch.tensor(inputs.get("log_probs", inputs.get("values"))).shape
    real = (t64(inputs["mask"]) if "mask" in inputs else torch.ones(shape, dtype=torch.float64)).bool()
    leaves = {k: t64(inputs[k]).requires_grad_(True) for k in ("log_probs", "values") if k in inputs}
    pick = {k: (leaves[k] if k in leaves else t64(inputs[k]))[real] if k in inputs else torch.zeros(int(real.sum()),
            dtype=torch.float64) for k in ("log_probs", "old_log_probs", "advantages", "values", "old_values", "returns")}
    ns = losses(pick["log_probs"], pick["old_log_probs"], pick["advantages"], pick["values"], pick["old_values"],
                pick["returns"])
    outputs = {"PPOPolicyLoss": {"loss": ns["action_loss"]}, "ValueLoss": {"loss": ns["value_loss"]},
               "PPOLoss": {"loss": ns["loss"], "policy_loss": ns["action_loss"], "value_loss": ns["value_loss"]}}[spec]
    if not cotangents or set(cotangents) != {"loss"}:
        return outputs, None
    grads = torch.autograd.grad(outputs["loss"] * float(cotangents["loss"]), list(leaves.values()))
    gradients = dict(zip(leaves, grads))
    if spec == "PPOLoss":
        gradients["entropy"] = torch.zeros(shape, dtype=torch.float64)
    return outputs, gradients


def vlrm_normalized(inputs, cotangents):
    need_checkout()
    require_only(inputs, {"preset", "logits", "log_probs", "tokens", "values", "returns", "mask", "policy_term"},
                 "PPO.update's normalisation has no such option")
    mask = t64(inputs["mask"])
    advantages = (t64(inputs["returns"]) - t64(inputs["values"]))[mask.bool()]
    return {"advantages_normalized": scatter(normalized(advantages), mask)}, None


ACTION_LISTS = {"gym_cards/NumberLine-v0": ["-", "+"], "gym_cards/Blackjack-v0": ["stand", "hit"],
                "gym_cards/EZPoints-v0": ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "+", "*", "="],
                "gym_cards/Points24-v0": ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "+", "-", "*", "/", "(",
                                          ")", "="]}


class _Fallback(Exception):
    pass


class _NoRandom:
    """Stands in for `random` in rl_utils: text_projection's random pick marks a fallback instead."""

    @staticmethod
    def randint(a, b):
        raise _Fallback


def parse_action(inputs, cotangents):
    need_checkout()
    require_only(inputs, {"preset", "text", "legal_actions"}, "text_projection has no such option")
    env = next((name for name, actions in ACTION_LISTS.items() if actions == inputs["legal_actions"]), None)
    if env is None:
        raise Skip("legal actions are not one of the four gym_cards action lists text_projection knows")
    rl_utils = loaded("rl_utils", HEAD, "VLM_PPO/a2c_ppo_acktr/rl_utils.py")
    rl_utils.random = _NoRandom
    try:
        index = int(rl_utils.text_projection([inputs["text"]], env).flatten()[0])
    except _Fallback:
        return {"index": None, "action": None, "fallback": True}, None
    return {"index": index, "action": ACTION_LISTS[env][index], "fallback": False}, None


def adam(inputs, cotangents):
    """main.py's `optim.Adam(..., lr=args.init_lr, eps=args.eps, weight_decay=args.weight_decay)` statement, with
    the defaults of arguments.py, then one `optimizer.step()`."""
    need_checkout()
    if inputs.get("operation") == "clip_grad_norm":
        return clip(inputs)
    require_only(inputs, {"preset", "operation", "params", "grads", "m", "v", "step", "lr", "weight_decay"},
                 "RL4VLM's Adam has no such option")
    if inputs.get("step", 1) != 1 or "m" in inputs or "v" in inputs:
        raise Skip("a step after the first: torch's Adam state is driven from step 1 only")
    arguments = loaded("arguments", HEAD, "VLM_PPO/a2c_ppo_acktr/arguments.py")
    saved = sys.argv
    sys.argv = ["main.py", "--init-lr", str(inputs.get("lr", 1e-6)), "--weight-decay", str(inputs.get("weight_decay", 0))]
    try:
        args = arguments.get_args()
    finally:
        sys.argv = saved
    param = torch.nn.Parameter(t64(inputs["params"]))
    param.grad = t64(inputs["grads"])
    ns = {"optim": torch.optim, "args": args,
          "actor_critic": SimpleNamespace(value_model=SimpleNamespace(parameters=lambda: [param]))}
    inline.run(show(HEAD, "VLM_PPO/main.py"), r"^\s*optimizer = optim\.Adam\(", r"^\s*optimizer = optim\.Adam\(", ns,
               "VLM_PPO/main.py")
    ns["optimizer"].step()
    state = ns["optimizer"].state[param]
    return {"params": param.detach(), "m": state["exp_avg"], "v": state["exp_avg_sq"]}, None


def clip(inputs):
    """PPO.update's `accelerator.clip_grad_norm_(..., self.max_grad_norm)` statement with a plain (single-process,
    CPU) accelerate `Accelerator`: RL4VLM's clipping when it runs without DeepSpeed."""
    require_only(inputs, {"preset", "operation", "grads", "max_norm"}, "PPO.update's clipping has no such option")
    if "max_norm" not in inputs:
        raise Skip("the preset's max_norm 1.0 is DeepSpeed's gradient_clipping under RL4VLM's shipped ZeRO-2 "
                   "configuration, applied inside DeepSpeed's optimizer step (DeepSpeed is not installed here); the "
                   "`accelerator.clip_grad_norm_` call only returns the norm there")
    import accelerate
    params = []
    for g in inputs["grads"]:
        p = torch.nn.Parameter(torch.zeros_like(t64(g)))
        p.grad = t64(g)
        params.append(p)
    self = SimpleNamespace(accelerator=accelerate.Accelerator(cpu=True), max_grad_norm=inputs["max_norm"],
                           actor_critic=SimpleNamespace(parameters=lambda: iter(params)))
    inline.run(show(HEAD, UPDATE), r"^\s*if self\.accelerator\.sync_gradients:", r"self\.max_grad_norm$",
               {"self": self}, f"{UPDATE} PPO.update")
    return {"grads": [p.grad for p in params]}, None


def t64(x):
    return torch.tensor(x, dtype=torch.float64)


DRIVERS = [Driver("CoTLogProb", tuple(COMMITS), cot, f"llava_evaluate in {FILE} at 74236ab / 202229a"),
           Driver("GAE", ("rl4vlm",), gae, "RolloutStorage.compute_returns (storage.py) + PPO.update normalisation "
                  "statements (algo/ppo.py)", forms=("gae",)),
           Driver("GAE", ("rl4vlm",), whiten, "PPO.update normalisation statements (algo/ppo.py)", forms=("whiten",)),
           Driver("PPOPolicyLoss", ("rl4vlm",), lambda i, c: ppo_losses(i, c, "PPOPolicyLoss"),
                  "PPO.update loss statements (algo/ppo.py)"),
           Driver("ValueLoss", ("rl4vlm",), lambda i, c: ppo_losses(i, c, "ValueLoss"), "PPO.update loss statements (algo/ppo.py)"),
           Driver("PPOLoss", ("rl4vlm",), lambda i, c: ppo_losses(i, c, "PPOLoss"), "PPO.update loss statements (algo/ppo.py)"),
           Driver("VLRMA2C", ("rl4vlm",), vlrm_normalized, "PPO.update normalisation statements (algo/ppo.py)"),
           Driver("ActionParsing", ("rl4vlm",), parse_action, "text_projection (a2c_ppo_acktr/rl_utils.py)"),
           Driver("Optimizers", ("rl4vlm",), adam, "optim.Adam statement of VLM_PPO/main.py + arguments.py defaults; "
                  "clip_grad_norm_ statement of PPO.update (accelerate without DeepSpeed)")]

if __name__ == "__main__":
    head = subprocess.run(["git", "-C", os.environ["RL4VLM_DIR"], "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip() if "RL4VLM_DIR" in os.environ else "not given"
    drive("RL4VLM", f"git {head}", DRIVERS, sys.argv[1])
