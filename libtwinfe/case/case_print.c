/* `twinfe print`: a label map (or a Gmsh mesh) to one STL a printer builds the first time per
 * region, or one for the regions merged. A thin door over the image and surface stages: the
 * image stage reads and cleans the labels (islands dropped and listed), the surface stage makes
 * the closed multi-label surface, smooths it and, when asked for fewer triangles, remeshes it
 * within a deviation bound; here each part is cut out, checked (closed, manifold, outward, no
 * crossings: TwinfeSurfaceCheckPart) and written, and report.json and the summary say what each
 * part is. A part that fails a check is refused, never written.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "case_impl.h"

#include <stdlib.h>
#include <string.h>

/* A wall an FDM printer's 0.4 mm nozzle lays in two lines and a resin printer builds easily. */
#define TWINFE_PRINT_MIN_WALL_DEFAULT 1.0
/* Thin spots listed one by one in the summary, and in report.json. */
#define TWINFE_THIN_SPOTS_SHOWN 3
#define TWINFE_THIN_SPOTS_REPORTED 50
/* A drain hole's point is where the planner wants it: farther than this from every part is a slip. */
#define TWINFE_PRINT_DRAIN_REACH_MM 20.0

typedef struct {
  PetscBool ras;       /* -print_frame ras: x and y negated */
  PetscBool merge;     /* -print_merge */
  PetscBool threemf;   /* -print_3mf */
  PetscInt  triangles; /* a part's triangle budget from -print_triangles and -print_max_mb; 0: full resolution */
  PetscReal deviation; /* -print_max_deviation_mm, or its default */
  PetscReal min_wall;  /* -print_min_wall_mm */
  PetscReal hollow;    /* -print_hollow_mm: the shell's wall (0: solid) */
  PetscInt  nholes;    /* -print_drain_holes, 3 numbers each */
  PetscReal holes[3 * TWINFE_PRINT_MAX_DRAIN_HOLES], hole_diameter;
  PetscInt  ntubes; /* -print_tubes */
  char      tubes[TWINFE_CASE_MAX_REGIONS][TWINFE_NAME_LEN];
  PetscReal tube_wall; /* -print_tube_wall_mm */
} PrintSettings;

typedef struct {
  char      name[TWINFE_NAME_LEN];
  PetscInt  nlabels;
  int32_t   labels[TWINFE_CASE_MAX_REGIONS];
  PetscReal target_mm;         /* the remeshing edge length chosen for it (0: full resolution) */
  PetscReal max_dev, mean_dev; /* part to full-resolution part, mm (vertices, triangle centres, edge midpoints) */
  PetscReal max_dev_back;      /* full-resolution part to part */
  PetscBool tube;              /* printed as a hollow tube around its lumen (-print_tubes) */
  PetscInt  nholes;            /* the drain holes nearest this part of all parts */
  PetscReal holes[3 * TWINFE_PRINT_MAX_DRAIN_HOLES];
  /* a hollow part or a tube, made once (HollowParts) for the STL, the 3MF and the map, in LPS */
  PetscInt   hollow_nv, hollow_nt;
  PetscReal *hollow_xyz;
  PetscInt  *hollow_tri;
} Part;

static PetscBool IsHollow(const PrintSettings *s, const Part *p)
{
  return p->tube || s->hollow > 0 ? PETSC_TRUE : PETSC_FALSE;
}

/* 50 bytes a triangle after an 84-byte header (binary STL). */
static PetscInt TrianglesInMegabytes(PetscReal mb)
{
  return (PetscInt)((mb * 1e6 - 84) / 50);
}

/* The declarations (case_options.c) checked each value; what needs the regions is checked by
   CheckTubes. */
static PetscErrorCode ReadHollowSettings(PrintSettings *s)
{
  char    *tubes[TWINFE_CASE_MAX_REGIONS];
  PetscInt n = 3 * TWINFE_PRINT_MAX_DRAIN_HOLES;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-print_hollow_mm", &s->hollow, NULL));
  PetscCall(PetscOptionsGetRealArray(NULL, NULL, "-print_drain_holes", s->holes, &n, NULL));
  s->nholes        = n / 3;
  s->hole_diameter = TWINFE_PRINT_DRAIN_DIAMETER_DEFAULT;
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-print_drain_diameter_mm", &s->hole_diameter, NULL));
  s->tube_wall = TWINFE_PRINT_TUBE_WALL_DEFAULT;
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-print_tube_wall_mm", &s->tube_wall, NULL));
  s->ntubes = TWINFE_CASE_MAX_REGIONS;
  PetscCall(PetscOptionsGetStringArray(NULL, NULL, "-print_tubes", tubes, &s->ntubes, NULL));
  for (PetscInt i = 0; i < s->ntubes; i++) {
    PetscCall(PetscStrncpy(s->tubes[i], tubes[i], sizeof s->tubes[i]));
    PetscCall(PetscFree(tubes[i]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadPrintSettings(PrintSettings *s)
{
  char      frame[8] = "lps";
  PetscReal mb       = 0;
  PetscFunctionBegin;
  PetscCall(PetscMemzero(s, sizeof *s));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-print_frame", frame, sizeof frame, NULL));
  PetscCall(PetscStrcasecmp(frame, "ras", &s->ras)); /* the declaration (case_options.c) checked the choice */
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-print_merge", &s->merge, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-print_3mf", &s->threemf, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-print_triangles", &s->triangles, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-print_max_mb", &mb, NULL));
  if (mb > 0) s->triangles = s->triangles ? PetscMin(s->triangles, TrianglesInMegabytes(mb)) : TrianglesInMegabytes(mb);
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-print_max_deviation_mm", &s->deviation, NULL));
  s->min_wall = TWINFE_PRINT_MIN_WALL_DEFAULT;
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-print_min_wall_mm", &s->min_wall, NULL));
  PetscCall(ReadHollowSettings(s));
  PetscFunctionReturn(0);
}

static PetscErrorCode AssignDrainHoles(TwinfeCase c, const PrintSettings *s, PetscInt nparts, Part parts[]);
static PetscErrorCode TubeOpenings(TwinfeCase c, const Part *p, PetscInt *nopenings, PetscReal **openings);

static PetscErrorCode ChooseParts(TwinfeCase c, const PrintSettings *s, PetscInt *nparts, Part parts[])
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(parts, sizeof(Part) * (s->merge ? 1 : c->nregions)));
  if (s->merge) {
    *nparts = 1;
    PetscCall(PetscStrncpy(parts[0].name, "merged", sizeof parts[0].name));
    parts[0].nlabels = c->nregions;
    for (PetscInt i = 0; i < c->nregions; i++)
      parts[0].labels[i] = c->labels[i];
  } else {
    *nparts = c->nregions;
    for (PetscInt i = 0; i < c->nregions; i++) {
      PetscCall(PetscStrncpy(parts[i].name, c->names[i], sizeof parts[i].name));
      parts[i].nlabels   = 1;
      parts[i].labels[0] = c->labels[i];
      for (PetscInt k = 0; k < s->ntubes; k++)
        parts[i].tube = parts[i].tube || !strcmp(s->tubes[k], c->names[i]);
    }
  }
  if (s->nholes) PetscCall(AssignDrainHoles(c, s, *nparts, parts));
  for (PetscInt i = 0; i < *nparts; i++) /* before any part is hollowed: each tube must have an end to open */
    if (parts[i].tube) {
      PetscReal *openings;
      PetscInt   n;
      PetscCall(TubeOpenings(c, &parts[i], &n, &openings));
      PetscCall(PetscFree(openings));
      PetscCheck(n > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "print: tube %s has no open end: it lies inside the image. Cut its ends where the catheter goes in with "
                 "-surface_cut_planes px,py,pz,nx,ny,nz (docs/surface_caps.md)",
                 parts[i].name);
    }
  PetscFunctionReturn(0);
}

/* Each drain hole goes to the hollow part whose surface is nearest its point. */
static PetscErrorCode AssignDrainHoles(TwinfeCase c, const PrintSettings *s, PetscInt nparts, Part parts[])
{
  PetscReal *nearest, *distance;
  PetscInt  *owner;
  PetscFunctionBegin;
  PetscCall(PetscMalloc3(s->nholes, &nearest, s->nholes, &distance, s->nholes, &owner));
  for (PetscInt h = 0; h < s->nholes; h++)
    nearest[h] = PETSC_MAX_REAL, owner[h] = -1;
  for (PetscInt p = 0; p < nparts; p++) {
    PetscReal *xyz;
    PetscInt  *tri, nv, nt;
    if (parts[p].tube) continue;
    PetscCall(TwinfeSurfaceExtractLabels(c->surface, parts[p].nlabels, parts[p].labels, &nv, &xyz, &nt, &tri));
    if (nt) PetscCall(TwinfeSurfaceDistanceToTriangles(nv, xyz, nt, tri, s->nholes, s->holes, distance));
    for (PetscInt h = 0; h < s->nholes && nt; h++)
      if (distance[h] < nearest[h]) nearest[h] = distance[h], owner[h] = p;
    PetscCall(PetscFree(xyz));
    PetscCall(PetscFree(tri));
  }
  for (PetscInt h = 0; h < s->nholes; h++) {
    Part *p = &parts[owner[h]];
    PetscCheck(owner[h] >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-print_drain_holes: no hollow part to drain");
    PetscCheck(nearest[h] <= TWINFE_PRINT_DRAIN_REACH_MM, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "-print_drain_holes: hole %" PetscInt_FMT " at (%.1f, %.1f, %.1f) mm (LPS) is %.1f mm from the nearest part (%s): "
               "give a point within %.0f mm of the surface where the hole should go",
               h + 1, (double)s->holes[3 * h], (double)s->holes[3 * h + 1], (double)s->holes[3 * h + 2], (double)nearest[h],
               p->name, (double)TWINFE_PRINT_DRAIN_REACH_MM);
    for (int d = 0; d < 3; d++)
      p->holes[3 * p->nholes + d] = s->holes[3 * h + d];
    p->nholes++;
    PetscCall(PetscPrintf(
        PETSC_COMM_SELF, "drain     hole %" PetscInt_FMT " at (%.1f, %.1f, %.1f) goes to %s, %.1f mm from its surface\n", h + 1,
        (double)s->holes[3 * h], (double)s->holes[3 * h + 1], (double)s->holes[3 * h + 2], p->name, (double)nearest[h]));
  }
  PetscCall(PetscFree3(nearest, distance, owner));
  PetscFunctionReturn(0);
}

/* What needs the regions: each -print_tubes name is a region; tubes are parts of their own.
   Checked before the surface is made. */
static PetscErrorCode CheckHollowSettings(TwinfeCase c, const PrintSettings *s)
{
  PetscFunctionBegin;
  PetscCheck(!s->ntubes || !s->merge, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "-print_tubes prints regions as parts of their own: leave out -print_merge");
  for (PetscInt k = 0; k < s->ntubes; k++) {
    PetscBool found       = PETSC_FALSE;
    char      names[1024] = "";
    for (PetscInt i = 0; i < c->nregions; i++) {
      found = found || !strcmp(s->tubes[k], c->names[i]);
      PetscCall(PetscStrlcat(names, i ? ", " : "", sizeof names));
      PetscCall(PetscStrlcat(names, c->names[i], sizeof names));
    }
    PetscCheck(found, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-print_tubes: no region is named '%s'; the regions are %s",
               s->tubes[k], names);
  }
  PetscFunctionReturn(0);
}

/* A tube opens where its lumen ends at the image's border: the surface's caps mark those ends,
   so they are on unless the user said otherwise. */
static PetscErrorCode CapsForTubes(const PrintSettings *s)
{
  PetscBool set;
  PetscFunctionBegin;
  PetscCall(PetscOptionsHasName(NULL, NULL, "-surface_caps", &set));
  if (s->ntubes && !set) PetscCall(PetscOptionsSetValue(NULL, "-surface_caps", "true"));
  PetscFunctionReturn(0);
}

/* Triangles as a surface of their own (inside 1, outside 0), to measure or remesh. */
static PetscErrorCode SurfaceOfPart(PetscInt nv, const PetscReal xyz[], PetscInt nt, const PetscInt tri[], TwinfeSurface *part)
{
  int32_t *labels;
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(2 * nt + 1, &labels));
  for (PetscInt t = 0; t < nt; t++)
    labels[2 * t] = 1, labels[2 * t + 1] = 0;
  PetscCall(TwinfeSurfaceCreate(nv, xyz, nt, tri, labels, part));
  PetscCall(PetscFree(labels));
  PetscFunctionReturn(0);
}

/* A part's triangles as a surface of its own (inside 1, outside 0), for measuring. */
static PetscErrorCode PartSurface(TwinfeSurface surface, const Part *p, TwinfeSurface *part, PetscInt *ntriangles)
{
  PetscReal *xyz;
  PetscInt  *tri, nv, nt;
  PetscFunctionBegin;
  PetscCall(TwinfeSurfaceExtractLabels(surface, p->nlabels, p->labels, &nv, &xyz, &nt, &tri));
  PetscCall(SurfaceOfPart(nv, xyz, nt, tri, part));
  PetscCall(PetscFree(xyz));
  PetscCall(PetscFree(tri));
  if (ntriangles) *ntriangles = nt;
  PetscFunctionReturn(0);
}

/* Largest and mean distance from the vertices, triangle centres and edge midpoints of 'from' to
   the triangles of 'to' (closest points: the surface stage's locator, independent of the
   remesher). */
static PetscErrorCode Deviation(TwinfeSurface from, TwinfeSurface to, PetscReal *max, PetscReal *mean)
{
  TwinfeSurfaceLocator locator;
  const PetscReal     *xyz;
  const PetscInt      *tri;
  const int32_t       *labels;
  PetscInt             nv, nt;
  PetscReal            sum = 0;
  PetscFunctionBegin;
  PetscCall(TwinfeSurfaceLocatorCreate(PETSC_COMM_SELF, to, &locator));
  PetscCall(TwinfeSurfaceGetVertices(from, &nv, &xyz));
  PetscCall(TwinfeSurfaceGetTriangles(from, &nt, &tri, &labels));
  *max = 0;
  /* vertices, then per triangle its centre and its edges' midpoints (a flat triangle leaves a
     curved surface most between its vertices) */
  for (PetscInt k = 0; k < nv + 4 * nt; k++) {
    PetscReal x[3], y[3], d;
    PetscBool found;
    if (k < nv)
      for (int q = 0; q < 3; q++)
        x[q] = xyz[3 * k + q];
    else {
      const PetscInt *t3 = tri + 3 * ((k - nv) / 4), which = (k - nv) % 4;
      for (int q = 0; q < 3; q++)
        x[q] = which == 3 ? (xyz[3 * t3[0] + q] + xyz[3 * t3[1] + q] + xyz[3 * t3[2] + q]) / 3
                          : 0.5 * (xyz[3 * t3[which] + q] + xyz[3 * t3[(which + 1) % 3] + q]);
    }
    PetscCall(TwinfeSurfaceLocatorClosest(locator, TwinfeFacetTag(1, 0), x, y, &d, &found));
    PetscCheck(found, PETSC_COMM_SELF, PETSC_ERR_PLIB, "print: a part has no triangle to measure against");
    *max = PetscMax(*max, d);
    sum += d;
  }
  *mean = sum / (nv + 4 * nt);
  PetscCall(TwinfeSurfaceLocatorDestroy(&locator));
  PetscFunctionReturn(0);
}

/* Each part's edge length for its triangle budget: an equilateral triangle of edge h covers
   sqrt(3)/4 h^2, so h = sqrt(4 A / (sqrt(3) N)) for area A; a label in several parts takes the
   smallest, and the remesher gives a triangle the smaller target of its two labels, 0 (kept as
   it is) winning. */
static PetscReal SurfaceArea(TwinfeSurface part, PetscInt *ntriangles)
{
  const PetscReal *xyz;
  const PetscInt  *tri;
  const int32_t   *labels;
  PetscInt         nv, nt;
  PetscReal        area = 0;
  (void)TwinfeSurfaceGetVertices(part, &nv, &xyz);
  (void)TwinfeSurfaceGetTriangles(part, &nt, &tri, &labels);
  for (PetscInt t = 0; t < nt; t++) {
    const PetscReal *a = xyz + 3 * tri[3 * t], *b = xyz + 3 * tri[3 * t + 1], *d = xyz + 3 * tri[3 * t + 2];
    const PetscReal  u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]}, w[3] = {d[0] - a[0], d[1] - a[1], d[2] - a[2]};
    const PetscReal  n[3] = {u[1] * w[2] - u[2] * w[1], u[2] * w[0] - u[0] * w[2], u[0] * w[1] - u[1] * w[0]};
    area += 0.5 * PetscSqrtReal(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  }
  *ntriangles = nt;
  return area;
}

/* The edge length whose equilateral triangles cover area with budget of them. */
static PetscReal BudgetEdge(PetscReal area, PetscInt budget)
{
  return PetscSqrtReal(4 * area / (PetscSqrtReal(3.0) * budget));
}

static PetscErrorCode ChooseTargets(TwinfeCase c, const PrintSettings *s, TwinfeSurface full, PetscInt nparts, Part parts[],
                                    const PetscReal scale[], PetscReal target[])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < c->nregions; i++)
    target[i] = PETSC_MAX_REAL;
  for (PetscInt p = 0; p < nparts; p++) {
    TwinfeSurface part;
    PetscInt      nt;
    PetscReal     area;
    PetscCall(PartSurface(full, &parts[p], &part, NULL));
    area = SurfaceArea(part, &nt);
    /* a part already within its budget keeps its triangles (target 0), shared ones included; a
       hollow part is hollowed at full resolution and then remeshed on its own (HollowToBudget) */
    parts[p].target_mm = nt <= s->triangles || IsHollow(s, &parts[p]) ? 0 : scale[p] * BudgetEdge(area, s->triangles);
    for (PetscInt k = 0; k < parts[p].nlabels; k++)
      for (PetscInt i = 0; i < c->nregions; i++)
        if (c->labels[i] == parts[p].labels[k]) target[i] = PetscMin(target[i], parts[p].target_mm);
    PetscCall(TwinfeSurfaceDestroy(&part));
  }
  PetscFunctionReturn(0);
}

/* Remesh toward each part's budget within the deviation bound; a part still over its budget by
   more than 10% gets a longer edge and the full surface is remeshed again (at most 3 rounds). The
   bound wins over the budget: the summary says when a part stays over it. */
static PetscErrorCode RemeshToBudget(TwinfeCase c, const PrintSettings *s, PetscReal bound, TwinfeSurface full, PetscInt nparts,
                                     Part parts[])
{
  PetscReal *target, *scale;
  PetscFunctionBegin;
  PetscCall(PetscMalloc2(c->nregions, &target, nparts, &scale));
  for (PetscInt p = 0; p < nparts; p++)
    scale[p] = 1;
  for (PetscInt round = 0; round < 3; round++) {
    PetscBool over = PETSC_FALSE;
    PetscCall(ChooseTargets(c, s, full, nparts, parts, scale, target));
    PetscCall(TwinfeSurfaceDestroy(&c->surface));
    PetscCall(TwinfeSurfaceDuplicate(full, &c->surface));
    PetscCall(TwinfeSurfaceRemeshInPieces(c->surface, c->nregions, c->labels, target, bound, PETSC_DEFAULT, PETSC_DEFAULT, NULL));
    for (PetscInt p = 0; p < nparts; p++) {
      TwinfeSurface part;
      PetscInt      nt;
      PetscCall(PartSurface(c->surface, &parts[p], &part, &nt));
      PetscCall(TwinfeSurfaceDestroy(&part));
      if (parts[p].target_mm > 0 && nt > 1.1 * s->triangles)
        over = PETSC_TRUE, scale[p] *= PetscSqrtReal((PetscReal)nt / s->triangles);
    }
    if (!over) break;
  }
  PetscCall(PetscFree2(target, scale));
  PetscFunctionReturn(0);
}

static PetscErrorCode MeasureDeviations(TwinfeSurface full, TwinfeSurface remeshed, PetscInt nparts, Part parts[])
{
  PetscFunctionBegin;
  for (PetscInt p = 0; p < nparts; p++) {
    TwinfeSurface a, b;
    PetscReal     mean_back;
    PetscCall(PartSurface(remeshed, &parts[p], &a, NULL));
    PetscCall(PartSurface(full, &parts[p], &b, NULL));
    PetscCall(Deviation(a, b, &parts[p].max_dev, &parts[p].mean_dev));
    PetscCall(Deviation(b, a, &parts[p].max_dev_back, &mean_back));
    PetscCall(TwinfeSurfaceDestroy(&a));
    PetscCall(TwinfeSurfaceDestroy(&b));
  }
  PetscFunctionReturn(0);
}

/* The remesher keeps its vertices within the bound it is given, but a triangle's interior can
   lie farther from a curved surface: it is given 0.8 of the bound, and less (x 0.75 a round, at
   most 4 rounds) until every part's measured deviation holds. */
static PetscErrorCode KeepWithinBound(TwinfeCase c, const PrintSettings *s, TwinfeSurface full, PetscInt nparts, Part parts[])
{
  PetscReal shrink = 0.8, worst = 0;
  PetscInt  round;
  PetscFunctionBegin;
  for (round = 0; round < 4; round++, shrink *= 0.75) {
    PetscCall(RemeshToBudget(c, s, shrink * s->deviation, full, nparts, parts));
    PetscCall(MeasureDeviations(full, c->surface, nparts, parts));
    worst = 0;
    for (PetscInt p = 0; p < nparts; p++)
      worst = PetscMax(worst, parts[p].max_dev);
    if (worst <= s->deviation) break;
  }
  PetscCheck(worst <= s->deviation, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED,
             "print: the remeshed parts stay up to %g mm from the full-resolution surface, over -print_max_deviation_mm %g after "
             "%" PetscInt_FMT " rounds: give a larger bound or more triangles (-print_triangles)",
             (double)worst, (double)s->deviation, round);
  PetscCall(TwinfeReportSetReal(c->report, "print.remesh_bound_mm", shrink * s->deviation));
  PetscFunctionReturn(0);
}

static void Defects(const TwinfePartCheck *k, char text[], size_t len)
{
  snprintf(text, len,
           "%" PetscInt_FMT " open edges, %" PetscInt_FMT " edges of 3+ triangles, %" PetscInt_FMT
           " edges run the same way by both triangles, %" PetscInt_FMT " vertices where fans meet, %" PetscInt_FMT
           " triangles without area, %" PetscInt_FMT " crossing triangle pairs, volume %.6g mm^3",
           k->open_edges, k->nonmanifold_edges, k->misoriented_edges, k->nonmanifold_vertices, k->degenerate_triangles,
           k->self_intersections, (double)k->volume_mm3);
}

static PetscErrorCode RecordPart(TwinfeCase c, const PrintSettings *s, const Part *p, const TwinfePartCheck *k, const char file[],
                                 const PetscReal lo[3], const PetscReal hi[3])
{
  char key[256];
  PetscFunctionBegin;
#define PART_KEY(member) (snprintf(key, sizeof key, "print.parts.%s.%s", p->name, member), key)
  PetscCall(TwinfeReportSetString(c->report, PART_KEY("file"), file));
  PetscCall(TwinfeReportSetInt(c->report, PART_KEY("triangles"), k->triangles));
  PetscCall(TwinfeReportSetInt(c->report, PART_KEY("vertices"), k->vertices));
  PetscCall(TwinfeReportSetReal(c->report, PART_KEY("volume_mm3"), k->volume_mm3));
  PetscCall(TwinfeReportSetReal(c->report, PART_KEY("area_mm2"), k->area_mm2));
  PetscCall(TwinfeReportSetInt(c->report, PART_KEY("shells"), k->shells));
  PetscCall(TwinfeReportSetInt(c->report, PART_KEY("inner_shells"), k->inner_shells));
  PetscCall(TwinfeReportSetInt(c->report, PART_KEY("handles"), k->handles));
  PetscCall(TwinfeReportSetRealArray(c->report, PART_KEY("bounds_min_mm"), 3, lo));
  PetscCall(TwinfeReportSetRealArray(c->report, PART_KEY("bounds_max_mm"), 3, hi));
  {
    PetscInt labels[TWINFE_CASE_MAX_REGIONS];
    for (PetscInt i = 0; i < p->nlabels; i++)
      labels[i] = p->labels[i];
    PetscCall(TwinfeReportSetIntArray(c->report, PART_KEY("labels"), p->nlabels, labels));
  }
  if (s->triangles) {
    PetscCall(TwinfeReportSetReal(c->report, PART_KEY("target_edge_mm"), p->target_mm));
    PetscCall(TwinfeReportSetReal(c->report, PART_KEY("max_deviation_mm"), p->max_dev));
    PetscCall(TwinfeReportSetReal(c->report, PART_KEY("mean_deviation_mm"), p->mean_dev));
    PetscCall(TwinfeReportSetReal(c->report, PART_KEY("max_deviation_back_mm"), p->max_dev_back));
  }
#undef PART_KEY
  PetscFunctionReturn(0);
}

/* A tube's open ends: its regions' caps, each as centre, unit normal out of the lumen and the
   largest distance of its vertices from the centre (7 numbers). */
static PetscErrorCode TubeOpenings(TwinfeCase c, const Part *p, PetscInt *nopenings, PetscReal **openings)
{
  const PetscReal *xyz;
  const PetscInt  *tri;
  const int32_t   *labels, *tags;
  PetscInt         ncaps, nv, nt;
  PetscFunctionBegin;
  PetscCall(TwinfeSurfaceGetCapCount(c->surface, &ncaps));
  PetscCall(TwinfeSurfaceGetVertices(c->surface, &nv, &xyz));
  PetscCall(TwinfeSurfaceGetTriangles(c->surface, &nt, &tri, &labels));
  PetscCall(TwinfeSurfaceGetTriangleTags(c->surface, &tags));
  PetscCall(PetscCalloc1(7 * ncaps + 1, openings));
  *nopenings = 0;
  for (PetscInt k = 0; k < ncaps; k++) {
    int32_t    tag;
    PetscReal *o = *openings + 7 * *nopenings, area = 0;
    PetscBool  ours = PETSC_FALSE;
    PetscCall(TwinfeSurfaceGetCap(c->surface, k, &tag, o + 3, NULL, NULL));
    for (PetscInt i = 0; i < p->nlabels; i++)
      ours = ours || tag - TWINFE_CAP_TAG_BASE * TwinfeCapIndex(tag) == p->labels[i];
    if (!ours) continue;
    for (PetscInt t = 0; t < nt; t++) /* the centre: the cap's triangle centres, area-weighted */
      if (tags[t] == tag) {
        const PetscReal *a = xyz + 3 * tri[3 * t], *b = xyz + 3 * tri[3 * t + 1], *q = xyz + 3 * tri[3 * t + 2];
        const PetscReal  u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]}, w[3] = {q[0] - a[0], q[1] - a[1], q[2] - a[2]};
        const PetscReal  n[3] = {u[1] * w[2] - u[2] * w[1], u[2] * w[0] - u[0] * w[2], u[0] * w[1] - u[1] * w[0]};
        const PetscReal  da   = 0.5 * PetscSqrtReal(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
        for (int d = 0; d < 3; d++)
          o[d] += da * (a[d] + b[d] + q[d]) / 3;
        area += da;
      }
    for (int d = 0; d < 3 && area > 0; d++)
      o[d] /= area;
    for (PetscInt t = 0; t < nt; t++)
      for (int e = 0; e < 3 && tags[t] == tag; e++) {
        const PetscReal *x = xyz + 3 * tri[3 * t + e];
        o[6]               = PetscMax(
                          o[6], PetscSqrtReal((x[0] - o[0]) * (x[0] - o[0]) + (x[1] - o[1]) * (x[1] - o[1]) + (x[2] - o[2]) * (x[2] - o[2])));
      }
    ++*nopenings;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode RecordHollow(TwinfeCase c, const Part *p, const TwinfeHollowSpec *spec, const TwinfeHollowStats *st)
{
  char key[256];
  PetscFunctionBegin;
#define PART_KEY(member) (snprintf(key, sizeof key, "print.parts.%s.%s.%s", p->name, p->tube ? "tube" : "hollow", member), key)
  PetscCall(TwinfeReportSetReal(c->report, PART_KEY("wall_mm"), spec->wall_mm));
  PetscCall(TwinfeReportSetReal(c->report, PART_KEY("grid_step_mm"), st->spacing_mm));
  PetscCall(TwinfeReportSetReal(c->report, PART_KEY("max_deviation_mm"), st->max_deviation_mm));
  PetscCall(TwinfeReportSetReal(c->report, PART_KEY("mean_deviation_mm"), st->mean_deviation_mm));
  if (p->tube)
    PetscCall(TwinfeReportSetInt(c->report, PART_KEY("open_ends"), spec->nopenings));
  else {
    PetscCall(TwinfeReportSetInt(c->report, PART_KEY("drain_holes"), spec->nholes));
    if (spec->nholes) {
      PetscCall(TwinfeReportSetReal(c->report, PART_KEY("drain_diameter_mm"), spec->hole_diameter_mm));
      PetscCall(TwinfeReportSetRealArray(c->report, PART_KEY("drain_holes_at_mm"), 3 * spec->nholes, st->hole_at));
    }
  }
#undef PART_KEY
  PetscFunctionReturn(0);
}

/* A hollow part (-print_hollow_mm) or a tube (-print_tubes) in place of the solid one, in LPS. */
static PetscErrorCode HollowPart(TwinfeCase c, const PrintSettings *s, const Part *p, PetscInt *nv, PetscReal **xyz, PetscInt *nt,
                                 PetscInt **tri)
{
  TwinfeHollowSpec  spec = {0};
  TwinfeHollowStats stats;
  PetscReal        *openings = NULL, *hxyz;
  PetscInt         *htri, hnv, hnt;
  PetscFunctionBegin;
  if (p->tube) {
    spec.wall_mm = s->tube_wall, spec.outward = PETSC_TRUE;
    PetscCall(TubeOpenings(c, p, &spec.nopenings, &openings));
    spec.openings = openings;
    PetscCheck(spec.nopenings > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "print: tube %s has no open end: it lies inside the image. Cut its ends where the catheter goes in with "
               "-surface_cut_planes px,py,pz,nx,ny,nz (docs/surface_caps.md)",
               p->name);
  } else {
    spec.wall_mm = s->hollow, spec.nholes = p->nholes, spec.holes = p->holes, spec.hole_diameter_mm = s->hole_diameter;
  }
  PetscCall(TwinfeSurfaceHollow(*nv, *xyz, *nt, *tri, &spec, &hnv, &hxyz, &hnt, &htri, &stats));
  PetscCall(RecordHollow(c, p, &spec, &stats));
  PetscCall(PetscPrintf(
      PETSC_COMM_SELF, "%s    %-16s wall %.2f mm %s (grid step %.3f mm, the surface kept within %.3f mm, mean %.3f)%s\n",
      p->tube ? "tube  " : "hollow", p->name, (double)spec.wall_mm,
      p->tube ? "around the lumen, open at its caps" : "inside the surface", (double)stats.spacing_mm,
      (double)stats.max_deviation_mm, (double)stats.mean_deviation_mm,
      !p->tube && !spec.nholes ? "; no drain hole: a resin print keeps resin inside (-print_drain_holes)" : ""));
  PetscCall(PetscFree(openings));
  PetscCall(PetscFree(*xyz));
  PetscCall(PetscFree(*tri));
  *nv = hnv, *xyz = hxyz, *nt = hnt, *tri = htri;
  PetscFunctionReturn(0);
}

/* A remeshed hollow part toward the triangle budget: its deviation measured both ways against
   the part before remeshing, whose outer wall is the segmented surface (to the hollowing's
   grid) and its inner wall the offset the wall thickness asks for. */
static PetscErrorCode MeasureHollow(TwinfeSurface full, TwinfeSurface part, Part *p)
{
  PetscReal mean_back;
  PetscFunctionBegin;
  PetscCall(Deviation(part, full, &p->max_dev, &p->mean_dev));
  PetscCall(Deviation(full, part, &p->max_dev_back, &mean_back));
  PetscFunctionReturn(0);
}

/* A hollow part over the triangle budget is remeshed as a surface of its own, its two walls
   kept apart by the remesher (sheets nearer than the target get shorter edges), within the
   deviation bound from the hollow part at full resolution: as for solid parts, 0.8 of the
   bound and less (x 0.75, at most 4 rounds) until the measured deviation holds, and a longer
   edge (at most 3 rounds) while over the budget by more than 10%. */
static PetscErrorCode HollowToBudget(const PrintSettings *s, Part *p)
{
  TwinfeSurface full, part = NULL;
  const int32_t label = 1;
  PetscReal     area, scale = 1, shrink = 0.8;
  PetscInt      nt, round, before;
  PetscFunctionBegin;
  if (!s->triangles || p->hollow_nt <= s->triangles) PetscFunctionReturn(0);
  PetscCall(SurfaceOfPart(p->hollow_nv, p->hollow_xyz, p->hollow_nt, p->hollow_tri, &full));
  area = SurfaceArea(full, &nt);
  for (round = 0; round < 4; round++, shrink *= 0.75) {
    before = PETSC_MAX_INT;
    for (PetscInt fit = 0; fit < 3; fit++) {
      PetscCall(TwinfeSurfaceDestroy(&part));
      PetscCall(TwinfeSurfaceDuplicate(full, &part));
      p->target_mm = scale * BudgetEdge(area, s->triangles);
      PetscCall(
          TwinfeSurfaceRemeshInPieces(part, 1, &label, &p->target_mm, shrink * s->deviation, PETSC_DEFAULT, PETSC_DEFAULT, NULL));
      (void)SurfaceArea(part, &nt);
      /* within the budget, or no longer coming down: the walls hold the edges (a remesh of a
         million triangles takes tens of seconds) */
      if (nt <= 1.1 * s->triangles || nt > 0.9 * before) break;
      before = nt;
      scale *= PetscSqrtReal((PetscReal)nt / s->triangles);
    }
    PetscCall(MeasureHollow(full, part, p));
    if (p->max_dev <= s->deviation) break;
  }
  PetscCall(TwinfeSurfaceDestroy(&full));
  if (p->max_dev > s->deviation) PetscCall(TwinfeSurfaceDestroy(&part));
  PetscCheck(part, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED,
             "print: hollow part %s remeshed stays up to %g mm from its full-resolution surface, over -print_max_deviation_mm "
             "%g after %" PetscInt_FMT " rounds: give a larger bound or more triangles (-print_triangles)",
             p->name, (double)p->max_dev, (double)s->deviation, round);
  PetscCall(PetscFree(p->hollow_xyz));
  PetscCall(PetscFree(p->hollow_tri));
  PetscCall(TwinfeSurfaceExtractLabel(part, label, &p->hollow_nv, &p->hollow_xyz, &p->hollow_nt, &p->hollow_tri));
  PetscCall(TwinfeSurfaceDestroy(&part));
  PetscFunctionReturn(0);
}

/* Every hollow part and tube, made once from the part's surface (after the solid parts'
   remeshing, which keeps their interfaces with it), then brought to the budget. */
static PetscErrorCode HollowParts(TwinfeCase c, const PrintSettings *s, PetscInt nparts, Part parts[])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < nparts; i++) {
    Part *p = &parts[i];
    if (!IsHollow(s, p)) continue;
    PetscCall(TwinfeSurfaceExtractLabels(c->surface, p->nlabels, p->labels, &p->hollow_nv, &p->hollow_xyz, &p->hollow_nt,
                                         &p->hollow_tri));
    PetscCheck(p->hollow_nt > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "print: part %s has no surface (its region is empty)",
               p->name);
    PetscCall(HollowPart(c, s, p, &p->hollow_nv, &p->hollow_xyz, &p->hollow_nt, &p->hollow_tri));
    PetscCall(HollowToBudget(s, p));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode FreeHollowParts(PetscInt nparts, Part parts[])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < nparts; i++) {
    PetscCall(PetscFree(parts[i].hollow_xyz));
    PetscCall(PetscFree(parts[i].hollow_tri));
  }
  PetscFunctionReturn(0);
}

/* A part's triangles in the frame asked for, the hollow one if asked (PetscFree both arrays). */
static PetscErrorCode ExtractPart(TwinfeCase c, const PrintSettings *s, const Part *p, PetscInt *nv, PetscReal **xyz,
                                  PetscInt *nt, PetscInt **tri)
{
  PetscFunctionBegin;
  if (IsHollow(s, p)) {
    *nv = p->hollow_nv, *nt = p->hollow_nt;
    PetscCall(PetscMalloc1(3 * *nv, xyz));
    PetscCall(PetscMalloc1(3 * *nt, tri));
    PetscCall(PetscArraycpy(*xyz, p->hollow_xyz, 3 * *nv));
    PetscCall(PetscArraycpy(*tri, p->hollow_tri, 3 * *nt));
  } else
    PetscCall(TwinfeSurfaceExtractLabels(c->surface, p->nlabels, p->labels, nv, xyz, nt, tri));
  if (*nt == 0) {
    PetscCall(PetscFree(*xyz));
    PetscCall(PetscFree(*tri));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "print: part %s has no surface (its region is empty)", p->name);
  }
  /* LPS to RAS negates two axes: a rotation, so the winding stays outward */
  for (PetscInt v = 0; v < *nv && s->ras; v++)
    (*xyz)[3 * v] = -(*xyz)[3 * v], (*xyz)[3 * v + 1] = -(*xyz)[3 * v + 1];
  PetscFunctionReturn(0);
}

/* Okabe and Ito's colours, told apart also by colour-blind eyes; part p takes colour p mod 8. */
static const unsigned char palette[8][3] = {{230, 159, 0}, {86, 180, 233}, {0, 158, 115},   {240, 228, 66},
                                            {0, 114, 178}, {213, 94, 0},   {204, 121, 167}, {120, 120, 120}};

/* -print_3mf: every part in one file, each a named object with its colour. */
static PetscErrorCode Write3MFOnRoot(TwinfeCase c, const PrintSettings *s, PetscInt nparts, const Part parts[])
{
  TwinfeThreeMFPart *objects;
  PetscReal        **xyz;
  PetscInt         **tri;
  char               path[PETSC_MAX_PATH_LEN], key[256];
  PetscFunctionBegin;
  PetscCall(PetscCalloc3(nparts, &objects, nparts, &xyz, nparts, &tri));
  for (PetscInt p = 0; p < nparts; p++) {
    PetscInt rgb[3];
    PetscCall(ExtractPart(c, s, &parts[p], &objects[p].nvertices, &xyz[p], &objects[p].ntriangles, &tri[p]));
    objects[p].name = parts[p].name, objects[p].xyz = xyz[p], objects[p].tri = tri[p];
    for (int q = 0; q < 3; q++)
      objects[p].rgb[q] = palette[p % 8][q], rgb[q] = palette[p % 8][q];
    snprintf(key, sizeof key, "print.parts.%s.color_rgb", parts[p].name);
    PetscCall(TwinfeReportSetIntArray(c->report, key, 3, rgb));
  }
  PetscCall(TwinfeCaseStagingPath_Private(c, "parts.3mf", path));
  PetscCall(TwinfeWrite3MF(nparts, objects, path));
  PetscCall(TwinfeCaseAddOutput(c, "parts.3mf"));
  PetscCall(TwinfeReportSetString(c->report, "print.threemf", "parts.3mf"));
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "print     parts.3mf: the %" PetscInt_FMT " part%s as named objects, each its own colour\n", nparts,
                        nparts == 1 ? "" : "s"));
  for (PetscInt p = 0; p < nparts; p++) {
    PetscCall(PetscFree(xyz[p]));
    PetscCall(PetscFree(tri[p]));
  }
  PetscCall(PetscFree3(objects, xyz, tri));
  PetscFunctionReturn(0);
}

/* Spots of less area than the minimum wall squared are specks, not walls: where smoothing left a
   voxel staircase (the flat pole of a ball of 0.8 mm voxels) the rays from a step's corner leave
   through the next step 0.4-0.6 mm away, over 0.1-0.7 mm^2. They are counted and stay marked in
   the map; the spots that are walls come first, thinnest first. */
static int            ThinnerFirst(const void *a, const void *b);
static PetscErrorCode SetSpecksAside(PetscReal min_wall, PetscInt *nspots, TwinfeThinSpot spots[], PetscInt *nspecks)
{
  PetscInt n = 0;
  PetscFunctionBegin;
  for (PetscInt k = 0; k < *nspots; k++)
    if (spots[k].area_mm2 >= min_wall * min_wall) spots[n++] = spots[k];
  *nspecks = *nspots - n;
  *nspots  = n;
  qsort(spots, (size_t)n, sizeof *spots, ThinnerFirst);
  PetscFunctionReturn(0);
}

static int ThinnerFirst(const void *a, const void *b)
{
  const TwinfeThinSpot *x = (const TwinfeThinSpot *)a, *y = (const TwinfeThinSpot *)b;
  return (x->min_mm > y->min_mm) - (x->min_mm < y->min_mm);
}

static int CompareReals(const void *a, const void *b)
{
  const PetscReal x = *(const PetscReal *)a, y = *(const PetscReal *)b;
  return (x > y) - (x < y);
}

static PetscErrorCode RecordThinSpots(TwinfeCase c, const Part *p, PetscInt nspots, const TwinfeThinSpot spots[])
{
  char key[256];
  PetscFunctionBegin;
  for (PetscInt k = 0; k < PetscMin(nspots, TWINFE_THIN_SPOTS_REPORTED); k++) {
    snprintf(key, sizeof key, "print.parts.%s.thickness.thin_spot_%" PetscInt_FMT ".min_mm", p->name, k + 1);
    PetscCall(TwinfeReportSetReal(c->report, key, spots[k].min_mm));
    snprintf(key, sizeof key, "print.parts.%s.thickness.thin_spot_%" PetscInt_FMT ".at_mm", p->name, k + 1);
    PetscCall(TwinfeReportSetRealArray(c->report, key, 3, spots[k].at));
    snprintf(key, sizeof key, "print.parts.%s.thickness.thin_spot_%" PetscInt_FMT ".area_mm2", p->name, k + 1);
    PetscCall(TwinfeReportSetReal(c->report, key, spots[k].area_mm2));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PrintThinSpots(const PrintSettings *s, const char file[], PetscReal thinnest, PetscReal median,
                                     PetscInt nspots, PetscInt nspecks, const TwinfeThinSpot spots[])
{
  PetscFunctionBegin;
  PetscCall(
      PetscPrintf(PETSC_COMM_SELF,
                  "          wall %.2f mm at the thinnest, median %.2f mm; %" PetscInt_FMT " spot%s thinner than %.2f mm%s\n",
                  (double)thinnest, (double)median, nspots, nspots == 1 ? "" : "s", (double)s->min_wall, nspots ? ":" : ""));
  if (nspecks)
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "            (and %" PetscInt_FMT
                          " speck%s, each smaller than %.2f x %.2f mm: staircase corners of the voxels, "
                          "marked in %s)\n",
                          nspecks, nspecks == 1 ? "" : "s", (double)s->min_wall, (double)s->min_wall, file));
  for (PetscInt k = 0; k < PetscMin(nspots, TWINFE_THIN_SPOTS_SHOWN); k++)
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "            %.2f mm at %s (%.1f, %.1f, %.1f) mm, %.1f mm^2\n",
                          (double)spots[k].min_mm, s->ras ? "RAS" : "LPS", (double)spots[k].at[0], (double)spots[k].at[1],
                          (double)spots[k].at[2], (double)spots[k].area_mm2));
  if (nspots > TWINFE_THIN_SPOTS_SHOWN)
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "            and %" PetscInt_FMT " more (report.json lists up to %d; %s shows them all)\n",
                          nspots - TWINFE_THIN_SPOTS_SHOWN, TWINFE_THIN_SPOTS_REPORTED, file));
  PetscFunctionReturn(0);
}

/* The wall-thickness map of a part, as <name>_thickness.vtp (ParaView colours it by thickness_mm
   or below_min_wall), and its thin spots in report.json and the summary, thinnest first. */
static PetscErrorCode MapThickness(TwinfeCase c, const PrintSettings *s, const Part *p, PetscInt nv, const PetscReal xyz[],
                                   PetscInt nt, const PetscInt tri[])
{
  PetscReal       *thickness, *below, *sorted, median, thinnest;
  const PetscReal *fields[2];
  const char      *names[2] = {"thickness_mm", "below_min_wall"};
  TwinfeThinSpot  *spots;
  PetscInt         nspots, nspecks, unresolved = 0, nsorted = 0;
  char             file[TWINFE_NAME_LEN + 16], path[PETSC_MAX_PATH_LEN], key[256];
  PetscFunctionBegin;
  PetscCall(PetscMalloc3(nv, &thickness, nv, &below, nv, &sorted));
  /* one ray a vertex, a cone where the wall may be thin (up to twice the minimum) */
  PetscCall(TwinfeSurfaceComputeThickness(nv, xyz, nt, tri, 2 * s->min_wall, thickness));
  for (PetscInt v = 0; v < nv; v++) {
    below[v] = thickness[v] >= 0 && thickness[v] < s->min_wall ? 1 : 0;
    if (thickness[v] < 0)
      unresolved++;
    else
      sorted[nsorted++] = thickness[v];
  }
  qsort(sorted, (size_t)nsorted, sizeof *sorted, CompareReals);
  median = nsorted ? sorted[nsorted / 2] : -1, thinnest = nsorted ? sorted[0] : -1;
  fields[0] = thickness, fields[1] = below;
  snprintf(file, sizeof file, "%s_thickness.vtp", p->name);
  PetscCall(TwinfeCaseStagingPath_Private(c, file, path));
  PetscCall(TwinfeWriteSurfaceVTP(nv, xyz, nt, tri, 2, names, fields, path));
  PetscCall(TwinfeCaseAddOutput(c, file));
  PetscCall(TwinfeSurfaceFindThinSpots(nv, xyz, nt, tri, thickness, s->min_wall, &nspots, &spots));
  PetscCall(SetSpecksAside(s->min_wall, &nspots, spots, &nspecks));
#define PART_KEY(member) (snprintf(key, sizeof key, "print.parts.%s.thickness.%s", p->name, member), key)
  PetscCall(TwinfeReportSetString(c->report, PART_KEY("map"), file));
  PetscCall(TwinfeReportSetReal(c->report, PART_KEY("min_mm"), thinnest));
  PetscCall(TwinfeReportSetReal(c->report, PART_KEY("median_mm"), median));
  PetscCall(TwinfeReportSetInt(c->report, PART_KEY("vertices_without_opposite_wall"), unresolved));
  PetscCall(TwinfeReportSetInt(c->report, PART_KEY("thin_spots"), nspots));
  PetscCall(TwinfeReportSetInt(c->report, PART_KEY("specks"), nspecks));
#undef PART_KEY
  PetscCall(RecordThinSpots(c, p, nspots, spots));
  PetscCall(PrintThinSpots(s, file, thinnest, median, nspots, nspecks, spots));
  PetscCall(PetscFree(spots));
  PetscCall(PetscFree3(thickness, below, sorted));
  PetscFunctionReturn(0);
}

/* Cut out, move to the frame asked for, check, write and record one part. */
static PetscErrorCode WritePart(TwinfeCase c, const PrintSettings *s, const Part *p)
{
  PetscReal *xyz, lo[3] = {PETSC_MAX_REAL, PETSC_MAX_REAL, PETSC_MAX_REAL},
                  hi[3] = {PETSC_MIN_REAL, PETSC_MIN_REAL, PETSC_MIN_REAL};
  PetscInt       *tri, nv, nt;
  TwinfePartCheck k;
  char            file[TWINFE_NAME_LEN + 8], path[PETSC_MAX_PATH_LEN], defects[512];
  PetscFunctionBegin;
  PetscCall(ExtractPart(c, s, p, &nv, &xyz, &nt, &tri));
  for (PetscInt v = 0; v < nv; v++)
    for (int d = 0; d < 3; d++)
      lo[d] = PetscMin(lo[d], xyz[3 * v + d]), hi[d] = PetscMax(hi[d], xyz[3 * v + d]);
  PetscCall(TwinfeSurfaceCheckPart(nv, xyz, nt, tri, &k));
  Defects(&k, defects, sizeof defects);
  PetscCheck(k.printable, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "print: part %s would not print as it is (%s); nothing was written. -surface_smooth_iterations 0 keeps the "
             "voxel surface, which is always closed",
             p->name, defects);
  snprintf(file, sizeof file, "%s.stl", p->name);
  PetscCall(TwinfeCaseStagingPath_Private(c, file, path));
  PetscCall(TwinfeWriteSTL(nv, xyz, nt, tri, path));
  PetscCall(TwinfeCaseAddOutput(c, file));
  PetscCall(RecordPart(c, s, p, &k, file, lo, hi));
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "print     %-16s %8" PetscInt_FMT " triangles  %12.1f mm^3  %" PetscInt_FMT " shell%s%s, %" PetscInt_FMT
                        " handle%s",
                        file, nt, (double)k.volume_mm3, k.shells, k.shells == 1 ? "" : "s",
                        k.inner_shells ? " (cavities or inner shells among them)" : "", k.handles, k.handles == 1 ? "" : "s"));
  if (s->triangles)
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "; within %.3f mm of the full-resolution surface (mean %.3f, back %.3f)%s",
                          (double)p->max_dev, (double)p->mean_dev, (double)p->max_dev_back,
                          nt > 1.1 * s->triangles
                              ? IsHollow(s, p) ? "; over the triangle budget: the remesher keeps edges near a wall shorter "
                                                 "than the wall is thick, so that its sides never cross"
                                               : "; over the triangle budget: the deviation bound, or an interface with a finer "
                                                 "part, kept more"
                              : ""));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "\n"));
  PetscCall(MapThickness(c, s, p, nv, xyz, nt, tri));
  PetscCall(PetscFree(xyz));
  PetscCall(PetscFree(tri));
  PetscFunctionReturn(0);
}

static PetscErrorCode PrintPartsOnRoot(TwinfeCase c, const PrintSettings *s)
{
  Part          *parts;
  PetscInt       nparts;
  PetscLogDouble t0;
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(TwinfeCaseBeginStage(c, "print", PETSC_FALSE, &t0));
  PetscCall(PetscCalloc1(s->merge ? 1 : c->nregions, &parts));
  PetscCall(ChooseParts(c, s, &nparts, parts));
  if (s->triangles) {
    TwinfeSurface full;
    PetscCall(TwinfeSurfaceDuplicate(c->surface, &full));
    PetscCall(KeepWithinBound(c, s, full, nparts, parts));
    PetscCall(TwinfeSurfaceDestroy(&full));
    PetscCall(TwinfeReportSetInt(c->report, "print.triangle_budget", s->triangles));
    PetscCall(TwinfeReportSetReal(c->report, "print.max_deviation_bound_mm", s->deviation));
  }
  ierr = HollowParts(c, s, nparts, parts);
  PetscCall(TwinfeReportSetString(c->report, "print.frame", s->ras ? "RAS" : "LPS"));
  PetscCall(TwinfeReportSetString(c->report, "print.units", "mm"));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "print     binary STL in mm, %s coordinates%s\n", s->ras ? "RAS" : "LPS (the scanner's)",
                        s->merge ? ", the regions merged into one part" : ", one part per region"));
  for (PetscInt p = 0; p < nparts && !ierr; p++)
    ierr = WritePart(c, s, &parts[p]);
  if (s->threemf && !ierr) ierr = Write3MFOnRoot(c, s, nparts, parts);
  PetscCall(FreeHollowParts(nparts, parts));
  PetscCall(PetscFree(parts));
  PetscCall(ierr);
  PetscCall(TwinfeCaseEndStage(c, PETSC_FALSE, t0));
  PetscFunctionReturn(0);
}

/* Half the smallest voxel spacing, as for meshing: a remeshed print stays within half a voxel. */
static PetscErrorCode DefaultDeviation(TwinfeCase c, PrintSettings *s)
{
  PetscReal spacing[3];
  PetscFunctionBegin;
  if (s->deviation > 0) PetscFunctionReturn(0);
  PetscCall(TwinfeImageGetGeometry(c->image, spacing, NULL, NULL));
  s->deviation = 0.5 * PetscMin(spacing[0], PetscMin(spacing[1], spacing[2]));
  PetscFunctionReturn(0);
}

/* -print_merge from a label map: the regions become one label before the surface is made, and
   the pinches of their union (two regions touching only along an edge or at a corner, which
   each region's own repair leaves) are mended like a region's, so the union's surface is
   manifold. */
static PetscErrorCode MergeRegionsOnRoot(TwinfeCase c)
{
  int32_t *to;
  PetscInt added, left;
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(c->nregions, &to));
  for (PetscInt i = 0; i < c->nregions; i++)
    to[i] = c->labels[0];
  PetscCall(TwinfeImageRelabel(c->image, c->nregions, c->labels, to));
  PetscCall(PetscFree(to));
  PetscCall(TwinfeImageRepairPinches(c->image, &added, &left));
  PetscCall(TwinfeReportSetInt(c->report, "print.merge_pinch_voxels_added", added));
  PetscCall(TwinfeReportSetInt(c->report, "print.merge_pinches_left", left));
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "merge     %" PetscInt_FMT " regions as one part: %" PetscInt_FMT
                        " voxels added to mend pinches of their union%s\n",
                        c->nregions, added, left ? " (some are left: the part will be refused)" : ""));
  PetscFunctionReturn(0);
}

static PetscErrorCode SurfaceOnRoot(TwinfeCase c, PetscBool merged)
{
  PetscInt       iterations = 20;
  PetscLogDouble t0;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-surface_smooth_iterations", &iterations, NULL));
  PetscCall(TwinfeCaseBeginStage(c, "surface", PETSC_FALSE, &t0));
  PetscCall(TwinfeSurfaceCreateFromImage(c->image, merged ? 1 : c->nregions, c->labels, &c->surface));
  if (iterations > 0) PetscCall(TwinfeSurfaceSmooth(c->surface, iterations, PETSC_DEFAULT, PETSC_DEFAULT));
  PetscCall(TwinfeSurfaceCut(c->surface, PETSC_DEFAULT, NULL));
  PetscCall(TwinfeReportSetInt(c->report, "surface.smooth_iterations", iterations));
  PetscCall(TwinfeCaseEndStage(c, PETSC_FALSE, t0));
  PetscFunctionReturn(0);
}

static PetscErrorCode PrintImageOnRoot(TwinfeCase c, const char path[], PrintSettings *s)
{
  PetscFunctionBegin;
  PetscCall(TwinfeCaseReadImageOnRoot_Private(c, path));
  PetscCall(CheckHollowSettings(c, s));
  PetscCall(CapsForTubes(s));
  if (s->merge) PetscCall(MergeRegionsOnRoot(c));
  PetscCall(SurfaceOnRoot(c, s->merge));
  PetscCall(DefaultDeviation(c, s));
  PetscCall(PrintPartsOnRoot(c, s));
  PetscCall(TwinfeImageDestroy(&c->image));
  PetscFunctionReturn(0);
}

/* From a mesh, the default bound is a quarter of the surface's mean edge. */
static PetscErrorCode PrintMeshOnRoot(TwinfeCase c, const char path[], PrintSettings *s)
{
  PetscFunctionBegin;
  PetscCall(TwinfeCaseReadMeshSurfaceOnRoot_Private(c, path));
  PetscCall(CheckHollowSettings(c, s));
  if (s->deviation <= 0) {
    const PetscReal *xyz;
    const PetscInt  *tri;
    const int32_t   *labels;
    PetscInt         nv, nt;
    PetscReal        sum = 0;
    PetscCall(TwinfeSurfaceGetVertices(c->surface, &nv, &xyz));
    PetscCall(TwinfeSurfaceGetTriangles(c->surface, &nt, &tri, &labels));
    for (PetscInt t = 0; t < nt; t++)
      for (int e = 0; e < 3; e++) {
        const PetscReal *a = xyz + 3 * tri[3 * t + e], *b = xyz + 3 * tri[3 * t + (e + 1) % 3];
        sum += PetscSqrtReal((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
      }
    s->deviation = nt ? 0.25 * sum / (3 * nt) : 1;
  }
  PetscCall(PrintPartsOnRoot(c, s));
  PetscFunctionReturn(0);
}

static PetscBool IsMeshFile(const char path[])
{
  const size_t n = strlen(path);
  return n > 4 && !strcmp(path + n - 4, ".msh") ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode TwinfeCaseRefusePrintOptions_Private(TwinfeCase c)
{
  const char *names[] = {"-print_frame",       "-print_merge",
                         "-print_3mf",         "-print_triangles",
                         "-print_max_mb",      "-print_max_deviation_mm",
                         "-print_min_wall_mm", "-print_hollow_mm",
                         "-print_drain_holes", "-print_drain_diameter_mm",
                         "-print_tubes",       "-print_tube_wall_mm"};
  PetscFunctionBegin;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    PetscBool set;
    PetscCall(PetscOptionsHasName(NULL, NULL, names[i], &set));
    PetscCheck(!set, c->comm, PETSC_ERR_ARG_WRONG, "%s is an option of twinfe print (docs/print.md), not of this command",
               names[i]);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCasePrint(TwinfeCase c, const char input[])
{
  PrintSettings  s;
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCheck(input && input[0], c->comm, PETSC_ERR_ARG_WRONG, "twinfe print: no input given: a label map or a Gmsh .msh file");
  PetscCall(ReadPrintSettings(&s));
  if (IsMeshFile(input)) {
    ierr = TwinfeRunOnRoot(c->comm, c->rank == 0 ? PrintMeshOnRoot(c, input, &s) : 0);
  } else {
    PetscCall(TwinfeCaseReadRegionOptions_Private(c));
    PetscCall(TwinfeRootStepBegin(c->comm)); /* the other ranks sleep: rank 0 takes their cores */
    ierr = TwinfeRunOnRoot(c->comm, c->rank == 0 ? PrintImageOnRoot(c, input, &s) : 0);
    PetscCall(TwinfeFidelityDestroy(&c->fidelity));
  }
  PetscCall(ierr);
  PetscCall(TwinfeCaseBroadcastRegions_Private(c));
  PetscFunctionReturn(0);
}
