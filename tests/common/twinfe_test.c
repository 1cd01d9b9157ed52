/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <twinfe/core.h>

static char work_dir[PETSC_MAX_PATH_LEN];
static char path_buffer[4][2 * PETSC_MAX_PATH_LEN];
static int  path_slot;

const char *twinfe_test_work_dir(void)
{
  if (!work_dir[0]) {
    PetscMPIInt rank, size;
    char        cmd[3 * PETSC_MAX_PATH_LEN];
    MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
    MPI_Comm_size(PETSC_COMM_WORLD, &size);
    /* one folder per rank count: ctest may run a program on 2 and on 3 ranks at once */
    if (size > 1)
      snprintf(work_dir, sizeof work_dir, "%s_np%d", TWINFE_TEST_WORK_DIR, (int)size);
    else
      snprintf(work_dir, sizeof work_dir, "%s", TWINFE_TEST_WORK_DIR);
    if (rank == 0) {
      snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", work_dir, work_dir);
      if (system(cmd) != 0) fprintf(stderr, "cannot create %s\n", work_dir);
    }
    MPI_Barrier(PETSC_COMM_WORLD);
  }
  return work_dir;
}

static const char *join(const char *dir, const char *relative)
{
  char *out = path_buffer[path_slot++ % 4];
  snprintf(out, 2 * PETSC_MAX_PATH_LEN, "%s/%s", dir, relative);
  return out;
}

const char *twinfe_test_shared_data(const char *relative)
{
  return join(TWINFE_SHARED_DATA_DIR, relative);
}
const char *twinfe_test_source_file(const char *relative)
{
  return join(TWINFE_SOURCE_DIR, relative);
}

int main(int argc, char **argv)
{
  int         failed, any_failed = 0;
  SRunner    *runner;
  PetscMPIInt rank;

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 2;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  runner = srunner_create(twinfe_test_suite());
  srunner_set_fork_status(runner, CK_NOFORK);
  srunner_run_all(runner, rank == 0 ? CK_NORMAL : CK_SILENT);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
  if (PetscFinalize()) return 2;
  return any_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Region of a tet: 1 in the hexes left of x = 0.5, 2 right of it (TwinfeMeshCreateBox puts
   hex (i, j, k)'s tets at 6 (i + n (j + n k)) .. +5). */
static int32_t BoxRegion(PetscInt n, PetscInt tet)
{
  return 2 * ((tet / 6) % n) < n ? 1 : 2;
}

/* A face lies on the plane x = 0.5 when its three vertices do (exact: 0.5 is a grid plane). */
static PetscBool FaceOnMidPlane(const PetscReal *x, const PetscInt f[3])
{
  for (int v = 0; v < 3; ++v)
    if (x[3 * f[v]] != 0.5) return PETSC_FALSE;
  return PETSC_TRUE;
}

/* TwinfeMeshCreateBox's unit cube, split into two regions: outer facets retagged with the region
   they bound, and the region-1 faces on x = 0.5 added as interface facets. */
PetscErrorCode twinfe_test_box_mesh(PetscInt n, TwinfeMesh *mesh)
{
  const PetscInt   cells[3] = {n, n, n};
  const PetscReal  lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1};
  TwinfeMesh       box;
  PetscInt         nv, nt, nbf, nf;
  const PetscReal *x;
  const PetscInt  *tets, *box_facets;
  PetscInt        *facets;
  int32_t         *regions, *tags;

  PetscFunctionBeginUser;
  PetscCheck(n % 2 == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "n must be even");
  PetscCall(TwinfeMeshCreateBox(cells, lo, hi, &box));
  PetscCall(TwinfeMeshGetVertices(box, &nv, &x));
  PetscCall(TwinfeMeshGetTetrahedra(box, &nt, &tets, NULL));
  PetscCall(TwinfeMeshGetFacets(box, &nbf, &box_facets, NULL));
  /* + 1: a candidate face is written at the end of the list before it is known to be one */
  PetscCall(PetscMalloc3(nt, &regions, 3 * (nbf + 2 * n * n + 1), &facets, nbf + 2 * n * n + 1, &tags));
  PetscCall(PetscArraycpy(facets, box_facets, 3 * nbf));
  for (PetscInt t = 0; t < nt; ++t)
    regions[t] = BoxRegion(n, t);
  for (nf = 0; nf < nbf; ++nf) {
    const PetscReal cx = (x[3 * facets[3 * nf]] + x[3 * facets[3 * nf + 1]] + x[3 * facets[3 * nf + 2]]) / 3;
    tags[nf]           = cx < 0.5 ? 1 : 2;
  }
  for (PetscInt t = 0; t < nt; ++t)
    for (int omit = 0; omit < 4 && regions[t] == 1; ++omit) {
      PetscInt *f = &facets[3 * nf], m = 0;
      for (int v = 0; v < 4; ++v)
        if (v != omit) f[m++] = tets[4 * t + v];
      if (FaceOnMidPlane(x, f)) tags[nf++] = (int32_t)TwinfeFacetTag(1, 2);
    }
  PetscCall(TwinfeMeshCreate(nv, x, nt, tets, regions, nf, facets, tags, mesh));
  PetscCall(TwinfeMeshDestroy(&box));
  PetscCall(PetscFree3(regions, facets, tags));
  PetscFunctionReturn(0);
}

void twinfe_test_cell_norms(TwinfeSpace space, PetscInt qorder, Vec u, TwinfeElementVectorKernel kernel, void *ctx, PetscInt nout,
                            PetscReal norms[])
{
  PetscInt     ncells;
  PetscReal    local[4] = {0, 0, 0, 0}, global[4];
  PetscScalar *cell;

  ck_assert_int_le(nout, 4);
  TWINFE_CK(TwinfeSpaceGetSizes(space, &ncells, NULL));
  TWINFE_CK(PetscMalloc1(nout * ncells, &cell));
  TWINFE_CK(TwinfeSpaceEvaluateCells(space, qorder, u, kernel, ctx, nout, cell));
  for (PetscInt c = 0; c < ncells; ++c)
    for (PetscInt k = 0; k < nout; ++k)
      local[k] += PetscRealPart(cell[nout * c + k]);
  MPI_Allreduce(local, global, (int)nout, MPIU_REAL, MPIU_SUM, PETSC_COMM_WORLD);
  for (PetscInt k = 0; k < nout; ++k)
    norms[k] = PetscSqrtReal(global[k]);
  TWINFE_CK(PetscFree(cell));
}

PetscReal twinfe_test_vertex_mean(TwinfeElasticity el,
                                  PetscBool (*value)(const PetscReal x[3], const PetscReal u[3], PetscReal *v), PetscInt *count)
{
  DM                 udm;
  Vec                u, coords;
  const PetscScalar *x, *uu;
  PetscInt           n;
  PetscReal          local[2] = {0, 0}, sum[2];

  TWINFE_CK(TwinfeElasticityGetDisplacement(el, &udm, &u));
  TWINFE_CK(DMGetCoordinates(udm, &coords));
  TWINFE_CK(VecGetLocalSize(u, &n));
  TWINFE_CK(VecGetArrayRead(coords, &x));
  TWINFE_CK(VecGetArrayRead(u, &uu));
  for (PetscInt i = 0; i < n; i += 3) {
    PetscReal p[3], d[3], v;
    for (PetscInt k = 0; k < 3; ++k) {
      p[k] = PetscRealPart(x[i + k]);
      d[k] = PetscRealPart(uu[i + k]);
    }
    if (!value(p, d, &v)) continue;
    local[0] += v;
    local[1] += 1;
  }
  TWINFE_CK(VecRestoreArrayRead(coords, &x));
  TWINFE_CK(VecRestoreArrayRead(u, &uu));
  MPI_Allreduce(local, sum, 2, MPIU_REAL, MPIU_SUM, PETSC_COMM_WORLD);
  *count = (PetscInt)sum[1];
  return sum[1] > 0 ? sum[0] / sum[1] : 0;
}

PetscInt twinfe_test_levels_keeping_products(PC pc, PetscInt nlevels)
{
  PetscInt kept = 0;
  for (PetscInt l = 0; l < nlevels; ++l) {
    KSP            smoother;
    Mat            A;
    MatProductType type;
    TWINFE_CK(PCMGGetSmoother(pc, l, &smoother));
    TWINFE_CK(KSPGetOperators(smoother, &A, NULL));
    TWINFE_CK(MatProductGetType(A, &type));
    kept += type != MATPRODUCT_UNSPECIFIED;
  }
  return kept;
}
