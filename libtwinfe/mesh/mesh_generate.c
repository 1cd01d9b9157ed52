/* TwinfeMeshCreateFromSurface: Gmsh tetrahedralises inside the given triangles.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Route (measured in docs/stack-measurements.md): one discrete surface per (label pair, connected component)
 * holding our triangles, every node added once; per region, built-in-kernel surface loops and
 * volumes over those surfaces (outer shell first, then its holes; touching regions both list
 * the shared surface); GeoSynchronize; one Generate(3). No classifySurfaces/createGeometry,
 * so the surface triangles are kept as they are and interfaces stay conformal. */
#include "meshimpl.h"
#include "core/core_impl.h"

#include "gmsh_api.h"
#include <string.h>
#include <twinfe/core.h>

typedef struct {
  int       algorithm; /* Gmsh's Mesh.Algorithm3D: 10 HXT, 1 Delaunay */
  PetscInt  optimize;
  PetscInt  threads;
  PetscInt  groups; /* volume groups, each meshed by its own Gmsh model (mesh_groups.c) */
  PetscBool verbose;
  PetscBool improve; /* TwinfeMeshImprove after Gmsh, to the two bounds below */
  PetscReal min_radius_ratio, min_dihedral_deg;
  PetscReal grading, size_max; /* a graded interior (mesh_sizing.c) when grading > 0 */
} MeshOptions;

static PetscErrorCode GetMeshOptions(MeshOptions *o)
{
  char      algorithm[64] = "hxt";
  PetscBool hxt, delaunay;

  PetscFunctionBeginUser;
  o->optimize = 1;
  /* one thread: on two, Gmsh 4.8.4's HXT also aborted inside its OpenMP loop (the remesh
     test's six-label phantom, which then hung in the abort handler), besides leaving vertices
     split in two (joined below) */
  o->threads = 1;
  o->verbose = PETSC_FALSE;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-mesh_algorithm", algorithm, sizeof algorithm, NULL));
  PetscCall(PetscStrcasecmp(algorithm, "hxt", &hxt));
  PetscCall(PetscStrcasecmp(algorithm, "delaunay", &delaunay));
  PetscCheck(hxt || delaunay, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-mesh_algorithm %s is not known: use hxt or delaunay",
             algorithm);
  o->algorithm = hxt ? 10 : 1;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-mesh_optimize", &o->optimize, NULL));
  PetscCheck(o->optimize == 0 || o->optimize == 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-mesh_optimize %" PetscInt_FMT " must be 0 or 1 (0 leaves slivers)", o->optimize);
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-mesh_threads", &o->threads, NULL));
  PetscCheck(o->threads >= 1 && o->threads <= 1024, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-mesh_threads %" PetscInt_FMT " must be between 1 and 1024", o->threads);
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-mesh_verbose", &o->verbose, NULL));
  o->groups = 2;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-mesh_groups", &o->groups, NULL));
  PetscCheck(o->groups >= 1 && o->groups <= 64, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-mesh_groups %" PetscInt_FMT " must lie in [1, 64] (default 2: the volumes in two groups, meshed at once when "
             "there are two threads)",
             o->groups);
  o->improve          = PETSC_TRUE;
  o->min_radius_ratio = 0.1;
  o->min_dihedral_deg = 10.0;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-mesh_improve", &o->improve, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-mesh_min_radius_ratio", &o->min_radius_ratio, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-mesh_min_dihedral", &o->min_dihedral_deg, NULL));
  PetscCheck(o->min_radius_ratio > 0 && o->min_radius_ratio < 0.5, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-mesh_min_radius_ratio %g must lie in (0, 0.5) (default 0.1; a regular tet is 1)", (double)o->min_radius_ratio);
  PetscCheck(o->min_dihedral_deg > 0 && o->min_dihedral_deg < 40, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-mesh_min_dihedral %g must lie in (0, 40) degrees (default 10; a regular tet has 70.5)",
             (double)o->min_dihedral_deg);
  o->grading  = 0;
  o->size_max = 0;
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-mesh_grading", &o->grading, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-mesh_size_max", &o->size_max, NULL));
  PetscCheck(o->grading >= 0 && o->grading <= 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-mesh_grading %g must lie in [0, 2]: the growth of the tet size per mm of depth below the surface (0 keeps "
             "the surface size throughout; 0.2-0.5 grades the inside of organs coarser)",
             (double)o->grading);
  PetscCheck(o->size_max >= 0 && o->size_max <= 1000, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-mesh_size_max %g mm must lie in [0, 1000]: the largest tet size of a graded interior (0: 3 times the largest "
             "surface edge)",
             (double)o->size_max);
  PetscFunctionReturn(0);
}

/* Gmsh's size callback: the graded size at (x, y, z). */
static double GradedSize(int dim, int tag, double x, double y, double z, void *data)
{
  const double p[3] = {x, y, z};
  (void)dim, (void)tag;
  return TwinfeSizeFieldEvaluate_Private((const TwinfeSizeField *)data, p);
}

static PetscReal LargestEdge(PetscInt ntriangles, const PetscReal xyz[], const PetscInt tri[])
{
  PetscReal top = 0;
  for (PetscInt t = 0; t < ntriangles; t++)
    for (int e = 0; e < 3; e++) {
      const PetscReal *a = &xyz[3 * tri[3 * t + e]], *b = &xyz[3 * tri[3 * t + (e + 1) % 3]];
      top = PetscMax(
          top, PetscSqrtReal((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2])));
    }
  return top;
}

/* The regions to mesh: the given labels, or with none given every non-zero surface label. */
static PetscErrorCode ChooseRegions(PetscInt ntriangles, const int32_t tri_labels[], PetscInt nregions, const int32_t labels[],
                                    PetscInt *nchosen, int32_t **chosen)
{
  PetscBool seen[1000] = {PETSC_FALSE};
  PetscInt  n          = 0;

  PetscFunctionBeginUser;
  for (PetscInt t = 0; t < 2 * ntriangles; t++)
    PetscCheck(tri_labels[t] >= 0 && tri_labels[t] <= 999, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "TwinfeMeshCreateFromSurface: surface triangle %" PetscInt_FMT " carries label %d; labels must lie in [0, 999] "
               "(facet tags): renumber larger labels with TwinfeImageRelabel before making the surface",
               t / 2, (int)tri_labels[t]);
  for (PetscInt t = 0; t < 2 * ntriangles; t++)
    seen[tri_labels[t]] = PETSC_TRUE;
  for (PetscInt r = 0; r < nregions; r++) {
    PetscCheck(labels[r] >= 1 && labels[r] <= 999, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "TwinfeMeshCreateFromSurface: region label %d must lie in [1, 999] (facet tags); renumber larger labels with "
               "TwinfeImageRelabel before making the surface",
               (int)labels[r]);
    PetscCheck(seen[labels[r]], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "TwinfeMeshCreateFromSurface: region label %d has no triangle in the surface; mesh only labels the surface bounds",
               (int)labels[r]);
    for (PetscInt q = 0; q < r; q++)
      PetscCheck(labels[q] != labels[r], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "TwinfeMeshCreateFromSurface: region label %d is listed twice", (int)labels[r]);
  }
  PetscCall(PetscMalloc1(nregions > 0 ? nregions : 1000, chosen));
  if (nregions > 0)
    for (PetscInt r = 0; r < nregions; r++)
      (*chosen)[n++] = labels[r];
  else
    for (int l = 1; l < 1000; l++)
      if (seen[l]) (*chosen)[n++] = l;
  *nchosen = n;
  PetscCheck(n > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "TwinfeMeshCreateFromSurface: the surface bounds no labelled region");
  PetscFunctionReturn(0);
}

/* One discrete surface per patch (tag = patch + 1), nodes first, each vertex once on the
   first patch that uses it (node tag = vertex + 1), then the triangles oriented hi -> lo. */
static PetscErrorCode AddPatches(const TwinfeShells *s, PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles,
                                 const PetscInt tri[])
{
  PetscInt *owner, *order, *offset;
  size_t   *node_tags, *elem_tags, *elem_nodes, next_element = 1;
  double   *coord;

  PetscFunctionBeginUser;
  for (PetscInt p = 0; p < s->npatches; p++)
    GMSH_CALL(gmshModelAddDiscreteEntity(2, (int)p + 1, NULL, 0, &gmsh_ierr));
  PetscCall(PetscMalloc1(nvertices + 1, &owner));
  for (PetscInt v = 0; v < nvertices; v++)
    owner[v] = -1;
  for (PetscInt t = 0; t < ntriangles; t++)
    for (int k = 0; k < 3; k++)
      if (s->patch_of_triangle[t] >= 0 && owner[tri[3 * t + k]] < 0) owner[tri[3 * t + k]] = s->patch_of_triangle[t];
  PetscCall(PetscMalloc2(nvertices + 1, &node_tags, 3 * nvertices + 1, &coord));
  PetscCall(PetscCalloc1(s->npatches + 1, &offset));
  PetscCall(PetscMalloc1(nvertices + 1, &order));
  /* counting sort of vertices by owner patch */
  for (PetscInt v = 0; v < nvertices; v++)
    if (owner[v] >= 0) offset[owner[v] + 1]++;
  for (PetscInt p = 0; p < s->npatches; p++)
    offset[p + 1] += offset[p];
  for (PetscInt v = 0; v < nvertices; v++)
    if (owner[v] >= 0) order[offset[owner[v]]++] = v;
  for (PetscInt p = s->npatches; p > 0; p--)
    offset[p] = offset[p - 1];
  offset[0] = 0;
  for (PetscInt p = 0; p < s->npatches; p++) {
    size_t n = 0;
    for (PetscInt i = offset[p]; i < offset[p + 1]; i++, n++) {
      node_tags[n] = (size_t)order[i] + 1;
      for (int d = 0; d < 3; d++)
        coord[3 * n + d] = xyz[3 * order[i] + d];
    }
    if (n) GMSH_CALL(gmshModelMeshAddNodes(2, (int)p + 1, node_tags, n, coord, 3 * n, NULL, 0, &gmsh_ierr));
  }
  PetscCall(PetscFree(order));
  PetscCall(PetscFree2(node_tags, coord));

  /* triangles, grouped by patch with the same counting sort */
  PetscCall(PetscArrayzero(offset, s->npatches + 1));
  for (PetscInt t = 0; t < ntriangles; t++)
    if (s->patch_of_triangle[t] >= 0) offset[s->patch_of_triangle[t] + 1]++;
  for (PetscInt p = 0; p < s->npatches; p++)
    offset[p + 1] += offset[p];
  PetscCall(PetscMalloc2(ntriangles + 1, &elem_tags, 3 * ntriangles + 1, &elem_nodes));
  {
    PetscInt *fill;
    PetscCall(PetscMalloc1(s->npatches + 1, &fill));
    PetscCall(PetscArraycpy(fill, offset, s->npatches + 1));
    for (PetscInt t = 0; t < ntriangles; t++) {
      PetscInt p = s->patch_of_triangle[t], i;
      if (p < 0) continue;
      i                     = fill[p]++;
      elem_nodes[3 * i]     = (size_t)tri[3 * t] + 1;
      elem_nodes[3 * i + 1] = (size_t)(s->triangle_flipped[t] ? tri[3 * t + 2] : tri[3 * t + 1]) + 1;
      elem_nodes[3 * i + 2] = (size_t)(s->triangle_flipped[t] ? tri[3 * t + 1] : tri[3 * t + 2]) + 1;
    }
    PetscCall(PetscFree(fill));
  }
  for (PetscInt p = 0; p < s->npatches; p++) {
    size_t n = (size_t)(offset[p + 1] - offset[p]);
    for (size_t i = 0; i < n; i++)
      elem_tags[offset[p] + (PetscInt)i] = next_element++;
    GMSH_CALL(
        gmshModelMeshAddElementsByType((int)p + 1, 2, &elem_tags[offset[p]], n, &elem_nodes[3 * offset[p]], 3 * n, &gmsh_ierr));
  }
  PetscCall(PetscFree2(elem_tags, elem_nodes));
  PetscCall(PetscFree(offset));
  PetscCall(PetscFree(owner));
  PetscFunctionReturn(0);
}

static PetscErrorCode AddSurfaceLoop(const TwinfeShells *s, PetscInt k, int *loop)
{
  int   *surfaces;
  size_t n = (size_t)(s->shell_offsets[k + 1] - s->shell_offsets[k]);

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(n, &surfaces));
  for (size_t i = 0; i < n; i++)
    surfaces[i] = (int)s->shell_patches[s->shell_offsets[k] + (PetscInt)i] + 1;
  GMSH_CALL(*loop = gmshModelGeoAddSurfaceLoop(surfaces, n, -1, &gmsh_ierr));
  PetscCall(PetscFree(surfaces));
  PetscFunctionReturn(0);
}

/* One volume per outer shell of the region in group g (first loop), with the holes it owns;
   all of them in the region's physical group (tag = label). A region with no shell in the
   group is left to the other groups. */
static PetscErrorCode AddRegionVolumes(const TwinfeShells *s, const PetscInt group_of_shell[], PetscInt g, int32_t label,
                                       const char name[])
{
  int      *loops, *volumes;
  size_t    nvolumes = 0;
  PetscBool any      = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(s->nshells + 1, &loops, s->nshells + 1, &volumes));
  for (PetscInt k = 0; k < s->nshells; k++) {
    size_t nloops = 0;
    if (s->shell_region[k] != label || s->shell_volume[k] <= 0) continue;
    any = PETSC_TRUE;
    if (group_of_shell[k] != g) continue;
    PetscCall(AddSurfaceLoop(s, k, &loops[nloops++]));
    for (PetscInt h = 0; h < s->nshells; h++)
      if (s->shell_owner[h] == k) PetscCall(AddSurfaceLoop(s, h, &loops[nloops++]));
    GMSH_CALL(volumes[nvolumes++] = gmshModelGeoAddVolume(loops, nloops, -1, &gmsh_ierr));
  }
  if (!any) PetscCall(PetscFree2(loops, volumes));
  PetscCheck(
      any, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
      "TwinfeMeshCreateFromSurface: region %d (%s) has no closed shell enclosing positive volume; is its surface closed and "
      "oriented from the higher label to the lower?",
      (int)label, name);
  if (nvolumes) {
    GMSH_CALL(gmshModelGeoSynchronize(&gmsh_ierr));
    GMSH_CALL(gmshModelAddPhysicalGroup(3, volumes, nvolumes, label, &gmsh_ierr));
    GMSH_CALL(gmshModelSetPhysicalName(3, label, name, &gmsh_ierr));
  }
  PetscCall(PetscFree2(loops, volumes));
  PetscFunctionReturn(0);
}

/* One physical surface per facet tag over the patches of that label pair. */
static PetscErrorCode AddFacetGroups(const TwinfeShells *s, PetscInt nregions, const int32_t labels[], const char *const names[])
{
  int       *members;
  PetscBool *done;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(s->npatches + 1, &members));
  PetscCall(PetscCalloc1(s->npatches + 1, &done));
  for (PetscInt p = 0; p < s->npatches; p++) {
    int32_t tag = s->patch_tag[p];
    size_t  n   = 0;
    char    name[600];
    if (done[p]) continue;
    for (PetscInt q = p; q < s->npatches; q++)
      if (!done[q] && s->patch_tag[q] == tag) {
        members[n++] = (int)q + 1;
        done[q]      = PETSC_TRUE;
      }
    GMSH_CALL(gmshModelAddPhysicalGroup(2, members, n, tag, &gmsh_ierr));
    PetscCall(TwinfeFacetGroupName_Private(tag, nregions, labels, names, name, sizeof name));
    GMSH_CALL(gmshModelSetPhysicalName(2, tag, name, &gmsh_ierr));
  }
  PetscCall(PetscFree(done));
  PetscCall(PetscFree(members));
  PetscFunctionReturn(0);
}

/* Every requested region must come back with tetrahedra: HXT can log an error (for instance
   "duplicate volume") and still return. */
static PetscErrorCode CheckRegionsMeshed(TwinfeMesh mesh, PetscInt nregions, const int32_t labels[])
{
  PetscFunctionBeginUser;
  for (PetscInt r = 0; r < nregions; r++) {
    PetscBool found = PETSC_FALSE;
    for (PetscInt q = 0; q < mesh->nregions; q++)
      found = (PetscBool)(found || mesh->region_labels[q] == labels[r]);
    if (!found) {
      char msg[1024];
      TwinfeGmshLastError_Private(msg, sizeof msg);
      SETERRQ(
          PETSC_COMM_SELF, PETSC_ERR_LIB,
          "TwinfeMeshCreateFromSurface: Gmsh produced no tetrahedra for region %d (last Gmsh error: %s). Each piece of a region "
          "must be a closed, non-self-intersecting shell: make the label map's pieces with TwinfeImageSelectLabelsKeepAll",
          (int)labels[r], msg);
    }
  }
  PetscFunctionReturn(0);
}

/* -log_view: Gmsh's meshing, reading its mesh back (and the checks), the sliver repair */
static PetscLogEvent mesh_events[3] = {-1, -1, -1};

/* What every volume group's meshing reads. */
typedef struct {
  const TwinfeShells *s;
  const MeshOptions  *o;
  PetscInt            nvertices, ntriangles, nregions;
  const PetscReal    *xyz;
  const PetscInt     *tri;
  const int32_t      *labels;
  const char *const  *names;
  const PetscInt     *group_of_shell;
  TwinfeSizeField    *field; /* NULL for a uniform interior */
} GroupInput;

/* gmshModelMeshGenerate(3), with a failure explained. */
static PetscErrorCode Generate(void)
{
  int gmsh_ierr = 0;

  PetscFunctionBeginUser;
  gmshModelMeshGenerate(3, &gmsh_ierr);
  if (gmsh_ierr) {
    char message[1024];
    TwinfeGmshLastError_Private(message, sizeof message);
    /* Crossing surfaces have their own code: callers can smooth less and try again. HXT says
       "PLC Error: ... intersect" on stderr only, then logs "HXT 3D mesh failed"; Delaunay logs
       "Invalid boundary mesh (overlapping facets)". Our surfaces are closed and conformal by
       construction, so crossing is what makes either fail here. */
    SETERRQ(PETSC_COMM_SELF,
            strstr(message, "intersect") || strstr(message, "3D mesh failed") || strstr(message, "overlapping facets")
                ? PETSC_ERR_ARG_INCOMP
                : PETSC_ERR_LIB,
            "Gmsh could not tetrahedralise the surfaces (ierr %d): %s", gmsh_ierr, message);
  }
  PetscFunctionReturn(0);
}

/* One volume group in the current, empty model: every surface triangle (so that node tags
   agree between groups), the group's volumes, and for group 0 the facet groups; its tets, and
   for group 0 its triangles, copied out (later groups send only the nodes they added). */
static PetscErrorCode MeshGroup(void *ctx, PetscInt g, TwinfeGmshPart *part)
{
  const GroupInput *in = (const GroupInput *)ctx;

  PetscFunctionBeginUser;
  PetscCall(AddPatches(in->s, in->nvertices, in->xyz, in->ntriangles, in->tri));
  for (PetscInt r = 0; r < in->nregions; r++)
    PetscCall(AddRegionVolumes(in->s, in->group_of_shell, g, in->labels[r], in->names[r]));
  if (g == 0) PetscCall(AddFacetGroups(in->s, in->nregions, in->labels, in->names));
  if (in->field) GMSH_CALL(gmshModelMeshSetSizeCallback(GradedSize, in->field, &gmsh_ierr));
  PetscCall(Generate());
  PetscCall(TwinfeGmshCollect_Private("TwinfeMeshCreateFromSurface", (PetscBool)(g == 0), g == 0 ? 0 : (size_t)in->nvertices + 1,
                                      part));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetGmshOptions(const MeshOptions *o, PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles,
                                     const PetscInt tri[], TwinfeSizeField *field)
{
  PetscFunctionBeginUser;
  GMSH_CALL(gmshOptionSetNumber("Mesh.Algorithm3D", o->algorithm, &gmsh_ierr));
  GMSH_CALL(gmshOptionSetNumber("Mesh.Optimize", (double)o->optimize, &gmsh_ierr));
  GMSH_CALL(gmshOptionSetNumber("General.NumThreads", (double)o->threads, &gmsh_ierr));
  /* node tags as given (the surface's, shared by every volume group), new nodes above them */
  GMSH_CALL(gmshOptionSetNumber("Mesh.Renumber", 0, &gmsh_ierr));
  if (o->grading > 0) {
    /* the callback alone decides inside: no interpolation of the surface sizes, which would cap it */
    PetscCall(TwinfeSizeFieldCreate_Private(nvertices, xyz, ntriangles, tri, o->grading,
                                            o->size_max > 0 ? o->size_max : 3 * LargestEdge(ntriangles, xyz, tri), field));
    GMSH_CALL(gmshOptionSetNumber("Mesh.MeshSizeExtendFromBoundary", 0, &gmsh_ierr));
  }
  PetscFunctionReturn(0);
}

/* Gmsh's tets for every group, joined into one mesh. */
static PetscErrorCode GenerateGroups(const GroupInput *in, PetscInt ngroups, TwinfeMesh *mesh)
{
  TwinfeGmshPart *parts;
  PetscInt        nthreads;
  PetscErrorCode  ierr;

  PetscFunctionBeginUser;
  PetscCall(TwinfeGetThreads(&nthreads));
  PetscCall(PetscCalloc1(ngroups, &parts));
  ierr = TwinfeGmshMeshGroups_Private(ngroups, (PetscBool)(nthreads > 1), MeshGroup, (void *)in, parts);
  if (!ierr) ierr = TwinfeMeshFromGmshParts_Private("TwinfeMeshCreateFromSurface", ngroups, parts, (size_t)in->nvertices, mesh);
  for (PetscInt g = 0; g < ngroups; g++)
    PetscCall(TwinfeGmshPartDestroy_Private(&parts[g]));
  PetscCall(PetscFree(parts));
  PetscCall(ierr);
  for (PetscInt r = 0; r < in->nregions; r++)
    PetscCall(TwinfeMeshSetRegionName(*mesh, in->labels[r], in->names[r]));
  if (ngroups > 1) PetscCall(TwinfeMeshCheckFacetsOnTets_Private(*mesh));
  PetscFunctionReturn(0);
}

/* Gmsh's tets for the groups, vertices Gmsh left twice joined, then the sliver repair. */
static PetscErrorCode GenerateAndImprove(const GroupInput *in, PetscInt ngroups, TwinfeMesh *mesh)
{
  const MeshOptions *o = in->o;
  PetscErrorCode     ierr;

  PetscFunctionBeginUser;
  PetscCall(TwinfeLogBegin_Private("TwinfeGmshGenerate", &mesh_events[0]));
  ierr = GenerateGroups(in, ngroups, mesh);
  PetscCall(PetscLogEventEnd(mesh_events[0], 0, 0, 0, 0));
  PetscCall(ierr);
  PetscCall(TwinfeLogBegin_Private("TwinfeGmshExtract", &mesh_events[1]));
  PetscCall(CheckRegionsMeshed(*mesh, in->nregions, in->labels));
  /* HXT on several threads leaves a few vertices split in two copies (4 of 4 runs on the CT
     kidney case at 1.4 mm, 1-4 vertices each); joined, their stars were whole every time */
  (*mesh)->generation.volume_groups = ngroups;
  PetscCall(TwinfeMeshMergeDuplicateVertices(*mesh, &(*mesh)->generation.duplicates_merged));
  if ((*mesh)->generation.duplicates_merged)
    PetscCall(PetscInfo(NULL, "joined %" PetscInt_FMT " vertices Gmsh left twice (%" PetscInt_FMT " threads)\n",
                        (*mesh)->generation.duplicates_merged, o->threads));
  PetscCall(PetscLogEventEnd(mesh_events[1], 0, 0, 0, 0));
  if (o->improve) {
    PetscCall(TwinfeLogBegin_Private("TwinfeMeshImprove", &mesh_events[2]));
    PetscCall(TwinfeMeshImprove(*mesh, o->min_radius_ratio, o->min_dihedral_deg, &(*mesh)->improve_stats));
    (*mesh)->improved = PETSC_TRUE;
    PetscCall(PetscLogEventEnd(mesh_events[2], 0, 0, 0, 0));
  }
  PetscFunctionReturn(0);
}

/* A sliver the repair cannot reach (all four vertices on the surface, two faces on facets, its
   other edge on a facet too) came out of one volume's own model on the TotalSegmentator MR map
   in every grouping tried, and never out of the whole model: then the whole model is meshed as
   well, and the mesh with fewer such tets kept (the grouped one on a tie). */
static PetscErrorCode MeshWholeIfPoorer(GroupInput *in, PetscInt group_of_shell[], TwinfeMesh *mesh)
{
  TwinfeMesh whole = NULL;

  PetscFunctionBeginUser;
  PetscCall(PetscInfo(NULL, "%" PetscInt_FMT " tets below the bounds after meshing in groups: meshing the whole model too\n",
                      (*mesh)->improve_stats.poor_after));
  for (PetscInt k = 0; k < in->s->nshells; k++)
    if (group_of_shell[k] > 0) group_of_shell[k] = 0;
  GMSH_CALL(gmshModelAdd("twinfe_whole", &gmsh_ierr));
  PetscCall(GenerateAndImprove(in, 1, &whole));
  if (whole->improve_stats.poor_after < (*mesh)->improve_stats.poor_after) {
    PetscCall(TwinfeMeshDestroy(mesh));
    *mesh = whole;
  } else
    PetscCall(TwinfeMeshDestroy(&whole));
  (*mesh)->generation.whole_model_retried = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode MeshInSession(const TwinfeShells *s, const MeshOptions *o, PetscInt nvertices, const PetscReal xyz[],
                                    PetscInt ntriangles, const PetscInt tri[], PetscInt nregions, const int32_t labels[],
                                    const char *const names[], TwinfeSizeField *field, TwinfeMesh *mesh)
{
  PetscInt      *group_of_shell, ngroups;
  GroupInput     in;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(SetGmshOptions(o, nvertices, xyz, ntriangles, tri, field));
  PetscCall(PetscMalloc1(s->nshells + 1, &group_of_shell));
  PetscCall(TwinfeShellGroups_Private(s, xyz, ntriangles, tri, o->groups, group_of_shell, &ngroups));
  in =
      (GroupInput){s, o, nvertices, ntriangles, nregions, xyz, tri, labels, names, group_of_shell, o->grading > 0 ? field : NULL};
  ierr = GenerateAndImprove(&in, ngroups, mesh);
  if (!ierr && ngroups > 1 && o->improve && (*mesh)->improve_stats.poor_after > 0)
    ierr = MeshWholeIfPoorer(&in, group_of_shell, mesh);
  PetscCall(PetscFree(group_of_shell));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* Region names: the caller's, else region_<label>; one token each (they become Gmsh
   physical names and parts of facet group names). */
static PetscErrorCode ChooseNames(PetscInt nregions, const int32_t labels[], const int32_t chosen[], PetscInt nchosen,
                                  const char *const names[], char **out)
{
  PetscFunctionBeginUser;
  for (PetscInt r = 0; r < nchosen; r++) {
    const char *given = (names && r < nregions && labels[r] == chosen[r]) ? names[r] : NULL;
    char        name[256];
    if (given) {
      PetscCheck(given[0] && !strpbrk(given, " \t\n\""), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "TwinfeMeshCreateFromSurface: name \"%s\" of region %d must be non-empty without spaces or quotes", given,
                 (int)chosen[r]);
      PetscCall(PetscSNPrintf(name, sizeof name, "%s", given));
    } else
      PetscCall(PetscSNPrintf(name, sizeof name, "region_%d", (int)chosen[r]));
    PetscCall(PetscStrallocpy(name, &out[r]));
  }
  PetscFunctionReturn(0);
}

/* What one call owns, freed on every path (errors included). */
typedef struct {
  PetscInt        nchosen;
  int32_t        *chosen;
  char          **names;
  TwinfeShells    shells;
  TwinfeSizeField field; /* the graded interior's sizes, while Gmsh meshes */
} Work;

static PetscErrorCode WorkDestroy(Work *w)
{
  PetscFunctionBeginUser;
  for (PetscInt r = 0; w->names && r < w->nchosen; r++)
    PetscCall(PetscFree(w->names[r]));
  PetscCall(PetscFree(w->names));
  PetscCall(PetscFree(w->chosen));
  PetscCall(TwinfeShellsDestroy_Private(&w->shells));
  PetscCall(TwinfeSizeFieldDestroy_Private(&w->field));
  PetscFunctionReturn(0);
}

static PetscErrorCode MeshSurface(TwinfeSurface surface, PetscInt nregions, const int32_t labels[], const char *const names[],
                                  Work *w, TwinfeMesh *mesh)
{
  PetscInt         nvertices, ntriangles;
  const PetscReal *xyz;
  const PetscInt  *tri;
  const int32_t   *tri_labels, *tri_tags;
  MeshOptions      o;
  PetscErrorCode   ierr;

  PetscFunctionBeginUser;
  PetscCall(GetMeshOptions(&o));
  PetscCall(TwinfeSurfaceGetVertices(surface, &nvertices, &xyz));
  PetscCall(TwinfeSurfaceGetTriangles(surface, &ntriangles, &tri, &tri_labels));
  PetscCall(TwinfeSurfaceGetTriangleTags(surface, &tri_tags));
  PetscCall(ChooseRegions(ntriangles, tri_labels, nregions, labels, &w->nchosen, &w->chosen));
  PetscCall(PetscCalloc1(w->nchosen + 1, &w->names));
  PetscCall(ChooseNames(nregions, labels, w->chosen, w->nchosen, names, w->names));
  PetscCall(TwinfeShellsCreate_Private(nvertices, xyz, ntriangles, tri, tri_labels, tri_tags, w->nchosen, w->chosen, &w->shells));
  PetscCall(PetscInfo(NULL,
                      "Meshing %" PetscInt_FMT " regions bounded by %" PetscInt_FMT " triangles in %" PetscInt_FMT
                      " patches and %" PetscInt_FMT " shells\n",
                      w->nchosen, ntriangles, w->shells.npatches, w->shells.nshells));
  PetscCall(TwinfeGmshBegin_Private(o.verbose));
  ierr = MeshInSession(&w->shells, &o, nvertices, xyz, ntriangles, tri, w->nchosen, w->chosen, (const char *const *)w->names,
                       &w->field, mesh);
  PetscCall(TwinfeGmshEnd_Private());
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshGetGenerationStats(TwinfeMesh mesh, TwinfeMeshGenerationStats *stats)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  TwinfeCheckArgNull_Private(stats);
  *stats = mesh->generation;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshCreateFromSurface(TwinfeSurface surface, PetscInt nregions, const int32_t labels[],
                                           const char *const names[], TwinfeMesh *mesh)
{
  Work           w;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(surface);
  TwinfeCheckArgNull_Private(mesh);
  *mesh = NULL;
  PetscCheck(nregions >= 0 && (nregions == 0 || labels), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "TwinfeMeshCreateFromSurface: nregions %" PetscInt_FMT
             " needs a labels array (or pass 0 for every label of the surface)",
             nregions);
  PetscCall(PetscMemzero(&w, sizeof w));
  ierr = MeshSurface(surface, nregions, labels, names, &w, mesh);
  PetscCall(WorkDestroy(&w));
  if (ierr) PetscCall(TwinfeMeshDestroy(mesh));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
