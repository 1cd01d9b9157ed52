/* VTK adapter for the wall-thickness map (surface_print.c): rays into a part, the first wall
 * each meets.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * VTK's static cell locator finds a ray's first crossing fast (0.1 s for 66k rays on the
 * TotalSegmentator example), but on a cube beside a plate it found none for three of the cube's
 * corners, whose rays run exactly through the far corner's vertex and edges; there VTK's OBB
 * tree, asked for every crossing of the segment, finds them (the nearest is kept). The OBB tree
 * alone is 1000x slower (130 s on the CT phantom's 135k vertices), so it only takes the rays the
 * locator missed. On the phantoms and the TotalSegmentator example the two agree to 1e-3 mm on
 * every ray (docs/print.md). Only a crossing where the ray leaves the part counts, and a vertex
 * whose ray finds a wall thinner than cone_below takes the median of a narrow cone of rays
 * (7 rays, 15 degrees: the shape diameter function's idea): where smoothing left a voxel staircase (the flat pole of a ball, 0.8
 * mm voxels), one ray from a step's corner leaves through the next step 0.5 mm away, which is no wall. */
#include "surface_impl.h"
#include "core/cxx_guard.h"
#include "polydata_vtk.h"

#include <vtkCellArray.h>
#include <vtkGenericCell.h>
#include <vtkIdList.h>
#include <vtkNew.h>
#include <vtkOBBTree.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkSmartPointer.h>
#include <vtkStaticCellLocator.h>

#include <cstdlib>

namespace {
double Distance(const double x[3], const PetscReal y[3])
{
  return PetscSqrtReal((x[0] - y[0]) * (x[0] - y[0]) + (x[1] - y[1]) * (x[1] - y[1]) + (x[2] - y[2]) * (x[2] - y[2]));
}

/* Whether the ray leaves the part through triangle t (its outward normal along the ray): a ray
   that meets a triangle from outside (a dimple's neighbour, a crease) has not reached the far
   wall yet. */
bool Leaves(const PetscReal xyz[], const PetscInt tri[], vtkIdType t, const PetscReal direction[3])
{
  const PetscReal *a = xyz + 3 * tri[3 * t], *b = xyz + 3 * tri[3 * t + 1], *c = xyz + 3 * tri[3 * t + 2];
  PetscReal        u[3], w[3];
  for (int d = 0; d < 3; d++)
    u[d] = b[d] - a[d], w[d] = c[d] - a[d];
  const PetscReal n[3] = {u[1] * w[2] - u[2] * w[1], u[2] * w[0] - u[0] * w[2], u[0] * w[1] - u[1] * w[0]};
  return n[0] * direction[0] + n[1] * direction[1] + n[2] * direction[2] > 0;
}

/* The nearest crossing at least start from x, of every crossing the OBB tree finds; -1 if none. */
double NearestExit(vtkOBBTree *tree, vtkPoints *hits, vtkIdList *cells, const double a[3], const double b[3],
                   const PetscReal x[3], PetscReal start, const PetscReal xyz[], const PetscInt tri[],
                   const PetscReal direction[3])
{
  double best = -1;
  if (tree->IntersectWithLine(a, b, hits, cells) == 0) return -1;
  for (vtkIdType k = 0; k < hits->GetNumberOfPoints(); k++) {
    double y[3];
    hits->GetPoint(k, y);
    const double r = Distance(y, x);
    if (r >= start && (best < 0 || r < best) && Leaves(xyz, tri, cells->GetId(k), direction)) best = r;
  }
  return best;
}

/* The locator's first crossing that leaves the part, stepping past crossings that enter it (at
   most 16); -1 when it finds none. */
double FirstExit(vtkStaticCellLocator *locator, vtkGenericCell *cell, const double a0[3], const double b[3], PetscReal tolerance,
                 const PetscReal x0[3], PetscReal step, const PetscReal xyz[], const PetscInt tri[], const PetscReal direction[3])
{
  double a[3] = {a0[0], a0[1], a0[2]};
  for (int k = 0; k < 16; k++) {
    double    x[3], pcoords[3], t = 0;
    int       sub = 0;
    vtkIdType cid = -1;
    if (!locator->IntersectWithLine(a, b, tolerance, t, x, pcoords, sub, cid, cell)) return -1;
    if (Leaves(xyz, tri, cid, direction)) return Distance(x, x0);
    for (int d = 0; d < 3; d++)
      a[d] = x[d] + step * direction[d];
  }
  return -1;
}

/* The rays of a cone around the inward normal n: n itself and TWINFE_CONE_RAYS - 1 tilted by
   TWINFE_CONE_DEG around it. */
#define TWINFE_CONE_RAYS 7
#define TWINFE_CONE_DEG 15.0
void ConeDirections(const PetscReal n[3], PetscReal dirs[TWINFE_CONE_RAYS][3])
{
  /* u, w: a basis of the plane normal to n */
  const PetscReal helper[3] = {PetscAbsReal(n[0]) < 0.9 ? 1.0 : 0.0, PetscAbsReal(n[0]) < 0.9 ? 0.0 : 1.0, 0.0};
  PetscReal       u[3]      = {n[1] * helper[2] - n[2] * helper[1], n[2] * helper[0] - n[0] * helper[2],
                               n[0] * helper[1] - n[1] * helper[0]};
  const PetscReal lu        = PetscSqrtReal(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
  for (int d = 0; d < 3; d++)
    u[d] /= lu;
  const PetscReal w[3] = {n[1] * u[2] - n[2] * u[1], n[2] * u[0] - n[0] * u[2], n[0] * u[1] - n[1] * u[0]};
  const PetscReal tilt = TWINFE_CONE_DEG * PETSC_PI / 180;
  for (int d = 0; d < 3; d++)
    dirs[0][d] = n[d];
  for (int k = 1; k < TWINFE_CONE_RAYS; k++) {
    const PetscReal phi = 2 * PETSC_PI * (k - 1) / (TWINFE_CONE_RAYS - 1);
    for (int d = 0; d < 3; d++)
      dirs[k][d] = PetscCosReal(tilt) * n[d] + PetscSinReal(tilt) * (PetscCosReal(phi) * u[d] + PetscSinReal(phi) * w[d]);
  }
}

int CompareDoubles(const void *a, const void *b)
{
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

PetscErrorCode CastRays(PetscInt nv, const PetscReal xyz[], PetscInt nt, const PetscInt tri[], const PetscReal inward[],
                        PetscReal start, PetscReal length, PetscReal tolerance, PetscReal cone_below, PetscReal distance[])
{
  PetscFunctionBeginUser;
  vtkSmartPointer<vtkPolyData> surface = TwinfeTrianglesToPolyData(nv, xyz, nt, tri);
  vtkNew<vtkStaticCellLocator> locator;
  locator->SetDataSet(surface);
  locator->BuildLocator();
  vtkNew<vtkGenericCell>      cell;
  vtkSmartPointer<vtkOBBTree> tree; /* built on the first ray the locator misses */
  vtkNew<vtkPoints>           hits;
  vtkNew<vtkIdList>           cells;
  for (PetscInt v = 0; v < nv; v++) {
    PetscReal dirs[TWINFE_CONE_RAYS][3];
    double    found[TWINFE_CONE_RAYS];
    int       nfound = 0;
    ConeDirections(inward + 3 * v, dirs);
    for (int k = 0; k < TWINFE_CONE_RAYS && (k < 1 || (nfound && found[0] < cone_below)); k++) {
      double a[3], b[3], r;
      for (int d = 0; d < 3; d++)
        a[d] = xyz[3 * v + d] + start * dirs[k][d], b[d] = xyz[3 * v + d] + length * dirs[k][d];
      r = FirstExit(locator, cell, a, b, tolerance, xyz + 3 * v, start, xyz, tri, dirs[k]);
      if (r < 0) {
        if (!tree) {
          tree = vtkSmartPointer<vtkOBBTree>::New();
          tree->SetDataSet(surface);
          tree->SetTolerance(tolerance);
          tree->BuildLocator();
        }
        r = NearestExit(tree, hits, cells, a, b, xyz + 3 * v, start, xyz, tri, dirs[k]);
      }
      if (r >= 0) found[nfound++] = r;
    }
    /* the median of the cone's walls: one ray through a voxel staircase's tooth is outvoted */
    qsort(found, (size_t)nfound, sizeof *found, CompareDoubles);
    distance[v] = nfound ? found[nfound / 2] : -1;
  }
  PetscFunctionReturn(0);
}
} // namespace

PetscErrorCode TwinfeSurfaceCastRays_VTK(PetscInt nv, const PetscReal xyz[], PetscInt nt, const PetscInt tri[],
                                         const PetscReal inward[], PetscReal start, PetscReal length, PetscReal tolerance,
                                         PetscReal cone_below, PetscReal distance[])
{
  PetscFunctionBeginUser;
  PetscCall(TwinfeCxxGuard("casting rays into", "a part's surface",
                           [&] { return CastRays(nv, xyz, nt, tri, inward, start, length, tolerance, cone_below, distance); }));
  PetscFunctionReturn(0);
}
