/* P2 fields written as VTK quadratic tetrahedra: a velocity that is an exact quadratic
 * polynomial on the tube, read back with VTK (tests/unit/quadratic_readback.py) and evaluated
 * inside the cells as ParaView does; the same velocity by its vertex values alone cannot match
 * there. tests/mpi/test_io_quadratic.c runs this file on several ranks.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <twinfe/fem.h>
#include <twinfe/io.h>
#include <twinfe/partition.h>

/* The flow layout: P2 velocity (3 components) and P1 pressure on the tube, U = (x^2, y z, 1 + x y)
   and p = 1 + 2 x at every node, so the written values can be predicted exactly. */
typedef struct {
  DM          dm;
  TwinfeSpace space;
  Vec         U;
} Flow;

static void Velocity(const PetscScalar x[3], PetscScalar u[3])
{
  u[0] = x[0] * x[0];
  u[1] = x[1] * x[2];
  u[2] = 1 + x[0] * x[1];
}

/* U from the node coordinates of each field (TwinfeSpaceCreateNodeCoordinates puts a node's
   position at its field's dofs): point by point through the local section. */
static PetscErrorCode FillFlow(Flow *flow)
{
  DM                 sdm;
  PetscSection       section;
  Vec                X[2], Xl[2], Ul;
  const PetscScalar *x[2];
  PetscScalar       *u;
  PetscInt           pStart, pEnd;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceGetDM(flow->space, &sdm));
  PetscCall(DMGetLocalSection(sdm, &section));
  PetscCall(DMGetLocalVector(sdm, &Ul));
  for (PetscInt f = 0; f < 2; ++f) {
    PetscCall(TwinfeSpaceCreateNodeCoordinates(flow->space, f, &X[f]));
    PetscCall(DMGetLocalVector(sdm, &Xl[f]));
    PetscCall(DMGlobalToLocal(sdm, X[f], INSERT_VALUES, Xl[f]));
    PetscCall(VecGetArrayRead(Xl[f], &x[f]));
  }
  PetscCall(VecGetArray(Ul, &u));
  PetscCall(PetscSectionGetChart(section, &pStart, &pEnd));
  for (PetscInt p = pStart; p < pEnd; ++p) {
    PetscInt dof, off;
    PetscCall(PetscSectionGetFieldDof(section, p, 0, &dof));
    PetscCall(PetscSectionGetFieldOffset(section, p, 0, &off));
    if (dof) Velocity(&x[0][off], &u[off]);
    PetscCall(PetscSectionGetFieldDof(section, p, 1, &dof));
    PetscCall(PetscSectionGetFieldOffset(section, p, 1, &off));
    if (dof) u[off] = 1 + 2 * x[1][off];
  }
  PetscCall(VecRestoreArray(Ul, &u));
  PetscCall(DMCreateGlobalVector(sdm, &flow->U));
  PetscCall(DMLocalToGlobal(sdm, Ul, INSERT_VALUES, flow->U));
  for (PetscInt f = 0; f < 2; ++f) {
    PetscCall(VecRestoreArrayRead(Xl[f], &x[f]));
    PetscCall(DMRestoreLocalVector(sdm, &Xl[f]));
    PetscCall(VecDestroy(&X[f]));
  }
  PetscCall(DMRestoreLocalVector(sdm, &Ul));
  PetscFunctionReturn(0);
}

/* A tube of radius 1 mm and length 3 mm with tets of about 0.4 mm (a few hundred), on every
   rank of PETSC_COMM_WORLD. */
static void FlowCreate(Flow *flow)
{
  const PetscInt degree[2] = {2, 1}, ncomp[2] = {3, 1};
  TwinfeMesh     mesh = NULL;
  PetscMPIInt    rank;

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  if (rank == 0) TWINFE_CK(TwinfeMeshCreateTube(1.0, 3.0, 0.4, &mesh));
  TWINFE_CK(TwinfePartitionDistribute(PETSC_COMM_WORLD, mesh, &flow->dm));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  TWINFE_CK(TwinfeSpaceCreate(flow->dm, 2, degree, ncomp, &flow->space));
  TWINFE_CK(FillFlow(flow));
}

static void FlowDestroy(Flow *flow)
{
  TWINFE_CK(VecDestroy(&flow->U));
  TWINFE_CK(TwinfeSpaceDestroy(&flow->space));
  TWINFE_CK(DMDestroy(&flow->dm));
}

/* One state of velocity and pressure, each at its own nodes (nodes = PETSC_TRUE: the P2 velocity
   on vertices and edges) or at the vertices only, with the local cell index as a cell field. */
static PetscErrorCode WriteFlow(TwinfeResults results, PetscReal time, const Flow *flow, PetscBool nodes)
{
  const char  *pnames[2] = {"velocity", "pressure"}, *cnames[1] = {"cell_index"};
  DM           dms[2];
  Vec          fields[2], index;
  PetscInt     ncells;
  PetscScalar *a;

  PetscFunctionBeginUser;
  for (PetscInt f = 0; f < 2; ++f) {
    if (nodes) {
      PetscCall(TwinfeSpaceCreateNodeVector(flow->space, f, &dms[f], &fields[f]));
      PetscCall(TwinfeSpaceCopyNodeValues(flow->space, f, flow->U, dms[f], fields[f]));
    } else {
      PetscCall(TwinfeSpaceCreateVertexVector(flow->space, f, &dms[f], &fields[f]));
      PetscCall(TwinfeSpaceCopyVertexValues(flow->space, f, flow->U, dms[f], fields[f]));
    }
  }
  PetscCall(TwinfeSpaceGetSizes(flow->space, &ncells, NULL));
  PetscCall(VecCreateMPI(PETSC_COMM_WORLD, ncells, PETSC_DETERMINE, &index));
  PetscCall(VecGetArray(index, &a));
  for (PetscInt c = 0; c < ncells; ++c)
    a[c] = c;
  PetscCall(VecRestoreArray(index, &a));
  PetscCall(TwinfeResultsWriteState(results, time, flow->dm, 2, pnames, fields, 1, cnames, &index));
  PetscCall(VecDestroy(&index));
  for (PetscInt f = 0; f < 2; ++f) {
    PetscCall(VecDestroy(&fields[f]));
    PetscCall(DMDestroy(&dms[f]));
  }
  PetscFunctionReturn(0);
}

/* Run quadratic_readback.py on rank 0 on state s of DIR/tube; its status on every rank. */
static int ReadBack(const char dir[], PetscInt s, const char options[])
{
  char        command[4096];
  int         status = 0;
  PetscMPIInt rank, size;

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  if (rank == 0) {
    TWINFE_CK(PetscSNPrintf(command, sizeof command, "/usr/bin/python3 '%s' '%s/tube_%04d.%s' %s",
                            twinfe_test_source_file("tests/unit/quadratic_readback.py"), dir, (int)s, size > 1 ? "pvtu" : "vtu",
                            options));
    status = system(command);
  }
  MPI_Bcast(&status, 1, MPI_INT, 0, PETSC_COMM_WORLD);
  return status;
}

/* States 0 and 2 at the nodes (quadratic cells), state 1 at the vertices (linear cells, as
   before P2 output existed): written in this order, the mesh arrays kept between states serve
   both kinds. The P2 velocity is the polynomial everywhere inside the quadratic cells, the P1
   pressure too (interpolated to the edges), and the vertex-only velocity is not. */
START_TEST(test_p2_velocity_read_back_inside_cells)
{
  Flow          flow;
  TwinfeResults results;
  const char   *dir = twinfe_test_work_dir();

  FlowCreate(&flow);
  TWINFE_CK(TwinfeResultsCreate(PETSC_COMM_WORLD, dir, "tube", &results));
  TWINFE_CK(WriteFlow(results, 0.0, &flow, PETSC_TRUE));
  TWINFE_CK(WriteFlow(results, 1.0, &flow, PETSC_FALSE));
  TWINFE_CK(WriteFlow(results, 2.0, &flow, PETSC_TRUE));
  TWINFE_CK(TwinfeResultsDestroy(&results));
  ck_assert_int_eq(ReadBack(dir, 0, "--cell-type 24 --field velocity:quadratic --field pressure:pressure"), 0);
  ck_assert_int_eq(ReadBack(dir, 1, "--cell-type 10 --field velocity:quadratic --field pressure:pressure --inexact velocity"), 0);
  ck_assert_int_eq(ReadBack(dir, 2, "--cell-type 24 --field velocity:quadratic --field pressure:pressure"), 0);
  /* The checker can fail: the quadratic state is not linear, nor the velocity the pressure. */
  ck_assert_int_ne(ReadBack(dir, 0, "--cell-type 10 --field velocity:quadratic"), 0);
  ck_assert_int_ne(ReadBack(dir, 0, "--cell-type 24 --field velocity:quadratic --inexact velocity"), 0);
  FlowDestroy(&flow);
}
END_TEST

/* A point field with values on edges that are not as many as on its vertices is refused,
   naming the field; so is a node vector filled from another field than it was made for. */
START_TEST(test_mismatched_edge_values_refused)
{
  Flow          flow;
  TwinfeResults results;
  DM            dm, pdm;
  Vec           bad, V;
  PetscSection  section;
  PetscInt      pStart, pEnd, vStart, vEnd, eStart, eEnd;
  const char   *names[1] = {"half_p2"};

  FlowCreate(&flow);
  TWINFE_CK(DMClone(flow.dm, &dm));
  TWINFE_CK(PetscSectionCreate(PETSC_COMM_WORLD, &section));
  TWINFE_CK(DMPlexGetChart(dm, &pStart, &pEnd));
  TWINFE_CK(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  TWINFE_CK(DMPlexGetDepthStratum(dm, 1, &eStart, &eEnd));
  TWINFE_CK(PetscSectionSetChart(section, pStart, pEnd));
  for (PetscInt p = vStart; p < vEnd; ++p)
    TWINFE_CK(PetscSectionSetDof(section, p, 3));
  for (PetscInt p = eStart; p < eEnd; ++p)
    TWINFE_CK(PetscSectionSetDof(section, p, 1));
  TWINFE_CK(PetscSectionSetUp(section));
  TWINFE_CK(DMSetLocalSection(dm, section));
  TWINFE_CK(PetscSectionDestroy(&section));
  TWINFE_CK(DMCreateGlobalVector(dm, &bad));
  TWINFE_CK(TwinfeResultsCreate(PETSC_COMM_WORLD, twinfe_test_work_dir(), "bad", &results));
  TWINFE_CK_FAILS(TwinfeResultsWriteState(results, 0.0, flow.dm, 1, names, &bad, 0, NULL, NULL));
  TWINFE_CK(TwinfeResultsDestroy(&results));

  TWINFE_CK(TwinfeSpaceCreateNodeVector(flow.space, 1, &pdm, &V)); /* pressure: vertices only */
  TWINFE_CK_FAILS(TwinfeSpaceCopyNodeValues(flow.space, 0, flow.U, pdm, V));
  TWINFE_CK_FAILS(TwinfeSpaceCreateNodeVector(flow.space, 2, &pdm, &V)); /* fields 0 and 1 only */
  TWINFE_CK(VecDestroy(&V));
  TWINFE_CK(DMDestroy(&pdm));
  TWINFE_CK(VecDestroy(&bad));
  TWINFE_CK(DMDestroy(&dm));
  FlowDestroy(&flow);
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("io_quadratic");
  TCase *tc = tcase_create("io_quadratic");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_p2_velocity_read_back_inside_cells);
  tcase_add_test(tc, test_mismatched_edge_values_refused);
  suite_add_tcase(s, tc);
  return s;
}
