/* Synthetic vessels for flow: a straight tube and a stenosed bifurcation, built as
 * OpenCASCADE shapes in Gmsh and meshed there, with the wall and each cap (inlet, outlets) in
 * its own physical surface (docs/vessel_models.md).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Gmsh meshes the shapes themselves, so boundary vertices lie on the true circle, sphere and
 * surface of revolution. Its Delaunay 3D mesher on one thread is used, not HXT: HXT in 4.8
 * orders surface vertices by address and gives another mesh on every run, while the flow tests
 * compare runs at several h and need the same mesh for the same arguments. */
#include "meshimpl.h"

#include "gmsh_api.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <twinfe/core.h>

/* A cap the shape must have: a flat disk with this centre and radius on the boundary. */
typedef struct {
  PetscReal   center[3], radius;
  const char *what; /* "the inlet", for messages */
} ExpectedCap;

/* ------------------------------------------------------------------ arguments */

static PetscErrorCode CheckLength(const char fn[], const char what[], PetscReal value)
{
  PetscFunctionBeginUser;
  PetscCheck(PetscIsNormalReal(value) && value > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: %s = %g mm must be a positive, finite length", fn, what, (double)value);
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckRange(const char fn[], const char what[], PetscReal value, PetscReal lo, PetscReal hi,
                                 const char unit[], const char why[])
{
  PetscFunctionBeginUser;
  PetscCheck(PetscIsNormalReal(value) || value == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: %s = %g %s must be finite",
             fn, what, (double)value, unit);
  PetscCheck(value >= lo && value <= hi, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: %s = %g %s must lie in [%g, %g] %s (%s)",
             fn, what, (double)value, unit, (double)lo, (double)hi, unit, why);
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ Gmsh model */

/* Same arguments, same mesh: Delaunay 3D, one thread; the size h everywhere (no size from
   curvature: the caller's h is the study's parameter). */
static PetscErrorCode SetVesselOptions(PetscReal h)
{
  PetscFunctionBeginUser;
  GMSH_CALL(gmshOptionSetNumber("General.NumThreads", 1, &gmsh_ierr));
  GMSH_CALL(gmshOptionSetNumber("Mesh.Algorithm3D", 1, &gmsh_ierr));
  GMSH_CALL(gmshOptionSetNumber("Mesh.Optimize", 1, &gmsh_ierr));
  GMSH_CALL(gmshOptionSetNumber("Mesh.MeshSizeFromCurvature", 0, &gmsh_ierr));
  GMSH_CALL(gmshOptionSetNumber("Mesh.MeshSizeMax", (double)h, &gmsh_ierr));
  GMSH_CALL(gmshOptionSetNumber("Mesh.MeshSizeMin", 0, &gmsh_ierr));
  PetscFunctionReturn(0);
}

/* The boundary surface s as a cap: flat, centred where the cap should be, with its whole
   disk's area (a cap cut by another piece is a smaller face). -1 when it is no cap. */
static PetscErrorCode MatchCap(int s, PetscInt ncaps, const ExpectedCap caps[], PetscReal scale, PetscInt *match)
{
  char  *type = NULL;
  double c[3], area;

  PetscFunctionBeginUser;
  *match = -1;
  GMSH_CALL(gmshModelGetType(2, s, &type, &gmsh_ierr));
  GMSH_CALL(gmshModelOccGetCenterOfMass(2, s, &c[0], &c[1], &c[2], &gmsh_ierr));
  GMSH_CALL(gmshModelOccGetMass(2, s, &area, &gmsh_ierr));
  /* OpenCASCADE integrates exactly shaped faces to ~1e-12: 1e-7 tells a whole disk from a
     trimmed one and the centre from any other face's */
  for (PetscInt k = 0; type && !strcmp(type, "Plane") && k < ncaps; k++) {
    const PetscReal disk = PETSC_PI * caps[k].radius * caps[k].radius;
    const PetscReal dist = PetscSqrtReal(PetscSqr(c[0] - caps[k].center[0]) + PetscSqr(c[1] - caps[k].center[1]) +
                                         PetscSqr(c[2] - caps[k].center[2]));
    if (dist <= 1e-7 * scale && PetscAbsReal(area - disk) <= 1e-7 * disk) *match = k;
  }
  if (type) gmshFree(type);
  PetscFunctionReturn(0);
}

/* Physical groups: the volume is region 1 "lumen"; each expected cap's face gets
   TwinfeCapTag(1, k + 1), every other boundary face the wall tag 1. */
static PetscErrorCode AddGroups(const char fn[], int volume, PetscInt ncaps, const ExpectedCap caps[], PetscReal scale)
{
  int   *bnd = NULL, *wall, cap_surface[8], vt[2] = {3, volume};
  size_t nbnd = 0, nwall = 0;

  PetscFunctionBeginUser;
  GMSH_CALL(gmshModelGetBoundary(vt, 2, &bnd, &nbnd, 1, 0, 0, &gmsh_ierr));
  PetscCall(PetscMalloc1(nbnd / 2 + 1, &wall));
  for (PetscInt k = 0; k < ncaps; k++)
    cap_surface[k] = -1;
  for (size_t i = 0; i < nbnd / 2; i++) {
    const int s = abs(bnd[2 * i + 1]);
    PetscInt  k;
    PetscCall(MatchCap(s, ncaps, caps, scale, &k));
    if (k >= 0 && cap_surface[k] < 0)
      cap_surface[k] = s;
    else
      wall[nwall++] = s;
  }
  gmshFree(bnd);
  for (PetscInt k = 0; k < ncaps; k++)
    if (cap_surface[k] < 0) PetscCall(PetscFree(wall));
  for (PetscInt k = 0; k < ncaps; k++)
    PetscCheck(cap_surface[k] >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
               "%s: %s (a disk of radius %g mm centred at (%g, %g, %g) mm) is not a whole flat face of the vessel: the other "
               "daughter cuts it: make spec->daughter_length longer or spec->daughter_angle_deg "
               "larger",
               fn, caps[k].what, (double)caps[k].radius, (double)caps[k].center[0], (double)caps[k].center[1],
               (double)caps[k].center[2]);
  GMSH_CALL(gmshModelAddPhysicalGroup(3, &volume, 1, 1, &gmsh_ierr));
  GMSH_CALL(gmshModelSetPhysicalName(3, 1, "lumen", &gmsh_ierr));
  GMSH_CALL(gmshModelAddPhysicalGroup(2, wall, nwall, 1, &gmsh_ierr));
  GMSH_CALL(gmshModelSetPhysicalName(2, 1, "lumen_surface", &gmsh_ierr));
  for (PetscInt k = 0; k < ncaps; k++) {
    const int tag = (int)TwinfeCapTag(1, k + 1);
    char      name[32];
    PetscCall(PetscSNPrintf(name, sizeof name, "lumen_cap%d", (int)k + 1));
    GMSH_CALL(gmshModelAddPhysicalGroup(2, &cap_surface[k], 1, tag, &gmsh_ierr));
    GMSH_CALL(gmshModelSetPhysicalName(2, tag, name, &gmsh_ierr));
  }
  PetscCall(PetscFree(wall));
  PetscFunctionReturn(0);
}

static PetscErrorCode Generate(const char fn[])
{
  int gmsh_ierr = 0;

  PetscFunctionBeginUser;
  gmshModelMeshGenerate(3, &gmsh_ierr);
  if (gmsh_ierr) {
    char message[1024];
    TwinfeGmshLastError_Private(message, sizeof message);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_LIB, "%s: Gmsh could not mesh the vessel (ierr %d): %s", fn, gmsh_ierr, message);
  }
  PetscFunctionReturn(0);
}

/* The one volume of the model (the pieces fused into one lumen). */
static PetscErrorCode TheVolume(const char fn[], int *volume)
{
  int   *ents = NULL;
  size_t n    = 0;

  PetscFunctionBeginUser;
  GMSH_CALL(gmshModelGetEntities(&ents, &n, 3, &gmsh_ierr));
  *volume = n == 2 ? ents[1] : -1;
  if (ents) gmshFree(ents);
  PetscCheck(n == 2, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
             "%s: the pieces of the vessel make %zu volumes, not one connected lumen; check the lengths and angles", fn, n / 2);
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ facets outward */

/* Turn each facet so that its normal points away from the tet it bounds (out of the lumen, as
   TwinfeMeshCreate's callers give them). Gmsh 4.8 already gave every triangle of these
   OpenCASCADE solids outward (no facet turned on any test mesh), but Gmsh documents no such
   promise: here it is made. Also checks that the facets are exactly the boundary faces of the
   tets, so the lumen is closed and every cap and wall facet is on it. */
static PetscErrorCode OrientFacetsOutward(const char fn[], TwinfeMesh mesh)
{
  const PetscInt nfaces = 4 * mesh->ntets;
  TwinfeFace    *faces;
  PetscInt       nboundary = 0, bad = -1;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSortedFaces_Private(mesh->nvertices, mesh->ntets, mesh->tets, &faces));
  for (PetscInt i = 0; i < nfaces; i++)
    nboundary += (i == 0 || TwinfeFaceCompare_Private(&faces[i - 1], &faces[i])) &&
                 (i + 1 == nfaces || TwinfeFaceCompare_Private(&faces[i], &faces[i + 1]));
  for (PetscInt f = 0; f < mesh->nfacets && bad < 0; f++) {
    PetscInt *v = &mesh->facets[3 * f], key[3] = {v[0], v[1], v[2]}, i;
    TwinfeSortThree_Private(key);
    i = TwinfeFindFace_Private(nfaces, faces, key);
    if (i < 0 || (i + 1 < nfaces && !TwinfeFaceCompare_Private(&faces[i], &faces[i + 1]))) { /* not a boundary face */
      bad = f;
      break;
    }
    if (TwinfeTetDet_Private(&mesh->xyz[3 * v[0]], &mesh->xyz[3 * v[1]], &mesh->xyz[3 * v[2]],
                             &mesh->xyz[3 * faces[i].opposite]) > 0) {
      const PetscInt s = v[1];
      v[1] = v[2], v[2] = s;
    }
  }
  PetscCall(PetscFree(faces));
  PetscCheck(bad < 0 && nboundary == mesh->nfacets, PETSC_COMM_SELF, PETSC_ERR_LIB,
             "%s: Gmsh's mesh of the vessel is not closed by its wall and caps (%" PetscInt_FMT " facets, %" PetscInt_FMT
             " boundary faces of tets)",
             fn, mesh->nfacets, nboundary);
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ one session */

typedef PetscErrorCode (*ShapeBuilder)(const void *ctx, PetscInt *ncaps, ExpectedCap caps[], PetscReal *scale);

/* Build the shape, group it, mesh it and read the mesh back, inside one Gmsh session. */
static PetscErrorCode MeshInSession(const char fn[], ShapeBuilder build, const void *ctx, PetscReal h, TwinfeMesh *mesh)
{
  ExpectedCap caps[8];
  PetscInt    ncaps = 0;
  PetscReal   scale = 0;
  int         volume;

  PetscFunctionBeginUser;
  PetscCall(SetVesselOptions(h));
  PetscCall(build(ctx, &ncaps, caps, &scale));
  GMSH_CALL(gmshModelOccSynchronize(&gmsh_ierr));
  PetscCall(TheVolume(fn, &volume));
  PetscCall(AddGroups(fn, volume, ncaps, caps, scale));
  PetscCall(Generate(fn));
  PetscCall(TwinfeGmshExtract_Private(fn, mesh));
  PetscFunctionReturn(0);
}

static PetscErrorCode MeshVessel(const char fn[], ShapeBuilder build, const void *ctx, PetscReal h, TwinfeMesh *mesh)
{
  PetscBool      verbose = PETSC_FALSE;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-mesh_verbose", &verbose, NULL));
  PetscCall(TwinfeGmshBegin_Private(verbose));
  ierr = MeshInSession(fn, build, ctx, h, mesh);
  PetscCall(TwinfeGmshEnd_Private());
  if (!ierr) ierr = OrientFacetsOutward(fn, *mesh);
  if (ierr) PetscCall(TwinfeMeshDestroy(mesh));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ the tube */

typedef struct {
  PetscReal radius, length;
} TubeShape;

static PetscErrorCode BuildTube(const void *ctx, PetscInt *ncaps, ExpectedCap caps[], PetscReal *scale)
{
  const TubeShape *t = (const TubeShape *)ctx;

  PetscFunctionBeginUser;
  GMSH_CALL(gmshModelOccAddCylinder(0, 0, 0, 0, 0, (double)t->length, (double)t->radius, -1, 2 * PETSC_PI, &gmsh_ierr));
  caps[0] = (ExpectedCap){{0, 0, 0}, t->radius, "the inlet"};
  caps[1] = (ExpectedCap){{0, 0, t->length}, t->radius, "the outlet"};
  *ncaps  = 2;
  *scale  = PetscMax(t->radius, t->length);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshCreateTube(PetscReal radius, PetscReal length, PetscReal h, TwinfeMesh *mesh)
{
  const char *fn = "TwinfeMeshCreateTube";
  TubeShape   tube;

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  *mesh = NULL;
  PetscCall(CheckLength(fn, "radius", radius));
  PetscCall(CheckLength(fn, "length", length));
  PetscCall(CheckLength(fn, "h", h));
  PetscCheck(h <= radius, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: h = %g mm is larger than the radius %g mm: give h <= radius (a few tets across the lumen at least)", fn,
             (double)h, (double)radius);
  tube = (TubeShape){radius, length};
  PetscCall(MeshVessel(fn, BuildTube, &tube, h, mesh));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ the bifurcation */

PetscErrorCode TwinfeBifurcationSpecDefault(TwinfeBifurcationSpec *spec)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(spec);
  /* common carotid ~6 mm across narrowing to half its diameter (a 50% stenosis by NASCET's
     measure), internal and external carotids 4.4 and 3.6 mm across */
  spec->parent_radius         = 3.0;
  spec->parent_length         = 30.0;
  spec->stenosis_fraction     = 0.5;
  spec->stenosis_length       = 8.0;
  spec->stenosis_center       = 15.0;
  spec->daughter_radius[0]    = 2.2;
  spec->daughter_radius[1]    = 1.8;
  spec->daughter_length[0]    = 25.0;
  spec->daughter_length[1]    = 20.0;
  spec->daughter_angle_deg[0] = 25.0;
  spec->daughter_angle_deg[1] = 25.0;
  /* sharp: Gmsh 4.8 meshes OpenCASCADE's rounded fork with slivers (radius 0.5 mm at h 0.6:
     12 tets below radius ratio 0.1, the least 0.002, which TwinfeMeshImprove cannot reach) */
  spec->fillet_radius = 0;
  spec->mesh_size     = 0.6;
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckSpec(const char fn[], const TwinfeBifurcationSpec *s)
{
  PetscReal throat;

  PetscFunctionBeginUser;
  PetscCall(CheckLength(fn, "spec->parent_radius", s->parent_radius));
  PetscCall(CheckLength(fn, "spec->parent_length", s->parent_length));
  PetscCall(CheckRange(fn, "spec->stenosis_fraction", s->stenosis_fraction, 0, 0.9, "",
                       "the radius lost at the throat over parent_radius; 0: no stenosis"));
  PetscCall(CheckLength(fn, "spec->stenosis_length", s->stenosis_length));
  PetscCall(CheckRange(fn, "spec->stenosis_center", s->stenosis_center, 0.5 * s->stenosis_length,
                       s->parent_length - s->parent_radius - 0.5 * s->stenosis_length, "mm",
                       "the stenosis must lie between the inlet and parent_radius before the branch point"));
  for (int i = 0; i < 2; i++) {
    char what[64];
    PetscCall(PetscSNPrintf(what, sizeof what, "spec->daughter_radius[%d]", i));
    PetscCall(CheckLength(fn, what, s->daughter_radius[i]));
    PetscCall(CheckRange(fn, what, s->daughter_radius[i], 0, s->parent_radius, "mm", "at most parent_radius"));
    PetscCall(PetscSNPrintf(what, sizeof what, "spec->daughter_length[%d]", i));
    PetscCall(CheckRange(fn, what, s->daughter_length[i], 2 * s->parent_radius, 1e6, "mm",
                         "at least twice parent_radius, so that the outlet lies clear of the fork"));
    PetscCall(PetscSNPrintf(what, sizeof what, "spec->daughter_angle_deg[%d]", i));
    PetscCall(CheckRange(fn, what, s->daughter_angle_deg[i], 1e-3, 60, "degrees", "the daughter's angle from the parent's axis"));
  }
  throat = s->parent_radius * (1 - s->stenosis_fraction);
  PetscCall(CheckRange(fn, "spec->fillet_radius", s->fillet_radius, 0,
                       0.5 * PetscMin(s->daughter_radius[0], s->daughter_radius[1]), "mm",
                       "0 for a sharp fork, at most half the narrower daughter's radius"));
  PetscCall(CheckLength(fn, "spec->mesh_size", s->mesh_size));
  PetscCall(CheckRange(fn, "spec->mesh_size", s->mesh_size, 0,
                       PetscMin(throat, PetscMin(s->daughter_radius[0], s->daughter_radius[1])), "mm",
                       "at most the narrowest radius: the stenosis throat's or a daughter's"));
  PetscFunctionReturn(0);
}

/* The parent's radius at z: R0 outside the stenosis, the cosine bump inside it. */
static PetscReal ParentRadius(const TwinfeBifurcationSpec *s, PetscReal z)
{
  const PetscReal u = (z - s->stenosis_center) / s->stenosis_length;
  if (PetscAbsReal(u) >= 0.5) return s->parent_radius;
  return s->parent_radius * (1 - s->stenosis_fraction * 0.5 * (1 + PetscCosReal(2 * PETSC_PI * u)));
}

/* Samples of the stenosis profile on its spline: enough that the interpolating spline
   follows the cosine to ~1e-5 R0 (the error falls as the fourth power of the spacing). */
#define STENOSIS_SAMPLES 41

/* The profile in the x-z plane (half-plane x >= 0), revolved about the z axis: the inlet
   radius, the wall with its stenosis, a quarter circle of radius R0 about J (the half ball
   that closes the parent, inside which the daughters start), and the axis. */
static PetscErrorCode AddParent(const TwinfeBifurcationSpec *s, int *volume)
{
  const double R0 = (double)s->parent_radius, L0 = (double)s->parent_length;
  int          curves[STENOSIS_SAMPLES + 8], nc  = 0, axis0, rim0, rim1, center, apex, loop, surface, st[2];
  int         *out  = NULL;
  size_t       nout = 0;

  PetscFunctionBeginUser;
  GMSH_CALL(axis0 = gmshModelOccAddPoint(0, 0, 0, 0, -1, &gmsh_ierr));
  GMSH_CALL(rim0 = gmshModelOccAddPoint(R0, 0, 0, 0, -1, &gmsh_ierr));
  GMSH_CALL(rim1 = gmshModelOccAddPoint(R0, 0, L0, 0, -1, &gmsh_ierr));
  GMSH_CALL(center = gmshModelOccAddPoint(0, 0, L0, 0, -1, &gmsh_ierr));
  GMSH_CALL(apex = gmshModelOccAddPoint(0, 0, L0 + R0, 0, -1, &gmsh_ierr));
  GMSH_CALL(curves[nc++] = gmshModelOccAddLine(axis0, rim0, -1, &gmsh_ierr));
  if (s->stenosis_fraction > 0) {
    int pts[STENOSIS_SAMPLES];
    for (int j = 0; j < STENOSIS_SAMPLES; j++) {
      const PetscReal z = s->stenosis_center + s->stenosis_length * ((PetscReal)j / (STENOSIS_SAMPLES - 1) - 0.5);
      GMSH_CALL(pts[j] = gmshModelOccAddPoint((double)ParentRadius(s, z), 0, (double)z, 0, -1, &gmsh_ierr));
    }
    GMSH_CALL(curves[nc++] = gmshModelOccAddLine(rim0, pts[0], -1, &gmsh_ierr));
    GMSH_CALL(curves[nc++] = gmshModelOccAddSpline(pts, STENOSIS_SAMPLES, -1, &gmsh_ierr));
    GMSH_CALL(curves[nc++] = gmshModelOccAddLine(pts[STENOSIS_SAMPLES - 1], rim1, -1, &gmsh_ierr));
  } else
    GMSH_CALL(curves[nc++] = gmshModelOccAddLine(rim0, rim1, -1, &gmsh_ierr));
  GMSH_CALL(curves[nc++] = gmshModelOccAddCircleArc(rim1, center, apex, -1, &gmsh_ierr));
  GMSH_CALL(curves[nc++] = gmshModelOccAddLine(apex, axis0, -1, &gmsh_ierr));
  GMSH_CALL(loop = gmshModelOccAddCurveLoop(curves, (size_t)nc, -1, &gmsh_ierr));
  GMSH_CALL(surface = gmshModelOccAddPlaneSurface(&loop, 1, -1, &gmsh_ierr));
  st[0] = 2, st[1] = surface;
  GMSH_CALL(gmshModelOccRevolve(st, 2, 0, 0, 0, 0, 0, 1, 2 * PETSC_PI, &out, &nout, NULL, 0, NULL, 0, 0, &gmsh_ierr));
  *volume = -1;
  for (size_t i = 0; i < nout / 2; i++)
    if (out[2 * i] == 3) *volume = out[2 * i + 1];
  if (out) gmshFree(out);
  PetscCheck(*volume > 0, PETSC_COMM_SELF, PETSC_ERR_LIB,
             "TwinfeMeshCreateBifurcation: Gmsh made no solid of the parent's profile");
  /* the profile face stays in the model after the revolution: drop it with its curves */
  GMSH_CALL(gmshModelOccRemove(st, 2, 1, &gmsh_ierr));
  PetscFunctionReturn(0);
}

static void DaughterAxis(const TwinfeBifurcationSpec *s, int i, PetscReal d[3])
{
  const PetscReal a = s->daughter_angle_deg[i] * PETSC_PI / 180;
  d[0]              = (i == 0 ? 1 : -1) * PetscSinReal(a);
  d[1]              = 0;
  d[2]              = PetscCosReal(a);
}

/* Whether the two faces beside curve c meet at an angle there (at the curve's middle): the
   creases where the pieces were fused, not the seams of a face or the circles where the
   parent's cylinder, spline and half ball meet tangentially. */
static PetscErrorCode CurveIsCrease(int c, int f0, int f1, PetscBool *crease)
{
  double *lo = NULL, *hi = NULL, *x = NULL, n[2][3];
  size_t  nlo, nhi, nx;
  int     faces[2] = {f0, f1};

  PetscFunctionBeginUser;
  GMSH_CALL(gmshModelGetParametrizationBounds(1, c, &lo, &nlo, &hi, &nhi, &gmsh_ierr));
  {
    double mid = 0.5 * (lo[0] + hi[0]);
    gmshFree(lo);
    gmshFree(hi);
    GMSH_CALL(gmshModelGetValue(1, c, &mid, 1, &x, &nx, &gmsh_ierr));
  }
  for (int k = 0; k < 2; k++) {
    double *uv = NULL, *normal = NULL;
    size_t  nuv, nn;
    GMSH_CALL(gmshModelGetParametrization(2, faces[k], x, 3, &uv, &nuv, &gmsh_ierr));
    GMSH_CALL(gmshModelGetNormal(faces[k], uv, nuv, &normal, &nn, &gmsh_ierr));
    for (int d = 0; d < 3; d++)
      n[k][d] = normal[d];
    gmshFree(uv);
    gmshFree(normal);
  }
  gmshFree(x);
  /* 10 degrees: the spline's ends meet the cylinder within a fraction of a degree */
  *crease = PetscAbsReal(n[0][0] * n[1][0] + n[0][1] * n[1][1] + n[0][2] * n[1][2]) < PetscCosReal(10 * PETSC_PI / 180)
                ? PETSC_TRUE
                : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* The creases of the fused vessel that touch no cap, rounded with OpenCASCADE's fillet of
   radius spec->fillet_radius: the junction of the daughters with the half ball and with each
   other (the flow divider). */
static PetscErrorCode FilletJunction(const TwinfeBifurcationSpec *s, PetscInt ncaps, const ExpectedCap caps[], PetscReal scale)
{
  int   *ents = NULL, *bnd = NULL, *curves = NULL, vt[2], *out = NULL;
  size_t nents, nbnd, ncurves = 0, nout = 0;
  double radius    = (double)s->fillet_radius;
  int    gmsh_ierr = 0;

  PetscFunctionBeginUser;
  GMSH_CALL(gmshModelOccSynchronize(&gmsh_ierr));
  GMSH_CALL(gmshModelGetEntities(&ents, &nents, 3, &gmsh_ierr));
  vt[0] = 3, vt[1] = nents == 2 ? ents[1] : -1;
  gmshFree(ents);
  if (vt[1] < 0) PetscFunctionReturn(0); /* not one volume: refused with its message later */
  GMSH_CALL(gmshModelGetBoundary(vt, 2, &ents, &nents, 1, 0, 0, &gmsh_ierr));
  GMSH_CALL(gmshModelGetBoundary(ents, nents, &bnd, &nbnd, 0, 0, 0, &gmsh_ierr)); /* each face's curves: each curve twice */
  gmshFree(ents);
  PetscCall(PetscMalloc1(nbnd / 2 + 1, &curves));
  for (size_t i = 0; i < nbnd / 2; i++) {
    int      *up = NULL, *down = NULL, c = abs(bnd[2 * i + 1]), faces[2], nf = 0;
    size_t    nup, ndown;
    PetscBool touches_cap = PETSC_FALSE, crease = PETSC_FALSE, seen = PETSC_FALSE;
    for (size_t j = 0; j < ncurves; j++)
      seen = (PetscBool)(seen || curves[j] == c);
    for (size_t j = 0; j < i; j++)
      seen = (PetscBool)(seen || abs(bnd[2 * j + 1]) == c);
    if (seen) continue;
    GMSH_CALL(gmshModelGetAdjacencies(1, c, &up, &nup, &down, &ndown, &gmsh_ierr));
    for (size_t k = 0; k < nup; k++) {
      PetscInt cap;
      PetscCall(MatchCap(up[k], ncaps, caps, scale, &cap));
      touches_cap = (PetscBool)(touches_cap || cap >= 0);
      if (nf < 2) faces[nf] = up[k];
      nf++;
    }
    if (up) gmshFree(up);
    if (down) gmshFree(down);
    if (touches_cap || nf != 2 || faces[0] == faces[1]) continue;
    PetscCall(CurveIsCrease(c, faces[0], faces[1], &crease));
    if (crease) curves[ncurves++] = c;
  }
  gmshFree(bnd);
  if (ncurves) gmshModelOccFillet(&vt[1], 1, curves, ncurves, &radius, 1, &out, &nout, 1, &gmsh_ierr);
  PetscCall(PetscFree(curves));
  if (out) gmshFree(out);
  if (gmsh_ierr) {
    char message[1024];
    TwinfeGmshLastError_Private(message, sizeof message);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
            "TwinfeMeshCreateBifurcation: Gmsh could not round the fork with spec->fillet_radius = %g mm (%s): give a smaller "
            "radius, or 0 for a sharp fork",
            (double)s->fillet_radius, message);
  }
  PetscCall(PetscInfo(NULL, "rounded %zu creases of the fork with radius %g mm\n", ncurves, (double)s->fillet_radius));
  PetscFunctionReturn(0);
}

static PetscErrorCode BuildBifurcation(const void *ctx, PetscInt *ncaps, ExpectedCap caps[], PetscReal *scale)
{
  const TwinfeBifurcationSpec *s         = (const TwinfeBifurcationSpec *)ctx;
  int                          parent[2] = {3, -1}, daughters[4], *out = NULL, **map = NULL;
  size_t                       nout = 0, *nmap = NULL, nnmap = 0;

  PetscFunctionBeginUser;
  PetscCall(AddParent(s, &parent[1]));
  caps[0] = (ExpectedCap){{0, 0, 0}, s->parent_radius, "the inlet"};
  *scale  = s->parent_length + s->parent_radius;
  for (int i = 0; i < 2; i++) {
    PetscReal d[3], L = s->daughter_length[i];
    DaughterAxis(s, i, d);
    daughters[2 * i] = 3;
    GMSH_CALL(daughters[2 * i + 1] =
                  gmshModelOccAddCylinder(0, 0, (double)s->parent_length, (double)(L * d[0]), 0, (double)(L * d[2]),
                                          (double)s->daughter_radius[i], -1, 2 * PETSC_PI, &gmsh_ierr));
    caps[1 + i] = (ExpectedCap){
        {L * d[0], 0, s->parent_length + L * d[2]}, s->daughter_radius[i], i ? "daughter 2's outlet" : "daughter 1's outlet"};
    *scale = PetscMax(*scale, s->parent_length + L);
  }
  *ncaps = 3;
  GMSH_CALL(gmshModelOccFuse(parent, 2, daughters, 4, &out, &nout, &map, &nmap, &nnmap, -1, 1, 1, &gmsh_ierr));
  if (out) gmshFree(out);
  for (size_t i = 0; i < nnmap; i++)
    gmshFree(map[i]);
  if (map) gmshFree(map);
  if (nmap) gmshFree(nmap);
  if (s->fillet_radius > 0) PetscCall(FilletJunction(s, *ncaps, caps, *scale));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshCreateBifurcation(const TwinfeBifurcationSpec *spec, TwinfeMesh *mesh)
{
  const char *fn = "TwinfeMeshCreateBifurcation";

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(spec);
  TwinfeCheckArgNull_Private(mesh);
  *mesh = NULL;
  PetscCall(CheckSpec(fn, spec));
  PetscCall(MeshVessel(fn, BuildBifurcation, spec, spec->mesh_size, mesh));
  PetscFunctionReturn(0);
}
