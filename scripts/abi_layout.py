#!/usr/bin/env python3
"""Records and checks the memory layout of libtwinfe's public value structs (docs/abi.md).

A program or a binding (cffi, ctypes, another language's FFI) that reads or fills a struct the
public headers define, e.g. TwinfeMeshRegionQuality, hard-codes its size and the offset of every
member. Those are part of what the soname promises: a layout change without a new soname breaks
such a program silently. This script finds every struct/union with a body in
include/twinfe/*.h, compiles and runs a small C program that prints sizeof, _Alignof and, per
member, offsetof, sizeof and the member's kind (real, integer, pointer, other), and compares them
with libtwinfe/abi_layout.txt, whose first line is the library's SOVERSION.

usage: python3 scripts/abi_layout.py [--check | --write] [--source-dir S] [--build-dir B]
                                     [--include-dir I] [--record R] [--work-dir W]
  --check (default): exit 0 when the layout equals the record and the record was made for the
           current SOVERSION; 1 when a struct or member changed, appeared or disappeared, or the
           SOVERSION is not the recorded one; 2 when the headers could not be read or compiled.
  --write: record the current layout and SOVERSION.
  S: the source tree (default: this script's ../); B: a configured build tree of S (default
  S/build), whose compile_commands.json (else CMakeCache.txt) gives the compiler and the
  include directories; I: the public headers (default S/include); R: the record (default
  S/libtwinfe/abi_layout.txt).
SPDX-License-Identifier: GPL-2.0-or-later"""
import argparse
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

BUMP = ("a public struct's layout changed: bump the project VERSION's minor (pre-1.0) or major in CMakeLists.txt "
        "(the soname follows) and re-record with python3 scripts/abi_layout.py --write")
RERECORD = "re-record with python3 scripts/abi_layout.py --write (the record must always match the soname it was made for)"


class ToolError(Exception):
    """The headers or the build tree could not be read: exit 2, not a layout verdict."""


# ---------------------------------------------------------------------------------------------
# Header parsing


def strip_comments(text):
    """C text with every comment replaced by a space (newlines kept), string and character
    literals left alone (a "/*" inside a string is not a comment)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == "/" and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise ToolError("unterminated /* comment")
            out.append(" " + "\n" * text.count("\n", i, end))
            i = end + 2
        elif c == "/" and text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            out.append(" ")
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


PP_MARK = " @PP@ "


def mark_directives(text):
    """Preprocessor lines (with their continuations) replaced by PP_MARK, so that a directive
    inside a struct body (a member that exists only under some #if) is seen and refused."""
    lines, out, cont = text.split("\n"), [], False
    for line in lines:
        if cont or line.lstrip().startswith("#"):
            cont = line.rstrip().endswith("\\")
            out.append(PP_MARK)
        else:
            out.append(line)
    return "\n".join(out)


def matching(text, i, open_c, close_c):
    """Index of the bracket closing the one at text[i]."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] == open_c:
            depth += 1
        elif text[j] == close_c:
            depth -= 1
            if depth == 0:
                return j
    raise ToolError(f"unbalanced {open_c}{close_c}")


def split_top(text, sep):
    """Splits at sep outside (), [] and {}."""
    parts, depth, start = [], 0, 0
    for j, c in enumerate(text):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == sep and depth == 0:
            parts.append(text[start:j])
            start = j + 1
    parts.append(text[start:])
    return parts


IDENT = re.compile(r"[A-Za-z_]\w*")
QUALIFIERS = {"const", "volatile", "restrict", "_Atomic", "struct", "union", "enum", "signed", "unsigned", "short",
              "long", "static", "extern"}
# _Alignas(...) is part of the specifiers, not a declarator's parentheses
ALIGNAS = re.compile(r"\b_Alignas\s*\([^()]*\)")


def declarator(text, where):
    """(name, is_pointer, array_dims) of one declarator (the specifiers may still precede it):
    `*p`, `x[3]`, `path[N][3]`, `(*fn)(int, void *)`, `(*rows)[3]`; a bit-field is refused."""
    text = ALIGNAS.sub(" ", text)
    if re.search(r"(?<!:):(?!:)", text):
        raise ToolError(f"{where}: bit-field member `{text.strip()}`: offsetof cannot measure it")
    fn = re.search(r"\(\s*\*\s*(?:(?:const|volatile|restrict)\s+)*([A-Za-z_]\w*)", text)
    if fn:  # pointer to a function or to an array
        return fn.group(1), True, 0
    head = text.split("[", 1)[0]
    names = IDENT.findall(head)
    if not names or names[-1] in QUALIFIERS:
        raise ToolError(f"{where}: no member name in `{text.strip()}`")
    dims = len(re.findall(r"\[", text[len(head):]))
    return names[-1], "*" in head, dims


def specifier_type(first, name):
    """The type-name words of a declaration's first declarator, without its name."""
    head = ALIGNAS.sub(" ", first).split("(", 1)[0].split("[", 1)[0]
    words = [w for w in IDENT.findall(head) if w not in ("const", "volatile", "restrict", "_Atomic")]
    if words and words[-1] == name:
        words = words[:-1]
    return words


def parse_members(body, where, pointer_types):
    """Members of a struct body, in order: dicts name, pointer (bool), dims (array depth);
    the members of an anonymous struct/union member are members of the outer struct."""
    if PP_MARK.strip() in body:
        raise ToolError(f"{where}: a preprocessor directive inside the struct body (a member under #if "
                        "would give every configuration its own layout)")
    members = []
    for decl in split_top(body, ";"):
        decl = decl.strip()
        if not decl:
            continue
        if "{" in decl:  # a nested struct/union/enum defined in place
            o = decl.index("{")
            c = matching(decl, o, "{", "}")
            keyword = IDENT.findall(decl[:o])
            rest = decl[c + 1:].strip()
            if not rest:
                if keyword and keyword[0] in ("struct", "union"):
                    members.extend(parse_members(decl[o + 1:c], where, pointer_types))  # anonymous: flattened
                continue
            for d in split_top(rest, ","):
                name, ptr, dims = declarator(d, where)
                members.append({"name": name, "pointer": ptr, "dims": dims})
            continue
        parts = split_top(decl, ",")
        name0, ptr0, dims0 = declarator(parts[0], where)
        typedef_pointer = bool(set(specifier_type(parts[0], name0)) & pointer_types)
        members.append({"name": name0, "pointer": ptr0 or typedef_pointer, "dims": dims0})
        for d in parts[1:]:
            name, ptr, dims = declarator(d, where)
            members.append({"name": name, "pointer": ptr or typedef_pointer, "dims": dims})
    names = [m["name"] for m in members]
    if len(set(names)) != len(names):
        raise ToolError(f"{where}: a member name repeats: {names}")
    return members


def pointer_typedefs(texts):
    """Names typedef'd to a pointer type (opaque handles, function pointers): a member of such a
    type is a pointer, whatever _Generic says."""
    names = set()
    for text in texts:
        for m in re.finditer(r"\btypedef\b([^;{}]*);", text):
            d = m.group(1)
            fn = re.search(r"\(\s*\*\s*([A-Za-z_]\w*)\s*\)", d)
            if fn:
                names.add(fn.group(1))
            elif "*" in d:
                found = IDENT.findall(d.split("[", 1)[0])
                if found:
                    names.add(found[-1])
    changed = True
    while changed:  # typedef TwinfeA TwinfeB; of a pointer typedef
        changed = False
        for text in texts:
            for m in re.finditer(r"\btypedef\s+([A-Za-z_]\w*)\s+([A-Za-z_]\w*)\s*;", text):
                if m.group(1) in names and m.group(2) not in names:
                    names.add(m.group(2))
                    changed = True
    return names


def find_structs(include_dir):
    """Every struct or union with a body in include_dir/twinfe/*.h, sorted by header then
    declaration order: dicts header, name (the typedef name, or `struct tag`), members."""
    headers = sorted(glob.glob(os.path.join(include_dir, "twinfe", "*.h")))
    if not headers:
        raise ToolError(f"no headers in {include_dir}/twinfe")
    texts = {}
    for h in headers:
        with open(h, encoding="utf-8") as f:
            texts[h] = mark_directives(strip_comments(f.read()))
    ptr_types = pointer_typedefs(texts.values())
    structs = []
    for h in headers:
        text, rel, pos = texts[h], os.path.relpath(h, include_dir), 0
        kw = re.compile(r"\b(typedef\s+)?(struct|union)\s*([A-Za-z_]\w*)?\s*\{")
        while True:
            m = kw.search(text, pos)
            if not m:
                break
            o = m.end() - 1
            c = matching(text, o, "{", "}")
            end = text.find(";", c)
            if end < 0:
                raise ToolError(f"{rel}: no ; after the struct ending at offset {c}")
            after = text[c + 1:end]
            tag = m.group(3)
            name = None
            if m.group(1):  # typedef struct [tag] { } Name[, *NamePtr];
                for d in split_top(after, ","):
                    if "*" not in d and "[" not in d and "(" not in d and IDENT.fullmatch(d.strip()):
                        name = d.strip()
                        break
            if name is None and tag:
                name = f"struct {tag}"
            if name is None:
                raise ToolError(f"{rel}: a struct with a body but neither a tag nor a typedef name")
            members = parse_members(text[o + 1:c], f"{rel}: {name}", ptr_types)
            structs.append({"header": rel, "name": name, "members": members})
            pos = end + 1
    names = [s["name"] for s in structs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ToolError(f"structs defined twice: {dup}")
    return headers, structs


# ---------------------------------------------------------------------------------------------
# Compiling against the build tree


def cache_value(cache, key):
    m = re.search(rf"^{re.escape(key)}:[A-Z]+=(.*)$", cache, re.M)
    return m.group(1).strip() if m else ""


def compile_flags(build_dir, source_dir, include_dir):
    """(compiler, flags) a consumer of libtwinfe is compiled with in build_dir: those of the
    app's sources in compile_commands.json (the app links twinfe's public interface) without
    the warnings and output options, else the compiler and PETSc's and MPI's include directories
    from CMakeCache.txt, else `pkg-config --cflags PETSc` with mpicc. The source tree's include directory
    is replaced with include_dir, which is searched first."""
    src_inc = os.path.realpath(os.path.join(source_dir, "include"))
    cc, flags = None, []
    commands = os.path.join(build_dir, "compile_commands.json")
    if os.path.exists(commands):
        with open(commands) as f:
            entries = json.load(f)
        apps = [e for e in entries if os.path.realpath(e["file"]).startswith(os.path.realpath(os.path.join(source_dir, "apps")) + os.sep)
                and e["file"].endswith(".c")]
        if apps:
            e = apps[0]
            argv = e["arguments"] if "arguments" in e else shlex.split(e["command"])
            cc, i = argv[0], 1
            while i < len(argv):
                a = argv[i]
                if a in ("-I", "-isystem", "-iquote", "-idirafter", "-include", "-D", "-U"):
                    flags += [a, argv[i + 1]]
                    i += 2
                    continue
                if a in ("-o", "-MF", "-MT", "-MQ"):
                    i += 2
                    continue
                if a.startswith(("-I", "-D", "-U", "-std=", "-m", "-f", "-O")) or a == "-pthread":
                    flags.append(a)
                i += 1
    if cc is None:
        cache_path = os.path.join(build_dir, "CMakeCache.txt")
        cache = open(cache_path).read() if os.path.exists(cache_path) else ""
        # without a build tree: MPI's compiler wrapper, for mpi.h (PETSc's .pc does not name it)
        cc = cache_value(cache, "CMAKE_C_COMPILER") or os.environ.get("CC") or shutil.which("mpicc") or "cc"
        incs = [d for key in ("PETSC_INCLUDE_DIRS", "MPI_C_HEADER_DIR", "MPI_C_COMPILER_INCLUDE_DIRS")
                for d in cache_value(cache, key).split(";") if d]
        if incs:
            flags = [f"-I{d}" for d in dict.fromkeys(incs)]
        else:
            try:
                flags = shlex.split(subprocess.run(["pkg-config", "--cflags", "PETSc"], capture_output=True, text=True,
                                                   check=True).stdout)
            except (OSError, subprocess.CalledProcessError) as err:
                raise ToolError(f"no compile_commands.json or CMakeCache.txt in {build_dir}, and pkg-config --cflags PETSc "
                                f"failed ({err}): pass --build-dir of a configured build")
        flags = ["-std=c11"] + flags
    # the headers under test first; the source tree's own include directory out
    kept, i = [], 0
    while i < len(flags):
        if flags[i] in ("-I", "-isystem") and os.path.realpath(flags[i + 1]) == src_inc:
            i += 2
            continue
        if flags[i].startswith("-I") and len(flags[i]) > 2 and os.path.realpath(flags[i][2:]) == src_inc:
            i += 1
            continue
        kept.append(flags[i])
        i += 1
    return cc, [f"-I{include_dir}"] + kept


KIND = ('_Generic((x), float: "real", double: "real", long double: "real", _Bool: "integer", char: "integer", '
        'signed char: "integer", unsigned char: "integer", short: "integer", unsigned short: "integer", int: "integer", '
        'unsigned int: "integer", long: "integer", unsigned long: "integer", long long: "integer", '
        'unsigned long long: "integer", default: "other")')


def program(headers, include_dir, structs):
    """The C program printing the layout: `S name size align` and `M name member offset size kind`."""
    umbrella = os.path.join(include_dir, "twinfe", "twinfe.h")
    lines = ["/* generated by scripts/abi_layout.py */", "#include <stddef.h>", "#include <stdio.h>"]
    included = set()
    if os.path.exists(umbrella):
        lines.append("#include <twinfe/twinfe.h>")
        included = set(re.findall(r"#\s*include\s*<(twinfe/[^>]+)>", strip_comments(open(umbrella).read())))
        included.add("twinfe/twinfe.h")
    for h in headers:  # a header the umbrella leaves out is still public
        rel = os.path.relpath(h, include_dir)
        if rel not in included:
            lines.append(f"#include <{rel}>")
    lines += [f"#define TWINFE_ABI_KIND(x) {KIND}", "int main(void)", "{"]
    for s in structs:
        t = s["name"]
        lines.append(f'  printf("S %s %zu %zu\\n", "{t}", sizeof({t}), _Alignof({t}));')
        for m in s["members"]:
            expr = f"(({t} *)0)->{m['name']}"
            kind = '"pointer"' if m["pointer"] else f"TWINFE_ABI_KIND({expr}{'[0]' * m['dims']})"
            lines.append(f'  printf("M %s %s %zu %zu %s\\n", "{t}", "{m["name"]}", offsetof({t}, {m["name"]}), '
                         f"sizeof({expr}), {kind});")
    lines += ["  return 0;", "}", ""]
    return "\n".join(lines)


def measure(structs, headers, cc, flags, include_dir, work_dir):
    source = program(headers, include_dir, structs)
    with tempfile.TemporaryDirectory(prefix="abi-layout-", dir=work_dir) as tmp:
        c_path, exe = os.path.join(tmp, "abi_layout.c"), os.path.join(tmp, "abi_layout")
        with open(c_path, "w") as f:
            f.write(source)
        cmd = [cc] + flags + ["-w", c_path, "-o", exe]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise ToolError("the layout program did not compile:\n" + " ".join(shlex.quote(a) for a in cmd) + "\n" +
                            proc.stderr[-4000:])
        out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    layout = []
    by_name = {s["name"]: s for s in structs}
    for line in out.splitlines():
        if line.startswith("S "):
            _, rest = line.split(" ", 1)
            name, size, align = rest.rsplit(" ", 2)
            layout.append(f"{name} size {size} align {align}")
        elif line.startswith("M "):
            _, rest = line.split(" ", 1)
            head, offset, size, kind = rest.rsplit(" ", 3)
            name, member = head.rsplit(" ", 1)
            assert name in by_name
            layout.append(f"{name}.{member} offset {offset} size {size} {kind}")
    return layout


# ---------------------------------------------------------------------------------------------
# SOVERSION


def cmake_text(path):
    with open(path) as f:
        return "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in f.read().split("\n"))


def soversion(source_dir):
    """The SOVERSION libtwinfe/CMakeLists.txt gives the library, with the project VERSION of the
    top CMakeLists.txt substituted."""
    top = cmake_text(os.path.join(source_dir, "CMakeLists.txt"))
    m = re.search(r"\bproject\s*\(([^)]*)\)", top, re.I)
    v = re.search(r"\bVERSION\s+([0-9]+(?:\.[0-9]+)*)", m.group(1)) if m else None
    if not v:
        raise ToolError("no project(... VERSION x.y.z) in CMakeLists.txt")
    parts = (v.group(1).split(".") + ["0", "0", "0"])[:4]
    values = {"PROJECT_VERSION": v.group(1), "PROJECT_VERSION_MAJOR": parts[0], "PROJECT_VERSION_MINOR": parts[1],
              "PROJECT_VERSION_PATCH": parts[2], "PROJECT_VERSION_TWEAK": parts[3]}
    for var in list(values):
        values[var.replace("PROJECT_", "libtwinfe_")] = values[var]
    lib = cmake_text(os.path.join(source_dir, "libtwinfe", "CMakeLists.txt"))
    s = re.search(r"\bSOVERSION\s+(\S+)", lib)
    if not s:
        raise ToolError("no SOVERSION in libtwinfe/CMakeLists.txt")
    value = re.sub(r"\$\{(\w+)\}", lambda k: values.get(k.group(1), k.group(0)), s.group(1).strip('"'))
    if "$" in value:
        raise ToolError(f"cannot evaluate SOVERSION {s.group(1)} of libtwinfe/CMakeLists.txt")
    return value


# ---------------------------------------------------------------------------------------------
# Record


def read_record(path):
    with open(path) as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    if not lines:
        raise ToolError(f"{path} is empty")
    return lines[0].strip(), lines[1:]


def group(layout):
    """{struct: (struct line, {member: line}, [member order])} of record lines."""
    out = {}
    for line in layout:
        if " size " in line and " align " in line and " offset " not in line:
            name = line[:line.index(" size ")]
            out.setdefault(name, [None, {}, []])[0] = line
        else:
            name, member = line[:line.index(" offset ")].rsplit(".", 1)
            entry = out.setdefault(name, [None, {}, []])
            entry[1][member] = line
            entry[2].append(member)
    return out


def differences(recorded, current, headers_of):
    old, new = group(recorded), group(current)
    found = []
    for name in new:
        if name not in old:
            found.append(f"new public struct {name} ({headers_of.get(name, '?')}): {new[name][0]}")
    for name in old:
        if name not in new:
            found.append(f"public struct {name} disappeared (recorded: {old[name][0]})")
    for name in new:
        if name not in old:
            continue
        (o_line, o_members, o_order), (n_line, n_members, n_order) = old[name], new[name]
        if o_line != n_line:
            found.append(f"{name}: recorded `{o_line}`, now `{n_line}`")
        for member in n_order:
            if member not in o_members:
                found.append(f"{name}.{member}: new member: {n_members[member]}")
            elif o_members[member] != n_members[member]:
                found.append(f"{name}.{member}: recorded `{o_members[member]}`, now `{n_members[member]}`")
        for member in o_order:
            if member not in n_members:
                found.append(f"{name}.{member}: member removed (recorded: {o_members[member]})")
        common_old = [m for m in o_order if m in n_members]
        common_new = [m for m in n_order if m in o_members]
        if common_old != common_new:
            found.append(f"{name}: members reordered: {common_old} -> {common_new}")
    return found


def main():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="compare with the record (default)")
    mode.add_argument("--write", action="store_true", help="re-record the layout and SOVERSION")
    p.add_argument("--source-dir", default=here)
    p.add_argument("--build-dir")
    p.add_argument("--include-dir")
    p.add_argument("--record")
    p.add_argument("--work-dir")
    args = p.parse_args()
    source_dir = os.path.abspath(args.source_dir)
    build_dir = os.path.abspath(args.build_dir or os.path.join(source_dir, "build"))
    include_dir = os.path.abspath(args.include_dir or os.path.join(source_dir, "include"))
    record = os.path.abspath(args.record or os.path.join(source_dir, "libtwinfe", "abi_layout.txt"))
    try:
        so = soversion(source_dir)
        headers, structs = find_structs(include_dir)
        cc, flags = compile_flags(build_dir, source_dir, include_dir)
        layout = measure(structs, headers, cc, flags, include_dir, args.work_dir)
    except (ToolError, OSError, subprocess.CalledProcessError) as err:
        print(f"abi_layout: {err}", file=sys.stderr)
        return 2
    nmembers = sum(len(s["members"]) for s in structs)
    if args.write:
        with open(record, "w") as f:
            f.write(so + "\n" + "\n".join(layout) + "\n")
        print(f"abi_layout: recorded {len(structs)} structs, {nmembers} members for SOVERSION {so} in {record}")
        return 0
    if not os.path.exists(record):
        print(f"abi_layout: no record {record}: record with python3 scripts/abi_layout.py --write", file=sys.stderr)
        return 1
    try:
        recorded_so, recorded = read_record(record)
        found = differences(recorded, layout, {s["name"]: s["header"] for s in structs})
    except (ToolError, ValueError) as err:
        print(f"abi_layout: {record} is not a layout record ({err}): {RERECORD}", file=sys.stderr)
        return 1
    if not found and recorded_so == so:
        print(f"abi_layout: {len(structs)} structs, {nmembers} members as recorded for SOVERSION {so}")
        return 0
    for line in found:
        print(f"abi_layout: {line}", file=sys.stderr)
    if recorded_so != so:
        shown = os.path.relpath(record, source_dir) if record.startswith(source_dir + os.sep) else record
        print(f"abi_layout: the SOVERSION is {so} but {shown} was recorded for {recorded_so}: "
              f"{RERECORD}", file=sys.stderr)
    else:
        print(f"abi_layout: {BUMP}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
