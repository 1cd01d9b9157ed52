"""Grid sequencing of a steady Navier-Stokes solve (-start_mesh_size; docs/flow.md, Solver):
Newton starts from the same flow solved on a coarser mesh of the same vessel, carried onto the
fine mesh (TwinfeSpaceInterpolate), not from the Stokes flow. The aorta (label 52) of the
TotalSegmentator example, cut where the resting case cuts it, meshed at 2 mm with Gmsh's Delaunay
mesher (the same mesh in every environment), 17.3 ml/s Poiseuille inflow (Reynolds number 300 on
the inlet), solved from the written mesh.msh, so the coarse mesh comes from the mesh's own facets
and the caps their tags name.
Checked, against the same mesh solved from the Stokes flow:
- the start is made, said in the summary and in report.json (solve.start: 4 mm, its unknowns,
  Newton steps and iterations), and the fine solve converges from it;
- it takes fewer Newton steps and GMRES iterations on the fine mesh (measured 4 steps and 186
  iterations against 6 and 248);
- both converge to the same flow: the inlet's mean pressure and the wall shear stress agree to
  1e-6 (Newton's test is a relative residual of 1e-8);
- -start_mesh_size for a Stokes flow (one linear solve) and a negative size are refused with a
  message naming the option, and leave no output.
SPDX-License-Identifier: GPL-2.0-or-later"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc  # noqa: E402

args = tc.parse_args()
ck = tc.Checks("flow_start_mesh")
work = args.work_dir
mesh = os.path.join(work, "aorta_cut_2mm")
msh = os.path.join(mesh, "mesh.msh")
app = os.path.abspath(args.app)

code, _, _ = tc.mesh_cut_aorta(app, args.data_dir, mesh, 2, ["-mesh_algorithm", "delaunay"])
ck.check(code == 0, "twinfe mesh of the cut aorta failed")


def solve(start):
    out = os.path.join(work, f"start_{start}")
    cmd = [app, "solve", msh, "-physics", "navier_stokes", "-inflow", "17.3", "-o", out]
    if start:
        cmd += ["-start_mesh_size", str(start)]
    code, stdout, _ = tc.run(cmd)
    ck.check(code == 0, f"steady Navier-Stokes with -start_mesh_size {start} failed")
    return (tc.report(out), stdout) if code == 0 else (None, stdout)


def close(a, b, what):
    ck.check(abs(a - b) <= 1e-6 * max(abs(a), abs(b)), f"{what}: {a} from the coarse start, {b} from Stokes")


def refused(extra, physics, what):
    out = os.path.join(work, "refused")
    code, stdout, stderr = tc.run([app, "solve", msh, "-physics", physics, "-inflow", "17.3", "-o", out] + extra,
                                  expect_ok=False)
    ck.check(code != 0, f"{what} was accepted")
    ck.check("-start_mesh_size" in stdout + stderr, f"the refusal of {what} does not name the option: {stderr[-400:]}")
    ck.check(not os.path.exists(out), f"the refused run ({what}) left its output folder")


if code == 0:
    (seq, summary), (plain, _) = solve(4), solve(None)
    if seq and plain:
        ss, sp = seq["solve"], plain["solve"]
        start = ss.get("start", {})
        print(f"from the 4 mm flow ({start.get('unknowns')} unknowns, {start.get('newton_steps')} steps, "
              f"{start.get('iterations')} iterations): {ss['newton_steps']} steps, {ss['iterations']} iterations on "
              f"{ss['unknowns']} unknowns; from Stokes: {sp['newton_steps']} steps, {sp['iterations']} iterations")
        ck.check(start.get("used") == "yes", f"solve.start.used is {start.get('used')}, expected yes")
        ck.check(start.get("mesh_size_mm") == 4, f"solve.start.mesh_size_mm is {start.get('mesh_size_mm')}")
        ck.check(0 < start.get("unknowns", 0) < ss["unknowns"] / 3,
                 f"the coarse flow has {start.get('unknowns')} unknowns against the fine {ss['unknowns']}")
        ck.check("start     steady Navier-Stokes on a 4 mm mesh" in summary, "the summary does not list the start")
        ck.check("from the coarse flow" in summary, "the summary does not say the solve started from the coarse flow")
        ck.check("start" not in sp, "a run without -start_mesh_size reports a start")
        ck.check(ss["newton_steps"] < sp["newton_steps"],
                 f"{ss['newton_steps']} Newton steps from the coarse flow, {sp['newton_steps']} from Stokes")
        ck.check(ss["iterations"] < sp["iterations"],
                 f"{ss['iterations']} GMRES iterations from the coarse flow, {sp['iterations']} from Stokes")
        close(seq["flow"]["caps"]["cap1"]["mean_pressure_Pa"], plain["flow"]["caps"]["cap1"]["mean_pressure_Pa"],
              "inlet mean pressure, Pa")
        for key in ("mean", "max"):
            close(seq["flow"]["wall_shear_stress_Pa"][key], plain["flow"]["wall_shear_stress_Pa"][key],
                  f"wall shear stress {key}, Pa")
    refused(["-start_mesh_size", "4"], "stokes", "-start_mesh_size with Stokes")
    refused(["-start_mesh_size", "-1"], "navier_stokes", "-start_mesh_size -1")
ck.close()
