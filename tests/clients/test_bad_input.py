"""The bad-input catalogue (issue 10): every hostile input in bad_inputs.py must give one line
`twinfe: error: ...` that names the file or option, says what is wrong and what would be right,
a non-zero exit without a signal, no output folder, no staging folder, and leave every file of
the user's untouched.

For each case the harness makes a folder of its own (the app's working directory) holding the
case's inputs and the user's folder `parent/` that -o points into, with a file and a folder
planted beside the target (and, for cases whose target exists, inside it). After the run the
whole case folder must be exactly as before: the same entries, every file byte-identical.

Every case must pass (a case's needs= field in bad_inputs.py only records which work made it pass).

The regexes (bad_inputs.py) are searched in the error line, case-insensitively, after the case
folder's path is replaced by CASE: case names appear in paths and would otherwise match. The
line must not name an internal function, a source line or a staging folder. A case run on
several ranks must give the same line on each count.
SPDX-License-Identifier: GPL-2.0-or-later"""
import concurrent.futures
import hashlib
import inspect
import os
import re
import time
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
sys.path.insert(0, os.path.dirname(__file__))
import bad_inputs as bi  # noqa: E402
import twinfe_cli as tc  # noqa: E402


# Open MPI's own lines around MPI_Abort; the rest of stderr must be the one twinfe line.
MPI_NOISE = re.compile(r"^(-{20,}|MPI_ABORT was invoked|with errorcode|NOTE: invoking MPI_ABORT|You may or may not see output|"
                       r"exactly when Open MPI kills|\[[\w.-]+:\d+\] .*(ORTE_ERROR_LOG|help message|orte_base_help_aggregate)|\s*$)")
SIGNAL = re.compile(r"signal \d+|received signal|segmentation fault|core dumped|aborted \(|terminate called|bad_alloc|killed", re.I)
INTERNAL = re.compile(r"\bTwinfe[A-Z]\w*|\bPetsc[A-Z]\w*\(|\bgmsh[A-Z]\w*\(|[.-]partial-|\.staging|PETSC ERROR|\b\w+\.c(xx)?:\d+")
TIMEOUT_S = 60  # the slowest case (an earlier output made by a solve, then refused) takes ~4 s here


def snapshot(root):
    """Every entry under root: kind and, for files, a SHA-256 of the bytes."""
    seen = {}
    for folder, dirs, files in os.walk(root):
        for d in dirs:
            p = os.path.join(folder, d)
            seen[os.path.relpath(p, root)] = "link->" + os.readlink(p) if os.path.islink(p) else "dir"
        for f in files:
            p = os.path.join(folder, f)
            if os.path.islink(p):
                seen[os.path.relpath(p, root)] = "link->" + os.readlink(p)
            else:
                with open(p, "rb") as fh:
                    seen[os.path.relpath(p, root)] = hashlib.sha256(fh.read()).hexdigest()
    return seen


def plant_user_files(ctx):
    bi.write(os.path.join(ctx.parent, "sibling.txt"), b"the user's notes beside the output\n")
    bi.write(os.path.join(ctx.parent, "sibling_dir", "inner.txt"), b"a file in a folder beside the output\n")
    os.makedirs(ctx.inputs, exist_ok=True)


def run_app(args, ranks, cwd, timeout=TIMEOUT_S):
    cmd = [os.path.abspath(ARGS.app)] + list(args)
    if ranks > 1:
        cmd = [ARGS.mpiexec, "--oversubscribe", "-n", str(ranks)] + cmd
    base = os.environ.get("OMPI_MCA_orte_tmpdir_base") or tc.tempfile.gettempdir()
    os.makedirs(base, exist_ok=True)
    # its own Open MPI session directory, as tc.run gives: the pool runs several at once
    with tc.tempfile.TemporaryDirectory(prefix="ompi-run-", dir=base) as session:
        env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                   OMPI_MCA_orte_tmpdir_base=session)
        try:
            p = tc.subprocess.run(cmd, capture_output=True, timeout=timeout, env=env, cwd=cwd)
            # bytes that are not UTF-8 (a message cut inside a character) become U+FFFD
            return p.returncode, p.stdout.decode("utf-8", errors="replace"), p.stderr.decode("utf-8", errors="replace")
        except tc.subprocess.TimeoutExpired:
            return None, "", f"timed out after {timeout} s"


def make_ctx(name):
    d = os.path.join(ARGS.work_dir, "cases", name)
    parent = os.path.join(d, "parent")
    return bi.Ctx(dir=d, inputs=os.path.join(d, "inputs"), parent=parent, out=os.path.join(parent, "out"), data_dir=ARGS.data_dir, base=BASE)


def error_line(stderr, ranks):
    """The twinfe line and a list of what is wrong with the rest of stderr."""
    lines = stderr.splitlines()
    problems = []
    if ranks > 1:
        lines = [l for l in lines if not MPI_NOISE.match(l)]
    errors = [l for l in lines if l.startswith("twinfe: error")]
    if len(lines) != 1 or len(errors) != 1:
        problems.append(f"stderr is not one error line: {stderr.strip()[-600:]!r}")
    return (errors[0] if errors else (lines[-1] if lines else "")), problems


def run_case(case, ranks):
    """Runs one case on `ranks` ranks; returns (problems, message)."""
    ctx = make_ctx(f"{case.name}_n{ranks}")
    plant_user_files(ctx)
    make_params = inspect.signature(case.make).parameters
    args = case.make(ctx, lambda a: run_app(a, 1, ctx.dir)) if len(make_params) == 2 else case.make(ctx)
    out = next((args[i + 1] for i, a in enumerate(args) if a == "-o" and i + 1 < len(args)), None)
    out_existed = out is not None and os.path.lexists(out)
    before = snapshot(ctx.dir)
    start = time.monotonic()
    code, _, stderr = run_app(args, ranks, ctx.dir)
    SECONDS[(case.name, ranks)] = time.monotonic() - start
    message, problems = error_line(stderr, ranks)
    if "\ufffd" in stderr:
        problems.append("stderr is not valid UTF-8")
    if code is None:
        problems.append(stderr)
    elif code == 0:
        problems.append("exit code 0")
    elif code < 0 or code >= 128 or SIGNAL.search(stderr):
        problems.append(f"crashed (exit code {code}): {stderr.strip()[-300:]!r}")
    # the case's folder is named after the case: keep it out of what the regexes see
    seen = message.replace(ctx.dir, "CASE")
    for what in ("names", "wrong", "right"):
        pattern = getattr(case, what)
        if pattern and not re.search(pattern, seen, re.I):
            problems.append(f"message does not say {what} /{pattern}/")
    if INTERNAL.search(message):
        problems.append(f"message names an internal function, source file or staging path: {INTERNAL.search(message).group(0)!r}")
    if out and not out_existed and os.path.lexists(out):
        problems.append(f"output folder {out} was made")
    after = snapshot(ctx.dir)
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(k for k in before if k in after and before[k] != after[k])
    if added:
        problems.append(f"new entries (output or staging left behind): {added[:6]}")
    if removed:
        problems.append(f"user entries removed: {removed[:6]}")
    if changed:
        problems.append(f"user files changed: {changed[:6]}")
    return problems, message


def guarded(case, ranks):
    try:
        return run_case(case, ranks)
    except Exception as e:  # a broken maker is this test's bug: say so, and go on
        return [f"the harness failed: {e!r}"], ""


def make_base():
    """The good inputs every case starts from, and proof that twinfe accepts them."""
    base = os.path.join(ARGS.work_dir, "base")
    image = bi.write(os.path.join(base, "scan.nii.gz"), bi.good_nifti(), gz=True)
    ct = os.path.join(ARGS.data_dir, "totalsegmentator", "example_ct_sm.nii.gz")
    mesh = bi.write_text(os.path.join(base, "two_cubes.msh"), bi.Msh.two_cubes().text())
    case = bi.write_text(os.path.join(base, "case.yaml"), bi.GOOD_YAML)
    return {"image": image, "ct": ct, "mesh": mesh, "case": case}


def check_good_inputs():
    """Each kind of case differs from one of these by one thing; each must succeed."""
    base = os.path.join(ARGS.work_dir, "base")
    good = [("good image", ["mesh", BASE["image"], "-labels", "1,2", "-names", "organ,tumor", "-o", os.path.join(base, "new", "deeper", "out_mesh")]),
            ("good mesh", ["solve", BASE["mesh"], "-o", os.path.join(base, "out_solve")]),
            ("good case file", ["run", BASE["case"], "-o", os.path.join(base, "out_run")])]
    results = list(POOL.map(lambda g: run_app(g[1], 1, base), good))
    for (what, args), (code, _, stderr) in zip(good, results):
        CK.check(code == 0, f"{what} is refused, so the cases made from it prove nothing: {stderr.strip()[-400:]}")
        # missing parent folders of -o are made for a run that succeeds
        CK.check(os.path.exists(os.path.join(args[-1], "report.json")), f"{what}: no report.json in {args[-1]}")


def main():
    cases = bi.catalogue()
    names = [c.name for c in cases]
    CK.check(len(set(names)) == len(names), "case names are unique")
    CK.check(len(cases) >= 40, f"{len(cases)} cases, issue 10 asks for at least 40")
    check_good_inputs()
    jobs = [(c, n) for c in cases for n in c.ranks]
    results = dict(zip(jobs, POOL.map(lambda j: guarded(*j), jobs)))
    for case in cases:
        messages = {}
        for n in case.ranks:
            problems, message = results[(case, n)]
            messages[n] = message.replace(make_ctx(f"{case.name}_n{n}").dir, "CASE")
            if len(set(messages.values())) > 1:
                problems = problems + [f"{n} ranks say {message!r}, {min(messages)} rank(s) said {messages[min(messages)]!r}"]
            label = f"{case.name} (n={n})" if len(case.ranks) > 1 else case.name
            CK.check(not problems, f"{label}: {'; '.join(problems)} | {message}")
            if not problems:
                print(f"ok   {label}: {message}")
    slowest = sorted(SECONDS.items(), key=lambda kv: -kv[1])[:5]
    print("slowest runs:", ", ".join(f"{name} n={n} {s:.1f} s" for (name, n), s in slowest))
    print(f"{len(cases)} cases, {len(jobs)} runs")


if __name__ == "__main__":
    ARGS = tc.parse_args()
    CK = tc.Checks("bad_input")
    BASE = make_base()
    SECONDS = {}
    POOL = concurrent.futures.ThreadPoolExecutor(max_workers=4)
    main()
    POOL.shutdown()
    CK.close()
