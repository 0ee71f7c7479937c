#!/usr/bin/env python3
"""Checks a benchmarks/run JSON against the issue's targets; prints a markdown table.

    /usr/bin/python3 benchmarks/targets.py out.json [--threads N]   (N: only those rows)
"""
import json
import sys


def main(path, threads=None):
    rows = json.load(open(path))["configurations"]
    if threads is not None:
        rows = [r for r in rows if r["config"]["threads"] == threads]

    def cfg(r):
        c = r["config"]
        return f'w{c["width"]} b{c["batch"]} {c["optimizer"]} t{c["threads"]}'

    def ratio(r, s):
        return r["schedules"][s]["ratio_to_unfused"]

    out = ["| target | measured | verdict |", "|---|---|---|"]

    for batch, limit in ((1, 0.65), (16, 0.85)):
        sel = [r for r in rows if r["config"]["optimizer"] == "adam" and r["config"]["width"] >= 1024
               and r["config"]["batch"] == batch]
        if not sel:
            continue
        vals = ", ".join(f"{cfg(r)} {ratio(r, 'BACKWARD'):.2f}×" for r in sel)
        worst = max(ratio(r, "BACKWARD") for r in sel)
        met = sum(ratio(r, "BACKWARD") <= limit for r in sel)
        verdict = ("met" if met == len(sel) else f"missed in {len(sel) - met} of {len(sel)}; worst "
                   f"{worst:.2f}× is {worst / limit:.2f}× the target")
        out.append(f"| BACKWARD ≤ {limit}× UNFUSED, Adam, width ≥ 1024, batch {batch} | {vals} | {verdict} |")

    bad = [(cfg(r), s, ratio(r, s)) for r in rows for s in ("BACKWARD", "FORWARD") if ratio(r, s) > 1.03]
    worst = max(bad, key=lambda x: x[2]) if bad else None
    out.append("| no BACKWARD/FORWARD > 1.03× UNFUSED | "
               + (f"{len(bad)} of {2 * len(rows)} exceed; worst {worst[0]} {worst[1]} {worst[2]:.2f}×" if bad
                  else f"all {2 * len(rows)} ≤ 1.03×")
               + " | " + ("met" if not bad else "missed") + " |")

    torch_rows = [r for r in rows if r.get("pytorch") and "standard" in r["pytorch"]]
    if torch_rows:
        small = [r for r in torch_rows if r["config"]["batch"] <= 16]
        low = min(small, key=lambda r: r["ratios"]["pytorch_best_vs_best"]) if small else None
        below3 = [r for r in small if r["ratios"]["pytorch_best_vs_best"] < 3]
        if low:
            out.append(f"| best FusedTrainer ≥ 3× faster than PyTorch's best, batch ≤ 16 | lowest "
                       f"{low['ratios']['pytorch_best_vs_best']:.2f}× ({cfg(low)}); {len(small) - len(below3)} of "
                       f"{len(small)} ≥ 3× | " + ("met" if not below3 else f"missed in {len(below3)}: "
                       + ", ".join(f"{cfg(r)} {r['ratios']['pytorch_best_vs_best']:.2f}×" for r in below3)) + " |")
        slower = [r for r in torch_rows if r["ratios"]["pytorch_best_vs_best"] < 1]
        lowest = min(torch_rows, key=lambda r: r["ratios"]["pytorch_best_vs_best"])
        out.append(f"| not slower than PyTorch on any configuration | lowest "
                   f"{lowest['ratios']['pytorch_best_vs_best']:.2f}× ({cfg(lowest)}) | "
                   + ("met" if not slower else f"missed in {len(slower)}: "
                      + ", ".join(f"{cfg(r)} {r['ratios']['pytorch_best_vs_best']:.2f}×" for r in slower)) + " |")
    else:
        out.append("| PyTorch targets | no PyTorch numbers in this run | not checked |")

    small = [r for r in rows if r["config"]["batch"] <= 16]
    over = [r for r in small if r["ratios"]["best_vs_floor"] > 1.5]
    worst = max(small, key=lambda r: r["ratios"]["best_vs_floor"])
    out.append(f"| best step ≤ 1.5× floor, batch ≤ 16 | worst {worst['ratios']['best_vs_floor']:.2f}× ({cfg(worst)}); "
               f"{len(small) - len(over)} of {len(small)} within | "
               + ("met" if not over else f"missed in {len(over)} of {len(small)}") + " |")
    print("\n".join(out))


if __name__ == "__main__":
    args = sys.argv[1:]
    only = None
    if "--threads" in args:
        i = args.index("--threads")
        only = int(args[i + 1])
        del args[i:i + 2]
    main(args[0] if args else "out.json", only)
