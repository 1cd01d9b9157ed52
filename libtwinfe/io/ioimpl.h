/* libtwinfe io stage, private: the C interface of the VTK adapter and small file helpers.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The C side reads PETSc objects and fills a TwinfeVTKGrid of plain arrays; the adapter
 * (vtk_adapter.cxx) is the only place that sees VTK types. VTK failures are not raised as
 * PETSc errors inside the adapter but returned as a message, so that collective callers can
 * agree on the outcome across ranks (MPI_Allreduce) before raising the error on all of them. */
#pragma once
#include <petscsys.h>

#if !defined(PETSC_USE_REAL_DOUBLE) || defined(PETSC_USE_COMPLEX)
#error "libtwinfe io passes PetscReal/PetscScalar arrays to VTK as double: build PETSc with real double"
#endif

#define TWINFE_VTK_TETRA 10           /* VTK_TETRA */
#define TWINFE_VTK_TRIANGLE 5         /* VTK_TRIANGLE */
#define TWINFE_VTK_QUADRATIC_TETRA 24 /* VTK_QUADRATIC_TETRA: 4 vertices, then the edges 01 12 02 03 13 23 */

typedef enum { TWINFE_VTK_FLOAT64, TWINFE_VTK_INT32 } TwinfeVTKType;

/* One named data array: ntuples * ncomponents values, tuple-major. */
typedef struct {
  const char   *name;
  TwinfeVTKType type;
  PetscInt      ncomponents;
  const void   *values; /* double[] or int32_t[] */
} TwinfeVTKArray;

/* Compressor of the binary arrays; zero (the value left by designated initializers) is zlib. */
typedef enum { TWINFE_VTK_ZLIB = 0, TWINFE_VTK_LZ4, TWINFE_VTK_UNCOMPRESSED } TwinfeVTKCompression;

/* An unstructured grid of one cell type. */
typedef struct {
  PetscInt              npoints;
  const double         *xyz; /* 3 per point */
  PetscInt              ncells;
  int                   cell_type;      /* TWINFE_VTK_TETRA, TWINFE_VTK_QUADRATIC_TETRA or TWINFE_VTK_TRIANGLE */
  PetscInt              nodes_per_cell; /* 4, 10 or 3 */
  const PetscInt       *connectivity;   /* nodes_per_cell per cell, indices into the points */
  PetscInt              npoint_arrays;
  const TwinfeVTKArray *point_arrays;
  PetscInt              ncell_arrays;
  const TwinfeVTKArray *cell_arrays;
  TwinfeVTKCompression  compression;
} TwinfeVTKGrid;

/* Length of the message buffer the adapter fills on failure. */
#define TWINFE_VTK_MESSAGE_LEN 1024

/* Write grid to path with vtkXMLUnstructuredGridWriter (binary, appended, compressed as
   grid->compression). The arrays are lent to VTK without copies and must not change until
   the call returns. On a VTK failure *ok is PETSC_FALSE and message says why; a PETSc error
   is returned only for invalid arguments. Not collective. */
PETSC_INTERN PetscErrorCode TwinfeVTKWriteUnstructuredGrid(const TwinfeVTKGrid *grid, const char path[], PetscBool *ok,
                                                           char message[TWINFE_VTK_MESSAGE_LEN]);
/* Write a grid of triangles as a VTK polydata file (.vtp) with vtkXMLPolyDataWriter, its arrays
   as point and cell data. Same failure convention. Not collective. */
PETSC_INTERN PetscErrorCode TwinfeVTKWritePolyData(const TwinfeVTKGrid *grid, const char path[], PetscBool *ok,
                                                   char message[TWINFE_VTK_MESSAGE_LEN]);
/* Write a triangle list (3 doubles per vertex) as binary STL with vtkSTLWriter. Same
   failure convention. Not collective. */
PETSC_INTERN PetscErrorCode TwinfeVTKWriteSTL(PetscInt nvertices, const double xyz[], PetscInt ntriangles, const PetscInt tri[],
                                              const char path[], PetscBool *ok, char message[TWINFE_VTK_MESSAGE_LEN]);

/* Temporary name beside a target: path + ".tmp". Predictable on purpose: each target is
   written by one rank, and the tests can block it to exercise the failure path. */
PETSC_INTERN PetscErrorCode TwinfeIOTemporaryPath(const char path[], char tmp[], size_t len);
/* Rename tmp over path (atomic on POSIX within one file system). Not collective. */
PETSC_INTERN PetscErrorCode TwinfeIOCommit(const char tmp[], const char path[]);
/* Refuse a target whose folder does not exist, naming both. Not collective. */
PETSC_INTERN PetscErrorCode TwinfeIOCheckFolder(const char path[]);
/* Append text with XML special characters escaped, for attribute values. */
PETSC_INTERN PetscErrorCode TwinfeIOWriteXMLEscaped(FILE *fp, const char text[]);
/* Write a small text file produced by a callback, through a temporary name. */
PETSC_INTERN PetscErrorCode TwinfeIOWriteTextFile(const char path[], PetscErrorCode (*emit)(FILE *, void *), void *ctx);
/* Serial: write grid to path through a temporary name, VTK failures as PETSc errors. */
PETSC_INTERN PetscErrorCode TwinfeIOWriteGrid(const TwinfeVTKGrid *grid, const char path[]);
/* Make a tetrahedron positively oriented (det[v1-v0, v2-v0, v3-v0] >= 0, VTK's and our
   convention) by swapping its last two vertices when needed. */
PETSC_INTERN void TwinfeIOOrientTet(const double xyz[], PetscInt tet[4]);
/* Create a folder; an existing folder is fine. Not collective. */
PETSC_INTERN PetscErrorCode TwinfeIOMakeFolder(const char path[]);
PETSC_INTERN PetscErrorCode TwinfeIOFolderExists(const char path[], PetscBool *exists);
