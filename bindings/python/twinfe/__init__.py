"""libtwinfe from Python: label maps, meshes and cases (docs/python.md).

A thin layer over the C library (include/twinfe/): no numerics of its own. Arrays come back as
numpy views of the library's memory (no copy) that keep their owner alive; arrays given are
copied once, by the library. Every failure raises TwinfeError with the library's message.

    import numpy as np, twinfe
    labels = np.zeros((40, 40, 40), np.int32); labels[10:30, 10:30, 10:30] = 1
    twinfe.Image.from_array(labels, spacing=(1, 1, 1)).write("cube.nii.gz")
    with twinfe.Case("out", image="cube.nii.gz", labels=1, names="organ", mesh_size=4) as case:
        case.run()
    print(case.report["solve"]["max_displacement_mm"])

SPDX-License-Identifier: GPL-2.0-or-later
"""
import json
import os
import tempfile

import numpy as np

from ._native import TwinfeError, check, ffi, initialize, lib, message

__all__ = ["Case", "Image", "Mesh", "Results", "TwinfeError", "rehearse", "set_gmsh_hosted", "version"]

initialize()


def version():
    return ffi.string(lib.TwinfeVersion()).decode()


def set_gmsh_hosted(hosted=True):
    """Call when this program runs its own Gmsh session (`import gmsh; gmsh.initialize()`):
    twinfe then meshes in a model of its own inside it, gives back the current model and the
    options it sets, and never finalises Gmsh (TwinfeMeshSetGmshHosted)."""
    check(lib.TwinfeMeshSetGmshHosted(bool(hosted)))


class _Closing:
    """close() at the end of a with block, or when collected."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 (no exception may leave a finaliser)
            pass


class _Handle(_Closing):
    """An object of the library, destroyed once: by close(), the context manager, or collection.
    A subclass names its C type, its destroyer and its file reader."""

    _ctype, _destroy, _read = None, None, None

    def __init__(self):
        self._ptr = ffi.new(self._ctype + " *")

    @classmethod
    def read(cls, path):
        made = cls()
        check(cls._read(os.fsencode(path), made._ptr))
        return made

    def close(self):
        if self._ptr is not None and self._ptr[0] != ffi.NULL:
            check(type(self)._destroy(self._ptr))
        self._ptr = None


    @property
    def handle(self):
        if self._ptr is None:
            raise TwinfeError(f"{type(self).__name__} is closed")
        return self._ptr[0]


class Image(_Handle):
    """A label map: labels[i, j, k] (i fastest in memory, as the library keeps it), voxel spacing
    (mm), origin and direction in LPS (the scanner's frame, as the library uses it)."""

    _ctype, _destroy, _read = "TwinfeImage", lib.TwinfeImageDestroy, lib.TwinfeImageRead

    @classmethod
    def from_array(cls, labels, spacing=(1.0, 1.0, 1.0), origin=(0.0, 0.0, 0.0), direction=None):
        labels = np.asarray(labels)
        if labels.ndim != 3 or not np.issubdtype(labels.dtype, np.integer) or (labels.size and labels.min() < 0):
            raise TwinfeError("Image.from_array: labels must be a 3-D array of non-negative integers")
        image = cls()
        dims = ffi.new("PetscInt[3]", list(labels.shape))
        rotation = ffi.NULL if direction is None else ffi.new("PetscReal[9]", list(np.asarray(direction, float).ravel()))
        check(lib.TwinfeImageCreate(dims, ffi.new("PetscReal[3]", list(spacing)), ffi.new("PetscReal[3]", list(origin)), rotation,
                                    image._ptr))
        values = ffi.new("int32_t **")
        check(lib.TwinfeImageGetLabels(image.handle, values))
        target = np.frombuffer(ffi.buffer(values[0], labels.size * 4), dtype=np.int32)
        target[:] = labels.astype(np.int32).ravel(order="F")  # i fastest
        return image

    @property
    def labels(self):
        """The labels as a (ni, nj, nk) view (no copy), i fastest."""
        dims, values = ffi.new("PetscInt[3]"), ffi.new("int32_t **")
        check(lib.TwinfeImageGetDimensions(self.handle, dims))
        check(lib.TwinfeImageGetLabels(self.handle, values))
        n = dims[0] * dims[1] * dims[2]
        flat = np.frombuffer(ffi.buffer(values[0], n * 4), dtype=np.int32)
        return _Keep(flat.reshape((dims[2], dims[1], dims[0])).transpose(), self)

    def geometry(self):
        spacing, origin, direction = ffi.new("PetscReal[3]"), ffi.new("PetscReal[3]"), ffi.new("PetscReal[9]")
        check(lib.TwinfeImageGetGeometry(self.handle, spacing, origin, direction))
        return np.array(list(spacing)), np.array(list(origin)), np.array(list(direction)).reshape(3, 3)

    @property
    def affine(self):
        """The 4 x 4 matrix taking a voxel index (i, j, k, 1) to its centre in mm, LPS (the
        scanner's frame as the library uses it; NIfTI's qform/sform is the same in RAS)."""
        spacing, origin, direction = self.geometry()
        affine = np.eye(4)
        affine[:3, :3] = direction * spacing  # column d: the direction of index d, one voxel long
        affine[:3, 3] = origin
        return affine

    def write(self, path):
        check(lib.TwinfeImageWrite(self.handle, os.fsencode(path)))
        return self


class _Keep(np.ndarray):
    """A numpy view that holds the library object its memory belongs to."""

    def __new__(cls, array, owner):
        view = np.asarray(array).view(cls)
        view._owner = owner
        return view

    def __array_finalize__(self, obj):
        self._owner = getattr(obj, "_owner", None)


class Mesh(_Handle):
    """A tetrahedral mesh in mm (LPS): vertices (n, 3), tets (m, 4) with their regions, boundary
    and interface facets (k, 3) with their tags (docs/outputs.md)."""

    _ctype, _destroy, _read = "TwinfeMesh", lib.TwinfeMeshDestroy, lib.TwinfeMeshReadGmsh

    @classmethod
    def from_arrays(cls, vertices, tets, regions, facets=None, facet_tags=None, names=None):
        """meshio-style arrays (copied by the library, which checks them); names: {label: name}
        for the regions (else region_<label>), which name their options (organ_E=...)."""
        xyz = np.ascontiguousarray(vertices, dtype=np.float64)
        tet = np.ascontiguousarray(tets, dtype=np.int32)
        reg = np.ascontiguousarray(regions, dtype=np.int32)
        fac = np.ascontiguousarray(np.zeros((0, 3)) if facets is None else facets, dtype=np.int32)
        tag = np.ascontiguousarray(np.zeros(0) if facet_tags is None else facet_tags, dtype=np.int32)
        mesh = cls()
        check(lib.TwinfeMeshCreate(len(xyz), ffi.from_buffer("PetscReal[]", xyz), len(tet), ffi.from_buffer("PetscInt[]", tet),
                                   ffi.from_buffer("int32_t[]", reg), len(fac), ffi.from_buffer("PetscInt[]", fac),
                                   ffi.from_buffer("int32_t[]", tag), mesh._ptr))
        for label, name in (names or {}).items():
            check(lib.TwinfeMeshSetRegionName(mesh.handle, int(label), name.encode()))
        return mesh

    @property
    def region_names(self):
        """{label: name} of the mesh's regions."""
        n, labels, name = ffi.new("PetscInt *"), ffi.new("const int32_t **"), ffi.new("const char **")
        check(lib.TwinfeMeshGetRegions(self.handle, n, labels))
        names = {}
        for r in range(n[0]):
            check(lib.TwinfeMeshGetRegionName(self.handle, labels[0][r], name))
            names[labels[0][r]] = ffi.string(name[0]).decode()
        return names

    def write(self, path):
        check(lib.TwinfeMeshWriteGmsh(self.handle, os.fsencode(path)))
        return self

    @property
    def vertices(self):
        n, xyz = ffi.new("PetscInt *"), ffi.new("const PetscReal **")
        check(lib.TwinfeMeshGetVertices(self.handle, n, xyz))
        return _Keep(np.frombuffer(ffi.buffer(xyz[0], n[0] * 24), dtype=np.float64).reshape(n[0], 3), self)

    @property
    def tets(self):
        return self._cells()[0]

    @property
    def regions(self):
        return self._cells()[1]

    def _cells(self):
        n, tets, regions = ffi.new("PetscInt *"), ffi.new("const PetscInt **"), ffi.new("const int32_t **")
        check(lib.TwinfeMeshGetTetrahedra(self.handle, n, tets, regions))
        return (_Keep(np.frombuffer(ffi.buffer(tets[0], n[0] * 16), dtype=np.int32).reshape(n[0], 4), self),
                _Keep(np.frombuffer(ffi.buffer(regions[0], n[0] * 4), dtype=np.int32), self))

    @property
    def facets(self):
        n, facets, tags = ffi.new("PetscInt *"), ffi.new("const PetscInt **"), ffi.new("const int32_t **")
        check(lib.TwinfeMeshGetFacets(self.handle, n, facets, tags))
        return (_Keep(np.frombuffer(ffi.buffer(facets[0], n[0] * 12), dtype=np.int32).reshape(n[0], 3), self),
                _Keep(np.frombuffer(ffi.buffer(tags[0], n[0] * 4), dtype=np.int32), self))


class Results(_Handle):
    """One state of a run's results (include/twinfe/results.h): `points` (n, 3) mm, `cells`
    (m, 4) or (m, 10) point indices, and the fields by name -- `results["displacement"]` (n, 3),
    `results["von_mises"]` (m,) -- as numpy views of the library's arrays (no copy).

        with twinfe.Results("out/results.pvd") as r:      # the last state; state=0 the first
            print(r.time, r.names(), abs(r["displacement"]).max())
    """

    _ctype, _destroy = "TwinfeFields", lib.TwinfeFieldsDestroy

    @classmethod
    def read(cls, path, state=-1):
        made = cls()
        check(lib.TwinfeFieldsRead(os.fsencode(path), state, made._ptr))
        return made

    def __init__(self, path=None, state=-1):
        super().__init__()
        if path is not None:
            check(lib.TwinfeFieldsRead(os.fsencode(path), state, self._ptr))

    @property
    def time(self):
        t, n = ffi.new("PetscReal *"), ffi.new("PetscInt *")
        check(lib.TwinfeFieldsGetTime(self.handle, t, n))
        return t[0]

    @property
    def nstates(self):
        t, n = ffi.new("PetscReal *"), ffi.new("PetscInt *")
        check(lib.TwinfeFieldsGetTime(self.handle, t, n))
        return n[0]

    @property
    def points(self):
        n, xyz = ffi.new("PetscInt *"), ffi.new("const PetscReal **")
        check(lib.TwinfeFieldsGetPoints(self.handle, n, xyz))
        return _Keep(np.frombuffer(ffi.buffer(xyz[0], n[0] * 24), dtype=np.float64).reshape(n[0], 3), self)

    @property
    def cells(self):
        n, per, cells = ffi.new("PetscInt *"), ffi.new("PetscInt *"), ffi.new("const PetscInt **")
        check(lib.TwinfeFieldsGetCells(self.handle, n, per, cells))
        flat = np.frombuffer(ffi.buffer(cells[0], n[0] * per[0] * 4), dtype=np.int32)
        return _Keep(flat.reshape(n[0], per[0]), self)

    def _field(self, i):
        name, where = ffi.new("const char **"), ffi.new("TwinfeFieldLocation *")
        n, ncomp, values = ffi.new("PetscInt *"), ffi.new("PetscInt *"), ffi.new("const PetscReal **")
        check(lib.TwinfeFieldsGetField(self.handle, i, name, where, n, ncomp, values))
        array = np.frombuffer(ffi.buffer(values[0], n[0] * ncomp[0] * 8), dtype=np.float64)
        array = array.reshape(n[0], ncomp[0]) if ncomp[0] > 1 else array
        return ffi.string(name[0]).decode(), "point" if where[0] == lib.TWINFE_FIELD_POINT else "cell", _Keep(array, self)

    def _fields(self):
        count = ffi.new("PetscInt *")
        check(lib.TwinfeFieldsGetCount(self.handle, count))
        return [self._field(i) for i in range(count[0])]

    def names(self):
        """The fields' names, point fields first."""
        return [name for name, _, _ in self._fields()]

    @property
    def point_data(self):
        return {name: a for name, where, a in self._fields() if where == "point"}

    @property
    def cell_data(self):
        return {name: a for name, where, a in self._fields() if where == "cell"}

    def __getitem__(self, name):
        """The field of that name (a point field first, as TwinfeFieldsGetArray finds it)."""
        where, n, ncomp, values = (ffi.new("TwinfeFieldLocation *"), ffi.new("PetscInt *"), ffi.new("PetscInt *"),
                                   ffi.new("const PetscReal **"))
        code = lib.TwinfeFieldsGetArray(self.handle, name.encode(), where, n, ncomp, values)
        if code:
            raise KeyError(message(code))
        array = np.frombuffer(ffi.buffer(values[0], n[0] * ncomp[0] * 8), dtype=np.float64)
        return _Keep(array.reshape(n[0], ncomp[0]) if ncomp[0] > 1 else array, self)


def _option_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, np.ndarray)):
        return ",".join(_option_value(v) for v in value)
    return str(value)


def _communicator(comm):
    """PETSC_COMM_WORLD, or an mpi4py communicator's handle (Open MPI: a pointer)."""
    if comm is None:
        return lib.PETSC_COMM_WORLD
    from mpi4py import MPI  # only when given one: mpi4py is optional
    return ffi.cast("MPI_Comm *", MPI._addressof(comm))[0]


class _Options(_Closing):
    """Keyword options in an options database of their own, and as a command line (argv) so that
    they win over a case file's, as the app's command line does."""

    def __init__(self, options):
        self._db = ffi.new("PetscOptions *")
        check(lib.PetscOptionsCreate(self._db))
        self._args = [b"python"]
        for key, value in options.items():
            self._args += [("-" + key).encode(), _option_value(value).encode()]
            check(lib.PetscOptionsSetValue(self._db[0], self._args[-2], self._args[-1]))

    def argv(self):
        strings = [ffi.new("char[]", a) for a in self._args]
        return len(strings), ffi.new("char *[]", strings + [ffi.NULL]), strings

    def __enter__(self):
        check(lib.PetscOptionsPush(self._db[0]))
        return self

    def __exit__(self, *exc):
        lib.PetscOptionsPop()

    def close(self):
        if self._db is not None:
            check(lib.PetscOptionsDestroy(self._db))
            self._db = None


class Case(_Closing):
    """A case: the options of a case file and/or keyword arguments (the options without their
    dash: mesh_size=2, organ_E=5000), in an options database of its own, so that two cases in
    one process never see each other's options. run() makes output_dir as `twinfe run` does:
    label map (or mesh: a .msh path or a Mesh) -> surface -> mesh -> solve -> results;
    print_parts() as `twinfe print`;
    a typo in an option name fails. comm: an mpi4py communicator (default PETSC_COMM_WORLD)."""

    def __init__(self, output_dir, case_file=None, mesh=None, comm=None, **options):
        self.output_dir, self.case_file, self.mesh, self.comm = os.fspath(output_dir), case_file, mesh, comm
        self._options = _Options(options)

    def _stages(self, work):
        tcase = ffi.new("TwinfeCase *")
        with self._options:
            try:
                check(lib.TwinfeCaseCreate(_communicator(self.comm), os.fsencode(self.output_dir), tcase))
                if self.case_file:
                    argc, argv, _keep = self._options.argv()
                    check(lib.TwinfeCaseLoadFile(tcase[0], os.fsencode(self.case_file), argc, argv))
                check(lib.TwinfeCaseSetFromOptions(tcase[0]))
                work(tcase[0])
                check(lib.TwinfeCaseCheckOptionsUsed(tcase[0]))
                check(lib.TwinfeCaseFinish(tcase[0]))
            finally:
                if tcase[0] != ffi.NULL:
                    lib.TwinfeCaseDestroy(tcase)
        return self

    def run(self):
        def solve(tcase):
            if isinstance(self.mesh, Mesh):  # the case reads meshes from files: through a private one
                with tempfile.TemporaryDirectory(prefix="twinfe-mesh-") as folder:
                    self.mesh.write(os.path.join(folder, "mesh.msh"))
                    check(lib.TwinfeCaseReadMesh(tcase, os.fsencode(os.path.join(folder, "mesh.msh"))))
            elif self.mesh:
                check(lib.TwinfeCaseReadMesh(tcase, os.fsencode(self.mesh)))
            else:
                check(lib.TwinfeCaseMeshImage(tcase, ffi.NULL))
            check(lib.TwinfeCaseSolve(tcase))
        return self._stages(solve)

    def print_parts(self, source):
        """As `twinfe print SOURCE`: print-ready parts (STL, 3MF) of the label map or .msh file
        source into output_dir (docs/print.md)."""
        return self._stages(lambda tcase: check(lib.TwinfeCasePrint(tcase, os.fsencode(source))))

    @property
    def report(self):
        with open(os.path.join(self.output_dir, "report.json")) as f:
            return json.load(f)

    def results(self, state=-1):
        """The run's results (results.pvd), the last state unless told: a Results to close."""
        return Results(os.path.join(self.output_dir, "results.pvd"), state)

    def close(self):
        self._options.close()


def rehearse(scenario, output_dir, comm=None, **options):
    """As `twinfe rehearse SCENARIO -o DIR`: the scenario's baseline and steps run and compared
    (docs/rehearse.md); keyword options override the baseline case file in every run. Returns
    report.json's `rehearse` section."""
    opts = _Options(options)
    try:
        with opts:
            argc, argv, _keep = opts.argv()
            check(lib.TwinfeRehearse(_communicator(comm), os.fsencode(scenario), os.fsencode(output_dir), argc, argv))
    finally:
        opts.close()
    with open(os.path.join(output_dir, "report.json")) as f:
        return json.load(f)["rehearse"]
