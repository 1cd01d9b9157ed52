"""The library exports its public API and nothing else (issue 16, a host program's own symbols
must not clash with ours): the names `nm -D --defined-only` lists for libtwinfe.so are exactly
the functions and variables include/twinfe/*.h declare with PETSC_EXTERN; none of the names a
header declares is missing (a declaration without a definition would link in C and fail only
in a host program), none exported is undeclared (an internal function leaking out).

And it exports no data (docs/abi.md, "No exported data"): a program that reads an exported
variable gets a copy relocation (R_X86_64_COPY) that freezes the variable's size into the
program, so a table that grows in a later library breaks programs built earlier, silently.
No header declares a PETSC_EXTERN variable, and every symbol nm lists is text (T), not data
(D, B, R and the other object types). Both checks are shown to fail: on a copy of the headers
with a variable declared, and on a small library built here that exports data.
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
ck = tc.Checks("exported symbols")
build_dir = os.path.dirname(os.path.dirname(os.path.abspath(args.app)))
library = os.path.join(build_dir, "libtwinfe", "libtwinfe.so")
include_dir = os.path.join(args.source_dir, "include", "twinfe")
# nm's letters for data objects: initialised (D), zero-initialised (B), read-only (R), small (G,
# S), weak objects (V) and unique globals (u); lower case is the local form of each. Functions are
# T (W for a weak one, i for an indirect one).
DATA_TYPES = set("BbDdGgRrSsVvu")
ACCESSOR = ("reach a table through an accessor function instead, e.g. TwinfeTissueGetCount() and TwinfeTissueGet(), "
            "or TwinfeXGetName() for an enum's names (docs/abi.md, No exported data)")


def declared(directory):
    """(functions, variables): the names directory/*.h declare with PETSC_EXTERN."""
    functions, variables = set(), set()
    for header in glob.glob(os.path.join(directory, "*.h")):
        with open(header) as f:
            text = re.sub(r"/\*.*?\*/", " ", f.read(), flags=re.S)  # comments out
        for declaration in re.findall(r"PETSC_EXTERN\b([^;{]*)", text):
            # the name is the last identifier before the parameter list (a function) or before the
            # array brackets / end (a variable)
            is_function = "(" in declaration
            head = declaration.split("(")[0] if is_function else declaration.split("[")[0]
            found = re.findall(r"[A-Za-z_]\w*", head)
            if found:
                (functions if is_function else variables).add(found[-1])
    return functions, variables


def exported(path):
    """{name: nm type letter} of what the shared library at path exports."""
    out = subprocess.run(["nm", "-D", "--defined-only", path], capture_output=True, text=True, check=True).stdout
    symbols = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[-1] not in ("_edata", "_end", "__bss_start"):
            symbols[fields[-1]] = fields[-2]
    return symbols


def exported_data(symbols):
    return sorted(f"{name} ({kind})" for name, kind in symbols.items() if kind in DATA_TYPES)


functions, variables = declared(include_dir)
public, symbols = functions | variables, exported(library)
missing, extra = sorted(public - set(symbols)), sorted(set(symbols) - public)
ck.check(len(public) > 300, f"only {len(public)} declarations found in include/twinfe: the parser is wrong")
ck.check(not missing, f"declared in include/twinfe but not exported by {library}: {missing}")
ck.check(not extra, f"exported by {library} but declared in no public header: {extra}")
ck.check(not variables, f"include/twinfe declares PETSC_EXTERN data {sorted(variables)}: exported data is refused "
         f"(a program's copy relocation freezes its size); {ACCESSOR}")
data = exported_data(symbols)
ck.check(not data, f"{library} exports data {data}: exported data is refused (a program's copy relocation freezes "
         f"its size); keep the table static or PETSC_INTERN and {ACCESSOR}")
same = "equal" if not missing and not extra else "different"
print(f"{len(symbols)} exported symbols, {len(public)} public declarations: {same}; "
      f"{len(variables)} declared variables, {len(data)} exported data objects")

# The checks can fail. Headers: a copy of include/twinfe with a table declared in physics.h.
broken = os.path.join(args.work_dir, "include_with_data")
shutil.copytree(include_dir, broken)
with open(os.path.join(broken, "physics.h"), "a") as f:
    f.write("\n/*@\n  TwinfeBrokenNames - A table.\n\n  Level: intermediate\n@*/\n"
            "PETSC_EXTERN const char *const TwinfeBrokenNames[];\n")
broken_functions, broken_variables = declared(broken)
ck.check(broken_variables == variables | {"TwinfeBrokenNames"} and broken_functions == functions,
         "a copy of the headers with PETSC_EXTERN const char *const TwinfeBrokenNames[] gives variables "
         f"{sorted(broken_variables)} (the declaration check would not fail)")

# Library: one built here with a read-only table, an initialised and a zero-initialised variable
# beside a function; only the three objects are data.
compiler = "cc"
cache = os.path.join(build_dir, "CMakeCache.txt")
if os.path.exists(cache):
    with open(cache) as f:
        m = re.search(r"^CMAKE_C_COMPILER:\w+=(.+)$", f.read(), re.M)
    compiler = m.group(1).strip() if m else compiler
source, shared = os.path.join(args.work_dir, "data.c"), os.path.join(args.work_dir, "libdata.so")
with open(source, "w") as f:
    f.write('const char *const TwinfeBrokenNames[] = {"a", "b", 0};\n'
            "int TwinfeBrokenCount = 2;\n"
            "double TwinfeBrokenZero;\n"
            "int TwinfeBrokenGetCount(int *n) { *n = TwinfeBrokenCount; return 0; }\n")
code, out, err = tc.run([compiler, "-shared", "-fPIC", "-o", shared, source])
ck.check(code == 0, f"{compiler} could not build {shared}: {err}")
if code == 0:
    broken_data = exported_data(exported(shared))
    ck.check([d.split()[0] for d in broken_data] == ["TwinfeBrokenCount", "TwinfeBrokenNames", "TwinfeBrokenZero"],
             f"a library exporting three variables and a function gives data {broken_data} (the nm check would not fail)")
    print("refused on purpose:", broken_data)
ck.close()
