"""The table of benchmarks/elasticity_scale.sh: per run, the mesh, unknowns, Newton and Krylov
iterations, wall time, the solve's parts from -log_view (assembly of the Jacobian, GAMG set-up,
Krylov), peak memory and bytes per unknown.
usage: python3 elasticity_summary.py OUT_DIR RUN...
SPDX-License-Identifier: GPL-2.0-or-later"""
import json
import os
import re
import sys


def log_time(log, event):
    """Total seconds of a -log_view event (its first line), 0 when absent."""
    m = re.search(r"^" + re.escape(event) + r"\s+(\d+)\s+\S+\s+(\S+)", log, re.M)
    return (int(m.group(1)), float(m.group(2))) if m else (0, 0.0)


def peak_mb(time_file):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(time_file).read())
    return int(m.group(1)) / 1024 if m else float("nan")


def wall(time_file):
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", open(time_file).read())
    return (int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))) if m else float("nan")


out, runs = sys.argv[1], sys.argv[2:]
print(f"{'run':18} {'tets':>9} {'unknowns':>9} {'Newton':>6} {'Krylov':>6} {'wall s':>7} {'solve s':>7} "
      f"{'KSPSolve s':>10} {'PCSetUp s':>9} {'Jacobian s':>10} {'s/Newton':>8} {'peak MB':>8} {'B/unknown':>9}")
for name in runs:
    rep = json.load(open(os.path.join(out, name, "report.json")))
    log = open(os.path.join(out, name + ".log")).read()
    solve = rep["solve"]
    unknowns = solve["unknowns"]
    newton = solve.get("newton_iterations", 0)
    krylov = solve["iterations"]
    ksp = log_time(log, "KSPSolve")[1]
    pcsetup = log_time(log, "PCSetUp")[1]
    jac = log_time(log, "SNESJacobianEval")[1]
    solve_s = rep["timings_s"]["solve"]
    per_newton = (log_time(log, "SNESSolve")[1] / newton) if newton else float("nan")
    mb = peak_mb(os.path.join(out, name + ".time"))
    print(f"{name:18} {rep['mesh']['tetrahedra']:>9} {unknowns:>9} {newton:>6} {krylov:>6} "
          f"{wall(os.path.join(out, name + '.time')):>7.1f} {solve_s:>7.1f} {ksp:>10.2f} {pcsetup:>9.2f} {jac:>10.2f} "
          f"{per_newton:>8.2f} {mb:>8.0f} {mb * 2**20 / unknowns:>9.0f}")
