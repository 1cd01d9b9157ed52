#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Read a results state back with VTK's XML readers and check that its point fields are the
polynomials the test wrote, as ParaView sees them inside the cells (unit/test_io_quadratic).

  quadratic_readback.py FILE.vtu|FILE.pvtu --cell-type 24|10 --field NAME:POLY ...
                        [--inexact NAME]

POLY is "quadratic" (x^2, y z, 1 + x y) or "pressure" (1 + 2 x). Every point's value must be
POLY at the point (1e-12). For quadratic tetrahedra (24) every edge node must sit exactly at
the midpoint of its edge, each piece must number every edge once, and VTK's own interpolation
(vtkCell.InterpolateFunctions at interior parametric points, and vtkProbeFilter at the cell
centroids) must give POLY there. --inexact NAME asserts the opposite for NAME: that the
file cannot show the polynomial inside its cells (vertex values of a quadratic field).
"""
import argparse
import os
import sys

import numpy as np
import vtk
from vtk.util import numpy_support

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients"))
from vtk_readback import CheckFailed, read_grid, require, to_numpy  # noqa: E402

# The values are products of coordinates of size <= 3 (the tube of the test): rounding in
# writing the node positions and in the products is about 1e-15; 1e-12 leaves room only for that.
EXACT = 1e-12
# vtkProbeFilter finds each point's parametric coordinates by Newton iteration on the cell's
# (here affine) map, stopping on a step below its own tolerance: measured errors are ~1e-15,
# 1e-9 keeps a margin for that stop while staying far below INEXACT.
PROBE = 1e-9
# What vertex values alone miss at a centroid: for x^2 the variance of the cell's vertex x,
# about h^2 / 16 for tets of size h ~ 0.4 (1e-2); 1e-3 is a conservative floor.
INEXACT = 1e-3

POLYNOMIALS = {
    "quadratic": lambda x: np.stack([x[..., 0] ** 2, x[..., 1] * x[..., 2], 1 + x[..., 0] * x[..., 1]], axis=-1),
    "pressure": lambda x: 1 + 2 * x[..., 0],
}
# VTK_QUADRATIC_TETRA's nodes 4..9 are the midpoints of these vertex pairs.
VTK_EDGES = [(0, 1), (1, 2), (0, 2), (0, 3), (1, 3), (2, 3)]
# Interior parametric points: the centroid and three off-centre points.
PCOORDS = [(0.25, 0.25, 0.25), (0.1, 0.2, 0.3), (0.6, 0.1, 0.1), (0.05, 0.7, 0.15)]


def connectivity(grid, cell_type):
    types = numpy_support.vtk_to_numpy(grid.GetCellTypesArray())
    require(len(types) > 0, "no cells")
    require(np.all(types == cell_type), "cell types %s, expected all %d" % (sorted(set(types.tolist())), cell_type))
    nodes = {vtk.VTK_TETRA: 4, vtk.VTK_QUADRATIC_TETRA: 10}[cell_type]
    conn = numpy_support.vtk_to_numpy(grid.GetCells().GetConnectivityArray())
    return conn.reshape(len(types), nodes)


def check_edges(points, conn):
    """Each edge node is its edge's midpoint, bit for bit, and each edge has one node."""
    corners = points[conn[:, :4]]
    volume = np.linalg.det(corners[:, 1:] - corners[:, :1]) / 6.0
    require(np.all(volume > 0), "a tetrahedron is not positively oriented (min volume %g)" % volume.min())
    node_of_edge = {}
    for slot, (a, b) in enumerate(VTK_EDGES):
        mid = (points[conn[:, a]] + points[conn[:, b]]) * 0.5
        off = np.abs(points[conn[:, 4 + slot]] - mid).max()
        require(off == 0.0, "edge node %d (vertices %d-%d) is %g from the edge's midpoint" % (4 + slot, a, b, off))
        for va, vb, node in zip(conn[:, a], conn[:, b], conn[:, 4 + slot]):
            key = (min(va, vb), max(va, vb))
            require(node_of_edge.setdefault(key, node) == node, "edge %s has two nodes" % (key,))
    used = len(set(conn[:, :4].ravel().tolist())) + len(node_of_edge)
    require(used == len(points), "%d points but %d vertices and edges in the cells" % (len(points), used))
    print("edges %d, every edge node at its midpoint" % len(node_of_edge))


def interpolated_error(grid, values, poly):
    """Largest |VTK's interpolation - poly| over every cell at the PCOORDS points."""
    worst = 0.0
    for c in range(grid.GetNumberOfCells()):
        cell = grid.GetCell(c)
        ids = [cell.GetPointId(i) for i in range(cell.GetNumberOfPoints())]
        for pc in PCOORDS:
            weights = [0.0] * len(ids)
            x = [0.0, 0.0, 0.0]
            cell.EvaluateLocation(vtk.reference(0), pc, x, weights)
            got = np.tensordot(np.array(weights), values[ids], axes=1)
            worst = max(worst, float(np.abs(got - poly(np.array(x))).max()))
    return worst


def probe_error(grid, name, poly, centroids):
    """Largest |value vtkProbeFilter finds at the centroids - poly|, as ParaView's probe shows it."""
    source = vtk.vtkPolyData()
    pts = vtk.vtkPoints()
    pts.SetData(numpy_support.numpy_to_vtk(np.ascontiguousarray(centroids), deep=1))
    source.SetPoints(pts)
    probe = vtk.vtkProbeFilter()
    # A cell locator, as ParaView's probe offers: the default search starts from the nearest
    # point, and a .pvtu read as one grid holds each piece boundary's points twice, so that
    # search missed a centroid beside such a boundary (1 of 883 on 2 ranks).
    probe.SetCellLocatorPrototype(vtk.vtkStaticCellLocator())
    probe.SetInputData(source)
    probe.SetSourceData(grid)
    probe.Update()
    out = probe.GetOutput()
    found = numpy_support.vtk_to_numpy(out.GetPointData().GetArray(probe.GetValidPointMaskArrayName()))
    require(np.all(found == 1), "the probe found %d of %d centroids outside every cell" % (np.sum(found != 1), len(found)))
    got = to_numpy(out.GetPointData().GetArray(name))
    return float(np.abs(got - poly(centroids)).max())


def check(args):
    grid, pieces = read_grid(args.file)
    points = numpy_support.vtk_to_numpy(grid.GetPoints().GetData())
    conn = connectivity(grid, args.cell_type)
    print("pieces %d cells %d points %d type %d" % (pieces, len(conn), len(points), args.cell_type))
    if args.cell_type == vtk.VTK_QUADRATIC_TETRA:
        check_edges(points, conn)
    centroids = points[conn[:, :4]].mean(axis=1)
    inexact = set(args.inexact)
    for spec in args.field:
        name, _, kind = spec.partition(":")
        poly = POLYNOMIALS[kind]
        array = grid.GetPointData().GetArray(name)
        require(array is not None, "point array %s missing" % name)
        values = to_numpy(array)
        at_points = float(np.abs(values - poly(points)).max())
        linear = float(np.abs(values[conn[:, :4]].mean(axis=1) - poly(centroids)).max())
        probed = probe_error(grid, name, poly, centroids)
        print("%s: max error at the points %.3g, at the centroids by the probe %.3g, from the vertex values alone %.3g"
              % (name, at_points, probed, linear))
        require(at_points <= EXACT, "%s differs from %s at a point by %g" % (name, kind, at_points))
        if name in inexact:
            require(probed > INEXACT, "%s: the probe matches %s inside the cells (%g), expected a linear field"
                    % (name, kind, probed))
            continue
        inside = interpolated_error(grid, values, poly)
        print("%s: max error of VTK's interpolation inside the cells %.3g" % (name, inside))
        require(inside <= EXACT, "%s: VTK's interpolation inside a cell differs from %s by %g" % (name, kind, inside))
        require(probed <= PROBE, "%s: the probe at a centroid differs from %s by %g" % (name, kind, probed))
        if kind == "quadratic":
            require(linear > INEXACT, "%s: vertex values alone already give %s at the centroids (%g): the check "
                    "cannot tell quadratic from linear output" % (name, kind, linear))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file")
    parser.add_argument("--cell-type", type=int, required=True)
    parser.add_argument("--field", action="append", default=[], metavar="NAME:POLY")
    parser.add_argument("--inexact", action="append", default=[], metavar="NAME")
    args = parser.parse_args()
    try:
        check(args)
    except (CheckFailed, OSError, ValueError) as failure:
        print("FAILED: %s" % failure)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
