/* From a parsed .msh to a TwinfeMesh: what the file means, checked (regions and their labels
 * and names, node references, coordinates, degenerate, folded or overlapping tets, facet
 * tags), and the boundary and interface facets derived when the file has none.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "meshimpl.h"

#include <twinfe/core.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ node tags */

typedef struct {
  uint64_t tag;
  PetscInt index;
} TagIndex;

static int CompareTagIndex(const void *a, const void *b)
{
  const TagIndex *x = (const TagIndex *)a, *y = (const TagIndex *)b;
  return (x->tag > y->tag) - (x->tag < y->tag);
}

PetscErrorCode TwinfeNodeMapCreate_Private(PetscInt n, const uint64_t tags[], TwinfeNodeMap *map, uint64_t *duplicate)
{
  TagIndex *pairs;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(map, sizeof *map));
  *duplicate = 0;
  map->n     = n;
  PetscCall(PetscMalloc1(n + 1, &pairs));
  for (PetscInt i = 0; i < n; i++)
    pairs[i].tag = tags[i], pairs[i].index = i;
  qsort(pairs, (size_t)n, sizeof *pairs, CompareTagIndex);
  PetscCall(PetscMalloc2(n + 1, &map->sorted_tags, n + 1, &map->sorted_index));
  for (PetscInt i = 0; i < n; i++) {
    map->sorted_tags[i]  = pairs[i].tag;
    map->sorted_index[i] = pairs[i].index;
    if (i && pairs[i].tag == pairs[i - 1].tag && !*duplicate) *duplicate = pairs[i].tag;
  }
  PetscCall(PetscFree(pairs));
  /* a direct table only when the tags are dense: its size is bounded by the node count,
     never by the largest tag */
  if (n && map->sorted_tags[n - 1] - map->sorted_tags[0] < 4 * (uint64_t)n) {
    map->dense_min = map->sorted_tags[0];
    map->dense_len = (PetscInt)(map->sorted_tags[n - 1] - map->sorted_tags[0] + 1);
    PetscCall(PetscMalloc1(map->dense_len, &map->dense));
    for (PetscInt i = 0; i < map->dense_len; i++)
      map->dense[i] = -1;
    for (PetscInt i = 0; i < n; i++)
      map->dense[map->sorted_tags[i] - map->dense_min] = map->sorted_index[i];
  }
  PetscFunctionReturn(0);
}

PetscInt TwinfeNodeMapFind_Private(const TwinfeNodeMap *map, uint64_t tag)
{
  PetscInt lo = 0, hi = map->n;

  if (map->dense)
    return tag >= map->dense_min && tag - map->dense_min < (uint64_t)map->dense_len ? map->dense[tag - map->dense_min] : -1;
  while (lo < hi) {
    PetscInt mid = lo + (hi - lo) / 2;
    if (map->sorted_tags[mid] < tag)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < map->n && map->sorted_tags[lo] == tag ? map->sorted_index[lo] : -1;
}

PetscErrorCode TwinfeNodeMapDestroy_Private(TwinfeNodeMap *map)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree2(map->sorted_tags, map->sorted_index));
  PetscCall(PetscFree(map->dense));
  PetscCall(PetscMemzero(map, sizeof *map));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ checks of meaning */

static PetscErrorCode CheckNodes(const char path[], const TwinfeMsh *msh, TwinfeNodeMap *map)
{
  uint64_t dup;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < msh->nnodes; i++)
    for (int d = 0; d < 3; d++)
      PetscCheck(isfinite(msh->node_xyz[3 * i + d]), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: node %llu has the coordinate %c = %g: every coordinate must be a finite number (mm)", path,
                 (unsigned long long)msh->node_tags[i], "xyz"[d], msh -> node_xyz[3 * i + d]);
  PetscCall(TwinfeNodeMapCreate_Private(msh->nnodes, msh->node_tags, map, &dup));
  PetscCheck(!dup, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: node tag %llu is given twice in $Nodes: each node needs its own tag", path, (unsigned long long)dup);
  PetscFunctionReturn(0);
}

/* Hexahedra, prisms, ... are named and counted: twinfe solves on tetrahedra only. */
static PetscErrorCode CheckElementTypes(const char path[], const TwinfeMsh *msh)
{
  char   list[512] = "";
  size_t used      = 0;

  PetscFunctionBeginUser;
  for (int t = 0; t < 128; t++)
    if (msh->refused[t] && used < sizeof list - 64)
      used += (size_t)snprintf(list + used, sizeof list - used, "%s%" PetscInt_FMT " %s%s", used ? ", " : "", msh->refused[t],
                               TwinfeMshTypeName_Private(t), msh->refused[t] > 1 ? "s" : "");
  PetscCheck(
      !used, PETSC_COMM_SELF, PETSC_ERR_SUP,
      "%s has %s: twinfe solves on tetrahedral meshes only (first or higher order); mesh the volumes with tetrahedra (Gmsh: no "
      "Recombine, no Extrude ... Layers)",
      path, list);
  PetscCheck(msh->ntets > 0 || msh->ntris == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s has %" PetscInt_FMT
             " triangles but no tetrahedra: it is a surface mesh; twinfe needs a volume mesh (Gmsh: Mesh > 3D, "
             "or gmsh -3)",
             path, msh->ntris);
  PetscCheck(msh->ntets > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s has no tetrahedra: twinfe needs a tetrahedral volume mesh (Gmsh: Mesh > 3D, or gmsh -3)", path);
  PetscFunctionReturn(0);
}

/* Up to three distinct entity tags of the tets that satisfy pick, for messages. */
static void SomeEntities(const TwinfeMsh *msh, PetscBool (*pick)(const TwinfeMsh *, PetscInt), char list[], size_t size)
{
  int    seen[3];
  int    n    = 0;
  size_t used = 0;

  list[0] = 0;
  for (PetscInt t = 0; t < msh->ntets && n < 3; t++) {
    PetscBool again = PETSC_FALSE;
    if (!pick(msh, t)) continue;
    for (int k = 0; k < n; k++)
      again |= seen[k] == msh->tet_entity[t];
    if (again) continue;
    seen[n++] = msh->tet_entity[t];
    used += (size_t)snprintf(list + used, size - used, "%s%d", n > 1 ? ", " : "", msh->tet_entity[t]);
    if (used >= size) break;
  }
}

static PetscBool NoPhysical(const TwinfeMsh *msh, PetscInt t)
{
  return msh->tet_phys[t] == 0 ? PETSC_TRUE : PETSC_FALSE;
}

/* Each tet's region label: its physical volume, or (a file without physical volumes) its
   volume entity. Labels must be 1..999 for the facet tags 1000*a + b to decode. */
static PetscErrorCode RegionLabels(const char path[], const TwinfeMsh *msh, int32_t regions[], PetscBool *by_physical)
{
  PetscInt none = 0;
  char     list[64];

  PetscFunctionBeginUser;
  for (PetscInt t = 0; t < msh->ntets; t++)
    none += msh->tet_phys[t] == 0;
  *by_physical = none < msh->ntets ? PETSC_TRUE : PETSC_FALSE;
  SomeEntities(msh, NoPhysical, list, sizeof list);
  PetscCheck(
      none == 0 || none == msh->ntets, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
      "%s: %" PetscInt_FMT " of %" PetscInt_FMT " tetrahedra (in volume entities %s) are in no physical volume while the others "
      "are: put every volume in a physical volume (Gmsh: Physical Volume(\"name\", label) = {...};) or delete those volumes",
      path, none, msh->ntets, list);
  for (PetscInt t = 0; t < msh->ntets; t++) {
    int label = *by_physical ? msh->tet_phys[t] : msh->tet_entity[t];
    PetscCheck(
        label > 0 && label<1000, PETSC_COMM_SELF, label> 0 ? PETSC_ERR_SUP : PETSC_ERR_FILE_UNEXPECTED,
        "%s: %s %d is a region, but region labels must be 1 to 999 (the facet between regions a < b is tagged 1000*a + b); "
        "renumber it%s",
        path, *by_physical ? "physical volume" : "volume entity", label,
        *by_physical ? "" : " (the file has no physical volumes, so its volume entities are the regions)");
    regions[t] = label;
  }
  PetscFunctionReturn(0);
}

/* The physical name of (dim, tag), NULL if none; the same group named twice differently is
   refused. */
static PetscErrorCode PhysicalName(const char path[], const TwinfeMsh *msh, int dim, int tag, const char **name)
{
  PetscFunctionBeginUser;
  *name = NULL;
  for (PetscInt i = 0; i < msh->nnames; i++) {
    if (msh->name_dim[i] != dim || msh->name_tag[i] != tag) continue;
    PetscCheck(!*name || !strcmp(*name, msh->names[i]), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: physical %s %d is named twice in $PhysicalNames, \"%s\" and \"%s\": give each group one name", path,
               dim == 3 ? "volume" : "surface", tag, *name, msh->names[i]);
    *name = msh->names[i];
  }
  PetscFunctionReturn(0);
}

/* A region name names options (-<name>_E) and files (<name>.stl): letters, digits, '_'. */
static PetscErrorCode CheckRegionName(const char path[], int label, const char name[])
{
  size_t len = strlen(name);
  char   fixed[64];

  PetscFunctionBeginUser;
  for (size_t i = 0; i < sizeof fixed - 1; i++) {
    char c   = i < len ? name[i] : 0;
    fixed[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || !c ? c : '_';
  }
  fixed[sizeof fixed - 1] = 0;
  PetscCheck(len > 0 && len < 64, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: physical volume %d has a name of %zu characters: a region name needs 1 to 63 (letters, digits, '_')", path,
             label, len);
  for (size_t i = 0; i < len; i++)
    PetscCheck(
        fixed[i] == name[i], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
        "%s: physical volume %d is named \"%s\": a region name may hold only letters, digits and '_' (it names the options "
        "-<name>_E and the file <name>.stl); rename it, e.g. \"%s\"",
        path, label, name, fixed);
  PetscFunctionReturn(0);
}

static PetscErrorCode ApplyNames(const char path[], const TwinfeMsh *msh, TwinfeMesh mesh)
{
  PetscInt       nr;
  const int32_t *labels;

  PetscFunctionBeginUser;
  PetscCall(TwinfeMeshGetRegions(mesh, &nr, &labels));
  for (PetscInt r = 0; r < nr; r++) {
    const char *name;
    PetscCall(PhysicalName(path, msh, 3, labels[r], &name));
    if (!name) continue;
    PetscCall(CheckRegionName(path, labels[r], name));
    for (PetscInt q = 0; q < r; q++) {
      const char *other;
      PetscCall(TwinfeMeshGetRegionName(mesh, labels[q], &other));
      PetscCheck(strcmp(other, name), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: physical volumes %d and %d are both named \"%s\": each region needs its own name (it names its options and "
                 "STL file)",
                 path, labels[q], labels[r], name);
    }
    PetscCall(TwinfeMeshSetRegionName(mesh, labels[r], name));
  }
  PetscFunctionReturn(0);
}

/* Node tags of the elements -> positions in the file's node list; a missing node is refused. */
static PetscErrorCode MapElementNodes(const char path[], const TwinfeNodeMap *map, PetscInt n, PetscInt per,
                                      const uint64_t nodes[], const uint64_t etags[], const char what[], PetscInt out[])
{
  PetscInt missing = 0, first = -1;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < n * per; i++) {
    out[i] = TwinfeNodeMapFind_Private(map, nodes[i]);
    if (out[i] < 0 && !missing++) first = i;
  }
  PetscCheck(!missing, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: %" PetscInt_FMT
             " node references of %s name nodes that $Nodes does not hold, the first in element %llu naming node %llu: "
             "the file is damaged or was cut",
             path, missing, what, (unsigned long long)etags[first / per], (unsigned long long)nodes[first]);
  PetscFunctionReturn(0);
}

/* Only the nodes some tet or triangle uses become vertices, in the order of their tags: a file
   twinfe wrote gives back the mesh's own vertex order (its tags are the vertices' numbers, its
   blocks group them by entity), so a mesh read back assembles the same matrix, entry for entry,
   as the mesh it was written from (a rehearsal's steps reuse the baseline's solver on it). */
static PetscErrorCode CompactVertices(const TwinfeMsh *msh, const TwinfeNodeMap *map, PetscInt ntets, PetscInt tets[],
                                      PetscInt ntris, PetscInt tris[], PetscInt *nv, PetscReal **xyz)
{
  PetscInt *number, n = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(msh->nnodes + 1, &number));
  for (PetscInt i = 0; i < msh->nnodes; i++)
    number[i] = -1;
  for (PetscInt i = 0; i < 4 * ntets; i++)
    number[tets[i]] = 0;
  for (PetscInt i = 0; i < 3 * ntris; i++)
    number[tris[i]] = 0;
  for (PetscInt k = 0; k < msh->nnodes; k++) {
    const PetscInt i = map->sorted_index[k];
    if (number[i] == 0) number[i] = ++n; /* 1-based here, 0 meant "used" */
  }
  PetscCall(PetscMalloc1(3 * n + 1, xyz));
  for (PetscInt i = 0; i < msh->nnodes; i++)
    if (number[i] > 0)
      for (int d = 0; d < 3; d++)
        (*xyz)[3 * (number[i] - 1) + d] = msh->node_xyz[3 * i + d];
  for (PetscInt i = 0; i < 4 * ntets; i++)
    tets[i] = number[tets[i]] - 1;
  for (PetscInt i = 0; i < 3 * ntris; i++)
    tris[i] = number[tris[i]] - 1;
  *nv = n;
  PetscCall(PetscFree(number));
  PetscFunctionReturn(0);
}

static PetscReal LongestEdge(const PetscReal *p[4])
{
  PetscReal l = 0;
  for (int a = 0; a < 4; a++)
    for (int b = a + 1; b < 4; b++)
      l = PetscMax(l, PetscSqr(p[a][0] - p[b][0]) + PetscSqr(p[a][1] - p[b][1]) + PetscSqr(p[a][2] - p[b][2]));
  return PetscSqrtReal(l);
}

/* A tet whose volume is nothing next to its size is refused: its stiffness is singular.
   det / lmax^3 is 1/sqrt(2) for the regular tet; 1e-12 is far below any usable sliver (Gmsh's
   worst on our real data are ~1e-3) and far above the rounding of det from coordinates given to
   16 digits (~1e-15). */
static PetscErrorCode CheckVolumes(const char path[], const TwinfeMsh *msh, PetscInt ntets, const PetscInt tets[],
                                   const PetscReal xyz[])
{
  PetscInt  flat = 0, worst = -1;
  PetscReal worst_ratio = PETSC_MAX_REAL;

  PetscFunctionBeginUser;
  for (PetscInt t = 0; t < ntets; t++) {
    const PetscReal *p[4];
    PetscReal        l, ratio;
    for (int k = 0; k < 4; k++)
      p[k] = &xyz[3 * tets[4 * t + k]];
    l     = LongestEdge(p);
    ratio = l > 0 ? PetscAbsReal(TwinfeTetDet_Private(p[0], p[1], p[2], p[3])) / (l * l * l) : 0;
    if (!(ratio > 1e-12)) {
      flat++;
      if (ratio < worst_ratio || worst < 0) worst_ratio = ratio, worst = t;
    }
  }
  PetscCheck(!flat, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s has %" PetscInt_FMT
             " tetrahedra of zero volume (flat, or with a repeated node); the worst is element %llu near (%g, %g, "
             "%g) mm with volume/edge^3 = %g: remesh (Gmsh: Mesh > Optimize 3D) or remove them",
             path, flat, (unsigned long long)msh->tet_tags[worst], (double)xyz[3 * tets[4 * worst]],
             (double)xyz[3 * tets[4 * worst] + 1], (double)xyz[3 * tets[4 * worst] + 2], (double)worst_ratio);
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ faces */

static PetscReal Side(const PetscReal xyz[], const PetscInt v[3], PetscInt d)
{
  return TwinfeTetDet_Private(&xyz[3 * v[0]], &xyz[3 * v[1]], &xyz[3 * v[2]], &xyz[3 * d]);
}

/* A face shared by more than two tets, or two tets on the same side of their shared face,
   means overlapping tets: refused with a count and the deepest fold (by the smaller of the
   two tets' volume/edge^3 on that side). */
static PetscErrorCode CheckFolds(const char path[], const TwinfeMsh *msh, PetscInt nfaces, const TwinfeFace f[],
                                 const PetscReal xyz[])
{
  PetscInt  over = 0, folded = 0, worst = -1;
  PetscReal depth = -1;

  PetscFunctionBeginUser;
  for (PetscInt i = 0, j; i < nfaces; i = j) {
    for (j = i + 1; j < nfaces && !TwinfeFaceCompare_Private(&f[i], &f[j]); j++)
      continue;
    if (j - i > 2) {
      if (!over++ && worst < 0) worst = f[i].tet;
    } else if (j - i == 2) {
      PetscReal a = Side(xyz, f[i].v, f[i].opposite), b = Side(xyz, f[i].v, f[i + 1].opposite);
      if ((a > 0 && b > 0) || (a < 0 && b < 0)) {
        folded++;
        if (PetscMin(PetscAbsReal(a), PetscAbsReal(b)) > depth)
          depth = PetscMin(PetscAbsReal(a), PetscAbsReal(b)), worst = f[i].tet;
      }
    }
  }
  PetscCheck(!over && !folded, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s has overlapping tetrahedra: %" PetscInt_FMT " faces shared by more than two tets and %" PetscInt_FMT
             " faces with both tets on one side (inverted tets), e.g. at element %llu: the mesh is not a valid tiling; remesh it",
             path, over, folded, (unsigned long long)msh->tet_tags[worst]);
  PetscFunctionReturn(0);
}

/* The tag a face gets by the rule: its region's label on the boundary, 1000*a + b between
   regions a < b, 0 inside a region. */
static PetscInt RuleTag(PetscInt nfaces, const TwinfeFace faces[], PetscInt i, const int32_t regions[])
{
  PetscBool pair = i + 1 < nfaces && !TwinfeFaceCompare_Private(&faces[i], &faces[i + 1]);
  int32_t   a = regions[faces[i].tet], b = pair ? regions[faces[i + 1].tet] : 0;
  if (pair && a == b) return 0;
  return TwinfeFacetTag(a, b);
}

/* A facet may carry the rule's tag or, on the outer surface of region a (rule tag a), a cap
   tag TwinfeCapTag(a, k) of that same region: an inlet or outlet of a vessel. */
static PetscBool TagAllowed(PetscInt rule, int tag)
{
  if (tag == rule) return PETSC_TRUE;
  return rule > 0 && rule < 1000 && TwinfeCapIndex(tag) > 0 && tag % TWINFE_CAP_TAG_BASE == rule ? PETSC_TRUE : PETSC_FALSE;
}

/* The file's triangles must be tet faces tagged by the rule (or caps), since the solve and
   the STL files read regions from the tags. */
static PetscErrorCode CheckFileFacets(const char path[], const TwinfeMsh *msh, PetscInt nfaces, const TwinfeFace faces[],
                                      const int32_t regions[], const PetscInt tris[], PetscInt taken[], int32_t tags[])
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < nfaces; i++)
    taken[i] = -1;
  for (PetscInt f = 0; f < msh->ntris; f++) {
    PetscInt v[3] = {tris[3 * f], tris[3 * f + 1], tris[3 * f + 2]}, i, rule;
    TwinfeSortThree_Private(v);
    i = TwinfeFindFace_Private(nfaces, faces, v);
    PetscCheck(
        i >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
        "%s: triangle %llu of physical surface %d is not a face of any tetrahedron: the surface mesh does not match the volume "
        "mesh; remesh, or delete the physical surfaces so that twinfe derives the facets",
        path, (unsigned long long)msh->tri_tags[f], msh->tri_phys[f]);
    PetscCheck(
        taken[i] < 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
        "%s: triangles %llu (physical surface %d) and %llu (physical surface %d) are the same face: a facet can have one tag; "
        "keep each surface in one physical surface",
        path, (unsigned long long)msh->tri_tags[taken[i]], msh->tri_phys[taken[i]], (unsigned long long)msh->tri_tags[f],
        msh->tri_phys[f]);
    taken[i] = f;
    rule     = RuleTag(nfaces, faces, i, regions);
    PetscCheck(
        TagAllowed(rule, msh->tri_phys[f]), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
        "%s: triangle %llu is in physical surface %d, but twinfe tags that face %" PetscInt_FMT
        " (%s): a facet's tag is its region's label on the outer surface (or, for an inlet or outlet k of region a, the cap "
        "tag 1000000*k + a), and 1000*a + b between regions a < b; renumber the physical surfaces, or delete them so that "
        "twinfe derives them",
        path, (unsigned long long)msh->tri_tags[f], msh->tri_phys[f], rule,
        rule == 0 ? "it lies inside one region, where no facet is tagged" : (rule < 1000 ? "an outer surface" : "an interface"));
    tags[f] = msh->tri_phys[f];
  }
  PetscFunctionReturn(0);
}

/* Facets derived from the tets: each boundary face (tag: the region) and each face between
   two regions (tag 1000*a + b), with the normal out of the tet of the higher label, as the
   mesher orients them. */
static PetscErrorCode DeriveFacets(PetscInt nfaces, const TwinfeFace faces[], const int32_t regions[], const PetscReal xyz[],
                                   PetscInt *nfacets, PetscInt **facets, int32_t **tags)
{
  PetscInt n = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(3 * nfaces + 1, facets, nfaces + 1, tags)); /* at most one facet per face */
  for (PetscInt i = 0, j; i < nfaces; i = j) {
    PetscInt rule = RuleTag(nfaces, faces, i, regions), out = i, *v = &(*facets)[3 * n];
    for (j = i + 1; j < nfaces && !TwinfeFaceCompare_Private(&faces[i], &faces[j]); j++)
      continue;
    if (rule == 0) continue;
    if (j - i == 2 && regions[faces[i + 1].tet] > regions[faces[i].tet]) out = i + 1;
    v[0] = faces[out].v[0], v[1] = faces[out].v[1], v[2] = faces[out].v[2];
    if (Side(xyz, v, faces[out].opposite) > 0) { /* the normal must point away from the opposite vertex */
      PetscInt s = v[1];
      v[1] = v[2], v[2] = s;
    }
    (*tags)[n++] = (int32_t)rule;
  }
  *nfacets = n;
  PetscFunctionReturn(0);
}

static PetscBool HasPhysicalSurfaces(const TwinfeMsh *msh)
{
  for (PetscInt f = 0; f < msh->ntris; f++)
    if (msh->tri_phys[f] != 0) return PETSC_TRUE;
  return PETSC_FALSE;
}

/* The file's triangles in a physical surface, or none when it has no physical surface. */
static PetscErrorCode SelectFileFacets(const char path[], TwinfeMsh *sel, const TwinfeMsh *msh)
{
  PetscFunctionBeginUser;
  *sel       = *msh;
  sel->ntris = 0;
  if (!HasPhysicalSurfaces(msh)) PetscFunctionReturn(0);
  sel->tri_nodes = NULL; /* owned by the selection from here on */
  PetscCall(PetscMalloc4(3 * msh->ntris + 1, &sel->tri_nodes, msh->ntris + 1, &sel->tri_tags, msh->ntris + 1, &sel->tri_entity,
                         msh->ntris + 1, &sel->tri_phys));
  for (PetscInt f = 0; f < msh->ntris; f++) {
    PetscInt n = sel->ntris;
    if (msh->tri_phys[f] == 0) continue; /* a triangle on an unnamed surface: not a facet */
    for (int k = 0; k < 3; k++)
      sel->tri_nodes[3 * n + k] = msh->tri_nodes[3 * f + k];
    sel->tri_tags[n]   = msh->tri_tags[f];
    sel->tri_entity[n] = msh->tri_entity[f];
    sel->tri_phys[n]   = msh->tri_phys[f];
    sel->ntris++;
  }
  (void)path;
  PetscFunctionReturn(0);
}

/* Everything ToMesh allocates, freed on every path. */
typedef struct {
  TwinfeNodeMap map;
  TwinfeMsh     sel; /* the file with only its triangles in physical surfaces */
  PetscBool     selected;
  PetscInt     *tets, *tris, nv, nfacets, *facets;
  int32_t      *regions, *tags;
  PetscReal    *xyz;
  TwinfeFace   *faces;
} Work;

/* The tets in the order of their element tags (a file groups them by region; twinfe's tags are
   the tets' numbers in the mesh it wrote), when the file's order is not that already. */
static PetscErrorCode OrderTetsByTag(const TwinfeMsh *msh, PetscInt tets[], int32_t regions[])
{
  TagIndex *pairs;
  PetscInt *copy;
  int32_t  *labels;
  PetscBool ascending = PETSC_TRUE;

  PetscFunctionBeginUser;
  for (PetscInt t = 1; t < msh->ntets && ascending; t++)
    ascending = msh->tet_tags[t] > msh->tet_tags[t - 1] ? PETSC_TRUE : PETSC_FALSE;
  if (ascending) PetscFunctionReturn(0);
  PetscCall(PetscMalloc3(msh->ntets, &pairs, 4 * msh->ntets, &copy, msh->ntets, &labels));
  for (PetscInt t = 0; t < msh->ntets; t++)
    pairs[t].tag = msh->tet_tags[t], pairs[t].index = t;
  qsort(pairs, (size_t)msh->ntets, sizeof *pairs, CompareTagIndex);
  PetscCall(PetscArraycpy(copy, tets, 4 * msh->ntets));
  PetscCall(PetscArraycpy(labels, regions, msh->ntets));
  for (PetscInt t = 0; t < msh->ntets; t++) {
    PetscCall(PetscArraycpy(&tets[4 * t], &copy[4 * pairs[t].index], 4));
    regions[t] = labels[pairs[t].index];
  }
  PetscCall(PetscFree3(pairs, copy, labels));
  PetscFunctionReturn(0);
}

static PetscErrorCode BuildMesh(const char path[], const TwinfeMsh *file, Work *w, TwinfeMesh *mesh)
{
  const TwinfeMsh *msh = &w->sel;
  PetscBool        by_physical;

  PetscFunctionBeginUser;
  PetscCall(CheckElementTypes(path, file));
  PetscCall(CheckNodes(path, file, &w->map));
  PetscCall(SelectFileFacets(path, &w->sel, file));
  w->selected = w->sel.tri_nodes != file->tri_nodes ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(PetscMalloc3(4 * msh->ntets + 1, &w->tets, 3 * msh->ntris + 1, &w->tris, msh->ntets + 1, &w->regions));
  PetscCall(RegionLabels(path, msh, w->regions, &by_physical));
  PetscCall(MapElementNodes(path, &w->map, msh->ntets, 4, msh->tet_nodes, msh->tet_tags, "tetrahedra", w->tets));
  PetscCall(MapElementNodes(path, &w->map, msh->ntris, 3, msh->tri_nodes, msh->tri_tags, "triangles", w->tris));
  PetscCall(CompactVertices(msh, &w->map, msh->ntets, w->tets, msh->ntris, w->tris, &w->nv, &w->xyz));
  PetscCall(CheckVolumes(path, msh, msh->ntets, w->tets, w->xyz));
  PetscCall(TwinfeSortedFaces_Private(w->nv, msh->ntets, w->tets, &w->faces));
  PetscCall(CheckFolds(path, msh, 4 * msh->ntets, w->faces, w->xyz));
  if (w->selected) {
    PetscCall(PetscMalloc2(4 * msh->ntets + 1, &w->facets, msh->ntris + 1, &w->tags)); /* facets: which triangle took a face */
    PetscCall(CheckFileFacets(path, msh, 4 * msh->ntets, w->faces, w->regions, w->tris, w->facets, w->tags));
    PetscCall(OrderTetsByTag(msh, w->tets, w->regions));
    PetscCall(TwinfeMeshCreate(w->nv, w->xyz, msh->ntets, w->tets, w->regions, msh->ntris, w->tris, w->tags, mesh));
  } else {
    PetscCall(DeriveFacets(4 * msh->ntets, w->faces, w->regions, w->xyz, &w->nfacets, &w->facets, &w->tags));
    PetscCall(OrderTetsByTag(msh, w->tets, w->regions));
    PetscCall(TwinfeMeshCreate(w->nv, w->xyz, msh->ntets, w->tets, w->regions, w->nfacets, w->facets, w->tags, mesh));
  }
  if (by_physical) PetscCall(ApplyNames(path, msh, *mesh));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMshToMesh_Private(const char path[], const TwinfeMsh *file, TwinfeMesh *mesh)
{
  Work           w;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  *mesh = NULL;
  PetscCall(PetscMemzero(&w, sizeof w));
  ierr = BuildMesh(path, file, &w, mesh);
  if (ierr) PetscCall(TwinfeMeshDestroy(mesh));
  PetscCall(TwinfeNodeMapDestroy_Private(&w.map));
  PetscCall(PetscFree(w.faces));
  PetscCall(PetscFree(w.xyz));
  PetscCall(PetscFree3(w.tets, w.tris, w.regions));
  PetscCall(PetscFree2(w.facets, w.tags));
  if (w.selected) PetscCall(PetscFree4(w.sel.tri_nodes, w.sel.tri_tags, w.sel.tri_entity, w.sel.tri_phys));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
