"""The default clamp holds every connected part of the mesh on its own side: two cubes apart
along y (the clamp axis), each its own part, are both held and the solve converges. Before, the
band was cut from the whole mesh's extent, so the lower cube floated and the case failed.
A part that -clamp_tags leaves free is still refused before the solve, named with its region,
volume and centroid.
SPDX-License-Identifier: GPL-2.0-or-later"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "clients"))
import twinfe_cli as tc
from bad_inputs import Msh, write_text

args = tc.parse_args()
ck = tc.Checks("clamp_parts")


def cubes_apart_along_y(gap):
    """Msh.two_cubes puts the cubes side by side along x; swap x and y."""
    m = Msh.two_cubes(gap=gap)
    for n, (x, y, z) in list(m.nodes.items()):
        m.nodes[n] = (y, x, z)  # strings, as Msh keeps them
    for region, tets in m.tets.items():
        m.tets[region] = [Msh._positive(m.nodes, t) for t in tets]
    m.tris = {}
    m._tag_facets()
    return m


msh = os.path.join(args.work_dir, "cubes.msh")
write_text(msh, cubes_apart_along_y(20.0).text())

out = os.path.join(args.work_dir, "held")
code, stdout, stderr = tc.run([args.app, "solve", msh, "-o", out])
print(stdout)
ck.check(code == 0, f"default clamp on two parts apart: exit {code}: {stderr}")
if code == 0:
    rep = tc.report(out)
    ck.check(rep["boundary"]["clamp"]["boxes"] == 2, f"one clamp box per part and tag: {rep['boundary']['clamp']}")
    ck.check("each connected part" in rep["boundary"]["clamp"]["region"], rep["boundary"]["clamp"]["region"])
    ck.check(rep["solve"]["converged_reason"].startswith("CONVERGED"), f"solve: {rep['solve']}")

out = os.path.join(args.work_dir, "free")
code, stdout, stderr = tc.run([args.app, "solve", msh, "-o", out, "-clamp_tags", "1"])
ck.check(code != 0, "a part -clamp_tags leaves free must be refused")
ck.check("tumor" in stderr and "mm^3" in stderr and "centroid" in stderr, f"the free part named with volume and centroid: {stderr}")
ck.check(not os.path.exists(out), "no output folder after the refusal")
ck.close()
