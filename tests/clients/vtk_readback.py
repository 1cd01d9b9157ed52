#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Read libtwinfe's output files back with the readers ParaView and other clients use, and
check them. A small CLI for the Check tests (called through system()) and the client tests.

  vtk_readback.py grid FILE.vtu|FILE.pvtu [--pieces N] [--cells N] [--points N]
                  [--array point:NAME:NCOMP] [--array cell:NAME:NCOMP]
                  [--equals-coordinates NAME] [--tol T] [--check EXPR] ...
  vtk_readback.py pvd FILE.pvd --times T0 T1 ... [--tol T]
  vtk_readback.py stl FILE.stl [--triangles N] [--closed] [--admesh]
  vtk_readback.py json FILE.json [--expect KEY=JSON] ... [--order KEY,KEY,...]

Exit status: 0 when every check holds, 1 when one fails (the reason is printed), 2 on usage
errors. Measured numbers are printed on stdout either way.

--check EXPR evaluates a numpy expression that must be true everywhere; its names are np,
points (n x 3), point[NAME], cell[NAME], centroid (cells x 3), volume (signed volume of
each tetrahedron: positive for VTK's orientation) and area (of each triangle).
"""
import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import numpy as np
import vtk
from vtk.util import numpy_support


class CheckFailed(Exception):
    pass


def require(condition, message):
    if not condition:
        raise CheckFailed(message)


def read_grid(path):
    """The grid from a .vtu or .pvtu and the number of pieces the reader saw."""
    if path.endswith(".pvtu"):
        reader = vtk.vtkXMLPUnstructuredGridReader()
    else:
        reader = vtk.vtkXMLUnstructuredGridReader()
    errors = []
    reader.AddObserver("ErrorEvent", lambda obj, event: errors.append(event))
    reader.SetFileName(path)
    reader.Update()
    require(not errors and reader.GetErrorCode() == 0, "%s: reader reported errors" % path)
    pieces = reader.GetNumberOfPieces() if path.endswith(".pvtu") else 1
    return reader.GetOutput(), pieces


def to_numpy(array):
    values = numpy_support.vtk_to_numpy(array)
    return values.reshape(-1, array.GetNumberOfComponents()) if array.GetNumberOfComponents() > 1 else values


def cell_nodes(grid):
    """Connectivity as a (cells x nodes) array for a grid of only tetrahedra or only triangles."""
    n = grid.GetNumberOfCells()
    if n == 0:
        return np.zeros((0, 4), dtype=np.int64)
    types = numpy_support.vtk_to_numpy(grid.GetCellTypesArray())
    kinds = {vtk.VTK_TETRA: 4, vtk.VTK_TRIANGLE: 3}
    require(types[0] in kinds and np.all(types == types[0]), "cells must be all tetrahedra or all triangles")
    conn = numpy_support.vtk_to_numpy(grid.GetCells().GetConnectivityArray())
    return conn.reshape(n, kinds[types[0]])


def cmd_grid(args):
    grid, pieces = read_grid(args.file)
    points = numpy_support.vtk_to_numpy(grid.GetPoints().GetData()) if grid.GetPoints() else np.zeros((0, 3))
    nodes = cell_nodes(grid)
    print("pieces %d cells %d points %d" % (pieces, grid.GetNumberOfCells(), grid.GetNumberOfPoints()))
    if args.pieces is not None:
        require(pieces == args.pieces, "pieces: %d, expected %d" % (pieces, args.pieces))
    if args.cells is not None:
        require(grid.GetNumberOfCells() == args.cells, "cells: %d, expected %d" % (grid.GetNumberOfCells(), args.cells))
    if args.points is not None:
        require(grid.GetNumberOfPoints() == args.points,
                "points: %d, expected %d" % (grid.GetNumberOfPoints(), args.points))
    data = {"point": grid.GetPointData(), "cell": grid.GetCellData()}
    count = {"point": grid.GetNumberOfPoints(), "cell": grid.GetNumberOfCells()}
    for spec in args.array:
        kind, name, ncomp = spec.split(":")
        array = data[kind].GetArray(name)
        require(array is not None, "%s array %s missing" % (kind, name))
        require(array.GetNumberOfComponents() == int(ncomp),
                "%s array %s: %d components, expected %s" % (kind, name, array.GetNumberOfComponents(), ncomp))
        require(array.GetNumberOfTuples() == count[kind],
                "%s array %s: %d tuples, expected %d" % (kind, name, array.GetNumberOfTuples(), count[kind]))
    point = {data["point"].GetArrayName(i): to_numpy(data["point"].GetArray(i))
             for i in range(data["point"].GetNumberOfArrays())}
    cell = {data["cell"].GetArrayName(i): to_numpy(data["cell"].GetArray(i))
            for i in range(data["cell"].GetNumberOfArrays())}
    if args.equals_coordinates:
        require(args.equals_coordinates in point, "point array %s missing" % args.equals_coordinates)
        diff = np.abs(point[args.equals_coordinates] - points).max() if len(points) else 0.0
        print("max |%s - coordinates| %.3g" % (args.equals_coordinates, diff))
        require(diff <= args.tol, "point array %s differs from the coordinates by %g > %g"
                % (args.equals_coordinates, diff, args.tol))
    corners = points[nodes] if len(nodes) else np.zeros((0, nodes.shape[1], 3))
    centroid = corners.mean(axis=1)
    edges = corners[:, 1:, :] - corners[:, :1, :]
    volume = np.linalg.det(edges) / 6.0 if nodes.shape[1] == 4 and len(nodes) else np.zeros(0)
    area = np.linalg.norm(np.cross(edges[:, 0], edges[:, 1]), axis=1) / 2.0 if nodes.shape[1] == 3 else np.zeros(0)
    if len(volume):
        print("tet volume min %.6g sum %.6g" % (volume.min(), volume.sum()))
    if len(area):
        print("triangle area min %.6g sum %.6g" % (area.min(), area.sum()))
    names = {"np": np, "points": points, "point": point, "cell": cell, "centroid": centroid, "volume": volume,
             "area": area}
    for expr in args.check:
        result = eval(expr, {"__builtins__": {"len": len, "abs": abs, "min": min, "max": max}}, names)  # test expressions written by our own tests
        require(bool(np.all(result)), "check failed: %s" % expr)


def cmd_pvd(args):
    # VTK 9.1 has no .pvd reader (ParaView's vtkPVDReader is not in VTK): parse the XML as
    # vtkPVDReader does, then read every state it names with the XML readers.
    root = ElementTree.parse(args.file).getroot()
    require(root.tag == "VTKFile" and root.get("type") == "Collection", "%s is not a VTK collection" % args.file)
    datasets = list(root.iter("DataSet"))
    times = [float(d.get("timestep")) for d in datasets]
    print("times %s" % " ".join("%.17g" % t for t in times))
    require(len(times) == len(args.times), "%d time values, expected %d" % (len(times), len(args.times)))
    for got, want in zip(times, args.times):
        require(abs(got - want) <= args.tol, "time value %.17g, expected %.17g" % (got, want))
    folder = os.path.dirname(os.path.abspath(args.file))
    for dataset in datasets:
        path = os.path.join(folder, dataset.get("file"))
        require(os.path.isfile(path), "the collection names %s, which does not exist" % path)
        grid, _ = read_grid(path)
        require(grid.GetNumberOfCells() > 0, "%s has no cells" % path)


def cmd_stl(args):
    reader = vtk.vtkSTLReader()
    reader.SetFileName(args.file)
    reader.Update()
    surface = reader.GetOutput()
    with open(args.file, "rb") as f:
        head = f.read(84)
    binary = len(head) == 84 and not head.startswith(b"solid") and \
        os.path.getsize(args.file) == 84 + 50 * int.from_bytes(head[80:84], "little")
    print("triangles %d points %d binary %d" % (surface.GetNumberOfPolys(), surface.GetNumberOfPoints(), binary))
    require(binary, "%s is not a binary STL of the size its header announces" % args.file)
    if args.triangles is not None:
        require(surface.GetNumberOfPolys() == args.triangles,
                "triangles: %d, expected %d" % (surface.GetNumberOfPolys(), args.triangles))
    if args.closed:
        edges = vtk.vtkFeatureEdges()
        edges.SetInputData(surface)
        edges.BoundaryEdgesOn()
        edges.NonManifoldEdgesOn()
        edges.FeatureEdgesOff()
        edges.ManifoldEdgesOff()
        edges.Update()
        open_edges = edges.GetOutput().GetNumberOfLines()
        print("boundary or non-manifold edges %d" % open_edges)
        require(open_edges == 0, "surface is not closed: %d boundary or non-manifold edges" % open_edges)
    if args.admesh:
        cmd_admesh(args.file)


def cmd_admesh(path):
    admesh = shutil.which("admesh")
    if not admesh:
        print("admesh not installed: skipped")
        return
    out = subprocess.run([admesh, path], capture_output=True, text=True, check=False).stdout
    fields = {}
    for line in out.splitlines():
        if ":" in line:
            key, _, value = line.partition(":")
            fields[" ".join(key.split())] = value.strip()
    edges_fixed = int(fields.get("Edges fixed", "-1").split()[0])
    backwards = int(fields.get("Backwards edges", "-1").split()[0])
    normals = int(fields.get("Normals fixed", "-1").split()[0])
    reversed_facets = int(fields.get("Facets reversed", "-1").split()[0])
    volume = re.search(r"Volume\s*:\s*(-?[0-9.eE+-]+)", out)
    volume = float(volume.group(1)) if volume else float("nan")
    print("admesh edges fixed %d backwards edges %d normals fixed %d facets reversed %d volume %g"
          % (edges_fixed, backwards, normals, reversed_facets, volume))
    require(edges_fixed == 0 and backwards == 0 and normals == 0 and reversed_facets == 0,
            "admesh repaired the STL:\n" + out)
    require(volume > 0, "admesh found volume %g: facets face inwards" % volume)


def lookup(document, dotted):
    node = document
    for part in dotted.split("."):
        require(isinstance(node, dict) and part in node, "key %s missing" % dotted)
        node = node[part]
    return node


def same(got, want):
    if isinstance(want, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        return got == want or (math.isnan(got) and math.isnan(want))
    return type(got) is type(want) and got == want


def cmd_json(args):
    with open(args.file, encoding="utf-8") as f:
        document = json.load(f)  # strict: control characters inside strings are rejected
    print("top-level keys %s" % ",".join(document))
    for spec in args.expect:
        key, _, text = spec.partition("=")
        want = json.loads(text)
        got = lookup(document, key)
        require(same(got, want), "%s: %r, expected %r" % (key, got, want))
    if args.order:
        keys = args.order.split(",")
        parents = {k.rpartition(".")[0] for k in keys}
        require(len(parents) == 1, "--order keys must share one parent")
        parent = parents.pop()
        container = lookup(document, parent) if parent else document
        present = [k.rpartition(".")[2] for k in keys]
        listed = [k for k in container if k in present]
        require(listed == present, "order %s, expected %s" % (listed, present))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("grid", help="check a .vtu or .pvtu")
    p.add_argument("file")
    p.add_argument("--pieces", type=int)
    p.add_argument("--cells", type=int)
    p.add_argument("--points", type=int)
    p.add_argument("--array", action="append", default=[], help="point:NAME:NCOMP or cell:NAME:NCOMP")
    p.add_argument("--equals-coordinates", metavar="NAME")
    p.add_argument("--tol", type=float, default=0.0)
    p.add_argument("--check", action="append", default=[], metavar="EXPR")
    p.set_defaults(run=cmd_grid)
    p = sub.add_parser("pvd", help="check a .pvd collection and the states it names")
    p.add_argument("file")
    p.add_argument("--times", type=float, nargs="+", required=True)
    p.add_argument("--tol", type=float, default=0.0)
    p.set_defaults(run=cmd_pvd)
    p = sub.add_parser("stl", help="check a binary STL")
    p.add_argument("file")
    p.add_argument("--triangles", type=int)
    p.add_argument("--closed", action="store_true")
    p.add_argument("--admesh", action="store_true", help="also run admesh when installed")
    p.set_defaults(run=cmd_stl)
    p = sub.add_parser("json", help="check a report.json")
    p.add_argument("file")
    p.add_argument("--expect", action="append", default=[], metavar="KEY=JSON")
    p.add_argument("--order", metavar="KEY,KEY,...")
    p.set_defaults(run=cmd_json)
    args = parser.parse_args()
    try:
        args.run(args)
    except CheckFailed as failure:
        print("FAILED: %s" % failure)
        return 1
    except (OSError, ValueError) as error:
        print("FAILED: %s" % error)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
