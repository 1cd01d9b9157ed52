/* A thick-walled sphere under internal pressure against Lame's solution, nearly incompressible.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Shell a = 5 mm <= r <= b = 10 mm, one octant with symmetry planes (u . n = 0 on x = 0, y = 0,
 * z = 0), pressure p = 100 Pa on the inner wall, outer wall free, E = 3 kPa, nu = 0.4999. Lame:
 *   u_r(r) = p a^3 / (E (b^3 - a^3)) ((1 - 2 nu) r + (1 + nu) b^3 / (2 r^2)),
 *   sigma_tt(r) = p a^3 / (b^3 - a^3) (1 + b^3 / (2 r^3)).
 * Mesh: the octant's directions split into three patches (those nearest x, y and z: the
 * directions (1, s, t), (s, 1, t), (s, t, 1) for s, t in [0, 1], a "cubed sphere"), each an
 * N x N x N box of 6-tet hexes mapped to the shell, radial layers uniform; patches meet
 * conformingly. Vertices lie on the spheres; faces are flat (affine tets), so the walls are
 * polyhedra whose error falls as h^2.
 * Asserted, on the finest mesh (N = 8): the mean radial displacement of the inner wall's
 * vertices and the hoop stress at the inner wall, (tr sigma + p)/2 from the Cauchy stress on the
 * wall's faces (sigma_rr = -p there), each within 1% of Lame for
 *   - the mixed P2-P1 form with the small-strain law (the pure-displacement P1 result printed for
 *     contrast: it locks),
 * And the errors fall under refinement (N = 4, 6, 8).
 * Finite strain: the same shell of neo-Hookean tissue inflated by p = 0.5 mu (a 26% hoop stretch
 * at the inner wall: 1.2129), the pressure following the deformed wall, in 4 load steps, against the
 * exact incompressible solution (r^3 - R^3 constant; the hoop stretch l_a at the inner wall solves
 *   p = mu [ (2/l_b + 1/(2 l_b^4)) - (2/l_a + 1/(2 l_a^4)) ],  l_b^3 = 1 + (l_a^3 - 1) a^3/b^3,
 * and the hoop stress there is -p + mu (l_a^2 - l_a^-4)): u_r(a) and the hoop stress within 1%. */
#include "twinfe_test.h"

#include <twinfe/partition.h>
#include <twinfe/physics.h>

#define A_IN 5.0
#define B_OUT 10.0
#define P_IN 100.0
#define E_PA 3000.0
#define NU 0.4999

enum { TAG_INNER = 1, TAG_OUTER = 2, TAG_X0 = 3, TAG_Y0 = 4, TAG_Z0 = 5 };

static PetscReal LameDisplacement(PetscReal r)
{
  PetscReal b3 = B_OUT * B_OUT * B_OUT, a3 = A_IN * A_IN * A_IN;
  return P_IN * a3 / (E_PA * (b3 - a3)) * ((1 - 2 * NU) * r + (1 + NU) * b3 / (2 * r * r));
}

static PetscReal LameHoop(PetscReal r)
{
  PetscReal b3 = B_OUT * B_OUT * B_OUT, a3 = A_IN * A_IN * A_IN;
  return P_IN * a3 / (b3 - a3) * (1 + b3 / (2 * r * r * r));
}

/* The exact incompressible neo-Hookean inflation: the pressure that gives hoop stretch la. */
static PetscReal InflationPressure(PetscReal mu, PetscReal la)
{
  PetscReal ratio = A_IN * A_IN * A_IN / (B_OUT * B_OUT * B_OUT), lb = PetscCbrtReal(1 + (la * la * la - 1) * ratio);
  return mu * ((2 / lb + 0.5 / PetscPowRealInt(lb, 4)) - (2 / la + 0.5 / PetscPowRealInt(la, 4)));
}

static PetscReal InflationStretch(PetscReal mu, PetscReal p)
{
  PetscReal lo = 1, hi = 3;
  for (PetscInt it = 0; it < 200; ++it) {
    PetscReal mid = 0.5 * (lo + hi);
    if (InflationPressure(mu, mid) < p)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

/* The direction of patch k at box coordinates (s, t): the axis k's component 1. */
static void PatchDirection(PetscInt k, PetscReal s, PetscReal t, PetscReal d[3])
{
  PetscInt other = 0;
  for (PetscInt i = 0; i < 3; ++i)
    d[i] = i == k ? 1 : (other++ == 0 ? s : t);
}

/* The facet tag of a box facet of patch k (box tags 1..6: s = 0/1, t = 0/1, w = 0/1), or 0 for
   the facets where patches meet. */
static int32_t ShellTag(PetscInt k, int32_t box_tag)
{
  /* patch k's s and t run along the two axes other than k, in increasing order */
  PetscInt axes[2], n = 0;
  for (PetscInt i = 0; i < 3; ++i)
    if (i != k) axes[n++] = i;
  switch (box_tag) {
  case 1:
    return TAG_X0 + (int32_t)axes[0]; /* s = 0: the plane where that axis' coordinate is 0 */
  case 3:
    return TAG_X0 + (int32_t)axes[1];
  case 5:
    return TAG_INNER;
  case 6:
    return TAG_OUTER;
  default:
    return 0;
  }
}

static PetscErrorCode CreateShellMesh(PetscInt N, TwinfeMesh *mesh)
{
  PetscInt         n[3] = {N, N, N}, nv, nt, nf, merged, NV = 0, NT = 0, NF = 0;
  PetscReal        lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1}, *xyz;
  const PetscReal *bx;
  const PetscInt  *btets, *bfacets;
  const int32_t   *bregions, *btags;
  PetscInt        *tets, *facets;
  int32_t         *regions, *tags;
  TwinfeMesh       box;

  PetscFunctionBeginUser;
  PetscCall(TwinfeMeshCreateBox(n, lo, hi, &box));
  PetscCall(TwinfeMeshGetVertices(box, &nv, &bx));
  PetscCall(TwinfeMeshGetTetrahedra(box, &nt, &btets, &bregions));
  PetscCall(TwinfeMeshGetFacets(box, &nf, &bfacets, &btags));
  PetscCall(PetscMalloc4(9 * nv, &xyz, 12 * nt, &tets, 3 * nt, &regions, 9 * nf, &facets));
  PetscCall(PetscMalloc1(3 * nf, &tags));
  for (PetscInt k = 0; k < 3; ++k) {
    for (PetscInt v = 0; v < nv; ++v) {
      PetscReal d[3], len, r = A_IN + (B_OUT - A_IN) * bx[3 * v + 2];
      PatchDirection(k, bx[3 * v], bx[3 * v + 1], d);
      len = PetscSqrtReal(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
      for (PetscInt i = 0; i < 3; ++i)
        xyz[3 * (NV + v) + i] = r * d[i] / len;
    }
    for (PetscInt c = 0; c < nt; ++c) {
      for (PetscInt j = 0; j < 4; ++j)
        tets[4 * (NT + c) + j] = NV + btets[4 * c + j];
      regions[NT + c] = 1;
    }
    for (PetscInt f = 0; f < nf; ++f) {
      int32_t tag = ShellTag(k, btags[f]);
      if (!tag) continue;
      for (PetscInt j = 0; j < 3; ++j)
        facets[3 * NF + j] = NV + bfacets[3 * f + j];
      tags[NF++] = tag;
    }
    NV += nv, NT += nt;
  }
  PetscCall(TwinfeMeshCreate(NV, xyz, NT, tets, regions, NF, facets, tags, mesh));
  PetscCall(TwinfeMeshMergeDuplicateVertices(*mesh, &merged));
  PetscCall(PetscFree4(xyz, tets, regions, facets));
  PetscCall(PetscFree(tags));
  PetscCall(TwinfeMeshDestroy(&box));
  PetscFunctionReturn(0);
}

typedef struct {
  PetscReal ur, hoop;
} WallResult;

/* u . x/|x| at the vertices on the inner wall. */
static PetscBool InnerRadial(const PetscReal x[3], const PetscReal u[3], PetscReal *v)
{
  PetscReal r = PetscSqrtReal(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
  *v          = (x[0] * u[0] + x[1] * u[1] + x[2] * u[2]) / r;
  return PetscAbsReal(r - A_IN) < 1e-9;
}

static PetscReal InnerRadialDisplacement(TwinfeElasticity el)
{
  PetscInt  count;
  PetscReal ur = twinfe_test_vertex_mean(el, InnerRadial, &count);
  ck_assert_int_gt(count, 0);
  return ur;
}

static WallResult Solve(PetscInt N, TwinfeMaterialModel model, TwinfeElasticityFormulation form, PetscInt degree,
                        PetscReal pressure)
{
  TwinfeMesh       mesh = NULL;
  PetscMPIInt      rank;
  DM               dm;
  TwinfeElasticity el;
  TwinfeMaterial   m;
  SNES             snes;
  KSP              ksp;
  PetscReal        sigma[6];
  WallResult       r;

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  if (rank == 0) TWINFE_CK(CreateShellMesh(N, &mesh));
  TWINFE_CK(TwinfePartitionDistribute(PETSC_COMM_WORLD, mesh, &dm));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  TWINFE_CK(TwinfeElasticityCreate(dm, &el));
  TWINFE_CK(TwinfeElasticitySetDegree(el, degree));
  TWINFE_CK(TwinfeElasticitySetFormulation(el, form));
  TWINFE_CK(TwinfeMaterialFromYoung(model, E_PA, NU, 0, &m));
  TWINFE_CK(TwinfeElasticitySetRegionMaterial(el, 1, &m));
  TWINFE_CK(TwinfeElasticityAddDisplacement(el, TAG_X0, 1, NULL, NULL));
  TWINFE_CK(TwinfeElasticityAddDisplacement(el, TAG_Y0, 2, NULL, NULL));
  TWINFE_CK(TwinfeElasticityAddDisplacement(el, TAG_Z0, 4, NULL, NULL));
  TWINFE_CK(TwinfeElasticityAddPressure(el, TAG_INNER, pressure));
  TWINFE_CK(TwinfeElasticitySetLoadSteps(el, model == TWINFE_MATERIAL_LINEAR ? 1 : 4));
  TWINFE_CK(TwinfeElasticityGetSNES(el, &snes));
  TWINFE_CK(SNESGetKSP(snes, &ksp));
  TWINFE_CK(KSPSetTolerances(ksp, 1e-10, 1e-30, PETSC_DEFAULT, 5000));
  TWINFE_CK(TwinfeElasticitySolve(el));
  r.ur = InnerRadialDisplacement(el);
  TWINFE_CK(TwinfeElasticityComputeFaceStress(el, TAG_INNER, sigma));
  r.hoop = 0.5 * (sigma[0] + sigma[1] + sigma[2] + pressure);
  TWINFE_CK(TwinfeElasticityDestroy(&el));
  TWINFE_CK(DMDestroy(&dm));
  return r;
}

static void Report(const char *what, PetscInt N, WallResult r, PetscReal ur, PetscReal hoop, PetscReal *eu, PetscReal *es)
{
  *eu = (r.ur - ur) / ur;
  *es = (r.hoop - hoop) / hoop;
  PetscPrintf(PETSC_COMM_WORLD, "  %-22s N %2d: u_r(a) %.6e mm (%+.3f%%), hoop(a) %.6e Pa (%+.3f%%)\n", what, (int)N,
              (double)r.ur, (double)(100 * *eu), (double)r.hoop, (double)(100 * *es));
}

START_TEST(lame_small_strain)
{
  const PetscInt sizes[3] = {4, 6, 8};
  PetscReal      eu[3], es[3], du, ds;

  PetscPrintf(PETSC_COMM_WORLD, "Lame: u_r(a) %.6e mm, hoop(a) %.6e Pa\n", (double)LameDisplacement(A_IN),
              (double)LameHoop(A_IN));
  for (PetscInt i = 0; i < 3; ++i)
    Report("mixed P2-P1, linear", sizes[i], Solve(sizes[i], TWINFE_MATERIAL_LINEAR, TWINFE_ELASTICITY_MIXED, 2, P_IN),
           LameDisplacement(A_IN), LameHoop(A_IN), &eu[i], &es[i]);
  ck_assert_double_le(PetscAbsReal(eu[2]), 0.01);
  ck_assert_double_le(PetscAbsReal(es[2]), 0.01);
  ck_assert_double_lt(PetscAbsReal(eu[2]), PetscAbsReal(eu[0]));
  ck_assert_double_lt(PetscAbsReal(es[2]), PetscAbsReal(es[0]));
  Report("displacement P1", sizes[2], Solve(sizes[2], TWINFE_MATERIAL_LINEAR, TWINFE_ELASTICITY_DISPLACEMENT, 1, P_IN),
         LameDisplacement(A_IN), LameHoop(A_IN), &du, &ds);
  ck_assert_double_gt(PetscAbsReal(du), 0.05); /* locked: printed for contrast, asserted to be far */
}
END_TEST

START_TEST(lame_neo_hookean_follower)
{
  TwinfeMaterial m;
  PetscReal      eu, es, p, la;

  TWINFE_CK(TwinfeMaterialFromYoung(TWINFE_MATERIAL_NEO_HOOKEAN, E_PA, NU, 0, &m));
  p  = 0.5 * m.mu;
  la = InflationStretch(m.mu, p);
  PetscPrintf(PETSC_COMM_WORLD, "incompressible neo-Hookean inflation, p = %.2f Pa: hoop stretch %.6f at the inner wall\n",
              (double)p, (double)la);
  Report("mixed P2-P1, NH", 8, Solve(8, TWINFE_MATERIAL_NEO_HOOKEAN, TWINFE_ELASTICITY_MIXED, 2, p), (la - 1) * A_IN,
         -p + m.mu * (la * la - 1 / PetscPowRealInt(la, 4)), &eu, &es);
  ck_assert_double_le(PetscAbsReal(eu), 0.01);
  ck_assert_double_le(PetscAbsReal(es), 0.01);
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("lame_sphere");
  TCase *tc = tcase_create("lame");
  tcase_set_timeout(tc, 900);
  tcase_add_test(tc, lame_small_strain);
  tcase_add_test(tc, lame_neo_hookean_follower);
  suite_add_tcase(s, tc);
  return s;
}
