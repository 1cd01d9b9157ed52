"""Carreau-Yasuda blood from a case (docs/flow.md, "Blood rheology"): the bundled vessel phantom
(meshes/vessel_phantom.yaml, coarsened to 2 mm) solved with `-blood_viscosity_model
carreau_yasuda` and its default (blood's) parameters. Checked: report.json's flow.rheology holds
the model and the five parameters (and no Newtonian flow.blood_viscosity_Pa_s), the grad-div
default is 10 mu_inf, the inflow leaves through the outlets, and the wall shear stress is
reported. Refused with one line naming the option and no output folder: an unknown model,
-blood_viscosity beside carreau_yasuda, -carreau_yasuda without the model, four values, n > 1.
-physics stokes with carreau_yasuda runs Newton without inertia: it converges, conserves the
inflow, and the pressure drop lies between those of Newtonian fluids at mu_inf and mu0.
SPDX-License-Identifier: GPL-2.0-or-later"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc  # noqa: E402

args = tc.parse_args()
ck = tc.Checks("flow_carreau_case")
work = args.work_dir
app = os.path.abspath(args.app)
case = os.path.join(args.source_dir, "meshes", "vessel_phantom.yaml")
out = os.path.join(work, "carreau")

# 0.3 ml/s: Navier-Stokes on this coarse mesh is at the edge of the linear solver at 1 ml/s
# (docs/flow.md: Re 300 is not solved well yet; a 2 mm HXT mesh failed once, Newtonian or not),
# and HXT meshes differ from run to run; a third of the flow keeps the check about rheology.
code, stdout, stderr = tc.run([app, "run", case, "-mesh_size", "2", "-inflow", "0.3", "-blood_viscosity_model", "carreau_yasuda",
                               "-o", out])
ck.check(code == 0, f"twinfe run with carreau_yasuda failed: {stderr[-2000:]}")
rep = tc.report(out) if code == 0 else {}
flow = rep.get("flow", {})
rheology = flow.get("rheology", {})
print(f"flow.rheology {rheology}, grad-div {flow.get('grad_div_Pa_s')} Pa s")
ck.check(rheology.get("model") == "carreau_yasuda", f"flow.rheology.model: {rheology.get('model')}")
expected = {"mu0_Pa_s": 0.056, "mu_inf_Pa_s": 0.00345, "lambda_s": 3.313, "n": 0.3568, "a": 2.0}
for key, value in expected.items():
    ck.check(abs(rheology.get(key, -1) - value) < 1e-12, f"flow.rheology.{key}: {rheology.get(key)}, expected {value}")
ck.check("blood_viscosity_Pa_s" not in flow, "a Newtonian viscosity is reported beside Carreau-Yasuda")
ck.check(abs(flow.get("grad_div_Pa_s", 0) - 10 * 0.00345) < 1e-12, f"grad-div default {flow.get('grad_div_Pa_s')}")
caps = flow.get("caps", {})
if len(caps) == 3:
    q_in = -caps["cap1"]["outflow_mm3_per_s"]
    q_out = caps["cap2"]["outflow_mm3_per_s"] + caps["cap3"]["outflow_mm3_per_s"]
    print(f"inflow {q_in:.6g} mm^3/s, outflow {q_out:.6g} mm^3/s")
    # the case asks 0.3 ml/s; mass is conserved to the solver's tolerance (1e-8) and the outlets
    # are exact P2 fluxes: 1e-6 leaves room
    ck.check(abs(q_in - 300) < 1e-6 * 300, f"inflow {q_in} mm^3/s, asked 300")
    ck.check(abs(q_out - q_in) < 1e-6 * q_in, f"outflow {q_out} vs inflow {q_in}")
else:
    ck.check(False, f"caps in report.json: {sorted(caps)}")
wss = flow.get("wall_shear_stress_Pa", {})
ck.check(0 < wss.get("mean", 0) < wss.get("max", 0), f"wall shear stress {wss}")


def refused(label, extra, words):
    target = os.path.join(work, "refused")
    code, _, stderr = tc.run([app, "run", case, "-mesh_size", "2", *extra, "-o", target], expect_ok=False)
    message = stderr.strip()
    ck.check(code != 0, f"{label}: exit code {code}")
    for w in words:
        ck.check(w in message, f"{label}: message lacks '{w}': {message!r}")
    ck.check(not os.path.exists(target), f"{label}: output folder left")


refused("unknown model", ["-blood_viscosity_model", "casson"], ["-blood_viscosity_model", "carreau_yasuda"])
refused("two viscosities", ["-blood_viscosity_model", "carreau_yasuda", "-blood_viscosity", "0.004"],
        ["-blood_viscosity", "-carreau_yasuda mu0,mu_inf,lambda,n,a"])
refused("parameters without the model", ["-carreau_yasuda", "0.056,0.00345,3.313,0.3568,2"],
        ["-carreau_yasuda", "-blood_viscosity_model carreau_yasuda"])
refused("four values", ["-blood_viscosity_model", "carreau_yasuda", "-carreau_yasuda", "0.056,0.00345,3.313,0.3568"],
        ["-carreau_yasuda has 4 values", "give five"])
refused("n above 1", ["-blood_viscosity_model", "carreau_yasuda", "-carreau_yasuda", "0.056,0.00345,3.313,1.5,2"],
        ["-carreau_yasuda n 1.5", "(0, 1]"])


def inlet_pressure(folder):
    return tc.report(folder).get("flow", {}).get("caps", {}).get("cap1", {}).get("mean_pressure_Pa")


# Stokes with Carreau-Yasuda (Newton without inertia), against Newtonian Stokes at mu0 and mu_inf
# on the same mesh: the shear-thinning pressure drop lies between the two.
mesh_dir = os.path.join(work, "mesh2")
code, _, _ = tc.run([app, "mesh", os.path.join(args.source_dir, "meshes", "vessel_phantom.nii.gz"), "-labels", "1",
                     "-surface_caps", "true", "-mesh_size", "2", "-o", mesh_dir])
ck.check(code == 0, "twinfe mesh of the vessel phantom failed")
msh = os.path.join(mesh_dir, "mesh.msh")
stokes = ["-physics", "stokes", "-inflow", "1"]
runs = {"cy": ["-blood_viscosity_model", "carreau_yasuda"], "mu0": ["-blood_viscosity", "0.056"],
        "mu_inf": ["-blood_viscosity", "0.00345"]}
drop = {}
for name, extra in runs.items():
    folder = os.path.join(work, f"stokes_{name}")
    code, stdout, stderr = tc.run([app, "solve", msh] + stokes + extra + ["-o", folder])
    ck.check(code == 0, f"Stokes with {name} failed: {stderr[-1000:]}")
    if code == 0:
        drop[name] = inlet_pressure(folder)
        if name == "cy":
            caps = tc.report(folder).get("flow", {}).get("caps", {})
            q = [c.get("outflow_mm3_per_s", 0) for c in caps.values()]
            ck.check(abs(sum(q)) < 1e-6 * 1000, f"Stokes Carreau-Yasuda: caps' flows sum to {sum(q)} mm^3/s")
            ck.check("Newton steps" in stdout, "no Newton steps reported")
print(f"inlet pressure, Stokes at 1 ml/s: {drop}")
if len(drop) == 3:
    ck.check(None not in drop.values() and drop["mu_inf"] < drop["cy"] < drop["mu0"],
             f"shear-thinning pressure not between the Newtonian ones: {drop}")
ck.close()
