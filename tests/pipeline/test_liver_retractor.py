"""The real liver (label 5 of TotalSegmentator's example) lifted 30 mm by a retractor.
SPDX-License-Identifier: GPL-2.0-or-later

meshes/liver_totalsegmentator.yaml at -mesh_size 4, held at its superior third, gravity off so
that the tool's force is the tissue's resistance alone. A spatula (30 x 20 mm blade, 6 mm thick,
normal along y) at the liver's most anterior point in its inferior part holds the surface under
it and lifts it 30 mm anteriorly (-y: up for a supine patient) in 6 load steps of 5 mm.
Checked, for the small-strain and the neo-Hookean law on the same mesh:
  - both converge, and forces.csv has the tool's force at every step;
  - the tool pulls the way it moves, and the clamp's reaction balances it (no other load);
  - small strain: the force grows linearly with the lift (R^2 > 0.999999, constant increments);
  - neo-Hookean: the same stiffness as small strain for the first 5 mm (within 5%), then
    stiffening: the last 5 mm cost more than the first (measured 7.1% more), as the tissue
    between tool and clamp stretches and turns toward the pull;
  - a path of waypoints (small strain: up 30 mm, then 20 mm along x, 3 steps each): forces.csv
    gives the tool's displacement at each step (the waypoints at steps 3 and 6), and, small
    strain being linear, the force at the end is the straight lift's plus the sideways move's
    (superposition, 1e-6);
  - a retractor that touches no tissue fails before any solve, naming the tool, no results left;
    so do -retractor_motion with -retractor_path, and a path whose numbers are not triples.
The figures are in docs/mechanics.md."""
import csv
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc

args = tc.parse_args()
ck = tc.Checks("liver_retractor")
case = os.path.join(args.source_dir, "meshes", "liver_totalsegmentator.yaml")
image = os.path.join(args.data_dir, "totalsegmentator", "example_seg.nii.gz")
lift = np.array([0.0, -30.0, 0.0])


def command(center, out, law, travel=None):
    travel = travel or ["-retractor_motion", ",".join(f"{v:g}" for v in lift)]
    # Gmsh's default HXT mesher does not give the same mesh on every run (it depends on timing:
    # 62,415 and 62,503 tets in one test run), and the superposition below adds the forces of
    # three runs: Gmsh's Delaunay mesher is deterministic, so every run here solves on one mesh.
    return [args.app, "run", case, "-image", image, "-mesh_size", "4", "-mesh_algorithm", "delaunay", "-gravity", "0,0,0",
            "-elasticity_load_steps", "6",
            "-retractor_shape", "spatula", "-retractor_center", ",".join(f"{v:.3f}" for v in center),
            "-retractor_axis", "0,1,0", "-retractor_blade", "1,0,0", "-retractor_length", "30", "-retractor_width", "20",
            "-retractor_thickness", "6", "-liver_material", law, "-o", out] + travel


def tool_forces(out):
    with open(os.path.join(out, "forces.csv")) as f:
        rows = list(csv.DictReader(f))
    return rows, np.array([[float(r[f"set1_retractor_tag5_f{k}_N"]) for k in "xyz"] for r in rows])


# Where the spatula goes: 2 mm inside the liver's most anterior surface point below 40% of its
# height, found on a small-strain run's mesh (the mesh is the same for a given -mesh_size).
probe = os.path.join(args.work_dir, "probe")
code, stdout, stderr = tc.run([args.app, "mesh", image, "-labels", "5", "-names", "liver", "-mesh_size", "4", "-o", probe])
ck.check(code == 0, f"mesh: exit {code}: {stderr}")
if code == 0:
    from vtk.util.numpy_support import vtk_to_numpy
    points = vtk_to_numpy(tc.read_xml(os.path.join(probe, "mesh.vtu")).GetPoints().GetData())
    low = points[points[:, 2] < np.percentile(points[:, 2], 40)]
    center = low[np.argmin(low[:, 1])] + np.array([0.0, 2.0, 0.0])
    print("spatula center", center)

    forces = {}
    for law in ("linear", "neo_hookean"):
        out = os.path.join(args.work_dir, law)
        code, stdout, stderr = tc.run(command(center, out, law))
        print(stdout)
        ck.check(code == 0, f"{law}: exit {code}: {stderr}")
        if code != 0:
            continue
        with open(os.path.join(out, "forces.csv")) as f:
            rows = list(csv.DictReader(f))
        ck.check(len(rows) == 6, f"{law}: {len(rows)} rows")
        tool = np.array([[float(r[f"set1_retractor_tag5_f{k}_N"]) for k in "xyz"] for r in rows])
        clamp = np.array([[float(r[f"set0_clamp_tag5_f{k}_N"]) for k in "xyz"] for r in rows])
        ck.check(np.max(np.abs(tool + clamp)) < 1e-6 * np.max(np.abs(tool)), f"{law}: clamp and tool balance")
        along = tool @ (lift / np.linalg.norm(lift))  # N, along the motion
        print(f"{law}: tool force along the lift per 5 mm step: {along}")
        ck.check(np.all(along > 0), f"{law}: the tool pulls the way it moves")
        forces[law] = along
        rep = tc.report(out)
        ck.check(np.allclose(rep["solve"]["retractor_force_N"], tool[-1]), "report.json's retractor force")

    if len(forces) == 2:
        lin, nh = forces["linear"], forces["neo_hookean"]
        d = np.arange(1, 7) * 5.0
        fit = np.polyfit(d, lin, 1)
        r2 = 1 - np.sum((lin - np.polyval(fit, d)) ** 2) / np.sum((lin - lin.mean()) ** 2)
        print(f"small strain: {fit[0]:.6f} N/mm, R^2 = {r2:.9f}")
        ck.check(r2 > 0.999999, f"small strain is linear in the lift: R^2 = {r2}")
        steps = np.diff(np.concatenate([[0.0], nh]))
        print(f"neo-Hookean force per 5 mm step: {steps}")
        ck.check(abs(steps[0] / lin[0] - 1) < 0.05, f"first 5 mm: neo-Hookean {steps[0]} N, small strain {lin[0]} N")
        ck.check(steps[-1] > 1.03 * steps[0], f"neo-Hookean stiffens: {steps[0]} N then {steps[-1]} N per 5 mm")
        ck.check(np.all(np.diff(steps) > 0), f"and ever more with each step: {steps}")

    # A path: up 30 mm, then 20 mm along x. Small strain superposes: the end force is the straight
    # lift's plus that of a 20 mm move along x alone.
    side = np.array([20.0, 0.0, 0.0])
    runs = {}
    for name, travel in (("path", ["-retractor_path", "0,-30,0,20,-30,0"]),
                         ("side", ["-retractor_motion", ",".join(f"{v:g}" for v in side)])):
        out = os.path.join(args.work_dir, name)
        code, stdout, stderr = tc.run(command(center, out, "linear", travel))
        ck.check(code == 0, f"{name}: exit {code}: {stderr}")
        if code == 0:
            runs[name] = tool_forces(out)
    if len(runs) == 2 and "linear" in forces:
        rows, path_force = runs["path"]
        at = np.array([[float(r[f"retractor_u{k}_mm"]) for k in "xyz"] for r in rows])
        print("path: tool at", at.tolist(), "force", path_force[-1])
        ck.check(np.allclose(at[2], [0, -30, 0]) and np.allclose(at[5], [20, -30, 0]) and np.allclose(at[3], [20 / 3, -30, 0]),
                 f"the path's steps: {at.tolist()}")
        straight = tool_forces(os.path.join(args.work_dir, "linear"))[1][-1]
        expected = straight + runs["side"][1][-1]
        ck.check(np.max(np.abs(path_force[-1] - expected)) < 1e-6 * np.max(np.abs(expected)),
                 f"superposition: {path_force[-1]} against {expected}")
    for extra, words in ((["-retractor_motion", "0,-30,0", "-retractor_path", "0,-30,0"], ["both given"]),
                         (["-retractor_path", "0,-30"], ["-retractor_path", "3 per waypoint"])):
        bad = os.path.join(args.work_dir, "bad_travel")
        cmd = [a for a in command(center, bad, "linear") if a not in ("-retractor_motion", ",".join(f"{v:g}" for v in lift))]
        code, stdout, stderr = tc.run(cmd + extra, expect_ok=False)
        ck.check(code != 0 and all(w in stderr for w in words) and not os.path.exists(bad), f"{extra}: {code} {stderr!r}")

    # A tool beside the organ holds nothing: refused before any solve, no results written.
    bad = os.path.join(args.work_dir, "bad")
    code, stdout, stderr = tc.run(command(center + np.array([0.0, -100.0, 0.0]), bad, "linear"), expect_ok=False)
    ck.check(code != 0 and "touches no node" in stderr, f"a tool beside the liver: exit {code}, {stderr}")
    ck.check(not os.path.exists(os.path.join(bad, "results.pvd")), "no results left behind")
ck.close()
