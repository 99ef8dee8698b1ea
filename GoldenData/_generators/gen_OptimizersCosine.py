"""Golden cases for Specs/Optimizers.md Optimizers-7 (cosine decay after the linear warm-up) from Hugging Face
transformers' own scheduler: `transformers.get_cosine_schedule_with_warmup` on a `torch.optim.SGD` optimizer.
The learning rate of update t (1-based) is read from the optimizer before its t-th step, with the scheduler
stepped after every update, as a training loop does.
"""
import torch
from transformers import get_cosine_schedule_with_warmup

import golden_io as gio

PROGRAM = "GoldenData/_generators/gen_OptimizersCosine.py"


def transformers_lrs(lr, warmup, total, cycles, steps):
    param = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    optimizer = torch.optim.SGD([param], lr=lr)
    scheduler = get_cosine_schedule_with_warmup(optimizer, num_warmup_steps=warmup, num_training_steps=total,
                                                num_cycles=cycles)
    lrs = []
    for _ in range(max(steps)):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return [lrs[s - 1] for s in steps]


def ok(cid, comment, lr, warmup, total, cycles, steps):
    inputs = {"operation": "warmup_lr", "decay": "cosine", "lr": lr, "warmup_steps": warmup, "total_steps": total,
              "steps": steps}
    if cycles != 0.5:
        inputs["num_cycles"] = cycles
    return gio.case(cid, "Optimizers-7", comment, inputs, {"lrs": transformers_lrs(lr, warmup, total, cycles, steps)})


def error(cid, comment, inputs, kind):
    return gio.case(cid, "Optimizers-7", comment, dict({"operation": "warmup_lr", "steps": [1, 2]}, **inputs),
                    {"error": kind}, flags=["error"])


def main():
    cases = [
        ok("cosine-warmup-3-total-10", "linear warm-up over 3 updates from 0, then half a cosine to 0 at update 11; "
           "past the end the cosine rises again (transformers does not clamp the progress)", 1e-3, 3, 10, 0.5, list(range(1, 14))),
        ok("cosine-no-warmup", "no warm-up: the peak at update 1, then the cosine", 5e-6, 0, 8, 0.5, list(range(1, 10))),
        ok("cosine-full-cycle", "num_cycles 1: down to 0 half-way and back up to the peak at the end", 2e-4, 2, 10, 1.0,
           list(range(1, 12))),
        ok("cosine-warmup-equals-total", "warm-up as long as training: max(1, N - W) keeps the division finite", 1e-3, 4, 4,
           0.5, [1, 2, 3, 4, 5, 6]),
        error("cosine-without-total", "a cosine decay needs total_steps", {"decay": "cosine"}, "missing_input"),
        error("cosine-total-zero", "total_steps must be at least 1", {"decay": "cosine", "total_steps": 0}, "out_of_range"),
        error("decay-unknown", "only constant and cosine decays exist", {"decay": "linear"}, "invalid_argument"),
    ]
    gio.write_file("Optimizers", "schedule_cosine", "Cosine decay after the linear warm-up, as transformers' "
                   "get_cosine_schedule_with_warmup computes it", gio.generator_source(PROGRAM), cases)


if __name__ == "__main__":
    main()
