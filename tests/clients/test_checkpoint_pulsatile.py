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


code, _, err = tc.run([app, "mesh", phantom, "-labels", "1", "-surface_caps", "true", "-mesh_size", "2",
                       "-o", os.path.join(work, "mesh")])
ck.check(code == 0, f"twinfe mesh of the vessel phantom failed: {err[-400:]}")
run = [app, "solve", os.path.join(work, "mesh", "mesh.msh"), "-physics", "stokes", "-inflow_fourier", "1.0,0.5,0.2",
       "-cardiac_period", "0.5", "-cycles", "2", "-time_step", "0.0625", "-frames_per_cycle", "4",
       "-outlet_rcr", "0.02,0.5,0.1,0.03,0.3,0.15"]
whole, restarted = os.path.join(work, "whole"), os.path.join(work, "restarted")
code, _, err = tc.run(run + ["-o", whole])
ck.check(code == 0, f"uninterrupted run failed: {err[-400:]}")
said("uninterrupted")

killed = tc.run_killed_at(run + ["-checkpoint_every", "3", "-o", restarted], restarted, "checkpoint_000012.json")
ck.check(killed is not None, "the run ended before its checkpoint of step 12 was written (nothing was killed)")
said("killed")
if killed:
    states = [e for e in os.listdir(killed) if e.startswith("results_")]
    ck.check(len(states) >= 2, f"the killed run had written {states}, expected the last cycle's first 2 states")
    code, stdout, err = tc.run(run + ["-checkpoint_every", "3", "-restart", "-o", restarted])
    ck.check(code == 0, f"restart failed: {err[-600:]}")
    said("restarted")
    if code == 0:
        only, worst, notes = tc.compare_outputs(whole, restarted)
        ck.check(not only, f"files in one output only: {only}")
        ck.check(worst == 0, f"fields differ from the uninterrupted run's, largest {worst:.3g}: {notes[:8]}")
        print(f"largest difference to the uninterrupted run: {worst}")
        rep, ref = tc.report(restarted), tc.report(whole)
        ck.check(rep.get("restart", {}).get("from_step") == 12, f"report.json restart: {rep.get('restart')}")
        ck.check(rep["flow"]["last_cycle"] == ref["flow"]["last_cycle"],
                 f"last cycle {rep['flow']['last_cycle']} != {ref['flow']['last_cycle']}")
        for key in ("time_steps", "iterations", "newton_steps"):
            ck.check(rep["solve"][key] == ref["solve"][key], f"solve.{key} {rep['solve'][key]} != {ref['solve'][key]}")
        ck.check(not os.path.exists(killed), f"the continued run's folder {killed} is still there")
        ck.check(not os.path.exists(os.path.join(restarted, "checkpoint")), "checkpoint/ left in the output")

# Navier-Stokes: the same vessel meshed at 3 mm, a third of the inflow, one cycle of 4 steps (a
# steady start and a Newton solve at every step; with the full inflow the steady start fails,
# falls back to Stokes, and the run takes 4 times as long), killed once the checkpoint of step 2
# is on disk. Its restart solves the steady start again (Newton's first
# guess and the solver's set-up come from it) before it takes the checkpoint's flow: the result
# is again the uninterrupted run's bit for bit.
code, _, err = tc.run([app, "mesh", phantom, "-labels", "1", "-surface_caps", "true", "-mesh_size", "3",
                       "-o", os.path.join(work, "mesh3")])
ck.check(code == 0, f"twinfe mesh of the vessel phantom at 3 mm failed: {err[-400:]}")
ns = ([app, "solve", os.path.join(work, "mesh3", "mesh.msh"), "-physics", "navier_stokes"] +
      run[run.index("-physics") + 2:])
ns[ns.index("-inflow_fourier") + 1] = "0.3,0.15,0.06"  # slow enough that the steady start converges
ns[ns.index("-cycles") + 1] = "1"
ns[ns.index("-time_step") + 1] = "0.125"
ns_whole, ns_restarted = os.path.join(work, "ns_whole"), os.path.join(work, "ns_restarted")
code, _, err = tc.run(ns + ["-o", ns_whole])
ck.check(code == 0, f"uninterrupted Navier-Stokes run failed: {err[-400:]}")
said("Navier-Stokes: uninterrupted")
killed = tc.run_killed_at(ns + ["-checkpoint_every", "2", "-o", ns_restarted], ns_restarted, "checkpoint_000002.json")
ck.check(killed is not None, "the Navier-Stokes run ended before its checkpoint of step 2 (nothing was killed)")
if killed and code == 0:
    code, stdout, err = tc.run(ns + ["-checkpoint_every", "2", "-restart", "-o", ns_restarted])
    ck.check(code == 0, f"Navier-Stokes restart failed: {err[-600:]}")
    said("Navier-Stokes: restarted")
    if code == 0:
        only, worst, notes = tc.compare_outputs(ns_whole, ns_restarted)
        ck.check(not only, f"Navier-Stokes: files in one output only: {only}")
        ck.check(worst == 0, f"Navier-Stokes: fields differ from the uninterrupted run's, largest {worst:.3g}: {notes[:8]}")
        print(f"Navier-Stokes: largest difference to the uninterrupted run: {worst}")
        rep, ref = tc.report(ns_restarted), tc.report(ns_whole)
        ck.check(rep.get("restart", {}).get("from_step") == 2, f"Navier-Stokes report.json restart: {rep.get('restart')}")
        ck.check(rep["flow"]["last_cycle"] == ref["flow"]["last_cycle"], "Navier-Stokes: last cycle's TAWSS/OSI/RRT differ")
        ck.check(not os.path.exists(killed), f"the continued Navier-Stokes run's folder {killed} is still there")

ck.close()
