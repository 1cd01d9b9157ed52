/* Blood flow in a real vessel: the aorta (label 52) of the TotalSegmentator example (3 mm
 * voxels, tests/data), from the label map to a steady Navier-Stokes solution.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The aorta is cut by the scan's first and last slices. With -surface_caps its two ends become
 * flat caps, tagged TwinfeCapTag(52, 1) (the larger, 43 voxels on the last slice) and (52, 2)
 * (3 voxels on the first), listed by TwinfeMeshGetCaps. A plug inflow enters through cap 1,
 * cap 2 is a free outlet, the rest of the aorta's surface (tag 52) is a no-slip wall. Measured:
 * caps 384.6 and 22.7 mm^2, flat to 3e-14 mm; 4 Newton steps, at most 228-283 FGMRES iterations per
 * step; pressure 21.6 Pa at the inlet, 8.5 Pa at the outlet (HXT meshes differ from run to run). Checked:
 * both caps found, flat, with outward normals along the slice axis; Newton converges; the outflow
 * equals the inflow within 0.5% (the bound; Taylor-Hood conserves mass globally to the
 * solver's tolerance, so the measured gap is ~1e-9); the pressure falls from inlet to outlet. */
#include "twinfe_test.h"

#include <twinfe/core.h>
#include <twinfe/flow.h>
#include <twinfe/partition.h>

#define AORTA 52
#define INFLOW 3000.0 /* mm^3/s (3 ml/s): Reynolds number about 50 on the 22 mm lumen, 200 at the 5 mm outlet */

typedef struct {
  PetscReal normal[3], speed;
} Plug;

static PetscErrorCode PlugInflow(const PetscReal x[3], PetscReal u[3], void *ctx)
{
  const Plug *plug = (const Plug *)ctx;
  (void)x;
  for (PetscInt k = 0; k < 3; ++k)
    u[k] = -plug->speed * plug->normal[k]; /* into the vessel, against the cap's outward normal */
  return 0;
}

static TwinfeMesh AortaMesh(void)
{
  const char          *path  = twinfe_test_shared_data("totalsegmentator/example_seg.nii.gz");
  const int32_t        label = AORTA;
  const char          *name  = "aorta";
  TwinfeImage          image;
  TwinfeImageSelection sel;
  TwinfeSurface        surface;
  TwinfeMesh           mesh;
  PetscReal            sp[3], target = 3.0;

  TWINFE_CK(TwinfeImageRead(path, &image));
  TWINFE_CK(TwinfeImageSelectLabelsKeepAll(image, 1, &label, 27, 1.0, PETSC_TRUE, &sel));
  TWINFE_CK(TwinfeImageSelectionDestroy(&sel));
  TWINFE_CK(PetscOptionsSetValue(NULL, "-surface_caps", "true"));
  TWINFE_CK(TwinfeSurfaceCreateFromImage(image, 1, &label, &surface));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-surface_caps"));
  TWINFE_CK(TwinfeSurfaceSmooth(surface, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT));
  TWINFE_CK(TwinfeImageGetGeometry(image, sp, NULL, NULL));
  TWINFE_CK(TwinfeSurfaceRemeshInPieces(surface, 1, &label, &target, 0.5 * PetscMin(sp[0], PetscMin(sp[1], sp[2])), PETSC_DEFAULT,
                                        PETSC_DEFAULT, NULL));
  TWINFE_CK(TwinfeMeshCreateFromSurface(surface, 1, &label, &name, &mesh));
  TWINFE_CK(TwinfeSurfaceDestroy(&surface));
  TWINFE_CK(TwinfeImageDestroy(&image));
  return mesh;
}

START_TEST(test_aorta_steady_flow)
{
  TwinfeMesh      mesh = AortaMesh();
  TwinfeCapInfo  *caps;
  PetscInt        ncaps, ntets, newton, linear, max_linear;
  const PetscInt *tets;
  const int32_t  *regions;
  DM              dm;
  TwinfeFlow      flow;
  TwinfeSpace     space;
  Vec             U;
  Plug            plug;
  PetscReal       q_in, q_out, p_in, p_out;

  TWINFE_CK(TwinfeMeshGetTetrahedra(mesh, &ntets, &tets, &regions));
  TWINFE_CK(TwinfeMeshGetCaps(mesh, &ncaps, &caps));
  for (PetscInt c = 0; c < ncaps; ++c)
    printf("cap %d: area %.1f mm^2, centre (%.1f, %.1f, %.1f) mm, normal (%.3f, %.3f, %.3f), equivalent radius %.2f mm, "
           "flatness %.1e mm\n",
           (int)caps[c].tag, (double)caps[c].area, (double)caps[c].center[0], (double)caps[c].center[1],
           (double)caps[c].center[2], (double)caps[c].normal[0], (double)caps[c].normal[1], (double)caps[c].normal[2],
           (double)caps[c].radius, (double)caps[c].flatness);
  ck_assert_int_eq(ncaps, 2);
  ck_assert_int_eq(caps[0].tag, TwinfeCapTag(AORTA, 1));
  ck_assert_int_eq(caps[1].tag, TwinfeCapTag(AORTA, 2));
  ck_assert_double_gt(caps[0].area, caps[1].area);
  for (PetscInt c = 0; c < 2; ++c)
    ck_assert_double_lt(caps[c].flatness, 1e-9);
  /* the two ends face away from each other along the slice axis */
  ck_assert_double_lt(caps[0].normal[0] * caps[1].normal[0] + caps[0].normal[1] * caps[1].normal[1] +
                          caps[0].normal[2] * caps[1].normal[2],
                      -0.99);
  plug.speed = INFLOW / caps[0].area;
  for (PetscInt k = 0; k < 3; ++k)
    plug.normal[k] = caps[0].normal[k];

  TWINFE_CK(TwinfePartitionDistribute(PETSC_COMM_WORLD, mesh, &dm));
  TWINFE_CK(TwinfeFlowCreate(dm, &flow));
  TWINFE_CK(TwinfeFlowAddVelocity(flow, caps[0].tag, PlugInflow, &plug));
  TWINFE_CK(TwinfeFlowAddWall(flow, AORTA));
  /* grad-div at 10 times the viscosity: the largest FGMRES count of a Newton step was 1795 at
     1 ml/s without it, 106 with it, 500 with 100 times the viscosity (docs/flow.md) */
  TWINFE_CK(TwinfeFlowSetGradDiv(flow, 10 * 3.5e-3));
  TWINFE_CK(TwinfeFlowScaleVelocityToFlowRate(flow, caps[0].tag, INFLOW));
  TWINFE_CK(TwinfeFlowSetFromOptions(flow));
  TWINFE_CK(TwinfeFlowSolve(flow));
  TWINFE_CK(TwinfeFlowGetSolverInfo(flow, &newton, &linear, &max_linear));
  TWINFE_CK(TwinfeFlowGetSpace(flow, &space));
  TWINFE_CK(TwinfeFlowGetSolution(flow, &U));
  TWINFE_CK(TwinfeSpaceComputeFaceFlux(space, caps[0].tag, 0, U, &q_in));
  TWINFE_CK(TwinfeSpaceComputeFaceFlux(space, caps[1].tag, 0, U, &q_out));
  TWINFE_CK(TwinfeSpaceComputeFaceMean(space, caps[0].tag, 1, U, &p_in));
  TWINFE_CK(TwinfeSpaceComputeFaceMean(space, caps[1].tag, 1, U, &p_out));
  printf("aorta: %d tets; Navier-Stokes %d Newton steps, %d FGMRES iterations (at most %d); inflow %.6g mm^3/s, outflow %.6g "
         "mm^3/s (gap %.1e), mean pressure inlet %.4g Pa, outlet %.4g Pa\n",
         (int)ntets, (int)newton, (int)linear, (int)max_linear, (double)-q_in, (double)q_out,
         (double)PetscAbsReal((q_out + q_in) / q_in), (double)p_in, (double)p_out);
  /* The plug is scaled to the flow rate on the discrete cap (the rim's nodes at rest carry
     nothing: unscaled, it carried 2753 of 3000 mm^3/s); the solve keeps the prescribed values. */
  ck_assert_double_eq_tol(-q_in, INFLOW, 1e-9 * INFLOW);
  ck_assert_double_eq_tol(q_out, -q_in, 0.005 * -q_in);
  ck_assert_double_gt(p_in, p_out);
  TWINFE_CK(PetscFree(caps));
  TWINFE_CK(TwinfeFlowDestroy(&flow));
  TWINFE_CK(DMDestroy(&dm));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("flow_aorta");
  TCase *tc = tcase_create("aorta");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_aorta_steady_flow);
  suite_add_tcase(s, tc);
  return s;
}
