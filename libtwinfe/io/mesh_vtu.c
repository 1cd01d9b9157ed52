/* libtwinfe io stage: a serial TwinfeMesh as .vtu files for ParaView.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "ioimpl.h"

#include <string.h>
#include <twinfe/io.h>

/* Compressor of the mesh files' binary arrays. On the 1.49M-tet CT mesh (with both quality
   arrays) mesh.vtu + mesh_facets.vtu took 3.5 s and 48 MB with zlib, 0.71 s and 64 MB with
   LZ4, 0.64 s and 76 MB uncompressed (one run each, loaded machine): LZ4, as the results. */
#define TWINFE_MESH_VTU_COMPRESSION TWINFE_VTK_LZ4

/* PATH without ".vtu" + "_facets.vtu". */
static PetscErrorCode FacetsPath(const char path[], char facets[], size_t len)
{
  size_t n = strlen(path);
  int    written;

  PetscFunctionBeginUser;
  PetscCheck(n > 4 && !strcmp(path + n - 4, ".vtu"), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Mesh output %s must end in .vtu (the facets go beside it as NAME_facets.vtu)", path);
  written = snprintf(facets, len, "%.*s_facets.vtu", (int)(n - 4), path);
  PetscCheck(written > 0 && (size_t)written < len, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "Mesh output %s is too long", path);
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteTetrahedra(TwinfeMesh mesh, const char path[])
{
  PetscInt         nvertices, ntets;
  const PetscReal *xyz;
  const PetscInt  *tets;
  const int32_t   *regions;
  PetscInt        *oriented;
  PetscReal       *radius_ratio, *gmsh_gamma;
  TwinfeVTKArray   arrays[3];
  TwinfeVTKGrid    grid;

  PetscFunctionBeginUser;
  PetscCall(TwinfeMeshGetVertices(mesh, &nvertices, &xyz));
  PetscCall(TwinfeMeshGetTetrahedra(mesh, &ntets, &tets, &regions));
  PetscCall(PetscMalloc1(4 * ntets, &oriented));
  PetscCall(PetscArraycpy(oriented, tets, 4 * ntets));
  for (PetscInt t = 0; t < ntets; ++t) {
    for (PetscInt k = 0; k < 4; ++k)
      PetscCheck(oriented[4 * t + k] >= 0 && oriented[4 * t + k] < nvertices, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
                 "Mesh tetrahedron %" PetscInt_FMT " refers to vertex %" PetscInt_FMT ", outside [0, %" PetscInt_FMT ")", t,
                 oriented[4 * t + k], nvertices);
    TwinfeIOOrientTet(xyz, &oriented[4 * t]); /* the mesh promises this; VTK needs it */
  }
  PetscCall(PetscMalloc2(ntets + 1, &radius_ratio, ntets + 1, &gmsh_gamma));
  PetscCall(TwinfeMeshComputeCellQuality(mesh, radius_ratio, gmsh_gamma));
  arrays[0] = (TwinfeVTKArray){.name = "region", .type = TWINFE_VTK_INT32, .ncomponents = 1, .values = regions};
  arrays[1] = (TwinfeVTKArray){.name = "radius_ratio", .type = TWINFE_VTK_FLOAT64, .ncomponents = 1, .values = radius_ratio};
  arrays[2] = (TwinfeVTKArray){.name = "gmsh_gamma", .type = TWINFE_VTK_FLOAT64, .ncomponents = 1, .values = gmsh_gamma};
  grid      = (TwinfeVTKGrid){.npoints        = nvertices,
                              .xyz            = xyz,
                              .ncells         = ntets,
                              .cell_type      = TWINFE_VTK_TETRA,
                              .nodes_per_cell = 4,
                              .connectivity   = oriented,
                              .ncell_arrays   = 3,
                              .cell_arrays    = arrays,
                              .compression    = TWINFE_MESH_VTU_COMPRESSION};
  PetscCall(TwinfeIOWriteGrid(&grid, path));
  PetscCall(PetscFree2(radius_ratio, gmsh_gamma));
  PetscCall(PetscFree(oriented));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteFacets(TwinfeMesh mesh, const char path[])
{
  PetscInt         nvertices, nfacets;
  const PetscReal *xyz;
  const PetscInt  *facets;
  const int32_t   *tags;
  TwinfeVTKArray   tag;
  TwinfeVTKGrid    grid;

  PetscFunctionBeginUser;
  PetscCall(TwinfeMeshGetVertices(mesh, &nvertices, &xyz));
  PetscCall(TwinfeMeshGetFacets(mesh, &nfacets, &facets, &tags));
  tag  = (TwinfeVTKArray){.name = "tag", .type = TWINFE_VTK_INT32, .ncomponents = 1, .values = tags};
  grid = (TwinfeVTKGrid){.npoints        = nvertices,
                         .xyz            = xyz,
                         .ncells         = nfacets,
                         .cell_type      = TWINFE_VTK_TRIANGLE,
                         .nodes_per_cell = 3,
                         .connectivity   = facets,
                         .ncell_arrays   = 1,
                         .cell_arrays    = &tag,
                         .compression    = TWINFE_MESH_VTU_COMPRESSION};
  PetscCall(TwinfeIOWriteGrid(&grid, path));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeMeshWriteVTU - Write a serial mesh as PATH (tetrahedra, cell array "region") and
  PATH without .vtu + "_facets.vtu" (boundary and interface triangles, cell array "tag").

  Not collective

  Input Parameters:
+ mesh - the mesh
- path - a file name ending in .vtu, in an existing folder

  Notes: both files are written to a temporary name and renamed; the tetrahedra are written
  positively oriented.
@*/
PetscErrorCode TwinfeMeshWriteVTU(TwinfeMesh mesh, const char path[])
{
  char facets[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCheck(mesh, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeMeshWriteVTU: mesh is NULL");
  PetscCheck(path, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeMeshWriteVTU: path is NULL");
  PetscCall(FacetsPath(path, facets, sizeof facets));
  PetscCall(WriteTetrahedra(mesh, path));
  PetscCall(WriteFacets(mesh, facets));
  PetscFunctionReturn(0);
}
