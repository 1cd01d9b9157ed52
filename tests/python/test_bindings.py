"""The Python package (bindings/python/twinfe, docs/python.md), run by pytest from ctest with
PETSc's leak report on (-malloc_dump: a leaked object fails the test).

  - a label map built in numpy (a ball) goes through Image.from_array, the library's labels
    read back equal to it, and a Case made from keyword options runs the whole pipeline; the
    mesh volume computed here in numpy from the Mesh's vertex and tet arrays equals the
    report's, and every vertex lies within the image;
  - the bundled case file run from Python gives the largest displacement `twinfe run` gives
    with the same options, to the last digit (Gmsh's Delaunay: HXT's tets depend on the
    process's earlier allocations);
  - two cases made before either runs keep their own options: with twice the moduli the
    second's gravity sag is half the first's (linear elasticity);
  - a typo in an option raises TwinfeError with the library's message (the closest option
    named) and leaves no output folder;
  - a mesh made from numpy arrays, written and read back, has the same arrays (order kept);
  - a closed object refuses to be used.
SPDX-License-Identifier: GPL-2.0-or-later"""
import json
import os
import subprocess

import numpy as np
import pytest

import twinfe

WORK = os.environ.get("TWINFE_TEST_WORK_DIR", "/tmp/twinfe_python")
SOURCE = os.environ.get("TWINFE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
APP = os.environ.get("TWINFE_APP")
MATERIAL = {"organ_E": 5000, "organ_nu": 0.45, "organ_density": 1.06e-3}
# Gmsh's HXT meshes the same surface to a few tets more or fewer depending on what the process
# allocated before (docs/rehearse.md); Gmsh's Delaunay does not, so runs compared to the last
# digit use it.
SAME_MESH = {"mesh_algorithm": "delaunay"}


def setup_module():
    os.makedirs(WORK, exist_ok=True)


def path(name):
    return os.path.join(WORK, name)


def ball(radius=12.0, h=1.0):
    n = int(2 * radius / h) + 6
    i, j, k = np.indices((n, n, n))
    centre = (n - 1) / 2
    return (h * np.sqrt((i - centre) ** 2 + (j - centre) ** 2 + (k - centre) ** 2) <= radius).astype(np.int32)


def tet_volumes(vertices, tets):
    a, b, c, d = (vertices[tets[:, q]] for q in range(4))
    return np.abs(np.einsum("ij,ij->i", b - a, np.cross(c - a, d - a))) / 6


def test_version():
    assert twinfe.version().count(".") == 2


def test_label_map_from_numpy_runs_the_pipeline():
    labels = ball()
    image = twinfe.Image.from_array(labels, spacing=(1.0, 1.0, 1.0))
    assert np.array_equal(np.asarray(image.labels), labels)
    image.write(path("ball.nii.gz"))
    image.close()
    with twinfe.Case(path("ball"), image=path("ball.nii.gz"), labels=1, names="organ", mesh_size=3, **MATERIAL) as case:
        case.run()
    report = case.report
    with twinfe.Mesh.read(path("ball/mesh.msh")) as mesh:
        vertices, tets = mesh.vertices, mesh.tets
        volume = tet_volumes(vertices, tets).sum()
        assert np.all(mesh.regions == 1)
        assert vertices.min() > -labels.shape[0] - 1 and vertices.max() < labels.shape[0] + 1
    assert report["solve"]["max_displacement_mm"] > 0
    organ = next(r for r in report["regions"] if r["name"] == "organ")
    assert abs(volume / organ["volume_mm3"] - 1) < 1e-9


def test_bundled_case_as_the_app_runs_it():
    case_file = os.path.join(SOURCE, "meshes", "organ_phantom.yaml")
    with twinfe.Case(path("organ_py"), case_file=case_file, mesh_size=6, **SAME_MESH) as case:
        case.run()
    python_sag = case.report["solve"]["max_displacement_mm"]
    if APP:
        subprocess.run([APP, "run", case_file, "-o", path("organ_app"), "-mesh_size", "6", "-mesh_algorithm", "delaunay"], check=True,
                       stdout=subprocess.DEVNULL)
        with open(path("organ_app/report.json")) as f:
            assert json.load(f)["solve"]["max_displacement_mm"] == python_sag


def test_two_cases_keep_their_own_options():
    twinfe.Image.from_array(ball(10.0), spacing=(1.0, 1.0, 1.0)).write(path("small_ball.nii.gz"))
    common = {"image": path("small_ball.nii.gz"), "labels": 1, "names": "organ", "mesh_size": 3, "organ_nu": 0.45,
              "organ_density": 1.06e-3, **SAME_MESH}
    soft = twinfe.Case(path("soft"), organ_E=5000, **common)
    stiff = twinfe.Case(path("stiff"), organ_E=10000, **common)
    with soft, stiff:
        stiff.run()
        soft.run()
    ratio = stiff.report["solve"]["max_displacement_mm"] / soft.report["solve"]["max_displacement_mm"]
    assert abs(ratio - 0.5) < 1e-6


def test_typo_raises_with_the_library_message():
    with twinfe.Case(path("typo"), image=path("ball.nii.gz"), labels=1, mesh_sise=3) as case:
        with pytest.raises(twinfe.TwinfeError, match="did you mean -mesh_size"):
            case.run()
    assert not os.path.exists(path("typo"))


def test_mesh_from_numpy_reads_back_the_same():
    n = 3
    grid = np.stack(np.meshgrid(*[np.arange(n + 1.0)] * 3, indexing="ij"), -1).reshape(-1, 3) * 2.0
    index = lambda i, j, k: (i * (n + 1) + j) * (n + 1) + k  # noqa: E731
    tets = []
    for i in range(n):
        for j in range(n):
            for k in range(n):
                c = [index(i + a, j + b, k + d) for a in (0, 1) for b in (0, 1) for d in (0, 1)]
                # six tets around the cube's diagonal c[0]-c[7] (Kuhn)
                for p in ((1, 3), (3, 2), (2, 6), (6, 4), (4, 5), (5, 1)):
                    tets.append([c[0], c[p[0]], c[p[1]], c[7]])
    tets = np.array(tets)
    # positive orientation
    vol = np.einsum("ij,ij->i", grid[tets[:, 1]] - grid[tets[:, 0]],
                    np.cross(grid[tets[:, 2]] - grid[tets[:, 0]], grid[tets[:, 3]] - grid[tets[:, 0]]))
    tets[vol < 0] = tets[vol < 0][:, [0, 2, 1, 3]]
    regions = np.ones(len(tets), np.int32)
    with twinfe.Mesh.from_arrays(grid, tets, regions) as mesh:
        mesh.write(path("cubes.msh"))
        assert np.array_equal(mesh.vertices, grid)
    with twinfe.Mesh.read(path("cubes.msh")) as back:
        assert np.array_equal(back.vertices, grid)
        assert np.array_equal(back.tets, tets)
        assert abs(tet_volumes(back.vertices, back.tets).sum() - (2.0 * n) ** 3) < 1e-9


def test_closed_object_refuses():
    image = twinfe.Image.from_array(np.ones((2, 2, 2), np.int32))
    image.close()
    with pytest.raises(twinfe.TwinfeError, match="closed"):
        image.write(path("closed.nii.gz"))
