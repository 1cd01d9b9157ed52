/* Steady flow in a square duct (Taylor-Hood P2-P1): solver iterations and times per refinement.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Built with the project: build/benchmarks/bench_flow.
 * Run: build/benchmarks/bench_flow -n 8 [-re 300] [-stokes] [-grad_div G] [-log_view] [-flow_* solver options]
 * It prints the resident memory after the mesh, after the set-up (the spaces and the Jacobian's
 * pattern allocated) and after the solve; benchmarks/flow_sweep.py runs sweeps and
 * benchmarks/flow_solver_study.md holds what was measured with it.
 * The duct is D = 10 mm square, 5 D long (n hexes across, 5 n along, 6 tets each), blood
 * (rho 1.06e-3 g/mm^3, mu 3.5e-3 Pa s). Inlet z = 0: u_z = 36 U xi (1 - xi) eta (1 - eta), whose
 * mean is U, chosen so that Re = rho U D / mu; walls x, y = 0, D; outlet z = 5 D free. */
#include <petsctime.h>
#include <twinfe/flow.h>
#include <twinfe/partition.h>

#define DUCT_D 10.0

static PetscErrorCode Inflow(const PetscReal x[3], PetscReal u[3], void *ctx)
{
  const PetscReal U = *(const PetscReal *)ctx, xi = x[0] / DUCT_D, eta = x[1] / DUCT_D;
  u[0] = u[1] = 0;
  u[2]        = 36 * U * xi * (1 - xi) * eta * (1 - eta);
  return 0;
}

int main(int argc, char **argv)
{
  DM             dm;
  TwinfeFlow     flow;
  TwinfeSpace    space;
  Vec            U;
  PetscInt       n     = 4, nn[3], newton, linear, max_linear, size;
  PetscReal      gamma = 0, re = 300, rho = 1.06e-3, mu = 3.5e-3, mean, lo[3] = {0, 0, 0}, hi[3], flux_in, flux_out;
  PetscBool      stokes = PETSC_FALSE;
  PetscLogDouble t0, t1, t2, mem[3];

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n", &n, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-re", &re, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-grad_div", &gamma, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-stokes", &stokes, NULL));
  nn[0] = nn[1] = n, nn[2] = 5 * n;
  hi[0] = hi[1] = DUCT_D, hi[2] = 5 * DUCT_D;
  mean = re * mu / (rho * DUCT_D);
  PetscCall(PetscTime(&t0));
  PetscCall(TwinfeCreateBoxTetMesh(PETSC_COMM_WORLD, nn, lo, hi, &dm));
  PetscCall(PetscMemoryGetCurrentUsage(&mem[0]));
  PetscCall(TwinfeFlowCreate(dm, &flow));
  PetscCall(TwinfeFlowSetFluid(flow, rho, mu));
  PetscCall(TwinfeFlowSetConvection(flow, stokes ? PETSC_FALSE : PETSC_TRUE));
  PetscCall(TwinfeFlowSetGradDiv(flow, gamma));
  for (PetscInt tag = 1; tag <= 4; ++tag)
    PetscCall(TwinfeFlowAddWall(flow, tag));
  PetscCall(TwinfeFlowAddVelocity(flow, 5, Inflow, &mean));
  PetscCall(TwinfeFlowSetFromOptions(flow));
  PetscCall(PetscTime(&t1));
  PetscCall(PetscMemoryGetCurrentUsage(&mem[1]));
  PetscCall(TwinfeFlowSolve(flow));
  PetscCall(PetscTime(&t2));
  PetscCall(PetscMemoryGetCurrentUsage(&mem[2]));
  PetscCall(TwinfeFlowGetSolverInfo(flow, &newton, &linear, &max_linear));
  PetscCall(TwinfeFlowGetSpace(flow, &space));
  PetscCall(TwinfeFlowGetSolution(flow, &U));
  PetscCall(VecGetSize(U, &size));
  PetscCall(TwinfeSpaceComputeFaceFlux(space, 5, 0, U, &flux_in));
  PetscCall(TwinfeSpaceComputeFaceFlux(space, 6, 0, U, &flux_out));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "duct n=%d: %d tets, %d unknowns, %s Re %g: mesh+setup %.2f s, solve %.2f s; Newton %d, linear "
                        "iterations %d (at most %d per step); inflow %.6g mm^3/s, outflow %.6g mm^3/s\n",
                        (int)n, (int)(6 * n * n * 5 * n), (int)size, stokes ? "Stokes" : "Navier-Stokes", (double)re,
                        (double)(t1 - t0), (double)(t2 - t1), (int)newton, (int)linear, (int)max_linear, (double)-flux_in,
                        (double)flux_out));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "memory (resident, rank 0): mesh %.0f MB, set-up %.0f MB, solved %.0f MB (the peak: /usr/bin/time -v)\n",
                        mem[0] / 1048576, mem[1] / 1048576, mem[2] / 1048576));
  PetscCall(TwinfeFlowDestroy(&flow));
  PetscCall(DMDestroy(&dm));
  PetscCall(PetscFinalize());
  return 0;
}
