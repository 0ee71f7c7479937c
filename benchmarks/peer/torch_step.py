#!/usr/bin/env python3
"""PyTorch peer of FusedTrainer's step-time runner (PyTorch 1.13, CPU, float32).

Trains the runner's MLP (784 -> depth x width ReLU -> 10, softmax cross-entropy) two ways:

  standard     the usual loop: zero_grad(set_to_none=True), forward, backward, optimizer.step(),
               with the multi-tensor ("foreach") Adam / SGD over all parameters.
  in_backward  optimizer-in-backward: one single-tensor optimizer per parameter, stepped from a
               post-hook on the parameter's AccumulateGrad node, then the gradient is dropped.
               PyTorch 1.13 has no Tensor.register_post_accumulate_grad_hook (added in 2.1); the
               AccumulateGrad node, reached as p.view_as(p).grad_fn.next_functions[0][0], is the
               node that writes p.grad, and a hook registered on it runs right after it has done
               so. This is how torch.distributed's _apply_optimizer_in_backward did it before 2.1.
               The node object must be kept alive (we hold it), or the hook goes with it.
               The input gradient of a Linear is computed by the same autograd node as its weight
               gradient, before AccumulateGrad runs, so it always sees the old weights.

Modes:
  --serve          read one JSON request per line on stdin, answer one JSON line on stdout
                   (used by the Java runner, which keeps one Python process for the whole matrix
                   and interleaves PyTorch's rounds with its own: setup, round k, ..., done)
  --verify         check that in_backward gives the same parameters as standard after some steps
  --memory VARIANT run a few steps in this fresh process and print VmHWM / VmRSS (KiB)
  (default)        time one configuration given by --width/--depth/--batch/--optimizer/--threads

Timing mirrors the Java runner: warm-up, then rounds in which both variants run the same number
of steps, in alternating order; median and min/max of the per-step time over rounds. Under the
runner, each PyTorch round is one slot of the runner's own rotating rounds, so PyTorch and the
three FusedTrainer schedules see the same machine drift.
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def build_model(width, depth, seed=42):
    torch.manual_seed(seed)
    layers, d = [], 784
    for _ in range(depth):
        layers += [nn.Linear(d, width), nn.ReLU()]
        d = width
    layers.append(nn.Linear(d, 10))
    return nn.Sequential(*layers)


def make_optimizer(params, optimizer, foreach):
    if optimizer == "adam":
        return torch.optim.Adam(params, lr=1e-3, foreach=foreach)
    if optimizer == "sgd-momentum":
        return torch.optim.SGD(params, lr=0.01, momentum=0.9, foreach=foreach)
    raise SystemExit(f"unknown optimizer {optimizer!r}; use sgd-momentum or adam")


class StandardLoop:
    name = "standard"

    def __init__(self, model, optimizer):
        self.model = model
        self.opt = make_optimizer(model.parameters(), optimizer, foreach=True)

    def step(self, x, y):
        self.opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.model(x), y)
        loss.backward()
        self.opt.step()
        return loss


class OptimizerInBackward:
    name = "in_backward"

    def __init__(self, model, optimizer):
        self.model = model
        self.nodes = []  # AccumulateGrad nodes: hooks live as long as their node
        for p in model.parameters():
            opt = make_optimizer([p], optimizer, foreach=False)
            node = p.view_as(p).grad_fn.next_functions[0][0]

            def after_accumulate(grad_inputs, grad_outputs, p=p, opt=opt):
                opt.step()
                p.grad = None

            node.register_hook(after_accumulate)
            self.nodes.append(node)

    def step(self, x, y):
        loss = F.cross_entropy(self.model(x), y)
        loss.backward()
        return loss


VARIANTS = {"standard": StandardLoop, "in_backward": OptimizerInBackward}


def batch_of(batch, seed=1234):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 784, generator=g), torch.randint(0, 10, (batch,), generator=g)


def measure(req):
    torch.set_num_threads(int(req["threads"]))
    width, depth, batch, optimizer = int(req["width"]), int(req["depth"]), int(req["batch"]), req["optimizer"]
    budget = req.get("budget", {})
    warmup_ms = budget.get("warmup_ms", 400.0)
    round_ms = budget.get("round_ms", 30.0)
    min_rounds = budget.get("min_rounds", 9)
    max_rounds = budget.get("max_rounds", 60)
    measure_ms = budget.get("measure_ms", 1500.0)
    floor_rounds = budget.get("floor_rounds", 5)
    cap_ms = budget.get("cap_ms", 8000.0)
    x, y = batch_of(batch)
    runs = [cls(build_model(width, depth), optimizer) for cls in VARIANTS.values()]

    estimate = [0.0] * len(runs)
    end = time.perf_counter() + warmup_ms / 1e3
    warm = 0
    while time.perf_counter() < end or warm < 2:
        for i, r in enumerate(runs):
            t0 = time.perf_counter()
            r.step(x, y)
            estimate[i] = (time.perf_counter() - t0) * 1e3
        warm += 1
    k = max(1, int(-(-round_ms // max(max(estimate), 1e-3))))

    samples = [[] for _ in runs]
    rounds = 0
    start = time.perf_counter()

    def more():  # same rule as StepBench.Budget.more
        elapsed = (time.perf_counter() - start) * 1e3
        if rounds >= max_rounds:
            return False
        if rounds < min(floor_rounds, min_rounds):
            return True
        if elapsed >= cap_ms:
            return False
        return rounds < min_rounds or elapsed < measure_ms

    while more():
        order = range(len(runs)) if rounds % 2 == 0 else reversed(range(len(runs)))
        for i in order:
            t0 = time.perf_counter()
            for _ in range(k):
                runs[i].step(x, y)
            samples[i].append((time.perf_counter() - t0) * 1e3 / k)
        rounds += 1
    out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    for r, s in zip(runs, samples):
        out[r.name] = {"median_ms": statistics.median(s), "min_ms": min(s), "max_ms": max(s),
                       "samples": len(s), "steps": len(s) * k}
    return out


class Session:
    """Interleaved timing driven by the Java runner: setup (build + warm up), then one `round`
    per runner round (k steps of each variant, order alternating), then done."""

    def __init__(self):
        self.runs, self.x, self.y, self.calls = None, None, None, 0

    def setup(self, req):
        torch.set_num_threads(int(req["threads"]))
        self.x, self.y = batch_of(int(req["batch"]))
        self.runs = [cls(build_model(int(req["width"]), int(req["depth"])), req["optimizer"])
                     for cls in VARIANTS.values()]
        self.calls = 0
        estimate = [0.0] * len(self.runs)
        end = time.perf_counter() + float(req.get("warmup_ms", 400.0)) / 1e3
        warm = 0
        while time.perf_counter() < end or warm < 2:
            for i, r in enumerate(self.runs):
                t0 = time.perf_counter()
                r.step(self.x, self.y)
                estimate[i] = (time.perf_counter() - t0) * 1e3
            warm += 1
        return {"estimate_ms": max(estimate), "threads": torch.get_num_threads()}

    def round(self, k):
        out = {}
        order = list(range(len(self.runs)))
        if self.calls % 2:
            order.reverse()
        self.calls += 1
        for i in order:
            r = self.runs[i]
            t0 = time.perf_counter()
            for _ in range(k):
                r.step(self.x, self.y)
            out[r.name] = (time.perf_counter() - t0) * 1e3 / k
        return out

    def done(self):
        self.runs, self.x, self.y = None, None, None
        return {}


def verify(width, depth, batch, optimizer, steps, threads):
    """Max |difference| of every parameter between the two variants after `steps` steps."""
    torch.set_num_threads(threads)
    a = StandardLoop(build_model(width, depth), optimizer)
    b = OptimizerInBackward(build_model(width, depth), optimizer)
    worst, moved = 0.0, 0.0
    start = [p.detach().clone() for p in a.model.parameters()]
    for s in range(steps):
        x, y = batch_of(batch, seed=100 + s)
        la, lb = a.step(x, y).item(), b.step(x, y).item()
        worst = max(worst, abs(la - lb))
    for p0, pa, pb in zip(start, a.model.parameters(), b.model.parameters()):
        worst = max(worst, (pa - pb).abs().max().item())
        moved = max(moved, (pa - p0).abs().max().item())
    return {"steps": steps, "max_abs_diff": worst, "max_update": moved,
            "same": worst <= 1e-6 and moved > 0}


def memory(variant, width, depth, batch, optimizer, threads, steps=3):
    def status():
        fields = {}
        with open("/proc/self/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    fields[key] = int(value.split()[0])
        return fields

    torch.set_num_threads(threads)
    base = status()
    run = VARIANTS[variant](build_model(width, depth), optimizer)
    x, y = batch_of(batch)
    for _ in range(steps):
        run.step(x, y)
    after = status()
    return {"variant": variant, "baseline_rss_kib": base["VmRSS"], "vmhwm_kib": after["VmHWM"],
            "vmrss_kib": after["VmRSS"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--verify", action="store_true")
    ap.add_argument("--memory", choices=list(VARIANTS))
    ap.add_argument("--width", type=int, default=1024)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--optimizer", default="adam", choices=["adam", "sgd-momentum"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_interop_threads(1)
    if args.serve:
        print(json.dumps({"ready": True, "torch": torch.__version__}), flush=True)
        session = Session()
        for line in sys.stdin:
            if not line.strip():
                continue
            req = json.loads(line)
            try:
                cmd = req.get("cmd")
                if cmd == "setup":
                    res = session.setup(req)
                elif cmd == "round":
                    res = session.round(int(req["k"]))
                elif cmd == "done":
                    res = session.done()
                elif req.get("verify"):
                    res = verify(int(req["width"]), int(req["depth"]), int(req["batch"]), req["optimizer"],
                                 int(req.get("steps", 5)), int(req["threads"]))
                else:
                    res = measure(req)
            except Exception as e:  # report, keep serving
                res = {"error": f"{type(e).__name__}: {e}"}
            print(json.dumps(res), flush=True)
        return
    if args.verify:
        res = verify(args.width, args.depth, args.batch, args.optimizer, args.steps, args.threads)
        print(json.dumps(res))
        sys.exit(0 if res["same"] else 1)
    if args.memory:
        print(json.dumps(memory(args.memory, args.width, args.depth, args.batch, args.optimizer, args.threads)))
        return
    print(json.dumps(measure(vars(args))))


if __name__ == "__main__":
    main()
