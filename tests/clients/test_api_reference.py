"""docs/api, the API reference of every public function, is what scripts/api_reference.py makes
from the structured comments of include/twinfe/*.h (docs/api_reference.md): a declaration added
or changed without its comment, or a comment changed without the pages following, fails here
with the generator's message. The generator must also refuse a broken header: a copy of the
headers with one parameter line taken out of a block has to fail, naming that function and
parameter, so that this test can fail at all.
SPDX-License-Identifier: GPL-2.0-or-later"""
import glob
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc  # noqa: E402

args = tc.parse_args()
ck = tc.Checks("api reference")
script = os.path.join(args.source_dir, "scripts", "api_reference.py")
include = os.path.join(args.source_dir, "include", "twinfe")


def generator(*extra):
    return subprocess.run([sys.executable, script] + list(extra), capture_output=True, text=True, timeout=300)


# 1. The committed pages are those the headers make now.
proc = generator("--include-dir", include, "--check", os.path.join(args.source_dir, "docs", "api"))
ck.check(proc.returncode == 0, f"docs/api differs from include/twinfe/*.h or a header is incomplete:\n{proc.stderr}"
                               f"\nwrite it again with\n  python3 scripts/api_reference.py")
print(proc.stdout.strip())
m = re.search(r"(\d+) functions", proc.stdout)
ck.check(m is not None and int(m.group(1)) > 300, f"fewer than 300 functions found: the parser broke ({proc.stdout})")

# 2. Every page and man page is made; one man page per function or variable.
out = os.path.join(args.work_dir, "generated")
proc = generator("--include-dir", include, "--markdown-dir", os.path.join(out, "api"), "--man-dir", os.path.join(out, "man3"))
ck.check(proc.returncode == 0, f"generating into {out} failed: {proc.stderr}")
if proc.returncode == 0:
    pages = glob.glob(os.path.join(out, "man3", "*.3"))
    ck.check(m is not None and len(pages) >= int(m.group(1)), f"{len(pages)} man pages for {m.group(1) if m else '?'} functions")
    mesh_create = os.path.join(out, "man3", "TwinfeMeshCreate.3")
    ck.check(os.path.exists(mesh_create), "TwinfeMeshCreate.3 written")
    if os.path.exists(mesh_create):
        with open(mesh_create) as f:
            text = f.read()
        ck.check(text.startswith(".TH TwinfeMeshCreate 3") and ".SH SYNOPSIS" in text and "#include <twinfe/mesh.h>" in text,
                 f"TwinfeMeshCreate.3 is a section-3 man page with its synopsis:\n{text[:400]}")
    with open(os.path.join(out, "api", "mesh.md")) as f:
        text = f.read()
    ck.check("## TwinfeMeshCreate" in text and "**Level:** beginner" in text, "mesh.md holds TwinfeMeshCreate's entry")

# 3. A parameter line taken out of a block is refused, naming the function and the parameter.
broken = os.path.join(args.work_dir, "broken")
shutil.copytree(include, broken)
with open(os.path.join(broken, "mesh.h")) as f:
    text = f.read()
block = re.search(r"/\*@\n  TwinfeMeshCreate - .*?@\*/", text, re.S)
cut = text
if block:
    line = re.search(r"^[+.-] mesh +- .*\n", block.group(0), re.M)
    if line:
        cut = text.replace(block.group(0), block.group(0).replace(line.group(0), "", 1), 1)
ck.check(cut != text, "a parameter line of TwinfeMeshCreate's block was found to remove")
with open(os.path.join(broken, "mesh.h"), "w") as f:
    f.write(cut)
proc = generator("--include-dir", broken, "--markdown-dir", os.path.join(args.work_dir, "broken_api"))
ck.check(proc.returncode != 0, "the generator accepted a block without one of its parameters")
ck.check(re.search(r"mesh\.h: TwinfeMeshCreate: parameter 'mesh' is in no Input/Output Parameter list", proc.stderr)
         is not None, f"the refusal names the header, the function and the parameter: {proc.stderr}")

# 4. A see-also naming no public function is refused too.
with open(os.path.join(broken, "mesh.h"), "w") as f:
    f.write(text.replace(".seealso: ", ".seealso: TwinfeMeshNoSuchFunction(), ", 1))
proc = generator("--include-dir", broken, "--markdown-dir", os.path.join(args.work_dir, "broken_api"))
ck.check(proc.returncode != 0 and "TwinfeMeshNoSuchFunction" in proc.stderr,
         f"a see-also naming no public function is refused by name: {proc.stderr}")
ck.close()
