/* Synthetic vessels (TwinfeMeshCreateTube, TwinfeMeshCreateBifurcation), their caps
 * (TwinfeMeshGetCaps) and caps in .msh files.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The tube's figures come from its geometry: every wall vertex lies on the circle, so the
 * wall facets are chords and the mesh is inscribed in the cylinder. A facet of largest edge e
 * lies within the sagitta e^2 / (8 R) of the wall, so the volume lost is between 0 and
 * (wall area) e^2 / (8 R) = pi L e^2 / 4, and a cap's area between 0 and (perimeter)
 * e^2 / (8 R) = pi e^2 / 4 short of pi R^2: both O(h^2), about h^2 / (6 R^2) relative. */
#include "twinfe_checks.h"
#include <twinfe/core.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A call that must fail with a message that names text (the argument at fault). */
#define CK_REFUSED_NAMING(call, text)                                                                                            \
  do {                                                                                                                           \
    PetscErrorCode ck_e_;                                                                                                        \
    const char    *ck_t_;                                                                                                        \
    char          *ck_s_ = NULL;                                                                                                 \
    PetscPushErrorHandler(PetscReturnErrorHandler, NULL);                                                                        \
    ck_e_ = (call);                                                                                                              \
    PetscPopErrorHandler();                                                                                                      \
    ck_assert_msg(ck_e_ != 0, "%s succeeded but should have failed", #call);                                                     \
    PetscErrorMessage(ck_e_, &ck_t_, &ck_s_);                                                                                    \
    ck_assert_msg(ck_s_ &&strstr(ck_s_, text), "%s: the message \"%s\" does not name %s", #call, ck_s_ ? ck_s_ : "", text);      \
  } while (0)

/* The tube of the flow tests. */
#define R 5.0
#define L 50.0

/* ------------------------------------------------------------------ helpers */

static PetscReal Dist(const PetscReal a[3], const PetscReal b[3])
{
  return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
}

/* The longest edge among the facets (tag 0: all facets). */
static PetscReal LongestFacetEdge(TwinfeMesh mesh, int32_t tag)
{
  PetscInt         nv, nf;
  const PetscReal *x;
  const PetscInt  *f;
  const int32_t   *tags;
  PetscReal        e = 0;
  TWINFE_CK(TwinfeMeshGetVertices(mesh, &nv, &x));
  TWINFE_CK(TwinfeMeshGetFacets(mesh, &nf, &f, &tags));
  for (PetscInt i = 0; i < nf; i++)
    for (int k = 0; tag == 0 || tags[i] == tag ? k < 3 : 0; k++)
      e = PetscMax(e, Dist(&x[3 * f[3 * i + k]], &x[3 * f[3 * i + (k + 1) % 3]]));
  return e;
}

/* Conforming, with caps: each cap facet is a boundary face of the region it names. */
static void CheckConformingWithCaps(TwinfeMesh mesh)
{
  PetscInt        nf, ncap = 0;
  const PetscInt *facets;
  const int32_t  *tags;
  TWINFE_CK(TwinfeMeshGetFacets(mesh, &nf, &facets, &tags));
  for (PetscInt f = 0; f < nf; f++)
    ncap += TwinfeCapIndex(tags[f]) > 0;
  ck_assert_int_gt(ncap, 0);
  ck_assert_int_eq(twinfe_test_check_conforming(mesh), 0);
}

/* Every tet positive; and the facets point outward: by the divergence theorem the flux of x
   through them, sum (centroid . area vector), is 3 times the volume only if every facet
   points out (one facet turned over changes the sum by twice its term). */
static void CheckOrientation(TwinfeMesh mesh)
{
  PetscInt         nv, nt, nf;
  const PetscReal *x;
  const PetscInt  *tets, *f;
  const int32_t   *regions, *tags;
  PetscReal        volume = 0, flux = 0;
  TWINFE_CK(TwinfeMeshGetVertices(mesh, &nv, &x));
  TWINFE_CK(TwinfeMeshGetTetrahedra(mesh, &nt, &tets, &regions));
  TWINFE_CK(TwinfeMeshGetFacets(mesh, &nf, &f, &tags));
  for (PetscInt t = 0; t < nt; t++) {
    const PetscReal *a = &x[3 * tets[4 * t]], *b = &x[3 * tets[4 * t + 1]], *c = &x[3 * tets[4 * t + 2]],
                    *d   = &x[3 * tets[4 * t + 3]];
    const PetscReal u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]}, v[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]},
                    w[3] = {d[0] - a[0], d[1] - a[1], d[2] - a[2]};
    const PetscReal det =
        u[0] * (v[1] * w[2] - v[2] * w[1]) - u[1] * (v[0] * w[2] - v[2] * w[0]) + u[2] * (v[0] * w[1] - v[1] * w[0]);
    ck_assert_msg(det > 0, "tet %d has det %g", (int)t, det);
    volume += det / 6;
  }
  for (PetscInt i = 0; i < nf; i++) {
    const PetscReal *a = &x[3 * f[3 * i]], *b = &x[3 * f[3 * i + 1]], *c = &x[3 * f[3 * i + 2]];
    const PetscReal  u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]}, v[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]};
    const PetscReal  n[3] = {u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]};
    for (int d = 0; d < 3; d++)
      flux += (a[d] + b[d] + c[d]) / 3 * n[d] / 2;
  }
  /* both sums are of ~1e5 terms of size ~1e2: 1e-10 relative is far above their rounding and
     far below one facet's term (~h^2 R / V ~ 1e-4 relative) */
  ck_assert_msg(fabs(flux / 3 - volume) <= 1e-10 * volume, "flux/3 %.15g != volume %.15g", flux / 3, volume);
}

/* The tube's wall vertices on the circle, cap vertices on their planes, caps measured. */
static void CheckTube(TwinfeMesh mesh, PetscReal h)
{
  PetscInt         nv, nf, ncaps, nr;
  const PetscReal *x;
  const PetscInt  *f;
  const int32_t   *tags, *labels;
  const char      *name;
  TwinfeCapInfo   *caps;
  PetscReal        vol, e = LongestFacetEdge(mesh, 0);

  TWINFE_CK(TwinfeMeshGetRegions(mesh, &nr, &labels));
  ck_assert_int_eq(nr, 1);
  ck_assert_int_eq(labels[0], 1);
  TWINFE_CK(TwinfeMeshGetRegionName(mesh, 1, &name));
  ck_assert_str_eq(name, "lumen");
  /* Gmsh keeps to the size asked: edges up to ~1.5 h; 2 h would be another mesh size */
  ck_assert_msg(e <= 2 * h && e >= 0.5 * h, "longest boundary edge %g for h %g", e, h);
  TWINFE_CK(TwinfeMeshGetVertices(mesh, &nv, &x));
  TWINFE_CK(TwinfeMeshGetFacets(mesh, &nf, &f, &tags));
  for (PetscInt i = 0; i < nf; i++)
    for (int k = 0; k < 3; k++) {
      const PetscReal *p = &x[3 * f[3 * i + k]];
      if (tags[i] == 1) /* Gmsh places nodes on the OpenCASCADE circle: rounding only */
        ck_assert_msg(fabs(hypot(p[0], p[1]) - R) <= 1e-9, "wall vertex at radius %.15g", hypot(p[0], p[1]));
      else if (tags[i] == TwinfeCapTag(1, 1))
        ck_assert_msg(fabs(p[2]) <= 1e-12, "inlet vertex at z %g", p[2]);
      else if (tags[i] == TwinfeCapTag(1, 2))
        ck_assert_msg(fabs(p[2] - L) <= 1e-12 * L, "outlet vertex at z %g", p[2]);
      else
        ck_abort_msg("facet tag %d is neither the wall nor a cap", (int)tags[i]);
    }
  /* inscribed: between the exact volume and pi L e^2 / 4 below it (see the top) */
  TWINFE_CK(TwinfeMeshComputeRegionVolumes(mesh, &vol));
  ck_assert_msg(vol < PETSC_PI * R * R * L && vol >= PETSC_PI * R * R * L - PETSC_PI * L * e * e / 4,
                "volume %g, pi R^2 L %g, e %g", vol, PETSC_PI * R * R * L, e);
  TWINFE_CK(TwinfeMeshGetCaps(mesh, &ncaps, &caps));
  ck_assert_int_eq(ncaps, 2);
  for (int k = 0; k < 2; k++) {
    const TwinfeCapInfo *c = &caps[k];
    ck_assert_int_eq(c->tag, TwinfeCapTag(1, k + 1));
    ck_assert_int_eq(c->label, 1);
    ck_assert_int_eq(c->cap, k + 1);
    ck_assert_int_gt(c->nfacets, 0);
    ck_assert_msg(c->area < PETSC_PI * R * R && c->area >= PETSC_PI * R * R - PETSC_PI * e * e / 4, "cap %d area %g", k + 1,
                  c->area);
    ck_assert_double_eq_tol(c->radius, sqrt(c->area / PETSC_PI), 1e-14 * R);
    /* an exactly flat cap: normal and plane to rounding */
    ck_assert_double_eq_tol(c->normal[0], 0, 1e-12);
    ck_assert_double_eq_tol(c->normal[1], 0, 1e-12);
    ck_assert_double_eq_tol(c->normal[2], (k ? 1.0 : -1.0), 1e-12);
    ck_assert_double_eq_tol(c->center[2], (k ? L : 0.0), 1e-12 * L);
    /* the centre of an inscribed polygon of uneven sides moves off the axis by O(e^2 / R) */
    ck_assert_msg(hypot(c->center[0], c->center[1]) <= e * e / R, "cap %d centre off the axis by %g", k + 1,
                  hypot(c->center[0], c->center[1]));
    ck_assert_msg(c->flatness <= 1e-12 * (R + L), "cap %d flatness %g", k + 1, c->flatness);
  }
  TWINFE_CK(PetscFree(caps));
  CheckConformingWithCaps(mesh);
  CheckOrientation(mesh);
}

/* ------------------------------------------------------------------ the tube */

START_TEST(tube_geometry_caps_and_orientation)
{
  TwinfeMesh mesh;
  TWINFE_CK(TwinfeMeshCreateTube(R, L, 1.0, &mesh));
  CheckTube(mesh, 1.0);
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

/* The volume lost to the chords falls as h^2: halving h divides it by about 4. */
START_TEST(tube_volume_error_is_second_order)
{
  PetscReal lost[2];
  for (int i = 0; i < 2; i++) {
    TwinfeMesh      mesh;
    const PetscReal h = i ? 1.25 : 2.5;
    TWINFE_CK(TwinfeMeshCreateTube(R, L, h, &mesh));
    CheckTube(mesh, h);
    TWINFE_CK(TwinfeMeshComputeRegionVolumes(mesh, &lost[i]));
    lost[i] = PETSC_PI * R * R * L - lost[i];
    TWINFE_CK(TwinfeMeshDestroy(&mesh));
  }
  /* 4 for exact h^2; Gmsh's edge lengths vary by +-20% from mesh to mesh (measured 3.9) */
  ck_assert_msg(lost[0] / lost[1] > 2.8 && lost[0] / lost[1] < 5.7, "volume lost %g at h 2.5, %g at h 1.25: ratio %g", lost[0],
                lost[1], lost[0] / lost[1]);
}
END_TEST

/* Two meshes of the same arguments, compared entry by entry. */
static void CheckSameMesh(TwinfeMesh a, TwinfeMesh b)
{
  PetscInt         nv[2], nt[2], nf[2];
  const PetscReal *x[2];
  const PetscInt  *t[2], *f[2];
  const int32_t   *r[2], *g[2];
  TwinfeMesh       m[2] = {a, b};
  for (int i = 0; i < 2; i++) {
    TWINFE_CK(TwinfeMeshGetVertices(m[i], &nv[i], &x[i]));
    TWINFE_CK(TwinfeMeshGetTetrahedra(m[i], &nt[i], &t[i], &r[i]));
    TWINFE_CK(TwinfeMeshGetFacets(m[i], &nf[i], &f[i], &g[i]));
  }
  ck_assert_int_eq(nv[0], nv[1]);
  ck_assert_int_eq(nt[0], nt[1]);
  ck_assert_int_eq(nf[0], nf[1]);
  ck_assert_msg(!memcmp(x[0], x[1], sizeof(PetscReal) * 3 * nv[0]), "coordinates differ between two runs");
  ck_assert_msg(!memcmp(t[0], t[1], sizeof(PetscInt) * 4 * nt[0]), "tets differ between two runs");
  ck_assert_msg(!memcmp(r[0], r[1], sizeof(int32_t) * nt[0]), "regions differ between two runs");
  ck_assert_msg(!memcmp(f[0], f[1], sizeof(PetscInt) * 3 * nf[0]), "facets differ between two runs");
  ck_assert_msg(!memcmp(g[0], g[1], sizeof(int32_t) * nf[0]), "facet tags differ between two runs");
}

START_TEST(tube_same_mesh_every_run)
{
  TwinfeMesh a, b;
  TWINFE_CK(TwinfeMeshCreateTube(R, L, 1.5, &a));
  TWINFE_CK(TwinfeMeshCreateTube(R, L, 1.5, &b));
  CheckSameMesh(a, b);
  TWINFE_CK(TwinfeMeshDestroy(&a));
  TWINFE_CK(TwinfeMeshDestroy(&b));
}
END_TEST

START_TEST(tube_bad_arguments_refused)
{
  const PetscReal bad[] = {0, -1, NAN, INFINITY};
  TwinfeMesh      mesh  = (TwinfeMesh)&mesh; /* not NULL: a refusal must leave NULL */
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CK_REFUSED_NAMING(TwinfeMeshCreateTube(bad[i], L, 1, &mesh), "radius =");
    ck_assert_ptr_null(mesh);
    CK_REFUSED_NAMING(TwinfeMeshCreateTube(R, bad[i], 1, &mesh), "length =");
    CK_REFUSED_NAMING(TwinfeMeshCreateTube(R, L, bad[i], &mesh), "h =");
  }
  CK_REFUSED_NAMING(TwinfeMeshCreateTube(R, L, 1.01 * R, &mesh), "h =");
  ck_assert_ptr_null(mesh);
  TWINFE_CK_FAILS(TwinfeMeshCreateTube(R, L, 1, NULL));
}
END_TEST

/* ------------------------------------------------------------------ the bifurcation */

/* Distance of p from the nearest of the shapes the vessel is made of: the parent's surface of
   revolution r(z), the half ball about J, the daughters' cylinders (or a cap's plane). */
static PetscReal DistanceFromShapes(const TwinfeBifurcationSpec *s, const PetscReal p[3])
{
  const PetscReal R0 = s->parent_radius, J[3] = {0, 0, s->parent_length};
  PetscReal       best = fabs(Dist(p, J) - R0) + (p[2] < J[2] ? 1e9 : 0); /* the half ball */
  if (p[2] <= J[2] + 1e-9) {
    const PetscReal u = (p[2] - s->stenosis_center) / s->stenosis_length;
    const PetscReal r = fabs(u) < 0.5 ? R0 * (1 - s->stenosis_fraction * 0.5 * (1 + cos(2 * PETSC_PI * u))) : R0;
    best              = PetscMin(best, fabs(hypot(p[0], p[1]) - r));
  }
  for (int i = 0; i < 2; i++) {
    const PetscReal a = s->daughter_angle_deg[i] * PETSC_PI / 180, d[3] = {(i ? -1 : 1) * sin(a), 0, cos(a)};
    const PetscReal q[3] = {p[0] - J[0], p[1] - J[1], p[2] - J[2]}, t = q[0] * d[0] + q[1] * d[1] + q[2] * d[2];
    const PetscReal radial[3] = {q[0] - t * d[0], q[1] - t * d[1], q[2] - t * d[2]}, zero[3] = {0, 0, 0};
    if (t >= -1e-9 && t <= s->daughter_length[i] + 1e-9) /* the outlet's rim: t is L to rounding */
      best = PetscMin(best, fabs(Dist(radial, zero) - s->daughter_radius[i]));
  }
  return best;
}

/* The stenosis's spline follows the cosine to ~1e-5 R0 (41 samples); everything else is exact. */
static void CheckBifurcation(const TwinfeBifurcationSpec *s, TwinfeMesh mesh)
{
  PetscInt         nv, nf, ncaps, ncomp;
  const PetscReal *x;
  const PetscInt  *f;
  const int32_t   *tags;
  TwinfeCapInfo   *caps;
  PetscReal        vol, worst = 0, e = LongestFacetEdge(mesh, 0), vparent = 0, lower, upper;
  const PetscReal  R0 = s->parent_radius, n = 2000;

  TWINFE_CK(TwinfeMeshGetVertices(mesh, &nv, &x));
  TWINFE_CK(TwinfeMeshGetFacets(mesh, &nf, &f, &tags));
  for (PetscInt i = 0; i < nf; i++)
    for (int k = 0; k < 3 && tags[i] == 1; k++)
      worst = PetscMax(worst, DistanceFromShapes(s, &x[3 * f[3 * i + k]]));
  /* a fillet's surface lies within its radius of the creases it rounds */
  ck_assert_msg(worst <= PetscMax(1e-4 * R0, s->fillet_radius), "a wall vertex lies %g mm from every piece of the vessel", worst);
  TWINFE_CK(TwinfeMeshGetCaps(mesh, &ncaps, &caps));
  ck_assert_int_eq(ncaps, 3);
  for (int k = 0; k < 3; k++) {
    const PetscReal a = k ? s->daughter_angle_deg[k - 1] * PETSC_PI / 180 : 0, sign = k == 2 ? -1 : 1;
    const PetscReal normal[3] = {k ? sign * sin(a) : 0, 0, k ? cos(a) : -1};
    const PetscReal len = k ? s->daughter_length[k - 1] : 0, rad = k ? s->daughter_radius[k - 1] : R0;
    const PetscReal center[3] = {len * normal[0], 0, k ? s->parent_length + len * normal[2] : 0};
    ck_assert_int_eq(caps[k].tag, TwinfeCapTag(1, k + 1));
    ck_assert_msg(caps[k].area < PETSC_PI * rad * rad && caps[k].area >= PETSC_PI * rad * rad - PETSC_PI * e * e / 4,
                  "cap %d area %g for radius %g", k + 1, caps[k].area, rad);
    for (int d = 0; d < 3; d++)
      ck_assert_msg(fabs(caps[k].normal[d] - normal[d]) <= 1e-12, "cap %d normal[%d] %.15g, expected %.15g", k + 1, d,
                    caps[k].normal[d], normal[d]);
    ck_assert_msg(Dist(caps[k].center, center) <= e * e / rad, "cap %d centre %g from where it should be", k + 1,
                  Dist(caps[k].center, center));
    ck_assert_msg(caps[k].flatness <= 1e-12 * (s->parent_length + len), "cap %d flatness %g", k + 1, caps[k].flatness);
  }
  TWINFE_CK(PetscFree(caps));
  TWINFE_CK(TwinfeMeshGetComponents(mesh, &ncomp, NULL, NULL));
  ck_assert_int_eq(ncomp, 1);
  /* the union lies between the parent with its half ball plus the longer daughter's part
     beyond the ball, and the sum of all pieces */
  for (PetscInt i = 0; i < (PetscInt)n; i++) {
    const PetscReal z = (i + 0.5) / n * s->parent_length, u = (z - s->stenosis_center) / s->stenosis_length;
    const PetscReal r = fabs(u) < 0.5 ? R0 * (1 - s->stenosis_fraction * 0.5 * (1 + cos(2 * PETSC_PI * u))) : R0;
    vparent += PETSC_PI * r * r * s->parent_length / n;
  }
  vparent += 2.0 / 3 * PETSC_PI * R0 * R0 * R0;
  lower = vparent;
  upper = vparent;
  for (int i = 0; i < 2; i++) {
    const PetscReal disk = PETSC_PI * s->daughter_radius[i] * s->daughter_radius[i];
    lower                = PetscMax(lower, vparent + disk * (s->daughter_length[i] - R0));
    upper += disk * s->daughter_length[i];
  }
  TWINFE_CK(TwinfeMeshComputeRegionVolumes(mesh, &vol));
  ck_assert_msg(vol > lower && vol < upper, "volume %g not in [%g, %g]", vol, lower, upper);
  CheckConformingWithCaps(mesh);
  CheckOrientation(mesh);
}

START_TEST(bifurcation_default_shape)
{
  TwinfeBifurcationSpec s;
  TwinfeMesh            mesh, again;
  const char           *name;
  TWINFE_CK(TwinfeBifurcationSpecDefault(&s));
  s.mesh_size = 1.0; /* the default 0.6 takes 4x longer and checks nothing more */
  TWINFE_CK(TwinfeMeshCreateBifurcation(&s, &mesh));
  TWINFE_CK(TwinfeMeshGetRegionName(mesh, 1, &name));
  ck_assert_str_eq(name, "lumen");
  CheckBifurcation(&s, mesh);
  /* the sharp fork meshes well: least radius ratio 0.26-0.30 measured at h 0.4 to 1 */
  ck_assert_int_eq(twinfe_test_count_poor_tets(mesh), 0);
  TWINFE_CK(TwinfeMeshCreateBifurcation(&s, &again));
  CheckSameMesh(mesh, again);
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  TWINFE_CK(TwinfeMeshDestroy(&again));
}
END_TEST

/* The fork rounded: the same caps, one part, and the fillets add volume in the creases (a
   fillet of radius r over a crease of length l adds at most ~r^2 l; here < 1%). */
START_TEST(bifurcation_rounded_fork)
{
  TwinfeBifurcationSpec s;
  TwinfeMesh            sharp, round;
  PetscReal             v[2];
  TWINFE_CK(TwinfeBifurcationSpecDefault(&s));
  s.mesh_size = 1.0;
  TWINFE_CK(TwinfeMeshCreateBifurcation(&s, &sharp));
  s.fillet_radius = 0.5;
  TWINFE_CK(TwinfeMeshCreateBifurcation(&s, &round));
  CheckBifurcation(&s, round);
  TWINFE_CK(TwinfeMeshComputeRegionVolumes(sharp, &v[0]));
  TWINFE_CK(TwinfeMeshComputeRegionVolumes(round, &v[1]));
  ck_assert_msg(v[1] > v[0] && v[1] < 1.01 * v[0], "volume %g sharp, %g rounded", v[0], v[1]);
  TWINFE_CK(TwinfeMeshDestroy(&sharp));
  TWINFE_CK(TwinfeMeshDestroy(&round));
}
END_TEST

/* Another shape: no stenosis, unequal angles, daughters as wide as the parent. */
START_TEST(bifurcation_other_shape)
{
  TwinfeBifurcationSpec s;
  TwinfeMesh            mesh;
  TWINFE_CK(TwinfeBifurcationSpecDefault(&s));
  s.stenosis_fraction     = 0;
  s.daughter_radius[0]    = s.parent_radius;
  s.daughter_angle_deg[0] = 10;
  s.daughter_angle_deg[1] = 45;
  s.mesh_size             = 1.2;
  TWINFE_CK(TwinfeMeshCreateBifurcation(&s, &mesh));
  CheckBifurcation(&s, mesh);
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

START_TEST(bifurcation_bad_spec_refused)
{
  TwinfeBifurcationSpec good, s;
  TwinfeMesh            mesh     = (TwinfeMesh)&mesh;
  PetscReal            *fields[] = {&s.parent_radius,      &s.parent_length,         &s.stenosis_fraction,     &s.stenosis_length,
                                    &s.stenosis_center,    &s.daughter_radius[0],    &s.daughter_radius[1],    &s.daughter_length[0],
                                    &s.daughter_length[1], &s.daughter_angle_deg[0], &s.daughter_angle_deg[1], &s.fillet_radius,
                                    &s.mesh_size};
  const char           *names[]  = {
                 "spec->parent_radius",      "spec->parent_length",         "spec->stenosis_fraction",     "spec->stenosis_length",
                 "spec->stenosis_center",    "spec->daughter_radius[0]",    "spec->daughter_radius[1]",    "spec->daughter_length[0]",
                 "spec->daughter_length[1]", "spec->daughter_angle_deg[0]", "spec->daughter_angle_deg[1]", "spec->fillet_radius",
                 "spec->mesh_size"};
  const PetscReal bad[] = {-1, NAN, INFINITY, 1e5};
  TWINFE_CK(TwinfeBifurcationSpecDefault(&good));
  /* every field refuses every bad value (1e5 is too large for each: a radius beyond the
     parent's, a stenosis beyond the parent, an angle beyond 60; too long a parent_length moves
     nothing out of range, so it gets only the other three) */
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
      s          = good;
      *fields[i] = bad[b];
      if (fields[i] == &s.parent_length && b == 3) continue;
      if ((fields[i] == &s.daughter_length[0] || fields[i] == &s.daughter_length[1]) && b == 3) continue;
      /* -1, NaN, inf fail the field's own check; 1e5 may fail another's (a huge parent_radius
         makes every daughter_length too short) */
      if (b < 3)
        CK_REFUSED_NAMING(TwinfeMeshCreateBifurcation(&s, &mesh), names[i]);
      else
        TWINFE_CK_FAILS(TwinfeMeshCreateBifurcation(&s, &mesh));
      ck_assert_ptr_null(mesh);
    }
  /* zero: refused by every length; a stenosis fraction or fillet radius of 0 is allowed (none) */
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    s          = good;
    *fields[i] = 0;
    if (fields[i] != &s.stenosis_fraction && fields[i] != &s.fillet_radius)
      TWINFE_CK_FAILS(TwinfeMeshCreateBifurcation(&s, &mesh));
  }
  /* values out of range against other fields */
  s           = good;
  s.mesh_size = 1.6; /* above the throat radius 1.5 */
  CK_REFUSED_NAMING(TwinfeMeshCreateBifurcation(&s, &mesh), "spec->mesh_size");
  s                 = good;
  s.stenosis_center = 27; /* the bump would reach the fork */
  CK_REFUSED_NAMING(TwinfeMeshCreateBifurcation(&s, &mesh), "spec->stenosis_center");
  s                    = good;
  s.daughter_length[1] = 5; /* shorter than 2 R0 */
  CK_REFUSED_NAMING(TwinfeMeshCreateBifurcation(&s, &mesh), "spec->daughter_length[1]");
  s                   = good;
  s.stenosis_fraction = 0.95;
  CK_REFUSED_NAMING(TwinfeMeshCreateBifurcation(&s, &mesh), "spec->stenosis_fraction");
  /* daughters 2 degrees apart overlap: daughter 1 cuts daughter 2's (shorter) outlet */
  s                       = good;
  s.daughter_angle_deg[0] = 1;
  s.daughter_angle_deg[1] = 1;
  CK_REFUSED_NAMING(TwinfeMeshCreateBifurcation(&s, &mesh), "daughter 2's outlet");
  ck_assert_ptr_null(mesh);
  TWINFE_CK_FAILS(TwinfeMeshCreateBifurcation(NULL, &mesh));
  TWINFE_CK_FAILS(TwinfeMeshCreateBifurcation(&good, NULL));
  TWINFE_CK_FAILS(TwinfeBifurcationSpecDefault(NULL));
}
END_TEST

/* ------------------------------------------------------------------ TwinfeMeshGetCaps */

/* The unit box with its z = 1 face tagged as cap 1 of region 1 and, if two, its x = 1 face too. */
static void BoxWithCap(PetscBool two_faces, TwinfeMesh *mesh)
{
  const PetscInt   n[3]  = {3, 4, 5};
  const PetscReal  lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1};
  TwinfeMesh       box;
  PetscInt         nv, nt, nf;
  const PetscReal *x;
  const PetscInt  *tets, *facets;
  const int32_t   *regions, *tags;
  int32_t         *retag;
  TWINFE_CK(TwinfeMeshCreateBox(n, lo, hi, &box));
  TWINFE_CK(TwinfeMeshGetVertices(box, &nv, &x));
  TWINFE_CK(TwinfeMeshGetTetrahedra(box, &nt, &tets, &regions));
  TWINFE_CK(TwinfeMeshGetFacets(box, &nf, &facets, &tags));
  retag = malloc(sizeof(int32_t) * nf);
  for (PetscInt f = 0; f < nf; f++)
    retag[f] = tags[f] == 6 || (two_faces && tags[f] == 2) ? (int32_t)TwinfeCapTag(1, 1) : 1;
  TWINFE_CK(TwinfeMeshCreate(nv, x, nt, tets, regions, nf, facets, retag, mesh));
  free(retag);
  TWINFE_CK(TwinfeMeshDestroy(&box));
}

START_TEST(caps_measured_exactly)
{
  TwinfeMesh     box, mesh;
  PetscInt       ncaps = -1;
  TwinfeCapInfo *caps  = (TwinfeCapInfo *)&ncaps;
  /* a box has no caps */
  {
    const PetscInt  n[3]  = {2, 2, 2};
    const PetscReal lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1};
    TWINFE_CK(TwinfeMeshCreateBox(n, lo, hi, &box));
    TWINFE_CK(TwinfeMeshGetCaps(box, &ncaps, &caps));
    ck_assert_int_eq(ncaps, 0);
    ck_assert_ptr_null(caps);
    TWINFE_CK(TwinfeMeshDestroy(&box));
  }
  /* the z = 1 face: area 1, centre (1/2, 1/2, 1), normal +z, flat, 2 * 3 * 4 facets */
  BoxWithCap(PETSC_FALSE, &mesh);
  TWINFE_CK(TwinfeMeshGetCaps(mesh, &ncaps, &caps));
  ck_assert_int_eq(ncaps, 1);
  ck_assert_int_eq(caps[0].tag, TwinfeCapTag(1, 1));
  ck_assert_int_eq(caps[0].label, 1);
  ck_assert_int_eq(caps[0].cap, 1);
  ck_assert_int_eq(caps[0].nfacets, 24);
  ck_assert_double_eq_tol(caps[0].area, 1, 1e-14);
  ck_assert_double_eq_tol(caps[0].center[0], 0.5, 1e-14);
  ck_assert_double_eq_tol(caps[0].center[1], 0.5, 1e-14);
  ck_assert_double_eq_tol(caps[0].center[2], 1, 1e-14);
  ck_assert_double_eq_tol(caps[0].normal[0], 0, 1e-14);
  ck_assert_double_eq_tol(caps[0].normal[1], 0, 1e-14);
  ck_assert_double_eq_tol(caps[0].normal[2], 1, 1e-14);
  ck_assert_double_eq_tol(caps[0].radius, 1 / sqrt(PETSC_PI), 1e-14);
  ck_assert_double_eq_tol(caps[0].flatness, 0, 1e-14);
  TWINFE_CK(PetscFree(caps));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  /* z = 1 and x = 1 together: area 2, centre (3/4, 1/2, 3/4), normal (1, 0, 1)/sqrt 2, and the
     plane through the centre misses the corners by 1 / (2 sqrt 2) */
  BoxWithCap(PETSC_TRUE, &mesh);
  TWINFE_CK(TwinfeMeshGetCaps(mesh, &ncaps, &caps));
  ck_assert_int_eq(ncaps, 1);
  ck_assert_int_eq(caps[0].nfacets, 24 + 40);
  ck_assert_double_eq_tol(caps[0].area, 2, 1e-14);
  ck_assert_double_eq_tol(caps[0].center[0], 0.75, 1e-14);
  ck_assert_double_eq_tol(caps[0].center[1], 0.5, 1e-14);
  ck_assert_double_eq_tol(caps[0].center[2], 0.75, 1e-14);
  ck_assert_double_eq_tol(caps[0].normal[0], 1 / sqrt(2), 1e-14);
  ck_assert_double_eq_tol(caps[0].normal[2], 1 / sqrt(2), 1e-14);
  ck_assert_double_eq_tol(caps[0].flatness, 0.5 / sqrt(2), 1e-14);
  TWINFE_CK(PetscFree(caps));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

/* ------------------------------------------------------------------ .msh */

/* Whether the file holds text (physical names are text in binary .msh files too). */
static PetscBool FileHolds(const char path[], const char text[])
{
  FILE     *fp = fopen(path, "rb");
  char     *buf;
  long      size;
  PetscBool found = PETSC_FALSE;
  ck_assert_ptr_nonnull(fp);
  fseek(fp, 0, SEEK_END);
  size = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  buf = malloc((size_t)size + 1);
  ck_assert_int_eq(fread(buf, 1, (size_t)size, fp), size);
  fclose(fp);
  for (long i = 0; i + (long)strlen(text) <= size && !found; i++)
    found = memcmp(buf + i, text, strlen(text)) ? PETSC_FALSE : PETSC_TRUE;
  free(buf);
  return found;
}

START_TEST(msh_round_trip_keeps_caps)
{
  TwinfeMesh mesh, back;
  char       path[PETSC_MAX_PATH_LEN];
  TWINFE_CK(TwinfeMeshCreateTube(R, L, 2.0, &mesh));
  for (int binary = 0; binary < 2; binary++) {
    PetscInt        nf[2], nc[2];
    const PetscInt *f[2];
    const int32_t  *g[2];
    const char     *name;
    TwinfeCapInfo  *caps[2];
    TWINFE_CK(PetscOptionsSetValue(NULL, "-mesh_msh_binary", binary ? "true" : "false"));
    TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/tube_%d.msh", twinfe_test_work_dir(), binary));
    TWINFE_CK(TwinfeMeshWriteGmsh(mesh, path));
    TWINFE_CK(PetscOptionsClearValue(NULL, "-mesh_msh_binary"));
    ck_assert(FileHolds(path, "\"lumen_cap1\""));
    ck_assert(FileHolds(path, "\"lumen_cap2\""));
    ck_assert(FileHolds(path, "\"lumen_surface\""));
    ck_assert(FileHolds(path, "\"lumen\""));
    TWINFE_CK(TwinfeMeshReadGmsh(path, &back));
    TWINFE_CK(TwinfeMeshGetRegionName(back, 1, &name));
    ck_assert_str_eq(name, "lumen");
    TWINFE_CK(TwinfeMeshGetFacets(mesh, &nf[0], &f[0], &g[0]));
    TWINFE_CK(TwinfeMeshGetFacets(back, &nf[1], &f[1], &g[1]));
    ck_assert_int_eq(nf[0], nf[1]);
    TWINFE_CK(TwinfeMeshGetCaps(mesh, &nc[0], &caps[0]));
    TWINFE_CK(TwinfeMeshGetCaps(back, &nc[1], &caps[1]));
    ck_assert_int_eq(nc[0], 2);
    ck_assert_int_eq(nc[1], 2);
    for (int k = 0; k < 2; k++) {
      ck_assert_int_eq(caps[0][k].tag, caps[1][k].tag);
      ck_assert_int_eq(caps[0][k].nfacets, caps[1][k].nfacets);
      /* coordinates read back bit for bit; only the summation order may differ */
      ck_assert_double_eq_tol(caps[0][k].area, caps[1][k].area, 1e-13 * caps[0][k].area);
      ck_assert_double_eq_tol(caps[0][k].normal[2], caps[1][k].normal[2], 1e-14);
    }
    TWINFE_CK(PetscFree(caps[0]));
    TWINFE_CK(PetscFree(caps[1]));
    CheckConformingWithCaps(back);
    CheckOrientation(back);
    TWINFE_CK(TwinfeMeshDestroy(&back));
  }
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

/* A copy of mesh with the facets for which pick() holds retagged to tag. */
static void Retagged(TwinfeMesh mesh, PetscBool (*pick)(int32_t), int32_t tag, TwinfeMesh *out)
{
  PetscInt         nv, nt, nf, n = 0;
  const PetscReal *x;
  const PetscInt  *tets, *facets;
  const int32_t   *regions, *tags;
  int32_t         *retag;
  TWINFE_CK(TwinfeMeshGetVertices(mesh, &nv, &x));
  TWINFE_CK(TwinfeMeshGetTetrahedra(mesh, &nt, &tets, &regions));
  TWINFE_CK(TwinfeMeshGetFacets(mesh, &nf, &facets, &tags));
  retag = malloc(sizeof(int32_t) * nf);
  for (PetscInt f = 0; f < nf; f++) {
    retag[f] = pick(tags[f]) ? tag : tags[f];
    n += pick(tags[f]);
  }
  ck_assert_int_gt(n, 0);
  TWINFE_CK(TwinfeMeshCreate(nv, x, nt, tets, regions, nf, facets, retag, out));
  free(retag);
}

static PetscBool IsInlet(int32_t tag)
{
  return tag == TwinfeCapTag(1, 1) ? PETSC_TRUE : PETSC_FALSE;
}

static PetscBool IsInterface(int32_t tag)
{
  return tag == 1002 ? PETSC_TRUE : PETSC_FALSE;
}

static PetscBool IsOuterOfRegion1(int32_t tag)
{
  return tag == 1 ? PETSC_TRUE : PETSC_FALSE;
}

/* The reader takes a cap tag only on an outer face of the cap's own region. */
START_TEST(msh_reader_refuses_misplaced_caps)
{
  TwinfeMesh tube, box, bad, back;
  char       path[PETSC_MAX_PATH_LEN];
  TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/misplaced.msh", twinfe_test_work_dir()));
  TWINFE_CK(TwinfeMeshCreateTube(R, L, 2.5, &tube));
  /* the tube's inlet tagged as a cap of region 2 */
  Retagged(tube, IsInlet, (int32_t)TwinfeCapTag(2, 1), &bad);
  TWINFE_CK(TwinfeMeshWriteGmsh(bad, path));
  TWINFE_CK_FAILS(TwinfeMeshReadGmsh(path, &back));
  TWINFE_CK(TwinfeMeshDestroy(&bad));
  /* the box's interface between regions 1 and 2 tagged as a cap of region 1 */
  TWINFE_CK(twinfe_test_box_mesh(2, &box));
  Retagged(box, IsInterface, (int32_t)TwinfeCapTag(1, 1), &bad);
  TWINFE_CK(TwinfeMeshWriteGmsh(bad, path));
  TWINFE_CK_FAILS(TwinfeMeshReadGmsh(path, &back));
  TWINFE_CK(TwinfeMeshDestroy(&bad));
  /* while region 1's outer faces as its cap 3 read back */
  Retagged(box, IsOuterOfRegion1, (int32_t)TwinfeCapTag(1, 3), &bad);
  TWINFE_CK(TwinfeMeshWriteGmsh(bad, path));
  TWINFE_CK(TwinfeMeshReadGmsh(path, &back));
  TWINFE_CK(TwinfeMeshDestroy(&back));
  TWINFE_CK(TwinfeMeshDestroy(&bad));
  TWINFE_CK(TwinfeMeshDestroy(&box));
  TWINFE_CK(TwinfeMeshDestroy(&tube));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("mesh_vessel");
  TCase *tc = tcase_create("mesh_vessel");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, tube_geometry_caps_and_orientation);
  tcase_add_test(tc, tube_volume_error_is_second_order);
  tcase_add_test(tc, tube_same_mesh_every_run);
  tcase_add_test(tc, tube_bad_arguments_refused);
  tcase_add_test(tc, bifurcation_default_shape);
  tcase_add_test(tc, bifurcation_rounded_fork);
  tcase_add_test(tc, bifurcation_other_shape);
  tcase_add_test(tc, bifurcation_bad_spec_refused);
  tcase_add_test(tc, caps_measured_exactly);
  tcase_add_test(tc, msh_round_trip_keeps_caps);
  tcase_add_test(tc, msh_reader_refuses_misplaced_caps);
  suite_add_tcase(s, tc);
  return s;
}
