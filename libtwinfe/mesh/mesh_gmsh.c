/* Gmsh sessions, reading a Gmsh model into a TwinfeMesh, and .msh 4.1 files.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "meshimpl.h"

#include <errno.h>
#include <gmshc.h>
#include <stdio.h>
#include <string.h>

void TwinfeGmshLastError_Private(char buf[], size_t size)
{
  char *msg  = NULL;
  int   ierr = 0;

  buf[0] = 0;
  gmshLoggerGetLastError(&msg, &ierr);
  if (!ierr && msg) snprintf(buf, size, "%s", msg[0] ? msg : "(Gmsh logged no message)");
  if (msg) gmshFree(msg);
}

PetscErrorCode TwinfeGmshBegin_Private(PetscBool verbose)
{
  PetscFunctionBeginUser;
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
  if (tag < 1000) {
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

/* Gmsh node tags -> compact vertex numbers, keeping only nodes that some element uses, in
   Gmsh's node order. Tags go through a map sized by the node count, never by the largest tag. */
static PetscErrorCode RenumberNodes(const char source[], size_t *tags[2], const PetscInt ntags_per[2], PetscInt *nvertices,
                                    PetscReal **xyz, PetscInt *elements[2])
{
  size_t       *node_tags = NULL, nnodes = 0, ncoord = 0, npar = 0;
  double       *coord = NULL, *par = NULL;
  PetscInt     *number, n          = 0;
  TwinfeNodeMap map;
  uint64_t      dup;

  PetscFunctionBeginUser;
  GMSH_CALL(gmshModelMeshGetNodes(&node_tags, &nnodes, &coord, &ncoord, &par, &npar, -1, -1, 0, 0, &gmsh_ierr));
  PetscCall(TwinfeNodeMapCreate_Private((PetscInt)nnodes, (const uint64_t *)node_tags, &map, &dup));
  PetscCheck(!dup, PETSC_COMM_SELF, PETSC_ERR_LIB, "%s: Gmsh gave node %llu twice", source, (unsigned long long)dup);
  PetscCall(PetscMalloc1(nnodes + 1, &number));
  for (size_t i = 0; i < nnodes; i++)
    number[i] = -1;
  for (int k = 0; k < 2; k++)
    for (PetscInt i = 0; i < ntags_per[k]; i++) {
      PetscInt at = TwinfeNodeMapFind_Private(&map, tags[k][i]);
      PetscCheck(at >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "%s: an element refers to node %zu, which has no coordinates", source,
                 tags[k][i]);
      number[at] = 0;
    }
  PetscCall(PetscMalloc1(3 * nnodes + 1, xyz));
  for (size_t i = 0; i < nnodes; i++)
    if (number[i] == 0) {
      number[i] = n;
      for (int d = 0; d < 3; d++)
        (*xyz)[3 * n + d] = coord[3 * i + d];
      n++;
    }
  for (int k = 0; k < 2; k++) {
    PetscCall(PetscMalloc1(ntags_per[k] + 1, &elements[k]));
    for (PetscInt i = 0; i < ntags_per[k]; i++)
      elements[k][i] = number[TwinfeNodeMapFind_Private(&map, tags[k][i])];
  }
  *nvertices = n;
  PetscCall(PetscFree(number));
  PetscCall(TwinfeNodeMapDestroy_Private(&map));
  gmshFree(node_tags);
  gmshFree(coord);
  gmshFree(par);
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
  PetscSegBuffer tet_nodes, tet_labels, tri_nodes, tri_labels;
  PetscInt       ntets, ntris, nvertices, ntags_per[2], *elements[2];
  size_t        *tags[2];
  int32_t       *regions, *facet_tags;
  PetscReal     *xyz;

  PetscFunctionBeginUser;
  PetscCall(PetscSegBufferCreate(sizeof(size_t), 1 << 16, &tet_nodes));
  PetscCall(PetscSegBufferCreate(sizeof(int32_t), 1 << 14, &tet_labels));
  PetscCall(PetscSegBufferCreate(sizeof(size_t), 1 << 14, &tri_nodes));
  PetscCall(PetscSegBufferCreate(sizeof(int32_t), 1 << 12, &tri_labels));
  PetscCall(CollectElements(3, 4, 4, tet_nodes, tet_labels, &ntets));
  PetscCall(CollectElements(2, 2, 3, tri_nodes, tri_labels, &ntris));
  if (ntets == 0) {
    PetscCall(PetscSegBufferDestroy(&tet_nodes));
    PetscCall(PetscSegBufferDestroy(&tet_labels));
    PetscCall(PetscSegBufferDestroy(&tri_nodes));
    PetscCall(PetscSegBufferDestroy(&tri_labels));
  }
  PetscCheck(ntets > 0, PETSC_COMM_SELF, PETSC_ERR_LIB,
             "%s: no 4-node tetrahedra in any physical volume (a surface-only or second-order mesh is not supported)", source);
  PetscCall(PetscSegBufferExtractAlloc(tet_nodes, &tags[0]));
  PetscCall(PetscSegBufferExtractAlloc(tri_nodes, &tags[1]));
  PetscCall(PetscSegBufferExtractAlloc(tet_labels, &regions));
  PetscCall(PetscSegBufferExtractAlloc(tri_labels, &facet_tags));
  ntags_per[0] = 4 * ntets;
  ntags_per[1] = 3 * ntris;
  PetscCall(RenumberNodes(source, tags, ntags_per, &nvertices, &xyz, elements));
  PetscCall(TwinfeMeshCreate(nvertices, xyz, ntets, elements[0], regions, ntris, elements[1], facet_tags, mesh));
  PetscCall(ApplyRegionNames(*mesh));
  PetscCall(PetscFree(xyz));
  for (int k = 0; k < 2; k++)
    PetscCall(PetscFree(elements[k]));
  for (int k = 0; k < 2; k++)
    PetscCall(PetscFree(tags[k]));
  PetscCall(PetscFree(regions));
  PetscCall(PetscFree(facet_tags));
  PetscCall(PetscSegBufferDestroy(&tet_nodes));
  PetscCall(PetscSegBufferDestroy(&tet_labels));
  PetscCall(PetscSegBufferDestroy(&tri_nodes));
  PetscCall(PetscSegBufferDestroy(&tri_labels));
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

/* The distinct facet tags, ascending. */
static PetscErrorCode DistinctFacetTags(TwinfeMesh mesh, PetscInt *ntags, int32_t **tags)
{
  PetscInt n = 0;
  int32_t *t;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(mesh->nfacets + 1, &t));
  for (PetscInt f = 0; f < mesh->nfacets; f++) {
    PetscInt i = n;
    while (i > 0 && t[i - 1] > mesh->facet_tags[f])
      i--;
    if (i > 0 && t[i - 1] == mesh->facet_tags[f]) continue;
    for (PetscInt j = n; j > i; j--)
      t[j] = t[j - 1];
    t[i] = mesh->facet_tags[f];
    n++;
  }
  *ntags = n;
  *tags  = t;
  PetscFunctionReturn(0);
}

static PetscInt IndexOf(PetscInt n, const int32_t list[], int32_t value)
{
  for (PetscInt i = 0; i < n; i++)
    if (list[i] == value) return i;
  return -1;
}

/* Gmsh wants the nodes of an entity given with the entity: each vertex goes with the first
   entity that uses it (volumes 1..nregions first, then surfaces), each once. */
static PetscErrorCode AddNodesByEntity(TwinfeMesh mesh, PetscInt ntags, const int32_t tags[])
{
  PetscInt nent = mesh->nregions + ntags, *owner, *offset;
  size_t  *node_tags;
  double  *coord;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(mesh->nvertices + 1, &owner));
  for (PetscInt v = 0; v < mesh->nvertices; v++)
    owner[v] = -1;
  for (PetscInt t = 0; t < mesh->ntets; t++)
    for (int k = 0; k < 4; k++)
      if (owner[mesh->tets[4 * t + k]] < 0)
        owner[mesh->tets[4 * t + k]] = IndexOf(mesh->nregions, mesh->region_labels, mesh->regions[t]);
  for (PetscInt f = 0; f < mesh->nfacets; f++)
    for (int k = 0; k < 3; k++)
      if (owner[mesh->facets[3 * f + k]] < 0)
        owner[mesh->facets[3 * f + k]] = mesh->nregions + IndexOf(ntags, tags, mesh->facet_tags[f]);
  /* counting sort of the vertices by owner entity; an unused vertex goes with the first volume */
  PetscCall(PetscCalloc1(nent + 2, &offset));
  for (PetscInt v = 0; v < mesh->nvertices; v++) {
    if (owner[v] < 0) owner[v] = 0;
    offset[owner[v] + 1]++;
  }
  for (PetscInt e = 0; e < nent; e++)
    offset[e + 1] += offset[e];
  PetscCall(PetscMalloc2(mesh->nvertices + 1, &node_tags, 3 * mesh->nvertices + 1, &coord));
  for (PetscInt v = 0; v < mesh->nvertices; v++) {
    PetscInt i   = offset[owner[v]]++;
    node_tags[i] = (size_t)v + 1;
    for (int d = 0; d < 3; d++)
      coord[3 * i + d] = mesh->xyz[3 * v + d];
  }
  for (PetscInt e = nent; e > 0; e--)
    offset[e] = offset[e - 1];
  offset[0] = 0;
  for (PetscInt e = 0; e < nent; e++) {
    size_t n = (size_t)(offset[e + 1] - offset[e]);
    if (!n) continue;
    GMSH_CALL(gmshModelMeshAddNodes(e < mesh->nregions ? 3 : 2, (int)e + 1, &node_tags[offset[e]], n, &coord[3 * offset[e]],
                                    3 * n, NULL, 0, &gmsh_ierr));
  }
  PetscCall(PetscFree(offset));
  PetscCall(PetscFree2(node_tags, coord));
  PetscCall(PetscFree(owner));
  PetscFunctionReturn(0);
}

/* Elements of one entity: tets of region r (dim 3) or triangles of facet tag r (dim 2). */
static PetscErrorCode AddEntityElements(TwinfeMesh mesh, int dim, int entity, int32_t label, size_t *next_element)
{
  const PetscInt  nper  = dim == 3 ? 4 : 3;
  const PetscInt  nelem = dim == 3 ? mesh->ntets : mesh->nfacets;
  const PetscInt *conn  = dim == 3 ? mesh->tets : mesh->facets;
  const int32_t  *lab   = dim == 3 ? mesh->regions : mesh->facet_tags;
  size_t         *etags, *ntags, n = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(nelem + 1, &etags, nper * nelem + 1, &ntags));
  for (PetscInt e = 0; e < nelem; e++)
    if (lab[e] == label) {
      etags[n] = (*next_element)++;
      for (PetscInt k = 0; k < nper; k++)
        ntags[nper * n + k] = (size_t)conn[nper * e + k] + 1;
      n++;
    }
  GMSH_CALL(gmshModelMeshAddElementsByType(entity, dim == 3 ? 4 : 2, etags, n, ntags, nper * n, &gmsh_ierr));
  PetscCall(PetscFree2(etags, ntags));
  PetscFunctionReturn(0);
}

/* One discrete volume per region and one discrete surface per facet tag, each its own
   named physical group (tag = region label or facet tag). */
static PetscErrorCode WriteInSession(TwinfeMesh mesh, const char tmp[])
{
  PetscInt ntags;
  int32_t *tags;
  size_t   next_element = 1;

  PetscFunctionBeginUser;
  PetscCall(DistinctFacetTags(mesh, &ntags, &tags));
  for (PetscInt r = 0; r < mesh->nregions; r++)
    GMSH_CALL(gmshModelAddDiscreteEntity(3, (int)r + 1, NULL, 0, &gmsh_ierr));
  for (PetscInt f = 0; f < ntags; f++)
    GMSH_CALL(gmshModelAddDiscreteEntity(2, (int)(mesh->nregions + f) + 1, NULL, 0, &gmsh_ierr));
  PetscCall(AddNodesByEntity(mesh, ntags, tags));
  for (PetscInt r = 0; r < mesh->nregions; r++) {
    int entity = (int)r + 1;
    PetscCall(AddEntityElements(mesh, 3, entity, mesh->region_labels[r], &next_element));
    GMSH_CALL(gmshModelAddPhysicalGroup(3, &entity, 1, mesh->region_labels[r], &gmsh_ierr));
    GMSH_CALL(gmshModelSetPhysicalName(3, mesh->region_labels[r], mesh->region_names[r], &gmsh_ierr));
  }
  for (PetscInt f = 0; f < ntags; f++) {
    int  entity = (int)(mesh->nregions + f) + 1;
    char name[600];
    PetscCall(AddEntityElements(mesh, 2, entity, tags[f], &next_element));
    GMSH_CALL(gmshModelAddPhysicalGroup(2, &entity, 1, tags[f], &gmsh_ierr));
    PetscCall(TwinfeFacetGroupName_Private(tags[f], mesh->nregions, mesh->region_labels, (const char *const *)mesh->region_names,
                                           name, sizeof name));
    GMSH_CALL(gmshModelSetPhysicalName(2, tags[f], name, &gmsh_ierr));
  }
  GMSH_CALL(gmshOptionSetNumber("Mesh.MshFileVersion", 4.1, &gmsh_ierr));
  GMSH_CALL(gmshOptionSetNumber("Mesh.Binary", 0, &gmsh_ierr));
  {
    int  gmsh_ierr = 0;
    char msg[1024];
    gmshWrite(tmp, &gmsh_ierr);
    PetscCall(PetscFree(tags));
    if (gmsh_ierr) {
      TwinfeGmshLastError_Private(msg, sizeof msg);
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "TwinfeMeshWriteGmsh: Gmsh cannot write \"%s\" (does its folder exist?): %s",
              tmp, msg);
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshWriteGmsh(TwinfeMesh mesh, const char path[])
{
  char           tmp[PETSC_MAX_PATH_LEN];
  PetscBool      verbose = PETSC_FALSE;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  TwinfeCheckArgNull_Private(path);
  PetscCheck(mesh->ntets > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "TwinfeMeshWriteGmsh: the mesh for \"%s\" has no tetrahedra", path);
  /* Gmsh picks the format from the extension, so the temporary name ends in .msh too. */
  PetscCall(PetscSNPrintf(tmp, sizeof tmp, "%s.partial.msh", path));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-mesh_verbose", &verbose, NULL));
  PetscCall(TwinfeGmshBegin_Private(verbose));
  ierr = WriteInSession(mesh, tmp);
  PetscCall(TwinfeGmshEnd_Private());
  if (ierr) (void)remove(tmp);
  PetscCall(ierr);
  PetscCheck(rename(tmp, path) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE,
             "TwinfeMeshWriteGmsh: cannot rename \"%s\" to \"%s\": %s", tmp, path, strerror(errno));
  PetscFunctionReturn(0);
}
