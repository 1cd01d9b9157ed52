"""Checkpoint and restart of a pulsatile flow run (docs/checkpoint.md): a run killed with SIGKILL
in its last cardiac cycle and restarted with -restart ends with the results of the run that was
never stopped.

The bundled vessel phantom meshed once at 2 mm, Stokes with a Fourier inflow and a Windkessel on
each outlet (their capacitors carry pressure from step to step), 2 cycles of 8 BDF2 steps, 4
frames of the last cycle, a checkpoint every 3 steps. The last cycle is steps 9 to 16: the run is
killed once the checkpoint of step 12 is on disk, so the restart needs the flow now and one step
back, the capacitors' pressures, the time step history, the cap table of every step so far, the
wall shear stress integrated over the last cycle so far (TAWSS, OSI and RRT come from it) and
the 2 states of the last cycle written before. Checked: the output holds the same files as the
uninterrupted run's, every field of every state is equal to it bit for bit (tawss, osi and rrt
of the last state too), flow_caps.csv is the same text, report.json says the run was restarted
from step 12 and gives the same last-cycle TAWSS, OSI and RRT and the same linear iteration
count; the killed run's folder is gone. Then the same with Navier-Stokes (one cycle of 4 steps,
killed after the checkpoint of step 2): bit for bit again, though its restart solves the steady start anew.
SPDX-License-Identifier: GPL-2.0-or-later"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc  # noqa: E402

args = tc.parse_args()
ck = tc.Checks("checkpoint_pulsatile")
work = args.work_dir
app = os.path.abspath(args.app)
phantom = os.path.join(args.source_dir, "meshes", "vessel_phantom.nii.gz")
started = time.time()


def said(what):
    print(f"{time.time() - started:6.1f} s  {what}", flush=True)


def mesh_vessel(size):
    out = os.path.join(work, f"mesh_{size}")
    code, _, err = tc.run([app, "mesh", phantom, "-labels", "1", "-surface_caps", "true", "-mesh_size", size, "-o", out])
    ck.check(code == 0, f"twinfe mesh of the vessel phantom at {size} mm failed: {err[-400:]}")
    return os.path.join(out, "mesh.msh")


def check_restart(label, run, every, kill_step, states_before):
    """run uninterrupted, then killed once its checkpoint of kill_step is on disk (with
    states_before states written) and restarted: the same output bit for bit."""
    whole, restarted = os.path.join(work, f"{label}_whole"), os.path.join(work, f"{label}_restarted")
    code, _, err = tc.run(run + ["-o", whole])
    ck.check(code == 0, f"{label}: uninterrupted run failed: {err[-400:]}")
    said(f"{label}: uninterrupted")
    killed = tc.run_killed_at(run + ["-checkpoint_every", str(every), "-o", restarted], restarted,
                              f"checkpoint_{kill_step:06d}.json")
    ck.check(killed is not None, f"{label}: the run ended before its checkpoint of step {kill_step} (nothing was killed)")
    said(f"{label}: killed")
    if not killed or code != 0:
        return
    states = [e for e in os.listdir(killed) if e.startswith("results_")]
    ck.check(len(states) >= states_before, f"{label}: the killed run had written {states}, expected {states_before} states")
    code, stdout, err = tc.run(run + ["-checkpoint_every", str(every), "-restart", "-o", restarted])
    ck.check(code == 0, f"{label}: restart failed: {err[-600:]}")
    said(f"{label}: restarted")
    if code != 0:
        return
    only, worst, notes = tc.compare_outputs(whole, restarted)
    ck.check(not only, f"{label}: files in one output only: {only}")
    ck.check(worst == 0, f"{label}: fields differ from the uninterrupted run's, largest {worst:.3g}: {notes[:8]}")
    print(f"{label}: largest difference to the uninterrupted run: {worst}")
    rep, ref = tc.report(restarted), tc.report(whole)
    ck.check(rep.get("restart", {}).get("from_step") == kill_step, f"{label}: report.json restart: {rep.get('restart')}")
    ck.check(rep["flow"]["last_cycle"] == ref["flow"]["last_cycle"],
             f"{label}: last cycle {rep['flow']['last_cycle']} != {ref['flow']['last_cycle']}")
    for key in ("time_steps", "iterations", "newton_steps"):
        ck.check(rep["solve"][key] == ref["solve"][key], f"{label}: solve.{key} {rep['solve'][key]} != {ref['solve'][key]}")
    ck.check(not os.path.exists(killed), f"{label}: the continued run's folder {killed} is still there")
    ck.check(not os.path.exists(os.path.join(restarted, "checkpoint")), f"{label}: checkpoint/ left in the output")


# Stokes: 2 cycles of 8 steps, killed in the last cycle after the checkpoint of step 12 (the
# last cycle's first 2 states written).
flow = ["-inflow_fourier", "1.0,0.5,0.2", "-cardiac_period", "0.5", "-time_step", "0.0625", "-frames_per_cycle", "4",
        "-outlet_rcr", "0.02,0.5,0.1,0.03,0.3,0.15"]
check_restart("stokes", [app, "solve", mesh_vessel("2"), "-physics", "stokes", "-cycles", "2"] + flow, 3, 12, 2)

# Navier-Stokes: the same vessel meshed at 3 mm, a third of the inflow, one cycle of 4 steps (a
# steady start and a Newton solve at every step; with the full inflow the steady start fails,
# falls back to Stokes, and the run takes 4 times as long), killed once the checkpoint of step 2
# is on disk. Its restart solves the steady start again (Newton's first guess and the solver's
# set-up come from it) before it takes the checkpoint's flow: the result is again the
# uninterrupted run's bit for bit.
flow[flow.index("-inflow_fourier") + 1] = "0.3,0.15,0.06"
flow[flow.index("-time_step") + 1] = "0.125"
check_restart("navier_stokes", [app, "solve", mesh_vessel("3"), "-physics", "navier_stokes", "-cycles", "1"] + flow, 2, 2, 1)

ck.close()
