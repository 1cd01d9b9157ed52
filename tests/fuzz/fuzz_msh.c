/* libFuzzer target: the Gmsh .msh reader (TwinfeMeshReadGmsh) on hostile files, then the
 * quality and volume computations a case runs on every mesh it reads. A refused file is fine;
 * a crash, a leak or undefined behaviour is a finding (in Gmsh too: report it with the input).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fuzz_common.h"

#include <stdlib.h>
#include <twinfe/mesh.h>

static void UseMesh(TwinfeMesh mesh)
{
  PetscInt       nregions;
  const int32_t *labels;
  PetscReal      min_gamma, mean_gamma, min_dihedral, *volumes;
  if (TwinfeMeshComputeQuality(mesh, &min_gamma, &mean_gamma, &min_dihedral)) return;
  if (TwinfeMeshGetRegions(mesh, &nregions, &labels)) return;
  if (PetscMalloc1(nregions + 1, &volumes)) abort();
  (void)TwinfeMeshComputeRegionVolumes(mesh, volumes);
  if (PetscFree(volumes)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char       path[PETSC_MAX_PATH_LEN];
  TwinfeMesh mesh = NULL;
  TwinfeFuzzPath("input.msh", path);
  TwinfeFuzzWriteFile(path, data, size);
  if (TwinfeMeshReadGmsh(path, &mesh)) return 0;
  UseMesh(mesh);
  if (TwinfeMeshDestroy(&mesh)) abort();
  return 0;
}
