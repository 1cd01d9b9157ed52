/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _POSIX_C_SOURCE 200809L /* stat() under -std=c11 */
#include "twinfe_checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <twinfe/core.h>
#include <twinfe/partition.h>

PetscBool twinfe_test_file_exists(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 ? PETSC_TRUE : PETSC_FALSE;
}

int twinfe_test_readback(const char *args)
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

PetscInt twinfe_test_global_sum(PetscInt local)
{
  PetscInt sum = 0;
  MPI_Allreduce(&local, &sum, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD);
  return sum;
}

PetscInt twinfe_test_stratum_size(DM dm, const char name[], PetscInt value)
{
  DMLabel  label;
  PetscInt n = 0;
  DMGetLabel(dm, name, &label);
  if (label) DMLabelGetStratumSize(label, value, &n);
  return n;
}

int twinfe_test_compare_u64(const void *a, const void *b)
{
  const unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;
  return x < y ? -1 : x > y;
}

void twinfe_test_edge_histogram(PetscInt nv, PetscInt nt, const PetscInt tri[], PetscInt hist[6])
{
  unsigned long long *key = malloc(3 * (size_t)nt * sizeof *key + 1);
  ck_assert_ptr_nonnull(key);
  for (PetscInt t = 0; t < nt; t++)
    for (int e = 0; e < 3; e++) {
      unsigned long long a = (unsigned long long)tri[3 * t + e], b = (unsigned long long)tri[3 * t + (e + 1) % 3];
      key[3 * t + e] = a < b ? a * (unsigned long long)nv + b : b * (unsigned long long)nv + a;
    }
  qsort(key, 3 * (size_t)nt, sizeof *key, twinfe_test_compare_u64);
  for (int m = 0; m < 6; m++)
    hist[m] = 0;
  for (size_t s = 0, e; s < 3 * (size_t)nt; s = e) {
    for (e = s; e < 3 * (size_t)nt && key[e] == key[s]; e++) {
    }
    hist[e - s < 5 ? e - s : 5]++;
  }
  free(key);
}

typedef struct {
  PetscInt v[3];
  int32_t  value; /* region of the tet, or facet tag */
} Face;

static int CompareFace(const void *x, const void *y)
{
  const Face *a = (const Face *)x, *b = (const Face *)y;
  for (int k = 0; k < 3; k++)
    if (a->v[k] != b->v[k]) return a->v[k] < b->v[k] ? -1 : 1;
  return 0;
}

static Face SortedFace(PetscInt a, PetscInt b, PetscInt c, int32_t value)
{
  Face f = {{a, b, c}, value};
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2 - i; j++)
      if (f.v[j] > f.v[j + 1]) {
        PetscInt s = f.v[j];
        f.v[j] = f.v[j + 1], f.v[j + 1] = s;
      }
  return f;
}

PetscInt twinfe_test_check_conforming(TwinfeMesh mesh)
{
  PetscInt        ntets, nfacets, matched = 0, interfaces = 0;
  const PetscInt *tets, *facets;
  const int32_t  *regions, *tags;
  Face           *tf, *ff;

  TWINFE_CK(TwinfeMeshGetTetrahedra(mesh, &ntets, &tets, &regions));
  TWINFE_CK(TwinfeMeshGetFacets(mesh, &nfacets, &facets, &tags));
  tf = (Face *)malloc(sizeof(Face) * 4 * ntets);
  ff = (Face *)malloc(sizeof(Face) * (nfacets + 1));
  for (PetscInt t = 0; t < ntets; t++)
    for (int k = 0; k < 4; k++) {
      const PetscInt *v = &tets[4 * t];
      tf[4 * t + k]     = SortedFace(v[(k + 1) % 4], v[(k + 2) % 4], v[(k + 3) % 4], regions[t]);
    }
  for (PetscInt f = 0; f < nfacets; f++)
    ff[f] = SortedFace(facets[3 * f], facets[3 * f + 1], facets[3 * f + 2], tags[f]);
  qsort(tf, 4 * ntets, sizeof(Face), CompareFace);
  qsort(ff, nfacets, sizeof(Face), CompareFace);
  for (PetscInt f = 1; f < nfacets; f++)
    ck_assert_msg(CompareFace(&ff[f - 1], &ff[f]) != 0, "facet listed twice");
  for (PetscInt i = 0, j; i < 4 * ntets; i = j) {
    const Face *facet;
    for (j = i + 1; j < 4 * ntets && CompareFace(&tf[i], &tf[j]) == 0; j++) {
    }
    ck_assert_msg(j - i <= 2, "a face is shared by %d tets", (int)(j - i));
    facet = (const Face *)bsearch(&tf[i], ff, nfacets, sizeof(Face), CompareFace);
    if (j - i == 1) {
      PetscInt larger, smaller; /* the region's own tag, or one of its caps (TwinfeCapTag) */
      ck_assert_msg(facet != NULL, "boundary face of region %d is not a facet", (int)tf[i].value);
      TwinfeFacetTagLabels(facet->value, &larger, &smaller);
      ck_assert_msg(larger == tf[i].value && smaller == 0,
                    "boundary face of region %d is tagged %d: expected %d or a cap of the region (TwinfeCapTag(k, %d))",
                    (int)tf[i].value, (int)facet->value, (int)TwinfeFacetTag(tf[i].value, 0), (int)tf[i].value);
      matched++;
    } else if (tf[i].value == tf[i + 1].value) {
      ck_assert_msg(facet == NULL, "a face inside region %d is listed as facet tag %d", (int)tf[i].value,
                    facet ? (int)facet->value : 0);
    } else {
      ck_assert_msg(facet != NULL, "interface face %d|%d is not a facet", (int)tf[i].value, (int)tf[i + 1].value);
      ck_assert_int_eq(facet->value, TwinfeFacetTag(tf[i].value, tf[i + 1].value));
      matched++;
      interfaces++;
    }
  }
  ck_assert_int_eq(matched, nfacets);
  free(tf);
  free(ff);
  return interfaces;
}

static PetscErrorCode CreateBoxPlex(DM *dm)
{
  PetscMPIInt rank;
  TwinfeMesh  mesh = NULL;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (rank == 0) PetscCall(twinfe_test_box_mesh(2, &mesh));
  PetscCall(TwinfePartitionDistribute(PETSC_COMM_WORLD, mesh, dm));
  PetscCall(TwinfeMeshDestroy(&mesh));
  PetscFunctionReturn(0);
}

/* A global Vec with 3 dofs per vertex on a clone of dm, holding the vertex coordinates. */
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

/* Cell fields: the local cell index (1 component) and the centroid (3 components). */
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

void twinfe_test_box_case_create(TwinfeTestBoxCase *box)
{
  TWINFE_CK(CreateBoxPlex(&box->dm));
  TWINFE_CK(CreateCoordinateField(box->dm, &box->coordinates));
  TWINFE_CK(CreateCellFields(box->dm, &box->cell_index, &box->centroid));
}

void twinfe_test_box_case_destroy(TwinfeTestBoxCase *box)
{
  TWINFE_CK(VecDestroy(&box->coordinates));
  TWINFE_CK(VecDestroy(&box->cell_index));
  TWINFE_CK(VecDestroy(&box->centroid));
  TWINFE_CK(DMDestroy(&box->dm));
}

PetscErrorCode twinfe_test_box_case_write(TwinfeResults results, PetscReal time, const TwinfeTestBoxCase *box)
{
  const char *point_names[] = {"coordinates"}, *cell_names[] = {"cell_index", "centroid"};
  Vec         point_fields[1], cell_fields[2];

  PetscFunctionBeginUser;
  point_fields[0] = box->coordinates;
  cell_fields[0]  = box->cell_index;
  cell_fields[1]  = box->centroid;
  PetscCall(TwinfeResultsWriteState(results, time, box->dm, 1, point_names, point_fields, 2, cell_names, cell_fields));
  PetscFunctionReturn(0);
}

PetscInt twinfe_test_count_poor_tets(TwinfeMesh mesh)
{
  const PetscReal edges[] = {0, 0.1, 1};
  PetscInt        counts[2];
  TWINFE_CK(TwinfeMeshGammaHistogram(mesh, 2, edges, counts));
  return counts[0];
}

PetscInt twinfe_test_distribute_both(TwinfeMesh mesh, DM *petsc, DM *ours)
{
  PetscLogEvent      event;
  PetscEventPerfInfo info;
  TWINFE_CK(PetscLogDefaultBegin());
  TWINFE_CK(PetscOptionsSetValue(NULL, "-partition_interpolate", "petsc"));
  TWINFE_CK(TwinfePartitionDistribute(PETSC_COMM_WORLD, mesh, petsc));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-partition_interpolate"));
  TWINFE_CK(TwinfePartitionDistribute(PETSC_COMM_WORLD, mesh, ours));
  TWINFE_CK(PetscLogEventGetId("TwinfeInterpTets", &event));
  TWINFE_CK(PetscLogEventGetPerfInfo(0, event, &info));
  return info.count;
}

void twinfe_test_rotation(const PetscReal axis[3], PetscReal degrees, PetscReal D[9])
{
  const PetscReal th   = degrees * PETSC_PI / 180;
  const PetscReal K[9] = {0, -axis[2], axis[1], axis[2], 0, -axis[0], -axis[1], axis[0], 0};
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++) {
      PetscReal KK = 0;
      for (int m = 0; m < 3; m++)
        KK += K[3 * r + m] * K[3 * m + c];
      D[3 * r + c] = (r == c) + PetscSinReal(th) * K[3 * r + c] + (1 - PetscCosReal(th)) * KK;
    }
}

TwinfeImage twinfe_test_image_from(const PetscInt dims[3], const PetscReal spacing[3], const PetscReal origin[3],
                                   int32_t (*label)(int i, int j, int k))
{
  TwinfeImage image;
  int32_t    *l;
  TWINFE_CK(TwinfeImageCreate(dims, spacing, origin, NULL, &image));
  TWINFE_CK(TwinfeImageGetLabels(image, &l));
  for (int k = 0; k < dims[2]; k++)
    for (int j = 0; j < dims[1]; j++)
      for (int i = 0; i < dims[0]; i++)
        l[i + dims[0] * (j + dims[1] * k)] = label(i, j, k);
  return image;
}

/* ---- error messages */

static char captured_message[4096];

static PetscErrorCode CaptureMessage(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n,
                                     PetscErrorType p, const char *mess, void *ctx)
{
  (void)comm, (void)line, (void)fun, (void)file, (void)ctx;
  if (p == PETSC_ERROR_INITIAL && mess) snprintf(captured_message, sizeof captured_message, "%s", mess);
  return n;
}

void twinfe_test_capture_errors_begin(void)
{
  captured_message[0] = '\0';
  PetscPushErrorHandler(CaptureMessage, NULL);
}

const char *twinfe_test_capture_errors_end(void)
{
  PetscPopErrorHandler();
  return captured_message;
}

/* ---- vessels */

DM twinfe_test_tube_dm(PetscReal radius, PetscReal length, PetscReal h)
{
  TwinfeMesh  mesh = NULL;
  DM          dm   = NULL;
  PetscMPIInt rank;

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  if (!rank) TWINFE_CK(TwinfeMeshCreateTube(radius, length, h, &mesh));
  TWINFE_CK(TwinfePartitionDistribute(PETSC_COMM_WORLD, mesh, &dm));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  return dm;
}
