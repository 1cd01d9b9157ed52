/* VTK adapter for a run's pictures (pictures.h): PNG snapshots of the key fields of the last
 * results state, for report.html and for a planner who has no ParaView at hand.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every picture is the same view -- from the front (anterior: the camera on -y in LPS), head up
 * (+z), on white, with a title and a colour bar -- so that pictures of one patient compare at a
 * glance. Colour ranges run from the field's least to its largest value, except von Mises
 * stress, whose top is its 98th percentile: the stress concentrates at the clamped edges, and
 * the largest value alone would paint the rest of the organ one colour (the bar says so).
 * Drawing needs an X display (display.c). */
#include "io/picture_vtk.h"
#include "io/pictures.h"
#include "io/results_vtk.h"
#include "core/cxx_guard.h"

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkCellData.h>
#include <vtkCutter.h>
#include <vtkDataArray.h>
#include <vtkDataSetMapper.h>
#include <vtkDataSetSurfaceFilter.h>
#include <vtkLookupTable.h>
#include <vtkNew.h>
#include <vtkPNGWriter.h>
#include <vtkPlane.h>
#include <vtkPointData.h>
#include <vtkPolyData.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkScalarBarActor.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>
#include <vtkThreshold.h>
#include <vtkUnstructuredGrid.h>
#include <vtkWarpVector.h>
#include <vtkWindowToImageFilter.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace {
void *x_display = nullptr; /* the X connection twinfe opened (display.c), lent to every window */

vtkDataArray *FindArray(vtkDataSet *data, const char name[], bool *cell)
{
  vtkDataArray *a = data->GetPointData()->GetArray(name);
  *cell           = false;
  if (!a && (a = data->GetCellData()->GetArray(name))) *cell = true;
  return a;
}

/* The magnitudes of an array's tuples (the value itself for one component). */
std::vector<double> Magnitudes(vtkDataArray *a)
{
  std::vector<double> m(a ? a->GetNumberOfTuples() : 0);
  for (size_t i = 0; i < m.size(); i++) {
    double s = 0;
    for (int c = 0; c < a->GetNumberOfComponents(); c++)
      s += a->GetComponent(i, c) * a->GetComponent(i, c);
    m[i] = a->GetNumberOfComponents() == 1 ? a->GetComponent(i, 0) : std::sqrt(s);
  }
  return m;
}

/* Viridis (matplotlib's): light where the value is large, dark where small, and read the same
   by colour-blind eyes and in grey print, unlike the rainbow. Five of its stops, interpolated. */
void Viridis(vtkLookupTable *table)
{
  static const double stops[5][3] = {
      {0.267, 0.005, 0.329}, {0.231, 0.322, 0.545}, {0.129, 0.569, 0.549}, {0.369, 0.788, 0.384}, {0.992, 0.906, 0.145}};
  const int n = 256;
  table->SetNumberOfTableValues(n);
  for (int i = 0; i < n; i++) {
    const double t = 4.0 * i / (n - 1);
    const int    k = std::min(3, (int)t);
    double       rgb[3];
    for (int c = 0; c < 3; c++)
      rgb[c] = stops[k][c] + (t - k) * (stops[k + 1][c] - stops[k][c]);
    table->SetTableValue(i, rgb[0], rgb[1], rgb[2], 1.0);
  }
}

vtkSmartPointer<vtkScalarBarActor> Legend(vtkScalarsToColors *colours, const std::string &title)
{
  auto legend = vtkSmartPointer<vtkScalarBarActor>::New();
  legend->SetLookupTable(colours);
  legend->SetTitle(title.c_str());
  legend->SetNumberOfLabels(5);
  legend->SetUnconstrainedFontSize(true); /* else VTK shrinks the title to the bar's width */
  for (vtkTextProperty *t : {legend->GetTitleTextProperty(), legend->GetLabelTextProperty()}) {
    t->SetFontSize(14);
    t->SetColor(0, 0, 0);
    t->SetItalic(false);
    t->SetShadow(false);
  }
  legend->SetWidth(0.1);
  legend->SetPosition(0.85, 0.1);
  return legend;
}

void AddText(vtkRenderer *renderer, const std::string &text, int size, int x, int y)
{
  vtkNew<vtkTextActor> actor;
  actor->SetInput(text.c_str());
  actor->GetTextProperty()->SetColor(0, 0, 0);
  actor->GetTextProperty()->SetFontSize(size);
  actor->SetDisplayPosition(x, y);
  renderer->AddActor2D(actor);
}

/* The camera in front of the bounds (anterior is -y in LPS), head (+z) up, then the window
   drawn and written. */
PetscErrorCode Snapshot(vtkRenderer *renderer, const double bounds[6], const char path[])
{
  double centre[3];
  PetscFunctionBeginUser;
  for (int d = 0; d < 3; d++)
    centre[d] = 0.5 * (bounds[2 * d] + bounds[2 * d + 1]);
  vtkCamera *camera = renderer->GetActiveCamera();
  camera->SetFocalPoint(centre);
  camera->SetPosition(centre[0], centre[1] - 1000, centre[2]);
  camera->SetViewUp(0, 0, 1);
  renderer->ResetCamera(const_cast<double *>(bounds));
  camera->Zoom(0.9); /* room for the bar on the right */
  vtkNew<vtkRenderWindow> window;
  PetscCheck(x_display, PETSC_COMM_SELF, PETSC_ERR_ORDER, "No X display to draw %s on: TwinfeDisplayAcquire first", path);
  window->SetDisplayId(x_display); /* not VTK's own connection from DISPLAY: see display.c */
  window->SetOffScreenRendering(1);
  window->SetSize(TWINFE_PICTURE_WIDTH, TWINFE_PICTURE_HEIGHT);
  window->AddRenderer(renderer);
  window->Render();
  vtkNew<vtkWindowToImageFilter> image;
  image->SetInput(window);
  image->Update();
  vtkNew<vtkPNGWriter> writer;
  writer->SetFileName(path);
  writer->SetInputConnection(image->GetOutputPort());
  writer->Write();
  PetscCheck(writer->GetErrorCode() == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write the picture %s", path);
  PetscFunctionReturn(0);
}
} // namespace

PetscErrorCode TwinfeDrawSurfacePicture(vtkDataSet *data, const TwinfePictureSpec &spec, const char path[])
{
  PetscFunctionBeginUser;
  vtkNew<vtkDataSetSurfaceFilter> surface;
  vtkNew<vtkWarpVector>           warp;
  vtkNew<vtkCutter>               cutter;
  vtkNew<vtkPlane>                plane;
  vtkAlgorithm                   *shown = surface;
  double                          bounds[6];
  data->GetBounds(bounds);
  surface->SetInputData(data);
  if (spec.warp) { /* the deformed shape: displacement added to the coordinates (scale 1: real size) */
    warp->SetInputConnection(surface->GetOutputPort());
    warp->SetInputArrayToProcess(0, 0, 0, vtkDataObject::FIELD_ASSOCIATION_POINTS, "displacement");
    warp->SetScaleFactor(1.0);
    shown = warp;
  }
  if (spec.mid_plane) { /* a coronal plane through the middle: what flows inside the vessel */
    plane->SetOrigin(0.5 * (bounds[0] + bounds[1]), 0.5 * (bounds[2] + bounds[3]), 0.5 * (bounds[4] + bounds[5]));
    plane->SetNormal(0, 1, 0);
    cutter->SetCutFunction(plane);
    cutter->SetInputData(data);
    shown = cutter;
  }
  vtkNew<vtkLookupTable> colours;
  Viridis(colours);
  colours->SetVectorModeToMagnitude();
  colours->SetRange(spec.range[0], spec.range[1] > spec.range[0] ? spec.range[1] : spec.range[0] + 1);
  vtkNew<vtkDataSetMapper> mapper;
  mapper->SetInputConnection(shown->GetOutputPort());
  mapper->SetLookupTable(colours);
  mapper->SetScalarMode(spec.cell ? VTK_SCALAR_MODE_USE_CELL_FIELD_DATA : VTK_SCALAR_MODE_USE_POINT_FIELD_DATA);
  mapper->SelectColorArray(spec.field.c_str());
  mapper->SetColorModeToMapScalars();
  mapper->UseLookupTableScalarRangeOn();
  mapper->ScalarVisibilityOn();
  vtkNew<vtkActor> actor;
  actor->SetMapper(mapper);
  vtkNew<vtkRenderer> renderer;
  renderer->SetBackground(1, 1, 1);
  renderer->AddActor(actor);
  if (spec.mid_plane) { /* the wall, faint, around the plane */
    vtkNew<vtkDataSetMapper> wall_mapper;
    wall_mapper->SetInputConnection(surface->GetOutputPort());
    wall_mapper->ScalarVisibilityOff();
    vtkNew<vtkActor> wall;
    wall->SetMapper(wall_mapper);
    wall->GetProperty()->SetColor(0.6, 0.6, 0.6);
    wall->GetProperty()->SetOpacity(0.15);
    renderer->AddActor(wall);
  }
  renderer->AddActor2D(Legend(colours, spec.bar));
  AddText(renderer, spec.title, 20, 12, TWINFE_PICTURE_HEIGHT - 30);
  if (!spec.note.empty()) AddText(renderer, spec.note, 13, 12, 10);
  PetscCall(Snapshot(renderer, bounds, path));
  PetscFunctionReturn(0);
}

namespace {
/* The regions, each its own colour; all but the smallest region half see-through, so that a
   tumour inside its organ shows. */
PetscErrorCode RegionsPicture(vtkUnstructuredGrid *grid, PetscInt n, const PetscInt labels[], const char *const names[],
                              const char path[])
{
  static const double    palette[][3] = {{0.84, 0.37, 0.30}, {0.95, 0.80, 0.25}, {0.30, 0.55, 0.80}, {0.40, 0.70, 0.35},
                                         {0.60, 0.40, 0.70}, {0.95, 0.55, 0.15}, {0.45, 0.75, 0.80}, {0.65, 0.50, 0.35}};
  double                 bounds[6];
  vtkNew<vtkRenderer>    renderer;
  std::vector<vtkIdType> cells(n, 0);
  vtkDataArray          *region = grid->GetCellData()->GetArray("region");
  PetscFunctionBeginUser;
  PetscCheck(region, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "The results have no region array");
  for (vtkIdType c = 0; c < region->GetNumberOfTuples(); c++)
    for (PetscInt r = 0; r < n; r++)
      if ((PetscInt)region->GetComponent(c, 0) == labels[r]) cells[r]++;
  const PetscInt smallest = (PetscInt)(std::min_element(cells.begin(), cells.end()) - cells.begin());
  grid->GetBounds(bounds);
  renderer->SetBackground(1, 1, 1);
  for (PetscInt r = 0, shown = 0; r < n; r++) {
    if (!cells[r]) continue;
    vtkNew<vtkThreshold> part;
    part->SetInputData(grid);
    part->SetInputArrayToProcess(0, 0, 0, vtkDataObject::FIELD_ASSOCIATION_CELLS, "region");
    part->SetLowerThreshold(labels[r] - 0.5);
    part->SetUpperThreshold(labels[r] + 0.5);
    part->SetThresholdFunction(vtkThreshold::THRESHOLD_BETWEEN);
    vtkNew<vtkDataSetSurfaceFilter> surface;
    surface->SetInputConnection(part->GetOutputPort());
    vtkNew<vtkDataSetMapper> mapper;
    mapper->SetInputConnection(surface->GetOutputPort());
    mapper->ScalarVisibilityOff();
    vtkNew<vtkActor> actor;
    actor->SetMapper(mapper);
    const double *rgb = palette[shown % 8];
    actor->GetProperty()->SetColor(rgb[0], rgb[1], rgb[2]);
    if (n > 1 && r != smallest) actor->GetProperty()->SetOpacity(0.45);
    renderer->AddActor(actor);
    vtkNew<vtkTextActor> key; /* the legend: the region's name in its colour */
    key->SetInput((std::string("\xe2\x96\xa0 ") + (names && names[r] ? names[r] : "region")).c_str());
    key->GetTextProperty()->SetColor(rgb[0], rgb[1], rgb[2]);
    key->GetTextProperty()->SetFontSize(16);
    key->GetTextProperty()->SetBold(true);
    key->SetDisplayPosition(TWINFE_PICTURE_WIDTH - 170, TWINFE_PICTURE_HEIGHT - 60 - 22 * (int)shown);
    renderer->AddActor2D(key);
    shown++;
  }
  AddText(renderer, "Regions (from the front, head up)", 20, 12, TWINFE_PICTURE_HEIGHT - 30);
  PetscCall(Snapshot(renderer, bounds, path));
  PetscFunctionReturn(0);
}

struct FieldView {
  const char *name, *label, *units;
  bool        warp, mid_plane, percentile;
};

/* What is drawn, in this order, when the results hold it. */
const FieldView field_views[] = {
    {"displacement", "Displacement", "mm", true, false, false},
    {"von_mises", "von Mises stress", "Pa", false, false, true},
    {"pressure", "Pressure", "Pa", false, false, false},
    {"wall_shear_stress", "Wall shear stress", "Pa", false, false, false},
    {"velocity", "Velocity on the mid coronal plane", "mm/s", false, true, false},
    {"tawss", "Time-averaged wall shear stress", "Pa", false, false, false},
    {"osi", "Oscillatory shear index", "-", false, false, false},
};

PetscErrorCode Draw(const char results[], const char dir[], PetscInt n, const PetscInt labels[], const char *const names[],
                    TwinfePictures *pictures)
{
  static const char *const             drawn[] = {"region",   "displacement", "von_mises", "pressure", "wall_shear_stress",
                                                  "velocity", "tawss",        "osi",       nullptr};
  vtkSmartPointer<vtkUnstructuredGrid> grid    = TwinfeReadResultsGrid(results, drawn);
  const std::string                    d(dir);
  PetscFunctionBeginUser;
  PetscCheck(grid && grid->GetNumberOfCells() > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "Cannot read the results %s to draw them", results);
  pictures->n = 0;
  auto add    = [&](const std::string &file, const std::string &caption) {
    snprintf(pictures->file[pictures->n], sizeof pictures->file[0], "%s", file.c_str());
    snprintf(pictures->caption[pictures->n], sizeof pictures->caption[0], "%s", caption.c_str());
    pictures->n++;
  };
  if (grid->GetCellData()->GetArray("region")) {
    PetscCall(RegionsPicture(grid, n, labels, names, (d + "/picture_regions.png").c_str()));
    add("picture_regions.png", "The regions modelled, seen from the front (anterior), head up");
  }
  for (const FieldView &v : field_views) {
    bool          cell;
    vtkDataArray *a = FindArray(grid, v.name, &cell);
    if (!a || pictures->n >= TWINFE_MAX_PICTURES) continue;
    if (v.warp && a->GetNumberOfComponents() != 3) continue;
    std::vector<double> m = Magnitudes(a);
    if (m.empty()) continue;
    TwinfePictureSpec spec;
    spec.field     = v.name;
    spec.cell      = cell;
    spec.warp      = v.warp;
    spec.mid_plane = v.mid_plane;
    std::sort(m.begin(), m.end());
    spec.range[0] = a->GetNumberOfComponents() == 1 ? m.front() : 0;
    spec.range[1] = v.percentile ? m[(size_t)(0.98 * (m.size() - 1))] : m.back();
    spec.title    = std::string(v.label) + (v.warp ? ", on the deformed shape (true scale)" : "");
    spec.bar      = v.units; /* the title names the field; a long bar title would run off the picture */
    char note[160];
    snprintf(note, sizeof note, "largest %.4g %s%s", m.back(), v.units,
             v.percentile ? "; colours stop at the 98th percentile of the cells" : "");
    spec.note              = note;
    const std::string file = std::string("picture_") + v.name + ".png";
    PetscCall(TwinfeDrawSurfacePicture(grid, spec, (d + "/" + file).c_str()));
    add(file, spec.title + ", seen from the front; " + note);
  }
  PetscFunctionReturn(0);
}
} // namespace

void TwinfeVTKSetXDisplay(void *x)
{
  x_display = x;
}

PetscErrorCode TwinfeDrawResultsPictures_VTK(const char results[], const char dir[], PetscInt n, const PetscInt labels[],
                                             const char *const names[], TwinfePictures *pictures)
{
  PetscFunctionBeginUser;
  PetscCall(TwinfeCxxGuard("drawing the pictures of", results, [&] { return Draw(results, dir, n, labels, names, pictures); }));
  PetscFunctionReturn(0);
}
