#!/usr/bin/env python3
"""Writes the API reference of libtwinfe from the structured comments of include/twinfe/*.h:
one Markdown page per header (docs/api/<header>.md) and an index (docs/api/README.md), and
optionally one troff man page per function and variable (section 3, TwinfeMeshCreate.3). Every
PETSC_EXTERN declaration must be preceded by a block in PETSc's man-page ("sowing") form,

  /*@
    TwinfeMeshCreate - Creates a mesh from arrays, which it copies.

    Not collective

    Input Parameters:
  + nvertices - number of vertices
  - xyz       - vertex coordinates

    Output Parameter:
  . mesh - the new mesh

    Notes:
    Free text.

    Level: beginner

  .seealso: TwinfeMeshDestroy(), TwinfeMeshReadGmsh()
  @*/

and the script refuses (exit status 1, a message naming the header, the function and what is
wrong) a declaration without a block, a block naming another function, a parameter missing from
the lists or listed that the prototype lacks, a missing Collective line or Level, and a see-also
name that is no public function, variable or type. docs/api_reference.md describes the format.

usage:
  python3 scripts/api_reference.py [--include-dir DIR] [--markdown-dir DIR] [--man-dir DIR]
  python3 scripts/api_reference.py --check docs/api      (compare with a fresh generation)
Defaults: --include-dir include/twinfe and --markdown-dir docs/api of the source tree this
script is in; man pages only with --man-dir.
SPDX-License-Identifier: GPL-2.0-or-later"""
import argparse
import difflib
import glob
import os
import re
import sys
import tempfile

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEVELS = ("beginner", "intermediate", "advanced", "developer")
HEADINGS = {
    "Input Parameter": "Input", "Input Parameters": "Input",
    "Output Parameter": "Output", "Output Parameters": "Output",
    "Input/Output Parameter": "Input/Output", "Input/Output Parameters": "Input/Output",
}
SECTION_TITLES = {"Input": "Input Parameters", "Output": "Output Parameters", "Input/Output": "Input/Output Parameters"}
QUALIFIERS = {"const", "volatile", "struct", "enum", "union", "unsigned", "signed", "restrict"}


class ApiError(Exception):
    pass


def project_version():
    try:
        with open(os.path.join(SOURCE_DIR, "CMakeLists.txt")) as f:
            m = re.search(r"project\(\s*\w+\s+VERSION\s+([0-9.]+)", f.read())
        return m.group(1) if m else ""
    except OSError:
        return ""


# ------------------------------------------------------------------------------------- parsing
def comment_spans(text):
    """(start, end) of every /* */ and // comment, skipping string and character literals."""
    spans, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise ApiError(f"unterminated comment at offset {i}")
            spans.append((i, j + 2))
            i = j + 2
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            spans.append((i, j))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        else:
            i += 1
    return spans


def split_top(text, sep=","):
    """text split at sep outside (), [] and {}."""
    parts, depth, cur = [], 0, ""
    for c in text:
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += c
    parts.append(cur)
    return parts


def matching_paren(text, start):
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    raise ApiError(f"unbalanced parentheses in: {text}")


def parameter_name(param):
    """The name a prototype gives a parameter, or None when it gives none."""
    m = re.search(r"\(\s*\*\s*([A-Za-z_]\w*)\s*\)\s*\(", param)  # a function pointer: T (*name)(...)
    if m:
        return m.group(1)
    head = re.sub(r"\[[^\]]*\]", "", param)  # array bounds out
    words = [w for w in re.findall(r"[A-Za-z_]\w*", head) if w not in QUALIFIERS]
    if len(words) < 2:
        return None
    return words[-1]


def parse_declaration(decl):
    """(kind, name, return type, [parameters], prototype) of a PETSC_EXTERN declaration (without ';')."""
    body = " ".join(decl.split())
    body = re.sub(r"^PETSC_EXTERN\s+", "", body)
    # a function: the first '(' that is not a function pointer's "(*"
    m = re.search(r"([A-Za-z_]\w*)\s*\(", body)
    if m and not re.match(r"\s*\*", body[m.end():]):
        name = m.group(1)
        open_at = m.end() - 1
        close_at = matching_paren(body, open_at)
        inner = body[open_at + 1:close_at].strip()
        params = [] if inner in ("", "void") else [p.strip() for p in split_top(inner)]
        rtype = body[:m.start()].strip()
        prototype = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", body)) + ";"
        return "function", name, rtype, params, prototype
    head = body.split("[")[0] if "[" in body else body
    names = re.findall(r"[A-Za-z_]\w*", head)
    if not names:
        raise ApiError(f"cannot read the declaration: {body}")
    return "variable", names[-1], " ".join(head.split()[:-1]), [], body + ";"


class Entry:
    def __init__(self, header, kind, name, rtype, params, prototype):
        self.header, self.kind, self.name, self.rtype = header, kind, name, rtype
        self.params, self.prototype = params, prototype
        self.summary, self.collective, self.level = "", "", ""
        self.lists = []  # (Input|Output|Input/Output, [(name, description)])
        self.notes = []  # lines, base indentation removed
        self.seealso = []


def block_lines(comment):
    lines = comment[3:-3].split("\n")
    # the common indentation of the non-empty lines after the first, as sowing wants
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return [line.rstrip() for line in lines]


def parse_block(entry, comment, where):
    lines = block_lines(comment)
    if not lines:
        raise ApiError(f"{where}: the /*@ @*/ block is empty")
    # title: "Name - summary", possibly continued up to the first blank line
    i = 0
    title = []
    while i < len(lines) and lines[i].strip():
        title.append(lines[i].strip())
        i += 1
    title = " ".join(title)
    m = re.match(r"^([A-Za-z_]\w*)\s+-\s+(.+)$", title)
    if not m:
        raise ApiError(f"{where}: the block must start with '{entry.name} - summary', not '{title}'")
    if m.group(1) != entry.name:
        raise ApiError(f"{where}: the block names {m.group(1)}, but the declaration after it is {entry.name}")
    entry.summary = m.group(2).strip()
    section, current = None, None
    seen_params = {}
    for raw in lines[i:]:
        stripped = raw.strip()
        if not stripped:
            if section == "notes":
                entry.notes.append("")
            continue
        if stripped.startswith(".seealso:"):
            names = [s.strip() for s in stripped[len(".seealso:"):].split(",") if s.strip()]
            entry.seealso.extend(names)
            section = "seealso"
            continue
        if section == "seealso" and raw.startswith("  ") and not re.match(r"^(Level|Notes?):", stripped):
            entry.seealso.extend(s.strip() for s in stripped.split(",") if s.strip())
            continue
        m = re.match(r"^Level:\s*(\S*)\s*$", stripped)
        if m:
            entry.level = m.group(1)
            section = None
            continue
        if stripped.rstrip(":") in HEADINGS and stripped.endswith(":"):
            current = (HEADINGS[stripped[:-1]], [])
            entry.lists.append(current)
            section = "params"
            continue
        if stripped in ("Notes:", "Note:"):
            section = "notes"
            continue
        if section is None and not entry.collective and re.match(r"^(Collective|Not collective|Logically collective)\b",
                                                                  stripped, re.I):
            entry.collective = stripped
            continue
        if section == "params":
            m = re.match(r"^([+.-]) ([A-Za-z_]\w*)\s+-\s+(.*)$", raw)
            if m:
                current[1].append([m.group(2), m.group(3).strip(), m.group(1)])
                if m.group(2) in seen_params:
                    raise ApiError(f"{where}: parameter '{m.group(2)}' is listed twice")
                seen_params[m.group(2)] = True
                continue
            if current[1] and raw.startswith(" "):
                current[1][-1][1] += " " + stripped
                continue
            raise ApiError(f"{where}: in '{SECTION_TITLES[current[0]]}', '{stripped}' is no '+ name - description' item")
        if section == "notes":
            entry.notes.append(raw)
            continue
        raise ApiError(f"{where}: text outside any section: '{stripped}' (put it under Notes:)")
    # bullets: '+' first, '.' between, '-' last; one item alone is '.'
    problems = []
    for kind, items in entry.lists:
        marks = [mark for _, _, mark in items]
        want = ["."] if len(items) == 1 else ["+"] + ["."] * (len(items) - 2) + ["-"]
        if not items:
            problems.append(f"{where}: '{SECTION_TITLES[kind]}' lists nothing")
        elif marks != want:
            problems.append(f"{where}: the items of '{SECTION_TITLES[kind]}' are marked {' '.join(marks)};"
                            f" sowing wants {' '.join(want)}")
    entry.lists = [(kind, [(n, d) for n, d, _ in items]) for kind, items in entry.lists]
    # the notes without their common indentation
    while entry.notes and not entry.notes[-1].strip():
        entry.notes.pop()
    while entry.notes and not entry.notes[0].strip():
        entry.notes.pop(0)
    indents = [len(line) - len(line.lstrip()) for line in entry.notes if line.strip()]
    base = min(indents) if indents else 0
    entry.notes = [line[base:] for line in entry.notes]
    return problems


def parse_header(path):
    """The entries of one header, in order, and its file-level comment."""
    header = os.path.basename(path)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    spans = comment_spans(text)
    file_comment = text[spans[0][0]:spans[0][1]] if spans and not text[:spans[0][0]].strip() else ""
    in_comment = [False] * (len(text) + 1)
    for a, b in spans:
        for k in range(a, b):
            in_comment[k] = True
    entries, errors = [], []
    for m in re.finditer(r"\bPETSC_EXTERN\b", text):
        start = m.start()
        if in_comment[start]:
            continue
        if text[text.rfind("\n", 0, start) + 1:start].lstrip().startswith("#"):
            continue  # a macro
        end = start
        while end < len(text) and (text[end] != ";" or in_comment[end]):
            end += 1
        decl = "".join(c for k, c in enumerate(text[start:end], start) if not in_comment[k])
        try:
            kind, name, rtype, params, prototype = parse_declaration(decl)
        except ApiError as e:
            errors.append(f"{header}: {e}")
            continue
        entry = Entry(header, kind, name, rtype, params, prototype)
        entries.append(entry)
        where = f"include/twinfe/{header}: {name}"
        # the block: the comment that ends right before the declaration (only blank space between)
        before = [s for s in spans if s[1] <= start and not text[s[1]:start].strip()]
        comment = text[before[-1][0]:before[-1][1]] if before else ""
        if not comment.startswith("/*@") or not comment.endswith("@*/"):
            errors.append(f"{where}: no /*@ ... @*/ block right before its declaration")
            continue
        try:
            errors.extend(parse_block(entry, comment, where))
        except ApiError as e:
            errors.append(str(e))
            continue
        errors.extend(check_entry(entry, where))
    return header, file_comment, entries, errors


def check_entry(entry, where):
    errors = []
    if not entry.collective and entry.kind == "function":
        errors.append(f"{where}: no 'Collective', 'Collective on <object>' or 'Not collective' line after the summary")
    if not entry.level:
        errors.append(f"{where}: no 'Level:' line")
    elif entry.level not in LEVELS:
        errors.append(f"{where}: Level '{entry.level}' is none of {', '.join(LEVELS)}")
    if entry.kind == "function":
        names = []
        for k, p in enumerate(entry.params):
            n = parameter_name(p)
            if n is None:
                errors.append(f"{where}: parameter {k + 1} ('{p}') has no name in the prototype: name it")
            names.append(n)
        listed = [n for _, items in entry.lists for n, _ in items]
        for n in names:
            if n and n not in listed:
                errors.append(f"{where}: parameter '{n}' is in no Input/Output Parameter list")
        for n in listed:
            if n not in names:
                errors.append(f"{where}: the block lists parameter '{n}', which the prototype does not have")
    elif entry.lists:
        errors.append(f"{where}: a variable has no parameters, but the block lists some")
    return errors


def types_declared(paths):
    """Public type names (typedefs) of the headers, which a see-also may name too."""
    names = set()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = re.sub(r"/\*.*?\*/", " ", f.read(), flags=re.S)
        names.update(re.findall(r"typedef\s+[^;]*?\b(Twinfe\w+)\s*;", text))
        names.update(re.findall(r"\(\s*\*\s*(Twinfe\w+)\s*\)\s*\(", text))
        names.update(re.findall(r"}\s*(Twinfe\w+)\s*;", text))
    return names


def read_api(include_dir):
    paths = sorted(p for p in glob.glob(os.path.join(include_dir, "*.h")))
    if not paths:
        raise ApiError(f"no headers in {include_dir}")
    headers, errors = [], []
    for path in paths:
        header, file_comment, entries, errs = parse_header(path)
        headers.append((header, file_comment, entries))
        errors.extend(errs)
    known = {e.name: e for _, _, entries in headers for e in entries}
    types = types_declared(paths)
    for _, _, entries in headers:
        for e in entries:
            for s in e.seealso:
                n = s[:-2] if s.endswith("()") else s
                if n not in known and n not in types:
                    errors.append(f"include/twinfe/{e.header}: {e.name}: see-also '{s}' is no public function, variable or type")
                elif n in known and known[n].kind == "function" and not s.endswith("()"):
                    errors.append(f"include/twinfe/{e.header}: {e.name}: see-also '{s}' is a function: write {n}()")
    return headers, known, errors


# ------------------------------------------------------------------------------------ Markdown
def anchor(name):
    return name.lower()


def md_escape(text):
    return text.replace("|", "\\|")


def md_inline(text):
    """Free text for Markdown: underscores and stars as they are, and '<...>' kept visible."""
    return text.replace("<", "&lt;").replace(">", "&gt;")


def md_notes(lines):
    """Paragraphs joined; lines indented beyond the text (formulas, tables) as a code block."""
    out, para, code = [], [], []

    def flush_para():
        if para:
            out.append(md_inline(" ".join(para)))
            out.append("")
            para.clear()

    def flush_code():
        if code:
            out.append("```")
            out.extend(code)
            out.append("```")
            out.append("")
            code.clear()

    for line in lines:
        if not line.strip():
            flush_para()
            flush_code()
        elif line.startswith(" ") or line.lstrip().startswith(("- ", "* ")):
            flush_para()
            code.append(line)
        else:
            flush_code()
            para.append(line.strip())
    flush_para()
    flush_code()
    while out and not out[-1]:
        out.pop()
    return out


def link(name, known, here):
    n = name[:-2] if name.endswith("()") else name
    if n in known:
        page = "" if known[n].header == here else known[n].header[:-2] + ".md"
        return f"[{name}]({page}#{anchor(n)})"
    return f"`{name}`"


def markdown_page(header, file_comment, entries, known):
    out = [f"# twinfe/{header}", "", "<!-- Generated by scripts/api_reference.py from include/twinfe/"
           f"{header}: do not edit, edit the header and run the script (docs/api_reference.md). -->", ""]
    if file_comment:
        text = file_comment[2:-2].strip("*\n ")
        body = [re.sub(r"^ ?\* ?", "", line) for line in text.split("\n")]
        body = [line for line in body if not line.startswith("SPDX-License-Identifier")]
        out += ["```text"] + [line.rstrip() for line in body] + ["```", ""]
    out += ["| Name | Summary | Level |", "| --- | --- | --- |"]
    for e in entries:
        out.append(f"| [{e.name}](#{anchor(e.name)}) | {md_escape(md_inline(e.summary))} | {e.level} |")
    out.append("")
    for e in entries:
        out += [f"## {e.name}", "", f"{e.name} - {md_inline(e.summary)}", "", "**Synopsis**", "", "```c",
                f"#include <twinfe/{header}>", "", e.prototype, "```", "", f"**{e.collective}**", ""]
        for kind, items in e.lists:
            out += [f"**{SECTION_TITLES[kind]}**", ""]
            for n, d in items:
                out.append(f"- `{n}` - {md_inline(d)}")
            out.append("")
        if e.notes:
            out += ["**Notes**", ""] + md_notes(e.notes) + [""]
        out += [f"**Level:** {e.level}", ""]
        if e.seealso:
            out += ["**See Also:** " + ", ".join(link(s, known, header) for s in e.seealso), ""]
    while out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def markdown_index(headers, known):
    out = ["# libtwinfe API reference", "",
           "<!-- Generated by scripts/api_reference.py from include/twinfe/*.h: do not edit"
           " (docs/api_reference.md). -->", "",
           f"{len(known)} public functions and variables, from the structured comments of include/twinfe/*.h"
           " (how to write and regenerate them: [../api_reference.md](../api_reference.md)).", "",
           "## By header", ""]
    for header, _, entries in headers:
        if not entries:
            continue
        out.append(f"- [twinfe/{header}]({header[:-2]}.md): {len(entries)} entries")
    out.append("")
    for level in LEVELS:
        chosen = sorted((e for _, _, entries in headers for e in entries if e.level == level), key=lambda e: e.name)
        out += [f"## Level: {level} ({len(chosen)})", ""]
        for e in chosen:
            out.append(f"- [{e.name}]({e.header[:-2]}.md#{anchor(e.name)}) ({e.header}) - {md_inline(e.summary)}")
        out.append("")
    while out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------ man
def roff(text):
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return text


def roff_line(text):
    text = roff(text)
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def man_page(e, version):
    out = [f'.TH {e.name} 3 "" "libtwinfe {version}" "libtwinfe API"', ".SH NAME",
           f"{e.name} \\- {roff(e.summary)}", ".SH SYNOPSIS", ".nf", f".B #include <twinfe/{e.header}>", ".sp",
           roff_line(e.prototype), ".fi", ".SH COLLECTIVE", roff_line(e.collective)]
    for kind, items in e.lists:
        out.append(f'.SH "{SECTION_TITLES[kind].upper()}"')
        for n, d in items:
            out += [".TP", f".B {n}", roff_line(d)]
    if e.notes:
        out.append(".SH NOTES")
        para = False
        for line in e.notes:
            if not line.strip():
                out.append(".PP")
            elif line.startswith(" ") or line.lstrip().startswith(("- ", "* ")):
                out += [".nf", roff_line(line), ".fi"]
            else:
                out.append(roff_line(line.strip()))
            para = True
        del para
    out += [".SH LEVEL", e.level]
    if e.seealso:
        out.append('.SH "SEE ALSO"')
        names = [s[:-2] if s.endswith("()") else s for s in e.seealso]
        for k, n in enumerate(names):
            out.append(f".BR {n} (3){',' if k < len(names) - 1 else ''}")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------- output
def generate(include_dir, markdown_dir, man_dir):
    headers, known, errors = read_api(include_dir)
    if errors:
        raise ApiError("\n".join(errors))
    os.makedirs(markdown_dir, exist_ok=True)
    pages = {}
    for header, file_comment, entries in headers:
        if entries:
            pages[header[:-2] + ".md"] = markdown_page(header, file_comment, entries, known)
    pages["README.md"] = markdown_index(headers, known)
    for name, text in pages.items():
        with open(os.path.join(markdown_dir, name), "w", encoding="utf-8") as f:
            f.write(text)
    if man_dir:
        os.makedirs(man_dir, exist_ok=True)
        version = project_version()
        for e in known.values():
            with open(os.path.join(man_dir, e.name + ".3"), "w", encoding="utf-8") as f:
                f.write(man_page(e, version))
    functions = sum(1 for e in known.values() if e.kind == "function")
    return functions, len(known) - functions, len([h for h in headers if h[2]]), sorted(pages)


def check(include_dir, committed):
    with tempfile.TemporaryDirectory(prefix="api_reference-") as tmp:
        functions, variables, nheaders, pages = generate(include_dir, tmp, None)
        old = sorted(os.path.basename(p) for p in glob.glob(os.path.join(committed, "*.md")))
        problems = []
        for name in sorted(set(old) | set(pages)):
            if name not in old:
                problems.append(f"{committed}/{name} is missing (a new header?)")
                continue
            if name not in pages:
                problems.append(f"{committed}/{name} belongs to no header any more: remove it")
                continue
            with open(os.path.join(committed, name), encoding="utf-8") as f:
                a = f.read().splitlines()
            with open(os.path.join(tmp, name), encoding="utf-8") as f:
                b = f.read().splitlines()
            diff = list(difflib.unified_diff(a, b, f"{committed}/{name}", "from the headers now", lineterm="", n=0))
            if diff:
                problems.append(f"{committed}/{name} differs ({sum(1 for d in diff[2:] if d[:1] in '+-')} lines):\n"
                                + "\n".join(diff[:30]))
        return functions, variables, problems


def main():
    p = argparse.ArgumentParser(description="libtwinfe's API reference from the header comments")
    p.add_argument("--include-dir", default=os.path.join(SOURCE_DIR, "include", "twinfe"))
    p.add_argument("--markdown-dir", default=os.path.join(SOURCE_DIR, "docs", "api"))
    p.add_argument("--man-dir", help="also write troff man pages (section 3) here")
    p.add_argument("--check", metavar="DIR", help="regenerate into a temporary folder and compare with DIR (docs/api)")
    args = p.parse_args()
    try:
        if args.check:
            functions, variables, problems = check(args.include_dir, args.check)
            if problems:
                print("api_reference: the committed reference differs from the headers:\n" + "\n".join(problems)
                      + "\nwrite it again with\n  python3 scripts/api_reference.py", file=sys.stderr)
                return 1
            print(f"api_reference: {functions} functions and {variables} variables, {args.check} up to date")
            return 0
        functions, variables, nheaders, pages = generate(args.include_dir, args.markdown_dir, args.man_dir)
        print(f"api_reference: {functions} functions and {variables} variables from {nheaders} headers:"
              f" {len(pages)} pages in {args.markdown_dir}" + (f", man pages in {args.man_dir}" if args.man_dir else ""))
        return 0
    except ApiError as e:
        print(f"api_reference: error:\n{e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
