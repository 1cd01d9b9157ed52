/* VTK adapter for hollowing a part (hollow.c): the signed distance to a closed surface sampled on
 * a grid, the zero level of a field on that grid as triangles, and closest points.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why three VTK filters and not one: an exact point-to-triangle distance at every grid point
 * of a liver at 0.5 mm would take minutes, and only the points near the levels the caller
 * contours need it. So VTK rasterises the surface (vtkPolyDataToImageStencil: which points
 * are inside), its Euclidean distance transform (vtkImageEuclideanDistance, Saito's, linear
 * time) estimates every point's distance to the other side within about a grid step, and the
 * static cell locator's closest point makes it exact where the estimate lies within the band the
 * caller asks for. vtkFlyingEdges3D then contours the caller's field. */
#include "surface_impl.h"
#include "core/cxx_guard.h"
#include "polydata_vtk.h"

#include <vtkCellArray.h>
#include <vtkFlyingEdges3D.h>
#include <vtkFloatArray.h>
#include <vtkGenericCell.h>
#include <vtkImageData.h>
#include <vtkImageEuclideanDistance.h>
#include <vtkImageStencilToImage.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataToImageStencil.h>
#include <vtkSmartPointer.h>
#include <vtkStaticCellLocator.h>

#include <cmath>

namespace {
/* 1 at the grid points inside the closed surface, 0 outside. */
vtkSmartPointer<vtkImageData> InsideMask(vtkPolyData *surface, const PetscReal origin[3], PetscReal h, const PetscInt dims[3])
{
  vtkNew<vtkPolyDataToImageStencil> stencil;
  stencil->SetInputData(surface);
  stencil->SetOutputOrigin(origin[0], origin[1], origin[2]);
  stencil->SetOutputSpacing(h, h, h);
  stencil->SetOutputWholeExtent(0, (int)dims[0] - 1, 0, (int)dims[1] - 1, 0, (int)dims[2] - 1);
  vtkNew<vtkImageStencilToImage> image;
  image->SetInputConnection(stencil->GetOutputPort());
  image->SetInsideValue(1);
  image->SetOutsideValue(0);
  image->SetOutputScalarTypeToUnsignedChar();
  image->Update();
  vtkSmartPointer<vtkImageData> mask = image->GetOutput();
  return mask;
}

/* Squared distance, in grid steps, from each point where mask == side to the nearest point
   where it is not (0 elsewhere). */
vtkSmartPointer<vtkImageData> DistanceToOtherSide(vtkImageData *mask, int side, const PetscInt dims[3])
{
  const vtkIdType      n  = (vtkIdType)dims[0] * dims[1] * dims[2];
  auto                *in = static_cast<const unsigned char *>(mask->GetScalarPointer());
  vtkNew<vtkImageData> seeds;
  seeds->SetDimensions((int)dims[0], (int)dims[1], (int)dims[2]);
  seeds->AllocateScalars(VTK_FLOAT, 1);
  auto *s = static_cast<float *>(seeds->GetScalarPointer());
  for (vtkIdType i = 0; i < n; i++)
    s[i] = in[i] == side ? 1.0f : 0.0f; /* the transform measures to the zeros */
  vtkNew<vtkImageEuclideanDistance> edt;
  edt->SetInputData(seeds);
  edt->SetAlgorithmToSaito();
  edt->InitializeOn();
  edt->ConsiderAnisotropyOff();
  edt->Update();
  vtkSmartPointer<vtkImageData> distance = edt->GetOutput();
  return distance;
}

PetscErrorCode SignedDistance(PetscInt nv, const PetscReal xyz[], PetscInt nt, const PetscInt tri[], const PetscReal origin[3],
                              PetscReal h, const PetscInt dims[3], PetscReal lo, PetscReal hi, float distance[], PetscInt *nexact)
{
  PetscFunctionBeginUser;
  vtkSmartPointer<vtkPolyData>  surface = TwinfeTrianglesToPolyData(nv, xyz, nt, tri);
  vtkSmartPointer<vtkImageData> mask    = InsideMask(surface, origin, h, dims);
  vtkSmartPointer<vtkImageData> din = DistanceToOtherSide(mask, 1, dims), dout = DistanceToOtherSide(mask, 0, dims);
  auto                         *inside = static_cast<const unsigned char *>(mask->GetScalarPointer());
  auto                         *sin    = static_cast<const double *>(din->GetScalarPointer());
  auto                         *sout   = static_cast<const double *>(dout->GetScalarPointer());
  vtkNew<vtkStaticCellLocator>  locator;
  locator->SetDataSet(surface);
  locator->BuildLocator();
  vtkNew<vtkGenericCell> cell;
  /* the estimate is the distance to the nearest grid point on the other side: the surface lies
     between, at most about 1.5 steps nearer */
  const PetscReal margin = 2 * h;
  *nexact                = 0;
  for (PetscInt k = 0, i = 0; k < dims[2]; k++)
    for (PetscInt j = 0; j < dims[1]; j++)
      for (PetscInt l = 0; l < dims[0]; l++, i++) {
        const PetscReal estimate = inside[i] ? h * std::sqrt(sin[i]) : -h * std::sqrt(sout[i]);
        if (estimate < lo - margin || estimate > hi + margin) {
          distance[i] = (float)estimate;
          continue;
        }
        double    x[3] = {origin[0] + l * h, origin[1] + j * h, origin[2] + k * h}, y[3], d2;
        vtkIdType cid;
        int       sub;
        locator->FindClosestPoint(x, y, cell, cid, sub, d2);
        distance[i] = (float)(inside[i] ? std::sqrt(d2) : -std::sqrt(d2));
        ++*nexact;
      }
  PetscFunctionReturn(0);
}

PetscErrorCode Contour(const PetscReal origin[3], PetscReal h, const PetscInt dims[3], const float field[], PetscInt *nv,
                       PetscReal **xyz, PetscInt *nt, PetscInt **tri)
{
  PetscFunctionBeginUser;
  const vtkIdType       n = (vtkIdType)dims[0] * dims[1] * dims[2];
  vtkNew<vtkFloatArray> values;
  values->SetArray(const_cast<float *>(field), n, 1); /* borrowed: the caller keeps it alive */
  vtkNew<vtkImageData> grid;
  grid->SetDimensions((int)dims[0], (int)dims[1], (int)dims[2]);
  grid->SetOrigin(origin[0], origin[1], origin[2]);
  grid->SetSpacing(h, h, h);
  grid->GetPointData()->SetScalars(values);
  vtkNew<vtkFlyingEdges3D> contour;
  contour->SetInputData(grid);
  contour->SetValue(0, 0.0);
  contour->ComputeNormalsOff();
  contour->ComputeGradientsOff();
  contour->ComputeScalarsOff();
  contour->Update();
  vtkPolyData  *out   = contour->GetOutput();
  vtkCellArray *polys = out->GetPolys();
  *nv                 = out->GetNumberOfPoints();
  *nt                 = polys->GetNumberOfCells();
  PetscCall(PetscMalloc1(3 * *nv + 1, xyz));
  PetscCall(PetscMalloc1(3 * *nt + 1, tri));
  for (PetscInt v = 0; v < *nv; v++)
    out->GetPoint(v, *xyz + 3 * v);
  vtkNew<vtkIdList> ids;
  for (PetscInt t = 0; t < *nt; t++) {
    polys->GetCellAtId(t, ids);
    for (int c = 0; c < 3; c++)
      (*tri)[3 * t + c] = ids->GetId(c);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode Closest(PetscInt nv, const PetscReal xyz[], PetscInt nt, const PetscInt tri[], PetscInt np, const PetscReal p[],
                       PetscReal q[], PetscInt triangle[], PetscReal distance[])
{
  PetscFunctionBeginUser;
  vtkSmartPointer<vtkPolyData> surface = TwinfeTrianglesToPolyData(nv, xyz, nt, tri);
  vtkNew<vtkStaticCellLocator> locator;
  locator->SetDataSet(surface);
  locator->BuildLocator();
  vtkNew<vtkGenericCell> cell;
  for (PetscInt i = 0; i < np; i++) {
    double    x[3] = {p[3 * i], p[3 * i + 1], p[3 * i + 2]}, y[3], d2;
    vtkIdType cid;
    int       sub;
    locator->FindClosestPoint(x, y, cell, cid, sub, d2);
    for (int d = 0; d < 3 && q; d++)
      q[3 * i + d] = y[d];
    if (triangle) triangle[i] = cid;
    distance[i] = std::sqrt(d2);
  }
  PetscFunctionReturn(0);
}
} // namespace

PetscErrorCode TwinfeSurfaceSignedDistance_VTK(PetscInt nv, const PetscReal xyz[], PetscInt nt, const PetscInt tri[],
                                               const PetscReal origin[3], PetscReal h, const PetscInt dims[3], PetscReal lo,
                                               PetscReal hi, float distance[], PetscInt *nexact)
{
  PetscFunctionBeginUser;
  PetscCall(TwinfeCxxGuard("sampling the distance to", "a part's surface",
                           [&] { return SignedDistance(nv, xyz, nt, tri, origin, h, dims, lo, hi, distance, nexact); }));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceContour_VTK(const PetscReal origin[3], PetscReal h, const PetscInt dims[3], const float field[],
                                        PetscInt *nv, PetscReal **xyz, PetscInt *nt, PetscInt **tri)
{
  PetscFunctionBeginUser;
  PetscCall(
      TwinfeCxxGuard("contouring", "a hollowed part's field", [&] { return Contour(origin, h, dims, field, nv, xyz, nt, tri); }));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceClosest_VTK(PetscInt nv, const PetscReal xyz[], PetscInt nt, const PetscInt tri[], PetscInt np,
                                        const PetscReal p[], PetscReal q[], PetscInt triangle[], PetscReal distance[])
{
  PetscFunctionBeginUser;
  PetscCall(TwinfeCxxGuard("finding closest points on", "a part's surface",
                           [&] { return Closest(nv, xyz, nt, tri, np, p, q, triangle, distance); }));
  PetscFunctionReturn(0);
}
