/* Element quality and region volumes of a TwinfeMesh.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * gamma = 3 * inradius / circumradius, so the regular tet scores 1 and a flat one 0. This is
 * the classic radius ratio (not Gmsh's own "gamma", which uses volume over the sum of face
 * areas times the longest edge; TwinfeMeshComputeCellQuality gives both). */
#include "meshimpl.h"
#include "core/core_impl.h"

static void Sub(const PetscReal a[3], const PetscReal b[3], PetscReal c[3])
{
  for (int i = 0; i < 3; i++)
    c[i] = a[i] - b[i];
}

static void Cross(const PetscReal a[3], const PetscReal b[3], PetscReal c[3])
{
  c[0] = a[1] * b[2] - a[2] * b[1];
  c[1] = a[2] * b[0] - a[0] * b[2];
  c[2] = a[0] * b[1] - a[1] * b[0];
}

static PetscReal Dot(const PetscReal a[3], const PetscReal b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/* With edge vectors a, b, c from vertex 0 and det = a.(b x c): inradius = |det| / (2 S) with
   S the total face area, circumradius = |N| / (2 |det|) with
   N = |a|^2 (b x c) + |b|^2 (c x a) + |c|^2 (a x b). So gamma = 3 det^2 / (S |N|). */
PetscReal TwinfeTetRadiusRatio_Private(const PetscReal *p[4])
{
  PetscReal a[3], b[3], c[3], bc[3], ca[3], ab[3], n[3], area = 0;
  PetscReal det;

  Sub(p[1], p[0], a);
  Sub(p[2], p[0], b);
  Sub(p[3], p[0], c);
  Cross(b, c, bc);
  Cross(c, a, ca);
  Cross(a, b, ab);
  det = Dot(a, bc);
  if (det <= 0) return 0;
  for (int i = 0; i < 3; i++)
    n[i] = Dot(a, a) * bc[i] + Dot(b, b) * ca[i] + Dot(c, c) * ab[i];
  {
    PetscReal e1[3], e2[3], f[3];
    Sub(p[2], p[1], e1);
    Sub(p[3], p[1], e2);
    Cross(e1, e2, f);
    area =
        0.5 * (PetscSqrtReal(Dot(bc, bc)) + PetscSqrtReal(Dot(ca, ca)) + PetscSqrtReal(Dot(ab, ab)) + PetscSqrtReal(Dot(f, f)));
  }
  return 3 * det * det / (area * PetscSqrtReal(Dot(n, n)));
}

/* Gmsh's gamma: 6 sqrt(6) V / (S l_max) = sqrt(6) det / (S l_max) with det = 6 V. For the
   regular tet of edge a: V = a^3 / (6 sqrt 2), S = sqrt(3) a^2, so gamma = 1. */
static PetscReal TetGmshGamma(const PetscReal *p[4])
{
  PetscReal a[3], b[3], c[3], bc[3], det, area = 0, lmax2 = 0;

  Sub(p[1], p[0], a);
  Sub(p[2], p[0], b);
  Sub(p[3], p[0], c);
  Cross(b, c, bc);
  det = Dot(a, bc);
  if (det <= 0) return 0;
  for (int i = 0; i < 4; i++) { /* face i is the one opposite vertex i */
    const PetscReal *q[3];
    PetscReal        e1[3], e2[3], n[3];
    for (int k = 0, m = 0; k < 4; k++)
      if (k != i) q[m++] = p[k];
    Sub(q[1], q[0], e1);
    Sub(q[2], q[0], e2);
    Cross(e1, e2, n);
    area += 0.5 * PetscSqrtReal(Dot(n, n));
  }
  for (int i = 0; i < 4; i++)
    for (int j = i + 1; j < 4; j++) {
      PetscReal e[3];
      Sub(p[j], p[i], e);
      lmax2 = PetscMax(lmax2, Dot(e, e));
    }
  return PetscSqrtReal(6.0) * det / (area * PetscSqrtReal(lmax2));
}

/* Smallest dihedral angle in degrees (0 for a degenerate tet). At an edge the dihedral angle is
   pi minus the angle between the two faces' outward normals, so the smallest angle belongs to
   the pair of normals with the smallest dot product: one arccosine per tet. */
PetscReal TwinfeTetMinDihedralDeg_Private(const PetscReal *p[4])
{
  PetscReal normal[4][3], lowest = 1;
  for (int i = 0; i < 4; i++) {
    const PetscReal *q[3];
    PetscReal        e1[3], e2[3], toward[3], len;
    for (int k = 0, m = 0; k < 4; k++)
      if (k != i) q[m++] = p[k];
    Sub(q[1], q[0], e1), Sub(q[2], q[0], e2), Cross(e1, e2, normal[i]);
    Sub(p[i], q[0], toward);
    len = PetscSqrtReal(Dot(normal[i], normal[i]));
    if (len == 0) return 0;
    if (Dot(normal[i], toward) > 0) len = -len; /* point it away from the opposite vertex */
    for (int d = 0; d < 3; d++)
      normal[i][d] /= len;
  }
  for (int i = 0; i < 4; i++)
    for (int j = i + 1; j < 4; j++)
      lowest = PetscMin(lowest, Dot(normal[i], normal[j]));
  return 180 - PetscAcosReal(PetscMax(-1.0, lowest)) * 180 / PETSC_PI;
}

static void TetPoints(TwinfeMesh mesh, PetscInt t, const PetscReal *p[4])
{
  for (int k = 0; k < 4; k++)
    p[k] = &mesh->xyz[3 * mesh->tets[4 * t + k]];
}

static void MeasureCells(PetscInt begin, PetscInt end, void *ctx)
{
  TwinfeMesh mesh = (TwinfeMesh)ctx;
  for (PetscInt t = begin; t < end; t++) {
    const PetscReal *p[4];
    TetPoints(mesh, t, p);
    mesh->cell_radius_ratio[t] = TwinfeTetRadiusRatio_Private(p);
    mesh->cell_gmsh_gamma[t]   = TetGmshGamma(p);
    mesh->cell_min_dihedral[t] = TwinfeTetMinDihedralDeg_Private(p);
  }
}

/* The three measures of every tet, computed once (on TwinfeGetThreads threads) for the
   summary, the histogram, the region table and mesh.vtu, which all ask for them. */
static PetscLogEvent measure_event = -1;

PetscErrorCode TwinfeMeshMeasureCells_Private(TwinfeMesh mesh)
{
  PetscFunctionBeginUser;
  if (mesh->cell_radius_ratio) PetscFunctionReturn(0);
  PetscCall(TwinfeLogBegin_Private("TwinfeMeshMeasure", &measure_event));
  PetscCall(PetscMalloc3(mesh->ntets + 1, &mesh->cell_radius_ratio, mesh->ntets + 1, &mesh->cell_gmsh_gamma, mesh->ntets + 1,
                         &mesh->cell_min_dihedral));
  PetscCall(TwinfeParallelFor_Private(mesh->ntets, MeasureCells, mesh));
  PetscCall(PetscLogEventEnd(measure_event, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshForgetCellMeasures_Private(TwinfeMesh mesh)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree3(mesh->cell_radius_ratio, mesh->cell_gmsh_gamma, mesh->cell_min_dihedral));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshComputeQuality(TwinfeMesh mesh, PetscReal *min_gamma, PetscReal *mean_gamma, PetscReal *min_dihedral_deg)
{
  PetscReal gmin = PETSC_MAX_REAL, gsum = 0, dmin = 180;

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  PetscCheck(mesh->ntets > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "TwinfeMeshComputeQuality: the mesh has no tetrahedra");
  PetscCall(TwinfeMeshMeasureCells_Private(mesh));
  for (PetscInt t = 0; t < mesh->ntets; t++) {
    const PetscReal g = mesh->cell_radius_ratio[t];
    gmin              = PetscMin(gmin, g);
    gsum += g;
    dmin = PetscMin(dmin, mesh->cell_min_dihedral[t]);
  }
  if (min_gamma) *min_gamma = gmin;
  if (mean_gamma) *mean_gamma = gsum / (PetscReal)mesh->ntets;
  if (min_dihedral_deg) *min_dihedral_deg = dmin;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshGammaHistogram(TwinfeMesh mesh, PetscInt nbins, const PetscReal edges[], PetscInt counts[])
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  TwinfeCheckArgNull_Private(edges);
  TwinfeCheckArgNull_Private(counts);
  PetscCheck(nbins >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeMeshGammaHistogram: nbins %" PetscInt_FMT " must be >= 1", nbins);
  for (PetscInt b = 0; b < nbins; b++)
    PetscCheck(edges[b] < edges[b + 1], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "TwinfeMeshGammaHistogram: bin edges must increase (edge %" PetscInt_FMT " is %g, the next %g)", b,
               (double)edges[b], (double)edges[b + 1]);
  for (PetscInt b = 0; b < nbins; b++)
    counts[b] = 0;
  PetscCall(TwinfeMeshMeasureCells_Private(mesh));
  for (PetscInt t = 0; t < mesh->ntets; t++) {
    PetscReal g;
    PetscInt  lo = 0, hi = nbins;
    g = PetscMin(1.0, PetscMax(0.0, mesh->cell_radius_ratio[t])); /* gamma lies in [0, 1]; rounding may step out */
    if (g < edges[0] || g > edges[nbins]) continue;
    while (hi - lo > 1) { /* the bin b with edges[b] <= g < edges[b + 1]; the top bin is closed */
      PetscInt mid = (lo + hi) / 2;
      if (g >= edges[mid])
        lo = mid;
      else
        hi = mid;
    }
    counts[lo]++;
  }
  PetscFunctionReturn(0);
}

static int CompareInt32(const void *a, const void *b)
{
  const int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

PetscErrorCode TwinfeMeshComputeRegionVolumes(TwinfeMesh mesh, PetscReal volumes[])
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  TwinfeCheckArgNull_Private(volumes);
  for (PetscInt r = 0; r < mesh->nregions; r++)
    volumes[r] = 0;
  for (PetscInt t = 0; t < mesh->ntets; t++) {
    const PetscInt *v = &mesh->tets[4 * t];
    const int32_t  *hit =
        (const int32_t *)bsearch(&mesh->regions[t], mesh->region_labels, (size_t)mesh->nregions, sizeof(int32_t), CompareInt32);
    PetscCheck(hit, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "TwinfeMesh: tet %" PetscInt_FMT " has a region missing from the region list", t);
    volumes[hit - mesh->region_labels] +=
        TwinfeTetDet_Private(&mesh->xyz[3 * v[0]], &mesh->xyz[3 * v[1]], &mesh->xyz[3 * v[2]], &mesh->xyz[3 * v[3]]) / 6.0;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshComputeCellQuality(TwinfeMesh mesh, PetscReal radius_ratio[], PetscReal gmsh_gamma[])
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  PetscCall(TwinfeMeshMeasureCells_Private(mesh));
  if (radius_ratio) PetscCall(PetscArraycpy(radius_ratio, mesh->cell_radius_ratio, mesh->ntets));
  if (gmsh_gamma) PetscCall(PetscArraycpy(gmsh_gamma, mesh->cell_gmsh_gamma, mesh->ntets));
  PetscFunctionReturn(0);
}

/* The k-th smallest of v[0..n) (0-based), moving the values around: Hoare's selection with a
   median-of-three pivot, expected O(n), which is all a median needs (a full sort of 1.5M values
   costs about 10x more). */
static PetscReal SelectKth(PetscReal v[], PetscInt n, PetscInt k)
{
  PetscInt lo = 0, hi = n - 1;

  while (hi > lo) {
    const PetscInt mid = lo + (hi - lo) / 2;
    PetscReal      a = v[lo], b = v[mid], c = v[hi], pivot;
    PetscInt       i = lo, j = hi;
    pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
    while (i <= j) {
      while (v[i] < pivot)
        i++;
      while (v[j] > pivot)
        j--;
      if (i <= j) {
        const PetscReal tmp = v[i];
        v[i++]              = v[j];
        v[j--]              = tmp;
      }
    }
    if (k <= j)
      hi = j;
    else if (k >= i)
      lo = i;
    else
      return v[k];
  }
  return v[k];
}

/* The median of v[0..n), n >= 1: after selecting rank n/2, everything left of it is no larger,
   so for an even n the lower middle value is the largest of that left part. */
static PetscReal Median(PetscReal v[], PetscInt n)
{
  const PetscReal upper = SelectKth(v, n, n / 2);
  PetscReal       lower = -PETSC_MAX_REAL;

  if (n % 2) return upper;
  for (PetscInt i = 0; i < n / 2; i++)
    lower = PetscMax(lower, v[i]);
  return 0.5 * (lower + upper);
}

static PetscInt RegionIndex(TwinfeMesh mesh, int32_t label)
{
  const int32_t *hit =
      (const int32_t *)bsearch(&label, mesh->region_labels, (size_t)mesh->nregions, sizeof(int32_t), CompareInt32);
  return hit ? (PetscInt)(hit - mesh->region_labels) : -1;
}

/* Minimum, median and count below the poor threshold of values[] over the tets of region r
   (region_of[t] == r); scratch holds ntets values. */
static void RegionStats(TwinfeMesh mesh, const PetscInt region_of[], PetscInt r, const PetscReal values[], PetscReal scratch[],
                        PetscReal *min, PetscReal *median, PetscInt *below)
{
  PetscInt n = 0;

  *min   = PETSC_MAX_REAL;
  *below = 0;
  for (PetscInt t = 0; t < mesh->ntets; t++)
    if (region_of[t] == r) {
      scratch[n++] = values[t];
      *min         = PetscMin(*min, values[t]);
      if (values[t] < TWINFE_QUALITY_POOR) (*below)++;
    }
  *median = n ? Median(scratch, n) : NAN;
  if (!n) *min = NAN;
}

PetscErrorCode TwinfeMeshComputeRegionQuality(TwinfeMesh mesh, TwinfeMeshRegionQuality out[])
{
  PetscReal *rr, *gg, *scratch;
  PetscInt  *region_of;

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  TwinfeCheckArgNull_Private(out);
  PetscCall(PetscMalloc4(mesh->ntets + 1, &rr, mesh->ntets + 1, &gg, mesh->ntets + 1, &scratch, mesh->ntets + 1, &region_of));
  PetscCall(TwinfeMeshComputeCellQuality(mesh, rr, gg));
  for (PetscInt r = 0; r < mesh->nregions; r++)
    out[r] = (TwinfeMeshRegionQuality){.label = mesh->region_labels[r], .min_dihedral_deg = PETSC_MAX_REAL};
  for (PetscInt t = 0; t < mesh->ntets; t++) {
    const PetscReal         *p[4];
    PetscReal                det;
    TwinfeMeshRegionQuality *q;
    region_of[t] = RegionIndex(mesh, mesh->regions[t]);
    PetscCheck(region_of[t] >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "TwinfeMesh: tet %" PetscInt_FMT " has a region missing from the region list", t);
    q = &out[region_of[t]];
    TetPoints(mesh, t, p);
    det = TwinfeTetDet_Private(p[0], p[1], p[2], p[3]);
    q->ntets++;
    q->volume_mm3 += det / 6.0;
    if (det <= 0) q->inverted++;
    q->min_dihedral_deg = PetscMin(q->min_dihedral_deg, mesh->cell_min_dihedral[t]);
  }
  for (PetscInt r = 0; r < mesh->nregions; r++) {
    TwinfeMeshRegionQuality *q = &out[r];
    RegionStats(mesh, region_of, r, rr, scratch, &q->min_radius_ratio, &q->median_radius_ratio, &q->radius_ratio_below);
    RegionStats(mesh, region_of, r, gg, scratch, &q->min_gmsh_gamma, &q->median_gmsh_gamma, &q->gmsh_gamma_below);
    if (!q->ntets) q->min_dihedral_deg = NAN;
  }
  PetscCall(PetscFree4(rr, gg, scratch, region_of));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshCountFacetsByTag(TwinfeMesh mesh, PetscInt *ntags, int32_t **tags, PetscInt **counts)
{
  int32_t *sorted;
  PetscInt n = 0;

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  TwinfeCheckArgNull_Private(ntags);
  TwinfeCheckArgNull_Private(tags);
  TwinfeCheckArgNull_Private(counts);
  PetscCall(PetscMalloc1(mesh->nfacets + 1, &sorted));
  PetscCall(PetscArraycpy(sorted, mesh->facet_tags, mesh->nfacets));
  qsort(sorted, (size_t)mesh->nfacets, sizeof(int32_t), CompareInt32);
  for (PetscInt f = 0; f < mesh->nfacets; f++)
    if (f == 0 || sorted[f] != sorted[f - 1]) n++;
  PetscCall(PetscMalloc1(n + 1, tags));
  PetscCall(PetscCalloc1(n + 1, counts));
  n = 0;
  for (PetscInt f = 0; f < mesh->nfacets; f++) {
    if (f == 0 || sorted[f] != sorted[f - 1]) (*tags)[n++] = sorted[f];
    (*counts)[n - 1]++;
  }
  *ntags = n;
  PetscCall(PetscFree(sorted));
  PetscFunctionReturn(0);
}
