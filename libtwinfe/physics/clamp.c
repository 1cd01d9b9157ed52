/* Where the tissue is held: the clamp boxes of a mechanics physics, one per connected part of the
 * mesh and clamped facet tag, checked on the whole serial mesh before it is distributed.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "physics_impl.h"
#include "core/core_impl.h"
#include <twinfe/core.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* -clamp_tags holds at most this many tags. */
#define TWINFE_MAX_CLAMP_TAGS 256

/* What the checks read: the serial mesh and the report on rank 0. */
typedef struct {
  MPI_Comm     comm;
  PetscMPIInt  rank;
  TwinfeMesh   mesh;
  TwinfeReport report;
} Host;

/* Which facets are held: tags (default every region's outer surface) and, within them, the
   vertices on one side of each connected part along an axis: one box per (part, tag) pair,
   the part's bounding box cut to the given fraction of its extent along the axis. So every part
   (two kidneys, a vessel in pieces) is held on its own side, whatever its position in the mesh. */

/* Whether a facet tag is an outer surface of one region: the region's number (1..999) or one of
   its caps (TwinfeCapTag: where it leaves the image or a plane cuts it), not an interface. */
static PetscBool IsOuterTag(PetscInt tag)
{
  PetscInt larger, smaller;
  TwinfeFacetTagLabels(tag, &larger, &smaller);
  return (PetscBool)(larger > 0 && smaller == 0);
}

/* The distinct facet tags of the mesh, ascending (*tags to PetscFree). */
static PetscErrorCode MeshFacetTags(const Host *c, PetscInt *ntags, PetscInt **tags)
{
  PetscInt        nf;
  const PetscInt *facets;
  const int32_t  *ftags;
  PetscFunctionBegin;
  PetscCall(TwinfeMeshGetFacets(c->mesh, &nf, &facets, &ftags));
  PetscCall(PetscMalloc1(nf + 1, tags));
  for (PetscInt f = 0; f < nf; ++f)
    (*tags)[f] = ftags[f];
  *ntags = nf;
  PetscCall(PetscSortRemoveDupsInt(ntags, *tags));
  PetscFunctionReturn(0);
}

/* The mesh's bounding box and its outer surfaces' tags, ascending (caps after the regions'). */
static PetscErrorCode MeshBoundsOnRoot(const Host *c, PetscReal lo[3], PetscReal hi[3], PetscInt *nouter, PetscInt outer[])
{
  PetscInt         nv, ntags, *tags;
  const PetscReal *xyz;
  PetscFunctionBegin;
  PetscCall(TwinfeMeshGetVertices(c->mesh, &nv, &xyz));
  for (int d = 0; d < 3; ++d)
    lo[d] = PETSC_MAX_REAL, hi[d] = PETSC_MIN_REAL;
  for (PetscInt v = 0; v < nv; ++v)
    for (int d = 0; d < 3; ++d)
      lo[d] = PetscMin(lo[d], xyz[3 * v + d]), hi[d] = PetscMax(hi[d], xyz[3 * v + d]);
  PetscCall(MeshFacetTags(c, &ntags, &tags));
  *nouter = 0;
  for (PetscInt t = 0; t < ntags; ++t)
    if (IsOuterTag(tags[t]) && (*nouter)++ < TWINFE_MAX_CLAMP_TAGS) outer[*nouter - 1] = tags[t];
  PetscCall(PetscFree(tags));
  PetscCheck(*nouter <= TWINFE_MAX_CLAMP_TAGS, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "The mesh has more than %d outer surfaces: choose the ones to hold with -clamp_tags", TWINFE_MAX_CLAMP_TAGS);
  PetscFunctionReturn(0);
}

/* Appends printf-style text to buf (size len), keeping it NUL-terminated when it is full. */
static void Append(char buf[], size_t len, const char fmt[], ...)
{
  const size_t used = strlen(buf);
  va_list      ap;
  if (used + 1 >= len) return;
  va_start(ap, fmt);
  vsnprintf(buf + used, len - used, fmt, ap);
  va_end(ap);
}

/* "1 (organ)" for an outer tag, "1002 (organ|tumor)" for an interface. */
/* The name of region label, or "?" when no tet carries it (a mesh read from a file may tag its
   facets otherwise than by region). */
static PetscErrorCode RegionNameOrMark(const Host *c, PetscInt label, const char **name)
{
  PetscInt       nregions;
  const int32_t *labels;
  PetscFunctionBegin;
  *name = "?";
  PetscCall(TwinfeMeshGetRegions(c->mesh, &nregions, &labels));
  for (PetscInt r = 0; r < nregions; ++r)
    if (labels[r] == label) PetscCall(TwinfeMeshGetRegionName(c->mesh, (int32_t)label, name));
  PetscFunctionReturn(0);
}

static PetscErrorCode AppendTag(const Host *c, PetscInt tag, char buf[], size_t len)
{
  PetscInt    larger, smaller;
  const char *a, *b;
  PetscFunctionBegin;
  TwinfeFacetTagLabels(tag, &larger, &smaller);
  PetscCall(RegionNameOrMark(c, larger, &a));
  if (smaller == 0)
    Append(buf, len, "%" PetscInt_FMT " (%s)", tag, a);
  else {
    PetscCall(RegionNameOrMark(c, smaller, &b));
    Append(buf, len, "%" PetscInt_FMT " (%s|%s)", tag, b, a);
  }
  PetscFunctionReturn(0);
}

/* "the outer surfaces are 1 (organ) and 2 (tumor); interfaces 1002 (organ|tumor)" */
static PetscErrorCode DescribeMeshTags(const Host *c, PetscInt ntags, const PetscInt tags[], char buf[], size_t len)
{
  PetscInt nouter = 0, ninner = 0, seen = 0;
  PetscFunctionBegin;
  buf[0] = 0;
  for (PetscInt t = 0; t < ntags; ++t)
    IsOuterTag(tags[t]) ? ++nouter : ++ninner;
  if (!ntags) Append(buf, len, "the mesh has no tagged surface");
  if (nouter) Append(buf, len, nouter == 1 ? "the outer surface is " : "the outer surfaces are ");
  for (PetscInt t = 0; t < ntags; ++t) {
    if (!IsOuterTag(tags[t])) continue;
    ++seen;
    if (seen > 1) Append(buf, len, seen == nouter ? " and " : ", ");
    PetscCall(AppendTag(c, tags[t], buf, len));
  }
  if (ninner) Append(buf, len, "%sinterface%s ", nouter ? "; " : "the mesh has no outer surface; ", ninner > 1 ? "s" : "");
  seen = 0;
  for (PetscInt t = 0; t < ntags; ++t) {
    if (IsOuterTag(tags[t])) continue;
    if (seen++) Append(buf, len, ", ");
    PetscCall(AppendTag(c, tags[t], buf, len));
  }
  PetscFunctionReturn(0);
}

/* Every -clamp_tags value must be a tag some facet of the mesh carries. */
static PetscErrorCode CheckClampTagsOnRoot(const Host *c, const TwinfeClampSet *clamp)
{
  PetscInt *tags, ntags, where;
  char      known[1024];
  PetscFunctionBegin;
  PetscCall(MeshFacetTags(c, &ntags, &tags));
  for (PetscInt i = 0; i < clamp->ntags; ++i) {
    PetscCall(PetscFindInt(clamp->tags[i], ntags, tags, &where));
    if (where >= 0) continue;
    PetscCall(DescribeMeshTags(c, ntags, tags, known, sizeof known));
    PetscCall(PetscFree(tags));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
            "-clamp_tags %" PetscInt_FMT ": no surface of the mesh carries tag %" PetscInt_FMT
            "; %s (give -clamp_tags from these, e.g. an outer surface's)",
            clamp->tags[i], clamp->tags[i], known);
  }
  PetscCall(PetscFree(tags));
  PetscFunctionReturn(0);
}

/* Whether x, on a facet of the given tag, is held by some box of that tag. */
static PetscBool InClampBox(const TwinfeClampSet *clamp, PetscInt tag, const PetscReal x[3])
{
  for (PetscInt b = 0; b < clamp->nboxes; ++b) {
    const PetscReal *box = &clamp->boxes[6 * b];
    PetscBool        in  = (PetscBool)(clamp->box_tag[b] == tag);
    for (int d = 0; d < 3 && in; ++d)
      in = (PetscBool)(x[d] >= box[2 * d] && x[d] <= box[2 * d + 1]);
    if (in) return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

static PetscBool IsClampTag(const TwinfeClampSet *clamp, PetscInt tag)
{
  for (PetscInt i = 0; i < clamp->ntags; ++i)
    if (clamp->tags[i] == tag) return PETSC_TRUE;
  return PETSC_FALSE;
}

/* held[p]: whether some vertex of part p lies on a clamped facet inside the clamp box (the
   vertices the solver fixes). */
static PetscErrorCode FindHeldParts(const Host *c, const TwinfeClampSet *clamp, const PetscInt vpart[], PetscBool held[])
{
  PetscInt         nv, nf;
  const PetscReal *xyz;
  const PetscInt  *facets;
  const int32_t   *tags;
  PetscFunctionBegin;
  PetscCall(TwinfeMeshGetVertices(c->mesh, &nv, &xyz));
  PetscCall(TwinfeMeshGetFacets(c->mesh, &nf, &facets, &tags));
  for (PetscInt f = 0; f < nf; ++f) {
    if (!IsClampTag(clamp, tags[f])) continue;
    for (int k = 0; k < 3; ++k) {
      const PetscInt v = facets[3 * f + k];
      if (vpart[v] >= 0 && InClampBox(clamp, tags[f], &xyz[3 * v])) held[vpart[v]] = PETSC_TRUE;
    }
  }
  PetscFunctionReturn(0);
}

/* Tets, volume (mm^3) and centroid (LPS mm, 3 per part) of each part. */
static PetscErrorCode MeasureParts(const Host *c, PetscInt nparts, const PetscInt part[], PetscInt ntets_of[],
                                   PetscReal volume_of[], PetscReal centroid_of[])
{
  PetscInt         nv, nt;
  const PetscReal *x;
  const PetscInt  *tets;
  const int32_t   *regions;
  PetscFunctionBegin;
  PetscCall(TwinfeMeshGetVertices(c->mesh, &nv, &x));
  PetscCall(TwinfeMeshGetTetrahedra(c->mesh, &nt, &tets, &regions));
  for (PetscInt t = 0; t < nt; ++t) {
    const PetscReal *p0 = &x[3 * tets[4 * t]], *p1 = &x[3 * tets[4 * t + 1]], *p2 = &x[3 * tets[4 * t + 2]],
                    *p3 = &x[3 * tets[4 * t + 3]];
    PetscReal a[3], b[3], e[3];
    for (int d = 0; d < 3; ++d)
      a[d] = p1[d] - p0[d], b[d] = p2[d] - p0[d], e[d] = p3[d] - p0[d];
    const PetscReal volume = PetscAbsReal(a[0] * (b[1] * e[2] - b[2] * e[1]) - a[1] * (b[0] * e[2] - b[2] * e[0]) +
                                          a[2] * (b[0] * e[1] - b[1] * e[0])) /
                             6;
    ntets_of[part[t]]++;
    volume_of[part[t]] += volume;
    for (int d = 0; d < 3; ++d)
      centroid_of[3 * part[t] + d] += volume * (p0[d] + p1[d] + p2[d] + p3[d]) / 4;
  }
  for (PetscInt p = 0; p < nparts; ++p)
    for (int d = 0; d < 3; ++d)
      centroid_of[3 * p + d] /= volume_of[p] > 0 ? volume_of[p] : 1;
  PetscFunctionReturn(0);
}

/* "regions organ and tumor, 48 tets, 125 mm^3, outer surface 2 (tumor)" for part p; adds the
   part's outer tags that -clamp_tags lacks to add[] (*nadd of them, at most nmax). */
static PetscErrorCode DescribePart(const Host *c, const TwinfeClampSet *clamp, const PetscInt part[], const PetscInt vpart[],
                                   PetscInt p, PetscInt ntets, PetscReal volume, const PetscReal centroid[3], PetscInt *nadd,
                                   PetscInt add[], PetscInt nmax, char buf[], size_t len)
{
  PetscInt        nt, nf, nregions, nnames = 0, nouter = 0, ntags, *mesh_tags, where;
  const PetscInt *tets, *facets;
  const int32_t  *regions, *tags, *labels;
  PetscBool       in_region[TWINFE_MAX_CLAMP_TAGS] = {PETSC_FALSE}, *outer; /* outer[i]: mesh_tags[i] is on the part */
  PetscFunctionBegin;
  PetscCall(TwinfeMeshGetTetrahedra(c->mesh, &nt, &tets, &regions));
  PetscCall(TwinfeMeshGetFacets(c->mesh, &nf, &facets, &tags));
  PetscCall(TwinfeMeshGetRegions(c->mesh, &nregions, &labels));
  PetscCall(MeshFacetTags(c, &ntags, &mesh_tags));
  PetscCall(PetscCalloc1(ntags + 1, &outer));
  for (PetscInt t = 0; t < nt; ++t)
    if (part[t] == p)
      for (PetscInt r = 0; r < nregions && r < TWINFE_MAX_CLAMP_TAGS; ++r)
        if (labels[r] == regions[t]) in_region[r] = PETSC_TRUE;
  for (PetscInt f = 0; f < nf; ++f)
    if (IsOuterTag(tags[f]) && vpart[facets[3 * f]] == p) {
      PetscCall(PetscFindInt(tags[f], ntags, mesh_tags, &where));
      outer[where] = PETSC_TRUE;
    }
  for (PetscInt r = 0; r < nregions && r < TWINFE_MAX_CLAMP_TAGS; ++r)
    nnames += in_region[r];
  Append(buf, len, nnames > 1 ? "a part of regions " : "a part of region ");
  for (PetscInt r = 0, seen = 0; r < nregions && r < TWINFE_MAX_CLAMP_TAGS; ++r) {
    const char *name;
    if (!in_region[r]) continue;
    PetscCall(TwinfeMeshGetRegionName(c->mesh, labels[r], &name));
    Append(buf, len, "%s%s", seen ? (seen == nnames - 1 ? " and " : ", ") : "", name);
    ++seen;
  }
  Append(buf, len, " (%" PetscInt_FMT " tets, %.4g mm^3, centroid (%.1f, %.1f, %.1f) mm LPS", ntets, (double)volume,
         (double)centroid[0], (double)centroid[1], (double)centroid[2]);
  for (PetscInt i = 0; i < ntags; ++i) {
    const PetscInt t = mesh_tags[i];
    if (!outer[i]) continue;
    Append(buf, len, nouter++ ? ", " : ", outer surface tag ");
    PetscCall(AppendTag(c, t, buf, len));
    if (!IsClampTag(clamp, t) && *nadd < nmax) {
      PetscBool listed = PETSC_FALSE;
      for (PetscInt i = 0; i < *nadd; ++i)
        listed = listed || add[i] == t;
      if (!listed) add[(*nadd)++] = t;
    }
  }
  Append(buf, len, ")");
  PetscCall(PetscFree(outer));
  PetscCall(PetscFree(mesh_tags));
  PetscFunctionReturn(0);
}

/* The largest floating part not yet described, or -1. */
static PetscInt NextLargest(PetscInt nparts, const PetscBool skip[], const PetscReal volume_of[])
{
  PetscInt best = -1;
  for (PetscInt p = 0; p < nparts; ++p)
    if (!skip[p] && (best < 0 || volume_of[p] > volume_of[best])) best = p;
  return best;
}

/* Every connected part of the mesh (tets sharing a vertex) must hold a clamped vertex: a part
   that nothing holds can move freely, its stiffness matrix is singular and the solver fails
   with an indefinite preconditioner, long after the mesh was read. A part is not a region: one
   region may have several (two kidneys) and a part several regions. */
static PetscErrorCode CheckNothingFloatsOnRoot(const Host *c, const TwinfeClampSet *clamp, const char axis[], const char side[],
                                               PetscReal fraction)
{
  PetscInt   nv, nt, nparts, nfloat = 0, nadd = 0, add[TWINFE_MAX_CLAMP_TAGS], *part, *vpart, *ntets_of;
  PetscReal *volume_of, *centroid_of;
  PetscBool *held;
  char       parts[2048] = "", given[512] = "", wanted[512] = "";
  PetscFunctionBegin;
  PetscCall(TwinfeMeshGetVertices(c->mesh, &nv, NULL));
  PetscCall(TwinfeMeshGetTetrahedra(c->mesh, &nt, NULL, NULL));
  PetscCall(PetscMalloc2(nt, &part, nv, &vpart));
  PetscCall(TwinfeMeshGetComponents(c->mesh, &nparts, part, vpart));
  PetscCall(PetscCalloc4(nparts, &held, nparts, &ntets_of, nparts, &volume_of, 3 * nparts, &centroid_of));
  PetscCall(FindHeldParts(c, clamp, vpart, held));
  for (PetscInt p = 0; p < nparts; ++p)
    nfloat += !held[p];
  if (nfloat) {
    PetscCall(MeasureParts(c, nparts, part, ntets_of, volume_of, centroid_of));
    for (PetscInt shown = 0; shown < 3; ++shown) { /* the largest three: specks come last */
      const PetscInt p = NextLargest(nparts, held, volume_of);
      if (p < 0) break;
      if (shown) Append(parts, sizeof parts, "; ");
      PetscCall(DescribePart(c, clamp, part, vpart, p, ntets_of[p], volume_of[p], &centroid_of[3 * p], &nadd, add,
                             TWINFE_MAX_CLAMP_TAGS, parts, sizeof parts));
      held[p] = PETSC_TRUE;
    }
    if (nfloat > 3) Append(parts, sizeof parts, "; and %" PetscInt_FMT " smaller parts", nfloat - 3);
    for (PetscInt i = 0; i < clamp->ntags + nadd; ++i) {
      const PetscInt tag = i < clamp->ntags ? clamp->tags[i] : add[i - clamp->ntags];
      if (i < clamp->ntags) Append(given, sizeof given, "%s%" PetscInt_FMT, i ? "," : "", tag);
      Append(wanted, sizeof wanted, "%s%" PetscInt_FMT, i ? "," : "", tag);
    }
  }
  PetscCall(PetscFree2(part, vpart));
  PetscCall(PetscFree4(held, ntets_of, volume_of, centroid_of));
  PetscCheck(!nfloat, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "-clamp_tags %s (on the %s side: -clamp_fraction %g along -clamp_axis %s) holds no vertex of %" PetscInt_FMT
             " of the mesh's %" PetscInt_FMT
             " connected parts, which would float free and make the solve fail: %s. %s%s%swiden -clamp_fraction so that every "
             "part is held",
             given, side, (double)fraction, axis, nfloat, nparts, parts,
             nadd ? "Add an outer surface tag of each such part to -clamp_tags (e.g. -clamp_tags " : "", nadd ? wanted : "",
             nadd ? ") or " : "Change -clamp_side or ");
  PetscFunctionReturn(0);
}

/* One box per (part, clamp tag) pair where the tag is on the part: the part's bounding box (a
   hair wider), cut along the axis to the fraction of the part's extent on the chosen side. */
static PetscErrorCode MakeClampBoxesOnRoot(const Host *c, TwinfeClampSet *clamp, PetscInt axis, PetscBool max_side,
                                           PetscReal fraction)
{
  PetscInt         nv, nt, nf, nparts, *vpart;
  const PetscReal *xyz;
  const PetscInt  *facets;
  const int32_t   *tags;
  PetscReal       *lo, *hi;
  PetscBool       *pair; /* pair[p * ntags + i]: clamp tag i is on part p */
  PetscFunctionBegin;
  PetscCall(TwinfeMeshGetVertices(c->mesh, &nv, &xyz));
  PetscCall(TwinfeMeshGetTetrahedra(c->mesh, &nt, NULL, NULL));
  PetscCall(TwinfeMeshGetFacets(c->mesh, &nf, &facets, &tags));
  PetscCall(PetscMalloc1(nv, &vpart));
  PetscCall(TwinfeMeshGetComponents(c->mesh, &nparts, NULL, vpart));
  PetscCall(PetscMalloc2(3 * nparts, &lo, 3 * nparts, &hi));
  PetscCall(PetscCalloc1(nparts * clamp->ntags + 1, &pair));
  for (PetscInt i = 0; i < 3 * nparts; ++i)
    lo[i] = PETSC_MAX_REAL, hi[i] = PETSC_MIN_REAL;
  for (PetscInt v = 0; v < nv; ++v)
    for (int d = 0; d < 3 && vpart[v] >= 0; ++d) {
      lo[3 * vpart[v] + d] = PetscMin(lo[3 * vpart[v] + d], xyz[3 * v + d]);
      hi[3 * vpart[v] + d] = PetscMax(hi[3 * vpart[v] + d], xyz[3 * v + d]);
    }
  for (PetscInt f = 0; f < nf; ++f)
    for (PetscInt i = 0; i < clamp->ntags; ++i)
      if (tags[f] == clamp->tags[i] && vpart[facets[3 * f]] >= 0) pair[vpart[facets[3 * f]] * clamp->ntags + i] = PETSC_TRUE;
  clamp->nboxes = 0;
  for (PetscInt i = 0; i < nparts * clamp->ntags; ++i)
    clamp->nboxes += pair[i];
  PetscCall(PetscMalloc2(clamp->nboxes + 1, &clamp->box_tag, 6 * clamp->nboxes + 6, &clamp->boxes));
  for (PetscInt p = 0, b = 0; p < nparts; ++p)
    for (PetscInt i = 0; i < clamp->ntags; ++i) {
      PetscReal *box = &clamp->boxes[6 * b];
      if (!pair[p * clamp->ntags + i]) continue;
      for (int d = 0; d < 3; ++d) {
        const PetscReal margin = 1e-6 * (hi[3 * p + d] - lo[3 * p + d]) + 1e-9; /* keep the extreme vertices inside */
        box[2 * d] = lo[3 * p + d] - margin, box[2 * d + 1] = hi[3 * p + d] + margin;
      }
      if (max_side)
        box[2 * axis] = hi[3 * p + axis] - fraction * (hi[3 * p + axis] - lo[3 * p + axis]);
      else
        box[2 * axis + 1] = lo[3 * p + axis] + fraction * (hi[3 * p + axis] - lo[3 * p + axis]);
      clamp->box_tag[b++] = clamp->tags[i];
    }
  PetscCall(PetscFree(pair));
  PetscCall(PetscFree2(lo, hi));
  PetscCall(PetscFree(vpart));
  PetscFunctionReturn(0);
}

static PetscErrorCode BroadcastClampBoxes(const Host *c, TwinfeClampSet *clamp)
{
  PetscFunctionBegin;
  PetscCallMPI(MPI_Bcast(&clamp->nboxes, 1, MPIU_INT, 0, c->comm));
  if (c->rank != 0) PetscCall(PetscMalloc2(clamp->nboxes + 1, &clamp->box_tag, 6 * clamp->nboxes + 6, &clamp->boxes));
  PetscCallMPI(MPI_Bcast(clamp->box_tag, (int)clamp->nboxes, MPIU_INT, 0, c->comm));
  PetscCallMPI(MPI_Bcast(clamp->boxes, (int)(6 * clamp->nboxes), MPIU_REAL, 0, c->comm));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadClampSet(const Host *c, TwinfeClampSet *clamp)
{
  PetscReal lo[3], hi[3], fraction = 0.25;
  PetscInt  axis = 1, ntags = TWINFE_MAX_CLAMP_TAGS;
  char      axis_name[16] = "y", side[16] = "max";
  PetscBool tags_given;
  PetscFunctionBegin;
  clamp->nboxes = 0, clamp->box_tag = NULL, clamp->boxes = NULL;
  if (c->rank == 0) PetscCall(MeshBoundsOnRoot(c, lo, hi, &clamp->ntags, clamp->tags));
  PetscCallMPI(MPI_Bcast(lo, 3, MPIU_REAL, 0, c->comm));
  PetscCallMPI(MPI_Bcast(hi, 3, MPIU_REAL, 0, c->comm));
  clamp->mesh_diagonal_mm = PetscSqrtReal(PetscSqr(hi[0] - lo[0]) + PetscSqr(hi[1] - lo[1]) + PetscSqr(hi[2] - lo[2]));
  PetscCallMPI(MPI_Bcast(&clamp->ntags, 1, MPIU_INT, 0, c->comm));
  PetscCallMPI(MPI_Bcast(clamp->tags, (int)clamp->ntags, MPIU_INT, 0, c->comm));
  PetscCall(PetscOptionsGetIntArray(NULL, NULL, "-clamp_tags", clamp->tags, &ntags, &tags_given));
  if (tags_given) clamp->ntags = ntags;
  PetscCheck(clamp->ntags > 0, c->comm, PETSC_ERR_ARG_WRONG,
             "No facets to clamp: the mesh has no outer surface and -clamp_tags is empty");
  PetscCall(PetscOptionsGetString(NULL, NULL, "-clamp_axis", axis_name, sizeof axis_name, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-clamp_side", side, sizeof side, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-clamp_fraction", &fraction, NULL));
  PetscCheck(strlen(axis_name) == 1 && axis_name[0] >= 'x' && axis_name[0] <= 'z', c->comm, PETSC_ERR_ARG_WRONG,
             "-clamp_axis is '%s': give x, y or z (LPS: x to the left, y posterior, z superior)", axis_name);
  PetscCheck(!strcmp(side, "min") || !strcmp(side, "max"), c->comm, PETSC_ERR_ARG_WRONG, "-clamp_side is '%s': give min or max",
             side);
  PetscCheck(fraction > 0 && fraction <= 1, c->comm, PETSC_ERR_ARG_OUTOFRANGE, "-clamp_fraction is %g: give a value in (0, 1]",
             (double)fraction);
  axis = axis_name[0] - 'x';
  PetscCall(TwinfeRunOnRoot(c->comm, c->rank == 0 ? CheckClampTagsOnRoot(c, clamp) : 0));
  PetscCall(TwinfeRunOnRoot(c->comm,
                            c->rank == 0 ? MakeClampBoxesOnRoot(c, clamp, axis, (PetscBool)!strcmp(side, "max"), fraction) : 0));
  PetscCall(BroadcastClampBoxes(c, clamp));
  PetscCall(TwinfeRunOnRoot(c->comm, c->rank == 0 ? CheckNothingFloatsOnRoot(c, clamp, axis_name, side, fraction) : 0));
  if (c->report) {
    char text[128];
    snprintf(text, sizeof text, "%s of axis %s, fraction %g of each connected part's extent", side, axis_name, (double)fraction);
    PetscCall(TwinfeReportSetString(c->report, "boundary.clamp.region", text));
    PetscCall(TwinfeReportSetInt(c->report, "boundary.clamp.boxes", clamp->nboxes));
    char tags[256] = "";
    for (PetscInt t = 0; t < clamp->ntags; ++t) {
      const size_t used = strlen(tags);
      snprintf(tags + used, sizeof tags - used, "%s%" PetscInt_FMT, t ? " " : "", clamp->tags[t]);
    }
    PetscCall(TwinfeReportSetString(c->report, "boundary.clamp.tags", tags));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeClampSetCreate_Private(TwinfePhysics p, TwinfeMesh mesh, TwinfeClampSet *clamp)
{
  const Host host = {p->comm, p->rank, mesh, p->report};

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(clamp, sizeof *clamp));
  PetscCall(PetscMalloc1(TWINFE_MAX_CLAMP_TAGS, &clamp->tags));
  PetscCall(ReadClampSet(&host, clamp));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeClampSetDestroy_Private(TwinfeClampSet *clamp)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(clamp->tags));
  PetscCall(PetscFree2(clamp->box_tag, clamp->boxes));
  clamp->ntags = clamp->nboxes = 0;
  PetscFunctionReturn(0);
}
