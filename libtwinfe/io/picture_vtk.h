/* For the VTK adapters (io, procedures) (C++ only): one picture of a field on a grid's outer
 * surface, in twinfe's one view (pictures_vtk.cxx).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#ifndef __cplusplus
#error "picture_vtk.h is for the C++ adapters only"
#endif
#include <petscsys.h>
#include <vtkDataSet.h>

#include <string>

struct TwinfePictureSpec {
  std::string field;             /* the point or cell array shown, by its magnitude */
  bool        cell      = false; /* a cell array */
  bool        warp      = false; /* on the shape moved by the point array "displacement" */
  bool        mid_plane = false; /* on the coronal plane through the middle, the wall faint around it */
  double      range[2]  = {0, 1};
  std::string title, bar, note; /* top left, above the colour bar, bottom left ("" none) */
};

/* The outer surface of data (or its mid plane) coloured by spec.field, seen from the front
   (anterior, head up), TWINFE_PICTURE_WIDTH x HEIGHT, written as PNG to path. Needs an X
   display. */
PetscErrorCode TwinfeDrawSurfacePicture(vtkDataSet *data, const TwinfePictureSpec &spec, const char path[]);
