/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_test.h"

#include <stdio.h>
#include <stdlib.h>

static char work_dir[PETSC_MAX_PATH_LEN];
static char path_buffer[4][2 * PETSC_MAX_PATH_LEN];
static int path_slot;

const char *twinfe_test_work_dir(void)
{
  if (!work_dir[0]) {
    PetscMPIInt rank;
    char        cmd[3 * PETSC_MAX_PATH_LEN];
    MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
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

const char *twinfe_test_shared_data(const char *relative) { return join(TWINFE_SHARED_DATA_DIR, relative); }
const char *twinfe_test_source_file(const char *relative) { return join(TWINFE_SOURCE_DIR, relative); }

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

/* Kuhn's split of a cube: one tet per ordering of the axes, all sharing the main diagonal. */
static void kuhn_tet(PetscInt n, PetscInt i, PetscInt j, PetscInt k, int perm, PetscInt tet[4])
{
  static const int order[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  PetscInt         ijk[3] = {i, j, k};
  tet[0] = i + (n + 1) * (j + (n + 1) * k);
  for (int s = 0; s < 3; ++s) {
    ijk[order[perm][s]]++;
    tet[s + 1] = ijk[0] + (n + 1) * (ijk[1] + (n + 1) * ijk[2]);
  }
}

static PetscReal tet_det(const PetscReal *x, const PetscInt t[4])
{
  PetscReal a[3], b[3], c[3];
  for (int d = 0; d < 3; ++d) a[d] = x[3 * t[1] + d] - x[3 * t[0] + d], b[d] = x[3 * t[2] + d] - x[3 * t[0] + d], c[d] = x[3 * t[3] + d] - x[3 * t[0] + d];
  return a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]);
}

/* A face lies on plane (axis, value) when its three vertices do. */
static PetscBool face_on_plane(const PetscReal *x, const PetscInt f[3], int axis, PetscReal value)
{
  for (int v = 0; v < 3; ++v)
    if (PetscAbsReal(x[3 * f[v] + axis] - value) > 1e-12) return PETSC_FALSE;
  return PETSC_TRUE;
}

PetscErrorCode twinfe_test_box_mesh(PetscInt n, TwinfeMesh *mesh)
{
  const PetscInt nv = (n + 1) * (n + 1) * (n + 1), nt = 6 * n * n * n;
  PetscReal     *x;
  PetscInt      *tets, *facets, nf = 0;
  int32_t       *regions, *tags;

  PetscFunctionBeginUser;
  PetscCheck(n % 2 == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "n must be even");
  PetscCall(PetscMalloc5(3 * nv, &x, 4 * nt, &tets, nt, &regions, 3 * 4 * nt, &facets, 4 * nt, &tags));
  for (PetscInt k = 0; k <= n; ++k)
    for (PetscInt j = 0; j <= n; ++j)
      for (PetscInt i = 0; i <= n; ++i) {
        const PetscInt v = i + (n + 1) * (j + (n + 1) * k);
        x[3 * v] = (PetscReal)i / n, x[3 * v + 1] = (PetscReal)j / n, x[3 * v + 2] = (PetscReal)k / n;
      }
  for (PetscInt k = 0, t = 0; k < n; ++k)
    for (PetscInt j = 0; j < n; ++j)
      for (PetscInt i = 0; i < n; ++i)
        for (int p = 0; p < 6; ++p, ++t) {
          PetscInt *tet = tets + 4 * t;
          kuhn_tet(n, i, j, k, p, tet);
          if (tet_det(x, tet) < 0) {
            const PetscInt s = tet[0];
            tet[0] = tet[1], tet[1] = s;
          }
          regions[t] = 2 * i < n ? 1 : 2;
          for (int omit = 0; omit < 4; ++omit) {
            PetscInt f[3], m = 0;
            for (int v = 0; v < 4; ++v)
              if (v != omit) f[m++] = tet[v];
            for (int axis = 0; axis < 3; ++axis)
              for (int side = 0; side < 2; ++side)
                if (face_on_plane(x, f, axis, side)) {
                  PetscArraycpy(facets + 3 * nf, f, 3);
                  tags[nf++] = regions[t];
                }
            if (regions[t] == 1 && face_on_plane(x, f, 0, 0.5)) {
              PetscArraycpy(facets + 3 * nf, f, 3);
              tags[nf++] = 1002;
            }
          }
        }
  PetscCall(TwinfeMeshCreate(nv, x, nt, tets, regions, nf, facets, tags, mesh));
  PetscCall(PetscFree5(x, tets, regions, facets, tags));
  PetscFunctionReturn(0);
}
