#!/usr/bin/python3
"""Runs bench_flow over sizes and solver option sets; prints one markdown row per run.

SPDX-License-Identifier: GPL-2.0-or-later

Usage (from the build's parent directory):
  benchmarks/flow_sweep.py --bench build/benchmarks/bench_flow --sizes 4 8 16 --stokes \
      --config current= --config rec="-flow_fieldsplit_velocity_pc_gamg_agg_nsmooths 0" --repeat 2

Per run: unknowns, Newton steps, Krylov iterations (all, and the largest per step), the solve's
wall time (assembly + linear solves, as bench_flow prints it), PCSetUp (fieldsplit extraction
plus GAMG set-up, summed over Newton steps) and MatPtAP (GAMG's Galerkin products) from
-log_view, and the peak resident memory from /usr/bin/time -v. With --repeat k, the times are
the minimum over k runs (the machine is shared); counts and memory do not change run to run.
"""
import argparse
import re
import shlex
import subprocess


def event_time(log, name):
    """Time column of one -log_view event line (0 when absent)."""
    m = re.search(r"^" + re.escape(name) + r"\s+(\d+)\s+[\d.]+\s+([\d.e+-]+)", log, re.M)
    return float(m.group(2)) if m else 0.0


def run_once(bench, n, stokes, re_number, extra, timeout):
    cmd = ["/usr/bin/time", "-v", bench, "-n", str(n), "-log_view"]
    cmd += ["-stokes"] if stokes else ["-re", str(re_number)]
    cmd += shlex.split(extra)
    try:
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout).stdout
    except subprocess.TimeoutExpired:
        return {"failed": f"timed out after {timeout} s"}
    m = re.search(r"(\d+) unknowns.*solve ([\d.]+) s; Newton (\d+), linear iterations (\d+) \(at most (\d+)", out)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", out)
    if not m:
        err = re.search(r"ERROR: (flow: .*)", out)
        return {"failed": err.group(1)[:160] if err else "no summary line"}
    return {
        "unknowns": int(m.group(1)),
        "solve": float(m.group(2)),
        "newton": int(m.group(3)),
        "its": int(m.group(4)),
        "maxits": int(m.group(5)),
        "pcsetup": event_time(out, "PCSetUp"),
        "ptap": event_time(out, "MatPtAPSymbolic") + event_time(out, "MatPtAPNumeric"),
        "rss_mb": int(rss.group(1)) / 1024 if rss else float("nan"),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", default="build/benchmarks/bench_flow")
    ap.add_argument("--sizes", type=int, nargs="+", default=[4, 8, 16])
    ap.add_argument("--stokes", action="store_true")
    ap.add_argument("--re", type=float, default=300)
    ap.add_argument("--config", action="append", default=[], help="name=options (options passed to bench_flow)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=600, help="seconds per run")
    args = ap.parse_args()
    configs = [c.split("=", 1) for c in args.config] or [["current", ""]]
    print("| config | n | unknowns | Newton | Krylov its (max/step) | solve s | PCSetUp s | PtAP s | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, extra in configs:
        for n in args.sizes:
            runs = [run_once(args.bench, n, args.stokes, args.re, extra, args.timeout) for _ in range(args.repeat)]
            ok = [r for r in runs if "failed" not in r]
            if not ok:
                print(f"| {name} | {n} | failed: {runs[0]['failed']} | | | | | | |", flush=True)
                continue
            r = ok[0]
            best = {k: min(x[k] for x in ok) for k in ("solve", "pcsetup", "ptap")}
            print(f"| {name} | {n} | {r['unknowns']} | {r['newton']} | {r['its']} ({r['maxits']}) | {best['solve']:.2f} "
                  f"| {best['pcsetup']:.2f} | {best['ptap']:.2f} | {r['rss_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
