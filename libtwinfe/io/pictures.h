/* libtwinfe io stage, private: what a person reads beside report.json -- the pictures of a
 * run (VTK, drawn on an X display: display.c), report.html, and a ParaView script that opens
 * the results with sensible colours (docs/outputs.md).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <petscsys.h>
#include <stdio.h>
#include <sys/types.h>
#include <twinfe/io.h>

/* An X display to draw on: the user's (DISPLAY), else a private Xvfb started for the drawing
   (server > 0), else none (name "" and why says so). */
typedef struct {
  char  name[64];
  char  why[256];
  pid_t server;
  void *x; /* the X connection (Xlib's Display *), lent to VTK's windows */
} TwinfeDisplay;

PETSC_INTERN PetscErrorCode TwinfeDisplayAcquire(TwinfeDisplay *display);
PETSC_INTERN PetscErrorCode TwinfeDisplayRelease(TwinfeDisplay *display);
/* pictures_vtk.cxx: the X connection VTK's windows draw on (NULL: none; set by Acquire). */
PETSC_INTERN void TwinfeVTKSetXDisplay(void *x);

#define TWINFE_MAX_PICTURES 8
#define TWINFE_PICTURE_WIDTH 800
#define TWINFE_PICTURE_HEIGHT 600

/* The pictures a run drew: file names (relative to the output folder) and what each shows. */
typedef struct {
  PetscInt n;
  char     file[TWINFE_MAX_PICTURES][64];
  char     caption[TWINFE_MAX_PICTURES][256];
  char     skipped[256]; /* why none were drawn ("" when they were, or when there was nothing to draw) */
} TwinfePictures;

/* pictures_vtk.cxx: PNG pictures (TWINFE_PICTURE_WIDTH x HEIGHT) of a results state (.vtu or
   .pvtu) into dir: the regions, and each key field the state holds (displacement on the
   deformed shape, von Mises stress, pressure, wall shear stress, velocity on a mid plane, TAWSS,
   OSI), seen from the front (anterior, head up). labels/names: the regions' labels (the
   results' `region` cell values) and names, for the regions picture's legend. Needs an X
   display (TwinfeDisplayAcquire). Rank 0. */
PETSC_INTERN PetscErrorCode TwinfeDrawResultsPictures_VTK(const char results[], const char dir[], PetscInt nregions,
                                                          const PetscInt labels[], const char *const names[],
                                                          TwinfePictures *pictures);

/* report_html.c: report.html from report (its sections as report.json has them) and the
   pictures drawn. Rank 0. */
PETSC_INTERN PetscErrorCode TwinfeReportWriteHtml(TwinfeReport report, const TwinfePictures *pictures, const char path[]);

/* report_html.c: text for HTML, with &, <, > and " escaped (report.html and rehearse's page). */
PETSC_INTERN void TwinfeHtmlWriteText(FILE *f, const char text[]);

/* paraview_state.c: open_in_paraview.py, a ParaView Python script that opens results.pvd from
   its own folder and shows its last state: deformed by the displacement (tissue), or the wall
   shear stress on the wall and the velocity on a mid plane (flow), with colour maps and bars.
   Rank 0. */
PETSC_INTERN PetscErrorCode TwinfeWriteParaViewScript(const char path[]);

/* report.c: the report's jansson tree (borrowed), for report_html.c. */
struct json_t;
PETSC_INTERN struct json_t *TwinfeReportJSON_Private(TwinfeReport report);
