"""The C library through cffi's ABI mode (Debian's python3-cffi): declarations copied from the
installed headers for the calls the package makes, the library opened with RTLD_GLOBAL (Open
MPI's plugins, which MPI_Init loads, look up libmpi's symbols globally), PETSc initialised only
if the host has not done so, and every error turned into TwinfeError with the library's message.

SPDX-License-Identifier: GPL-2.0-or-later
"""
import atexit
import ctypes.util
import os

import cffi

ffi = cffi.FFI()
# PETSc 3.18 as Debian builds it: 32-bit PetscInt, double PetscReal; Open MPI's MPI_Comm is a
# pointer to an opaque struct.
ffi.cdef("""
typedef int PetscErrorCode;
typedef int PetscInt;
typedef double PetscReal;
typedef enum { PETSC_FALSE, PETSC_TRUE } PetscBool;
typedef int PetscErrorType;
typedef struct ompi_communicator_t *MPI_Comm;
typedef struct _n_PetscOptions *PetscOptions;
extern MPI_Comm PETSC_COMM_WORLD;

PetscErrorCode PetscInitializeNoArguments(void);
PetscErrorCode PetscInitialized(PetscBool *);
PetscErrorCode PetscFinalize(void);
PetscErrorCode PetscErrorMessage(int, const char *[], char **);
PetscErrorCode PetscReturnErrorHandler(MPI_Comm, int, const char *, const char *, PetscErrorCode, PetscErrorType, const char *,
                                       void *);
PetscErrorCode PetscPushErrorHandler(PetscErrorCode (*)(MPI_Comm, int, const char *, const char *, PetscErrorCode,
                                                        PetscErrorType, const char *, void *), void *);
PetscErrorCode PetscPopErrorHandler(void);
PetscErrorCode PetscOptionsCreate(PetscOptions *);
PetscErrorCode PetscOptionsDestroy(PetscOptions *);
PetscErrorCode PetscOptionsPush(PetscOptions);
PetscErrorCode PetscOptionsPop(void);
PetscErrorCode PetscOptionsSetValue(PetscOptions, const char[], const char[]);

const char *TwinfeVersion(void);
PetscErrorCode TwinfeInitializePackage(void);

typedef struct _p_TwinfeImage *TwinfeImage;
PetscErrorCode TwinfeImageCreate(const PetscInt dims[3], const PetscReal spacing[3], const PetscReal origin[3],
                                 const PetscReal direction[9], TwinfeImage *image);
PetscErrorCode TwinfeImageDestroy(TwinfeImage *image);
PetscErrorCode TwinfeImageRead(const char path[], TwinfeImage *image);
PetscErrorCode TwinfeImageWrite(TwinfeImage image, const char path[]);
PetscErrorCode TwinfeImageGetDimensions(TwinfeImage image, PetscInt dims[3]);
PetscErrorCode TwinfeImageGetGeometry(TwinfeImage image, PetscReal spacing[3], PetscReal origin[3], PetscReal direction[9]);
PetscErrorCode TwinfeImageGetLabels(TwinfeImage image, int32_t **labels);

typedef struct _p_TwinfeMesh *TwinfeMesh;
PetscErrorCode TwinfeMeshCreate(PetscInt nvertices, const PetscReal xyz[], PetscInt ntets, const PetscInt tets[],
                                const int32_t regions[], PetscInt nfacets, const PetscInt facets[], const int32_t facet_tags[],
                                TwinfeMesh *mesh);
PetscErrorCode TwinfeMeshDestroy(TwinfeMesh *mesh);
PetscErrorCode TwinfeMeshReadGmsh(const char path[], TwinfeMesh *mesh);
PetscErrorCode TwinfeMeshWriteGmsh(TwinfeMesh mesh, const char path[]);
PetscErrorCode TwinfeMeshGetVertices(TwinfeMesh mesh, PetscInt *nvertices, const PetscReal **xyz);
PetscErrorCode TwinfeMeshGetTetrahedra(TwinfeMesh mesh, PetscInt *ntets, const PetscInt **tets, const int32_t **regions);
PetscErrorCode TwinfeMeshSetGmshHosted(PetscBool hosted);
PetscErrorCode TwinfeMeshGetRegions(TwinfeMesh mesh, PetscInt *nregions, const int32_t **labels);
PetscErrorCode TwinfeMeshGetRegionName(TwinfeMesh mesh, int32_t label, const char **name);
PetscErrorCode TwinfeMeshSetRegionName(TwinfeMesh mesh, int32_t label, const char name[]);
PetscErrorCode TwinfeMeshGetFacets(TwinfeMesh mesh, PetscInt *nfacets, const PetscInt **facets, const int32_t **tags);

typedef struct _p_TwinfeCase *TwinfeCase;
PetscErrorCode TwinfeCaseCreate(MPI_Comm comm, const char output_dir[], TwinfeCase *tcase);
PetscErrorCode TwinfeCaseLoadFile(TwinfeCase tcase, const char case_file[], int argc, char **argv);
PetscErrorCode TwinfeCaseSetFromOptions(TwinfeCase tcase);
PetscErrorCode TwinfeCaseCheckOptionsUsed(TwinfeCase tcase);
PetscErrorCode TwinfeCaseMeshImage(TwinfeCase tcase, const char image_path[]);
PetscErrorCode TwinfeCaseReadMesh(TwinfeCase tcase, const char msh_path[]);
PetscErrorCode TwinfeCaseSolve(TwinfeCase tcase);
PetscErrorCode TwinfeCaseFinish(TwinfeCase tcase);
PetscErrorCode TwinfeCaseDestroy(TwinfeCase *tcase);
PetscErrorCode TwinfeCasePrint(TwinfeCase tcase, const char input[]);
PetscErrorCode TwinfeRehearse(MPI_Comm comm, const char scenario[], const char output_dir[], int argc, char **argv);

typedef struct _p_TwinfeFields *TwinfeFields;
typedef enum { TWINFE_FIELD_POINT, TWINFE_FIELD_CELL } TwinfeFieldLocation;
PetscErrorCode TwinfeFieldsRead(const char path[], PetscInt state, TwinfeFields *fields);
PetscErrorCode TwinfeFieldsDestroy(TwinfeFields *fields);
PetscErrorCode TwinfeFieldsGetTime(TwinfeFields fields, PetscReal *time, PetscInt *nstates);
PetscErrorCode TwinfeFieldsGetPoints(TwinfeFields fields, PetscInt *npoints, const PetscReal **xyz);
PetscErrorCode TwinfeFieldsGetCells(TwinfeFields fields, PetscInt *ncells, PetscInt *nodes_per_cell, const PetscInt **connectivity);
PetscErrorCode TwinfeFieldsGetCount(TwinfeFields fields, PetscInt *nfields);
PetscErrorCode TwinfeFieldsGetArray(TwinfeFields fields, const char name[], TwinfeFieldLocation *where, PetscInt *ntuples,
                                    PetscInt *ncomponents, const PetscReal **values);
PetscErrorCode TwinfeFieldsGetField(TwinfeFields fields, PetscInt i, const char **name, TwinfeFieldLocation *where,
                                    PetscInt *ntuples, PetscInt *ncomponents, const PetscReal **values);
""")


class TwinfeError(RuntimeError):
    """A failure of the library: its message names the file or option, what is wrong and what
    would be right."""


def _library_path():
    """TWINFE_LIBRARY, else the library beside an installed package (_paths.py, written at
    install), else the system's search path."""
    given = os.environ.get("TWINFE_LIBRARY")
    if given:
        return given
    try:
        from . import _paths  # written by the build (build tree) or the install
        return _paths.LIBRARY
    except ImportError:
        found = ctypes.util.find_library("twinfe")
        if not found:
            raise ImportError("twinfe: libtwinfe.so not found: set TWINFE_LIBRARY to its path") from None
        return found


def _prepare_singleton_mpi():
    """Started without a launcher, Open MPI need not probe networks for one process (what the
    twinfe app does too); what the user set wins."""
    if any(k in os.environ for k in ("OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "SLURM_PROCID")):
        return
    for key, value in (("OMPI_MCA_ess_singleton_isolated", "1"), ("OMPI_MCA_pml", "ob1"), ("OMPI_MCA_btl", "self")):
        os.environ.setdefault(key, value)


lib = ffi.dlopen(_library_path(), ffi.RTLD_NOW | ffi.RTLD_GLOBAL)
_state = {"initialized_here": False}


def message(code):
    """The library's message for a failed call: the error's own text where it set one."""
    text, specific = ffi.new("const char *[1]"), ffi.new("char *[1]")
    lib.PetscErrorMessage(code, text, specific)
    if specific[0] != ffi.NULL and ffi.string(specific[0]):
        return ffi.string(specific[0]).decode()
    return ffi.string(text[0]).decode() if text[0] != ffi.NULL else f"error {code}"


def check(code):
    if code:
        raise TwinfeError(message(code))


def initialize():
    """PETSc (and MPI) started once, unless the host program started them; errors are returned,
    not printed with a traceback, so that they become exceptions."""
    done = ffi.new("PetscBool *")
    check(lib.PetscInitialized(done))
    if not done[0]:
        _prepare_singleton_mpi()
        check(lib.PetscInitializeNoArguments())
        _state["initialized_here"] = True
    check(lib.PetscPushErrorHandler(lib.PetscReturnErrorHandler, ffi.NULL))
    atexit.register(_finalize)
    check(lib.TwinfeInitializePackage())


def _finalize():
    """The error handler pushed goes (while PETSc runs: a host may have finalised it already),
    and PETSc ends here only if it started here."""
    running = ffi.new("PetscBool *")
    lib.PetscInitialized(running)
    if running[0]:
        lib.PetscPopErrorHandler()
        if _state["initialized_here"]:
            lib.PetscFinalize()
    _state["initialized_here"] = False
