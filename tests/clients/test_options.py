"""Options and case-file keys are checked: a typo, a GNU-style --name, a stray word, a YAML syntax
error or a value of the wrong kind ends the run with one line naming the culprit (and the closest
known option, or the case file's line), a non-zero exit, no output folder, and, where the check
can come before any work, before the label map is read. `twinfe <command> -h` lists every option.
SPDX-License-Identifier: GPL-2.0-or-later"""
import glob
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc

args = tc.parse_args()
ck = tc.Checks("options")
work = args.work_dir
case = os.path.join(args.source_dir, "meshes", "organ_phantom.yaml")
phantom = os.path.join(args.source_dir, "meshes", "organ_phantom.nii.gz")
shutil.copy(phantom, os.path.join(work, "organ_phantom.nii.gz"))
out = os.path.join(work, "out")


def case_file(name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def expect_failure(label, cmd, words, before_work=True):
    code, stdout, stderr = tc.run(cmd, expect_ok=False)
    message = stderr.strip()
    ck.check(code != 0, f"{label}: exit code {code}")
    for w in words:
        ck.check(w.lower() in message.lower(), f"{label}: message lacks '{w}': {message!r}")
    ck.check(message.startswith("twinfe: error: ") and message.count("\n") == 0, f"{label}: not one line: {message!r}")
    ck.check(not os.path.exists(out), f"{label}: output folder exists")
    ck.check(not glob.glob(os.path.join(work, "*.partial-*")), f"{label}: staging folder left behind")
    if before_work:  # the image stage prints "image ..." once it has read the label map
        ck.check("image " not in stdout and "surface " not in stdout, f"{label}: work was done first: {stdout!r}")
    print(f"{label}: {message}")


# Typos on the command line, each named with the closest known option.
expect_failure("typo", [args.app, "demo", "-tumour_E", "1e6", "-o", out], ["Unknown option -tumour_E: did you mean -tumor_E?"])
expect_failure("typo of a stage option", [args.app, "demo", "-mesh_algoritm", "hxt", "-o", out], ["-mesh_algoritm", "-mesh_algorithm"])
expect_failure("typo of the output", [args.app, "phantom", "-o", os.path.join(work, "p.nii.gz"), "-voxelmm", "2"], ["-voxelmm", "-voxel_mm"])
expect_failure("typo of a solver option", [args.app, "demo", "-elasticity_ksp_rtoll", "1e-3", "-o", out],
               ["-elasticity_ksp_rtoll", "-elasticity_ksp_rtol"])
# Without -names the regions are label_<n>, known once the image is read: still before surfaces.
code, stdout, stderr = tc.run([args.app, "mesh", phantom, "-label_3_E", "5", "-o", out], expect_ok=False)
ck.check(code != 0 and "-label_3_E" in stderr and "-label_1_E" in stderr, f"label typo: {code} {stderr!r}")
ck.check("surface " not in stdout and not os.path.exists(out), f"label typo: surfaces were made: {stdout!r}")
# A solver option read only while solving is checked after the solve, before the folder appears.
expect_failure("late solver typo", [args.app, "run", case, "-labels", "2", "-names", "tumor", "-elasticity_mg_levels_ksp_maxit", "1",
                                    "-o", out], ["-elasticity_mg_levels_ksp_maxit"], before_work=False)

# GNU-style and stray arguments.
expect_failure("double dash", [args.app, "demo", "--labels", "7", "-o", out], ["--labels", "-labels"])
expect_failure("stray word", [args.app, "mesh", phantom, "-labels", "1", "extra", "-o", out], ["extra"])
expect_failure("input to demo", [args.app, "demo", case, "-o", out], ["organ_phantom.yaml"])

# Case files: an unknown key with its file and line, a syntax error with line and column, a key twice.
with open(case) as f:
    text = f.read()
lines = text.splitlines()
tumor_line = lines.index("tumor:") + 2  # the E: line under it, 1-based
typo = case_file("typo.yaml", text.replace("\ntumor:", "\ntumour:"))
expect_failure("case-file typo", [args.app, "run", typo, "-o", out],
               ["-tumour_E", "-tumor_E", "tumour: E", "typo.yaml", f"line {tumor_line}"])
broken = case_file("broken.yaml", "image: organ_phantom.nii.gz\nlabels: 1,2\nnames: [organ, tumor\nmesh:\n  algorithm: hxt\n")
expect_failure("YAML syntax", [args.app, "run", broken, "-o", out], ["broken.yaml", "line 4", "column", "expected"])
twice = case_file("twice.yaml", "image: organ_phantom.nii.gz\nmesh:\n  algorithm: hxt\n  algorithm: delaunay\n")
expect_failure("key twice", [args.app, "run", twice, "-o", out], ["twice.yaml", "line 4", "mesh: algorithm", "twice"])
bad_value = case_file("bad_value.yaml", "image: organ_phantom.nii.gz\nlabels: 1,2\nmesh:\n  algorithm: hx\n")
expect_failure("case-file value", [args.app, "run", bad_value, "-o", out], ["-mesh_algorithm", "hx", "hxt", "bad_value.yaml", "line 4"])
# The command line may model fewer regions than the case file: the file's other regions stay known.
code, _, stderr = tc.run([args.app, "run", case, "-labels", "2", "-names", "tumor", "-mesh_algoritm", "hxt", "-o", out], expect_ok=False)
ck.check(code != 0 and "-mesh_algoritm" in stderr and "organ" not in stderr, f"fewer regions: {stderr!r}")

# Values of the wrong kind: the option, the value, and what is right.
expect_failure("unknown choice", [args.app, "demo", "-mesh_algorithm", "hx", "-o", out], ["-mesh_algorithm", "'hx'", "hxt", "delaunay"])
expect_failure("array length", [args.app, "demo", "-gravity", "0,9810", "-o", out], ["-gravity", "0,9810", "exactly 3"])
expect_failure("not a number", [args.app, "demo", "-organ_E", "abc", "-o", out], ["-organ_E", "abc", "not a number"])
expect_failure("not an integer", [args.app, "demo", "-mesh_threads", "1.5", "-o", out], ["-mesh_threads", "1.5", "integer"])
expect_failure("out of range", [args.app, "demo", "-clamp_fraction", "2", "-o", out], ["-clamp_fraction", "(0, 1]"])
expect_failure("names and labels", [args.app, "mesh", phantom, "-labels", "1,2", "-names", "organ", "-o", out],
               ["-names", "1 name", "2 -labels"])
expect_failure("unknown cell field", [args.app, "demo", "-elasticity_cell_fields", "von_mises,strian", "-o", out],
               ["-elasticity_cell_fields", "'strian'", "principal_strain", "none"])
expect_failure("none with fields", [args.app, "demo", "-elasticity_cell_fields", "none,J", "-o", out],
               ["-elasticity_cell_fields", "'none' goes alone"])

# Only the cell fields asked for are written (the displacement always is).
for asked, cell_arrays in (("von_mises,J", {"von_mises", "J"}), ("none", set())):
    folder = os.path.join(work, f"cell_fields_{asked.replace(',', '_')}")
    code, _, stderr = tc.run([args.app, "demo", "-mesh_size", "6", "-elasticity_cell_fields", asked, "-o", folder])
    ck.check(code == 0, f"-elasticity_cell_fields {asked}: exit {code}: {stderr}")
    if code == 0:
        grid = tc.read_xml(os.path.join(folder, tc.pvd_states(os.path.join(folder, "results.pvd"))[-1][1]))
        cd = grid.GetCellData()
        written = {cd.GetArrayName(i) for i in range(cd.GetNumberOfArrays())} - {"region", "rank"}
        ck.check(written == cell_arrays, f"-elasticity_cell_fields {asked}: cell arrays {written}")
        ck.check(grid.GetPointData().GetArray("displacement") is not None, f"-elasticity_cell_fields {asked}: displacement")

# Help: every option of the command with its default, exit 0, no folder; the same table checks runs.
code, stdout, stderr = tc.run([args.app, "demo", "-h"])
ck.check(code == 0 and not os.path.exists("twinfe-demo"), f"demo -h: exit {code} {stderr!r}")
listed = dict(re.findall(r"^  (-[A-Za-z0-9_]+):? <([^>]*)>", stdout, re.M))
expected = """-o -twinfe_traceback -image -labels -names -image_repair_pinches -image_max_voxels
  -surface_smooth_iterations -surface_smooth_passband -surface_feature_angle -surface_smooth_feature_edges
  -surface_smooth_nonmanifold -mesh_algorithm -mesh_optimize -mesh_threads -mesh_verbose -E -nu -density
  -organ_E -organ_nu -organ_density -tumor_E -tumor_nu -tumor_density -gravity -clamp_tags -clamp_axis -clamp_side
  -clamp_fraction -elasticity_degree -partition_interpolate -results_compression -results_format -force""".split()
for name in expected:
    ck.check(name in listed, f"demo -h does not list {name}")
ck.check(listed.get("-E", "").replace(" ", "").endswith(":5000.") or "5000" in listed.get("-E", ""), f"-E default: {listed.get('-E')}")
ck.check("hxt" in listed.get("-mesh_algorithm", ""), f"-mesh_algorithm default: {listed.get('-mesh_algorithm')}")
ck.check("2147483647" in listed.get("-image_max_voxels", ""), "-image_max_voxels default")
ck.check("Pa" in stdout and "mm/s^2" in stdout and "g/mm^3" in stdout, "units missing from the help")
ck.check("-elasticity_" in stdout, "solver options not mentioned")
code, stdout, _ = tc.run([args.app, "phantom", "-h"])
ck.check(code == 0 and "-voxel_mm <2." in stdout, f"phantom -h: {stdout[-300:]!r}")
code, stdout, _ = tc.run([args.app, "demo", "-help"])
ck.check(code == 0 and "-elasticity_ksp_rtol <1e-08" in stdout and "-elasticity_pc_type" in stdout, "demo -help lacks solver options")
ck.check(not os.path.exists(out), "help made an output folder")
ck.close()
