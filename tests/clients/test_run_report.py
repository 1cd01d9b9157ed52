"""What a person reads beside report.json (issue 16): a run's PNG pictures, report.html and
open_in_paraview.py.

- Tissue (the organ phantom) and flow (the vessel phantom), run with no DISPLAY: twinfe starts its
  own Xvfb and draws the regions and each key field; every picture is a PNG of 800 x 600 whose
  pixels are not all one colour, in the manifest, shown by report.html with a caption.
- report.html parses with Python's html.parser with every element closed in order, shows every
  picture of the folder (and no file that is not there), and its numbers are report.json's: the
  tetrahedra, the largest displacement, each region's volume, one point of the residual
  history per iteration (tissue), of the Newton history per step (flow, and the last load step
  of finite strain).
- A DISPLAY naming a server that does not answer is not fatal (VTK would abort the process on it):
  the pictures are drawn on twinfe's own Xvfb. With no X server to be had (Xvfb not on PATH) or
  -pictures false, no picture, and report.html and report.json say why.
- open_in_paraview.py runs in ParaView 5.11's pvpython (scripts/pvpython.sh: python3-paraview
  cannot be installed beside python3-vtk9 on Debian 12, so setup unpacks it) under Xvfb and saves
  a 1200 x 900 picture that is not one colour; and under a recording stand-in for
  paraview.simple, which checks that it opens the folder's results.pvd, colours by arrays the
  results hold, and warps by the displacement (tissue) or slices the velocity (flow). Where
  setup could not unpack ParaView's Python, only the stand-in runs, and the test says so.
- No Xvfb started by twinfe outlives it (orphaned, parent gone).
SPDX-License-Identifier: GPL-2.0-or-later"""
import html.parser
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc  # noqa: E402
import vtk  # noqa: E402
from vtk.util.numpy_support import vtk_to_numpy  # noqa: E402

args = tc.parse_args()
ck = tc.Checks("run report")
os.makedirs(args.work_dir, exist_ok=True)
organ = os.path.join(args.source_dir, "meshes", "organ_phantom.yaml")
vessel = os.path.join(args.source_dir, "meshes", "vessel_phantom.yaml")
no_display = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
VOID = {"meta", "img", "br", "hr", "link", "input", "rect", "line", "polyline", "path", "circle"}


def orphaned_xvfb():
    """Xvfb servers twinfe started (-displayfd ... -noreset) whose parent is gone."""
    out = subprocess.run(["ps", "-eo", "pid=,ppid=,args="], capture_output=True, text=True).stdout
    return {line.split()[0] for line in out.splitlines()
            if "Xvfb" in line and "-noreset" in line and "-displayfd" in line and line.split()[1] == "1"}


def run(name, case, extra=(), env=None):
    out = os.path.join(args.work_dir, name)
    proc = subprocess.run([args.app, "run", case, "-o", out, "-quiet"] + list(extra), capture_output=True, text=True,
                          env=env or no_display, timeout=900)
    ck.check(proc.returncode == 0, f"{name}: the run failed: {proc.stderr[-800:]}")
    return out


class Page(html.parser.HTMLParser):
    """The page's images, its text, and any element closed out of order."""

    def __init__(self):
        super().__init__()
        self.stack, self.images, self.errors, self.text = [], [], [], []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def read_page(folder):
    page = Page()
    with open(os.path.join(folder, "report.html"), encoding="utf-8") as f:
        source = f.read()
    page.feed(source)
    page.close()
    ck.check(source.startswith("<!DOCTYPE html>"), f"{folder}: report.html has no doctype")
    ck.check(not page.errors and not page.stack, f"{folder}: report.html is not well formed: {page.errors[:3]} open {page.stack}")
    return page, " ".join(page.text)


def check_picture(path):
    reader = vtk.vtkPNGReader()
    ok = reader.CanReadFile(path)
    ck.check(ok, f"{path} is not a PNG")
    if not ok:
        return
    reader.SetFileName(path)
    reader.Update()
    image = reader.GetOutput()
    dims = image.GetDimensions()
    ck.check(dims[0] == 800 and dims[1] == 600, f"{path} is {dims[0]} x {dims[1]}, not 800 x 600")
    pixels = vtk_to_numpy(image.GetPointData().GetScalars())[:, :3]
    colours = len({tuple(p) for p in pixels[::7]})
    not_white = (pixels.min(axis=1) < 250).mean()
    ck.check(colours > 50 and not_white > 0.05, f"{path}: {colours} colours, {not_white:.1%} of it not white: an empty picture")
    return colours, not_white


def check_pictures(folder, expected):
    rep = tc.report(folder)
    page, text = read_page(folder)
    drawn = sorted(f for f in os.listdir(folder) if f.endswith(".png"))
    ck.check(drawn == sorted(expected), f"{folder}: pictures {drawn}, expected {sorted(expected)}")
    shown = [img.get("src") for img in page.images]
    ck.check(sorted(shown) == drawn, f"{folder}: report.html shows {shown}, the folder holds {drawn}")
    for img in page.images:
        ck.check(img.get("alt") and img.get("width") == "800" and img.get("height") == "600",
                 f"{folder}: picture {img.get('src')} without alt text or size")
        ck.check(img.get("src") in text, f"{folder}: report.html does not name the picture {img.get('src')}")
    for name in drawn:
        ck.check(name in rep["manifest"], f"{folder}: {name} not in the manifest")
        check_picture(os.path.join(folder, name))
    ck.check(rep.get("pictures", {}).get("files") == drawn or sorted(rep["pictures"]["files"]) == drawn,
             f"{folder}: report.json pictures.files {rep.get('pictures')}")
    for name in ("report.html", "open_in_paraview.py"):
        ck.check(name in rep["manifest"], f"{folder}: {name} not in the manifest")
    return rep, page, text


def number_in(text, value, what, digits=4):
    """value appears in the page as report_html.c writes it (%.4g, or %.4e for large or small)."""
    forms = {f"{value:.{digits}g}", f"{value:.{digits}e}", f"{value:.0f}", str(value)}
    ck.check(any(f in text for f in forms), f"report.html does not show {what} = {value} (looked for {sorted(forms)})")



# Tissue: regions, displacement on the deformed shape, von Mises stress.
tissue = run("tissue", organ, ["-mesh_size", "6"])
rep, page, text = check_pictures(tissue, ["picture_regions.png", "picture_displacement.png", "picture_von_mises.png"])
number_in(text, rep["mesh"]["tetrahedra"], "the tetrahedra")
ck.check(f"{rep['solve']['max_displacement_mm']:.3g} mm" in text, "report.html misses the largest displacement")
for region in rep["regions"]:
    ck.check(region["name"] in text, f"report.html misses the region {region['name']}")
    number_in(text, region["volume_mm3"], f"{region['name']}'s volume")
history = rep["solve"].get("residual_history", [])
ck.check(len(history) == rep["solve"]["iterations"] + 1 and history[-1] < history[0] * 1e-6,
         f"residual history: {len(history)} norms for {rep['solve']['iterations']} iterations")
points = re.search(r'<polyline[^>]*points="([^"]*)"', open(os.path.join(tissue, "report.html")).read())
ck.check(points and len(points.group(1).split()) == len(history), "the convergence plot does not have a point per iteration")
ck.check(re.search(r"<svg[^>]*aria-label=\"tetrahedra by Gmsh's quality gamma", open(os.path.join(tissue, "report.html")).read()),
         "no quality histogram")

# Flow: the wall's pressure and shear stress, the velocity on the mid plane.
flow = run("flow", vessel, ["-mesh_size", "2"])
flow_rep, _, _ = check_pictures(flow, ["picture_regions.png", "picture_pressure.png", "picture_wall_shear_stress.png",
                                       "picture_velocity.png"])
newton = flow_rep["solve"].get("newton_history", [])
ck.check(len(newton) == flow_rep["solve"]["newton_steps"] + 1 and newton[-1] < 1e-6 * newton[0],
         f"flow: Newton history {newton} for {flow_rep['solve']['newton_steps']} steps")
points = re.search(r'<polyline[^>]*points="([^"]*)"', open(os.path.join(flow, "report.html")).read())
ck.check(points and len(points.group(1).split()) == len(newton), "the flow's convergence plot does not have a point per step")

# Finite strain: the last load step's Newton history, plotted.
strained = run("finite_strain", organ, ["-mesh_size", "8", "-material", "neo_hookean", "-elasticity_load_steps", "2",
                                        "-pictures", "false"])
newton = tc.report(strained)["solve"].get("newton_history", [])
ck.check(len(newton) >= 2 and newton[-1] < 1e-6 * newton[0], f"finite strain: Newton history {newton}")
points = re.search(r'<polyline[^>]*points="([^"]*)"', open(os.path.join(strained, "report.html")).read())
ck.check(points and len(points.group(1).split()) == len(newton), "the finite-strain convergence plot lacks points")

# A DISPLAY that does not answer: twinfe's own Xvfb instead, not an abort.
dead = run("dead_display", organ, ["-mesh_size", "8"], env=dict(no_display, DISPLAY=":93"))
ck.check(os.path.exists(os.path.join(dead, "picture_displacement.png")), "with a dead DISPLAY no picture was drawn")

# No X server to be had, and -pictures false: no picture, and the page and report say why.
app_dir = os.path.dirname(os.path.abspath(args.app))
for name, extra, env, why in (("no_x", [], dict(no_display, PATH="/nonexistent"), "Xvfb is not installed"),
                              ("off", ["-pictures", "false"], None, "-pictures false")):
    out = run(name, organ, ["-mesh_size", "8"] + extra, env=env)
    rep = tc.report(out)
    ck.check(not [f for f in os.listdir(out) if f.endswith(".png")], f"{name}: pictures drawn")
    ck.check(why in rep.get("pictures", {}).get("skipped", ""), f"{name}: report.json pictures {rep.get('pictures')}")
    ck.check(why in read_page(out)[1], f"{name}: report.html does not say why there is no picture")

# open_in_paraview.py under the recording stand-in.
stub = os.path.join(os.path.dirname(os.path.abspath(__file__)), "paraview_stub")
for folder, expect in ((tissue, "WarpByVector"), (flow, "Slice")):
    log = os.path.join(args.work_dir, os.path.basename(folder) + "_paraview.json")
    proc = subprocess.run([sys.executable, os.path.join(folder, "open_in_paraview.py"), "--png", log + ".png"],
                          env=dict(os.environ, PYTHONPATH=stub, PARAVIEW_STUB_LOG=log), capture_output=True, text=True)
    ck.check(proc.returncode == 0, f"open_in_paraview.py failed in {folder}: {proc.stderr[-800:]}")
    if proc.returncode == 0:
        calls = json.load(open(log))
        names = [c[0] for c in calls]
        ck.check(expect in names and "SaveScreenshot" in names, f"{folder}: open_in_paraview.py calls {names}")

# open_in_paraview.py in ParaView itself, when setup could unpack its Python modules.
pvpython = os.path.join(args.source_dir, "scripts", "pvpython.sh")
ready = subprocess.run(["bash", pvpython], capture_output=True, text=True).returncode != 3
if not ready:
    print("open_in_paraview.py: ParaView's Python is not unpacked (scripts/setup.sh): checked against the stand-in only")
for folder in (tissue, flow) if ready else ():
    png = os.path.join(args.work_dir, os.path.basename(folder) + "_pvpython.png")
    with tc.XServer(reset=False) as display:  # ParaView connects more than once: no reset between
        proc = subprocess.run(["bash", pvpython, os.path.join(folder, "open_in_paraview.py"), "--png", png],
                              capture_output=True, text=True, timeout=300, env=dict(no_display, DISPLAY=display))
    ck.check(proc.returncode == 0 and os.path.isfile(png), f"pvpython open_in_paraview.py in {folder}: {proc.stderr[-1500:]}")
    if os.path.isfile(png):
        reader = vtk.vtkPNGReader()
        reader.SetFileName(png)
        reader.Update()
        dims = reader.GetOutput().GetDimensions()
        pixels = vtk_to_numpy(reader.GetOutput().GetPointData().GetScalars())[:, :3]
        ck.check(dims[:2] == (1200, 900) and len({tuple(p) for p in pixels[::11]}) > 50,
                 f"ParaView's picture of {folder}: {dims[:2]}, {len({tuple(p) for p in pixels[::11]})} colours")

left = orphaned_xvfb()
ck.check(not left, f"Xvfb servers left running after the runs: {left}")
print(f"pictures of the tissue and flow runs checked; report.html well formed; residual history {len(history)} norms")
ck.close()
