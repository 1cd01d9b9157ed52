"""-surface_cut_planes on a real vessel: the aorta (label 52) of the TotalSegmentator example (3 mm
voxels), cut 30 degrees obliquely at z = 130 mm with the part below removed, as a planner sets
the inlet where and how they want it. Checked: `twinfe mesh` lists two caps (the image's last
slice and the cut), the cut one flat to 1e-9 mm, along the plane's normal, with an area between
the smallest voxel cross-section / cos 30 and the largest, made by "cut by plane 1"; about a third
of the aorta removed; `twinfe solve -physics stokes` on that mesh.msh with the cut as the inlet
carries the inflow out of the other cap; the same from a case file (`surface: {cut_planes: [...]}`)
with `twinfe run`; a point beside the aorta on the other side (in the IVC, which the plane also
crosses) cuts the IVC, not the aorta; bad values refused before any work, naming the option.
SPDX-License-Identifier: GPL-2.0-or-later"""
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc

args = tc.parse_args()
ck = tc.Checks("cut_planes")
image = os.path.join(args.data_dir, "totalsegmentator", "example_seg.nii.gz")
# on the aorta's centreline at z = 130.3 mm (LPS; slice 12), normal 30 degrees off the slice axis
# pointing down: the part below goes
POINT, NORMAL = (15.96, -159.8, 130.3), (0.5, 0.0, -0.866)
PLANE = ",".join(str(v) for v in POINT + NORMAL)
# the aorta's cross-sections on the slices near the cut hold 28-36 voxels of 9 mm^2
SECTION_MIN, SECTION_MAX = 28 * 9.0, 36 * 9.0


def mesh(name, *extra, expect_ok=True):
    out = os.path.join(args.work_dir, name)
    code, stdout, stderr = tc.run([args.app, "mesh", image, "-o", out, *extra], expect_ok=expect_ok)
    print(stdout)
    return code, stdout, stderr, out


def check_cut_cap(name, rep):
    caps = rep["mesh"]["caps"]
    ck.check(set(caps) == {"aorta_cap1", "aorta_cap2"}, f"{name}: caps {sorted(caps)}")
    cut = [c for c in caps.values() if c["made_by"] == "cut by plane 1"]
    ck.check(len(cut) == 1, f"{name}: one cap made by the plane: {[c['made_by'] for c in caps.values()]}")
    if not cut:
        return None
    c = cut[0]
    n = math.sqrt(sum(v * v for v in NORMAL))
    dot = sum(a * b / n for a, b in zip(c["normal"], NORMAL))
    ck.check(c["flatness_mm"] < 1e-9, f"{name}: cut cap off its plane by {c['flatness_mm']:.2e} mm")
    ck.check(dot > 1 - 1e-9, f"{name}: cut cap normal {c['normal']} against the plane's {NORMAL}")
    # the plane is 30 degrees off the slices (the aorta is itself some 17 degrees off the slice
    # axis here, so the true factor lies between cos 13 and cos 47): a generous band
    lo, hi = SECTION_MIN / math.cos(math.radians(13)), SECTION_MAX / math.cos(math.radians(47))
    ck.check(lo < c["area_mm2"] < hi, f"{name}: cut cap {c['area_mm2']:.1f} mm^2 outside [{lo:.0f}, {hi:.0f}]")
    # its centre lies in the plane, near the point given
    off = sum((a - b) * v / n for a, b, v in zip(c["center_lps_mm"], POINT, NORMAL))
    dist = math.dist(c["center_lps_mm"], POINT)
    ck.check(abs(off) < 1e-6 and dist < 5, f"{name}: cut cap centre {c['center_lps_mm']} ({dist:.1f} mm from the point)")
    return c


# 1. twinfe mesh, then twinfe solve -physics stokes with the cut cap as the inlet
code, stdout, stderr, out = mesh("aorta", "-labels", "52", "-names", "aorta", "-surface_caps", "true", "-mesh_size", "3",
                                 "-surface_cut_planes", PLANE)
ck.check(code == 0, f"mesh: exit {code}: {stderr}")
if code == 0:
    rep = tc.report(out)
    cut = check_cut_cap("mesh", rep)
    removed = rep["surface"]["cut"]["regions"]["aorta"]
    frac = removed["removed_mm3"] / (removed["removed_mm3"] + removed["kept_mm3"])
    ck.check(0.2 < frac < 0.45, f"mesh: {frac:.0%} of the aorta removed (slices 0-11 of 30 lie below the cut)")
    ck.check("cut by plane 1" in stdout and "warning" not in stdout, "mesh: the summary names the cut cap, no warning")
    inlet = "2" if cut and rep["mesh"]["caps"]["aorta_cap2"]["made_by"] == "cut by plane 1" else "1"
    flow = os.path.join(args.work_dir, "flow")
    code, stdout, stderr = tc.run([args.app, "solve", os.path.join(out, "mesh.msh"), "-physics", "stokes", "-inlet_cap", inlet,
                                   "-inflow", "3", "-o", flow])
    print(stdout)
    ck.check(code == 0, f"solve: exit {code}: {stderr}")
    if code == 0:
        caps = tc.report(flow)["flow"]["caps"]
        outlet = [c for c in caps.values() if c["role"] == "outlet"]
        ck.check(len(outlet) == 1 and abs(outlet[0]["outflow_mm3_per_s"] - 3000) < 0.005 * 3000,
                 f"solve: outflow {[c['outflow_mm3_per_s'] for c in outlet]} for 3000 mm^3/s in")

# 2. the same from a case file, meshed and solved by twinfe run
case = os.path.join(args.work_dir, "aorta.yaml")
with open(case, "w") as f:
    f.write(f"""image: {image}
labels: 52
names: aorta
physics: stokes
inlet_cap: 2
inflow: 3
surface:
  caps: true
  # a point inside the aorta (LPS mm), then the normal toward the part removed
  cut_planes: [{", ".join(str(v) for v in POINT)},   {", ".join(str(v) for v in NORMAL)}]
mesh:
  size: 3
""")
run_dir = os.path.join(args.work_dir, "run")
code, stdout, stderr = tc.run([args.app, "run", case, "-o", run_dir])
print(stdout)
ck.check(code == 0, f"run: exit {code}: {stderr}")
if code == 0:
    rep = tc.report(run_dir)
    check_cut_cap("run", rep)
    ck.check(rep["flow"]["caps"]["cap2"]["role"] == "inlet", "run: cap 2 (the cut) is the inlet")

# 3. the point says which vessel: beside the aorta, in the IVC (label 63) at the same height, the
# same plane cuts the IVC and leaves the aorta whole
ivc_point = (-14.87, -172.74, 130.3)
code, stdout, stderr, out = mesh("ivc", "-labels", "52,63", "-names", "aorta,ivc", "-surface_caps", "true",
                                 "-surface_cut_planes", ",".join(str(v) for v in ivc_point + NORMAL))
ck.check(code == 0, f"ivc: exit {code}: {stderr}")
if code == 0:
    rep = tc.report(out)
    made = {k: c["made_by"] for k, c in rep["mesh"]["caps"].items()}
    ck.check(any(k.startswith("ivc") and v == "cut by plane 1" for k, v in made.items()), f"ivc: the IVC is cut: {made}")
    ck.check(not any(k.startswith("aorta") and v.startswith("cut") for k, v in made.items()), f"ivc: the aorta is not: {made}")
    ck.check(list(rep["surface"]["cut"]["regions"]) == ["ivc"], f"ivc: regions cut {list(rep['surface']['cut']['regions'])}")

# 4. refused before any work, naming the option
for name, value, words in [("count", "1,2,3,0,0", "6 per plane"), ("zero normal", "15,-160,130,0,0,0", "normal (0, 0, 0)"),
                           ("misses", "200,0,130,0,0,1", "inside no region")]:
    code, stdout, stderr, out = mesh("bad", "-labels", "52", "-surface_caps", "true", "-surface_cut_planes", value,
                                     expect_ok=False)
    ck.check(code != 0 and "-surface_cut_planes" in stderr and words in stderr and not os.path.exists(out),
             f"{name}: exit {code}, {stderr.strip()}")
ck.close()
