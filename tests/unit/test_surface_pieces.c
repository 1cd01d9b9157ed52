/* TwinfeSurfaceRemeshInPieces: two halves remeshed apart (on two threads when PETSc's
 * debugging malloc is off), then the band between them, against the surface remeshed whole.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The phantom (1 mm voxels, 80 x 44 x 44) is cut by the pieces' plane across x = 40, right
 * through what is hardest to stitch: two touching half-cylinders (labels 1 and 2, an interface
 * and two triple lines crossing the cut), a plate one voxel thick (label 3) and a rod of label 4
 * lying along the cut plane. */
#include "twinfe_checks.h"

#include <stdlib.h>
#include <string.h>
#include <twinfe/surface.h>

#define NX 80
#define NY 44
#define NZ 44
#define NLAB 4
#define TARGET_MM 2.0
#define DEVIATION_MM 0.5

static const int32_t all_labels[NLAB] = {1, 2, 3, 4};

static int32_t phantom_label(int i, int j, int k)
{
  const int dy = j - 14, dz = k - 22;
  if (i >= 6 && i <= 73 && dy * dy + dz * dz <= 81) return dz < 0 ? 1 : 2; /* cylinder r 9 along x, two halves */
  if (i >= 10 && i <= 70 && j >= 28 && j <= 38 && k == 12) return 3;       /* plate, one voxel thick */
  if (i >= 36 && i <= 44 && j >= 28 && j <= 38 && (k - 32) * (k - 32) + (j - 33) * (j - 33) <= 9)
    return 4; /* rod across the cut */
  return 0;
}

static TwinfeSurface smoothed_phantom(void)
{
  const PetscInt  dims[3]    = {NX, NY, NZ};
  const PetscReal spacing[3] = {1, 1, 1}, origin[3] = {-40.0, 3.5, 60.0};
  TwinfeImage     image = twinfe_test_image_from(dims, spacing, origin, phantom_label);
  TwinfeSurface   s;
  TWINFE_CK(TwinfeSurfaceCreateFromImage(image, NLAB, all_labels, &s));
  TWINFE_CK(TwinfeSurfaceSmooth(s, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT));
  TWINFE_CK(TwinfeImageDestroy(&image));
  return s;
}

static TwinfeSurface copy_of(TwinfeSurface s)
{
  PetscInt         nv, nt;
  const PetscReal *xyz;
  const PetscInt  *tri;
  const int32_t   *lab;
  TwinfeSurface    c;
  TWINFE_CK(TwinfeSurfaceGetVertices(s, &nv, &xyz));
  TWINFE_CK(TwinfeSurfaceGetTriangles(s, &nt, &tri, &lab));
  TWINFE_CK(TwinfeSurfaceCreate(nv, xyz, nt, tri, lab, &c));
  return c;
}

/* ---- topology */

typedef struct {
  PetscInt a, b;
} DirEdge;

static int cmp_edge(const void *x, const void *y)
{
  const DirEdge *p = x, *q = y;
  PetscInt       pa = PetscMin(p->a, p->b), pb = PetscMax(p->a, p->b), qa = PetscMin(q->a, q->b), qb = PetscMax(q->a, q->b);
  if (pa != qa) return pa < qa ? -1 : 1;
  return (pb > qb) - (pb < qb);
}

/* Edges of label's boundary not met by exactly as many edges running the other way (a crack
   or a flipped triangle where the pieces were stitched would show here). */
static PetscInt unbalanced_edges(TwinfeSurface s, int32_t label)
{
  PetscInt   nv, nt, *tri, bad = 0;
  PetscReal *xyz;
  DirEdge   *e;
  TWINFE_CK(TwinfeSurfaceExtractLabel(s, label, &nv, &xyz, &nt, &tri));
  e = malloc(3 * (size_t)nt * sizeof *e + 1);
  for (PetscInt t = 0; t < nt; t++)
    for (int c = 0; c < 3; c++)
      e[3 * t + c] = (DirEdge){tri[3 * t + c], tri[3 * t + (c + 1) % 3]};
  qsort(e, 3 * (size_t)nt, sizeof *e, cmp_edge);
  for (PetscInt i = 0, j; i < 3 * nt; i = j) {
    PetscInt balance = 0;
    for (j = i; j < 3 * nt && !cmp_edge(&e[i], &e[j]); j++)
      balance += e[j].a < e[j].b ? 1 : -1;
    bad += balance != 0 || j - i < 2;
  }
  free(e);
  TWINFE_CK(PetscFree(xyz));
  TWINFE_CK(PetscFree(tri));
  return bad;
}

static int cmp_point(const void *x, const void *y)
{
  const PetscReal *p = x, *q = y;
  for (int d = 0; d < 3; d++)
    if (p[d] != q[d]) return p[d] < q[d] ? -1 : 1;
  return 0;
}

/* Vertices no triangle uses, and vertices at the very same place (a seam not stitched). */
static void count_loose_vertices(TwinfeSurface s, PetscInt *unused, PetscInt *coincident)
{
  PetscInt         nv, nt;
  const PetscReal *xyz;
  const PetscInt  *tri;
  char            *used;
  PetscReal       *sorted;
  TWINFE_CK(TwinfeSurfaceGetVertices(s, &nv, &xyz));
  TWINFE_CK(TwinfeSurfaceGetTriangles(s, &nt, &tri, NULL));
  used = calloc((size_t)nv + 1, 1);
  for (PetscInt t = 0; t < 3 * nt; t++)
    used[tri[t]] = 1;
  *unused = 0;
  for (PetscInt v = 0; v < nv; v++)
    *unused += !used[v];
  free(used);
  sorted = malloc(3 * (size_t)nv * sizeof *sorted + 1);
  memcpy(sorted, xyz, 3 * (size_t)nv * sizeof *sorted);
  qsort(sorted, (size_t)nv, 3 * sizeof *sorted, cmp_point);
  *coincident = 0;
  for (PetscInt v = 1; v < nv; v++)
    *coincident += !cmp_point(sorted + 3 * (v - 1), sorted + 3 * v);
  free(sorted);
}

static PetscReal label_area(TwinfeSurface s, int32_t label)
{
  PetscInt   nv, nt, *tri;
  PetscReal *x, area = 0;
  TWINFE_CK(TwinfeSurfaceExtractLabel(s, label, &nv, &x, &nt, &tri));
  for (PetscInt t = 0; t < nt; t++) {
    const PetscReal *a = x + 3 * tri[3 * t], *b = x + 3 * tri[3 * t + 1], *c = x + 3 * tri[3 * t + 2];
    PetscReal        u[3], v[3], n[3];
    for (int d = 0; d < 3; d++)
      u[d] = b[d] - a[d], v[d] = c[d] - a[d];
    n[0] = u[1] * v[2] - u[2] * v[1], n[1] = u[2] * v[0] - u[0] * v[2], n[2] = u[0] * v[1] - u[1] * v[0];
    area += 0.5 * PetscSqrtReal(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  }
  TWINFE_CK(PetscFree(x));
  TWINFE_CK(PetscFree(tri));
  return area;
}

static PetscBool same_surface(TwinfeSurface a, TwinfeSurface b)
{
  PetscInt         na, nb, ta, tb;
  const PetscReal *xa, *xb;
  const PetscInt  *ia, *ib;
  const int32_t   *la, *lb;
  TWINFE_CK(TwinfeSurfaceGetVertices(a, &na, &xa));
  TWINFE_CK(TwinfeSurfaceGetVertices(b, &nb, &xb));
  TWINFE_CK(TwinfeSurfaceGetTriangles(a, &ta, &ia, &la));
  TWINFE_CK(TwinfeSurfaceGetTriangles(b, &tb, &ib, &lb));
  return (PetscBool)(na == nb && ta == tb && !memcmp(xa, xb, 3 * (size_t)na * sizeof *xa) &&
                     !memcmp(ia, ib, 3 * (size_t)ta * sizeof *ia) && !memcmp(la, lb, 2 * (size_t)ta * sizeof *la));
}

START_TEST(test_pieces_match_whole)
{
  const PetscReal          targets[NLAB] = {TARGET_MM, TARGET_MM, TARGET_MM, TARGET_MM};
  TwinfeSurface            input = smoothed_phantom(), whole = copy_of(input), one = copy_of(input), two = copy_of(input);
  TwinfeSurfaceRemeshStats sw, s1, s2;
  PetscInt                 nw, n1, unused, coincident;
  PetscBool                debug_malloc, eachcall, nan;

  TWINFE_CK(TwinfeSurfaceRemeshInPieces(whole, NLAB, all_labels, targets, DEVIATION_MM, 1, 1, &sw));
  TWINFE_CK(TwinfeSurfaceRemeshInPieces(one, NLAB, all_labels, targets, DEVIATION_MM, 2, 1, &s1));
  TWINFE_CK(TwinfeSurfaceRemeshInPieces(two, NLAB, all_labels, targets, DEVIATION_MM, 2, 2, &s2));
  TWINFE_CK(PetscMallocGetDebug(&debug_malloc, &eachcall, &nan));
  printf("remesh whole: %d -> %d triangles, min angle %.1f deg, deviation %.3f mm; in pieces: %d triangles, min angle %.1f "
         "deg, deviation %.3f mm (threads %s)\n",
         (int)sw.triangles_in, (int)sw.triangles_out, (double)sw.min_angle_deg, (double)sw.max_deviation_mm,
         (int)s1.triangles_out, (double)s1.min_angle_deg, (double)s1.max_deviation_mm,
         debug_malloc ? "off: PETSc's debugging malloc is on" : "on");

  /* the result depends on the pieces, never on the threads */
  ck_assert_msg(same_surface(one, two), "the surface remeshed in pieces differs between 1 and 2 threads");
  /* and the pieces did cut: a different surface from the whole one */
  ck_assert_msg(!same_surface(one, whole), "2 pieces gave the very surface of 1 piece: the surface was not parted");

  /* stitched: every label closed and oriented, no vertex twice, no crossing, no duplicate */
  for (int l = 0; l < NLAB; l++)
    ck_assert_msg(unbalanced_edges(one, all_labels[l]) == 0, "label %d's boundary is open or misoriented after the pieces",
                  (int)all_labels[l]);
  count_loose_vertices(one, &unused, &coincident);
  ck_assert_msg(unused == 0 && coincident == 0, "%d unused and %d coincident vertices after stitching", (int)unused,
                (int)coincident);
  ck_assert_int_eq(s1.self_intersections, 0);

  /* the same quality and fidelity as the whole surface: the remesher's 20 degree floor, the
     deviation bound, and the seams remeshed to the target like the rest (the mean edge within
     5% of the whole surface's; the triangle count within 5%) */
  ck_assert_msg(s1.min_angle_deg >= 20, "least angle %.1f deg after the pieces, below the remesher's 20",
                (double)s1.min_angle_deg);
  ck_assert_msg(s1.max_deviation_mm <= DEVIATION_MM, "deviation %.3f mm above the bound", (double)s1.max_deviation_mm);
  ck_assert_msg(PetscAbsReal(s1.mean_edge_mm - sw.mean_edge_mm) <= 0.05 * sw.mean_edge_mm,
                "mean edge %.3f mm in pieces, %.3f whole", (double)s1.mean_edge_mm, (double)sw.mean_edge_mm);
  nw = sw.triangles_out, n1 = s1.triangles_out;
  ck_assert_msg(PetscAbsInt(n1 - nw) <= nw / 20, "%d triangles in pieces, %d whole", (int)n1, (int)nw);
  /* volumes: both surfaces are within the deviation bound of one input, so each label's
     volume differs by its area times a mean offset well inside that bound: at most a tenth of
     it here (0.05 mm; measured 0.03 mm on the small rod across the cut, 0.002 mm on the rest) */
  for (int l = 0; l < NLAB; l++) {
    PetscReal vw, v1, vi, area;
    TWINFE_CK(TwinfeSurfaceComputeLabelVolume(whole, all_labels[l], &vw));
    TWINFE_CK(TwinfeSurfaceComputeLabelVolume(one, all_labels[l], &v1));
    TWINFE_CK(TwinfeSurfaceComputeLabelVolume(input, all_labels[l], &vi));
    printf("label %d: input %g, whole %g (%+.2f%%), pieces %g (%+.2f%%) mm^3\n", (int)all_labels[l], (double)vi, (double)vw,
           (double)(100 * (vw - vi) / vi), (double)v1, (double)(100 * (v1 - vi) / vi));
    area = label_area(whole, all_labels[l]);
    ck_assert_msg(PetscAbsReal(v1 - vw) <= 0.1 * DEVIATION_MM * area,
                  "label %d encloses %g mm^3 in pieces, %g whole: a mean offset of %.3f mm over its %g mm^2", (int)all_labels[l],
                  (double)v1, (double)vw, (double)(PetscAbsReal(v1 - vw) / area), (double)area);
  }
  TWINFE_CK(TwinfeSurfaceDestroy(&input));
  TWINFE_CK(TwinfeSurfaceDestroy(&whole));
  TWINFE_CK(TwinfeSurfaceDestroy(&one));
  TWINFE_CK(TwinfeSurfaceDestroy(&two));
}
END_TEST

START_TEST(test_pieces_refuses_bad_counts)
{
  const PetscReal targets[NLAB] = {TARGET_MM, TARGET_MM, TARGET_MM, TARGET_MM};
  TwinfeSurface   s             = smoothed_phantom();
  TWINFE_CK_FAILS(TwinfeSurfaceRemeshInPieces(s, NLAB, all_labels, targets, DEVIATION_MM, 3, 1, NULL));
  TWINFE_CK_FAILS(TwinfeSurfaceRemeshInPieces(s, NLAB, all_labels, targets, DEVIATION_MM, 2, 0, NULL));
  TWINFE_CK_FAILS(TwinfeSurfaceRemeshInPieces(s, NLAB, all_labels, targets, -1, 2, 1, NULL));
  TWINFE_CK(TwinfeSurfaceDestroy(&s));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("surface_pieces");
  TCase *tc = tcase_create("pieces");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_pieces_match_whole);
  tcase_add_test(tc, test_pieces_refuses_bad_counts);
  suite_add_tcase(s, tc);
  return s;
}
