/* Soft-tissue material laws (TwinfeMaterialEvaluate): the stress is the derivative of the
 * energy and the tangent the derivative of the stress (central differences), the tangent has
 * the major symmetry of a hyperelastic law, every law is stress-free at F = I and matches linear
 * elasticity's tangent there, the stress is objective (P(QF) = Q P(F)), known closed forms
 * (uniaxial stretch of an incompressible body, a pure dilation), inverted F refused, and
 * parameters outside physical ranges refused.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_test.h"

#include <twinfe/io.h>
#include <twinfe/physics.h>

/* Central differences of step h on functions of size 1 have truncation error about h^2 (1e-8)
   and round-off about 1e-16/h (1e-12): 1e-6 relative separates a right derivative from a wrong
   term (an error in one coefficient shows at 1e-2 or more). */
#define FD_STEP 1e-4
#define FD_TOLERANCE 1e-6

static TwinfeMaterial Law(TwinfeMaterialModel model)
{
  TwinfeMaterial m;
  if (model == TWINFE_MATERIAL_MOONEY_RIVLIN)
    TWINFE_CK(TwinfeMaterialFromMooneyRivlin(0.3, 0.2, 4.0, 0, &m));
  else
    TWINFE_CK(TwinfeMaterialFromYoung(model, 3.0, 0.3, 0, &m));
  return m;
}

/* A deformation far from the identity (stretch, shear, rotation; J about 1.25). */
static const PetscReal F_large[9] = {1.3, 0.2, -0.1, 0.05, 0.9, 0.3, -0.2, 0.1, 1.1};

static PetscReal Energy(const TwinfeMaterial *m, const PetscReal F[9])
{
  PetscReal W;
  PetscBool ok;
  TWINFE_CK(TwinfeMaterialEvaluate(m, F, &W, NULL, NULL, &ok));
  ck_assert(ok);
  return W;
}

static void Stress(const TwinfeMaterial *m, const PetscReal F[9], PetscReal P[9], PetscReal A[81])
{
  PetscBool ok;
  TWINFE_CK(TwinfeMaterialEvaluate(m, F, NULL, P, A, &ok));
  ck_assert(ok);
}

static PetscReal MaxAbs(const PetscReal *a, PetscInt n)
{
  PetscReal m = 0;
  for (PetscInt i = 0; i < n; ++i)
    m = PetscMax(m, PetscAbsReal(a[i]));
  return m;
}

static void CheckDerivatives(TwinfeMaterialModel model, const PetscReal F[9])
{
  TwinfeMaterial m = Law(model);
  PetscReal      P[9], A[81], scaleP, scaleA;
  const char    *name;

  TWINFE_CK(TwinfeMaterialModelGetName(model, &name));
  Stress(&m, F, P, A);
  scaleP = MaxAbs(P, 9) + 1;
  scaleA = MaxAbs(A, 81);
  for (PetscInt s = 0; s < 9; ++s) {
    PetscReal Fp[9], Fm[9], Pp[9], Pm[9];
    for (PetscInt k = 0; k < 9; ++k)
      Fp[k] = Fm[k] = F[k];
    Fp[s] += FD_STEP;
    Fm[s] -= FD_STEP;
    /* dW/dF_s = P_s (the linear law's W is the small-strain energy of the symmetric part) */
    if (model != TWINFE_MATERIAL_LINEAR)
      ck_assert_double_le(PetscAbsReal((Energy(&m, Fp) - Energy(&m, Fm)) / (2 * FD_STEP) - P[s]), FD_TOLERANCE * scaleP);
    Stress(&m, Fp, Pp, NULL);
    Stress(&m, Fm, Pm, NULL);
    for (PetscInt r = 0; r < 9; ++r)
      ck_assert_msg(PetscAbsReal((Pp[r] - Pm[r]) / (2 * FD_STEP) - A[9 * r + s]) <= FD_TOLERANCE * scaleA,
                    "%s: dP_%d/dF_%d = %g by differences, %g by the tangent", name, (int)r, (int)s,
                    (double)((Pp[r] - Pm[r]) / (2 * FD_STEP)), (double)A[9 * r + s]);
  }
  for (PetscInt r = 0; r < 9; ++r) /* a hyperelastic tangent is a second derivative: symmetric */
    for (PetscInt s = 0; s < 9; ++s)
      ck_assert_double_le(PetscAbsReal(A[9 * r + s] - A[9 * s + r]), 1e-12 * scaleA);
}

START_TEST(stress_and_tangent_are_derivatives)
{
  const PetscReal F_near[9] = {1.01, 0.002, 0, -0.003, 0.995, 0.001, 0.002, 0, 1.004};
  for (PetscInt model = TWINFE_MATERIAL_LINEAR; model <= TWINFE_MATERIAL_MOONEY_RIVLIN; ++model) {
    CheckDerivatives((TwinfeMaterialModel)model, F_large);
    CheckDerivatives((TwinfeMaterialModel)model, F_near);
  }
}
END_TEST

/* At F = I every law is stress-free and its tangent is linear elasticity's with the same mu and
   kappa: one tissue, one small-strain stiffness, whatever the law. */
START_TEST(small_strain_limit_is_linear_elasticity)
{
  const PetscReal Id[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  for (PetscInt model = TWINFE_MATERIAL_NEO_HOOKEAN; model <= TWINFE_MATERIAL_MOONEY_RIVLIN; ++model) {
    TwinfeMaterial m = Law((TwinfeMaterialModel)model), lin = m;
    PetscReal      P[9], A[81], Plin[9], Alin[81];
    lin.model = TWINFE_MATERIAL_LINEAR;
    Stress(&m, Id, P, A);
    Stress(&lin, Id, Plin, Alin);
    ck_assert_double_le(MaxAbs(P, 9), 1e-14);
    for (PetscInt k = 0; k < 81; ++k)
      ck_assert_double_eq_tol(A[k], Alin[k], 1e-13);
  }
}
END_TEST

/* P(QF) = Q P(F) for a rotation Q: the energy does not see rigid rotation. */
START_TEST(stress_is_objective)
{
  const PetscReal c = PetscCosReal(0.7), s = PetscSinReal(0.7);
  const PetscReal Q[9] = {c, -s, 0, s, c, 0, 0, 0, 1};
  for (PetscInt model = TWINFE_MATERIAL_NEO_HOOKEAN; model <= TWINFE_MATERIAL_MOONEY_RIVLIN; ++model) {
    TwinfeMaterial m     = Law((TwinfeMaterialModel)model);
    PetscReal      QF[9] = {0}, P[9], PQ[9], QP[9] = {0};
    for (PetscInt i = 0; i < 3; ++i)
      for (PetscInt j = 0; j < 3; ++j)
        for (PetscInt k = 0; k < 3; ++k)
          QF[3 * i + j] += Q[3 * i + k] * F_large[3 * k + j];
    Stress(&m, F_large, P, NULL);
    Stress(&m, QF, PQ, NULL);
    for (PetscInt i = 0; i < 3; ++i)
      for (PetscInt j = 0; j < 3; ++j)
        for (PetscInt k = 0; k < 3; ++k)
          QP[3 * i + j] += Q[3 * i + k] * P[3 * k + j];
    for (PetscInt k = 0; k < 9; ++k)
      ck_assert_double_eq_tol(PQ[k], QP[k], 1e-13);
  }
}
END_TEST

/* Closed forms. Uniaxial stretch l with lateral stretch 1/sqrt(l) (J = 1): Mooney-Rivlin's
   Cauchy stress sigma_xx - sigma_yy = 2 (C10 + C01 / l) (l^2 - 1/l); neo-Hookean is C01 = 0.
   A pure dilation F = a I: compressible neo-Hookean's P = (mu (a^2 - 1) + lambda ln a^3) / a I. */
START_TEST(closed_forms)
{
  const PetscReal l = 1.4, lt = 1 / PetscSqrtReal(l), a = 1.1;
  const PetscReal F_uni[9] = {l, 0, 0, 0, lt, 0, 0, 0, lt}, F_dil[9] = {a, 0, 0, 0, a, 0, 0, 0, a};
  TwinfeMaterial  mr = Law(TWINFE_MATERIAL_MOONEY_RIVLIN), nh = Law(TWINFE_MATERIAL_NEO_HOOKEAN);
  PetscReal       P[9], c10 = mr.mu / 2 - mr.c01, lambda = nh.kappa - 2 * nh.mu / 3;

  Stress(&mr, F_uni, P, NULL); /* J = 1: sigma = P F^T */
  ck_assert_double_eq_tol(P[0] * l - P[4] * lt, 2 * (c10 + mr.c01 / l) * (l * l - 1 / l), 1e-12);
  Stress(&nh, F_uni, P, NULL);
  ck_assert_double_eq_tol(P[0] * l - P[4] * lt, nh.mu * (l * l - 1 / l), 1e-12);
  Stress(&nh, F_dil, P, NULL);
  ck_assert_double_eq_tol(P[0], (nh.mu * (a * a - 1) + lambda * PetscLogReal(a * a * a)) / a, 1e-12);
  ck_assert_double_le(PetscAbsReal(P[1]) + PetscAbsReal(P[3]), 1e-14);
}
END_TEST

START_TEST(inverted_and_bad_parameters_refused)
{
  const PetscReal F_inv[9] = {-1, 0, 0, 0, 1, 0, 0, 0, 1}, F_flat[9] = {1, 0, 0, 0, 1, 0, 0, 0, 0};
  TwinfeMaterial  m = Law(TWINFE_MATERIAL_NEO_HOOKEAN), bad;
  PetscReal       P[9];
  PetscBool       ok;

  TWINFE_CK(TwinfeMaterialEvaluate(&m, F_inv, NULL, P, NULL, &ok));
  ck_assert(!ok);
  TWINFE_CK(TwinfeMaterialEvaluate(&m, F_flat, NULL, P, NULL, &ok));
  ck_assert(!ok);
  TWINFE_CK(TwinfeMaterialCheck(&m, "test"));
  TWINFE_CK_FAILS(TwinfeMaterialFromYoung(TWINFE_MATERIAL_NEO_HOOKEAN, -1, 0.3, 0, &bad));
  TWINFE_CK_FAILS(TwinfeMaterialFromYoung(TWINFE_MATERIAL_NEO_HOOKEAN, 1000, 0.5, 0, &bad));
  TWINFE_CK_FAILS(TwinfeMaterialFromYoung(TWINFE_MATERIAL_NEO_HOOKEAN, 1000, -1.2, 0, &bad));
  TWINFE_CK(TwinfeMaterialFromYoung(TWINFE_MATERIAL_NEO_HOOKEAN, 1000, 0.4999, 1e-3, &bad)); /* the nu */
  TWINFE_CK(TwinfeMaterialCheck(&bad, "test"));
  TWINFE_CK(TwinfeMaterialFromYoung(TWINFE_MATERIAL_NEO_HOOKEAN, 1000, 0.499999, 1e-3, &bad)); /* past use */
  TWINFE_CK_FAILS(TwinfeMaterialCheck(&bad, "test"));
  TWINFE_CK(TwinfeMaterialFromMooneyRivlin(-1, 0.2, 100, 0, &bad)); /* C10 < 0 */
  TWINFE_CK_FAILS(TwinfeMaterialCheck(&bad, "test"));
  TWINFE_CK(TwinfeMaterialFromMooneyRivlin(1, -0.2, 100, 0, &bad)); /* C01 < 0 */
  TWINFE_CK_FAILS(TwinfeMaterialCheck(&bad, "test"));
  TWINFE_CK(TwinfeMaterialFromYoung(TWINFE_MATERIAL_LINEAR, 1000, 0.45, 1.06, &bad)); /* g/cm^3 given */
  TWINFE_CK_FAILS(TwinfeMaterialCheck(&bad, "test"));
  TWINFE_CK(TwinfeMaterialFromYoung(TWINFE_MATERIAL_LINEAR, 1e15, 0.45, 1e-3, &bad)); /* stiffer than steel */
  TWINFE_CK_FAILS(TwinfeMaterialCheck(&bad, "test"));
}
END_TEST

/* The tables of names and presets are reached through functions (docs/abi.md: no exported data):
   every value has its name, the presets count themselves, and what is outside is refused. */
START_TEST(names_and_presets_through_functions)
{
  const char         *name;
  const TwinfeTissue *tissue, *found;
  PetscInt            n;

  TWINFE_CK(TwinfeMaterialModelGetName(TWINFE_MATERIAL_LINEAR, &name));
  ck_assert_str_eq(name, "linear");
  TWINFE_CK(TwinfeMaterialModelGetName(TWINFE_MATERIAL_MOONEY_RIVLIN, &name));
  ck_assert_str_eq(name, "mooney_rivlin");
  TWINFE_CK_FAILS(TwinfeMaterialModelGetName((TwinfeMaterialModel)3, &name));
  TWINFE_CK_FAILS(TwinfeMaterialModelGetName((TwinfeMaterialModel)-1, &name));
  TWINFE_CK(TwinfeToolShapeGetName(TWINFE_TOOL_SPATULA, &name));
  ck_assert_str_eq(name, "spatula");
  TWINFE_CK_FAILS(TwinfeToolShapeGetName((TwinfeToolShape)3, &name));
  TWINFE_CK(TwinfeElasticityFormulationGetName(TWINFE_ELASTICITY_MIXED, &name));
  ck_assert_str_eq(name, "mixed");
  TWINFE_CK_FAILS(TwinfeElasticityFormulationGetName((TwinfeElasticityFormulation)2, &name));
  TWINFE_CK(TwinfeResultsCompressionGetName(TWINFE_RESULTS_COMPRESSION_ZLIB, &name));
  ck_assert_str_eq(name, "zlib");
  TWINFE_CK_FAILS(TwinfeResultsCompressionGetName((TwinfeResultsCompression)3, &name)); /* the enum's own name */
  TWINFE_CK(TwinfeResultsFormatGetName(TWINFE_RESULTS_FORMAT_XDMF, &name));
  ck_assert_str_eq(name, "xdmf");
  TWINFE_CK_FAILS(TwinfeResultsFormatGetName((TwinfeResultsFormat)2, &name));

  TWINFE_CK(TwinfeTissueGetCount(&n));
  ck_assert_int_eq(n, 7);
  for (PetscInt i = 0; i < n; ++i) {
    TWINFE_CK(TwinfeTissueGet(i, &tissue));
    ck_assert_ptr_nonnull(tissue->name);
    TWINFE_CK(TwinfeTissueFind(tissue->name, &found));
    ck_assert_ptr_eq(found, tissue);
  }
  TWINFE_CK(TwinfeTissueGet(0, &tissue));
  ck_assert_str_eq(tissue->name, "liver");
  TWINFE_CK_FAILS(TwinfeTissueGet(n, &tissue));
  TWINFE_CK_FAILS(TwinfeTissueGet(-1, &tissue));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("elasticity_materials");
  TCase *tc = tcase_create("laws");
  tcase_add_test(tc, stress_and_tangent_are_derivatives);
  tcase_add_test(tc, small_strain_limit_is_linear_elasticity);
  tcase_add_test(tc, stress_is_objective);
  tcase_add_test(tc, closed_forms);
  tcase_add_test(tc, inverted_and_bad_parameters_refused);
  tcase_add_test(tc, names_and_presets_through_functions);
  suite_add_tcase(s, tc);
  return s;
}
