/* libtwinfe io stage: binary STL for 3D printing.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "ioimpl.h"

#include <stdio.h>
#include <twinfe/io.h>

/* Slicers reject (or silently mangle) NaN vertices and dangling indices: refuse them here,
   where the caller can still be named. */
static PetscErrorCode CheckTriangles(PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles, const PetscInt tri[],
                                     const char path[])
{
  PetscFunctionBeginUser;
  PetscCheck(nvertices > 0 && xyz, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "STL %s: %" PetscInt_FMT " vertices given, need at least 3", path, nvertices);
  PetscCheck(ntriangles > 0 && tri, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "STL %s: %" PetscInt_FMT " triangles given, need at least 1 (skip empty surfaces)", path, ntriangles);
  for (PetscInt i = 0; i < 3 * nvertices; ++i)
    PetscCheck(!PetscIsInfOrNanReal(xyz[i]), PETSC_COMM_SELF, PETSC_ERR_FP,
               "STL %s: vertex %" PetscInt_FMT " has a non-finite coordinate", path, i / 3);
  for (PetscInt i = 0; i < 3 * ntriangles; ++i)
    PetscCheck(tri[i] >= 0 && tri[i] < nvertices, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "STL %s: triangle %" PetscInt_FMT " refers to vertex %" PetscInt_FMT ", outside [0, %" PetscInt_FMT ")", path,
               i / 3, tri[i], nvertices);
  PetscFunctionReturn(0);
}

/*@C
  TwinfeWriteSTL - Write a triangle list as a binary STL file (coordinates in mm, as given).

  Not collective

  Input Parameters:
+ nvertices  - number of vertices
. xyz        - 3 coordinates per vertex (mm)
. ntriangles - number of triangles
. tri        - 3 vertex indices per triangle; the winding gives the facet normal
- path       - the .stl file; its folder must exist

  Notes: written with vtkSTLWriter to path.tmp and renamed.
@*/
PetscErrorCode TwinfeWriteSTL(PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles, const PetscInt tri[],
                              const char path[])
{
  char      tmp[PETSC_MAX_PATH_LEN], message[TWINFE_VTK_MESSAGE_LEN];
  PetscBool ok;

  PetscFunctionBeginUser;
  PetscCall(TwinfeIOCheckFolder(path));
  PetscCall(CheckTriangles(nvertices, xyz, ntriangles, tri, path));
  PetscCall(TwinfeIOTemporaryPath(path, tmp, sizeof tmp));
  PetscCall(TwinfeVTKWriteSTL(nvertices, xyz, ntriangles, tri, tmp, &ok, message));
  if (!ok) (void)remove(tmp);
  PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write STL %s: %s", path, message);
  PetscCall(TwinfeIOCommit(tmp, path));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeWriteSurfaceVTP - Write a triangle list with scalar fields on its vertices as a VTK
  polydata file (.vtp) that ParaView colours by any of them.

  Not collective

  Notes: written with vtkXMLPolyDataWriter (zlib) to path.tmp and renamed.
@*/
PetscErrorCode TwinfeWriteSurfaceVTP(PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles, const PetscInt tri[],
                                     PetscInt nfields, const char *const names[], const PetscReal *const values[],
                                     const char path[])
{
  TwinfeVTKArray arrays[16];
  char           tmp[PETSC_MAX_PATH_LEN], message[TWINFE_VTK_MESSAGE_LEN];
  PetscBool      ok;

  PetscFunctionBeginUser;
  PetscCheck(nfields >= 0 && nfields <= 16, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "VTP %s: %" PetscInt_FMT " fields given, at most 16", path, nfields);
  PetscCall(TwinfeIOCheckFolder(path));
  PetscCall(CheckTriangles(nvertices, xyz, ntriangles, tri, path));
  for (PetscInt f = 0; f < nfields; f++)
    arrays[f] = (TwinfeVTKArray){names[f], TWINFE_VTK_FLOAT64, 1, values[f]};
  {
    const TwinfeVTKGrid grid = {.npoints        = nvertices,
                                .xyz            = xyz,
                                .ncells         = ntriangles,
                                .cell_type      = TWINFE_VTK_TRIANGLE,
                                .nodes_per_cell = 3,
                                .connectivity   = tri,
                                .npoint_arrays  = nfields,
                                .point_arrays   = arrays};
    PetscCall(TwinfeIOTemporaryPath(path, tmp, sizeof tmp));
    PetscCall(TwinfeVTKWritePolyData(&grid, tmp, &ok, message));
  }
  if (!ok) (void)remove(tmp);
  PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write %s: %s", path, message);
  PetscCall(TwinfeIOCommit(tmp, path));
  PetscFunctionReturn(0);
}
