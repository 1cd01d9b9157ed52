"""The public value structs keep the layout recorded for the library's soname (docs/abi.md): a
binding or a host program that mirrors TwinfeMeshRegionQuality, TwinfeTool, ... hard-codes
their sizes and offsets. scripts/abi_layout.py --check passes on the real headers against
libtwinfe/abi_layout.txt; and it can fail: on a copy of include/ with a member appended to a
struct, with a member's type changed for another of the same size (only its kind differs),
with a new struct, with a struct the record has and the headers lost, and with the SOVERSION
bumped but the record not made again. After the bump, --write and --check agree.
SPDX-License-Identifier: GPL-2.0-or-later"""
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc  # noqa: E402

args = tc.parse_args()
ck = tc.Checks("abi layout")
build_dir = os.path.dirname(os.path.dirname(os.path.abspath(args.app)))
script = os.path.join(args.source_dir, "scripts", "abi_layout.py")
record = os.path.join(args.source_dir, "libtwinfe", "abi_layout.txt")
include = os.path.join(args.source_dir, "include")
BUMP = "bump the project VERSION's minor (pre-1.0) or major in CMakeLists.txt"


def abi(*extra, source_dir=None, include_dir=include, record_file=record, expect_ok=True):
    cmd = [sys.executable, script, "--source-dir", source_dir or args.source_dir, "--build-dir", build_dir,
           "--include-dir", include_dir, "--record", record_file, "--work-dir", args.work_dir] + list(extra)
    return tc.run(cmd, expect_ok=expect_ok, timeout=300)


def recorded():
    """(soversion, {struct: [(member, kind, size)]}) of the record."""
    with open(record) as f:
        lines = [line.strip() for line in f if line.strip()]
    structs = {}
    for line in lines[1:]:
        m = re.match(r"^(\w+)\.(\w+) offset \d+ size (\d+) (\w+)$", line)
        if m:
            structs.setdefault(m.group(1), []).append((m.group(2), m.group(4), int(m.group(3))))
        else:
            structs.setdefault(line.split(" size ")[0], [])
    return lines[0], structs


def copy_include(name):
    dst = os.path.join(args.work_dir, name)
    shutil.copytree(include, dst)
    return dst


def struct_body(text, name):
    """(start, end) of the body of `typedef struct { ... } name;` in comment-free text, or None."""
    m = re.search(r"\}\s*" + name + r"\s*;", text)
    if not m:
        return None
    depth, i = 0, m.start()
    while i >= 0:
        depth += {"}": 1, "{": -1}.get(text[i], 0)
        if depth == 0:
            return i + 1, m.start()
        i -= 1
    return None


def edit_struct(include_dir, name, edit):
    """Applies edit(body) -> new body to struct name in whichever header of include_dir defines
    it (comments taken out of that header first). True when some header was changed."""
    folder = os.path.join(include_dir, "twinfe")
    for header in sorted(os.listdir(folder)):
        path = os.path.join(folder, header)
        with open(path) as f:
            text = re.sub(r"/\*.*?\*/|//[^\n]*", " ", f.read(), flags=re.S)
        span = struct_body(text, name)
        if span:
            body = edit(text[span[0]:span[1]])
            if body is None:
                return False
            with open(path, "w") as f:
                f.write(text[:span[0]] + body + text[span[1]:])
            return True
    return False


# 1. The real headers are as recorded, for the current soname.
code, out, err = abi("--check")
ck.check(code == 0, f"abi_layout --check on {include}: exit {code}\n{out}{err}")
so, structs = recorded()
ck.check(re.fullmatch(r"\d+\.\d+", so) is not None, f"the record's first line is the SOVERSION, not `{so}`")
# the parser sees every `typedef struct {` the headers hold (a plain count, comments out)
naive = 0
for header in os.listdir(os.path.join(include, "twinfe")):
    with open(os.path.join(include, "twinfe", header)) as f:
        naive += len(re.findall(r"\btypedef\s+struct\s*\{", re.sub(r"/\*.*?\*/|//[^\n]*", " ", f.read(), flags=re.S)))
ck.check(len(structs) >= naive and naive >= 20, f"the record holds {len(structs)} structs, the headers {naive} `typedef struct {{`")
nmembers = sum(len(m) for m in structs.values())
print(f"record: SOVERSION {so}, {len(structs)} structs, {nmembers} members")

# 2. A member appended to a struct: exit 1, naming it, asking for the bump.
victim = next(n for n, m in structs.items() if m)
inc = copy_include("include_member_added")
ck.check(edit_struct(inc, victim, lambda body: body + "  PetscReal abi_test_extra;\n"), f"could not find {victim} to edit")
code, out, err = abi("--check", include_dir=inc, expect_ok=False)
ck.check(code == 1 and f"{victim}.abi_test_extra" in err and BUMP in err,
         f"a member appended to {victim}: exit {code}, expected 1 naming {victim}.abi_test_extra and asking for the bump:\n{err}")


# 3. A member's type changed for one of the same size and another kind (PetscReal -> PetscInt64,
#    both 8 bytes): every offset stays, the kind tells.
def retype(body, member):
    new, n = re.subn(r"\bPetscReal(\s+" + member + r"\s*;)", r"PetscInt64\1", body)
    return new if n == 1 else None


changed = None
for name, members in structs.items():
    for member, kind, size in members:
        if kind == "real" and size == 8 and edit_struct(copy_include(f"include_retyped_{name}_{member}"), name,
                                                        lambda body, m=member: retype(body, m)):
            changed = (name, member)
            break
        shutil.rmtree(os.path.join(args.work_dir, f"include_retyped_{name}_{member}"), ignore_errors=True)
    if changed:
        break
ck.check(changed is not None, "no `PetscReal member;` declaration found to retype")
if changed:
    inc = os.path.join(args.work_dir, f"include_retyped_{changed[0]}_{changed[1]}")
    code, out, err = abi("--check", include_dir=inc, expect_ok=False)
    ck.check(code == 1 and f"{changed[0]}.{changed[1]}" in err and "integer" in err and BUMP in err,
             f"{changed[0]}.{changed[1]} made PetscInt64: exit {code}, expected 1 naming it:\n{err}")

# 4. A new public struct: exit 1, naming it.
inc = copy_include("include_struct_added")
with open(os.path.join(inc, "twinfe", "mesh.h"), "a") as f:
    f.write("\ntypedef struct {\n  PetscInt  abi_n; /* a comment; with { braces } */\n  PetscReal abi_x[3];\n"
            "  PetscErrorCode (*abi_fn)(void *ctx);\n} TwinfeAbiTestAdded;\n")
code, out, err = abi("--check", include_dir=inc, expect_ok=False)
ck.check(code == 1 and "new public struct TwinfeAbiTestAdded" in err and BUMP in err,
         f"a struct added: exit {code}, expected 1 naming TwinfeAbiTestAdded:\n{err}")

# 5. A struct the record holds and the headers no longer define: exit 1, naming it.
gone = os.path.join(args.work_dir, "abi_layout_with_gone.txt")
with open(record) as f, open(gone, "w") as g:
    g.write(f.read() + "TwinfeAbiTestGone size 8 align 8\nTwinfeAbiTestGone.x offset 0 size 8 real\n")
code, out, err = abi("--check", record_file=gone, expect_ok=False)
ck.check(code == 1 and "TwinfeAbiTestGone disappeared" in err, f"a struct removed: exit {code}, expected 1 naming it:\n{err}")

# 6. The SOVERSION bumped (a source tree whose project VERSION has the next minor) and the record
#    not made again: exit 1 asking to re-record, even with the layout unchanged; then --write
#    and --check agree, with the changed headers too.
bumped = os.path.join(args.work_dir, "source_bumped")
os.makedirs(os.path.join(bumped, "libtwinfe"))
shutil.copy(os.path.join(args.source_dir, "libtwinfe", "CMakeLists.txt"), os.path.join(bumped, "libtwinfe"))
with open(os.path.join(args.source_dir, "CMakeLists.txt")) as f:
    top = f.read()
top, n = re.subn(r"(\bproject\s*\([^)]*\bVERSION\s+)(\d+)\.(\d+)", lambda m: f"{m.group(1)}{m.group(2)}.{int(m.group(3)) + 1}",
                 top, count=1)
ck.check(n == 1, "no project(... VERSION x.y) in CMakeLists.txt")
with open(os.path.join(bumped, "CMakeLists.txt"), "w") as f:
    f.write(top)
code, out, err = abi("--check", source_dir=bumped, expect_ok=False)
ck.check(code == 1 and "re-record with python3 scripts/abi_layout.py --write" in err and f"recorded for {so}" in err,
         f"SOVERSION bumped, record not re-made: exit {code}, expected 1 asking to re-record:\n{err}")
rerecorded = os.path.join(args.work_dir, "abi_layout_bumped.txt")
inc = os.path.join(args.work_dir, "include_struct_added")
code, out, err = abi("--write", source_dir=bumped, include_dir=inc, record_file=rerecorded)
ck.check(code == 0, f"--write after the bump: exit {code}\n{err}")
code, out, err = abi("--check", source_dir=bumped, include_dir=inc, record_file=rerecorded)
ck.check(code == 0, f"--check against the new record: exit {code}\n{err}")
with open(rerecorded) as f:
    first, rest = f.readline().strip(), f.read()
ck.check(first != so and "TwinfeAbiTestAdded.abi_fn offset " in rest and " pointer" in rest,
         f"the new record: SOVERSION {first} (was {so}), holds TwinfeAbiTestAdded: {'TwinfeAbiTestAdded' in rest}")
ck.close()
