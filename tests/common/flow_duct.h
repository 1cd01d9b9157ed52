/* The square duct of benchmarks/bench_flow at n = 4 that flow tests share: D 10 mm, 5 D long,
 * 4 hexes across and 20 along, 6 tets each (10,488 Taylor-Hood unknowns); walls are tags 1-4,
 * the inlet z = 0 tag 5, the outlet z = 5 D tag 6; blood's density and viscosity.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include "twinfe_checks.h"

#include <twinfe/partition.h>

#define DUCT_D 10.0
#define INLET 5
#define OUTLET 6
#define RHO 1.06e-3
#define MU 3.5e-3

/* A fully developed-like axial profile of mean *(PetscReal *)ctx (mm/s). */
static inline PetscErrorCode DuctInflow(const PetscReal x[3], PetscReal u[3], void *ctx)
{
  const PetscReal U = *(const PetscReal *)ctx, xi = x[0] / DUCT_D, eta = x[1] / DUCT_D;
  u[0] = u[1] = 0;
  u[2]        = 36 * U * xi * (1 - xi) * eta * (1 - eta);
  return 0;
}

static inline DM Duct(void)
{
  const PetscInt  n[3]  = {4, 4, 20};
  const PetscReal lo[3] = {0, 0, 0}, hi[3] = {DUCT_D, DUCT_D, 5 * DUCT_D};
  DM              dm;
  TWINFE_CK(TwinfeCreateBoxTetMesh(PETSC_COMM_WORLD, n, lo, hi, &dm));
  return dm;
}
