"""Blood flow from the command line, as a user runs it (docs/flow.md): the aorta (label 52) of the
TotalSegmentator example is meshed with its caps (`twinfe mesh -labels 52 -surface_caps true`),
then solved with `twinfe solve mesh.msh -physics navier_stokes -inflow 3`. Checked: both caps are
listed (summary and report.json: area, radius, centre, normal, role), the inflow through the inlet
cap is the 3 ml/s asked (scaled on the discrete cap) and the outflow through the other equals it
within 0.5% (the issue's bound), the pressure falls from inlet to outlet, and results.pvd holds
velocity and pressure at the vertices. Refused with one line and no output: a mesh without caps,
an inlet cap that does not exist, a negative inflow.
SPDX-License-Identifier: GPL-2.0-or-later"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc  # noqa: E402

args = tc.parse_args()
ck = tc.Checks("flow_case")
work = args.work_dir
seg = os.path.join(args.data_dir, "totalsegmentator", "example_seg.nii.gz")
capped, plain, out = (os.path.join(work, d) for d in ("capped", "plain", "flow"))
app = os.path.abspath(args.app)

code, _, _ = tc.run([app, "mesh", seg, "-labels", "52", "-surface_caps", "true", "-o", capped])
ck.check(code == 0, "twinfe mesh with -surface_caps failed")
code, stdout, _ = tc.run([app, "solve", os.path.join(capped, "mesh.msh"), "-physics", "navier_stokes", "-inflow", "3",
                          "-o", out])
ck.check(code == 0, "twinfe solve -physics navier_stokes failed")
ck.check("label_52_cap1 (inlet)" in stdout and "label_52_cap2 (outlet)" in stdout, "the summary does not list both caps")
rep = tc.report(out)
caps = rep.get("flow", {}).get("caps", {})
ck.check(sorted(caps) == ["cap1", "cap2"], f"report.json flow.caps: {sorted(caps)}")
if sorted(caps) == ["cap1", "cap2"]:
    c1, c2 = caps["cap1"], caps["cap2"]
    ck.check(c1["role"] == "inlet" and c2["role"] == "outlet", "roles")
    ck.check(c1["area_mm2"] > c2["area_mm2"] > 0, "caps are numbered by decreasing area")
    ck.check(abs(sum(a * b for a, b in zip(c1["normal"], c2["normal"])) + 1) < 1e-6, "the two ends face away from each other")
    q_in, q_out = -c1["outflow_mm3_per_s"], c2["outflow_mm3_per_s"]
    print(f"inflow {q_in:.6g} mm^3/s, outflow {q_out:.6g} mm^3/s, mean pressure {c1['mean_pressure_Pa']:.4g} -> "
          f"{c2['mean_pressure_Pa']:.4g} Pa")
    ck.check(abs(q_in - 3000) < 1e-6 * 3000, f"inflow {q_in} mm^3/s, asked 3000")
    ck.check(abs(q_out - q_in) < 0.005 * q_in, f"outflow {q_out} vs inflow {q_in}")
    ck.check(c1["mean_pressure_Pa"] > c2["mean_pressure_Pa"], "the pressure does not fall from inlet to outlet")
states = tc.pvd_states(os.path.join(out, "results.pvd"))
ck.check(len(states) == 1, f"{len(states)} states in results.pvd")
if states:
    grid = tc.read_xml(os.path.join(out, states[0][1]))
    pd = grid.GetPointData()
    ck.check(pd.GetArray("velocity") is not None and pd.GetArray("velocity").GetNumberOfComponents() == 3, "velocity array")
    ck.check(pd.GetArray("pressure") is not None, "pressure array")
    ck.check(pd.GetArray("wall_shear_stress") is not None, "wall_shear_stress array")
    if pd.GetArray("velocity") is not None:
        vmax = max(sum(c * c for c in pd.GetArray("velocity").GetTuple3(i)) ** 0.5 for i in range(grid.GetNumberOfPoints()))
        ck.check(vmax > 0, "the velocity is zero everywhere")
wss = rep.get("flow", {}).get("wall_shear_stress_Pa", {})
print(f"wall shear stress: mean {wss.get('mean')} Pa, largest {wss.get('max')} Pa")
# Poiseuille at 3 ml/s: 4 mu Q / (pi R^3) is 0.01 Pa in the 11 mm aorta and 0.5 Pa in the 3 mm
# outlet; the mean lies between them and the largest near the outlet
ck.check(0.005 < wss.get("mean", 0) < wss.get("max", 0) < 5, f"wall shear stress out of range: {wss}")


def refused(label, cmd, words):
    code, _, stderr = tc.run(cmd, expect_ok=False)
    message = stderr.strip()
    ck.check(code != 0, f"{label}: exit code {code}")
    for w in words:
        ck.check(w in message, f"{label}: message lacks '{w}': {message!r}")
    ck.check(not os.path.exists(os.path.join(work, "refused")), f"{label}: output folder left")


code, _, _ = tc.run([app, "mesh", seg, "-labels", "52", "-o", plain])
ck.check(code == 0, "twinfe mesh without caps failed")
refused("no caps", [app, "solve", os.path.join(plain, "mesh.msh"), "-physics", "stokes", "-o", os.path.join(work, "refused")],
        ["0 caps", "-surface_caps true"])
refused("no such cap", [app, "solve", os.path.join(capped, "mesh.msh"), "-physics", "stokes", "-inlet_cap", "3", "-o",
                        os.path.join(work, "refused")], ["-inlet_cap 3", "caps 1 to 2"])
refused("negative inflow", [app, "solve", os.path.join(capped, "mesh.msh"), "-physics", "stokes", "-inflow", "-1", "-o",
                            os.path.join(work, "refused")], ["-inflow -1"])
# The bundled flow demo: the stenosed bifurcation from its label map, three caps, blood in at
# cap 1 and out through the daughters.
demo = os.path.join(work, "demo")
code, stdout, _ = tc.run([app, "demo", "-physics", "navier_stokes", "-o", demo])
ck.check(code == 0, "twinfe demo -physics navier_stokes failed")
if code == 0:
    caps = tc.report(demo).get("flow", {}).get("caps", {})
    ck.check(sorted(caps) == ["cap1", "cap2", "cap3"], f"demo caps: {sorted(caps)}")
    if len(caps) == 3:
        q_in = -caps["cap1"]["outflow_mm3_per_s"]
        q_out = caps["cap2"]["outflow_mm3_per_s"] + caps["cap3"]["outflow_mm3_per_s"]
        print(f"demo: inflow {q_in:.6g} mm^3/s, outflows {caps['cap2']['outflow_mm3_per_s']:.6g} + "
              f"{caps['cap3']['outflow_mm3_per_s']:.6g} mm^3/s")
        ck.check(abs(q_in - 1000) < 1e-6 * 1000, f"demo inflow {q_in}, asked 1000 mm^3/s")
        ck.check(abs(q_out - q_in) < 0.005 * q_in, f"demo outflow {q_out} vs inflow {q_in}")
        ck.check(min(caps["cap2"]["outflow_mm3_per_s"], caps["cap3"]["outflow_mm3_per_s"]) > 0, "a daughter has no outflow")
ck.close()
