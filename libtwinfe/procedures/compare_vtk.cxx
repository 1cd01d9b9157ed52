/* VTK adapter of the rehearsal's comparison (rehearse.c): a step's final fields on the baseline
 * mesh, beside the baseline's, and their difference; the meshes' volumes; a resection's margin.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * vtkProbeFilter interpolates the step's point fields at the baseline mesh's points (linearly
 * in the step's cell holding each; vtkValidPointMask marks the points outside the step's mesh,
 * tissue the step removed), so the two meshes need not match: a resection remeshes. Where
 * they are the same mesh (a step that changes only loads) the probe returns the step's values
 * at its own nodes, and a step that changes nothing gives differences at round-off. */
#include "procedures_impl.h"
#include "core/cxx_guard.h"
#include "io/results_vtk.h"

#include <vtkCellData.h>
#include <vtkCellSizeFilter.h>
#include <vtkCharArray.h>
#include <vtkDataArray.h>
#include <vtkDataSetSurfaceFilter.h>
#include <vtkDoubleArray.h>
#include <vtkGenericCell.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkProbeFilter.h>
#include <vtkSmartPointer.h>
#include <vtkStaticCellLocator.h>
#include <vtkThreshold.h>
#include <vtkUnstructuredGrid.h>
#include <vtkXMLUnstructuredGridWriter.h>

#include <cmath>
#include <cstring>
#include <string>

/* A point of the step's boundary this far from the baseline's is on the cut: the untouched
   surface moves less between the two meshes (remeshing and smoothing: under 0.3 voxel). */
#define TWINFE_CUT_SURFACE_MM 1.0

namespace {
double Volume(vtkUnstructuredGrid *grid)
{
  vtkNew<vtkCellSizeFilter> sizes;
  sizes->SetInputData(grid);
  sizes->ComputeSumOn();
  sizes->Update();
  vtkDataArray *sum = vtkDataSet::SafeDownCast(sizes->GetOutput())->GetFieldData()->GetArray("Volume");
  return sum ? sum->GetTuple1(0) : 0;
}

double Norm(vtkDataArray *a, vtkIdType i)
{
  double s = 0;
  for (int c = 0; c < a->GetNumberOfComponents(); c++)
    s += a->GetComponent(i, c) * a->GetComponent(i, c);
  return std::sqrt(s);
}

/* Distances to the nearest point of a surface's triangles (VTK's static cell locator). */
struct Nearest {
  vtkNew<vtkStaticCellLocator> locator;
  vtkNew<vtkGenericCell>       cell;
  explicit Nearest(vtkPolyData *surface)
  {
    locator->SetDataSet(surface);
    locator->BuildLocator();
  }
  double Distance(const double x[3])
  {
    double    y[3], d2;
    vtkIdType cid;
    int       sub;
    locator->FindClosestPoint(x, y, cell, cid, sub, d2);
    return std::sqrt(d2);
  }
};

/* The least distance from the baseline surface of cells of region to the step's boundary. */
double Margin(vtkUnstructuredGrid *baseline, vtkUnstructuredGrid *step, PetscInt region)
{
  vtkNew<vtkThreshold> cells;
  cells->SetInputData(baseline);
  cells->SetInputArrayToProcess(0, 0, 0, vtkDataObject::FIELD_ASSOCIATION_CELLS, "region");
  cells->SetLowerThreshold(region - 0.5);
  cells->SetUpperThreshold(region + 0.5);
  cells->SetThresholdFunction(vtkThreshold::THRESHOLD_BETWEEN);
  vtkNew<vtkDataSetSurfaceFilter> region_surface, step_surface;
  region_surface->SetInputConnection(cells->GetOutputPort());
  region_surface->Update();
  step_surface->SetInputData(step);
  step_surface->Update();
  vtkPolyData *from = region_surface->GetOutput(), *to = step_surface->GetOutput();
  if (from->GetNumberOfPoints() == 0 || to->GetNumberOfCells() == 0) return -1;
  Nearest nearest(to);
  double  least = -1;
  for (vtkIdType i = 0; i < from->GetNumberOfPoints(); i++) {
    const double d = nearest.Distance(from->GetPoint(i));
    if (least < 0 || d < least) least = d;
  }
  return least;
}

/* The largest displacement of the step's boundary where it is new: its points farther than
   tolerance from the baseline's boundary (the cut surface of a resection). -1 when there is none. */
double CutSurfaceShift(vtkUnstructuredGrid *baseline, vtkUnstructuredGrid *step, double tolerance, PetscInt *npoints)
{
  vtkNew<vtkDataSetSurfaceFilter> before, after;
  before->SetInputData(baseline);
  before->Update();
  after->SetInputData(step);
  after->Update();
  vtkPolyData  *old_surface = before->GetOutput(), *new_surface = after->GetOutput();
  vtkDataArray *u = new_surface->GetPointData()->GetArray("displacement");
  *npoints        = 0;
  if (!u || old_surface->GetNumberOfCells() == 0) return -1;
  Nearest nearest(old_surface);
  double  shift = -1;
  for (vtkIdType i = 0; i < new_surface->GetNumberOfPoints(); i++) {
    if (nearest.Distance(new_surface->GetPoint(i)) <= tolerance) continue;
    shift = std::fmax(shift, Norm(u, i));
    ++*npoints;
  }
  return shift;
}

/* Where a wall field's change is summarised: max and mean of its magnitude over the baseline's
   wall (its points with a wall shear stress; NULL for other fields). */
static void WallSummary(const char name[], TwinfeComparison *cmp, PetscReal **max, PetscReal **mean)
{
  *max = *mean = NULL;
  if (!strcmp(name, "wall_shear_stress")) *max = &cmp->max_wss_change_Pa, *mean = &cmp->mean_wss_change_Pa;
  if (!strcmp(name, "tawss")) *max = &cmp->max_tawss_change_Pa, *mean = &cmp->mean_tawss_change_Pa;
  if (!strcmp(name, "osi")) *max = &cmp->max_osi_change, *mean = &cmp->mean_osi_change;
}

/* Beside each of the step's point fields found in the baseline too: <name>_baseline and
   <name>_change (step - baseline; 0 where the point is outside the step's mesh). */
void AddChanges(vtkUnstructuredGrid *baseline, vtkDataSet *probed, TwinfeComparison *cmp)
{
  vtkPointData *base = baseline->GetPointData(), *step = probed->GetPointData();
  vtkDataArray *valid       = step->GetArray("vtkValidPointMask");
  vtkDataArray *wall_stress = base->GetArray("wall_shear_stress"); /* 0 off the wall */
  const int     n           = step->GetNumberOfArrays();
  for (int a = 0; a < n; a++) {
    vtkDataArray *s = step->GetArray(a);
    if (!s || !s->GetName() || !strcmp(s->GetName(), "vtkValidPointMask")) continue;
    vtkDataArray *b = base->GetArray(s->GetName());
    if (!b || b->GetNumberOfComponents() != s->GetNumberOfComponents()) continue;
    vtkNew<vtkDoubleArray> copy, change;
    copy->DeepCopy(b);
    copy->SetName((std::string(s->GetName()) + "_baseline").c_str());
    change->SetNumberOfComponents(s->GetNumberOfComponents());
    change->SetNumberOfTuples(s->GetNumberOfTuples());
    change->SetName((std::string(s->GetName()) + "_change").c_str());
    const bool displacement = !strcmp(s->GetName(), "displacement");
    PetscReal *max, *mean;
    double     sum  = 0;
    vtkIdType  wall = 0;
    WallSummary(s->GetName(), cmp, &max, &mean);
    for (vtkIdType i = 0; i < s->GetNumberOfTuples(); i++) {
      const bool inside = !valid || valid->GetTuple1(i) != 0;
      for (int c = 0; c < s->GetNumberOfComponents(); c++)
        change->SetComponent(i, c, inside ? s->GetComponent(i, c) - b->GetComponent(i, c) : 0.0);
      if (displacement && inside) cmp->max_displacement_change_mm = std::fmax(cmp->max_displacement_change_mm, Norm(change, i));
      if (max && inside && wall_stress && Norm(wall_stress, i) > 0) {
        *max = std::fmax(*max, Norm(change, i));
        sum += Norm(change, i), wall++;
      }
    }
    if (max && wall) *mean = sum / wall;
    step->AddArray(copy);
    step->AddArray(change);
  }
}

PetscErrorCode Compare(const char baseline_path[], const char step_path[], const char out[], PetscInt region,
                       TwinfeComparison *cmp)
{
  PetscFunctionBeginUser;
  vtkSmartPointer<vtkUnstructuredGrid> baseline = TwinfeReadResultsGrid(baseline_path), step = TwinfeReadResultsGrid(step_path);
  PetscCheck(baseline->GetNumberOfCells() > 0 && step->GetNumberOfCells() > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ,
             "comparing %s with %s: one holds no cells", step_path, baseline_path);
  vtkNew<vtkProbeFilter> probe;
  probe->SetInputData(baseline);
  probe->SetSourceData(step);
  probe->PassCellArraysOn(); /* the baseline's region ids stay with its cells */
  probe->Update();
  vtkDataSet *probed = probe->GetOutput();
  AddChanges(baseline, probed, cmp);
  vtkDataArray *valid = probed->GetPointData()->GetArray("vtkValidPointMask");
  for (vtkIdType i = 0; valid && i < valid->GetNumberOfTuples(); i++)
    cmp->points_outside += valid->GetTuple1(i) == 0;
  if (vtkDataArray *u = step->GetPointData()->GetArray("displacement"))
    for (vtkIdType i = 0; i < u->GetNumberOfTuples(); i++)
      cmp->max_displacement_mm = std::fmax(cmp->max_displacement_mm, Norm(u, i));
  cmp->baseline_volume_mm3  = Volume(baseline);
  cmp->step_volume_mm3      = Volume(step);
  cmp->margin_mm            = region >= 0 ? Margin(baseline, step, region) : -1;
  cmp->cut_surface_shift_mm = region >= 0 ? CutSurfaceShift(baseline, step, TWINFE_CUT_SURFACE_MM, &cmp->cut_surface_points) : -1;
  vtkNew<vtkXMLUnstructuredGridWriter> writer;
  writer->SetFileName(out);
  writer->SetInputData(probed);
  writer->SetDataModeToAppended();
  writer->EncodeAppendedDataOff();
  PetscCheck(writer->Write() == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write %s", out);
  PetscFunctionReturn(0);
}
PetscErrorCode Gradient(const char path[], const PetscReal a[3], const PetscReal b[3], PetscReal *gradient)
{
  PetscFunctionBeginUser;
  vtkSmartPointer<vtkUnstructuredGrid> grid = TwinfeReadResultsGrid(path);
  vtkNew<vtkPoints>                    points;
  points->InsertNextPoint(a);
  points->InsertNextPoint(b);
  vtkNew<vtkPolyData> pair;
  pair->SetPoints(points);
  vtkNew<vtkProbeFilter> probe;
  probe->SetInputData(pair);
  probe->SetSourceData(grid);
  probe->Update();
  vtkDataArray *p     = probe->GetOutput()->GetPointData()->GetArray("pressure");
  vtkDataArray *valid = probe->GetOutput()->GetPointData()->GetArray("vtkValidPointMask");
  PetscCheck(p && valid && valid->GetTuple1(0) && valid->GetTuple1(1), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "%s: no pressure at the segment's ends (%g, %g, %g) and (%g, %g, %g): they lie outside the lumen", path,
             (double)a[0], (double)a[1], (double)a[2], (double)b[0], (double)b[1], (double)b[2]);
  const double length = std::sqrt((b[0] - a[0]) * (b[0] - a[0]) + (b[1] - a[1]) * (b[1] - a[1]) + (b[2] - a[2]) * (b[2] - a[2]));
  *gradient           = (p->GetTuple1(0) - p->GetTuple1(1)) / length;
  PetscFunctionReturn(0);
}
} // namespace

PetscErrorCode TwinfePressureGradient_VTK(const char results[], const PetscReal a[3], const PetscReal b[3], PetscReal *gradient)
{
  PetscFunctionBeginUser;
  PetscCall(TwinfeCxxGuard("probing the pressure in", results, [&] { return Gradient(results, a, b, gradient); }));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCompareResults_VTK(const char baseline[], const char step[], const char out[], PetscInt region,
                                        TwinfeComparison *cmp)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(cmp, sizeof *cmp));
  PetscCall(TwinfeCxxGuard("comparing", step, [&] { return Compare(baseline, step, out, region, cmp); }));
  PetscFunctionReturn(0);
}
