"""Checkpoint and restart of a finite-strain solve over load steps (docs/checkpoint.md): a run
killed with SIGKILL after a checkpoint and restarted with -restart ends with the results of the
run that was never stopped.

The bundled organ phantom meshed once at 6 mm, neo-Hookean, 8 load steps, a checkpoint every 2
(`twinfe solve`, so that every run has the same mesh). Checked:
- 1 rank: the run is killed once the checkpoint of step 4 is on disk; its staging folder stays
  with its checkpoints;
- a restart with another option (-E) is refused, naming the option, its value then and now;
  nothing is written and the killed run's folder is unchanged, file by file;
- the checkpoint of step 4 is then truncated: the restart says so and continues from step 2;
  the output holds the same files as the uninterrupted run's, every field of every state is
  equal to it bit for bit, forces.csv is the same text, report.json says the run was restarted
  from step 2 with one damaged checkpoint passed over and gives the same Newton and linear
  iteration counts; the killed run's folder is gone and no checkpoint is left in the output;
- 2 ranks (mpirun, 4 load steps, a checkpoint every step): killed after the first checkpoint,
  restarted on 2 ranks: equal bit for bit to the uninterrupted 2-rank run; killed again and
  restarted on 1 rank: the same states and Newton iterations, the final displacement within 1e-6
  of the 2-rank run's (another preconditioner: equal to the solver's tolerance, not bit for bit;
  a start mapped by node number instead of position takes 10 Newton iterations, not 8);
- `twinfe run` of the case file, killed and restarted: the restart takes the killed run's mesh
  (Gmsh's HXT does not make the same mesh twice) instead of meshing again, and finishes with
  all 9 states;
- refused before any work, nothing left: -checkpoint_every -1; -restart where no killed run left
  a checkpoint; -restart naming a folder that does not exist.
SPDX-License-Identifier: GPL-2.0-or-later"""
import hashlib
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import ranks_compare as rc  # noqa: E402
import twinfe_cli as tc  # noqa: E402

args = tc.parse_args()
ck = tc.Checks("checkpoint_load_steps")
work = args.work_dir
app = os.path.abspath(args.app)
case = os.path.join(args.source_dir, "meshes", "organ_phantom.yaml")
phantom = os.path.join(args.source_dir, "meshes", "organ_phantom.nii.gz")
steps = ["-material", "neo_hookean", "-elasticity_load_steps", "8"]
held = ["-clamp_axis", "y", "-clamp_side", "max", "-clamp_fraction", "0.25"]
mpi = [args.mpiexec, "--oversubscribe", "-n", "2"]


started = time.time()


def said(what):
    print(f"{time.time() - started:6.1f} s  {what}", flush=True)


def out(name):
    return os.path.join(work, name)


def snapshot(folder):
    """Every file under folder with its SHA-256: what must not change."""
    files = {}
    for root, _, names in os.walk(folder):
        for n in names:
            with open(os.path.join(root, n), "rb") as f:
                files[os.path.relpath(os.path.join(root, n), folder)] = hashlib.sha256(f.read()).hexdigest()
    return files


def check_equal(reference, restarted, what):
    only, worst, notes = tc.compare_outputs(reference, restarted)
    ck.check(not only, f"{what}: files in one output only: {only}")
    ck.check(worst == 0, f"{what}: fields differ from the uninterrupted run's, largest {worst:.3g}: {notes[:6]}")
    ck.check(not os.path.exists(os.path.join(restarted, "checkpoint")), f"{what}: checkpoint/ left in the output")
    print(f"{what}: largest difference to the uninterrupted run {worst}")


def check_no_staging(name):
    left = [e for e in os.listdir(work) if e.startswith(f".{name}.twinfe-partial-")]
    ck.check(not left, f"staging folders of {name} left: {left}")


# ---- 1 rank: uninterrupted, killed, refused, truncated, restarted
code, _, err = tc.run([app, "mesh", phantom, "-labels", "1,2", "-names", "organ,tumor", "-mesh_size", "6", "-o", out("mesh")])
ck.check(code == 0, f"twinfe mesh failed: {err[-400:]}")
run = [app, "solve", os.path.join(out("mesh"), "mesh.msh")] + steps + held
code, _, err = tc.run(run + ["-o", out("whole")])
ck.check(code == 0, f"uninterrupted run failed: {err[-400:]}")
said("1 rank: uninterrupted")

killed = tc.run_killed_at(run + ["-checkpoint_every", "2", "-o", out("killed")], out("killed"), "checkpoint_000004.json")
ck.check(killed is not None, "the run ended before its checkpoint of step 4 was written (nothing was killed)")
if killed:
    ck.check(os.path.isdir(killed) and not os.path.exists(out("killed")), "the killed run left its staging folder, and no -o")
    said("1 rank: killed")
    before = snapshot(killed)
    ck.check({"checkpoint/checkpoint_000004.json", "checkpoint/checkpoint_000004.bin",
              "checkpoint/checkpoint_000002.json"} <= set(before), f"checkpoints in {killed}: {sorted(before)}")

    # another option: refused by name, nothing written, the killed run's folder as it was
    code, stdout, err = tc.run(run + ["-E", "6000", "-checkpoint_every", "2", "-restart", "-o", out("killed")],
                               expect_ok=False)
    ck.check(code != 0 and "without -E 6000" in err and "leave -E 6000 out" in err,
             f"restart with -E 6000 not refused by name: {code} {err[-600:]}")
    ck.check(not os.path.exists(out("killed")) and snapshot(killed) == before, "the refused restart changed files")

    said("1 rank: restart with another option refused")
    # the latest checkpoint truncated: the one before it is used, and said so
    bin4 = os.path.join(killed, "checkpoint", "checkpoint_000004.bin")
    with open(bin4, "r+b") as f:
        f.truncate(os.path.getsize(bin4) // 2)
    code, stdout, err = tc.run(run + ["-checkpoint_every", "2", "-restart", "-o", out("killed")])
    ck.check(code == 0, f"restart failed: {err[-600:]}")
    ck.check("step 4 is not used" in stdout and "truncated" in stdout, f"the damaged checkpoint is not named: {stdout[:1500]}")
    if code == 0:
        check_equal(out("whole"), out("killed"), "1 rank, restarted from step 2")
        rep, whole = tc.report(out("killed")), tc.report(out("whole"))
        ck.check(rep.get("restart", {}).get("from_step") == 2 and rep["restart"].get("damaged_checkpoints_skipped") == 1,
                 f"report.json restart: {rep.get('restart')}")
        for key in ("newton_iterations", "iterations", "load_steps", "load_step_cutbacks"):
            ck.check(rep["solve"][key] == whole["solve"][key], f"solve.{key} {rep['solve'][key]} != {whole['solve'][key]}")
        ck.check(not os.path.exists(killed), f"the continued run's folder {killed} is still there")

said("1 rank: restarted")
# ---- 2 ranks
# 4 load steps: 2 ranks sharing 2 busy cores are slow
two = mpi + [app, "solve", os.path.join(out("mesh"), "mesh.msh"), "-material", "neo_hookean", "-elasticity_load_steps", "4"] + held
code, _, err = tc.run(two + ["-o", out("whole2")])
ck.check(code == 0, f"uninterrupted 2-rank run failed: {err[-400:]}")
said("2 ranks: uninterrupted")
killed2 = tc.run_killed_at(two + ["-checkpoint_every", "1", "-o", out("killed2")], out("killed2"), "checkpoint_000001.json")
ck.check(killed2 is not None, "the 2-rank run ended before its first checkpoint (nothing was killed)")
said("2 ranks: killed")
if killed2:
    code, stdout, err = tc.run(two + ["-checkpoint_every", "1", "-restart", "-o", out("killed2")])
    ck.check(code == 0, f"2-rank restart failed: {err[-600:]}")
    if code == 0:
        check_equal(out("whole2"), out("killed2"), "2 ranks, restarted")
        ck.check(tc.report(out("killed2"))["restart"]["from_step"] >= 1, "2-rank report.json restart.from_step")

said("2 ranks: restarted")
# ---- another rank count: a checkpoint of 2 ranks continued on 1 (nodes are found by position)
killed21 = tc.run_killed_at(two + ["-checkpoint_every", "1", "-o", out("killed21")], out("killed21"), "checkpoint_000001.json")
ck.check(killed21 is not None, "the second 2-rank run ended before its first checkpoint (nothing was killed)")
if killed21:
    one = two[len(mpi):]
    code, stdout, err = tc.run(one + ["-checkpoint_every", "1", "-restart", "-o", out("killed21")])
    ck.check(code == 0, f"restart on 1 rank of a 2-rank checkpoint failed: {err[-600:]}")
    if code == 0:
        ck.check([t for t, _ in tc.pvd_states(os.path.join(out("killed21"), "results.pvd"))] ==
                 [t for t, _ in tc.pvd_states(os.path.join(out("whole2"), "results.pvd"))],
                 "2 ranks -> 1: the states' times are not the uninterrupted run's")
        rep21, rep2 = tc.report(out("killed21")), tc.report(out("whole2"))
        ck.check(rep21["restart"]["from_step"] >= 1, "2 ranks -> 1: report.json restart.from_step")
        # the material is path-independent, so a start scrambled node by node still converges to
        # the same answer: only Newton's iterations show that each node got its own values back
        print(f"2 ranks -> 1: Newton iterations {rep21['solve']['newton_iterations']}, uninterrupted "
              f"{rep2['solve']['newton_iterations']}")
        ck.check(rep21["solve"]["newton_iterations"] == rep2["solve"]["newton_iterations"],
                 f"2 ranks -> 1: {rep21['solve']['newton_iterations']} Newton iterations, the uninterrupted run "
                 f"{rep2['solve']['newton_iterations']}")
        _, x1, u1, _, _ = rc.last_state(out("killed21"), "displacement")
        _, x2, u2, _, _ = rc.last_state(out("whole2"), "displacement")
        keys1, values1, _ = rc.unique_points(x1, u1)
        keys2, values2, _ = rc.unique_points(x2, u2)
        same = keys1.shape == keys2.shape and (keys1 == keys2).all()
        ck.check(same, f"2 ranks -> 1: the restarted run's points are not the mesh's ({len(keys1)} vs {len(keys2)})")
        if same:
            # Newton stops at a relative residual of 1e-8 and 1 rank's preconditioner is not 2
            # ranks', so the two agree to the solver's tolerance, not bit for bit (measured 2e-11)
            diff = abs(values1 - values2).max() / abs(values2).max()
            print(f"2 ranks -> 1: final displacement off the uninterrupted 2-rank run's by {diff:.2e} of the largest")
            ck.check(diff < 1e-6, f"2 ranks -> 1: the final displacement differs by {diff:.3g} of the largest")

said("2 ranks, restarted on 1")
# ---- the case file: the restart takes the killed run's mesh
case_run = [app, "run", case, "-mesh_size", "6", "-material", "neo_hookean", "-elasticity_load_steps", "8",
            "-checkpoint_every", "2", "-o", out("case")]
killed3 = tc.run_killed_at(case_run, out("case"), "checkpoint_000002.json")
ck.check(killed3 is not None, "the case run ended before its first checkpoint (nothing was killed)")
if killed3:
    with open(os.path.join(killed3, "mesh.msh"), "rb") as f:
        mesh_then = f.read()
    code, stdout, err = tc.run(case_run + ["-restart"])
    ck.check(code == 0 and "not meshed again" in stdout, f"case restart failed: {err[-600:]}")
    if code == 0:
        with open(os.path.join(out("case"), "mesh.msh"), "rb") as f:
            ck.check(f.read() == mesh_then, "the restarted case's mesh.msh is not the killed run's")
        ck.check(len(tc.pvd_states(os.path.join(out("case"), "results.pvd"))) == 9, "the restarted case has not 9 states")
said("case file: killed and restarted")
# ---- refused before any work
for extra, needle in ((["-checkpoint_every", "-1"], "-checkpoint_every"),
                      (["-restart"], "no run of -o"),
                      (["-restart", out("nowhere")], "no such folder")):
    code, _, err = tc.run(run + extra + ["-o", out("refused")], expect_ok=False)
    ck.check(code != 0 and needle in err, f"{extra}: not refused with '{needle}': {code} {err[-400:]}")
    ck.check(not os.path.exists(out("refused")), f"{extra}: an output was left")
    check_no_staging("refused")

said("refusals")
ck.close()
