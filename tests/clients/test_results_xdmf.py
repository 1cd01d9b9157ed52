"""-results_format xdmf (docs/outputs.md): the states of the .vtu path in one results.h5 that all
ranks write, indexed by results.xdmf. python3-vtk9 has no XDMF reader, so the index is parsed with
xml.etree and the datasets it names are read with h5py (ParaView's three XDMF readers were run on
these files by hand: docs/outputs.md).

Checked, the same case written as vtu and as xdmf: elasticity with P1 displacement (linear tets,
two states, reaction force and five cell fields) on 1 and 2 ranks; on 2 ranks, with P2
displacement (quadratic tets: Tetrahedron_10 over vertices and edge midpoints, edges shared by ranks)
and a pulsatile Stokes flow (P2 velocity, several states, TAWSS/OSI/RRT on the last one only):
- the index: a temporal collection of one grid per state at the .pvd's times, Topology
  Tetrahedron or Tetrahedron_10 as the .vtu's cell type, Geometry XYZ, and for each array of the .vtu an
  Attribute of the same name, centre and components, whose DataItem names a dataset of
  results.h5 with the dimensions and number type it declares;
- every point of the .vtu (pieces hold the points they share) is one point of results.h5 at the
  same coordinates, and every point of results.h5 is a point of the .vtu; every cell is the same
  cell with its nodes in the same order; every point and cell value equals the .vtu's to 1e-12
  of the array's largest value (both are copies of the same doubles: any error is a mix-up);
- the output folder holds what report.json's manifest lists: results.xdmf and results.h5, no
  per-state or per-rank file; the summary says which file to open;
- `twinfe demo` and `twinfe run` with the YAML key results: {format: xdmf} write the same files;
- a finite-strain run with checkpoints, killed and restarted from an earlier checkpoint than its
  last, ends with the states of the uninterrupted run bit for bit (results.h5 copied from the
  killed run, which is left unchanged, its groups written after the checkpoint left out, and
  appended to; every group of the file named by the index); with that results.h5 cut short, the
  restart is refused by name and writes nothing;
- -results_format hdf5 (and format: vtk in a case file) is refused before any work, naming the
  option, the value and the choices, and leaves no output folder.
SPDX-License-Identifier: GPL-2.0-or-later"""
import os
import sys
import xml.etree.ElementTree as ET

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc  # noqa: E402

args = tc.parse_args()
ck = tc.Checks("results_xdmf")
work = args.work_dir
app = os.path.abspath(args.app)

# Both files hold copies of the same doubles, so they agree exactly; 1e-12 of the largest value
# only leaves room for a reader's rounding, while a value taken from the wrong point or cell
# differs by the field's variation (percent of its largest value on these meshes).
RTOL = 1e-12
VTK_TETRA, VTK_QUADRATIC_TETRA = 10, 24
TOPOLOGY = {"Tetrahedron": (VTK_TETRA, 4), "Tetrahedron_10": (VTK_QUADRATIC_TETRA, 10)}


def run(ranks, cmd, expect_ok=True):
    """cmd on ranks ranks. On several, without PETSc's heap check at every allocation, as ctest's
    ranked tests (tests/CMakeLists.txt: 8x slower there; the leak report stays): measured here,
    the pulsatile case on 2 ranks took 128 s with it and 15 s without."""
    if ranks == 1:
        return tc.run(cmd, expect_ok=expect_ok)
    saved = os.environ.get("PETSC_OPTIONS")
    if saved is not None:
        os.environ["PETSC_OPTIONS"] = " ".join(o for o in saved.split() if o != "-malloc_debug")
    try:
        return tc.run([args.mpiexec, "--oversubscribe", "-n", str(ranks)] + cmd, expect_ok=expect_ok)
    finally:
        if saved is not None:
            os.environ["PETSC_OPTIONS"] = saved


# ---------------------------------------------------------------- the .vtu side (VTK's readers)

def read_vtu_states(folder):
    """[(time, grid)] of results.pvd, each grid a dict of numpy arrays."""
    from vtk.util.numpy_support import vtk_to_numpy
    states = []
    for t, name in tc.pvd_states(os.path.join(folder, "results.pvd")):
        g = tc.read_xml(os.path.join(folder, name))
        pd, cd = g.GetPointData(), g.GetCellData()
        types = {g.GetCellType(c) for c in range(g.GetNumberOfCells())}
        npc = g.GetCell(0).GetNumberOfPoints() if g.GetNumberOfCells() else 0
        states.append((t, {
            "xyz": vtk_to_numpy(g.GetPoints().GetData()).astype(float),
            "types": types,
            "cells": vtk_to_numpy(g.GetCells().GetConnectivityArray()).reshape(-1, npc),
            "point": {pd.GetArrayName(i): vtk_to_numpy(pd.GetArray(i)) for i in range(pd.GetNumberOfArrays())},
            "cell": {cd.GetArrayName(i): vtk_to_numpy(cd.GetArray(i)) for i in range(cd.GetNumberOfArrays())},
        }))
    return states


# ---------------------------------------------------------------- the .xdmf side (etree + h5py)

def load_item(folder, item, what):
    """The dataset a DataItem names, checked against the dimensions and type it declares."""
    import h5py
    ck.check(item is not None and item.get("Format") == "HDF", f"{what}: no DataItem of Format HDF")
    if item is None:
        return np.zeros(0)
    fname, _, path = item.text.strip().partition(":")
    ck.check(fname == "results.h5" and path.startswith("/"), f"{what}: DataItem names {item.text.strip()}")
    with h5py.File(os.path.join(folder, fname), "r") as f:
        ck.check(path in f, f"{what}: {path} is not in {fname}")
        if path not in f:
            return np.zeros(0)
        data = f[path][()]
    dims = tuple(int(d) for d in item.get("Dimensions").split())
    ck.check(data.shape == dims, f"{what}: {path} has shape {data.shape}, the index says {dims}")
    kind = {"Float": "f", "Int": "i"}.get(item.get("NumberType", "Float"))
    ck.check(data.dtype.kind == kind and data.dtype.itemsize == int(item.get("Precision", "4")),
             f"{what}: {path} is {data.dtype}, the index says {item.get('NumberType')} {item.get('Precision')}")
    return data


def read_xdmf_states(folder):
    """[(time, grid)] of results.xdmf, the grids as read_vtu_states gives them."""
    root = ET.parse(os.path.join(folder, "results.xdmf")).getroot()
    series = root.find("Domain/Grid")
    ck.check(series is not None and series.get("GridType") == "Collection" and series.get("CollectionType") == "Temporal",
             "results.xdmf: no temporal collection under Domain")
    states = []
    for grid in ([] if series is None else series.findall("Grid")):
        name = grid.get("Name")
        topo, geom = grid.find("Topology"), grid.find("Geometry")
        cell_type, npc = TOPOLOGY.get(topo.get("TopologyType"), (None, 0))
        ck.check(cell_type is not None, f"{name}: TopologyType {topo.get('TopologyType')}")
        ck.check(geom.get("GeometryType") == "XYZ", f"{name}: GeometryType {geom.get('GeometryType')}")
        cells = load_item(folder, topo.find("DataItem"), f"{name} topology")
        ck.check(cells.ndim == 2 and cells.shape[1] == npc and int(topo.get("NumberOfElements")) == len(cells),
                 f"{name}: topology {cells.shape} for {topo.get('NumberOfElements')} x {npc}")
        g = {"xyz": load_item(folder, geom.find("DataItem"), f"{name} geometry"), "types": {cell_type}, "cells": cells,
             "point": {}, "cell": {}}
        for a in grid.findall("Attribute"):
            values = load_item(folder, a.find("DataItem"), f"{name} {a.get('Name')}")
            if values.ndim == 2 and values.shape[1] == 1:
                values = values[:, 0]  # a column, as VTK gives one component
            g["cell" if a.get("Center") == "Cell" else "point"][a.get("Name")] = values
            ncomp = 1 if values.ndim == 1 else values.shape[1]
            expected = {1: "Scalar", 3: "Vector", 9: "Tensor"}.get(ncomp, "Matrix")
            ck.check(a.get("AttributeType") == expected, f"{name} {a.get('Name')}: AttributeType {a.get('AttributeType')}")
        states.append((float(grid.find("Time").get("Value")), g))
    return states


# ---------------------------------------------------------------- the comparison

def compare_arrays(label, kind, vtu, xdmf, rows):
    ck.check(sorted(vtu) == sorted(xdmf), f"{label}: {kind} arrays {sorted(vtu)} in .vtu, {sorted(xdmf)} in .xdmf")
    for name in set(vtu) & set(xdmf):
        a, b = vtu[name].astype(float), xdmf[name].astype(float)[rows]
        ck.check(a.shape == b.shape, f"{label}: {kind} array {name} is {a.shape} in .vtu, {b.shape} in .xdmf")
        if a.shape == b.shape and a.size:
            err, scale = np.abs(a - b).max(), np.abs(a).max()
            ck.check(err <= RTOL * scale, f"{label}: {kind} array {name} differs by {err} (largest value {scale})")


def compare_state(label, vtu, xdmf):
    # Points: by their coordinates, which both formats copy from the same doubles.
    index = {row.tobytes(): i for i, row in enumerate(np.ascontiguousarray(xdmf["xyz"]))}
    ck.check(len(index) == len(xdmf["xyz"]), f"{label}: results.h5 holds a point twice")
    rows = np.array([index.get(row.tobytes(), -1) for row in np.ascontiguousarray(vtu["xyz"])])
    ck.check((rows >= 0).all(), f"{label}: {(rows < 0).sum()} points of the .vtu are not in results.h5")
    ck.check(len(set(rows[rows >= 0])) == len(xdmf["xyz"]), f"{label}: results.h5 has points that no .vtu piece has")
    if not (rows >= 0).all():
        return
    ck.check(vtu["types"] == xdmf["types"], f"{label}: cell types {vtu['types']} in .vtu, {xdmf['types']} in .xdmf")
    # Cells: the same nodes, in the same order (orientation, VTK's edge slots).
    mapped = rows[vtu["cells"]]
    by_nodes = {tuple(sorted(c)): i for i, c in enumerate(xdmf["cells"])}
    cells = np.array([by_nodes.get(tuple(sorted(c)), -1) for c in mapped])
    ck.check(len(cells) == len(xdmf["cells"]) and (cells >= 0).all() and len(set(cells)) == len(cells),
             f"{label}: the cells of the .vtu and of results.h5 differ")
    if len(cells) != len(xdmf["cells"]) or not (cells >= 0).all():
        return
    ck.check((xdmf["cells"][cells] == mapped).all(), f"{label}: a cell lists its nodes in another order")
    compare_arrays(label, "point", vtu["point"], xdmf["point"], rows)
    compare_arrays(label, "cell", vtu["cell"], xdmf["cell"], cells)


def check_folder(label, out):
    """The folder holds what the manifest lists: the series as two files, nothing per state or rank."""
    manifest = tc.report(out)["manifest"]
    ck.check(sorted(manifest) == sorted(os.listdir(out)), f"{label}: manifest {manifest} vs {sorted(os.listdir(out))}")
    ck.check("results.xdmf" in manifest and "results.h5" in manifest, f"{label}: manifest lacks results.xdmf/.h5")
    ck.check(not [m for m in manifest if m.startswith("results_") or m.endswith((".pvd", ".vtu", ".pvtu"))
                  and m not in ("mesh.vtu", "mesh_facets.vtu")], f"{label}: per-state files in {manifest}")


def compare_case(label, ranks, cmd):
    """cmd (without -o) run as vtu and as xdmf; every state compared."""
    outs = {f: os.path.join(work, f"{label}_np{ranks}_{f}") for f in ("vtu", "xdmf")}
    for fmt, out in outs.items():
        code, stdout, _ = run(ranks, cmd + ["-results_format", fmt, "-o", out])
        ck.check(code == 0, f"{label} on {ranks} ranks as {fmt} failed")
        if code != 0:
            return
    ck.check("results.xdmf in ParaView" in stdout, f"{label}: the summary does not say to open results.xdmf")
    check_folder(f"{label} np{ranks}", outs["xdmf"])
    vtu, xdmf = read_vtu_states(outs["vtu"]), read_xdmf_states(outs["xdmf"])
    ck.check([t for t, _ in vtu] == [t for t, _ in xdmf], f"{label}: times {[t for t, _ in vtu]} vs {[t for t, _ in xdmf]}")
    for s, ((_, a), (_, b)) in enumerate(zip(vtu, xdmf)):
        compare_state(f"{label} np{ranks} state {s}", a, b)
    return xdmf


# The organ phantom's mesh, made once (HXT does not remesh the same way twice): written with
# -results_format xdmf by `twinfe demo`.
demo = os.path.join(work, "demo")
code, stdout, _ = tc.run([app, "demo", "-mesh_size", "6", "-results_format", "xdmf", "-o", demo])
ck.check(code == 0 and "results.xdmf" in stdout, "twinfe demo -results_format xdmf failed")
if code == 0:
    check_folder("demo", demo)
    states = read_xdmf_states(demo)
    rep = tc.report(demo)
    ck.check([t for t, _ in states] == [0.0, 1.0], f"demo: times {[t for t, _ in states]}")
    ck.check(all(len(g["xyz"]) == rep["mesh"]["vertices"] and len(g["cells"]) == rep["mesh"]["tetrahedra"] for _, g in states),
             "demo: results.h5's points and cells are not the mesh's vertices and tetrahedra")
msh = os.path.join(demo, "mesh.msh")
elastic = [app, "solve", msh, "-organ_E", "5000", "-tumor_E", "30000"]

vessel = os.path.join(work, "vessel")
code, _, _ = tc.run([app, "mesh", os.path.join(args.source_dir, "meshes", "vessel_phantom.nii.gz"), "-labels", "1",
                     "-surface_caps", "true", "-mesh_size", "2.5", "-o", vessel])
ck.check(code == 0, "twinfe mesh of the vessel phantom failed")
pulsatile = [app, "solve", os.path.join(vessel, "mesh.msh"), "-physics", "stokes", "-inflow_fourier", "1,0.5,0.2",
             "-cardiac_period", "0.2", "-cycles", "1", "-time_step", "0.05", "-frames_per_cycle", "2"]

# Linear cells on 1 and 2 ranks; quadratic cells and the time series on 2 ranks, where shared
# edges and states with different arrays meet (the quadratic and pulsatile runs take 3 times the
# linear one: kept to the ranks that test the most).
for ranks in (1, 2):
    compare_case("p1", ranks, elastic)
states = compare_case("p2", 2, elastic + ["-elasticity_degree", "2"])
ck.check(states is not None and all(g["types"] == {VTK_QUADRATIC_TETRA} for _, g in states), "p2: cells are not Tetrahedron_10")
states = compare_case("pulsatile", 2, pulsatile)
if states:
    has = [sorted(set(g["point"]) & {"tawss", "osi", "rrt"}) for _, g in states]
    ck.check(len(states) == 2 and has[0] == [] and has[-1] == ["osi", "rrt", "tawss"], f"pulsatile: TAWSS/OSI/RRT in {has}")

# Checkpoint and restart of an XDMF series (docs/checkpoint.md): finite strain over 4 load steps,
# a checkpoint after each; killed once the checkpoint of step 2 is on disk, that checkpoint then
# cut short, so that the restart goes on from step 1 and writes again states the killed run had
# already put into results.h5 (its copy). Every state of the restarted series is the
# uninterrupted one's, bit for bit (the same mesh and rank count): before the checkpoint as the
# killed run wrote it, after it as the restart did.
steps = elastic + ["-material", "neo_hookean", "-elasticity_load_steps", "4", "-results_format", "xdmf",
                   "-checkpoint_every", "1"]
whole = os.path.join(work, "restart_whole")
code, _, _ = tc.run(steps + ["-o", whole])
ck.check(code == 0, "the uninterrupted XDMF run with checkpoints failed")
killed = tc.run_killed_at(steps + ["-o", os.path.join(work, "restart_killed")], os.path.join(work, "restart_killed"),
                          "checkpoint_000002.json")
ck.check(killed is not None, "the XDMF run ended before its checkpoint of step 2 (nothing was killed)")
if killed and code == 0:
    # moved aside, as a folder copied from another machine would be: a restart from it leaves it
    # in place, so that what the restart did to it can be seen
    aside = os.path.join(work, "restart_killed_aside")
    os.rename(killed, aside)
    killed = aside
    killed_h5 = os.path.join(killed, "results.h5")
    with open(killed_h5, "rb") as f:
        h5_before = f.read()
    bin2 = os.path.join(killed, "checkpoint", "checkpoint_000002.bin")
    with open(bin2, "r+b") as f:
        f.truncate(os.path.getsize(bin2) // 2)
    restarted = os.path.join(work, "restart_killed")
    code, stdout, stderr = tc.run(steps + ["-restart", killed, "-o", restarted])
    ck.check(code == 0 and "step 2 is not used" in stdout, f"the XDMF restart failed or used step 2: {stderr[-600:]}")
    # the killed run had written state 2 before its checkpoint of step 2: left out of the copy
    ck.check(code != 0 or "written after the checkpoint are left out of the copy" in stdout,
             f"the XDMF restart does not say it left the killed run's later groups out: {stdout[-1500:]}")
    if code == 0:
        import h5py
        with open(os.path.join(restarted, "results.xdmf")) as f:
            index = f.read()
        with h5py.File(os.path.join(restarted, "results.h5"), "r") as f:
            unlisted = [g for g in f.keys() if f"results.h5:/{g}/" not in index]
        ck.check(not unlisted, f"XDMF restart: results.h5 holds groups its index does not name: {unlisted}")
        ck.check(tc.report(restarted)["restart"]["from_step"] == 1, "XDMF restart: report.json restart.from_step is not 1")
        check_folder("restart", restarted)
        a, b = read_xdmf_states(whole), read_xdmf_states(restarted)
        ck.check([t for t, _ in a] == [t for t, _ in b], f"XDMF restart: times {[t for t, _ in a]} vs {[t for t, _ in b]}")
        for s, ((_, x), (_, y)) in enumerate(zip(a, b)):
            compare_state(f"XDMF restart state {s}", x, y)
            for kind in ("point", "cell"):
                ck.check(all(np.array_equal(x[kind][n], y[kind][n]) for n in x[kind] if n in y[kind] and n != "rank"),
                         f"XDMF restart state {s}: a {kind} array is not the uninterrupted run's bit for bit")
        print(f"XDMF restart: {len(b)} states equal to the uninterrupted run's")
    # the killed run's file was copied, not changed (a failed restart can be tried again)
    ck.check(os.path.exists(killed_h5), "the killed run's results.h5 is gone from the folder moved aside")
    if os.path.exists(killed_h5):
        with open(killed_h5, "rb") as f:
            ck.check(f.read() == h5_before, "the restart changed the killed run's results.h5")
        # a results.h5 cut short (a kill in the middle of writing a state): refused, naming the
        # file, before any solve; nothing written, the folder as it was
        with open(killed_h5, "r+b") as f:
            f.truncate(len(h5_before) // 3)
        damaged = os.path.join(work, "restart_damaged")
        code, _, stderr = tc.run(steps + ["-restart", killed, "-o", damaged], expect_ok=False)
        ck.check(code != 0 and "results.h5 does not hold the states" in stderr and "start afresh" in stderr,
                 f"a damaged results.h5 is not refused by name: {code} {stderr[-600:]}")
        print("a damaged results.h5 refused:", " ".join(line for line in stderr.splitlines() if "results.h5" in line)[:600])
        ck.check(not os.path.exists(damaged), "the refused restart left an output")
        ck.check(os.path.getsize(killed_h5) == len(h5_before) // 3, "the refused restart changed the killed run's results.h5")

# An output written as xdmf is a complete twinfe output: a vtu run replaces it.
again = os.path.join(work, "p1_np1_xdmf")
code, _, _ = tc.run(elastic + ["-o", again])
ck.check(code == 0 and "results.pvd" in os.listdir(again) and "results.h5" not in os.listdir(again),
         "a vtu run into an xdmf output did not replace it")

# `twinfe run` with the format in the case file (results: {format: xdmf}, as -results_format).
case = os.path.join(work, "case.yaml")
with open(case, "w") as f:
    f.write(f"image: {os.path.join(args.source_dir, 'meshes', 'organ_phantom.nii.gz')}\nlabels: 1,2\nnames: organ,tumor\n"
            "organ: {E: 5000, nu: 0.45}\ntumor: {E: 30000, nu: 0.45}\ngravity: 0,9810,0\n"
            "clamp: {axis: y, side: max, fraction: 0.25}\nmesh: {size: 6}\nresults:\n  format: xdmf\n")
out = os.path.join(work, "run")
code, stdout, _ = tc.run([app, "run", case, "-o", out])
ck.check(code == 0, "twinfe run with results: {format: xdmf} failed")
if code == 0:
    check_folder("run", out)
    ck.check(len(read_xdmf_states(out)) == 2, "run: results.xdmf does not hold two states")

# Refused before any work, naming the option, the value and the choices; no folder left.
bad = os.path.join(work, "refused_option")
code, _, stderr = tc.run(elastic + ["-results_format", "hdf5", "-o", bad], expect_ok=False)
ck.check(code != 0 and "-results_format" in stderr and "hdf5" in stderr and "vtu or xdmf" in stderr,
         f"-results_format hdf5: refusal reads {stderr!r}")
ck.check(not os.path.exists(bad), "-results_format hdf5: refused run left its folder")
with open(case, "a") as f:
    f.write("  compression: lz4\n")  # still a good file: the section takes both keys
code, _, _ = tc.run([app, "run", case, "-o", os.path.join(work, "run_both")])
ck.check(code == 0, "results: {format: xdmf, compression: lz4} refused")
with open(case) as f:
    text = f.read().replace("format: xdmf", "format: vtk")
with open(case, "w") as f:
    f.write(text)
bad = os.path.join(work, "refused_yaml")
code, _, stderr = tc.run([app, "run", case, "-o", bad], expect_ok=False)
ck.check(code != 0 and "vtk" in stderr and "vtu or xdmf" in stderr and "case.yaml" in stderr, f"case file: refusal reads {stderr!r}")
ck.check(not os.path.exists(bad), "case file: refused run left its folder")
ck.check(not [p for p in os.listdir(work) if "partial-" in p], "a staging folder was left behind")
ck.close()
