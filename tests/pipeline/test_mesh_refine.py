"""-mesh_refine: the distributed mesh refined in place, and P1 elasticity by geometric multigrid.
The organ phantom at 4 mm, solved as meshed and refined once: the report counts 8 times the
tets, the results mesh has them, its volume per region is the coarse mesh's (midpoints of the
coarse edges: refinement changes no boundary), so the weight under gravity and hence the
reaction force are the same to the solvers' tolerance, and the finer mesh sags a little more
(P1 stiffens coarse meshes). A bad count is refused before any output is made.
SPDX-License-Identifier: GPL-2.0-or-later"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc

args = tc.parse_args()
ck = tc.Checks("mesh_refine")
case = os.path.join(args.source_dir, "meshes", "organ_phantom.yaml")


def solve(name, *extra):
    out = os.path.join(args.work_dir, name)
    code, stdout, stderr = tc.run([args.app, "run", case, "-mesh_size", "4", "-o", out, *extra])
    print(stdout)
    ck.check(code == 0, f"{name}: exit {code}: {stderr}")
    return out, (tc.report(out) if code == 0 else None)


def region_volumes(vtu):
    """Volume of each region's tets in a written .vtu (cell array "region")."""
    from vtk.util.numpy_support import vtk_to_numpy
    grid = tc.read_xml(vtu)
    points = vtk_to_numpy(grid.GetPoints().GetData())
    tets = points[vtk_to_numpy(grid.GetCells().GetConnectivityArray()).reshape(-1, 4)]
    volume = np.abs(np.einsum("ij,ij->i", tets[:, 1] - tets[:, 0],
                              np.cross(tets[:, 2] - tets[:, 0], tets[:, 3] - tets[:, 0]))) / 6
    region = vtk_to_numpy(grid.GetCellData().GetArray("region"))
    return {int(r): float(volume[region == r].sum()) for r in np.unique(region)}, len(tets)


base_dir, base = solve("coarse")
fine_dir, fine = solve("refined", "-mesh_refine", "1")
if base and fine:
    tets = fine["mesh"]["tetrahedra"]
    ck.check(fine["partition"]["refinements"] == 1, "report.json: partition.refinements 1")
    ck.check(fine["partition"]["cells_refined"] == 8 * tets, f"8 x {tets} tets refined: {fine['partition']['cells_refined']}")
    ck.check(fine["partition"]["finest_level"] == "cells_and_vertices",
             f"P1: the finest level without faces or edges, got {fine['partition']['finest_level']}")
    coarse_volumes, _ = region_volumes(os.path.join(fine_dir, "mesh.vtu"))
    states = tc.pvd_states(os.path.join(fine_dir, "results.pvd"))
    fine_volumes, ncells = region_volumes(os.path.join(fine_dir, states[-1][1]))
    ck.check(ncells == 8 * tets, f"results on the refined mesh: {ncells} cells, expected {8 * tets}")
    for r, v in coarse_volumes.items():
        ck.check(abs(fine_volumes.get(r, 0) - v) <= 1e-9 * v, f"region {r}: volume {fine_volumes.get(r)} vs coarse {v} mm^3")
    fb, ff = np.array(base["solve"]["reaction_force_N"]), np.array(fine["solve"]["reaction_force_N"])
    ck.check(np.linalg.norm(ff - fb) <= 1e-6 * np.linalg.norm(fb), f"reaction (the weight) {ff} vs {fb} N")
    ub, uf = base["solve"]["max_displacement_mm"], fine["solve"]["max_displacement_mm"]
    ck.check(ub < uf < 1.3 * ub, f"refined sags more, not much more: {uf:.4f} vs {ub:.4f} mm")
    ck.check(fine["solve"]["converged_reason"].startswith("CONVERGED"), "refined solve converged")
    print(f"coarse {tets} tets: {ub:.4f} mm, {base['solve']['iterations']} GAMG iterations; "
          f"refined {8 * tets}: {uf:.4f} mm, {fine['solve']['iterations']} multigrid iterations")

bad = os.path.join(args.work_dir, "bad")
code, _, stderr = tc.run([args.app, "run", case, "-mesh_size", "4", "-mesh_refine", "5", "-o", bad], expect_ok=False)
ck.check(code != 0 and "-mesh_refine" in stderr and "0 and 4" in stderr, f"-mesh_refine 5 refused: exit {code}: {stderr}")
ck.check(not os.path.exists(bad), "nothing written for a refused count")
ck.close()
