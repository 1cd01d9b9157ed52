/* The io stage on 2 ranks: one .vtu piece per rank under a .pvtu, read back with
 * vtkXMLPUnstructuredGridReader (the reader ParaView uses), and a failure on one rank
 * raised on both without hanging.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _POSIX_C_SOURCE 200809L /* mkdir() under -std=c11 */
#include "twinfe_test.h"

#include <petscdmplex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <twinfe/io.h>

static PetscBool FileExists(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 ? PETSC_TRUE : PETSC_FALSE;
}

/* Run vtk_readback.py on rank 0 and give its exit status to every rank. */
static int Readback(const char *args)
{
  char        command[8192];
  int         status = 0;
  PetscMPIInt rank;

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  if (rank == 0) {
    TWINFE_CK(PetscSNPrintf(command, sizeof command, "/usr/bin/python3 '%s' %s",
                            twinfe_test_source_file("tests/clients/vtk_readback.py"), args));
    status = system(command);
  }
  MPI_Bcast(&status, 1, MPI_INT, 0, PETSC_COMM_WORLD);
  return status;
}

static PetscInt GlobalSum(PetscInt local)
{
  PetscInt sum = 0;
  MPI_Allreduce(&local, &sum, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD);
  return sum;
}

static PetscErrorCode CreateBoxMesh(MPI_Comm comm, DM *dm)
{
  const PetscInt n = 2, nv = (n + 1) * (n + 1) * (n + 1),
                 perm[6][3] = {{0, 1, 2}, {1, 2, 0}, {2, 0, 1}, {0, 2, 1}, {2, 1, 0}, {1, 0, 2}};
  PetscInt    cells[4 * 6 * 8], cStart, cEnd, nc = 0;
  PetscReal   xyz[3 * 27];
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  for (PetscInt k = 0; k <= n; ++k)
    for (PetscInt j = 0; j <= n; ++j)
      for (PetscInt i = 0; i <= n; ++i) {
        PetscInt v     = i + (n + 1) * (j + (n + 1) * k);
        xyz[3 * v + 0] = (PetscReal)i / n;
        xyz[3 * v + 1] = (PetscReal)j / n;
        xyz[3 * v + 2] = (PetscReal)k / n;
      }
  for (PetscInt k = 0; k < n; ++k)
    for (PetscInt j = 0; j < n; ++j)
      for (PetscInt i = 0; i < n; ++i)
        for (PetscInt p = 0; p < 6; ++p) {
          PetscInt ijk[3] = {i, j, k}, *tet = &cells[4 * nc++];
          for (PetscInt step = 0; step < 4; ++step) {
            if (step > 0) ijk[perm[p][step - 1]]++;
            tet[step] = ijk[0] + (n + 1) * (ijk[1] + (n + 1) * ijk[2]);
          }
          if (p < 3) { /* even permutation: positive volume, so swap to make it negative */
            PetscInt swap = tet[2];
            tet[2]        = tet[3];
            tet[3]        = swap;
          }
        }
  PetscCall(DMPlexCreateFromCellListPetsc(comm, 3, rank == 0 ? nc : 0, rank == 0 ? nv : 0, 4, PETSC_TRUE, cells, 3, xyz, dm));
  PetscCall(DMCreateLabel(*dm, "Cell Sets"));
  PetscCall(DMPlexGetHeightStratum(*dm, 0, &cStart, &cEnd));
  for (PetscInt c = cStart; c < cEnd; ++c) {
    PetscReal volume, centroid[3];
    PetscCall(DMPlexComputeCellGeometryFVM(*dm, c, &volume, centroid, NULL));
    PetscCall(DMSetLabelValue(*dm, "Cell Sets", c, centroid[0] < 0.5 ? 1 : 2));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode CreateCoordinateField(DM dm, Vec *field)
{
  DM                 vdm;
  PetscSection       section, csection;
  Vec                local, coordinates;
  PetscScalar       *u;
  const PetscScalar *x;
  PetscInt           pStart, pEnd, vStart, vEnd;

  PetscFunctionBeginUser;
  PetscCall(DMClone(dm, &vdm));
  PetscCall(PetscSectionCreate(PetscObjectComm((PetscObject)dm), &section));
  PetscCall(DMPlexGetChart(dm, &pStart, &pEnd));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  PetscCall(PetscSectionSetChart(section, pStart, pEnd));
  for (PetscInt v = vStart; v < vEnd; ++v)
    PetscCall(PetscSectionSetDof(section, v, 3));
  PetscCall(PetscSectionSetUp(section));
  PetscCall(DMSetLocalSection(vdm, section));
  PetscCall(PetscSectionDestroy(&section));
  PetscCall(DMCreateGlobalVector(vdm, field));
  PetscCall(DMGetLocalVector(vdm, &local));
  PetscCall(DMGetLocalSection(vdm, &section));
  PetscCall(DMGetCoordinatesLocal(dm, &coordinates));
  PetscCall(DMGetCoordinateSection(dm, &csection));
  PetscCall(VecGetArray(local, &u));
  PetscCall(VecGetArrayRead(coordinates, &x));
  for (PetscInt v = vStart; v < vEnd; ++v) {
    PetscInt off, coff;
    PetscCall(PetscSectionGetOffset(section, v, &off));
    PetscCall(PetscSectionGetOffset(csection, v, &coff));
    for (PetscInt d = 0; d < 3; ++d)
      u[off + d] = x[coff + d];
  }
  PetscCall(VecRestoreArrayRead(coordinates, &x));
  PetscCall(VecRestoreArray(local, &u));
  PetscCall(DMLocalToGlobal(vdm, local, INSERT_VALUES, *field));
  PetscCall(DMRestoreLocalVector(vdm, &local));
  PetscCall(DMDestroy(&vdm)); /* the Vec keeps its DM */
  PetscFunctionReturn(0);
}
static PetscErrorCode CreateCellFields(DM dm, Vec *index, Vec *centroid)
{
  PetscInt     cStart, cEnd;
  PetscScalar *a, *b;

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  PetscCall(VecCreateMPI(PetscObjectComm((PetscObject)dm), cEnd - cStart, PETSC_DETERMINE, index));
  PetscCall(VecCreate(PetscObjectComm((PetscObject)dm), centroid));
  PetscCall(VecSetSizes(*centroid, 3 * (cEnd - cStart), PETSC_DETERMINE));
  PetscCall(VecSetBlockSize(*centroid, 3));
  PetscCall(VecSetType(*centroid, VECSTANDARD));
  PetscCall(VecGetArray(*index, &a));
  PetscCall(VecGetArray(*centroid, &b));
  for (PetscInt c = cStart; c < cEnd; ++c) {
    PetscReal volume, x[3];
    PetscCall(DMPlexComputeCellGeometryFVM(dm, c, &volume, x, NULL));
    a[c - cStart] = (PetscScalar)(c - cStart);
    for (PetscInt d = 0; d < 3; ++d)
      b[3 * (c - cStart) + d] = x[d];
  }
  PetscCall(VecRestoreArray(*centroid, &b));
  PetscCall(VecRestoreArray(*index, &a));
  PetscFunctionReturn(0);
}

/* The box built on rank 0 and distributed by PETSc's simple partitioner (the partition
   stage's METIS path is tested elsewhere; this test needs only some split). */
static PetscErrorCode CreateDistributedBox(DM *dm)
{
  DM               serial, parallel = NULL;
  PetscPartitioner partitioner;

  PetscFunctionBeginUser;
  PetscCall(CreateBoxMesh(PETSC_COMM_WORLD, &serial));
  PetscCall(DMPlexGetPartitioner(serial, &partitioner));
  PetscCall(PetscPartitionerSetType(partitioner, PETSCPARTITIONERSIMPLE));
  PetscCall(DMPlexDistribute(serial, 0, NULL, &parallel));
  if (parallel) {
    PetscCall(DMDestroy(&serial));
    *dm = parallel;
  } else
    *dm = serial;
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteState(TwinfeResults results, PetscReal time, DM dm, Vec coordinates, Vec index, Vec centroid)
{
  const char *point_names[] = {"coordinates"}, *cell_names[] = {"cell_index", "centroid"};
  Vec         point_fields[1], cell_fields[2];

  PetscFunctionBeginUser;
  point_fields[0] = coordinates;
  cell_fields[0]  = index;
  cell_fields[1]  = centroid;
  PetscCall(TwinfeResultsWriteState(results, time, dm, 1, point_names, point_fields, 2, cell_names, cell_fields));
  PetscFunctionReturn(0);
}

START_TEST(test_pvtu_pieces_read_back)
{
  DM                 dm;
  Vec                coordinates, index, centroid;
  TwinfeResults      results;
  PetscInt           cStart, cEnd, vStart, vEnd, nfiles, ncells, npoints;
  const char *const *files;
  PetscMPIInt        rank, size;
  char               dir[PETSC_MAX_PATH_LEN], args[4096];

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  ck_assert_int_eq(size, 2);
  TWINFE_CK(PetscSNPrintf(dir, sizeof dir, "%s/series", twinfe_test_work_dir()));
  if (rank == 0) ck_assert_int_eq(mkdir(dir, 0777), 0);
  MPI_Barrier(PETSC_COMM_WORLD);
  TWINFE_CK(CreateDistributedBox(&dm));
  TWINFE_CK(CreateCoordinateField(dm, &coordinates));
  TWINFE_CK(CreateCellFields(dm, &index, &centroid));
  TWINFE_CK(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  TWINFE_CK(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  ck_assert_int_gt(cEnd - cStart, 0); /* both ranks hold a piece */
  ncells  = GlobalSum(cEnd - cStart);
  npoints = GlobalSum(vEnd - vStart); /* vertices on the cut are in both pieces */
  ck_assert_int_eq(ncells, 48);

  TWINFE_CK(TwinfeResultsCreate(PETSC_COMM_WORLD, dir, "box", &results));
  TWINFE_CK(WriteState(results, 0.0, dm, coordinates, index, centroid));
  TWINFE_CK(WriteState(results, 0.5, dm, coordinates, index, centroid));
  TWINFE_CK(TwinfeResultsGetFiles(results, &nfiles, &files));
  ck_assert_int_eq(nfiles, 3);
  ck_assert_str_eq(files[0], "box.pvd");
  ck_assert_str_eq(files[1], "box_0000.pvtu");
  ck_assert_str_eq(files[2], "box_0001.pvtu");
  TWINFE_CK(TwinfeResultsDestroy(&results));

  /* 2 pieces holding all 48 cells; coordinates field equal to the points (bit-exact copies,
     1e-12 only for the checker), positive tets whose volumes sum to the unit cube (1e-12:
     sums of 48 exact binary fractions), region by x = 0.5, both ranks present. */
  TWINFE_CK(PetscSNPrintf(args, sizeof args,
                          "grid '%s/box_0001.pvtu' --pieces 2 --cells %d --points %d --array point:coordinates:3 "
                          "--array cell:region:1 --array cell:rank:1 --array cell:centroid:3 "
                          "--equals-coordinates coordinates --tol 1e-12 --check \"volume > 0\" "
                          "--check \"np.abs(volume.sum() - 1.0) < 1e-12\" "
                          "--check \"np.abs(cell['centroid'] - centroid).max() < 1e-12\" "
                          "--check \"cell['region'] == np.where(centroid[:, 0] < 0.5, 1, 2)\" "
                          "--check \"np.array_equal(np.unique(cell['rank']), [0, 1])\"",
                          dir, (int)ncells, (int)npoints));
  ck_assert_int_eq(Readback(args), 0);
  TWINFE_CK(PetscSNPrintf(args, sizeof args, "pvd '%s/box.pvd' --times 0 0.5", dir));
  ck_assert_int_eq(Readback(args), 0);
  TWINFE_CK(PetscSNPrintf(args, sizeof args, "%s/box_0001/box_0001_%d.vtu", dir, rank));
  ck_assert(FileExists(args));

  TWINFE_CK(VecDestroy(&coordinates));
  TWINFE_CK(VecDestroy(&index));
  TWINFE_CK(VecDestroy(&centroid));
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

/* Rank 1 cannot write its piece (a folder is in the way of its temporary file): both ranks
   get an error, rank 0 removes its piece, and no .pvtu or .pvd appears. */
START_TEST(test_failure_on_one_rank_fails_all)
{
  DM             dm;
  Vec            coordinates, index, centroid;
  TwinfeResults  results;
  PetscMPIInt    rank;
  PetscInt       nfiles;
  char           dir[PETSC_MAX_PATH_LEN], path[PETSC_MAX_PATH_LEN];
  PetscErrorCode ierr;

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  TWINFE_CK(PetscSNPrintf(dir, sizeof dir, "%s/blocked", twinfe_test_work_dir()));
  if (rank == 0) {
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/box_0000", dir));
    ck_assert_int_eq(mkdir(path, 0777), 0);
    TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/box_0000/box_0000_1.vtu.tmp", dir));
    ck_assert_int_eq(mkdir(path, 0777), 0);
  }
  MPI_Barrier(PETSC_COMM_WORLD);
  TWINFE_CK(CreateDistributedBox(&dm));
  TWINFE_CK(CreateCoordinateField(dm, &coordinates));
  TWINFE_CK(CreateCellFields(dm, &index, &centroid));
  TWINFE_CK(TwinfeResultsCreate(PETSC_COMM_WORLD, dir, "box", &results));
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  ierr = WriteState(results, 0.0, dm, coordinates, index, centroid);
  PetscPopErrorHandler();
  ck_assert_int_ne(ierr, 0);
  TWINFE_CK(TwinfeResultsGetFiles(results, &nfiles, NULL));
  ck_assert_int_eq(nfiles, 1);
  MPI_Barrier(PETSC_COMM_WORLD);
  TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/box_0000/box_0000_0.vtu", dir));
  ck_assert(!FileExists(path));
  TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/box_0000.pvtu", dir));
  ck_assert(!FileExists(path));
  TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/box.pvd", dir));
  ck_assert(!FileExists(path));
  TWINFE_CK(TwinfeResultsDestroy(&results));
  TWINFE_CK(VecDestroy(&coordinates));
  TWINFE_CK(VecDestroy(&index));
  TWINFE_CK(VecDestroy(&centroid));
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *suite = suite_create("io_pvtu");
  TCase *tc    = tcase_create("io");

  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_pvtu_pieces_read_back);
  tcase_add_test(tc, test_failure_on_one_rank_fails_all);
  suite_add_tcase(suite, tc);
  return suite;
}
