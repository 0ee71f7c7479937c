#!/usr/bin/env python3
"""PyTorch peer of dev.fusedtrainer.benchmarks.StepTime on a GPU.

The same depth-3 MLPs (width w: Linear(w,w)+ReLU, Linear(w,w)+ReLU, Linear(w,w); MSE loss), FP32,
no TF32. Variants per (width, optimizer, batch):
  step        : forward, backward, optimizer.step() (Adam fused=True where the version has it;
                SGD momentum foreach, or fused where available)
  in_backward : the optimizer-in-backward pattern: one optimizer per parameter, stepped from a
                register_post_accumulate_grad_hook as soon as that parameter's gradient exists
                (PyTorch >= 2.1), the analogue of FusedTrainer's BACKWARD schedule.
Each step ends with loss.item(), as FusedTrainer's step returns the loss (one sync per step).
Prints TSV with the same columns as StepTime.
"""
import argparse
import statistics
import sys
import time

import torch


def make_model(width):
    return torch.nn.Sequential(
        torch.nn.Linear(width, width), torch.nn.ReLU(),
        torch.nn.Linear(width, width), torch.nn.ReLU(),
        torch.nn.Linear(width, width)).cuda()


def make_optimizer(name, params):
    params = list(params)
    if name == "Adam":
        try:
            return torch.optim.Adam(params, lr=1e-3, fused=True), "fused"
        except (TypeError, RuntimeError):
            return torch.optim.Adam(params, lr=1e-3, foreach=True), "foreach"
    try:
        return torch.optim.SGD(params, lr=1e-2, momentum=0.9, fused=True), "fused"
    except (TypeError, RuntimeError):
        return torch.optim.SGD(params, lr=1e-2, momentum=0.9, foreach=True), "foreach"


def measure(step, rounds, round_ms):
    for _ in range(20):
        step()
    torch.cuda.synchronize()
    start = time.perf_counter()
    n = 0
    while time.perf_counter() - start < 0.05:
        step()
        n += 1
    steps = max(5, int(n * round_ms / 1000.0 / (time.perf_counter() - start)))
    per_step = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        per_step.append((time.perf_counter() - start) * 1e6 / steps)
    per_step.sort()
    return statistics.median(per_step), per_step[0], steps


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--widths", default="256,1024,2048")
    parser.add_argument("--batches", default="1,16,128")
    parser.add_argument("--optimizers", default="Adam,SgdMomentum")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--round-ms", type=int, default=100)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("# torch.cuda is not available", file=sys.stderr)
        return 1
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    print(f"# torch={torch.__version__} cuda={torch.version.cuda} device={torch.cuda.get_device_name(0)}")
    print("device\twidth\toptimizer\tbatch\tvariant\tmedian_us\tmin_us\tsteps_per_round")
    for width in map(int, args.widths.split(",")):
        for opt_name in args.optimizers.split(","):
            for batch in map(int, args.batches.split(",")):
                torch.manual_seed(0)
                x = torch.rand(batch, width, device="cuda") * 2 - 1
                t = torch.rand(batch, width, device="cuda") * 2 - 1

                model = make_model(width)
                optimizer, kind = make_optimizer(opt_name, model.parameters())

                def step():
                    optimizer.zero_grad(set_to_none=True)
                    loss = torch.nn.functional.mse_loss(model(x), t)
                    loss.backward()
                    optimizer.step()
                    return loss.item()

                med, low, steps = measure(step, args.rounds, args.round_ms)
                print(f"torch\t{width}\t{opt_name}\t{batch}\tstep({kind})\t{med:.1f}\t{low:.1f}\t{steps}", flush=True)

                if hasattr(torch.Tensor, "register_post_accumulate_grad_hook"):
                    model2 = make_model(width)
                    per_param = {p: make_optimizer(opt_name, [p])[0] for p in model2.parameters()}

                    def hook(p):
                        per_param[p].step()
                        per_param[p].zero_grad(set_to_none=True)

                    for p in model2.parameters():
                        p.register_post_accumulate_grad_hook(hook)

                    def step2():
                        loss = torch.nn.functional.mse_loss(model2(x), t)
                        loss.backward()
                        return loss.item()

                    med, low, steps = measure(step2, args.rounds, args.round_ms)
                    print(f"torch\t{width}\t{opt_name}\t{batch}\tin_backward({kind})\t{med:.1f}\t{low:.1f}\t{steps}",
                          flush=True)
                del model, optimizer
                torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
