/* A structured tetrahedral box for verification and benchmarks: PETSc 3.18's simplex
 * DMPlexCreateBoxMesh needs TetGen, which Debian's PETSc lacks.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <twinfe/fem.h>

/* Kuhn split of each hex into 6 tets along the 000-111 diagonal: all hexes cut their faces the
   same way, so the mesh is conforming. */
static const PetscInt kuhn_path[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};

static PetscReal OrientedVolume(const PetscReal xyz[], const PetscInt ids[4])
{
  PetscReal a[3][3];
  for (PetscInt r = 0; r < 3; ++r)
    for (PetscInt k = 0; k < 3; ++k)
      a[r][k] = xyz[3 * ids[r + 1] + k] - xyz[3 * ids[0] + k];
  return a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
         a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
}

static PetscErrorCode BoxCells(const PetscInt n[3], const PetscReal lo[3], const PetscReal hi[3], PetscInt *nv, PetscReal **xyz,
                               PetscInt *nc, PetscInt **cells)
{
  PetscInt nx = n[0] + 1, ny = n[1] + 1, nz = n[2] + 1, k = 0;

  PetscFunctionBeginUser;
  *nv = nx * ny * nz;
  *nc = 6 * n[0] * n[1] * n[2];
  PetscCall(PetscMalloc2(3 * *nv, xyz, 4 * *nc, cells));
  for (PetscInt z = 0; z < nz; ++z)
    for (PetscInt y = 0; y < ny; ++y)
      for (PetscInt x = 0; x < nx; ++x) {
        PetscInt v        = (z * ny + y) * nx + x;
        (*xyz)[3 * v]     = lo[0] + (hi[0] - lo[0]) * x / n[0];
        (*xyz)[3 * v + 1] = lo[1] + (hi[1] - lo[1]) * y / n[1];
        (*xyz)[3 * v + 2] = lo[2] + (hi[2] - lo[2]) * z / n[2];
      }
  for (PetscInt z = 0; z < n[2]; ++z)
    for (PetscInt y = 0; y < n[1]; ++y)
      for (PetscInt x = 0; x < n[0]; ++x)
        for (PetscInt t = 0; t < 6; ++t) {
          PetscInt p[3] = {x, y, z}, ids[4];
          for (PetscInt s = 0; s < 4; ++s) {
            if (s > 0) p[kuhn_path[t][s - 1]]++;
            ids[s] = (p[2] * ny + p[1]) * nx + p[0];
          }
          /* DMPlex wants the three first vertices to see the fourth on their negative side. */
          if (OrientedVolume(*xyz, ids) > 0) {
            PetscInt tmp = ids[1];
            ids[1]       = ids[2];
            ids[2]       = tmp;
          }
          for (PetscInt s = 0; s < 4; ++s)
            (*cells)[k++] = ids[s];
        }
  PetscFunctionReturn(0);
}

/* Face Sets: 1 x = lo, 2 x = hi, 3 y = lo, 4 y = hi, 5 z = lo, 6 z = hi. */
static PetscErrorCode LabelBox(DM dm, const PetscReal lo[3], const PetscReal hi[3])
{
  PetscInt fStart, fEnd, cStart, cEnd;

  PetscFunctionBeginUser;
  PetscCall(DMCreateLabel(dm, "Face Sets"));
  PetscCall(DMCreateLabel(dm, "Cell Sets"));
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  for (PetscInt c = cStart; c < cEnd; ++c)
    PetscCall(DMSetLabelValue(dm, "Cell Sets", c, 1));
  PetscCall(DMPlexGetHeightStratum(dm, 1, &fStart, &fEnd));
  for (PetscInt f = fStart; f < fEnd; ++f) {
    PetscInt  ssize;
    PetscReal centroid[3];
    PetscCall(DMPlexGetSupportSize(dm, f, &ssize));
    if (ssize != 1) continue;
    PetscCall(DMPlexComputeCellGeometryFVM(dm, f, NULL, centroid, NULL));
    for (PetscInt k = 0; k < 3; ++k) {
      PetscReal tol = 1e-10 * (hi[k] - lo[k]);
      if (PetscAbsReal(centroid[k] - lo[k]) < tol) PetscCall(DMSetLabelValue(dm, "Face Sets", f, 2 * k + 1));
      if (PetscAbsReal(centroid[k] - hi[k]) < tol) PetscCall(DMSetLabelValue(dm, "Face Sets", f, 2 * k + 2));
    }
  }
  PetscFunctionReturn(0);
}

/*@C
  TwinfeCreateBoxTetMesh - Interpolated tetrahedral mesh of the box [lo, hi] with n[k] hexes
  per direction, each split into 6 tets, built on rank 0 and distributed. "Cell Sets" is 1 on
  every cell; "Face Sets" is 1/2 on x = lo/hi, 3/4 on y, 5/6 on z. Collective.
@*/
PetscErrorCode TwinfeCreateBoxTetMesh(MPI_Comm comm, const PetscInt n[3], const PetscReal lo[3], const PetscReal hi[3], DM *dm)
{
  PetscMPIInt rank, size;
  PetscInt    nv = 0, nc = 0, *cells = NULL;
  PetscReal  *xyz = NULL;
  DM          serial, dist = NULL;

  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < 3; ++k) {
    PetscCheck(n[k] >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "box mesh: %" PetscInt_FMT " cells in direction %" PetscInt_FMT ", need >= 1", n[k], k);
    PetscCheck(hi[k] > lo[k], comm, PETSC_ERR_ARG_OUTOFRANGE,
               "box mesh: upper bound %g <= lower bound %g in direction %" PetscInt_FMT, (double)hi[k], (double)lo[k], k);
  }
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (rank == 0) PetscCall(BoxCells(n, lo, hi, &nv, &xyz, &nc, &cells));
  PetscCall(DMPlexCreateFromCellListPetsc(comm, 3, nc, nv, 4, PETSC_TRUE, cells, 3, xyz, &serial));
  PetscCall(PetscFree2(xyz, cells));
  PetscCall(LabelBox(serial, lo, hi));
  if (size > 1) PetscCall(DMPlexDistribute(serial, 0, NULL, &dist));
  if (dist) {
    PetscCall(DMDestroy(&serial));
    serial = dist;
  }
  *dm = serial;
  PetscFunctionReturn(0);
}
