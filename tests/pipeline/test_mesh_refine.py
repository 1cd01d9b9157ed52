"""-mesh_refine: the distributed mesh refined in place, and P1 elasticity by geometric multigrid.
The organ phantom at 4 mm, solved as meshed and refined once, with and without -mesh_snap.

Refined without snapping, the boundary stays on the coarse facets: the report counts 8 times
the tets, the results mesh has them, its volume per region is the coarse mesh's, so the weight
under gravity and hence the reaction force are the same to the solvers' tolerance, and the
finer mesh sags a little more (P1 stiffens coarse meshes).

Refined and snapped (the default), every boundary vertex goes onto the segmented surface: the
report says none is left farther than 0.1 voxel and no cell below radius ratio 0.1; each
region's volume, measured here on the written results, is the report's and lies nearer the
volume the segmented surface encloses than the coarse mesh's did; the weight (the reaction)
grows with the volume, exactly. On 1 and 3 ranks (Delaunay: the same mesh) the snapped volumes
and the answer agree. A bad count is refused before any output is made.
SPDX-License-Identifier: GPL-2.0-or-later"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc

args = tc.parse_args()
ck = tc.Checks("mesh_refine")
case = os.path.join(args.source_dir, "meshes", "organ_phantom.yaml")


def solve(name, *extra, ranks=1):
    out = os.path.join(args.work_dir, name)
    cmd = [args.app, "run", case, "-mesh_size", "4", "-mesh_algorithm", "delaunay", "-o", out, *extra]
    if ranks > 1:
        cmd = [args.mpiexec, "--oversubscribe", "-n", str(ranks)] + cmd
    code, stdout, stderr = tc.run(cmd)
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
fine_dir, fine = solve("refined", "-mesh_refine", "1", "-mesh_snap", "false")
if base and fine:
    ck.check(fine["partition"]["snap"]["applied"] == "-mesh_snap false", "report.json says the boundary was not snapped")
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

snap_dir, snapped = solve("snapped", "-mesh_refine", "1")
snap3_dir, snapped3 = solve("snapped_np3", "-mesh_refine", "1", ranks=3)
if base and snapped:
    sn = snapped["partition"]["snap"]
    ck.check(sn["applied"] == "yes" and sn["boundary_vertices"] > 0, f"snapped: {sn}")
    ck.check(sn["farther_than_tolerance"] == 0 and sn["max_distance_after_mm"] <= sn["tolerance_mm"],
             f"every boundary vertex within 0.1 voxel ({sn['tolerance_mm']} mm) of the surface: "
             f"{sn['farther_than_tolerance']} farther, at most {sn['max_distance_after_mm']} mm")
    ck.check(sn["max_distance_before_mm"] > 3 * sn["tolerance_mm"], f"the coarse facets were off: {sn['max_distance_before_mm']} mm")
    ck.check(sn["cells_below_bound"] == 0 and sn["min_radius_ratio_after"] >= 0.1,
             f"no cell below radius ratio 0.1: least {sn['min_radius_ratio_after']}")
    states = tc.pvd_states(os.path.join(snap_dir, "results.pvd"))
    written, _ = region_volumes(os.path.join(snap_dir, states[-1][1]))
    coarse_volumes, _ = region_volumes(os.path.join(snap_dir, "mesh.vtu"))
    for region in snapped["regions"]:
        name, r = region["name"], region["region"]
        v = sn["regions"][name]
        ck.check(abs(written[r] - v["volume_after_mm3"]) <= 1e-9 * written[r],
                 f"{name}: results volume {written[r]} is the report's {v['volume_after_mm3']}")
        ck.check(abs(coarse_volumes[r] - v["volume_before_mm3"]) <= 1e-9 * coarse_volumes[r], f"{name}: volume before snapping")
        gap_before = abs(v["volume_before_mm3"] / v["surface_volume_mm3"] - 1)
        gap_after = abs(v["volume_after_mm3"] / v["surface_volume_mm3"] - 1)
        ck.check(gap_after < 0.5 * gap_before and gap_after < 0.02,
                 f"{name}: volume off the surface's by {100 * gap_before:.2f}% before, {100 * gap_after:.2f}% after")
        print(f"{name}: {v['volume_before_mm3']:.1f} -> {v['volume_after_mm3']:.1f} mm^3, surface {v['surface_volume_mm3']:.1f}")
    # one density: the weight is proportional to the volume
    ratio = sum(written.values()) / sum(coarse_volumes.values())
    fb, fs = np.array(base["solve"]["reaction_force_N"]), np.array(snapped["solve"]["reaction_force_N"])
    ck.check(abs(np.linalg.norm(fs) / np.linalg.norm(fb) - ratio) <= 1e-6 * ratio,
             f"reaction grows with the volume: {np.linalg.norm(fs) / np.linalg.norm(fb)} vs {ratio}")
if snapped and snapped3:
    for name, v in snapped["partition"]["snap"]["regions"].items():
        v3 = snapped3["partition"]["snap"]["regions"][name]["volume_after_mm3"]
        ck.check(abs(v3 - v["volume_after_mm3"]) <= 1e-9 * v3, f"{name}: snapped volume {v3} on 3 ranks, {v['volume_after_mm3']} on 1")
    u1, u3 = snapped["solve"]["max_displacement_mm"], snapped3["solve"]["max_displacement_mm"]
    ck.check(abs(u1 - u3) <= 1e-6 * u1, f"max displacement {u3} on 3 ranks, {u1} on 1")

bad = os.path.join(args.work_dir, "bad")
code, _, stderr = tc.run([args.app, "run", case, "-mesh_size", "4", "-mesh_refine", "5", "-o", bad], expect_ok=False)
ck.check(code != 0 and "-mesh_refine" in stderr and "0 and 4" in stderr, f"-mesh_refine 5 refused: exit {code}: {stderr}")
ck.check(not os.path.exists(bad), "nothing written for a refused count")
ck.close()
