#!/usr/bin/env python3
"""Writes tests/src/test/resources/reference/lr_schedules.json: the learning rate PyTorch's
torch.optim.lr_scheduler gives each optimizer update, stepping the scheduler once per optimizer.step().

Run with Debian's PyTorch (apt-get install python3-torch): /usr/bin/python3 scripts/lr_schedule_reference.py
Each case names the FusedTrainer schedule it corresponds to, in LearningRateSchedule.encode() form.
"""
import json
import pathlib

import torch
from torch.optim import lr_scheduler as S

BASE_LR = 0.1


def trace(make, updates):
    param = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([param], lr=BASE_LR)
    sched = make(opt)
    lrs = []
    for _ in range(updates):
        lrs.append(opt.param_groups[0]["lr"])
        param.grad = torch.ones_like(param)
        opt.step()
        sched.step()
    return lrs


CASES = [
    ("STEP stepSize=7 gamma=0.5", "StepLR(step_size=7, gamma=0.5)", 40,
     lambda o: S.StepLR(o, step_size=7, gamma=0.5)),
    ("EXPONENTIAL gamma=0.9", "ExponentialLR(gamma=0.9)", 40,
     lambda o: S.ExponentialLR(o, gamma=0.9)),
    ("COSINE decaySteps=30 minFactor=0.05", "CosineAnnealingLR(T_max=30, eta_min=0.05 * lr)", 31,
     lambda o: S.CosineAnnealingLR(o, T_max=30, eta_min=0.05 * BASE_LR)),
    ("CONSTANT warmupSteps=10 warmupStartFactor=0.25", "LinearLR(start_factor=0.25, total_iters=10)", 30,
     lambda o: S.LinearLR(o, start_factor=0.25, total_iters=10)),
    ("COSINE decaySteps=20 minFactor=0.0 warmupSteps=5 warmupStartFactor=0.01",
     "SequentialLR([LinearLR(start_factor=0.01, total_iters=5), CosineAnnealingLR(T_max=20)], milestones=[5])", 26,
     lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.01, total_iters=5), S.CosineAnnealingLR(o, T_max=20)],
                              milestones=[5])),
    ("STEP stepSize=5 gamma=0.1 warmupSteps=4 warmupStartFactor=0.3333333333333333",
     "SequentialLR([LinearLR(total_iters=4), StepLR(step_size=5, gamma=0.1)], milestones=[4])", 30,
     lambda o: S.SequentialLR(o, [S.LinearLR(o, total_iters=4), S.StepLR(o, step_size=5, gamma=0.1)],
                              milestones=[4])),
]


def main():
    out = {"torch": torch.__version__, "base_lr": BASE_LR, "cases": []}
    for schedule, torch_form, updates, make in CASES:
        out["cases"].append({"schedule": schedule, "pytorch": torch_form, "lr_per_update": trace(make, updates)})
    path = pathlib.Path(__file__).resolve().parent.parent / "tests/src/test/resources/reference/lr_schedules.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
