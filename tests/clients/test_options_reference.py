"""docs/options.md, the reference of every option and case-file key, is what
scripts/options_reference.py makes from the options the code declares today: an option added,
renamed, given another default or another meaning without the page following fails here, with
the lines that differ and the command that writes the page again.
SPDX-License-Identifier: GPL-2.0-or-later"""
import difflib
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc  # noqa: E402

args = tc.parse_args()
ck = tc.Checks("options reference")
os.makedirs(args.work_dir, exist_ok=True)
made = os.path.join(args.work_dir, "options.md")
script = os.path.join(args.source_dir, "scripts", "options_reference.py")
proc = subprocess.run([sys.executable, script, args.app, made], capture_output=True, text=True, timeout=300)
ck.check(proc.returncode == 0, f"{script} failed: {proc.stderr}")
if proc.returncode == 0:
    with open(made) as f:
        new = f.read().splitlines()
    with open(os.path.join(args.source_dir, "docs", "options.md")) as f:
        old = f.read().splitlines()
    diff = list(difflib.unified_diff(old, new, "docs/options.md", "declared now", lineterm="", n=0))
    ck.check(not diff, "docs/options.md differs from the options the code declares; write it again with\n"
                       f"  python3 scripts/options_reference.py build/apps/twinfe docs/options.md\n" + "\n".join(diff[:40]))
    ck.check(sum(line.startswith("| `-") for line in new) > 100, "the reference lists fewer than 100 options: the parser broke")
    print(f"docs/options.md: {sum(line.startswith('| `-') for line in new)} options, as declared")
ck.close()
