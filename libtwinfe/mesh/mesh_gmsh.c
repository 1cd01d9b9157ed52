/* Gmsh sessions, reading a Gmsh model into a TwinfeMesh, and .msh 4.1 files.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "meshimpl.h"

#include <errno.h>
#include "gmsh_api.h"
#include <stdio.h>
#include <string.h>
#include <twinfe/core.h>

void TwinfeGmshLastError_Private(char buf[], size_t size)
{
  char *msg  = NULL;
  int   ierr = 0;

  buf[0] = 0;
  gmshLoggerGetLastError(&msg, &ierr);
  if (!ierr && msg) snprintf(buf, size, "%s", msg[0] ? msg : "(Gmsh logged no message)");
  if (msg) gmshFree(msg);
}

/* A host program's own Gmsh session (TwinfeMeshSetGmshHosted): Gmsh is one per process, and
   the SDK's library, which twinfe loads by its soname, is then the one already loaded. twinfe
   meshes in a model of its own there and gives back the host's current model and every option
   it sets; it neither initialises nor finalises Gmsh. */
static const char *const gmsh_options_set[] = {"General.NumThreads",
                                               "General.Terminal",
                                               "Mesh.Algorithm3D",
                                               "Mesh.MeshSizeExtendFromBoundary",
                                               "Mesh.MeshSizeFromCurvature",
                                               "Mesh.MeshSizeMax",
                                               "Mesh.MeshSizeMin",
                                               "Mesh.Optimize",
                                               "Mesh.Renumber"};
#define NGMSH_OPTIONS_SET (sizeof gmsh_options_set / sizeof gmsh_options_set[0])
static struct {
  PetscBool hosted;
  char     *model; /* the host's current model while twinfe meshes */
  double    saved[NGMSH_OPTIONS_SET];
} gmsh_session;

PetscErrorCode TwinfeMeshSetGmshHosted(PetscBool hosted)
{
  PetscFunctionBeginUser;
  gmsh_session.hosted = hosted;
  PetscFunctionReturn(0);
}

static PetscErrorCode EnterHostSession(void)
{
  PetscFunctionBeginUser;
  GMSH_CALL(gmshModelGetCurrent(&gmsh_session.model, &gmsh_ierr));
  for (size_t i = 0; i < NGMSH_OPTIONS_SET; i++)
    GMSH_CALL(gmshOptionGetNumber(gmsh_options_set[i], &gmsh_session.saved[i], &gmsh_ierr));
  PetscFunctionReturn(0);
}

static PetscErrorCode LeaveHostSession(void)
{
  PetscFunctionBeginUser;
  GMSH_CALL(gmshModelSetCurrent("twinfe", &gmsh_ierr)); /* removing a group's model made another current */
  GMSH_CALL(gmshModelRemove(&gmsh_ierr));
  for (size_t i = 0; i < NGMSH_OPTIONS_SET; i++)
    GMSH_CALL(gmshOptionSetNumber(gmsh_options_set[i], gmsh_session.saved[i], &gmsh_ierr));
  if (gmsh_session.model) GMSH_CALL(gmshModelSetCurrent(gmsh_session.model, &gmsh_ierr));
  gmshFree(gmsh_session.model);
  gmsh_session.model = NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeGmshBegin_Private(PetscBool verbose)
{
  PetscFunctionBeginUser;
  PetscCall(TwinfeGmshLoad_Private());
  if (gmsh_session.hosted)
    PetscCall(EnterHostSession());
  else
    GMSH_CALL(gmshInitialize(0, NULL, 0, &gmsh_ierr));
  GMSH_CALL(gmshOptionSetNumber("General.Terminal", verbose ? 1 : 0, &gmsh_ierr));
  GMSH_CALL(gmshLoggerStart(&gmsh_ierr));
  GMSH_CALL(gmshModelAdd("twinfe", &gmsh_ierr));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeGmshEnd_Private(void)
{
  PetscFunctionBeginUser;
  GMSH_CALL(gmshLoggerStop(&gmsh_ierr));
  if (gmsh_session.hosted)
    PetscCall(LeaveHostSession());
  else
    GMSH_CALL(gmshFinalize(&gmsh_ierr));
  PetscFunctionReturn(0);
}

static PetscErrorCode RegionName(int32_t label, PetscInt nregions, const int32_t labels[], const char *const names[], char name[],
                                 size_t size)
{
  PetscFunctionBeginUser;
  for (PetscInt r = 0; r < nregions; r++)
    if (labels[r] == label && names && names[r]) {
      PetscCall(PetscSNPrintf(name, size, "%s", names[r]));
      PetscFunctionReturn(0);
    }
  PetscCall(PetscSNPrintf(name, size, "region_%d", (int)label));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFacetGroupName_Private(int32_t tag, PetscInt nregions, const int32_t labels[], const char *const names[],
                                            char name[], size_t size)
{
  char a[256], b[256];

  PetscFunctionBeginUser;
  if (TwinfeCapIndex(tag) > 0) { /* a region's flat end, an inlet or outlet of a vessel: <name>_cap<k> */
    PetscCall(RegionName(tag % TWINFE_CAP_TAG_BASE, nregions, labels, names, a, sizeof a));
    PetscCall(PetscSNPrintf(name, size, "%s_cap%d", a, (int)TwinfeCapIndex(tag)));
  } else if (tag < 1000) {
    PetscCall(RegionName(tag, nregions, labels, names, a, sizeof a));
    PetscCall(PetscSNPrintf(name, size, "%s_surface", a));
  } else {
    PetscCall(RegionName(tag / 1000, nregions, labels, names, a, sizeof a));
    PetscCall(RegionName(tag % 1000, nregions, labels, names, b, sizeof b));
    PetscCall(PetscSNPrintf(name, size, "%s_%s_interface", a, b));
  }
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- reading a Gmsh model */

/* Append the elements of one type on one entity: their node tags and a label each. */
static PetscErrorCode AppendElements(int type, PetscInt nodes_per, int entity, int32_t label, PetscSegBuffer node_buf,
                                     PetscSegBuffer label_buf, PetscInt *count)
{
  size_t  *etags = NULL, ne = 0, *ntags = NULL, nn = 0;
  size_t  *dst;
  int32_t *lab;

  PetscFunctionBeginUser;
  GMSH_CALL(gmshModelMeshGetElementsByType(type, &etags, &ne, &ntags, &nn, entity, 0, 1, &gmsh_ierr));
  PetscCheck(nn == ne * (size_t)nodes_per, PETSC_COMM_SELF, PETSC_ERR_LIB,
             "Gmsh returned %zu node tags for %zu elements of type %d", nn, ne, type);
  if (ne) {
    PetscCall(PetscSegBufferGet(node_buf, nn, &dst));
    PetscCall(PetscArraycpy(dst, ntags, nn));
    PetscCall(PetscSegBufferGet(label_buf, ne, &lab));
    for (size_t e = 0; e < ne; e++)
      lab[e] = label;
  }
  *count += (PetscInt)ne;
  gmshFree(etags);
  gmshFree(ntags);
  PetscFunctionReturn(0);
}

/* Every element of the given type in the physical groups of dimension dim, labelled with the
   group's tag. With no physical group of that dimension, volumes fall back to their entity
   tags (a plain .msh without groups still loads). */
static PetscErrorCode CollectElements(int dim, int type, PetscInt nodes_per, PetscSegBuffer node_buf, PetscSegBuffer label_buf,
                                      PetscInt *count)
{
  int   *groups  = NULL;
  size_t ngroups = 0;

  PetscFunctionBeginUser;
  *count = 0;
  GMSH_CALL(gmshModelGetPhysicalGroups(&groups, &ngroups, dim, &gmsh_ierr));
  for (size_t g = 0; g < ngroups / 2; g++) {
    int   *ents  = NULL;
    size_t nents = 0;
    GMSH_CALL(gmshModelGetEntitiesForPhysicalGroup(dim, groups[2 * g + 1], &ents, &nents, &gmsh_ierr));
    for (size_t e = 0; e < nents; e++)
      PetscCall(AppendElements(type, nodes_per, ents[e], groups[2 * g + 1], node_buf, label_buf, count));
    gmshFree(ents);
  }
  if (ngroups == 0 && dim == 3) {
    int   *ents  = NULL;
    size_t nents = 0;
    GMSH_CALL(gmshModelGetEntities(&ents, &nents, dim, &gmsh_ierr));
    for (size_t e = 0; e < nents / 2; e++)
      PetscCall(AppendElements(type, nodes_per, ents[2 * e + 1], ents[2 * e + 1], node_buf, label_buf, count));
    gmshFree(ents);
  }
  gmshFree(groups);
  PetscFunctionReturn(0);
}

/* The nodes of the current model with tag >= first_tag, copied. */
static PetscErrorCode CollectNodes(size_t first_tag, TwinfeGmshPart *part)
{
  size_t *node_tags = NULL, nnodes = 0, ncoord = 0, npar = 0, n = 0;
  double *coord = NULL, *par = NULL;

  PetscFunctionBeginUser;
  GMSH_CALL(gmshModelMeshGetNodes(&node_tags, &nnodes, &coord, &ncoord, &par, &npar, -1, -1, 0, 0, &gmsh_ierr));
  for (size_t i = 0; i < nnodes; i++)
    if (node_tags[i] >= first_tag) n++;
  PetscCall(PetscMalloc2(n + 1, &part->node_tags, 3 * n + 1, &part->coords));
  part->nnodes = (PetscInt)n;
  n            = 0;
  for (size_t i = 0; i < nnodes; i++)
    if (node_tags[i] >= first_tag) {
      part->node_tags[n] = node_tags[i];
      for (int d = 0; d < 3; d++)
        part->coords[3 * n + d] = coord[3 * i + d];
      n++;
    }
  gmshFree(node_tags);
  gmshFree(coord);
  gmshFree(par);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeGmshCollect_Private(const char source[], PetscBool triangles, size_t first_node_tag, TwinfeGmshPart *part)
{
  PetscSegBuffer buf[4];

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(part, sizeof *part));
  PetscCall(PetscSegBufferCreate(sizeof(size_t), 1 << 16, &buf[0]));
  PetscCall(PetscSegBufferCreate(sizeof(int32_t), 1 << 14, &buf[1]));
  PetscCall(PetscSegBufferCreate(sizeof(size_t), 1 << 14, &buf[2]));
  PetscCall(PetscSegBufferCreate(sizeof(int32_t), 1 << 12, &buf[3]));
  PetscCall(CollectElements(3, 4, 4, buf[0], buf[1], &part->ntets));
  if (triangles) PetscCall(CollectElements(2, 2, 3, buf[2], buf[3], &part->ntris));
  PetscCall(PetscSegBufferExtractAlloc(buf[0], &part->tet_tags));
  PetscCall(PetscSegBufferExtractAlloc(buf[1], &part->tet_labels));
  PetscCall(PetscSegBufferExtractAlloc(buf[2], &part->tri_tags));
  PetscCall(PetscSegBufferExtractAlloc(buf[3], &part->tri_labels));
  for (int k = 0; k < 4; k++)
    PetscCall(PetscSegBufferDestroy(&buf[k]));
  PetscCall(CollectNodes(first_node_tag, part));
  (void)source;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeGmshPartDestroy_Private(TwinfeGmshPart *part)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(part->tet_tags));
  PetscCall(PetscFree(part->tet_labels));
  PetscCall(PetscFree(part->tri_tags));
  PetscCall(PetscFree(part->tri_labels));
  PetscCall(PetscFree2(part->node_tags, part->coords));
  PetscCall(PetscMemzero(part, sizeof *part));
  PetscFunctionReturn(0);
}

/* Parts after the first share the nodes with tag <= shared_max (the surface nodes every model
   was given) and number their own nodes from shared_max + 1, as every part's model did: move
   each part's own tags above those of the parts before it, so that all tags are distinct. */
static void ShiftOwnTags(PetscInt nparts, TwinfeGmshPart parts[], size_t shared_max)
{
  size_t top = 0;
  for (PetscInt i = 0; i < parts[0].nnodes; i++)
    top = PetscMax(top, parts[0].node_tags[i]);
  for (PetscInt k = 1; k < nparts; k++) {
    const size_t shift = top > shared_max ? top - shared_max : 0;
    for (PetscInt i = 0; i < parts[k].nnodes; i++) {
      if (parts[k].node_tags[i] > shared_max) parts[k].node_tags[i] += shift;
      top = PetscMax(top, parts[k].node_tags[i]);
    }
    for (PetscInt i = 0; i < 4 * parts[k].ntets; i++)
      if (parts[k].tet_tags[i] > shared_max) parts[k].tet_tags[i] += shift;
  }
}

/* Gmsh node tags -> compact vertex numbers, keeping only nodes that some element uses, in the
   parts' node order. Tags go through a map sized by the node count, never by the largest tag. */
static PetscErrorCode RenumberNodes(const char source[], PetscInt nparts, const TwinfeGmshPart parts[], PetscInt *nvertices,
                                    PetscReal **xyz, PetscInt **tets, PetscInt **tris)
{
  uint64_t     *node_tags;
  PetscReal    *coord;
  PetscInt      nnodes = 0, *number, n = 0, ntets = 0, ntris = 0;
  TwinfeNodeMap map;
  uint64_t      dup;

  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < nparts; k++) {
    nnodes += parts[k].nnodes;
    ntets += parts[k].ntets;
    ntris += parts[k].ntris;
  }
  PetscCall(PetscMalloc2(nnodes + 1, &node_tags, 3 * nnodes + 1, &coord));
  for (PetscInt k = 0, at = 0; k < nparts; at += parts[k].nnodes, k++) {
    for (PetscInt i = 0; i < parts[k].nnodes; i++)
      node_tags[at + i] = parts[k].node_tags[i];
    PetscCall(PetscArraycpy(&coord[3 * at], parts[k].coords, 3 * parts[k].nnodes));
  }
  PetscCall(TwinfeNodeMapCreate_Private(nnodes, node_tags, &map, &dup));
  if (dup) PetscCall(PetscFree2(node_tags, coord));
  if (dup) PetscCall(TwinfeNodeMapDestroy_Private(&map));
  PetscCheck(!dup, PETSC_COMM_SELF, PETSC_ERR_LIB, "%s: Gmsh gave node %llu twice", source, (unsigned long long)dup);
  PetscCall(PetscMalloc1(nnodes + 1, &number));
  for (PetscInt i = 0; i < nnodes; i++)
    number[i] = -1;
  PetscCall(PetscMalloc1(4 * ntets + 1, tets));
  PetscCall(PetscMalloc1(3 * ntris + 1, tris));
  for (int pass = 0; pass < 2; pass++) {
    PetscInt at[2] = {0, 0};
    for (PetscInt k = 0; k < nparts; k++)
      for (int kind = 0; kind < 2; kind++) {
        const PetscInt count = kind ? 3 * parts[k].ntris : 4 * parts[k].ntets;
        const size_t  *tags  = kind ? parts[k].tri_tags : parts[k].tet_tags;
        PetscInt      *dst   = kind ? *tris : *tets;
        for (PetscInt i = 0; i < count; i++, at[kind]++) {
          PetscInt node = TwinfeNodeMapFind_Private(&map, tags[i]);
          if (pass == 0) {
            PetscCheck(node >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "%s: an element refers to node %zu, which has no coordinates",
                       source, tags[i]);
            number[node] = 0;
          } else
            dst[at[kind]] = number[node];
        }
      }
    if (pass == 0) {
      PetscCall(PetscMalloc1(3 * nnodes + 1, xyz));
      for (PetscInt i = 0; i < nnodes; i++)
        if (number[i] == 0) {
          number[i] = n;
          for (int d = 0; d < 3; d++)
            (*xyz)[3 * n + d] = coord[3 * i + d];
          n++;
        }
    }
  }
  *nvertices = n;
  PetscCall(PetscFree(number));
  PetscCall(TwinfeNodeMapDestroy_Private(&map));
  PetscCall(PetscFree2(node_tags, coord));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshFromGmshParts_Private(const char source[], PetscInt nparts, TwinfeGmshPart parts[], size_t shared_max,
                                               TwinfeMesh *mesh)
{
  PetscInt   ntets = 0, ntris = 0, nvertices = 0, *tets = NULL, *tris = NULL;
  int32_t   *regions, *facet_tags;
  PetscReal *xyz = NULL;

  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < nparts; k++) {
    ntets += parts[k].ntets;
    ntris += parts[k].ntris;
  }
  PetscCheck(ntets > 0, PETSC_COMM_SELF, PETSC_ERR_LIB,
             "%s: no 4-node tetrahedra in any physical volume (a surface-only or second-order mesh is not supported)", source);
  ShiftOwnTags(nparts, parts, shared_max);
  PetscCall(PetscMalloc2(ntets + 1, &regions, ntris + 1, &facet_tags));
  for (PetscInt k = 0, a = 0, b = 0; k < nparts; a += parts[k].ntets, b += parts[k].ntris, k++) {
    PetscCall(PetscArraycpy(&regions[a], parts[k].tet_labels, parts[k].ntets));
    PetscCall(PetscArraycpy(&facet_tags[b], parts[k].tri_labels, parts[k].ntris));
  }
  PetscCall(RenumberNodes(source, nparts, parts, &nvertices, &xyz, &tets, &tris));
  PetscCall(TwinfeMeshCreate(nvertices, xyz, ntets, tets, regions, ntris, tris, facet_tags, mesh));
  PetscCall(PetscFree(xyz));
  PetscCall(PetscFree(tets));
  PetscCall(PetscFree(tris));
  PetscCall(PetscFree2(regions, facet_tags));
  PetscFunctionReturn(0);
}

/* A physical name as a region name: one token (spaces and quotes become underscores). */
static PetscErrorCode ApplyRegionNames(TwinfeMesh mesh)
{
  PetscFunctionBeginUser;
  for (PetscInt r = 0; r < mesh->nregions; r++) {
    char *name = NULL;
    GMSH_CALL(gmshModelGetPhysicalName(3, mesh->region_labels[r], &name, &gmsh_ierr));
    if (name && name[0]) {
      for (char *c = name; *c; c++)
        if (*c == ' ' || *c == '"' || *c == '\n' || *c == '\t') *c = '_';
      PetscCall(TwinfeMeshSetRegionName(mesh, mesh->region_labels[r], name));
    }
    if (name) gmshFree(name);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeGmshExtract_Private(const char source[], TwinfeMesh *mesh)
{
  TwinfeGmshPart part;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(TwinfeGmshCollect_Private(source, PETSC_TRUE, 0, &part));
  ierr = TwinfeMeshFromGmshParts_Private(source, 1, &part, 0, mesh);
  PetscCall(TwinfeGmshPartDestroy_Private(&part));
  PetscCall(ierr);
  PetscCall(ApplyRegionNames(*mesh));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- .msh files */

/* Our own reader (mesh_msh.c), not gmshOpen: Gmsh 4.8.4 crashes on some damaged files and
   takes an empty file or a folder for an empty model. */
PetscErrorCode TwinfeMeshReadGmsh(const char path[], TwinfeMesh *mesh)
{
  TwinfeMsh      msh;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(path);
  TwinfeCheckArgNull_Private(mesh);
  *mesh = NULL;
  PetscCall(TwinfeMshRead_Private(path, &msh));
  ierr = TwinfeMshToMesh_Private(path, &msh, mesh);
  PetscCall(TwinfeMshDestroy_Private(&msh));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- writing .msh 4.1 */

/* The file is written by libtwinfe, not by Gmsh: Gmsh's writer goes through fprintf per number
   (2.7 s for the 1.49M-tet CT mesh) and prints coordinates with 16 digits, which does not
   always read back to the same double. Here the file is binary by default (-mesh_msh_binary:
   numbers as Gmsh's binary 4.1 holds them, 0.03 s instead of 0.14 s for 590k tets, exact by
   construction); as text, integers are formatted by hand and coordinates with %.17g (always
   exact). Either goes into a large buffer written with fwrite. The layout is the one
   Gmsh writes: one discrete volume entity per region (tags 1..nregions, in label order) and one
   discrete surface per facet tag (tags nregions+1.., ascending), each in its own named physical
   group (tag = region label or facet tag); node v has tag v + 1 and lies in the block of the
   first entity that uses it; tets are numbered 1..ntets region by region, then the facets. */

typedef struct {
  FILE     *fp;
  char     *buf;
  size_t    len, cap;
  PetscBool failed;
  PetscBool binary; /* MSH 4.1 binary: numbers as size_t, int and double in this machine's order */
} Out;

static void Flush(Out *o)
{
  if (o->len && fwrite(o->buf, 1, o->len, o->fp) != o->len) o->failed = PETSC_TRUE;
  o->len = 0;
}

/* Room for n more bytes (n is at most a line of a few numbers). */
static inline char *Room(Out *o, size_t n)
{
  if (o->len + n > o->cap) Flush(o);
  return o->buf + o->len;
}

static inline void PutText(Out *o, const char *text)
{
  const size_t n = strlen(text);
  memcpy(Room(o, n), text, n);
  o->len += n;
}

static inline void PutInt(Out *o, uint64_t value, char sep)
{
  char  digits[24];
  int   n = 0;
  char *dst;
  do {
    digits[n++] = (char)('0' + value % 10);
    value /= 10;
  } while (value);
  dst = Room(o, (size_t)n + 1);
  for (int i = 0; i < n; i++)
    dst[i] = digits[n - 1 - i];
  dst[n] = sep;
  o->len += (size_t)n + 1;
}

static inline void PutReal(Out *o, double value, char sep)
{
  char *dst = Room(o, 32);
  int   n   = snprintf(dst, 31, "%.17g", value);
  dst[n]    = sep;
  o->len += (size_t)n + 1;
}

static inline void PutRaw(Out *o, const void *data, size_t n)
{
  memcpy(Room(o, n), data, n);
  o->len += n;
}

/* A count or a node or element tag: size_t in binary, text otherwise. */
static inline void PutSize(Out *o, uint64_t value, char sep)
{
  if (o->binary) {
    const size_t v = (size_t)value;
    PutRaw(o, &v, sizeof v);
  } else
    PutInt(o, value, sep);
}

/* An entity dimension or tag, an element type, a physical tag: int in binary. */
static inline void PutInt32(Out *o, int32_t value, char sep)
{
  if (o->binary)
    PutRaw(o, &value, sizeof value);
  else
    PutInt(o, (uint64_t)value, sep);
}

static inline void PutDouble(Out *o, double value, char sep)
{
  if (o->binary)
    PutRaw(o, &value, sizeof value);
  else
    PutReal(o, value, sep);
}

/* Binary data ends with a newline before the section's end marker. */
static inline void EndSection(Out *o, const char *marker)
{
  if (o->binary) PutText(o, "\n");
  PutText(o, marker);
}

/* The distinct facet tags, ascending. */
static PetscErrorCode DistinctFacetTags(TwinfeMesh mesh, PetscInt *ntags, int32_t **tags)
{
  PetscInt *counts;

  PetscFunctionBeginUser;
  PetscCall(TwinfeMeshCountFacetsByTag(mesh, ntags, tags, &counts));
  PetscCall(PetscFree(counts));
  PetscFunctionReturn(0);
}

static PetscInt IndexOf(PetscInt n, const int32_t list[], int32_t value)
{
  PetscInt lo = 0, hi = n; /* list is ascending */
  while (lo < hi) {
    const PetscInt mid = (lo + hi) / 2;
    if (list[mid] < value)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && list[lo] == value ? lo : -1;
}

/* Entities 0..nregions-1 are the volumes, nregions.. the surfaces. */
typedef struct {
  PetscInt   nent;
  PetscInt  *tet_entity, *facet_entity; /* per element */
  PetscInt  *owner;                     /* per vertex: the first entity that uses it */
  PetscInt  *node_offset;               /* nodes of entity e: node_order[node_offset[e] .. [e + 1]) */
  PetscInt  *node_order;
  PetscInt  *elem_offset; /* elements of entity e, counted */
  PetscReal *box;         /* 6 per entity: lo, hi of its elements' vertices */
} Layout;

static void Grow(PetscReal box[6], const PetscReal x[3])
{
  for (int d = 0; d < 3; d++) {
    box[d]     = PetscMin(box[d], x[d]);
    box[3 + d] = PetscMax(box[3 + d], x[d]);
  }
}

static PetscErrorCode LayoutCreate(TwinfeMesh mesh, PetscInt ntags, const int32_t tags[], Layout *l)
{
  PetscFunctionBeginUser;
  l->nent = mesh->nregions + ntags;
  PetscCall(PetscMalloc4(mesh->ntets + 1, &l->tet_entity, mesh->nfacets + 1, &l->facet_entity, mesh->nvertices + 1, &l->owner,
                         mesh->nvertices + 1, &l->node_order));
  PetscCall(PetscCalloc3(l->nent + 2, &l->node_offset, l->nent + 2, &l->elem_offset, 6 * l->nent + 1, &l->box));
  for (PetscInt e = 0; e < l->nent; e++)
    for (int d = 0; d < 3; d++) {
      l->box[6 * e + d]     = PETSC_MAX_REAL;
      l->box[6 * e + 3 + d] = -PETSC_MAX_REAL;
    }
  for (PetscInt v = 0; v < mesh->nvertices; v++)
    l->owner[v] = -1;
  for (PetscInt t = 0; t < mesh->ntets; t++) {
    const PetscInt e = IndexOf(mesh->nregions, mesh->region_labels, mesh->regions[t]);
    PetscCheck(e >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "TwinfeMesh: tet %" PetscInt_FMT " has a region missing from the region list", t);
    l->tet_entity[t] = e;
    l->elem_offset[e + 1]++;
    for (int k = 0; k < 4; k++) {
      const PetscInt v = mesh->tets[4 * t + k];
      if (l->owner[v] < 0) l->owner[v] = e;
      Grow(&l->box[6 * e], &mesh->xyz[3 * v]);
    }
  }
  for (PetscInt f = 0; f < mesh->nfacets; f++) {
    const PetscInt e   = mesh->nregions + IndexOf(ntags, tags, mesh->facet_tags[f]);
    l->facet_entity[f] = e;
    l->elem_offset[e + 1]++;
    for (int k = 0; k < 3; k++) {
      const PetscInt v = mesh->facets[3 * f + k];
      if (l->owner[v] < 0) l->owner[v] = e;
      Grow(&l->box[6 * e], &mesh->xyz[3 * v]);
    }
  }
  /* counting sort of the vertices by owner entity; an unused vertex goes with the first volume */
  for (PetscInt v = 0; v < mesh->nvertices; v++) {
    if (l->owner[v] < 0) l->owner[v] = 0;
    l->node_offset[l->owner[v] + 1]++;
  }
  for (PetscInt e = 0; e < l->nent; e++) {
    l->node_offset[e + 1] += l->node_offset[e];
    l->elem_offset[e + 1] += l->elem_offset[e];
  }
  {
    PetscInt *next;
    PetscCall(PetscMalloc1(l->nent + 1, &next));
    PetscCall(PetscArraycpy(next, l->node_offset, l->nent));
    for (PetscInt v = 0; v < mesh->nvertices; v++)
      l->node_order[next[l->owner[v]]++] = v;
    PetscCall(PetscFree(next));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode LayoutDestroy(Layout *l)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree4(l->tet_entity, l->facet_entity, l->owner, l->node_order));
  PetscCall(PetscFree3(l->node_offset, l->elem_offset, l->box));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteHeader(Out *o, TwinfeMesh mesh, PetscInt ntags, const int32_t tags[], const Layout *l)
{
  PetscFunctionBeginUser;
  if (o->binary) {
    const int one = 1; /* tells a reader this machine's byte order */
    PutText(o, "$MeshFormat\n4.1 1 8\n");
    PutRaw(o, &one, sizeof one);
    PutText(o, "\n$EndMeshFormat\n$PhysicalNames\n");
  } else
    PutText(o, "$MeshFormat\n4.1 0 8\n$EndMeshFormat\n$PhysicalNames\n");
  PutInt(o, (uint64_t)(mesh->nregions + ntags), '\n');
  for (PetscInt f = 0; f < ntags; f++) {
    char name[600];
    PetscCall(TwinfeFacetGroupName_Private(tags[f], mesh->nregions, mesh->region_labels, (const char *const *)mesh->region_names,
                                           name, sizeof name));
    PutText(o, "2 ");
    PutInt(o, (uint64_t)tags[f], ' ');
    PutText(o, "\"");
    PutText(o, name);
    PutText(o, "\"\n");
  }
  for (PetscInt r = 0; r < mesh->nregions; r++) {
    PutText(o, "3 ");
    PutInt(o, (uint64_t)mesh->region_labels[r], ' ');
    PutText(o, "\"");
    PutText(o, mesh->region_names[r]);
    PutText(o, "\"\n");
  }
  PutText(o, "$EndPhysicalNames\n$Entities\n");
  PutSize(o, 0, ' '); /* points */
  PutSize(o, 0, ' '); /* curves */
  PutSize(o, (uint64_t)ntags, ' ');
  PutSize(o, (uint64_t)mesh->nregions, '\n');
  for (PetscInt pass = 0; pass < 2; pass++) /* surfaces, then volumes, as Gmsh orders them */
    for (PetscInt e = pass ? 0 : mesh->nregions; e < (pass ? mesh->nregions : l->nent); e++) {
      PutInt32(o, (int32_t)e + 1, ' ');
      for (int d = 0; d < 6; d++)
        PutDouble(o, l->box[6 * e + d], ' ');
      PutSize(o, 1, ' '); /* one physical group */
      PutInt32(o, pass ? mesh->region_labels[e] : tags[e - mesh->nregions], ' ');
      PutSize(o, 0, '\n'); /* no bounding entities */
    }
  EndSection(o, "$EndEntities\n");
  PetscFunctionReturn(0);
}

static PetscInt EntityDim(TwinfeMesh mesh, PetscInt e)
{
  return e < mesh->nregions ? 3 : 2;
}

/* Blocks in Gmsh's order: surfaces, then volumes; entities without nodes are left out. */
static void WriteNodes(Out *o, TwinfeMesh mesh, const Layout *l)
{
  PetscInt nblocks = 0;
  for (PetscInt e = 0; e < l->nent; e++)
    if (l->node_offset[e + 1] > l->node_offset[e]) nblocks++;
  PutText(o, "$Nodes\n");
  PutSize(o, (uint64_t)nblocks, ' ');
  PutSize(o, (uint64_t)mesh->nvertices, ' ');
  PutSize(o, mesh->nvertices ? 1 : 0, ' ');
  PutSize(o, (uint64_t)mesh->nvertices, '\n');
  for (PetscInt pass = 0; pass < 2; pass++)
    for (PetscInt e = pass ? 0 : mesh->nregions; e < (pass ? mesh->nregions : l->nent); e++) {
      const PetscInt lo = l->node_offset[e], hi = l->node_offset[e + 1];
      if (hi == lo) continue;
      PutInt32(o, (int32_t)EntityDim(mesh, e), ' ');
      PutInt32(o, (int32_t)e + 1, ' ');
      PutInt32(o, 0, ' '); /* no parametric coordinates */
      PutSize(o, (uint64_t)(hi - lo), '\n');
      for (PetscInt i = lo; i < hi; i++)
        PutSize(o, (uint64_t)l->node_order[i] + 1, '\n');
      for (PetscInt i = lo; i < hi; i++) {
        const PetscReal *x = &mesh->xyz[3 * l->node_order[i]];
        PutDouble(o, x[0], ' ');
        PutDouble(o, x[1], ' ');
        PutDouble(o, x[2], '\n');
      }
    }
  EndSection(o, "$EndNodes\n");
}

/* The elements of entity e, each tagged with its number in the mesh (tets 1..ntets, facets
   after them): a reader that orders elements by tag gets the mesh's own order back, though the
   blocks group them by entity. */
static void WriteElementBlock(Out *o, TwinfeMesh mesh, const Layout *l, PetscInt e)
{
  const PetscBool vol   = e < mesh->nregions ? PETSC_TRUE : PETSC_FALSE;
  const PetscInt  nelem = vol ? mesh->ntets : mesh->nfacets, nper = vol ? 4 : 3;
  const PetscInt *conn = vol ? mesh->tets : mesh->facets, *entity = vol ? l->tet_entity : l->facet_entity;
  const uint64_t  first = vol ? 0 : (uint64_t)mesh->ntets;

  PutInt32(o, vol ? 3 : 2, ' ');
  PutInt32(o, (int32_t)e + 1, ' ');
  PutInt32(o, vol ? 4 : 2, ' '); /* Gmsh's types: 4-node tetrahedron, 3-node triangle */
  PutSize(o, (uint64_t)(l->elem_offset[e + 1] - l->elem_offset[e]), '\n');
  for (PetscInt i = 0; i < nelem; i++) {
    if (entity[i] != e) continue;
    PutSize(o, first + (uint64_t)i + 1, ' ');
    for (PetscInt k = 0; k < nper; k++)
      PutSize(o, (uint64_t)conn[nper * i + k] + 1, k + 1 < nper ? ' ' : '\n');
  }
}

static void WriteElements(Out *o, TwinfeMesh mesh, const Layout *l)
{
  PetscInt       nblocks = 0;
  const uint64_t total   = (uint64_t)(mesh->ntets + mesh->nfacets);
  for (PetscInt e = 0; e < l->nent; e++)
    if (l->elem_offset[e + 1] > l->elem_offset[e]) nblocks++;
  PutText(o, "$Elements\n");
  PutSize(o, (uint64_t)nblocks, ' ');
  PutSize(o, total, ' ');
  PutSize(o, total ? 1 : 0, ' ');
  PutSize(o, total, '\n');
  /* blocks go surfaces first, as Gmsh orders them */
  for (PetscInt e = mesh->nregions; e < l->nent; e++)
    if (l->elem_offset[e + 1] > l->elem_offset[e]) WriteElementBlock(o, mesh, l, e);
  for (PetscInt e = 0; e < mesh->nregions; e++)
    if (l->elem_offset[e + 1] > l->elem_offset[e]) WriteElementBlock(o, mesh, l, e);
  EndSection(o, "$EndElements\n");
}

static PetscLogEvent MSH_WRITE = -1;

/* Writes tmp; messages name path, the file the user asked for. */
static PetscErrorCode WriteFile(TwinfeMesh mesh, const char tmp[], const char path[])
{
  int      open_errno = 0;
  PetscInt ntags;
  int32_t *tags;
  Layout   layout;
  Out      o = {.cap = (size_t)1 << 22, .binary = PETSC_TRUE};

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-mesh_msh_binary", &o.binary, NULL));
  PetscCall(DistinctFacetTags(mesh, &ntags, &tags));
  PetscCall(LayoutCreate(mesh, ntags, tags, &layout));
  PetscCall(PetscMalloc1(o.cap, &o.buf));
  o.fp = fopen(tmp, "wb");
  if (!o.fp) open_errno = errno;
  if (o.fp) {
    PetscErrorCode ierr = WriteHeader(&o, mesh, ntags, tags, &layout);
    if (!ierr) {
      WriteNodes(&o, mesh, &layout);
      WriteElements(&o, mesh, &layout);
      Flush(&o);
    }
    if (fclose(o.fp)) o.failed = PETSC_TRUE;
    if (ierr) o.failed = PETSC_TRUE;
  }
  PetscCall(PetscFree(o.buf));
  PetscCall(LayoutDestroy(&layout));
  PetscCall(PetscFree(tags));
  PetscCheck(o.fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "TwinfeMeshWriteGmsh: cannot write \"%s\" (does its folder exist?): %s",
             path, strerror(open_errno));
  PetscCheck(!o.failed, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "TwinfeMeshWriteGmsh: writing \"%s\" failed (disk full?)", path);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshWriteGmsh(TwinfeMesh mesh, const char path[])
{
  char           tmp[PETSC_MAX_PATH_LEN];
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  TwinfeCheckArgNull_Private(path);
  PetscCheck(mesh->ntets > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "TwinfeMeshWriteGmsh: the mesh for \"%s\" has no tetrahedra", path);
  if (MSH_WRITE < 0) PetscCall(PetscLogEventRegister("TwinfeMshWrite", PETSC_OBJECT_CLASSID, &MSH_WRITE));
  PetscCall(PetscLogEventBegin(MSH_WRITE, 0, 0, 0, 0));
  PetscCall(PetscSNPrintf(tmp, sizeof tmp, "%s.partial.msh", path));
  ierr = WriteFile(mesh, tmp, path);
  if (ierr) (void)remove(tmp);
  PetscCall(ierr);
  PetscCheck(rename(tmp, path) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE,
             "TwinfeMeshWriteGmsh: cannot rename \"%s\" to \"%s\": %s", tmp, path, strerror(errno));
  PetscCall(PetscLogEventEnd(MSH_WRITE, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
