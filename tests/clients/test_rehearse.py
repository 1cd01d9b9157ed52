"""`twinfe rehearse` (issue 15, docs/rehearse.md): what-ifs against a baseline.

  - a step that changes nothing reproduces the baseline: the displacement's change on the
    baseline mesh is below 1e-9 of the displacement (the same mesh, the same solve);
  - a step's solve reuses the preconditioner an earlier run set up exactly when its stiffness is
    that run's (report.json's reused_preconditioner): half the gravity reuses the baseline's and
    halves the displacement (1e-5); both moduli doubled set up their own and halve it too; the
    first retractor lift sets up its own and the later lifts reuse it; with
    -rehearse_reuse_preconditioner false nothing is reused and the unchanged step still
    reproduces the baseline;
  - in linear elasticity the force on a retractor lifted 2, 4, 6 and 8 mm (steps that change
    only the tool's motion, so they reuse the baseline's mesh) grows linearly with the lift:
    R^2 > 0.999 of the force along the lift against the lift, read from each step's forces.csv;
  - resecting a tumour that reaches the organ's surface with a 4 mm margin (a box organ with a
    ball tumour on its top face, 1 mm voxels): the mesh loses the volume of the voxels the edit
    removed within 1% (report.json), and the margin report.json gives is the least distance
    from the baseline's tumour surface (baseline/tumor.stl) to the resected organ's surface
    (<step>/organ.stl), computed here with VTK's implicit distance, within 1e-3 mm; it is
    within a voxel of the margin asked (and a step painting a larger tumour runs); the cut surface (the step's boundary farther than 1 mm
    from the baseline's) has points, and moves by more than 0 and at most the largest
    displacement;
  - a 50% diameter stenosis over 15 mm of a straight tube (radius 3 mm, 0.2 mm voxels, mesh
    size 0.5 mm, Stokes): the pressure gradient along the stenosis's middle half grows 16 times,
    as Poiseuille's law says for half the diameter, within 5%; and by the factor it gives for the
    cross-sections the meshes have there, (A_baseline / A_stenosis)^2 (measured here by slicing
    both meshes with VTK), within 5% (the smoothed voxel surface of the narrowing is slightly
    narrower than half: docs/rehearse.md gives the convergence with the mesh size); a stent of the tube's diameter over the same length, on the
    stenosed label map (from:), brings the inlet-to-outlet pressure drop back to the baseline's
    within 2%;
  - clipping the smaller daughter of the bundled bifurcation (Stokes): its outlet is gone and the
    other carries all the flow (share 1 to 1e-6, from 0.70);
  - pulsatile Stokes in the bundled bifurcation (one cycle of 8 steps) with the inflow waveform
    doubled: the flow is linear in the inflow, so on the wall TAWSS doubles (tawss = 2
    tawss_baseline to 1e-4 of its largest value), OSI, a ratio, stays (1e-6), every outlet's
    cycle-mean flow and pressure drop double and its share stays (1e-6); a step that changes
    nothing changes TAWSS by under 1e-4 of it;
  - under an Xvfb as a user's DISPLAY (a server that resets when its last client leaves) each step
    has three pictures (baseline, step, change) with the surface drawn in colour, and report.html
    a row and the pictures per step; without a DISPLAY twinfe draws them on an Xvfb of its own;
  - bad scenarios fail before any solve (no "solve" line), leave nothing, and name what is
    wrong: an unknown step key, a region the baseline lacks, a ball that holds no tissue, a plane
    beside the anatomy, an option with a typo, a vessel edit away from any vessel or without its
    sizes, a step starting from one that does not exist, a retractor 100 mm off the tissue (found
    on the baseline's mesh, between its meshing and its solve).
SPDX-License-Identifier: GPL-2.0-or-later"""
import csv
import json
import os
import sys

import nibabel
import numpy as np
import vtk
from vtk.util import numpy_support

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc  # noqa: E402

LIFTS = (2, 4, 6, 8)
# the organ phantom's anterior face (-y) near its middle, at -mesh_size 6
RETRACTOR = ("-retractor_shape spatula -retractor_center 12,-71,150 -retractor_axis 0,1,0 -retractor_blade 1,0,0 "
             "-retractor_length 30 -retractor_width 30 -retractor_thickness 8 -retractor_tags 1")


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def rehearse_steps(ck, args, name, baseline, steps, options):
    """Writes <name>.yaml (baseline, steps), rehearses it into <name>/ with the options; the
    report's steps, or None (a failed check) when the run failed."""
    scenario = os.path.join(args.work_dir, f"{name}.yaml")
    write(scenario, f"baseline: {baseline}\nsteps:\n{steps}")
    out = os.path.join(args.work_dir, name)
    code, _, _ = tc.run([args.app, "rehearse", scenario, "-o", out] + options)
    ck.check(code == 0, f"rehearsal {name} failed")
    return tc.report(out)["rehearse"]["steps"] if code == 0 else None


def loads(ck, args):
    organ = os.path.join(args.source_dir, "meshes", "organ_phantom.yaml")
    steps = ("  - name: unchanged\n  - name: lighter\n    set: -gravity 0,4905,0\n"
             "  - name: stiffer\n    set: -organ_E 10000 -tumor_E 60000\n") + "".join(
        f"  - name: lift_{d}\n    set: {RETRACTOR} -retractor_motion 0,-{d},0\n" for d in LIFTS)
    scenario = os.path.join(args.work_dir, "loads.yaml")
    write(scenario, f"baseline: {organ}\nsteps:\n{steps}")
    out = os.path.join(args.work_dir, "loads")
    # under Xvfb (scripts/setup.sh installs it): VTK draws the pictures only on an X display
    with tc.XServer() as display:  # a user's DISPLAY (tc.XServer: not xvfb-run -a, which races for a number)
        before, os.environ["DISPLAY"] = os.environ.get("DISPLAY"), display
        try:
            code, stdout, _ = tc.run([args.app, "rehearse", scenario, "-o", out, "-mesh_size", "6"])
        finally:
            os.environ.pop("DISPLAY")
            if before is not None:
                os.environ["DISPLAY"] = before
    ck.check(code == 0, "rehearsal of the organ phantom's loads failed")
    if code:
        return
    rep = tc.report(out)["rehearse"]["steps"]
    same = rep["unchanged"]
    ck.check(same["reused_baseline_mesh"] and same["max_displacement_change_mm"] <= 1e-9 * same["max_displacement_mm"],
             f"the unchanged step differs from the baseline by {same['max_displacement_change_mm']:.3g} mm")
    reuse_checks(ck, out, rep)
    forces = []
    for d in LIFTS:
        step = rep[f"lift_{d}"]
        ck.check(step["reused_baseline_mesh"], f"lift_{d} did not reuse the baseline's mesh")
        with open(os.path.join(out, f"lift_{d}", "forces.csv")) as f:
            row = list(csv.DictReader(f))[-1]
        forces.append(sum(float(v) for k, v in row.items() if "_retractor_" in k and k.endswith("_fy_N")))
    fit = np.polyfit(LIFTS, forces, 1)
    residual = np.array(forces) - np.polyval(fit, LIFTS)
    r2 = 1 - np.sum(residual ** 2) / np.sum((np.array(forces) - np.mean(forces)) ** 2)
    ck.check(r2 > 0.999, f"tool force against lift: R^2 = {r2:.6f} ({forces})")
    with open(os.path.join(out, "rehearse.csv")) as f:
        rows = list(csv.DictReader(f))
    ck.check([r["step"] for r in rows] == ["unchanged", "lighter", "stiffer"] + [f"lift_{d}" for d in LIFTS],
             "rehearse.csv's steps")
    ck.check(all(os.path.exists(os.path.join(out, f"{r['step']}_comparison.vtu")) for r in rows), "a comparison is missing")
    pictures(ck, out, ["unchanged"] + [f"lift_{d}" for d in LIFTS])
    print(f"loads: unchanged step differs by {same['max_displacement_change_mm']:.3g} mm; tool force along the lift "
          f"{', '.join(f'{x:.5f}' for x in forces)} N, R^2 = {r2:.9f}")


def reuse_checks(ck, out, rep):
    """The preconditioner is reused exactly where the stiffness is an earlier run's: half the
    gravity on the same mesh reuses the baseline's and halves the displacement; doubling both
    moduli changes the stiffness, so it sets up its own, and also halves the displacement (a
    reused baseline preconditioner alone would still converge, but to the baseline's operator:
    the displacement would not halve); the first lift (a tool holds other nodes) sets up its
    own, and the later lifts, with the same tool, reuse that one."""
    base = tc.report(os.path.join(out, "baseline"))["solve"]["max_displacement_mm"]
    expect = {"unchanged": True, "lighter": True, "stiffer": False, "lift_2": False}
    expect.update({f"lift_{d}": True for d in LIFTS[1:]})
    for name, reused in expect.items():
        ck.check(rep[name]["reused_preconditioner"] == reused,
                 f"{name}: reused_preconditioner {rep[name]['reused_preconditioner']}, expected {reused}")
    for name in ("lighter", "stiffer"):
        ratio = rep[name]["max_displacement_mm"] / base
        ck.check(abs(ratio - 0.5) < 1e-5, f"{name}: the displacement is {ratio:.8f} of the baseline's, not 0.5")
    print(f"reuse: baseline {base:.6f} mm; lighter {rep['lighter']['max_displacement_mm'] / base:.9f} (reused), "
          f"stiffer {rep['stiffer']['max_displacement_mm'] / base:.9f} (own set-up) of it")


def without_reuse(ck, args):
    organ = os.path.join(args.source_dir, "meshes", "organ_phantom.yaml")
    steps = rehearse_steps(ck, args, "no_reuse", organ, "  - name: unchanged\n",
                           ["-mesh_size", "6", "-rehearse_reuse_preconditioner", "false"])
    if steps is None:
        return
    same = steps["unchanged"]
    ck.check(not same["reused_preconditioner"], "the preconditioner was reused although -rehearse_reuse_preconditioner false")
    ck.check(same["max_displacement_change_mm"] <= 1e-9 * same["max_displacement_mm"],
             f"without reuse the unchanged step differs by {same['max_displacement_change_mm']:.3g} mm")


def pictures(ck, out, steps):
    """Three PNG files per step, each with some pixels coloured (not a blank window), and
    report.html with a row and the three pictures per step."""
    with open(os.path.join(out, "report.html")) as f:
        html = f.read()
    for step in steps:
        for kind in ("baseline", "step", "change"):
            path = os.path.join(out, f"{step}_{kind}.png")
            ck.check(os.path.exists(path), f"no {path}")
            if not os.path.exists(path):
                continue
            reader = vtk.vtkPNGReader()
            reader.SetFileName(path)
            reader.Update()
            rgb = numpy_support.vtk_to_numpy(reader.GetOutput().GetPointData().GetScalars())[:, :3].astype(int)
            coloured = np.count_nonzero(rgb.max(axis=1) - rgb.min(axis=1) > 60)  # saturated: the surface, not grey or white
            ck.check(coloured > 5000, f"{path}: only {coloured} coloured pixels")
            ck.check(f'src="{step}_{kind}.png"' in html, f"report.html does not show {step}_{kind}.png")
        ck.check(f"<tr><td>{step}</td>" in html, f"report.html has no row for {step}")


def resection_phantom(path):
    """A 60 x 40 x 30 mm box (label 1) with half a ball of radius 7 mm (label 2) in its top face."""
    h = 1.0
    n = (70, 50, 40)
    i, j, k = np.indices(n)
    x, y, z = (i - 5) * h, (j - 5) * h, (k - 5) * h
    labels = ((x >= 0) & (x < 60) & (y >= 0) & (y < 40) & (z >= 0) & (z < 30)).astype(np.uint8)
    labels[((x - 30) ** 2 + (y - 20) ** 2 + (z - 30) ** 2 <= 49) & (z < 30)] = 2  # half a ball, in the top face
    nibabel.save(nibabel.Nifti1Image(labels, np.diag([h, h, h, 1.0])), path)


def stl(path):
    r = vtk.vtkSTLReader()
    r.SetFileName(path)
    r.Update()
    return r.GetOutput()


def resection(ck, args):
    image = os.path.join(args.work_dir, "box_tumour.nii.gz")
    resection_phantom(image)
    case = os.path.join(args.work_dir, "box.yaml")
    write(case, "image: box_tumour.nii.gz\nlabels: 1,2\nnames: organ,tumor\nphysics: elasticity\n"
                "gravity: 0,0,-9810\nclamp:\n  axis: z\n  side: min\n  fraction: 0.1\nmesh:\n  size: 2.5\n")
    scenario = os.path.join(args.work_dir, "resect.yaml")
    margin = 4.0
    write(scenario, f"baseline: box.yaml\nsteps:\n  - name: resect\n    resect: tumor\n    margin_mm: {margin}\n"
                    # the tumour grown: a ball of 9 mm at its centre less 3 mm (LPS: the NIfTI affine is RAS)
                    "  - name: grown\n    paint_ball: -35,-25,32,9\n    paint: tumor\n")
    out = os.path.join(args.work_dir, "resect")
    code, stdout, _ = tc.run([args.app, "rehearse", scenario, "-o", out])
    ck.check(code == 0, "rehearsal of the resection failed")
    if code:
        return
    steps = tc.report(out)["rehearse"]["steps"]
    step = steps["resect"]
    grown = steps["grown"]
    ck.check(grown["removed_voxels"] < 0 and grown["edit"] == "paint_ball", f"the grown tumour: {grown['removed_voxels']} voxels")
    removed, voxels = step["removed_mesh_volume_mm3"], step["removed_voxel_volume_mm3"]
    with open(os.path.join(out, "report.html")) as f:
        html = f.read()
    if not os.environ.get("DISPLAY"):  # twinfe's own Xvfb (scripts/setup.sh installs xvfb)
        ck.check('src="resect_change.png"' in html and os.path.isfile(os.path.join(out, "resect_change.png")),
                 "without a DISPLAY the resection's pictures were not drawn on twinfe's own Xvfb")
    ck.check(step["cut_surface_points"] > 0 and 0 < step["cut_surface_shift_mm"] <= step["max_displacement_mm"],
             f"resection: cut surface of {step['cut_surface_points']} points moves {step['cut_surface_shift_mm']} mm "
             f"(largest displacement {step['max_displacement_mm']} mm)")
    ck.check(abs(removed / voxels - 1) < 0.01, f"resection: the mesh lost {removed:.1f} mm^3, the edit removed {voxels:.1f}")
    tumour, organ = stl(os.path.join(out, "baseline", "tumor.stl")), stl(os.path.join(out, "resect", "organ.stl"))
    distance = vtk.vtkImplicitPolyDataDistance()
    distance.SetInput(organ)
    independent = min(abs(distance.EvaluateFunction(tumour.GetPoint(i))) for i in range(tumour.GetNumberOfPoints()))
    ck.check(abs(step["margin_mm"] - independent) < 1e-3,
             f"resection margin: report {step['margin_mm']:.4f} mm, VTK's implicit distance {independent:.4f} mm")
    # the voxel surfaces are at least the margin apart; smoothing moves each by up to 0.3 voxel
    ck.check(margin - 0.6 <= step["margin_mm"] <= margin + 2.0, f"resection margin {step['margin_mm']:.3f} mm, asked {margin}")
    print(f"resection: mesh lost {removed:.1f} mm^3, voxels {voxels:.1f} mm^3 ({100 * (removed / voxels - 1):+.2f}%); "
          f"margin {step['margin_mm']:.4f} mm (independent {independent:.4f}, asked {margin}); cut surface moves up to "
          f"{step['cut_surface_shift_mm']:.4f} mm ({step['cut_surface_points']} points)")


def bad_scenarios(ck, args):
    organ = os.path.join(args.source_dir, "meshes", "organ_phantom.yaml")
    cases = (
        ("  - name: a\n    resekt: tumor\n", "a step has no key 'resekt'"),
        ("  - name: a\n    resect: liver\n", "which is no region of the baseline"),
        ("  - name: a\n    erase_ball: 500,500,500,5\n", "it holds no labelled voxel"),
        ("  - name: a\n    cut_plane: 0,0,1000,0,0,1\n", "removes no labelled voxel"),
        ("  - name: a\n    set: -retractor_motoin 0,-5,0\n", "-retractor_motoin"),
        ("  - name: baseline\n", "'baseline' is the baseline's folder"),
        ("  - name: a\n    stenosis: 500,500,500\n    percent: 50\n    length_mm: 10\n    vessel: organ\n",
         "give a point inside the vessel"),
        ("  - name: a\n    stenosis: 0,0,150\n    length_mm: 10\n", "needs percent"),
        ("  - name: a\n    from: b\n    erase_ball: 0,0,150,5\n", "which is no earlier step with an edit"),
        ("  - name: a\n    paint_ball: 12,-30,150,5\n", "paint_ball and paint (the region it paints) go together"),
        (f"  - name: a\n    set: {RETRACTOR.replace('12,-71,150', '12,-171,150')} -retractor_motion 0,-5,0\n",
         "holds no vertex of the tissue's surface"),
    )
    for i, (steps, message) in enumerate(cases):
        scenario = os.path.join(args.work_dir, f"bad{i}.yaml")
        write(scenario, f"baseline: {organ}\nsteps:\n{steps}")
        out = os.path.join(args.work_dir, f"bad{i}")
        code, stdout, stderr = tc.run([args.app, "rehearse", scenario, "-o", out, "-mesh_size", "6"], expect_ok=False)
        ck.check(code != 0, f"bad scenario {i} succeeded")
        ck.check(message in stdout + stderr, f"bad scenario {i}: no '{message}' in:\n{stdout}{stderr}")
        ck.check("solve     " not in stdout, f"bad scenario {i} solved the baseline first")
        ck.check(not os.path.exists(out), f"bad scenario {i} left {out}")


def tube_image(path, radius, h, slices):
    n = int(2 * (radius + 1.5) / h)
    centre = (n - 1) / 2
    i, j, _ = np.indices((n, n, slices))
    labels = (h * np.sqrt((i - centre) ** 2 + (j - centre) ** 2) <= radius).astype(np.uint8)
    nibabel.save(nibabel.Nifti1Image(labels, np.diag([h, h, h, 1.0])), path)
    return -centre * h  # the axis's x and y in LPS (the affine is RAS)


def section_area(results, origin, normal):
    reader = vtk.vtkXMLUnstructuredGridReader()
    reader.SetFileName(results)
    reader.Update()
    plane = vtk.vtkPlane()
    plane.SetOrigin(*origin)
    plane.SetNormal(*normal)
    cut = vtk.vtkCutter()
    cut.SetInputData(reader.GetOutput())
    cut.SetCutFunction(plane)
    triangles = vtk.vtkTriangleFilter()
    triangles.SetInputConnection(cut.GetOutputPort())
    mass = vtk.vtkMassProperties()
    mass.SetInputConnection(triangles.GetOutputPort())
    mass.Update()
    return mass.GetSurfaceArea()


def final_results(folder):
    files = [f for f in os.listdir(folder) if f.startswith("results_") and f.endswith(".vtu")]
    return os.path.join(folder, sorted(files)[-1])


def stenosis_and_stent(ck, args):
    radius, h, slices, length = 3.0, 0.2, 225, 15.0
    axis = tube_image(os.path.join(args.work_dir, "tube.nii.gz"), radius, h, slices)
    write(os.path.join(args.work_dir, "tube.yaml"), "image: tube.nii.gz\nlabels: 1\nnames: artery\nphysics: stokes\n"
                                                     "inflow: 1.0\nsurface:\n  caps: true\nmesh:\n  size: 0.5\n")
    middle = slices * h / 2
    at = f"{axis:g},{axis:g},{middle:g}"
    write(os.path.join(args.work_dir, "narrow.yaml"),
          f"baseline: tube.yaml\nsteps:\n  - name: stenosis\n    stenosis: {at}\n    percent: 50\n    length_mm: {length}\n"
          f"  - name: stented\n    from: stenosis\n    stent: {at}\n    diameter_mm: {2 * radius}\n    length_mm: {length}\n")
    out = os.path.join(args.work_dir, "narrow")
    code, stdout, _ = tc.run([args.app, "rehearse", os.path.join(args.work_dir, "narrow.yaml"), "-o", out])
    ck.check(code == 0, "rehearsal of the stenosis failed")
    if code:
        return
    steps = tc.report(out)["rehearse"]["steps"]
    seg = steps["stenosis"]["segment"]
    ratio = seg["pressure_gradient_Pa_per_mm"] / seg["baseline_pressure_gradient_Pa_per_mm"]
    zs = np.linspace(middle - length / 4, middle + length / 4, 7)
    base = np.mean([section_area(final_results(os.path.join(out, "baseline")), (axis, axis, z), (0, 0, 1)) for z in zs])
    narrow = np.mean([section_area(final_results(os.path.join(out, "stenosis")), (axis, axis, z), (0, 0, 1)) for z in zs])
    poiseuille = (base / narrow) ** 2
    ck.check(abs(ratio / 16 - 1) < 0.05, f"stenosis: the pressure gradient grew {ratio:.3f} times, Poiseuille's law 16")
    ck.check(abs(ratio / poiseuille - 1) < 0.05,
             f"stenosis: the pressure gradient grew {ratio:.3f} times, Poiseuille with the meshes' sections {poiseuille:.3f}")
    stented = steps["stented"]
    restored = stented["pressure_drop_Pa"] / stented["baseline_pressure_drop_Pa"]
    ck.check(abs(restored - 1) < 0.02, f"stent: pressure drop {restored:.4f} of the baseline's")
    print(f"stenosis 50%: gradient x{ratio:.3f} ({100 * (ratio / 16 - 1):+.2f}% of 16), Poiseuille with the sections x{poiseuille:.3f} "
          f"({100 * (ratio / poiseuille - 1):+.2f}%; radii {np.sqrt(base / np.pi):.3f} and {np.sqrt(narrow / np.pi):.3f} mm); "
          f"pressure drop x{steps['stenosis']['pressure_drop_Pa'] / steps['stenosis']['baseline_pressure_drop_Pa']:.3f}; "
          f"stented: x{restored:.5f} of the baseline's drop")


def clip(ck, args):
    vessel = os.path.join(args.source_dir, "meshes", "vessel_phantom.yaml")
    # the smaller daughter leaves the fork (z = 30 mm) at 25 degrees towards -x
    steps = rehearse_steps(ck, args, "clip", vessel, "  - name: clip_small\n    clip: -4.66,0,40,-0.423,0,0.906\n",
                           ["-physics", "stokes", "-mesh_size", "1.2"])
    if steps is None:
        return
    flow = steps["clip_small"]["flow"]
    ck.check(len(flow) == 1, f"clip: {len(flow)} outlets left, not 1")
    outlet = next(iter(flow.values()))
    ck.check(abs(outlet["share"] - 1) < 1e-6 and outlet["baseline_share"] < 0.9,
             f"clip: the open daughter carries {outlet['share']:.6f} of the flow (before: {outlet['baseline_share']:.3f})")
    print(f"clip: the larger daughter's share {outlet['baseline_share']:.3f} -> {outlet['share']:.6f}, pressure drop "
          f"{outlet['baseline_pressure_drop_Pa']:.2f} -> {outlet['pressure_drop_Pa']:.2f} Pa")


def pulsatile(ck, args):
    image = os.path.join(args.source_dir, "meshes", "vessel_phantom.nii.gz")
    case = os.path.join(args.work_dir, "pulsatile_case.yaml")
    write(case, f"image: {image}\nlabels: 1\nnames: carotid\nphysics: stokes\ninflow_fourier: 1.0,0.5,0.2\n"
                "cardiac_period: 0.5\ntime_step: 0.0625\nframes_per_cycle: 4\ncycles: 1\nsurface:\n  caps: true\n"
                "mesh:\n  size: 1.5\n")
    steps = rehearse_steps(ck, args, "pulse", case, "  - name: unchanged\n  - name: doubled\n"
                                                    "    set: -inflow_fourier 2.0,1.0,0.4\n", [])
    if steps is None:
        return
    reader = vtk.vtkXMLUnstructuredGridReader()
    reader.SetFileName(os.path.join(args.work_dir, "pulse", "doubled_comparison.vtu"))
    reader.Update()
    data = reader.GetOutput().GetPointData()
    field = {name: numpy_support.vtk_to_numpy(data.GetArray(name)) for name in ("tawss", "tawss_baseline", "osi", "osi_baseline")}
    wall = field["tawss_baseline"] > 0
    top = field["tawss_baseline"].max()
    doubling = np.abs(field["tawss"][wall] - 2 * field["tawss_baseline"][wall]).max() / top
    osi = np.abs(field["osi"][wall] - field["osi_baseline"][wall]).max()
    ck.check(wall.sum() > 1000 and doubling < 1e-4, f"pulsatile: TAWSS is 2x the baseline's to {doubling:.2e} of its largest")
    ck.check(osi < 1e-6, f"pulsatile: OSI changed by {osi:.2e} with the inflow doubled")
    same = steps["unchanged"]["max_tawss_change_Pa"] / top
    ck.check(same < 1e-4, f"pulsatile: a step that changes nothing changes TAWSS by {same:.2e} of it")
    ck.check(abs(steps["doubled"]["max_tawss_change_Pa"] / top - 1) < 1e-4, "pulsatile: the largest TAWSS change is not the TAWSS")
    for name, outlet in steps["doubled"]["flow"].items():
        flow = outlet["flow_ml_per_s"] / outlet["baseline_flow_ml_per_s"]
        drop = outlet["pressure_drop_Pa"] / outlet["baseline_pressure_drop_Pa"]
        ck.check(abs(flow - 2) < 1e-6 and abs(drop - 2) < 1e-6 and abs(outlet["share"] - outlet["baseline_share"]) < 1e-6,
                 f"pulsatile: {name}'s cycle-mean flow x{flow:.8f}, drop x{drop:.8f}, share {outlet['share']:.6f}")
    print(f"pulsatile: TAWSS doubled to {doubling:.1e} of its largest ({top:.4f} Pa), OSI changed {osi:.1e}; "
          f"unchanged step: TAWSS change {same:.1e} of it")


def main():
    args = tc.parse_args()
    ck = tc.Checks("rehearse")
    bad_scenarios(ck, args)
    loads(ck, args)
    without_reuse(ck, args)
    resection(ck, args)
    stenosis_and_stent(ck, args)
    clip(ck, args)
    pulsatile(ck, args)
    ck.close()


if __name__ == "__main__":
    main()
