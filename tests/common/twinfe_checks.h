/* Checks and fixtures shared by several of libtwinfe's Check tests (compiled into every test
 * program with twinfe_test.c).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include "twinfe_test.h"

#include <petscdmplex.h>
#include <twinfe/io.h>
#include <twinfe/mesh.h>

/* ---- files and the Python read-back client */

PetscBool twinfe_test_file_exists(const char *path);
/* Run tests/clients/vtk_readback.py with args on rank 0 and return its exit status (0 when all
   its checks hold) on every rank of PETSC_COMM_WORLD. */
int twinfe_test_readback(const char *args);

/* ---- counts over ranks and labels */

/* Sum of local over the ranks of PETSC_COMM_WORLD. */
PetscInt twinfe_test_global_sum(PetscInt local);
/* Number of points of dm on this rank with label value (0 when the label is missing). */
PetscInt twinfe_test_stratum_size(DM dm, const char name[], PetscInt value);

/* ---- surfaces and meshes */

/* qsort comparison of unsigned long long keys. */
int twinfe_test_compare_u64(const void *a, const void *b);
/* hist[m]: number of edges used by m triangles (m >= 5 lumped into hist[5]). */
void twinfe_test_edge_histogram(PetscInt nv, PetscInt nt, const PetscInt tri[], PetscInt hist[6]);
/* Asserts that every tet face is inside one region (2 tets, not a facet), an interface (2 tets
   of two regions, one facet tagged TwinfeFacetTag(a, b)) or a boundary face (1 tet, one facet
   tagged with the region or with a cap of it, TwinfeCapTag), and that every facet is one of
   these faces. Returns the number of interface faces. */
PetscInt twinfe_test_check_conforming(TwinfeMesh mesh);

/* How many tets have gamma < 0.1 (the report's mesh.quality.poor_tets). */
PetscInt twinfe_test_count_poor_tets(TwinfeMesh mesh);

/* The mesh distributed twice: faces and edges by DMPlexInterpolate (-partition_interpolate
   petsc), then by our bulk interpolation (the default). Returns how many times our
   interpolation has run in this process (its log event), so a test can see it did. */
PetscInt twinfe_test_distribute_both(TwinfeMesh mesh, DM *petsc, DM *ours);

/* ---- the io tests' box: a DMPlex and fields whose values the read-back can predict */

typedef struct {
  DM  dm;
  Vec coordinates; /* point field: the vertex coordinates */
  Vec cell_index;  /* cell field: local cell index */
  Vec centroid;    /* cell field: cell centroid (3 components) */
} TwinfeTestBoxCase;

/* twinfe_test_box_mesh(2) (48 tets, "Cell Sets" 1 left of x = 0.5 and 2 right of it) built on
   rank 0 and distributed by TwinfePartitionDistribute; DMPlex holds its tets negatively
   oriented, so a VTK writer must turn each one over. Collective. */
void twinfe_test_box_case_create(TwinfeTestBoxCase *box);
void twinfe_test_box_case_destroy(TwinfeTestBoxCase *box);
/* Writes the box's coordinates (point) and cell_index, centroid (cell) fields at time. */
PetscErrorCode twinfe_test_box_case_write(TwinfeResults results, PetscReal time, const TwinfeTestBoxCase *box);

/* ---- grids */

/* D (row-major) = the rotation by degrees about the unit vector axis (Rodrigues' formula): an
   oblique direction matrix for a test image. */
void twinfe_test_rotation(const PetscReal axis[3], PetscReal degrees, PetscReal D[9]);

/* ---- label maps drawn by a function */

/* An image of dims voxels of the given spacing at origin (axis-aligned) whose voxel (i, j, k)
   holds label(i, j, k). */
TwinfeImage twinfe_test_image_from(const PetscInt dims[3], const PetscReal spacing[3], const PetscReal origin[3],
                                   int32_t (*label)(int i, int j, int k));

/* ---- error messages */

/* Between begin and end, PETSc errors are silenced and the message of the last error raised
   (its PETSC_ERROR_INITIAL text) is kept; end returns it ("" when none was raised). For tests
   that check what a refusal says. Not collective. */
void        twinfe_test_capture_errors_begin(void);
const char *twinfe_test_capture_errors_end(void);

/* ---- vessels */

/* TwinfeMeshCreateTube(radius, length, h) built on rank 0 and distributed over PETSC_COMM_WORLD
   by TwinfePartitionDistribute: wall tag 1, inlet cap (z = 0) TwinfeCapTag(1, 1), outlet cap
   (z = length) TwinfeCapTag(1, 2). Collective. */
DM twinfe_test_tube_dm(PetscReal radius, PetscReal length, PetscReal h);
