/* VTK adapter for surface smoothing: the only place the surface stage sees VTK types.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "surface_impl.h"
#include "core/cxx_guard.h"

#include <vtkCellArray.h>
#include <vtkCommand.h>
#include <vtkDoubleArray.h>
#include <vtkExecutive.h>
#include <vtkIdTypeArray.h>
#include <vtkNew.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkSmartPointer.h>
#include <vtkWindowedSincPolyDataFilter.h>

#include <string>

namespace {
/* Keeps VTK's first error; observing ErrorEvent also stops VTK printing it itself. */
class TwinfeSmoothErrorObserver : public vtkCommand {
public:
  static TwinfeSmoothErrorObserver *New()
  {
    return new TwinfeSmoothErrorObserver;
  }
  void Execute(vtkObject *, unsigned long, void *calldata) override
  {
    if (error.empty()) error = calldata ? static_cast<const char *>(calldata) : "unknown VTK error";
  }
  std::string error;
};

vtkSmartPointer<vtkPolyData> TwinfeMakePolyData(PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles,
                                                const PetscInt tri[])
{
  vtkNew<vtkDoubleArray> coords;
  coords->SetNumberOfComponents(3);
  coords->SetNumberOfTuples(nvertices);
  for (PetscInt v = 0; v < nvertices; v++)
    coords->SetTypedTuple(v, xyz + 3 * v);
  vtkNew<vtkPoints> points;
  points->SetData(coords);

  /* offsets/connectivity layout of VTK 9's vtkCellArray: no per-cell insertion calls */
  vtkNew<vtkIdTypeArray> offsets, connectivity;
  offsets->SetNumberOfValues(ntriangles + 1);
  connectivity->SetNumberOfValues(3 * (vtkIdType)ntriangles);
  for (PetscInt t = 0; t <= ntriangles; t++)
    offsets->SetValue(t, 3 * (vtkIdType)t);
  for (PetscInt e = 0; e < 3 * ntriangles; e++)
    connectivity->SetValue(e, tri[e]);
  vtkNew<vtkCellArray> polys;
  polys->SetData(offsets, connectivity);

  vtkSmartPointer<vtkPolyData> poly = vtkSmartPointer<vtkPolyData>::New();
  poly->SetPoints(points);
  poly->SetPolys(polys);
  return poly;
}
} // namespace

namespace {
/* VTK's filter never moves a point used by a vertex cell: the fixed points become such cells. */
void TwinfeAddFixedVertices(vtkPolyData *poly, PetscInt nvertices, const PetscBool fixed[])
{
  vtkNew<vtkCellArray> verts;
  for (PetscInt v = 0; v < nvertices; v++)
    if (fixed[v]) {
      vtkIdType id = v;
      verts->InsertNextCell(1, &id);
    }
  poly->SetVerts(verts);
}

PetscErrorCode SurfaceSmooth(PetscInt nvertices, PetscReal xyz[], PetscInt ntriangles, const PetscInt tri[], PetscInt iterations,
                             PetscReal passband, PetscReal feature_angle_deg, PetscBool feature_edges,
                             PetscBool nonmanifold_smoothing, const PetscBool fixed[])
{
  PetscFunctionBeginUser;
  vtkSmartPointer<vtkPolyData> input = TwinfeMakePolyData(nvertices, xyz, ntriangles, tri);
  if (fixed) TwinfeAddFixedVertices(input, nvertices, fixed);

  vtkNew<vtkWindowedSincPolyDataFilter>      filter;
  vtkSmartPointer<TwinfeSmoothErrorObserver> observer = vtkSmartPointer<TwinfeSmoothErrorObserver>::New();
  filter->AddObserver(vtkCommand::ErrorEvent, observer);
  filter->GetExecutive()->AddObserver(vtkCommand::ErrorEvent, observer);
  filter->SetInputData(input);
  filter->SetNumberOfIterations((int)iterations);
  filter->SetPassBand(passband);
  /* scale into the unit cube: the filter's pass band is only meaningful that way */
  filter->NormalizeCoordinatesOn();
  /* voxel staircases meet at 90 degrees: feature edges above the angle (true corners of the
     anatomy) slide only along themselves instead of being rounded off */
  filter->SetFeatureEdgeSmoothing(feature_edges ? 1 : 0);
  filter->SetFeatureAngle(feature_angle_deg);
  /* closed surfaces have no boundary; triple lines (edges of 3+ triangles) are non-manifold:
     smoothing them along themselves removes their staircase without moving them off the
     other labels, since all labels share these vertices */
  filter->BoundarySmoothingOn();
  filter->SetNonManifoldSmoothing(nonmanifold_smoothing ? 1 : 0);
  filter->Update();

  vtkPolyData *output = filter->GetOutput();
  PetscCheck(observer->error.empty() && filter->GetErrorCode() == 0, PETSC_COMM_SELF, PETSC_ERR_LIB,
             "TwinfeSurfaceSmooth: vtkWindowedSincPolyDataFilter failed: %s", observer->error.c_str());
  PetscCheck(output && output->GetNumberOfPoints() == nvertices, PETSC_COMM_SELF, PETSC_ERR_LIB,
             "TwinfeSurfaceSmooth: the filter returned %lld points for %" PetscInt_FMT
             " input points; connectivity must not change",
             output ? (long long)output->GetNumberOfPoints() : -1LL, nvertices);
  /* copy back only the coordinates: our connectivity stays the one we gave */
  for (PetscInt v = 0; v < nvertices; v++)
    output->GetPoint(v, xyz + 3 * v);
  PetscFunctionReturn(0);
}
} // namespace

PetscErrorCode TwinfeSurfaceSmooth_VTK(PetscInt nvertices, PetscReal xyz[], PetscInt ntriangles, const PetscInt tri[],
                                       PetscInt iterations, PetscReal passband, PetscReal feature_angle_deg,
                                       PetscBool feature_edges, PetscBool nonmanifold_smoothing, const PetscBool fixed[])
{
  return TwinfeCxxGuard("smoothing", "the label surfaces", [&] {
    return SurfaceSmooth(nvertices, xyz, ntriangles, tri, iterations, passband, feature_angle_deg, feature_edges,
                         nonmanifold_smoothing, fixed);
  });
}
