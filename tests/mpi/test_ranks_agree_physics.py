"""Every physics the app runs gives the same fields on 3 ranks as on 1, point by point
(DESIGN: everything after meshing is collective and rank-count independent within solver
tolerance). tests/mpi/test_ranks_agree.py does it for the default small-strain P1 case and the
mixed incompressible form; this file for what they leave out:

- finite strain (neo-Hookean, P1) over 2 load steps with a retractor plane lifting the organ
  phantom's front 8 mm and a pressure of 300 Pa on the tumour's interface: the displacement at
  every vertex, and the tool's and the clamp's forces in forces.csv at every step;
- Stokes flow in the carotid bifurcation phantom (the flow demo): the P2 velocity at every
  vertex and edge node (quadratic cells), the P1 pressure, the wall shear stress;
- steady Navier-Stokes (Newton, from Picard steps) on the same mesh: the same fields.

Each run meshes with Gmsh's Delaunay (bit-identical meshes on every run); the elasticity solves
to tight tolerances (Newton to 1e-12 relative, CG to 1e-10), the flow with its own defaults, so
the 1- and 3-rank answers may differ only by the tolerances times the operators' conditioning:
1e-7 of the largest value is asked, where a rank that lost its ghost update or wrote its piece from
the wrong layout is off by a good part of the field. The figures are in docs/verification.md.
SPDX-License-Identifier: GPL-2.0-or-later"""
import csv
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc
import ranks_compare as rc

args = tc.parse_args()
ck = tc.Checks("ranks_agree_physics")
TOLERANCE = 1e-7


def run_twins(label, extra, fields):
    """{field: {ranks: (report, last state)}} of `twinfe demo extra` on 1 and 3 ranks."""
    runs = {f: {} for f in fields}
    for n in (1, 3):
        folder = os.path.join(args.work_dir, f"{label}_np{n}")
        cmd = [args.app, "demo", "-o", folder, "-mesh_algorithm", "delaunay"] + extra
        if n > 1:
            cmd = [args.mpiexec, "--oversubscribe", "-n", str(n)] + cmd
        code, _, err = tc.run(cmd)
        ck.check(code == 0, f"{label}, {n} ranks: exit code {code}: {err}")
        for f in fields if code == 0 else ():
            runs[f][n] = (tc.report(folder), rc.last_state(folder, f))
    for f in fields:
        rc.compare(ck, label, runs[f], f, TOLERANCE)
    return runs


def forces(folder):
    """The force columns of forces.csv (newtons) as an array, one row per load step."""
    with open(os.path.join(folder, "forces.csv")) as f:
        rows = list(csv.DictReader(f))
    return np.array([[float(v) for k, v in r.items() if k.endswith("_N")] for r in rows])


# The organ phantom's front (least y) is at y = -71.6 mm near (2, -71.6, 151) at -mesh_size 8:
# a plane 3 mm either side of y = -70 holds the tissue there and lifts it 8 mm (-y).
finite = ["-mesh_size", "8", "-material", "neo_hookean", "-elasticity_load_steps", "2", "-retractor_shape", "plane",
          "-retractor_center", "2.1,-70,151.1", "-retractor_axis", "0,1,0", "-retractor_thickness", "6",
          "-retractor_motion", "0,-8,0", "-retractor_tags", "1", "-pressure_tags", "1002", "-pressure_Pa", "300",
          "-elasticity_snes_rtol", "1e-12", "-elasticity_ksp_rtol", "1e-10"]
runs = run_twins("finite_strain_tool", finite, ("displacement",))
if set(runs["displacement"]) == {1, 3}:
    f1 = forces(os.path.join(args.work_dir, "finite_strain_tool_np1"))
    f3 = forces(os.path.join(args.work_dir, "finite_strain_tool_np3"))
    ck.check(f1.shape == f3.shape and f1.shape[0] == 2, f"forces.csv: {f1.shape} on 1 rank, {f3.shape} on 3")
    if f1.shape == f3.shape:
        diff = np.abs(f1 - f3).max()
        print(f"finite_strain_tool: forces.csv 3 ranks vs 1: {diff:.3e} N of {np.abs(f1).max():.3f}")
        ck.check(diff <= TOLERANCE * np.abs(f1).max(), f"forces differ by {diff} N")
        ck.check(np.abs(f1).max() > 1, f"the tool pulls: {np.abs(f1).max()} N")

# The flow solvers' own tolerances (Newton's last steps converge quadratically, far below them):
# measured 1.9e-10 of the largest velocity between 1 and 3 ranks for Navier-Stokes.
flow = ["-mesh_size", "1.5"]
run_twins("stokes", ["-physics", "stokes"] + flow, ("velocity", "pressure", "wall_shear_stress"))
run_twins("navier_stokes", ["-physics", "navier_stokes"] + flow, ("velocity", "pressure", "wall_shear_stress"))
ck.close()
