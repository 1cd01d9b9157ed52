/* VTK image data (.vti) label maps through vtkXMLImageDataReader, docs/image_formats.md.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The extent is read first (UpdateInformation reads the XML header only) and checked against the
 * voxel limit before VTK allocates the voxels. VTK 9.1's reader honours the ImageData element's
 * Direction attribute (row-major 3x3; checked by writing and reading one back), so
 * world = Origin + Direction * (Spacing * index), index counted from the extent's start. VTK
 * has no patient space: the coordinates are taken as LPS, as twinfe's own outputs are. */
#include "image_impl.h"
#include "core/cxx_guard.h"

#include <vtkCommand.h>
#include <vtkDataArray.h>
#include <vtkExecutive.h>
#include <vtkImageData.h>
#include <vtkInformation.h>
#include <vtkMatrix3x3.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkSmartPointer.h>
#include <vtkStreamingDemandDrivenPipeline.h>
#include <vtkXMLImageDataReader.h>

#include <cstring>
#include <string>

PetscBool TwinfeVtiProbe_Private(const unsigned char head[], size_t n)
{
  const std::string text(reinterpret_cast<const char *>(head), n);
  return (PetscBool)((text.rfind("<?xml", 0) == 0 || text.rfind("<VTKFile", 0) == 0) &&
                     text.find("type=\"ImageData\"") != std::string::npos);
}

namespace {
/* Keeps VTK's first error message instead of letting VTK print it. */
class VtiErrorObserver : public vtkCommand {
public:
  static VtiErrorObserver *New()
  {
    return new VtiErrorObserver;
  }
  void Execute(vtkObject *, unsigned long event, void *calldata) override
  {
    if (event == vtkCommand::ErrorEvent && error.empty()) {
      const char *text                = static_cast<const char *>(calldata);
      error                           = text ? text : "unknown VTK error";
      const std::string::size_type at = error.find("): ");
      if (at != std::string::npos) error = error.substr(at + 3);
      while (!error.empty() && (error.back() == '\n' || error.back() == ' '))
        error.pop_back();
    }
  }
  std::string error;
};

bool VoxelType(int vtk_type, TwinfeVoxelType *type)
{
  switch (vtk_type) {
  case VTK_UNSIGNED_CHAR:
    *type = TWINFE_VOXEL_UINT8;
    return true;
  case VTK_CHAR:
  case VTK_SIGNED_CHAR:
    *type = TWINFE_VOXEL_INT8;
    return true;
  case VTK_UNSIGNED_SHORT:
    *type = TWINFE_VOXEL_UINT16;
    return true;
  case VTK_SHORT:
    *type = TWINFE_VOXEL_INT16;
    return true;
  case VTK_UNSIGNED_INT:
    *type = TWINFE_VOXEL_UINT32;
    return true;
  case VTK_INT:
    *type = TWINFE_VOXEL_INT32;
    return true;
  case VTK_LONG:
  case VTK_LONG_LONG:
  case VTK_ID_TYPE:
    *type = sizeof(long) == 8 || vtk_type != VTK_LONG ? TWINFE_VOXEL_INT64 : TWINFE_VOXEL_INT32;
    return true;
  case VTK_UNSIGNED_LONG:
  case VTK_UNSIGNED_LONG_LONG:
    *type = sizeof(unsigned long) == 8 || vtk_type != VTK_UNSIGNED_LONG ? TWINFE_VOXEL_UINT64 : TWINFE_VOXEL_UINT32;
    return true;
  case VTK_FLOAT:
    *type = TWINFE_VOXEL_FLOAT32;
    return true;
  case VTK_DOUBLE:
    *type = TWINFE_VOXEL_FLOAT64;
    return true;
  default:
    return false;
  }
}

/* The labels: the active point scalars, else the only point array. */
PetscErrorCode FindScalars(const char path[], vtkImageData *image, vtkDataArray **scalars)
{
  PetscFunctionBeginUser;
  vtkPointData *pd = image->GetPointData();
  *scalars         = pd->GetScalars();
  if (!*scalars && pd->GetNumberOfArrays() == 1) *scalars = pd->GetArray(0);
  PetscCheck(*scalars, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s holds %d point arrays and none is marked as the scalars: a label map .vti has one point array of labels "
             "(PointData Scalars=\"name\")",
             path, pd->GetNumberOfArrays());
  PetscCheck((*scalars)->GetNumberOfComponents() == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: the point array '%s' has %d components; a label map has one value per voxel", path,
             (*scalars)->GetName() ? (*scalars)->GetName() : "", (*scalars)->GetNumberOfComponents());
  PetscFunctionReturn(0);
}

PetscErrorCode VtiRead(const char path[], const TwinfeImageReadSettings *s, TwinfeImage *image)
{
  PetscFunctionBeginUser;
  vtkNew<vtkXMLImageDataReader>     reader;
  vtkSmartPointer<VtiErrorObserver> observer = vtkSmartPointer<VtiErrorObserver>::New();
  reader->AddObserver(vtkCommand::ErrorEvent, observer);
  reader->GetExecutive()->AddObserver(vtkCommand::ErrorEvent, observer);
  reader->SetFileName(path);
  reader->UpdateInformation();
  PetscCheck(observer->error.empty(), PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: VTK cannot read this .vti file's header: %s",
             path, observer->error.c_str());
  int extent[6];
  reader->GetOutputInformation(0)->Get(vtkStreamingDemandDrivenPipeline::WHOLE_EXTENT(), extent);
  int64_t dims[3];
  for (int d = 0; d < 3; d++)
    dims[d] = (int64_t)extent[2 * d + 1] - extent[2 * d] + 1;
  PetscCall(TwinfeCheckVoxelCount_Private(path, "the .vti WholeExtent", dims, s->max_voxels));
  reader->Update();
  PetscCheck(observer->error.empty(), PETSC_COMM_SELF, PETSC_ERR_FILE_READ,
             "VTK could not read the voxels of %s (its header passed our checks): %s", path, observer->error.c_str());
  vtkImageData *grid = reader->GetOutput();
  vtkDataArray *scalars;
  PetscCheck(grid, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: VTK gave no image", path);
  PetscCall(FindScalars(path, grid, &scalars));
  PetscCheck((int64_t)scalars->GetNumberOfTuples() == dims[0] * dims[1] * dims[2], PETSC_COMM_SELF, PETSC_ERR_FILE_READ,
             "%s: the point array holds %lld values where the extent has %lld x %lld x %lld voxels: the file is damaged", path,
             (long long)scalars->GetNumberOfTuples(), (long long)dims[0], (long long)dims[1], (long long)dims[2]);
  TwinfeVoxelFormat fmt = {path, "VTK image data", TWINFE_VOXEL_UINT8, PETSC_FALSE, 0, 0, s};
  PetscCheck(VoxelType(scalars->GetDataType(), &fmt.type), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: the point array has type %s, which is not a label type (an integer type, or float/double holding whole "
             "numbers)",
             path, scalars->GetDataTypeAsString());
  PetscCall(TwinfeVoxelCheckSettings_Private(&fmt));

  /* the geometry, from the extent's first point */
  double origin[3], spacing[3], A[12];
  grid->GetOrigin(origin);
  grid->GetSpacing(spacing);
  const double *D = grid->GetDirectionMatrix()->GetData();
  for (int r = 0; r < 3; r++) {
    A[4 * r + 3] = origin[r];
    for (int c = 0; c < 3; c++) {
      A[4 * r + c] = D[3 * r + c] * spacing[c];
      A[4 * r + 3] += D[3 * r + c] * spacing[c] * extent[2 * c];
    }
  }
  PetscReal sp[3], org[3], dir[9];
  PetscCall(TwinfeAffineToGeometry_Private(path, "the .vti Origin, Spacing and Direction", A, sp, org, dir));

  int32_t *labels;
  PetscCall(PetscMalloc1((size_t)(dims[0] * dims[1] * dims[2]), &labels));
  PetscErrorCode ierr =
      TwinfeConvertVoxels_Private(&fmt, scalars->GetVoidPointer(0), (size_t)scalars->GetNumberOfTuples(), labels);
  if (ierr) PetscCall(PetscFree(labels));
  PetscCall(ierr);
  PetscCall(TwinfeImageFromGrid_Private(path, dims, sp, org, dir, &labels, image));
  PetscFunctionReturn(0);
}
} // namespace

PetscErrorCode TwinfeVtiRead_Private(const char path[], const TwinfeImageReadSettings *s, TwinfeImage *image)
{
  return TwinfeCxxGuard("reading", path, [&] { return VtiRead(path, s, image); });
}
