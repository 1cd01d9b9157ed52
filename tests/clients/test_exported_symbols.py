"""The library exports its public API and nothing else (issue 16, a host program's own symbols
must not clash with ours): the names `nm -D --defined-only` lists for libtwinfe.so are exactly
the functions and variables include/twinfe/*.h declare with PETSC_EXTERN; none of the names a
header declares is missing (a declaration without a definition would link in C and fail only
in a host program), none exported is undeclared (an internal function leaking out).
SPDX-License-Identifier: GPL-2.0-or-later"""
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc  # noqa: E402

args = tc.parse_args()
ck = tc.Checks("exported symbols")
library = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(args.app))), "libtwinfe", "libtwinfe.so")


def declared():
    names = set()
    for header in glob.glob(os.path.join(args.source_dir, "include", "twinfe", "*.h")):
        with open(header) as f:
            text = re.sub(r"/\*.*?\*/", " ", f.read(), flags=re.S)  # comments out
        for declaration in re.findall(r"PETSC_EXTERN\b([^;{]*)", text):
            # the name is the last identifier before the parameter list (a function) or before the
            # array brackets / end (a variable)
            head = declaration.split("(")[0] if "(" in declaration else declaration.split("[")[0]
            found = re.findall(r"[A-Za-z_]\w*", head)
            if found:
                names.add(found[-1])
    return names


def exported():
    out = subprocess.run(["nm", "-D", "--defined-only", library], capture_output=True, text=True, check=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.split()[-1] not in ("_edata", "_end", "__bss_start")}


public, symbols = declared(), exported()
missing, extra = sorted(public - symbols), sorted(symbols - public)
ck.check(len(public) > 300, f"only {len(public)} declarations found in include/twinfe: the parser is wrong")
ck.check(not missing, f"declared in include/twinfe but not exported by {library}: {missing}")
ck.check(not extra, f"exported by {library} but declared in no public header: {extra}")
print(f"{len(symbols)} exported symbols, {len(public)} public declarations: {'equal' if not missing and not extra else 'different'}")
ck.close()
