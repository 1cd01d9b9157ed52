"""The bundled case end to end through the app, and its outputs read back as ParaView, a slicer
and a planner would: .pvd/.vtu with VTK's XML readers, STL with VTK and admesh, report.json.
SPDX-License-Identifier: GPL-2.0-or-later"""
import math
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc

args = tc.parse_args()
ck = tc.Checks("demo_outputs")
out = os.path.join(args.work_dir, "demo")
code, stdout, stderr = tc.run([args.app, "demo", "-o", out])
ck.check(code == 0, f"twinfe demo exited {code}: {stderr}")
if code != 0:
    ck.close()
print(stdout)
ck.check("max displacement" in stdout and "results.pvd" in stdout, "summary lacks displacement or output paths")
ck.check(not [p for p in os.listdir(args.work_dir) if "partial-" in p], "a staging folder was left behind")

rep = tc.report(out)
ck.check(rep["twinfe"]["version"] == "0.2.0", "report version")
for role in ("case_file", "image"):
    ck.check(len(rep["inputs"][role]["sha256"]) == 64, f"sha256 of {role}")
ck.check(rep["solve"]["converged_reason"].startswith("CONVERGED"), "solver converged")
tc.check_mesh_quality(ck, rep)
for name in ("organ", "tumor"):
    change = rep["mesh"]["regions"][name]["volume_change_vs_voxels_percent"]
    # Smoothing is deterministic: organ -0.38%, tumour +0.34% on every run (docs/verification.md).
    # 1% is over twice that; lost anatomy or a doubled surface is tens of %.
    ck.check(abs(change) < 1.0, f"{name} volume change {change}%")
# CG + GAMG to rtol 1e-8 took 34 iterations on every HXT mesh measured; within 50%: a lost
# near null space or point Jacobi (4x as many on the verification problems) falls outside.
ck.check(17 <= rep["solve"]["iterations"] <= 51, f"{rep['solve']['iterations']} iterations")
# The organ (5 kPa, 60 mm) held at its posterior quarter sags 4.463-4.465 mm over three HXT
# meshes (docs/verification.md); +-3% is ten times that spread, while density or E off by 6%
# or a unit error falls outside.
sag = rep["solve"]["max_displacement_mm"]
ck.check(4.33 <= sag <= 4.60, f"max displacement {sag} mm, measured 4.46 +- 0.13 mm")
for stage in ("image", "surface", "mesh", "partition", "solve", "write_results"):
    ck.check(stage in rep["timings_s"], f"timing of {stage}")

# ParaView's view of the results: the collection, every state, the arrays and their sizes.
states = tc.pvd_states(os.path.join(out, "results.pvd"))
ck.check([t for t, _ in states] == [0.0, 1.0], f"time values {states}")
last = tc.read_xml(os.path.join(out, states[-1][1]))
npoints, ncells = last.GetNumberOfPoints(), last.GetNumberOfCells()
ck.check(ncells == rep["mesh"]["tetrahedra"], f"{ncells} cells vs {rep['mesh']['tetrahedra']} tets")
ck.check(npoints == rep["mesh"]["vertices"], f"{npoints} points vs {rep['mesh']['vertices']} vertices")
disp = last.GetPointData().GetArray("displacement")
ck.check(disp is not None and disp.GetNumberOfTuples() == npoints and disp.GetNumberOfComponents() == 3, "displacement array")
for name, comps in (("von_mises", 1), ("stress", 6), ("region", 1)):
    arr = last.GetCellData().GetArray(name)
    ck.check(arr is not None and arr.GetNumberOfTuples() == ncells and arr.GetNumberOfComponents() == comps, f"cell array {name}")
if disp is not None:
    dmax = max(math.sqrt(sum(disp.GetComponent(i, c) ** 2 for c in range(3))) for i in range(npoints))
    ck.check(abs(dmax - rep["solve"]["max_displacement_mm"]) <= 1e-9 * dmax, f"max |u| in file {dmax} vs report")
    # The clamp holds the posterior quarter of the outer surface: those points do not move,
    # and every point that does not move lies in that quarter.
    pts = [last.GetPoint(i) for i in range(npoints)]
    ys = [p[1] for p in pts]
    y_cut = max(ys) - 0.25 * (max(ys) - min(ys))
    still = [i for i in range(npoints) if all(disp.GetComponent(i, c) == 0.0 for c in range(3))]
    # The clamp holds the outer-surface vertices in the posterior quarter: 1975 on every run
    # (the surface is deterministic). +-5% allows a smoothing change that moves a few across
    # the cut; the wrong side, fraction or interior vertices change it by a factor.
    ck.check(1876 <= len(still) <= 2074, f"{len(still)} clamped points, measured 1975")
    ck.check(all(pts[i][1] >= y_cut - 1e-9 for i in still), "a point outside the clamped quarter does not move")
    # The organ sags posterior (+y in LPS) under gravity: mean u_y 1.726-1.728 mm over two HXT
    # meshes, +-3% asserted as for the largest displacement; and no point moves anterior
    # by more than 1% of the sag (measured: smallest u_y 0, the clamped points), which a
    # gravity sign error breaks (-4.5 mm).
    mean_uy = sum(disp.GetComponent(i, 1) for i in range(npoints)) / npoints
    min_uy = min(disp.GetComponent(i, 1) for i in range(npoints))
    ck.check(1.675 <= mean_uy <= 1.779, f"mean posterior displacement {mean_uy} mm, measured 1.727")
    ck.check(min_uy >= -0.01 * sag, f"a point moves anterior by {-min_uy} mm")
regions = last.GetCellData().GetArray("region")
if regions is not None:
    ck.check(set(int(regions.GetValue(i)) for i in range(ncells)) == {1, 2}, "regions 1 and 2")
mesh = tc.read_xml(os.path.join(out, "mesh.vtu"))
ck.check(mesh.GetNumberOfCells() == ncells, "mesh.vtu cells")

# 3D printing: each region's STL is closed and manifold, for VTK and for admesh.
for name in ("organ", "tumor"):
    stl = os.path.join(out, f"{name}.stl")
    boundary, nonmanifold, ntri = tc.stl_open_edges(stl)
    ck.check(ntri > 100 and boundary == 0 and nonmanifold == 0, f"{name}.stl: {ntri} triangles, {boundary} open, {nonmanifold} non-manifold edges")
    if shutil.which("admesh"):
        text = subprocess.run(["admesh", stl], capture_output=True, text=True).stdout
        fields = {l.split(":")[0].strip(): l.split(":")[1].split()[0] for l in text.splitlines() if ":" in l and l.split(":")[1].split()}
        ck.check(fields.get("Edges fixed") == "0" and fields.get("Backwards edges") == "0", f"admesh on {name}.stl: {fields}")

# `twinfe solve` on the mesh the demo wrote, with the demo's materials, solves the same
# problem: the .msh keeps coordinates, regions and tags, so the answers agree to the solver
# tolerance (rtol 1e-8 on both; 1e-6 relative leaves room for the different rounding).
solved = os.path.join(args.work_dir, "solved")
code, stdout, stderr = tc.run([args.app, "solve", os.path.join(out, "mesh.msh"), "-o", solved, "-organ_E", "5000",
                               "-tumor_E", "30000", "-elasticity_ksp_rtol", "1e-8"])
ck.check(code == 0, f"twinfe solve: {stderr}")
if code == 0:
    u_demo, u_solve = rep["solve"]["max_displacement_mm"], tc.report(solved)["solve"]["max_displacement_mm"]
    ck.check(abs(u_demo - u_solve) <= 1e-6 * u_demo, f"solve on the demo mesh: {u_solve} vs {u_demo}")
    ck.check(len(tc.report(solved)["inputs"]["mesh"]["sha256"]) == 64, "mesh input fingerprinted")
    # The STLs come from the mesh's facets there: the same closed surfaces as the demo's.
    for name in ("organ", "tumor"):
        again, first = tc.stl_open_edges(os.path.join(solved, f"{name}.stl")), tc.stl_open_edges(os.path.join(out, f"{name}.stl"))
        ck.check(again == first and again[0] == 0 and again[1] == 0, f"{name}.stl from the mesh {again} vs from the image {first}")

# Running again into the same folder replaces the earlier output whole.
code, _, stderr = tc.run([args.app, "demo", "-o", out, "-surface_smooth_iterations", "10"])
ck.check(code == 0 and tc.report(out)["surface"]["smooth_iterations"] == 10, f"rerun into the same folder: {stderr}")
ck.close()
