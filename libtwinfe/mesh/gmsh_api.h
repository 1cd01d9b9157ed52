/* The Gmsh C API as libtwinfe calls it: through a table of function pointers that
 * mesh/gmsh_load.c fills from the Gmsh SDK's shared library, loaded at run time.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why: libgmsh and the OpenCASCADE libraries under it are linked with BIND_NOW, and binding
 * their symbols was more than half of every twinfe process's start-up (0.25 of 0.4 s here,
 * docs/performance.md), paid also by the commands and programs that never mesh. Loaded on
 * first use, it costs only those that mesh, and less than linked (gmsh_load.c).
 *
 * Files that call Gmsh include this header instead of <gmshc.h> and write the calls as
 * Gmsh documents them: each gmshFoo below is a macro for the table's entry. Call
 * TwinfeGmshLoad_Private (TwinfeGmshBegin_Private does) before the first call. A function
 * missing here fails the build: libtwinfe is linked with -z defs and without libgmsh. */
#ifndef TWINFE_GMSH_API_H
#define TWINFE_GMSH_API_H

#include <gmshc.h>
#include <petscsys.h>

#define TWINFE_GMSH_FUNCTIONS(X)                                                                                                 \
  X(gmshFinalize)                                                                                                                \
  X(gmshFree)                                                                                                                    \
  X(gmshInitialize)                                                                                                              \
  X(gmshLoggerGetLastError)                                                                                                      \
  X(gmshLoggerStart)                                                                                                             \
  X(gmshLoggerStop)                                                                                                              \
  X(gmshModelAdd)                                                                                                                \
  X(gmshModelAddDiscreteEntity)                                                                                                  \
  X(gmshModelAddPhysicalGroup)                                                                                                   \
  X(gmshModelGeoAddSurfaceLoop)                                                                                                  \
  X(gmshModelGeoAddVolume)                                                                                                       \
  X(gmshModelGeoSynchronize)                                                                                                     \
  X(gmshModelGetAdjacencies)                                                                                                     \
  X(gmshModelGetBoundary)                                                                                                        \
  X(gmshModelGetEntities)                                                                                                        \
  X(gmshModelGetEntitiesForPhysicalGroup)                                                                                        \
  X(gmshModelGetNormal)                                                                                                          \
  X(gmshModelGetParametrization)                                                                                                 \
  X(gmshModelGetParametrizationBounds)                                                                                           \
  X(gmshModelGetPhysicalGroups)                                                                                                  \
  X(gmshModelGetPhysicalName)                                                                                                    \
  X(gmshModelGetType)                                                                                                            \
  X(gmshModelGetValue)                                                                                                           \
  X(gmshModelMeshAddElementsByType)                                                                                              \
  X(gmshModelMeshAddNodes)                                                                                                       \
  X(gmshModelMeshGenerate)                                                                                                       \
  X(gmshModelMeshGetElementsByType)                                                                                              \
  X(gmshModelMeshGetNodes)                                                                                                       \
  X(gmshModelMeshSetSizeCallback)                                                                                                \
  X(gmshModelOccAddCircleArc)                                                                                                    \
  X(gmshModelOccAddCurveLoop)                                                                                                    \
  X(gmshModelOccAddCylinder)                                                                                                     \
  X(gmshModelOccAddLine)                                                                                                         \
  X(gmshModelOccAddPlaneSurface)                                                                                                 \
  X(gmshModelOccAddPoint)                                                                                                        \
  X(gmshModelOccAddSpline)                                                                                                       \
  X(gmshModelOccFillet)                                                                                                          \
  X(gmshModelOccFuse)                                                                                                            \
  X(gmshModelOccGetCenterOfMass)                                                                                                 \
  X(gmshModelOccGetMass)                                                                                                         \
  X(gmshModelOccRemove)                                                                                                          \
  X(gmshModelOccRevolve)                                                                                                         \
  X(gmshModelOccSynchronize)                                                                                                     \
  X(gmshModelGetCurrent)                                                                                                         \
  X(gmshModelRemove)                                                                                                             \
  X(gmshModelSetCurrent)                                                                                                         \
  X(gmshModelSetPhysicalName)                                                                                                    \
  X(gmshOptionGetNumber)                                                                                                         \
  X(gmshOptionSetNumber)

/* One pointer per function, of the type gmshc.h declares. */
#define TWINFE_GMSH_POINTER(f) __typeof__(f) *f;
typedef struct {
  TWINFE_GMSH_FUNCTIONS(TWINFE_GMSH_POINTER)
} TwinfeGmshApi;
#undef TWINFE_GMSH_POINTER

PETSC_INTERN TwinfeGmshApi twinfe_gmsh_api;

/* Loads the Gmsh SDK (or waits for TwinfeGmshPreload's thread) and fills twinfe_gmsh_api; an
   error names the library and what is missing. */
PETSC_INTERN PetscErrorCode TwinfeGmshLoad_Private(void);

/* The calls, through the table (a macro is not expanded again inside its own expansion, so
   the name after the dot is the table's member). Not in gmsh_load.c, which names the members. */
#ifndef TWINFE_GMSH_LOADER
#define gmshFinalize (twinfe_gmsh_api.gmshFinalize)
#define gmshFree (twinfe_gmsh_api.gmshFree)
#define gmshInitialize (twinfe_gmsh_api.gmshInitialize)
#define gmshLoggerGetLastError (twinfe_gmsh_api.gmshLoggerGetLastError)
#define gmshLoggerStart (twinfe_gmsh_api.gmshLoggerStart)
#define gmshLoggerStop (twinfe_gmsh_api.gmshLoggerStop)
#define gmshModelAdd (twinfe_gmsh_api.gmshModelAdd)
#define gmshModelAddDiscreteEntity (twinfe_gmsh_api.gmshModelAddDiscreteEntity)
#define gmshModelAddPhysicalGroup (twinfe_gmsh_api.gmshModelAddPhysicalGroup)
#define gmshModelGeoAddSurfaceLoop (twinfe_gmsh_api.gmshModelGeoAddSurfaceLoop)
#define gmshModelGeoAddVolume (twinfe_gmsh_api.gmshModelGeoAddVolume)
#define gmshModelGeoSynchronize (twinfe_gmsh_api.gmshModelGeoSynchronize)
#define gmshModelGetAdjacencies (twinfe_gmsh_api.gmshModelGetAdjacencies)
#define gmshModelGetBoundary (twinfe_gmsh_api.gmshModelGetBoundary)
#define gmshModelGetEntities (twinfe_gmsh_api.gmshModelGetEntities)
#define gmshModelGetEntitiesForPhysicalGroup (twinfe_gmsh_api.gmshModelGetEntitiesForPhysicalGroup)
#define gmshModelGetNormal (twinfe_gmsh_api.gmshModelGetNormal)
#define gmshModelGetParametrization (twinfe_gmsh_api.gmshModelGetParametrization)
#define gmshModelGetParametrizationBounds (twinfe_gmsh_api.gmshModelGetParametrizationBounds)
#define gmshModelGetPhysicalGroups (twinfe_gmsh_api.gmshModelGetPhysicalGroups)
#define gmshModelGetPhysicalName (twinfe_gmsh_api.gmshModelGetPhysicalName)
#define gmshModelGetType (twinfe_gmsh_api.gmshModelGetType)
#define gmshModelGetValue (twinfe_gmsh_api.gmshModelGetValue)
#define gmshModelMeshAddElementsByType (twinfe_gmsh_api.gmshModelMeshAddElementsByType)
#define gmshModelMeshAddNodes (twinfe_gmsh_api.gmshModelMeshAddNodes)
#define gmshModelMeshGenerate (twinfe_gmsh_api.gmshModelMeshGenerate)
#define gmshModelMeshGetElementsByType (twinfe_gmsh_api.gmshModelMeshGetElementsByType)
#define gmshModelMeshGetNodes (twinfe_gmsh_api.gmshModelMeshGetNodes)
#define gmshModelMeshSetSizeCallback (twinfe_gmsh_api.gmshModelMeshSetSizeCallback)
#define gmshModelOccAddCircleArc (twinfe_gmsh_api.gmshModelOccAddCircleArc)
#define gmshModelOccAddCurveLoop (twinfe_gmsh_api.gmshModelOccAddCurveLoop)
#define gmshModelOccAddCylinder (twinfe_gmsh_api.gmshModelOccAddCylinder)
#define gmshModelOccAddLine (twinfe_gmsh_api.gmshModelOccAddLine)
#define gmshModelOccAddPlaneSurface (twinfe_gmsh_api.gmshModelOccAddPlaneSurface)
#define gmshModelOccAddPoint (twinfe_gmsh_api.gmshModelOccAddPoint)
#define gmshModelOccAddSpline (twinfe_gmsh_api.gmshModelOccAddSpline)
#define gmshModelOccFillet (twinfe_gmsh_api.gmshModelOccFillet)
#define gmshModelOccFuse (twinfe_gmsh_api.gmshModelOccFuse)
#define gmshModelOccGetCenterOfMass (twinfe_gmsh_api.gmshModelOccGetCenterOfMass)
#define gmshModelOccGetMass (twinfe_gmsh_api.gmshModelOccGetMass)
#define gmshModelOccRemove (twinfe_gmsh_api.gmshModelOccRemove)
#define gmshModelOccRevolve (twinfe_gmsh_api.gmshModelOccRevolve)
#define gmshModelOccSynchronize (twinfe_gmsh_api.gmshModelOccSynchronize)
#define gmshModelGetCurrent (twinfe_gmsh_api.gmshModelGetCurrent)
#define gmshModelRemove (twinfe_gmsh_api.gmshModelRemove)
#define gmshModelSetCurrent (twinfe_gmsh_api.gmshModelSetCurrent)
#define gmshModelSetPhysicalName (twinfe_gmsh_api.gmshModelSetPhysicalName)
#define gmshOptionGetNumber (twinfe_gmsh_api.gmshOptionGetNumber)
#define gmshOptionSetNumber (twinfe_gmsh_api.gmshOptionSetNumber)
#endif

#endif
