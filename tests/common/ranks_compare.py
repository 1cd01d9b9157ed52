"""Comparing what one command wrote on 1 rank with what it wrote on several, point by point
(tests/mpi/test_ranks_agree*.py): the loaded state read with python3-vtk9's XML readers (the
ones ParaView uses), points matched by their coordinates. A point on a cut between pieces
appears in each piece that holds it: all its copies must carry the same values.
SPDX-License-Identifier: GPL-2.0-or-later"""
import os

import numpy as np

import twinfe_cli as tc

# Coordinates are the same mesh's on every rank count (Gmsh's Delaunay: bit-identical meshes),
# written as the same doubles: matching them at 1e-9 mm is exact matching with a margin for
# formatting.
COORD_DECIMALS = 9


def last_state(folder, field):
    """(file, points, the point field or None, rank per cell or None, cells) of the last state
    the run wrote in results.pvd."""
    from vtk.util.numpy_support import vtk_to_numpy
    states = tc.pvd_states(os.path.join(folder, "results.pvd"))
    grid = tc.read_xml(os.path.join(folder, states[-1][1]))
    points = vtk_to_numpy(grid.GetPoints().GetData()).astype(float)
    values = grid.GetPointData().GetArray(field)
    rank = grid.GetCellData().GetArray("rank")
    return (states[-1][1], points, vtk_to_numpy(values).astype(float) if values else None,
            vtk_to_numpy(rank).astype(int) if rank else None, grid.GetNumberOfCells())


def unique_points(points, values):
    """Points sorted by coordinates with their values, each point once, and the largest
    difference between the copies of a point that several pieces hold."""
    keys = np.round(points, COORD_DECIMALS)
    order = np.lexsort(keys.T[::-1])
    keys, values = keys[order], values[order]
    first = np.ones(len(keys), bool)
    first[1:] = np.any(keys[1:] != keys[:-1], axis=1)
    group = np.cumsum(first) - 1
    spread = np.abs(values - values[first][group]).max() if len(values) else 0.0
    return keys[first], values[first], spread


def compare(ck, label, runs, field, tolerance):
    """Every point's field of each run on several ranks against 1 rank's, within tolerance times
    the largest |value|: runs maps ranks to (report, last_state(...)). Checks that the pieces
    come from every rank, hold the same mesh and points as 1 rank, and agree on shared points.
    Returns {ranks: the pieces' (points, distinct points)} for further checks."""
    pieces = {}
    if 1 not in runs:
        return pieces
    rep1, (file1, x1, u1, _, cells1) = runs[1]
    ck.check(file1.endswith(".vtu") and u1 is not None, f"{label}: 1 rank writes a .vtu with {field}: {file1}")
    if u1 is None:
        return pieces
    keys1, field1, _ = unique_points(x1, u1)
    umax = np.abs(field1).max()
    for n in sorted(k for k in runs if k > 1):
        rep, (file, x, u, rank, cells) = runs[n]
        ck.check(file.endswith(".pvtu") and u is not None, f"{label}: {n} ranks write a .pvtu with {field}: {file}")
        ck.check(rep["partition"]["ranks"] == n and rep["partition"]["cells_min"] > 0, f"{label}: {n} ranks all hold cells")
        ck.check(rep["mesh"]["tetrahedra"] == rep1["mesh"]["tetrahedra"] and cells == cells1,
                 f"{label}: {n} ranks: same mesh ({cells} cells written, {cells1} on 1 rank)")
        ck.check(rank is not None and set(rank.tolist()) == set(range(n)), f"{label}: {n} ranks: the rank array shows every rank")
        if u is None:
            continue
        keys, values, spread = unique_points(x, u)
        pieces[n] = (len(x), len(keys))
        print(f"{label}, {n} ranks: {len(x)} points in the pieces, {len(keys)} distinct; copies differ by {spread:.3e}")
        ck.check(len(x) > len(keys), f"{label}: {n} ranks: pieces share the points on their cuts")
        ck.check(spread == 0.0, f"{label}: {n} ranks: copies of a shared point differ by {spread}")
        same_points = keys.shape == keys1.shape and np.array_equal(keys, keys1)
        ck.check(same_points, f"{label}: {n} ranks: the points are not those of 1 rank ({len(keys)} vs {len(keys1)})")
        if same_points:
            diff = np.abs(values - field1).max()
            print(f"{label}, {n} ranks vs 1: max |{field}_{n} - {field}_1| = {diff:.3e}, {diff / umax:.2e} of the largest")
            ck.check(diff <= tolerance * umax, f"{label}: {n} ranks: {field} differs from 1 rank by {diff} ({diff / umax:.2e})")
    return pieces
