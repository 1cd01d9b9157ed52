"""twinfe never loses a user's files (issue 10): it deletes only what it wrote, refuses a folder
that is not a complete output of its own before any work, moves it aside with -force, and
normalises -o. User files are planted beside, inside and above every target; every one of
them must be byte-identical afterwards (where -force or a late writer made twinfe move a
folder aside, in that folder's new place).
SPDX-License-Identifier: GPL-2.0-or-later"""
import glob
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc

args = tc.parse_args()
ck = tc.Checks("outputs_safe")
work = args.work_dir
phantom = os.path.join(args.source_dir, "meshes", "organ_phantom.nii.gz")
case = os.path.join(args.source_dir, "meshes", "organ_phantom.yaml")
MESH = [args.app, "mesh", phantom, "-labels", "2", "-names", "tumor"]  # the tumour alone: well under a second
RUN = [args.app, "run", case, "-labels", "2", "-names", "tumor"]
MPI = [args.mpiexec, "--oversubscribe", "-n", "2"]
planted = {}  # path -> bytes a user wrote there


def path(*parts):
    return os.path.join(work, *parts)


def plant(where, data=None):
    data = os.urandom(257) if data is None else data
    os.makedirs(os.path.dirname(where), exist_ok=True)
    with open(where, "wb") as f:
        f.write(data)
    planted[where] = data


def moved(old_folder, new_folder):
    """A folder twinfe moved aside: its planted files are expected in the new place."""
    for p in [p for p in planted if p.startswith(old_folder + os.sep)]:
        planted[new_folder + p[len(old_folder):]] = planted.pop(p)


def check_planted(label):
    for p, data in planted.items():
        ok = os.path.isfile(p) and open(p, "rb").read() == data
        ck.check(ok, f"{label}: the user's {os.path.relpath(p, work)} is gone or changed")


def staging_left():
    """Staging folders anywhere under the work folder, ours or of the old naming."""
    found = []
    for root, dirs, _ in os.walk(work):
        found += [os.path.join(root, d) for d in dirs if "twinfe-partial-" in d or ".partial-" in d]
    return [f for f in found if f not in stale_kept]


def manifest_is_folder(folder):
    """report.json lists exactly what the folder holds (folders with a trailing '/')."""
    try:
        listed = set(tc.report(folder).get("manifest", []))
    except (OSError, ValueError) as error:
        return False, [str(error)]
    found = set()
    for root, dirs, files in os.walk(folder):
        rel = os.path.relpath(root, folder)
        prefix = "" if rel == "." else rel + "/"
        found |= {prefix + d + "/" for d in dirs} | {prefix + f for f in files}
    return listed == found, sorted(listed ^ found)


def run(label, cmd, ok, words=(), before_work=False, files_moved=False):
    """Runs the app; checks the exit, the message words, that no staging name shows, and (unless
    it moves them) the planted files."""
    t0 = time.time()
    code, stdout, stderr = tc.run(cmd, expect_ok=ok)
    ck.check((code == 0) == ok, f"{label}: exit {code}: {stderr.strip()}")
    message = stderr.strip() if not ok else stdout
    for w in words:
        ck.check(w.lower() in message.lower(), f"{label}: message lacks '{w}': {message!r}")
    ck.check("twinfe-partial" not in stdout + stderr, f"{label}: a message shows the staging folder")
    if not ok:
        ck.check(message.count("twinfe: error") == 1 or MPI[0] in cmd, f"{label}: not one error line: {message!r}")
    if before_work:  # refused at the start: no stage ran
        ck.check("image " not in stdout and "read mesh" not in stdout, f"{label}: work was done before the refusal")
    ck.check(not staging_left(), f"{label}: staging folder left: {staging_left()}")
    if not files_moved:
        check_planted(label)
    print(f"{label}: exit {code} after {time.time() - t0:.1f} s; {message.strip().splitlines()[-1] if message.strip() else ''}")
    return code, stdout, stderr


def start_and_plant(cmd, staging_in, files):
    """Starts the app, waits for its staging folder in staging_in, then plants files while the
    run goes on (another program writing meanwhile); returns the finished process's result."""
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and not glob.glob(os.path.join(staging_in, ".*twinfe-partial-*")):
        time.sleep(0.005)
    running = proc.poll() is None
    for f in files:
        plant(f)
    ck.check(running, f"{cmd[1]}: the run ended before files could be planted during it")
    stdout, stderr = proc.communicate(timeout=300)
    return proc.returncode, stdout, stderr


stale_kept = []
plant(path("beside.txt"))  # beside every target below

# 1. The case: a user adds folders to an output (here while a demo is writing the new
#    one), and the demo runs again into it.
out = path("out")
run("first output", MESH + ["-o", out], True)
code, stdout, stderr = start_and_plant([args.app, "demo", "-o", out], os.path.dirname(out),
                                       [os.path.join(out, "mesh", "notes.txt"), os.path.join(out, "organ", "edit.nii.gz")])
backups = glob.glob(out + ".twinfe-backup-*")
ck.check(code == 0 and len(backups) == 1, f"demo over a changed output: exit {code}, backups {backups}: {stderr}")
if backups:
    ck.check("warning" in stdout and os.path.basename(backups[0]) in stdout, f"no warning naming {backups}: {stdout}")
    moved(out, backups[0])
    # the earlier output's listed files went; what the user added stayed
    ck.check(sorted(os.listdir(backups[0])) == ["mesh", "organ"], f"the earlier output's own files stayed: {os.listdir(backups[0])}")
check_planted("demo over a changed output")
ck.check(manifest_is_folder(out)[0], f"demo manifest vs folder: {manifest_is_folder(out)[1]}")
plant(os.path.join(out, "mesh", "notes.txt"))
plant(os.path.join(out, "organ", "edit.nii.gz"))
run("demo into an output with added folders", [args.app, "demo", "-o", out], False,
    [out, "mesh/", "did not write", "another -o", "-force"], before_work=True)
code, stdout, _ = run("-force", MESH + ["-o", out, "-force"], True, ["kept whole in"], files_moved=True)
backups = sorted(set(glob.glob(out + ".twinfe-backup-*")) - set(backups))
ck.check(len(backups) == 1 and backups and os.path.basename(backups[0]) in stdout, f"-force says where it went: {backups}")
if backups:
    moved(out, backups[0])
    check_planted("-force")
ck.check(manifest_is_folder(out)[0], "the -force output is complete")

# 2. A complete earlier output is replaced: its files go, nothing else does.
rep = path("rep")
run("an output to replace", MESH + ["-o", rep], True)
first_files = set(os.listdir(rep))
run("replacing it", RUN + ["-o", rep], True)
ck.check(manifest_is_folder(rep)[0] and "results.pvd" in os.listdir(rep), f"the replaced output: {os.listdir(rep)}")
ck.check(not glob.glob(rep + ".twinfe-backup-*"), "a complete output replaced left a backup")
ck.check(first_files <= set(os.listdir(rep)), "the new output lacks a file")

# 3. A failed run into study/run1 with study/ new, while another program writes into study/.
study = path("study")
code, stdout, stderr = start_and_plant([args.app, "demo", "-o", os.path.join(study, "run1"), "-elasticity_ksp_max_it", "2"], study,
                                       [os.path.join(study, "keep.txt"), os.path.join(study, "run2", "data.bin")])
ck.check(code != 0 and "elasticity_ksp_max_it" in stderr, f"failed run: exit {code}: {stderr}")
ck.check(not os.path.exists(os.path.join(study, "run1")), "the failed run left study/run1")
ck.check(sorted(os.listdir(study)) == ["keep.txt", "run2"], f"study/ holds {os.listdir(study)}")
ck.check(not staging_left(), "the failed run left its staging folder")
check_planted("failed run into a new parent")
# ... and parents it made that nobody filled go again, with rmdir
run("failed run, new parents", RUN + ["-tumor_E", "0", "-o", path("new", "deeper", "run")], False, ["tumor_E"])
ck.check(not os.path.exists(path("new")), "empty parents made by a failed run stayed")

# 4. -o with a trailing slash, '.', '..' and '//': the same folder as without.
os.makedirs(path("empty"))
run("existing empty folder, -o empty/", MESH + ["-o", path("empty") + "/"], False,
    ["empty", "not an output of twinfe", "another -o", "-force"], before_work=True)
ck.check(os.path.isdir(path("empty")) and not os.listdir(path("empty")), "the empty folder was changed")
run("-o new/", MESH + ["-o", path("slash") + "/"], True, ["outputs   " + path("slash") + "/\n"])
ck.check(manifest_is_folder(path("slash"))[0], "-o slash/ wrote a complete output in slash")
run("-o with . .. //", MESH + ["-o", path("x", "..", ".", "dots") + "//"], True)
ck.check(os.path.isdir(path("dots")) and not os.path.exists(path("x")), "-o x/../dots is not dots")

# 5. An output that is a file, and an output folder that holds an input of the run.
plant(path("afile.txt"))
run("-o a file", MESH + ["-o", path("afile.txt") + "/"], False, ["afile.txt", "is a file", "another -o"], before_work=True)
meshout = path("meshout")
run("a mesh", MESH + ["-o", meshout], True)
for name in os.listdir(meshout):
    planted[os.path.join(meshout, name)] = open(os.path.join(meshout, name), "rb").read()
run("-o holding the input", [args.app, "solve", os.path.join(meshout, "mesh.msh"), "-o", meshout], False,
    [meshout, "mesh.msh", "input", "another -o"])

# 6. Staging folders of runs that died: an empty one goes, one holding anything stays and is named.
dead = subprocess.Popen(["true"])
dead.wait()
host = "".join(ch if ch.isalnum() or ch in "._" else "_" for ch in socket.gethostname())
stale_empty = path(f".gout.twinfe-partial-{host}-{dead.pid}")
stale_full = path(f".gout.twinfe-partial-{host}-{dead.pid}.2")
os.makedirs(stale_empty)
plant(os.path.join(stale_full, "something.txt"))
stale_kept.append(stale_full)
code, stdout, _ = tc.run(MESH + ["-o", path("gout")])
ck.check(code == 0 and not os.path.exists(stale_empty), "an empty stale staging folder was kept")
ck.check(os.path.basename(stale_full) in stdout and "leaves it alone" in stdout, f"the stale folder is not named: {stdout}")
check_planted("stale staging")

# 7. On two ranks: every rank's pieces are in the manifest, so the output can be replaced, and a
#    user file among the pieces makes it someone else's.
mpiout = path("mpiout")
run("2 ranks", MPI + RUN + ["-o", mpiout], True)
ck.check(manifest_is_folder(mpiout)[0] and "results_0000/results_0000_1.vtu" in tc.report(mpiout).get("manifest", []),
         f"2-rank manifest vs folder: {manifest_is_folder(mpiout)[1]}")
run("2 ranks, replacing", MPI + RUN + ["-o", mpiout], True)
plant(os.path.join(mpiout, "results_0000", "mine.txt"))
run("2 ranks, a user file among the pieces", MPI + RUN + ["-o", mpiout], False,
    [mpiout, "results_0000/mine.txt", "another -o", "-force"], before_work=True)
check_planted("end")
ck.close()
