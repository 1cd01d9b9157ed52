"""Progress of long solves (issue 16): on a terminal (a pseudo-terminal from util-linux's
`script`), a finite-strain solve in 10 load steps rewrites one line "solve     elasticity: NN%,
about T left, load step k" in place, its percentages rising to 100, and clears it before the
run's own lines go on; a pulsatile flow solve does the same per time step; in a pipe, or with
-quiet on a terminal, no progress line appears at all.
SPDX-License-Identifier: GPL-2.0-or-later"""
import os
import re
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc  # noqa: E402

args = tc.parse_args()
ck = tc.Checks("progress")
os.makedirs(args.work_dir, exist_ok=True)
organ = os.path.join(args.source_dir, "meshes", "organ_phantom.yaml")
STEPS = ["-mesh_size", "6", "-material", "neo_hookean", "-elasticity_load_steps", "10"]
PROGRESS = re.compile(r"solve     elasticity: +(\d+)%")


def on_terminal(cmd, name):
    """cmd's terminal output (stdout and stderr together, as a user sees them)."""
    typescript = os.path.join(args.work_dir, name + ".typescript")
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    proc = subprocess.run(["script", "-qec", shlex.join(cmd), typescript], stdout=subprocess.DEVNULL, env=env, timeout=600)
    with open(typescript, errors="replace", newline="") as f:  # the carriage returns kept
        return proc.returncode, f.read()


code, seen = on_terminal([args.app, "run", organ, "-o", os.path.join(args.work_dir, "tty")] + STEPS, "tty")
percents = [int(p) for p in PROGRESS.findall(seen)]
ck.check(code == 0, "the run on a terminal failed")
ck.check(len(percents) >= 2 and percents == sorted(percents) and percents[-1] == 100,
         f"on a terminal the progress should rise to 100%: {percents}")
ck.check("left, load step" in seen, "no time left and load step in the progress line")
last = seen.rfind("100%")
ck.check(last >= 0 and re.search(r"\r +\r", seen[last:]) is not None, "the progress line is not cleared after the solve")

code, seen = on_terminal([args.app, "run", organ, "-o", os.path.join(args.work_dir, "quiet"), "-quiet"] + STEPS, "quiet")
ck.check(code == 0 and not PROGRESS.search(seen), "-quiet on a terminal still shows progress")

code, out, err = tc.run([args.app, "run", organ, "-o", os.path.join(args.work_dir, "pipe")] + STEPS)
ck.check(code == 0 and not PROGRESS.search(out + err) and "\r" not in out + err, "a pipe gets a progress line")

pulse = os.path.join(args.work_dir, "pulse.yaml")
with open(pulse, "w") as f:
    f.write(f"image: {os.path.join(args.source_dir, 'meshes', 'vessel_phantom.nii.gz')}\nlabels: 1\nnames: carotid\n"
            "physics: stokes\ninflow_fourier: 1.0,0.5,0.2\ncardiac_period: 0.5\ntime_step: 0.05\nframes_per_cycle: 2\ncycles: 1\n"
            "surface:\n  caps: true\nmesh:\n  size: 1.5\n")
code, seen = on_terminal([args.app, "run", pulse, "-o", os.path.join(args.work_dir, "pulse")], "pulse")
steps = re.findall(r"solve     pulsatile flow: +(\d+)%.*?time step (\d+) of 10", seen)
ck.check(code == 0 and steps and steps[-1] == ("100", "10"), f"pulsatile progress on a terminal: {steps[-3:]}")
print(f"terminal: elasticity progress {percents}; pulsatile {[s[0] for s in steps]}")
ck.close()
