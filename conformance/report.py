"""Writes CONFORMANCE.md from conformance/results (the drivers' outcome.json and rlref compare output).
Usage: report.py RESULTS_DIR [SECONDS]"""
from __future__ import annotations

import glob
import json
import os
import platform
import re
import sys

# Every mismatch is a deliberate, documented difference or a bug to fix in a preset; never silence.
KNOWN = {
    ("verl", "GAE/presets.json#preset-verl"):
        "verl's `masked_whiten` takes the mean and the variance with `verl_F.masked_mean`, which divides by the "
        "token count + 1e-8, a relative shift of about 1e-8/n; RLRef divides by n (Specs/GAE.md; within the "
        "float32 tolerance).",
    ("verl", "GAE/whiten_form.json#whiten-form-preset-verl"):
        "The same `masked_mean` + 1e-8 in `masked_whiten`'s mean and variance as GAE/presets.json#preset-verl.",
    ("OpenRLHF", "KLPenalty/estimators.json#openrlhf-preset-k1-clamp"):
        "`compute_approx_kl` casts both log-probs to float32 (`.float()`) before subtracting, so its estimates carry "
        "float32 rounding even for float64 inputs; RLRef computes in the input precision (within the float32 "
        "tolerance).",
    ("verl", "GRPO/advantages.json#singleton-groups-verl"):
        "verl builds a singleton group's mean 0 and std 1 as float32 tensors, so 1 + 1e-6 is rounded to float32 "
        "(1.00000095) before dividing; RLRef keeps float64 (Specs/GRPO.md; within the float32 tolerance).",
    ("verl", "GRPO/advantages.json#group-ids-singleton-verl"):
        "Same float32 singleton std as singleton-groups-verl.",
    ("verl", "ValueLoss/value_loss.json#per-token-loss-cotangents"):
        "`agg_loss` in seq-mean-token-mean mode divides each row's sum by its token count + 1e-8, a relative shift "
        "of about 1e-8/n; RLRef divides by the count (within the float32 tolerance).",
    ("verl", "ValueLoss/value_loss.json#per-token-loss-unmasked"):
        "The same `agg_loss` count + 1e-8 as per-token-loss-cotangents.",
    ("OpenRLHF", "GAE/presets.json#preset-openRLHF"):
        "OpenRLHF's whitening statements cast the advantages to float32 (`.float()`) before the mean and the "
        "variance, so the whitened advantages carry float32 rounding; RLRef keeps the input precision (within the "
        "float32 tolerance).",
    ("OpenRLHF", "GAE/whiten_form.json#whiten-form-preset-openRLHF"):
        "The same float32 cast in OpenRLHF's whitening statements as GAE/presets.json#preset-openRLHF.",
    ("OpenRLHF", "VLRMA2C/basic.json#preset-openrlhf"):
        "The same float32 cast in OpenRLHF's whitening statements as GAE/presets.json#preset-openRLHF.",
    ("OpenRLHF", "GRPO/clipped_loss.json#openrlhf-preset-kl"):
        "The KL term comes from `compute_approx_kl`, which casts the log-probs to float32 (see "
        "KLPenalty/estimators.json#openrlhf-preset-k1-clamp); the loss and its gradient carry that rounding.",
    ("OpenRLHF", "KLPenalty/reward.json#openrlhf-preset-k2"):
        "The same float32 cast in `compute_approx_kl` as KLPenalty/estimators.json#openrlhf-preset-k1-clamp.",
    ("TRL", "GRPO/advantages.json#preset-trl"):
        "TRL's `nanstd` computes Bessel's factor `count / (count - 1)` from integer counts, which PyTorch's true "
        "division returns in float32 (the default dtype), so 4/3 is rounded to float32 even for float64 rewards; "
        "RLRef keeps float64 (within the float32 tolerance).",
    ("TRL", "GRPO/advantages.json#scale-batch"): "The same float32 Bessel factor in `nanstd` as preset-trl.",
    ("TRL", "GRPO/advantages.json#zero-variance-group"): "The same float32 Bessel factor in `nanstd` as preset-trl.",
    ("TRL", "GRPO/advantages.json#trl-vocabulary-scale-rewards"):
        "The same float32 Bessel factor in `nanstd` as preset-trl.",
    ("TRL", "GAE/presets.json#preset-trl"):
        "TRL leaves the position after the last real token (where it adds the score) out of the whitening statistics "
        "and sets its whitened advantage to 0; the `trl` preset makes it a real step (Specs/GAE.md, `after_last_token`). "
        "Advantages and returns agree exactly.",
    ("TRL", "GAE/whiten_form.json#whiten-form-preset-trl"):
        "`masked_var`'s Bessel factor `mask_sum / (mask_sum - 1)` divides integer counts, which PyTorch returns in "
        "float32, so the variance carries float32 rounding; RLRef keeps float64 (within the float32 tolerance).",
    ("TRL", "PPOPolicyLoss/clipped_surrogate.json#preset-trl"):
        "TRL's `pg_clipfrac` is the masked mean of `(pg_losses2 > pg_losses).float()`, a float32 tensor, so the clip "
        "fraction is rounded to float32; the loss and its gradient agree.",
    ("TRL", "ValueLoss/value_loss.json#preset-trl"):
        "TRL's `vf_clipfrac` is likewise a float32 mean; the loss and its gradient agree.",
}

# Frameworks whose drivers need a checkout the user points to; without it their presets are not driven.
NEEDS_CHECKOUT = {"RL4VLM": ("RL4VLM_DIR", "GAE, PPOPolicyLoss, ValueLoss, PPOLoss, VLRMA2C, ActionParsing, Optimizers "
                             "and CoTLogProb `rl4vlm` presets"),
                  "CleanRL": ("CLEANRL_DIR", "GAE, PPOPolicyLoss, ValueLoss and PPOLoss `cleanRL` presets")}

NOT_DRIVEN = [
    ("OpenRLHF `Optimizers` preset (adam.json)", "OpenRLHF does not build its optimizer: it writes an `AdamW` entry into "
     "the DeepSpeed configuration (`openrlhf/utils/deepspeed/deepspeed.py`) and DeepSpeed constructs it; DeepSpeed is "
     "not part of the suite's environments (its Adam kernels are compiled C++/CUDA extensions)."),
    ("RL4VLM `Optimizers` clipping at the preset's max_norm 1.0", "under RL4VLM's shipped DeepSpeed ZeRO-2 "
     "configuration the clipping is DeepSpeed's (global norm 1.0, filled in by accelerate), done inside DeepSpeed's "
     "optimizer step; the case with RL4VLM's own `--max-grad-norm` 0.01 (its clipping without DeepSpeed) is driven."),
    ("Error cases", "the frameworks raise their own exceptions, or none, for the inputs RLRef rejects; they are listed "
     "as left out above."),
]

ROW = re.compile(r"^(\S+)\s{2,}(\S+)\s{2,}(.+?)\s{2,}(pass|FAIL)\s*$")


def parse(path):
    rows, failures = {}, {}
    if not os.path.exists(path):
        return rows, failures
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        m = ROW.match(line)
        if m and m.group(1) != "case":
            rows[m.group(1)] = (m.group(2), m.group(3), m.group(4))
        elif ": " in line and not line.startswith(("skipping", "case")):
            case, _, message = line.partition(": ")
            failures[case] = message
    return rows, failures


def main():
    out = sys.argv[1]
    seconds = sys.argv[2] if len(sys.argv) > 2 else None
    outcomes = []
    for path in sorted(glob.glob(os.path.join(out, "*", "outcome.json"))):
        outcome = json.load(open(path))
        outcome["dir"] = os.path.dirname(path)
        outcomes.append(outcome)
    lines = ["# Conformance: the frameworks' own code on RLRef's golden cases", "",
             "Generated by `conformance/run.sh` (see `conformance/README.md`): every golden case whose preset names a "
             "framework (and the preset-less adaptive KL controller cases, whose formula verl's and OpenRLHF's "
             "controllers share) is run through that framework's own code (installed from PyPI at the version below, or read from "
             "a clone at the commit below; inline statements are read from the installed source and run as written, see "
             "conformance/README.md) and compared with `rlref compare --only-provided-outputs` at float64 and float32 tolerances. A mismatch is "
             "either fixed in the preset or listed below as a deliberate difference.", ""]
    if seconds:
        lines += [f"Last run: {seconds} s on {platform.machine()} (drivers and comparisons, packages already installed).", ""]
    lines += ["| framework | version | function | Spec / file | cases | float64 pass | float32 pass | worst abs error |",
              "|---|---|---|---|---|---|---|---|"]
    mismatches, total, passed64, passed32 = [], 0, 0, 0
    for o in outcomes:
        fw_dir = o["dir"]
        for rel, cases in sorted(o["driven"].items()):
            r64, f64 = parse(os.path.join(fw_dir, rel[:-5] + ".float64.txt"))
            r32, _ = parse(os.path.join(fw_dir, rel[:-5] + ".float32.txt"))
            ok64 = sum(1 for c in cases if r64.get(c, ("", "", "FAIL"))[2] == "pass")
            ok32 = sum(1 for c in cases if r32.get(c, ("", "", "FAIL"))[2] == "pass")
            worst = max((float(r64[c][0]) for c in cases if c in r64 and r64[c][0] not in ("-",)), default=0.0)
            function = o["files"].get(rel, "")
            lines.append(f"| {o['framework']} | {o['version']} | `{function}` | {rel} | {len(cases)} | {ok64} | {ok32} | {worst:.3g} |")
            total += len(cases)
            passed64 += ok64
            passed32 += ok32
            for c in cases:
                if r64.get(c, ("", "", "FAIL"))[2] != "pass":
                    why = KNOWN.get((o["framework"], f"{rel}#{c}"), "**not explained yet**")
                    mismatches.append(f"- {o['framework']} {rel}#{c} (float64: {f64.get(c, 'failed')[:160]}; float32: "
                                      f"{r32.get(c, ('', '', 'FAIL'))[2]}): {why}")
    lines += [f"| total | | | | {total} | {passed64} | {passed32} | |", "", "## Mismatches at float64", ""]
    lines += mismatches or ["None."]
    lines += ["", "## Cases left out, with the reason", ""]
    for o in outcomes:
        for key, why in sorted(o["skipped"].items()):
            lines.append(f"- {o['framework']} {key}: {why}")
    lines += ["", "## Presets not driven", ""]
    present = {o["framework"] for o in outcomes}
    lines += [f"- {framework} ({what}): {variable} not set, so its drivers did not run (a git clone; see conformance/README.md)."
              for framework, (variable, what) in NEEDS_CHECKOUT.items() if framework not in present]
    lines += [f"- {what}: {why}" for what, why in NOT_DRIVEN]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
