#!/usr/bin/python3
"""Mesh quality over repeated runs: HXT is not reproducible, so a quality bound is a claim about
every run. Runs `twinfe mesh IMAGE` N times per image and prints, per run, the tets and the
worst radius ratio and dihedral angle before (Gmsh's output) and after TwinfeMeshImprove, from
report.json.

usage: benchmarks/quality_runs.py APP RUNS IMAGE [IMAGE...] [-- extra twinfe options]
SPDX-License-Identifier: GPL-2.0-or-later"""
import json
import os
import subprocess
import sys
import tempfile

app, runs, rest = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
extra = rest[rest.index("--") + 1:] if "--" in rest else []
images = rest[:rest.index("--")] if "--" in rest else rest
print(f"{'image':28s} run {'tets':>9s} {'poor':>5s} {'rr_min':>7s} {'dih_min':>7s} -> {'poor':>4s} {'rr_min':>7s} {'dih_min':>7s} {'s':>5s}")
worst = {"rr": 1.0, "dih": 90.0, "poor": 0}
with tempfile.TemporaryDirectory() as tmp:
    for image in images:
        for run in range(runs):
            out = os.path.join(tmp, f"run{run}")
            proc = subprocess.run([app, "mesh", image, "-o", out, *extra], capture_output=True, text=True)
            if proc.returncode:
                print(os.path.basename(image), run, "FAILED:", proc.stderr.strip()[-300:])
                continue
            rep = json.load(open(os.path.join(out, "report.json")))
            m, imp = rep["mesh"], rep["mesh"].get("improve", {})
            q = m["quality"]
            print(f"{os.path.basename(image):28s} {run:3d} {m['tetrahedra']:9d} {imp.get('poor_tets_before', -1):5d} "
                  f"{imp.get('min_radius_ratio_before', 0):7.4f} {imp.get('min_dihedral_deg_before', 0):7.2f} -> "
                  f"{imp.get('poor_tets_after', -1):4d} {q['min_gamma']:7.4f} {q['min_dihedral_deg']:7.2f} {imp.get('seconds', 0):5.2f}",
                  flush=True)
            worst["rr"] = min(worst["rr"], q["min_gamma"])
            worst["dih"] = min(worst["dih"], q["min_dihedral_deg"])
            worst["poor"] = max(worst["poor"], imp.get("poor_tets_after", 0))
            subprocess.run(["rm", "-rf", out])
print(f"worst over all runs: radius ratio {worst['rr']:.4f}, dihedral {worst['dih']:.2f} deg, poor tets left {worst['poor']}")
