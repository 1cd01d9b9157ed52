"""One benchmark run as a table: sizes, solver, wall time per stage, peak memory.
SPDX-License-Identifier: GPL-2.0-or-later"""
import json
import re
import sys

name, ranks, report_path, time_path = sys.argv[1:5]
rep = json.load(open(report_path))
text = open(time_path).read()
# /usr/bin/time -v measures the launcher; under mpiexec the largest child is what it reports.
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
print(f"== {name}: {ranks} rank(s), {rep['mesh']['tetrahedra']} tets, {rep['solve']['unknowns']} unknowns, "
      f"{rep['solve']['iterations']} CG iterations, min gamma {rep['mesh']['quality']['min_gamma']:.3f}")
peaks = rep.get("peak_memory_mb", {})
print(f"   {'stage':<15} {'wall':>8}    peak RSS at its end (largest rank)")
for stage, seconds in rep["timings_s"].items():
    peak = f"{peaks[stage]:8.0f} MB" if stage in peaks else ""
    print(f"   {stage:<15} {seconds:8.2f} s  {peak}")
print(f"   {'wall (time -v)':<15} {wall:>8}    peak RSS {rss / 1024:.0f} MB (largest process)")
