/* Hollowing a part for printing: a shell inside its surface, or a wall around a vessel's lumen.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why an implicit field and not offset triangles: moving each vertex wall_mm along its normal
 * folds the offset surface wherever the part is thinner than twice the wall or curves more
 * tightly than the wall (a liver's edge, a kidney's hilum), and untangling it is a mesh boolean.
 * The distance to the surface has no such trouble: the solid is where a field built from it is
 * positive (inside, and nearer the surface than the wall, for a shell), drain holes and open
 * ends subtract cylinders from it, and its zero level is closed and free of crossings by
 * construction. What it costs: the outer surface is re-sampled at the grid's step (reported as
 * the deviation from the input), and walls thinner than about two steps are lost, so the step
 * follows the wall (wall / 3). */
#include "surface_impl.h"

#define TWINFE_HOLLOW_MAX_GRID_POINTS 40000000
#define TWINFE_HOLLOW_OFF_LEVEL 0.01

static PetscReal Dot(const PetscReal a[3], const PetscReal b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void UnitNormal(const PetscReal xyz[], const PetscInt t3[3], PetscReal n[3])
{
  const PetscReal *a = xyz + 3 * t3[0], *b = xyz + 3 * t3[1], *c = xyz + 3 * t3[2];
  const PetscReal  u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]}, w[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]};
  PetscReal        len;
  n[0] = u[1] * w[2] - u[2] * w[1], n[1] = u[2] * w[0] - u[0] * w[2], n[2] = u[0] * w[1] - u[1] * w[0];
  len = PetscSqrtReal(Dot(n, n));
  for (int d = 0; d < 3 && len > 0; d++)
    n[d] /= len;
}

static PetscReal SignedVolume(const PetscReal xyz[], PetscInt nt, const PetscInt tri[])
{
  PetscReal v = 0;
  for (PetscInt t = 0; t < nt; t++) {
    const PetscReal *a = xyz + 3 * tri[3 * t], *b = xyz + 3 * tri[3 * t + 1], *c = xyz + 3 * tri[3 * t + 2];
    v += a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]);
  }
  return v / 6;
}

typedef struct {
  PetscReal origin[3], h;
  PetscInt  dims[3];
} Grid;

/* The grid covers the part, plus the wall when it grows outward, plus three steps. */
static PetscErrorCode ChooseGrid(PetscInt nv, const PetscReal xyz[], const TwinfeHollowSpec *spec, Grid *g)
{
  PetscReal lo[3] = {PETSC_MAX_REAL, PETSC_MAX_REAL, PETSC_MAX_REAL}, hi[3] = {PETSC_MIN_REAL, PETSC_MIN_REAL, PETSC_MIN_REAL};
  const PetscReal budget = spec->max_grid_points > 0 ? (PetscReal)spec->max_grid_points : TWINFE_HOLLOW_MAX_GRID_POINTS;
  PetscFunctionBegin;
  for (PetscInt v = 0; v < nv; v++)
    for (int d = 0; d < 3; d++)
      lo[d] = PetscMin(lo[d], xyz[3 * v + d]), hi[d] = PetscMax(hi[d], xyz[3 * v + d]);
  g->h = spec->spacing_mm > 0 ? spec->spacing_mm : spec->wall_mm / 3;
  for (int round = 0; round < 2; round++) {
    const PetscReal pad    = (spec->outward ? spec->wall_mm : 0) + 3 * g->h;
    PetscReal       points = 1;
    for (int d = 0; d < 3; d++) {
      g->origin[d] = lo[d] - pad;
      g->dims[d]   = (PetscInt)PetscCeilReal((hi[d] - lo[d] + 2 * pad) / g->h) + 1;
      points *= (PetscReal)g->dims[d];
    }
    if (points <= budget) break;
    PetscCheck(round == 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "hollowing: the grid still has %g points", (double)points);
    g->h *= 1.02 * PetscCbrtReal(points / budget);
  }
  PetscFunctionReturn(0);
}

/* Where each drain hole goes: the surface point nearest the point given, and the outward
   normal of its triangle (6 numbers a hole). */
static PetscErrorCode PlaceHoles(PetscInt nv, const PetscReal xyz[], PetscInt nt, const PetscInt tri[],
                                 const TwinfeHollowSpec *spec, PetscReal axes[])
{
  PetscReal *q, *distance;
  PetscInt  *triangle;
  PetscFunctionBegin;
  PetscCall(PetscMalloc3(3 * spec->nholes, &q, spec->nholes, &triangle, spec->nholes, &distance));
  PetscCall(TwinfeSurfaceClosest_VTK(nv, xyz, nt, tri, spec->nholes, spec->holes, q, triangle, distance));
  for (PetscInt i = 0; i < spec->nholes; i++) {
    for (int d = 0; d < 3; d++)
      axes[6 * i + d] = q[3 * i + d];
    UnitNormal(xyz, tri + 3 * triangle[i], axes + 6 * i + 3);
  }
  PetscCall(PetscFree3(q, triangle, distance));
  PetscFunctionReturn(0);
}

/* Along axis (point a, unit direction n): the distance along it, and from it. */
static void Cylindrical(const PetscReal x[3], const PetscReal a[3], const PetscReal n[3], PetscReal *along, PetscReal *radial)
{
  const PetscReal r[3] = {x[0] - a[0], x[1] - a[1], x[2] - a[2]};
  *along               = Dot(r, n);
  *radial              = PetscSqrtReal(PetscMax(Dot(r, r) - *along * *along, 0));
}

/* The solid as the positive side of field: between the surface and the wall's far side, less
   each opening's slab beyond its end (radial < radius + wall, along > 0) and each hole's
   cylinder (radial < hole radius, from outside to a step past the wall). The least of the terms
   is the field: each is a distance-like function positive in what stays. */
static void ComposeField(const Grid *g, const TwinfeHollowSpec *spec, const PetscReal axes[], float field[])
{
  const PetscReal w = spec->wall_mm, rh = 0.5 * spec->hole_diameter_mm;
  for (PetscInt k = 0, i = 0; k < g->dims[2]; k++)
    for (PetscInt j = 0; j < g->dims[1]; j++)
      for (PetscInt l = 0; l < g->dims[0]; l++, i++) {
        const PetscReal x[3] = {g->origin[0] + l * g->h, g->origin[1] + j * g->h, g->origin[2] + k * g->h};
        const PetscReal D    = field[i]; /* signed distance, positive inside the surface */
        PetscReal       f    = spec->outward ? PetscMin(-D, w + D) : PetscMin(D, w - D);
        for (PetscInt o = 0; o < spec->nopenings; o++) {
          const PetscReal *op = spec->openings + 7 * o;
          PetscReal        along, radial;
          Cylindrical(x, op, op + 3, &along, &radial);
          f = PetscMin(f, PetscMax(-along, radial - (op[6] + w + 2 * g->h)));
        }
        for (PetscInt o = 0; o < spec->nholes; o++) {
          PetscReal along, radial;
          Cylindrical(x, axes + 6 * o, axes + 6 * o + 3, &along, &radial);
          f = PetscMin(f, PetscMax(radial - rh, -(along + w + 2 * g->h)));
        }
        /* a grid value on or next to the level puts contour vertices on top of the grid point
           (VTK keeps them in single precision): coincident vertices, zero-area triangles. Held
           a hundredth of a step off the level, they move by at most that. A tie goes to the
           void: where an open end's plane meets the lumen's own flat end, both are 0, and a
           plane of solid points one step thin would close the end again. */
        if (PetscAbsReal(f) < TWINFE_HOLLOW_OFF_LEVEL * g->h) f = (f > 0 ? 1 : -1) * TWINFE_HOLLOW_OFF_LEVEL * g->h;
        field[i] = (float)f;
      }
}

/* How far the input's vertices lie from the result, leaving out those a hole or an opening
   removed on purpose. */
static PetscErrorCode Deviation(PetscInt nv, const PetscReal xyz[], const TwinfeHollowSpec *spec, const PetscReal axes[],
                                PetscReal h, PetscInt nvo, const PetscReal xyzo[], PetscInt nto, const PetscInt trio[],
                                TwinfeHollowStats *stats)
{
  PetscReal *distance, *kept, sum = 0, max = 0;
  PetscInt   nkept = 0;
  PetscFunctionBegin;
  PetscCall(PetscMalloc2(3 * nv + 1, &kept, nv + 1, &distance));
  for (PetscInt v = 0; v < nv; v++) {
    PetscBool removed = PETSC_FALSE;
    for (PetscInt o = 0; o < spec->nholes && !removed; o++) {
      PetscReal along, radial;
      Cylindrical(xyz + 3 * v, axes + 6 * o, axes + 6 * o + 3, &along, &radial);
      removed = radial < 0.5 * spec->hole_diameter_mm + 2 * h && along > -spec->wall_mm - 3 * h;
    }
    for (PetscInt o = 0; o < spec->nopenings && !removed; o++) {
      PetscReal along, radial;
      Cylindrical(xyz + 3 * v, spec->openings + 7 * o, spec->openings + 7 * o + 3, &along, &radial);
      removed = radial < spec->openings[7 * o + 6] + 2 * h && along > -2 * h;
    }
    if (removed) continue;
    for (int d = 0; d < 3; d++)
      kept[3 * nkept + d] = xyz[3 * v + d];
    nkept++;
  }
  PetscCall(TwinfeSurfaceClosest_VTK(nvo, xyzo, nto, trio, nkept, kept, NULL, NULL, distance));
  for (PetscInt v = 0; v < nkept; v++)
    sum += distance[v], max = PetscMax(max, distance[v]);
  stats->max_deviation_mm  = max;
  stats->mean_deviation_mm = nkept ? sum / nkept : 0;
  PetscCall(PetscFree2(kept, distance));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckSpec(const TwinfeHollowSpec *spec)
{
  PetscFunctionBegin;
  PetscCheck(spec->wall_mm > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "hollowing: the wall must be > 0 mm, not %g",
             (double)spec->wall_mm);
  PetscCheck(spec->nholes == 0 || spec->hole_diameter_mm > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "hollowing: drain holes need a diameter > 0 mm, not %g", (double)spec->hole_diameter_mm);
  PetscCheck(spec->nholes >= 0 && spec->nopenings >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "hollowing: negative hole or opening count");
  for (PetscInt o = 0; o < spec->nopenings; o++)
    PetscCheck(PetscAbsReal(Dot(spec->openings + 7 * o + 3, spec->openings + 7 * o + 3) - 1) < 1e-6, PETSC_COMM_SELF,
               PETSC_ERR_ARG_WRONG, "hollowing: opening %" PetscInt_FMT "'s normal is not a unit vector", o);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceHollow(PetscInt nv, const PetscReal xyz[], PetscInt nt, const PetscInt tri[],
                                   const TwinfeHollowSpec *spec, PetscInt *nv_out, PetscReal **xyz_out, PetscInt *nt_out,
                                   PetscInt **tri_out, TwinfeHollowStats *stats)
{
  Grid              g;
  float            *field;
  PetscReal        *axes;
  PetscInt          exact;
  TwinfeHollowStats local;
  PetscFunctionBegin;
  TwinfeSurfaceCheckPointer_Private(spec);
  PetscCall(CheckSpec(spec));
  PetscCheck(nt > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "hollowing: the part has no triangles");
  if (!stats) stats = &local;
  PetscCall(PetscMemzero(stats, sizeof *stats));
  PetscCall(ChooseGrid(nv, xyz, spec, &g));
  PetscCall(PetscMalloc1(6 * spec->nholes + 1, &axes));
  PetscCall(PlaceHoles(nv, xyz, nt, tri, spec, axes));
  PetscCall(PetscMalloc1(g.dims[0] * g.dims[1] * g.dims[2], &field));
  /* exact distances where the levels 0 and -+wall lie */
  PetscCall(TwinfeSurfaceSignedDistance_VTK(nv, xyz, nt, tri, g.origin, g.h, g.dims, spec->outward ? -spec->wall_mm : 0,
                                            spec->outward ? 0 : spec->wall_mm, field, &exact));
  ComposeField(&g, spec, axes, field);
  PetscCall(TwinfeSurfaceContour_VTK(g.origin, g.h, g.dims, field, nv_out, xyz_out, nt_out, tri_out));
  PetscCall(PetscFree(field));
  PetscCheck(*nt_out > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "hollowing: nothing is left of the part (a wall of %g mm and the holes removed it all)", (double)spec->wall_mm);
  if (SignedVolume(*xyz_out, *nt_out, *tri_out) < 0)
    for (PetscInt t = 0; t < *nt_out; t++) {
      const PetscInt swap   = (*tri_out)[3 * t + 1];
      (*tri_out)[3 * t + 1] = (*tri_out)[3 * t + 2], (*tri_out)[3 * t + 2] = swap;
    }
  stats->spacing_mm   = g.h;
  stats->exact_points = exact;
  for (int d = 0; d < 3; d++)
    stats->grid[d] = g.dims[d];
  for (PetscInt o = 0; o < PetscMin(spec->nholes, 16); o++)
    for (int d = 0; d < 3; d++)
      stats->hole_at[3 * o + d] = axes[6 * o + d];
  PetscCall(Deviation(nv, xyz, spec, axes, g.h, *nv_out, *xyz_out, *nt_out, *tri_out, stats));
  PetscCall(PetscFree(axes));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceDistanceToTriangles(PetscInt nv, const PetscReal xyz[], PetscInt nt, const PetscInt tri[],
                                                PetscInt np, const PetscReal points[], PetscReal distance[])
{
  PetscFunctionBegin;
  PetscCheck(nt > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "distance to triangles: there are none");
  PetscCall(TwinfeSurfaceClosest_VTK(nv, xyz, nt, tri, np, points, NULL, NULL, distance));
  PetscFunctionReturn(0);
}
