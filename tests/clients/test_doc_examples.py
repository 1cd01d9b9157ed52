"""Every example in the docs compiles and runs clean, so that what docs/engineer.md (and any other
page) shows an engineer is what the library does today.

A fenced block of docs/*.md whose first line is `/* example: NAME.c */` or `# example: NAME.py`
is an example. Lines of the block of the form `/* key: value */` (C) or `# key: value` (Python)
tell this test more:
  stage: S         the pipeline stage the example shows (image, surface, mesh, partition,
                   physics, io, case; others allowed); each of REQUIRED below must keep at least
                   one example in each language listed, so deleting one fails the test
  ranks: 1 2       C only: the rank counts to run it on (default 1; 1 runs without mpiexec)
  prints: TEXT     TEXT must appear in what the example prints (on its first rank count)
C examples are compiled against the source tree's headers and the build tree's libtwinfe.so,
PETSc from `pkg-config PETSc`, MPI through mpicc (else `pkg-config ompi-c`), with -std=c11 -Wall
-Wextra -Werror; each run (C and Python) gets a fresh work folder, TWINFE_SOURCE_DIR pointing
at the source tree, and PETSc's -malloc_dump: a non-zero exit or a leak report fails it.
Python examples run with /usr/bin/python3, TWINFE_LIBRARY=<build>/libtwinfe/libtwinfe.so and
PYTHONPATH=<source>/bindings/python.
SPDX-License-Identifier: GPL-2.0-or-later"""
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc  # noqa: E402

# The stages docs/engineer.md shows, and the languages each must have an example in (the Python
# binding offers label maps, meshes from arrays or files, and whole cases: docs/python.md).
REQUIRED = {
    "image": ("c", "py"),
    "surface": ("c",),
    "mesh": ("c", "py"),
    "partition": ("c",),
    "physics": ("c",),
    "io": ("c",),
    "case": ("c", "py"),
}
PYTHON = "/usr/bin/python3"
TIMEOUT = 300  # seconds per run; each example takes about a second

args = tc.parse_args()
ck = tc.Checks("doc examples")
build = os.path.dirname(os.path.dirname(os.path.abspath(args.app)))  # build/apps/twinfe
libdir = os.path.join(build, "libtwinfe")
library = os.path.join(libdir, "libtwinfe.so")


class Example:
    def __init__(self, doc, line, name, code):
        self.doc, self.line, self.name, self.code = doc, line, name, code
        self.lang = "c" if name.endswith(".c") else "py" if name.endswith(".py") else None
        self.where = f"{os.path.relpath(doc, args.source_dir)}:{line} {name}"
        if self.lang == "c":
            pattern = r"^\s*/\*\s*(stage|ranks|prints):\s*(.*?)\s*\*/\s*$"
        else:
            pattern = r"^\s*#\s*(stage|ranks|prints):\s*(.*?)\s*$"
        found = re.findall(pattern, code, flags=re.M)
        self.stage = next((v for k, v in found if k == "stage"), None)
        self.ranks = [int(r) for k, v in found if k == "ranks" for r in v.replace(",", " ").split()] or [1]
        self.prints = [v for k, v in found if k == "prints"]


def extract(doc):
    """(examples, unmarked): the example blocks of one page, and the C and Python blocks that are
    not examples (reported, not run)."""
    examples, unmarked = [], []
    with open(doc, encoding="utf-8") as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        opening = re.match(r"^(\s*)(```+|~~~+)\s*([\w+-]*)", lines[i])
        if not opening:
            i += 1
            continue
        fence, lang, start = opening.group(2), opening.group(3).lower(), i + 1
        i += 1
        body = []
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i])
            i += 1
        i += 1  # the closing fence
        first = body[0].strip() if body else ""
        c_name = re.fullmatch(r"/\* example: (\S+\.c) \*/", first)
        py_name = re.fullmatch(r"# example: (\S+\.py)", first)
        if c_name or py_name:
            examples.append(Example(doc, start + 1, (c_name or py_name).group(1), "\n".join(body) + "\n"))
        elif "example:" in first:
            ck.check(False, f"{os.path.relpath(doc, args.source_dir)}:{start + 1}: an example's first line must be "
                            f"'/* example: NAME.c */' or '# example: NAME.py', not {first!r}")
        elif lang in ("c", "python", "py"):
            unmarked.append(f"{os.path.relpath(doc, args.source_dir)}:{start} ({lang})")
    return examples, unmarked


def run(cmd, cwd, env):
    """As tc.run, in a folder of the example's own: (exit code, stdout, stderr); PETSc's leak
    report is collected for ck.close()."""
    base = os.environ.get("OMPI_MCA_orte_tmpdir_base") or tempfile.gettempdir()
    os.makedirs(base, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ompi-run-", dir=base) as session:
        env = dict(env, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_orte_tmpdir_base=session)
        try:
            proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, env=env)
        except subprocess.TimeoutExpired:
            return -1, "", f"timed out after {TIMEOUT} s"
    leaks = [line for line in (proc.stdout + proc.stderr).splitlines() if tc.PETSC_LEAK.search(line)]
    if leaks:
        print("PETSc leak report of", " ".join(cmd), ":\n" + "\n".join(leaks), flush=True)
        tc.leak_reports.extend(leaks)
    return proc.returncode, proc.stdout, proc.stderr


def pkg_config(*what):
    proc = subprocess.run(["pkg-config", *what], capture_output=True, text=True)
    ck.check(proc.returncode == 0, f"pkg-config {' '.join(what)}: {proc.stderr}")
    return proc.stdout.split()


def compiler():
    """mpicc, else the C compiler with Open MPI's pkg-config flags."""
    if shutil.which("mpicc"):
        return ["mpicc"], []
    return [os.environ.get("CC", "cc")] + pkg_config("--cflags", "ompi-c"), pkg_config("--libs", "ompi-c")


def environment():
    env = dict(os.environ, TWINFE_SOURCE_DIR=os.path.abspath(args.source_dir), TWINFE_LIBRARY=library,
               PYTHONPATH=os.path.join(os.path.abspath(args.source_dir), "bindings", "python"))
    options = env.get("PETSC_OPTIONS", "")
    if "-malloc_dump" not in options.split():  # ctest sets it; a run by hand gets it too
        env["PETSC_OPTIONS"] = (options + " -malloc_dump").strip()
    return env


def build_and_run(example, cc, cc_libs, petsc_cflags, petsc_libs, env):
    """Returns a list of (ok, message) and the seconds taken by its runs."""
    results, seconds = [], 0.0
    folder = os.path.join(args.work_dir, os.path.splitext(example.name)[0] + ("_c" if example.lang == "c" else "_py"))
    os.makedirs(folder, exist_ok=True)
    source = os.path.join(folder, example.name)
    with open(source, "w") as f:
        f.write(example.code)
    if example.lang == "c":
        exe = os.path.join(folder, os.path.splitext(example.name)[0])
        cmd = (cc + ["-std=c11", "-Wall", "-Wextra", "-Werror", "-I" + os.path.join(args.source_dir, "include")] + petsc_cflags +
               [source, "-o", exe, "-L" + libdir, "-Wl,-rpath," + libdir, "-ltwinfe"] + petsc_libs + cc_libs + ["-lm"])
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            return [(False, f"{example.where}: does not compile:\n{proc.stdout}{proc.stderr}")], 0.0
        runs = [([exe, "-malloc_dump"] if n == 1 else [args.mpiexec, "-n", str(n), exe, "-malloc_dump"], n)
                for n in example.ranks]
    else:
        runs = [([PYTHON, source], 1)]
    for index, (cmd, nranks) in enumerate(runs):
        cwd = os.path.join(folder, f"np{nranks}")
        os.makedirs(cwd)
        start = time.time()
        code, out, err = run(cmd, cwd, env)
        seconds += time.time() - start
        what = f"{example.where} on {nranks} rank{'s' if nranks > 1 else ''}"
        results.append((code == 0, f"{what} exited {code}:\n{out[-3000:]}\n{err[-3000:]}"))
        if code == 0 and index == 0:
            printed = " ".join(out.split())
            for expected in example.prints:
                results.append((" ".join(expected.split()) in printed,
                                f"{what}: prints no {expected!r}; it printed:\n{out[-3000:]}"))
        print(f"{what}: exit {code}, {time.time() - start:.1f} s", flush=True)
    return results, seconds


examples, unmarked = [], []
for doc in sorted(glob.glob(os.path.join(args.source_dir, "docs", "*.md"))):
    found, plain = extract(doc)
    examples += found
    unmarked += plain
names = [e.name for e in examples]
for name in sorted({n for n in names if names.count(n) > 1}):
    ck.check(False, f"two examples are named {name}: " + ", ".join(e.where for e in examples if e.name == name))
for e in examples:
    ck.check(e.lang is not None, f"{e.where}: an example is NAME.c or NAME.py")
    ck.check(e.lang == "c" or e.ranks == [1], f"{e.where}: 'ranks:' is for C examples (Python runs on 1 rank)")
for stage, languages in REQUIRED.items():
    for lang in languages:
        ck.check(any(e.stage == stage and e.lang == lang for e in examples),
                 f"no {'C' if lang == 'c' else 'Python'} example of the {stage} stage in docs/*.md (stage: {stage})")
if unmarked:
    print("not run (C or Python blocks without an example: line):", ", ".join(unmarked))

env = environment()
cc, cc_libs = compiler()
petsc_cflags, petsc_libs = pkg_config("--cflags", "PETSc"), pkg_config("--libs", "PETSc")
with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:  # the test machine has 2 cores
    jobs = {pool.submit(build_and_run, e, cc, cc_libs, petsc_cflags, petsc_libs, env): e for e in examples if e.lang}
    for job in concurrent.futures.as_completed(jobs):
        results, jobs[job].seconds = job.result()
        for ok, message in results:
            ck.check(ok, message)
print(f"{len(examples)} examples (stage, seconds of their runs): " +
      ", ".join(f"{e.name} ({e.stage or '-'}, {getattr(e, 'seconds', 0):.1f} s)" for e in examples))
ck.close()
