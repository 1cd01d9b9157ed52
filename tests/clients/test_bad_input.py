"""Bad input gets one clear line naming the culprit, a non-zero exit, and no output folder.
SPDX-License-Identifier: GPL-2.0-or-later"""
import glob
import gzip
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc

args = tc.parse_args()
ck = tc.Checks("bad_input")
work = args.work_dir
seg = os.path.join(args.data_dir, "totalsegmentator", "example_seg.nii.gz")
case = os.path.join(args.source_dir, "meshes", "organ_phantom.yaml")

truncated = os.path.join(work, "truncated.nii.gz")
with open(seg, "rb") as f:
    data = f.read()
with open(truncated, "wb") as f:
    f.write(data[: len(data) // 2])


def expect_failure(label, cmd, words, out):
    code, stdout, stderr = tc.run(cmd, expect_ok=False)
    message = stderr.strip()
    ck.check(code != 0, f"{label}: exit code {code}")
    for w in words:
        ck.check(w.lower() in message.lower(), f"{label}: message lacks '{w}': {message!r}")
    ck.check(message.count("\n") < 2, f"{label}: more than one line: {message!r}")
    ck.check(out is None or not os.path.exists(out), f"{label}: output folder {out} exists")
    ck.check(not [p for p in os.listdir(work) if "partial-" in p], f"{label}: staging folder left behind")
    print(f"{label}: {message}")


out = os.path.join(work, "out")
expect_failure("missing file", [args.app, "mesh", os.path.join(work, "nope.nii.gz"), "-labels", "5", "-o", out], ["nope.nii.gz"], out)
expect_failure("truncated gzip", [args.app, "mesh", truncated, "-labels", "5", "-o", out], ["truncated.nii.gz"], out)
expect_failure("absent label", [args.app, "mesh", seg, "-labels", "77", "-o", out], ["77"], out)
expect_failure("non-positive E", [args.app, "run", case, "-organ_E", "0", "-o", out], ["organ_E", "positive"], out)
expect_failure("bad Poisson ratio", [args.app, "run", case, "-tumor_nu", "0.5", "-o", out], ["tumor_nu"], out)
expect_failure("missing case file", [args.app, "run", os.path.join(work, "none.yaml"), "-o", out], ["none.yaml"], out)
expect_failure("missing mesh", [args.app, "solve", os.path.join(work, "none.msh"), "-o", out], ["none.msh"], out)
# found only when the results are written, after meshing and solving: still no folder
expect_failure("unknown compression", [args.app, "run", case, "-labels", "2", "-names", "tumor", "-results_compression", "bogus", "-o", out],
               ["-results_compression", "bogus", "lz4"], out)
expect_failure("no output", [args.app, "mesh", seg, "-labels", "5"], ["-o"], None)
expect_failure("unknown command", [args.app, "simulate"], ["simulate"], None)

# Missing parent folders of -o are made for a run that succeeds, and taken away again for one
# that fails.
nested = os.path.join(work, "new", "deeper", "out")
expect_failure("non-positive E, nested -o", [args.app, "run", case, "-organ_E", "0", "-o", nested], ["organ_E"], nested)
ck.check(not os.path.exists(os.path.join(work, "new")), "parent folders made for a failed run were left behind")
phantom = os.path.join(args.source_dir, "meshes", "organ_phantom.nii.gz")
code, _, stderr = tc.run([args.app, "mesh", phantom, "-labels", "2", "-names", "tumor", "-o", nested])
ck.check(code == 0 and os.path.exists(os.path.join(nested, "report.json")), f"nested -o: exit {code}, {stderr}")

# An existing folder that is not a twinfe output is never overwritten.
keep = os.path.join(work, "precious")
os.makedirs(keep)
with open(os.path.join(keep, "notes.txt"), "w") as f:
    f.write("mine")
code, _, stderr = tc.run([args.app, "demo", "-o", keep], expect_ok=False)
ck.check(code != 0 and "precious" in stderr, f"existing folder: exit {code}, {stderr!r}")
ck.check(open(os.path.join(keep, "notes.txt")).read() == "mine", "user file kept")

# Nor is a folder with someone else's report.json, nor an earlier twinfe output to which a
# user added a file (a ParaView state, say): only what twinfe wrote may be replaced.
other = os.path.join(work, "other_tool")
os.makedirs(other)
for name, text in (("report.json", '{"other": "tool"}'), ("scan_notes.txt", "mine")):
    with open(os.path.join(other, name), "w") as f:
        f.write(text)
code, _, stderr = tc.run([args.app, "mesh", phantom, "-labels", "2", "-o", other], expect_ok=False)
ck.check(code != 0 and "report.json" in stderr and os.path.exists(os.path.join(other, "scan_notes.txt")), f"foreign report.json: {stderr!r}")
with open(os.path.join(nested, "view.pvsm"), "w") as f:
    f.write("<ParaView/>")
code, _, stderr = tc.run([args.app, "mesh", phantom, "-labels", "2", "-o", nested], expect_ok=False)
ck.check(code != 0 and "view.pvsm" in stderr and os.path.exists(os.path.join(nested, "view.pvsm")), f"user file in an output: {stderr!r}")

# On two ranks a failure ends every rank with a clear message too.
code, _, stderr = tc.run([args.mpiexec, "-n", "2", args.app, "run", case, "-organ_E", "-1", "-o", out], expect_ok=False)
ck.check(code != 0 and "organ_E" in stderr and not os.path.exists(out), f"2 ranks: exit {code}, {stderr!r}")
ck.close()
