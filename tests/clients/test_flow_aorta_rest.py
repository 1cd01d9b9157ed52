"""The aorta at a resting flow, steady Navier-Stokes from the command line (docs/flow.md, "A real
vessel"). The aorta (label 52) of the TotalSegmentator example, its one-slice artefact at the
scan's first slice cut off by a plane, is meshed at 3 mm (about 4,300 tets) and solved at 40 ml/s
(plug inflow), about what reaches the abdominal aorta at the diaphragm at rest (Reynolds number
about 900 at the outlet). Newton's first linear solve is beyond the default velocity multigrid on
this mesh (GMRES stops at 2,000 iterations); the solve falls back to ILU(1) on the velocity block
and converges (5 Newton steps, measured), and says so. Before that fallback this case failed.
Checked: the solve succeeds, the outflow equals the inflow to 1e-6, the report names the velocity
preconditioner used, and the mean wall shear stress lies in the range MR velocity mapping measured
in the abdominal aorta, 0.1-5.4 Pa from time averages to peaks (Oshinski et al. 1995; measured
here 0.37 Pa).
SPDX-License-Identifier: GPL-2.0-or-later"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc  # noqa: E402

args = tc.parse_args()
ck = tc.Checks("flow_aorta_rest")
work = args.work_dir
mesh, out = (os.path.join(work, d) for d in ("aorta_cut", "aorta_rest"))
app = os.path.abspath(args.app)

code, _, _ = tc.mesh_cut_aorta(app, args.data_dir, mesh, 3)
ck.check(code == 0, "twinfe mesh of the cut aorta failed")
code, stdout, _ = tc.run([app, "solve", os.path.join(mesh, "mesh.msh"), "-physics", "navier_stokes", "-inflow", "40",
                          "-inlet_profile", "plug", "-o", out])
ck.check(code == 0, "steady Navier-Stokes at 40 ml/s failed")
if code == 0:
    rep = tc.report(out)
    caps = rep.get("flow", {}).get("caps", {})
    ck.check(sorted(caps) == ["cap1", "cap2"], f"report.json flow.caps: {sorted(caps)}")
    pre = rep.get("solve", {}).get("velocity_preconditioner")
    ck.check(pre in ("default", "ilu"), f"solve.velocity_preconditioner: {pre}")
    ck.check((pre == "ilu") == ("velocity block: ILU(1)" in stdout), "the summary and report.json disagree on the fallback")
    if sorted(caps) == ["cap1", "cap2"]:
        q_in, q_out = -caps["cap1"]["outflow_mm3_per_s"], caps["cap2"]["outflow_mm3_per_s"]
        print(f"inflow {q_in:.9g}, outflow {q_out:.9g} mm^3/s; velocity preconditioner {pre}; "
              f"Newton {rep['solve'].get('newton_steps')}, at most {rep['solve'].get('max_iterations_per_step')} iterations")
        ck.check(abs(q_in - 40000) < 1e-6 * 40000, f"inflow {q_in} mm^3/s, asked 40000")
        ck.check(abs(q_out - q_in) < 1e-6 * q_in, f"outflow {q_out} vs inflow {q_in}")
    wss = rep.get("flow", {}).get("wall_shear_stress_Pa", {})
    print(f"wall shear stress: mean {wss.get('mean')} Pa, largest {wss.get('max')} Pa")
    ck.check(0.1 < wss.get("mean", 0) < wss.get("max", 0) < 5.4, f"wall shear stress out of the measured range: {wss}")
ck.close()
