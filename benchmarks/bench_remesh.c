/* Surface remeshing on a real label map: image -> selection -> surface nets -> smoothing ->
 * TwinfeSurfaceRemesh -> Gmsh, with times, surface and tet quality.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Built with the project: build/benchmarks/bench_remesh.
 * Run: build/benchmarks/bench_remesh -image seg.nii.gz [-labels 2,3,5] [-targets 1.4,2]
 *        [-max_dev_voxels 0.5] [-mesh 1] [-repeat 1] [-smooth_only] [-volumes 5]
 * -volumes N lists the N labels whose enclosed volume the remeshing changed most (against the
 * smoothed surface it started from).
 * A target 0 skips the remeshing (the smoothed voxel surface goes to Gmsh). */
#include <petsctime.h>
#include <time.h>
#include <twinfe/image.h>
#include <twinfe/mesh.h>
#include <twinfe/surface.h>

#define MAX_LABELS 256
#define MAX_TARGETS 16

static PetscErrorCode CleanImage(TwinfeImage image, PetscInt n, const int32_t labels[])
{
  PetscInt removed, filled;
  PetscFunctionBeginUser;
  PetscCall(TwinfeImageSelectLabels(image, n, labels, &removed, &filled));
  for (int round = 0; round < 8; ++round) {
    PetscInt added;
    PetscCall(TwinfeImageRepairPinches(image, &added, NULL));
    if (!added) break;
    PetscCall(TwinfeImageSelectLabels(image, n, labels, &removed, &filled));
    if (!removed && !filled) break;
  }
  PetscFunctionReturn(0);
}

/* Volume change per label after smoothing (worst relative) and the least sheet separation. */
static PetscErrorCode Fidelity(TwinfeImage image, TwinfeSurface s, PetscInt n, const int32_t labels[], PetscReal *worst)
{
  PetscReal vv;
  PetscFunctionBeginUser;
  PetscCall(TwinfeImageGetVoxelVolume(image, &vv));
  *worst = 0;
  for (PetscInt i = 0; i < n; i++) {
    PetscInt  count;
    PetscReal v;
    PetscCall(TwinfeImageCountLabel(image, labels[i], &count));
    PetscCall(TwinfeSurfaceComputeLabelVolume(s, labels[i], &v));
    if (PetscAbsReal(v / (count * vv) - 1) > PetscAbsReal(*worst)) *worst = v / (count * vv) - 1;
  }
  PetscFunctionReturn(0);
}

/* Triangles with a repeated vertex or an angle below 1 degree (Gmsh refuses such surfaces). */
static PetscErrorCode CountDegenerate(TwinfeSurface s)
{
  PetscInt         nt, bad = 0, rep = 0;
  const PetscInt  *tri;
  const PetscReal *x;
  PetscFunctionBeginUser;
  PetscCall(TwinfeSurfaceGetTriangles(s, &nt, &tri, NULL));
  PetscCall(TwinfeSurfaceGetVertices(s, NULL, &x));
  for (PetscInt t = 0; t < nt; t++) {
    const PetscInt *T = tri + 3 * t;
    PetscReal       l[3];
    if (T[0] == T[1] || T[1] == T[2] || T[0] == T[2]) {
      rep++;
      continue;
    }
    for (int e = 0; e < 3; e++) {
      const PetscReal *a = x + 3 * T[e], *b = x + 3 * T[(e + 1) % 3];
      l[e] = PetscSqrtReal((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
    }
    /* the smallest angle is below 1 degree when the shortest edge is that small against the others */
    {
      PetscReal lo = PetscMin(l[0], PetscMin(l[1], l[2])), hi = PetscMax(l[0], PetscMax(l[1], l[2]));
      bad += lo < 0.0175 * hi;
    }
  }
  if (bad || rep)
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  degenerate: %" PetscInt_FMT " repeated vertex, %" PetscInt_FMT " near-zero edge\n",
                          rep, bad));
  PetscFunctionReturn(0);
}

static PetscBool with_stats   = PETSC_TRUE; /* -stats 0: time the remeshing without its checks */
static PetscInt  show_volumes = 0;          /* -volumes N: the N labels the remeshing changed most */

/* Each label's enclosed volume, in labels' order. */
static PetscErrorCode LabelVolumes(TwinfeSurface s, PetscInt n, const int32_t labels[], PetscReal v[])
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < n; i++)
    PetscCall(TwinfeSurfaceComputeLabelVolume(s, labels[i], &v[i]));
  PetscFunctionReturn(0);
}

/* The labels whose volume changed most from before to after (relative), worst first. */
static PetscErrorCode ShowVolumeChanges(PetscInt n, const int32_t labels[], const PetscReal before[], const PetscReal after[])
{
  PetscInt order[MAX_LABELS];
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < n; i++) {
    PetscInt j = i;
    for (; j > 0 && PetscAbsReal(after[order[j - 1]] / before[order[j - 1]] - 1) < PetscAbsReal(after[i] / before[i] - 1); j--)
      order[j] = order[j - 1];
    order[j] = i;
  }
  for (PetscInt k = 0; k < PetscMin(n, show_volumes); k++) {
    PetscInt i = order[k];
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  label %4d: smoothed %10.1f mm3, remeshed %10.1f mm3, %+6.2f%%\n", (int)labels[i],
                          (double)before[i], (double)after[i], 100 * (double)(after[i] / before[i] - 1)));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode RunOne(TwinfeImage image, PetscInt n, const int32_t labels[], PetscReal target, PetscReal maxdev,
                             PetscBool mesh)
{
  TwinfeSurface            s;
  TwinfeSurfaceRemeshStats st = {0};
  TwinfeMesh               m  = NULL;
  PetscLogDouble           t0, t1, t2, t3, t4;
  PetscReal                tg[MAX_LABELS], worst0, worst1, sep0, sep1, sp[3], vol0[MAX_LABELS], vol1[MAX_LABELS];
  PetscInt                 ntets = 0, nt0, nt1, poor = 0, nself = 0;
  clock_t                  c0, c1;

  PetscFunctionBeginUser;
  PetscCall(TwinfeImageGetGeometry(image, sp, NULL, NULL));
  for (PetscInt i = 0; i < n; i++)
    tg[i] = target;
  PetscCall(PetscTime(&t0));
  PetscCall(TwinfeSurfaceCreateFromImage(image, n, labels, &s));
  PetscCall(PetscTime(&t1));
  PetscCall(TwinfeSurfaceSmooth(s, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT));
  PetscCall(PetscTime(&t2));
  PetscCall(TwinfeSurfaceGetTriangles(s, &nt0, NULL, NULL));
  PetscCall(Fidelity(image, s, n, labels, &worst0));
  PetscCall(TwinfeSurfaceComputeSheetSeparation(s, 2 * sp[0], &sep0));
  PetscCall(LabelVolumes(s, n, labels, vol0));
  PetscCall(PetscTime(&t2));
  c0 = clock();
  if (target > 0)
    PetscCall(TwinfeSurfaceRemesh(s, n, labels, tg, maxdev, &st));
  else
    PetscCall(TwinfeSurfaceCountSelfIntersections(s, &nself));
  PetscCall(PetscTime(&t3));
  c1 = clock();
  PetscCall(TwinfeSurfaceGetTriangles(s, &nt1, NULL, NULL));
  PetscCall(CountDegenerate(s));
  PetscCall(Fidelity(image, s, n, labels, &worst1));
  PetscCall(TwinfeSurfaceComputeSheetSeparation(s, 2 * sp[0], &sep1));
  PetscCall(PetscPrintf(
      PETSC_COMM_SELF,
      "target %.2f mm: nets %.3f s, smooth %.3f s (%" PetscInt_FMT " tri, worst volume %+.2f%%, min sheet "
      "separation %.4f mm), remesh %.3f s (cpu %.3f s) -> %" PetscInt_FMT " tri, mean edge %.3f mm, min angle %.1f deg, "
      "max dev %.3f mm, self-intersections %" PetscInt_FMT ", worst volume %+.2f%%, min separation %.4g mm\n",
      (double)target, t1 - t0, t2 - t1, nt0, 100 * (double)worst0, (double)sep0, t3 - t2, (double)(c1 - c0) / CLOCKS_PER_SEC, nt1,
      (double)st.mean_edge_mm, (double)st.min_angle_deg, (double)st.max_deviation_mm, target > 0 ? st.self_intersections : nself,
      100 * (double)worst1, (double)sep1));
  PetscCall(LabelVolumes(s, n, labels, vol1));
  PetscCall(ShowVolumeChanges(n, labels, vol0, vol1));
  if (mesh) {
    PetscReal       gmin, gmean, dmin;
    PetscErrorCode  ierr;
    const PetscReal edges[3] = {0, 0.1, 1};
    PetscInt        counts[2];
    PetscCall(PetscTime(&t3));
    ierr = TwinfeMeshCreateFromSurface(s, n, labels, NULL, &m);
    PetscCall(PetscTime(&t4));
    if (ierr) {
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "  gmsh failed (error %d) after %.2f s\n", (int)ierr, t4 - t3));
    } else {
      PetscCall(TwinfeMeshGetTetrahedra(m, &ntets, NULL, NULL));
      PetscCall(TwinfeMeshComputeQuality(m, &gmin, &gmean, &dmin));
      PetscCall(TwinfeMeshGammaHistogram(m, 2, edges, counts));
      poor = counts[0];
      PetscCall(PetscPrintf(PETSC_COMM_SELF,
                            "  gmsh %.2f s: %" PetscInt_FMT " tets, min gamma %.4f, mean gamma %.3f, min dihedral %.2f deg, "
                            "gamma < 0.1: %" PetscInt_FMT "\n",
                            t4 - t3, ntets, (double)gmin, (double)gmean, (double)dmin, poor));
      PetscCall(TwinfeMeshDestroy(&m));
    }
  }
  PetscCall(TwinfeSurfaceDestroy(&s));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char        path[PETSC_MAX_PATH_LEN] = "";
  TwinfeImage image;
  PetscInt    nl = MAX_LABELS, nt = MAX_TARGETS, repeat = 1, l32[MAX_LABELS];
  int32_t     labels[MAX_LABELS], *all = NULL;
  PetscReal   targets[MAX_TARGETS] = {1.4}, maxdev_vox = 0.5, sp[3];
  PetscBool   set_l, set_t, mesh = PETSC_TRUE;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-image", path, sizeof(path), NULL));
  PetscCall(PetscOptionsGetIntArray(NULL, NULL, "-labels", l32, &nl, &set_l));
  PetscCall(PetscOptionsGetRealArray(NULL, NULL, "-targets", targets, &nt, &set_t));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-max_dev_voxels", &maxdev_vox, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-mesh", &mesh, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-stats", &with_stats, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-repeat", &repeat, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-volumes", &show_volumes, NULL));
  if (!set_t) nt = 1;
  PetscCheck(path[0], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "bench_remesh: give -image LABELMAP.nii.gz");
  PetscCall(TwinfeImageRead(path, &image));
  if (set_l) {
    for (PetscInt i = 0; i < nl; i++)
      labels[i] = (int32_t)l32[i];
  } else {
    PetscCall(TwinfeImageGetLabelValues(image, &nl, &all));
    for (PetscInt i = 0; i < nl; i++)
      labels[i] = all[i];
    PetscCall(PetscFree(all));
  }
  PetscCall(CleanImage(image, nl, labels));
  PetscCall(TwinfeImageGetGeometry(image, sp, NULL, NULL));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s: %" PetscInt_FMT " labels, spacing %.3f %.3f %.3f mm, max deviation %.2f voxel\n",
                        path, nl, (double)sp[0], (double)sp[1], (double)sp[2], (double)maxdev_vox));
  for (PetscInt r = 0; r < repeat; r++)
    for (PetscInt i = 0; i < nt; i++)
      PetscCall(RunOne(image, nl, labels, targets[i], maxdev_vox * PetscMin(sp[0], PetscMin(sp[1], sp[2])), mesh));
  PetscCall(TwinfeImageDestroy(&image));
  PetscCall(PetscFinalize());
  return 0;
}
