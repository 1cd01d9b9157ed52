/* libtwinfe physics stage: the physics a case drives (TwinfePhysics), and soft-tissue mechanics
 * on a distributed DMPlex (TwinfeElasticity).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Units mm-g-s: lengths mm, stress and Young's modulus Pa, density g/mm^3, gravity mm/s^2
 * (9810 mm/s^2 = 1 g), body force uN/mm^3, traction Pa, displacement mm.
 * The DM must carry "Cell Sets" (region per cell) and "Face Sets" (tag per boundary face),
 * as TwinfePartitionDistribute and DMPlexCreateBoxMesh give. */
#pragma once
#include <petscdmplex.h>
#include <petscsnes.h>
#include <twinfe/fem.h>
#include <twinfe/io.h>
#include <twinfe/mesh.h>

typedef struct _p_TwinfeElasticity *TwinfeElasticity;

/* Prescribed displacement u(x) for Dirichlet conditions (x, u in mm). */
typedef PetscErrorCode (*TwinfeVectorFunction)(const PetscReal x[3], PetscReal u[3], void *ctx);

/* Small-strain linear elasticity with Lagrange P1 (default) or P2 tets (-elasticity_degree,
   read here; TwinfeElasticitySetDegree overrides it). Collective on the DM. */
PETSC_EXTERN PetscErrorCode TwinfeElasticityCreate(DM dm, TwinfeElasticity *elasticity);
PETSC_EXTERN PetscErrorCode TwinfeElasticityDestroy(TwinfeElasticity *elasticity);

/* Material of the cells whose "Cell Sets" value is region: Young's modulus E (Pa, > 0),
   Poisson ratio nu (in (-1, 0.5)), density (g/mm^3, >= 0). Every region present in the mesh
   must get a material before solving; bad values fail naming the region and the value. */
PETSC_EXTERN PetscErrorCode TwinfeElasticitySetMaterial(TwinfeElasticity elasticity, PetscInt region, PetscReal E, PetscReal nu,
                                                        PetscReal density);
/* Gravitational acceleration (mm/s^2, LPS); body force = density * g. */
PETSC_EXTERN PetscErrorCode TwinfeElasticitySetGravity(TwinfeElasticity elasticity, const PetscReal g[3]);
/* Clamp (u = 0) every dof on the faces whose "Face Sets" value is tag. box (xmin, xmax, ymin,
   ymax, zmin, zmax; may be NULL) keeps only the face vertices inside it. */
PETSC_EXTERN PetscErrorCode TwinfeElasticityAddClamp(TwinfeElasticity elasticity, PetscInt tag, const PetscReal box[6]);
/* Prescribe u = fn(x) for the components in mask (bit c for component c; 7 = all) on the
   faces with the tag. */
PETSC_EXTERN PetscErrorCode TwinfeElasticityAddDisplacement(TwinfeElasticity elasticity, PetscInt tag, PetscInt mask,
                                                            TwinfeVectorFunction fn, void *ctx);
/* A uniform traction t (Pa) on the faces with the tag. */
PETSC_EXTERN PetscErrorCode TwinfeElasticityAddTraction(TwinfeElasticity elasticity, PetscInt tag, const PetscReal t[3]);
/* SNES (ksponly by default), KSP (CG) and PC (GAMG with the rigid-body near null space)
   from the options database, prefix "elasticity_" (e.g. -elasticity_ksp_rtol). */
PETSC_EXTERN PetscErrorCode TwinfeElasticitySetFromOptions(TwinfeElasticity elasticity);
PETSC_EXTERN PetscErrorCode TwinfeElasticitySolve(TwinfeElasticity elasticity);

/* The solution: a Vec on the displacement DM with 3 dofs per vertex and nothing else (for P2
   the vertex dofs are copied into such a layout, refreshed by each call), lent. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeElasticityGetDisplacement(TwinfeElasticity elasticity, DM *dm, Vec *u);
/* Linear iterations, final residual norm, and the converged reason as text. */
PETSC_EXTERN PetscErrorCode TwinfeElasticityGetSolverInfo(TwinfeElasticity elasticity, PetscInt *iterations,
                                                          PetscReal *residual_norm, const char **reason);
/* Largest displacement magnitude over the vertices (mm). Collective. */
PETSC_EXTERN PetscErrorCode TwinfeElasticityGetMaxDisplacement(TwinfeElasticity elasticity, PetscReal *max_mm);
/* Cell fields on this rank's cells (cStart..cEnd order), as new Vecs the caller destroys:
   von Mises stress (Pa, 1 per cell) and the 6 stress components xx yy zz xy yz xz (Pa). */
PETSC_EXTERN PetscErrorCode TwinfeElasticityComputeStress(TwinfeElasticity elasticity, Vec *von_mises, Vec *stress);

/* Added by the physics stage. */
/* Lagrange degree 1 or 2 (also -elasticity_degree); call before the first solve. Not collective. */
PETSC_EXTERN PetscErrorCode TwinfeElasticitySetDegree(TwinfeElasticity elasticity, PetscInt degree);
/* An extra body force f(x) (uN/mm^3) added to density * gravity, e.g. for manufactured
   solutions. fn NULL removes it. Not collective. */
PETSC_EXTERN PetscErrorCode TwinfeElasticitySetBodyForce(TwinfeElasticity elasticity, TwinfeVectorFunction fn, void *ctx);
/* The space and the full solution Vec on its DM (P2 dofs included), lent; valid after a solve. */
PETSC_EXTERN PetscErrorCode TwinfeElasticityGetSpace(TwinfeElasticity elasticity, TwinfeSpace *space);
PETSC_EXTERN PetscErrorCode TwinfeElasticityGetSolution(TwinfeElasticity elasticity, Vec *u);
/* The SNES (lent), created by TwinfeElasticitySetFromOptions or the first solve. */
PETSC_EXTERN PetscErrorCode TwinfeElasticityGetSNES(TwinfeElasticity elasticity, SNES *snes);

/* ---- A physics the case drives ------------------------------------------------------------
   One object per physics, chosen by name (-physics, YAML `physics:`), with one life the case
   drives: create, set the regions, check the options (before any meshing), prepare on the whole
   serial mesh (refuse what cannot work, e.g. a part nothing holds, before distributing), set up
   on the distributed DM, solve, write its fields into the results series. A new physics is a
   new file in libtwinfe/physics/ with its TwinfePhysicsOps and a line in physics.c's list. */
typedef struct _p_TwinfePhysics *TwinfePhysics;

/* The physics known by name ("elasticity"), as a NULL-terminated list. */
PETSC_EXTERN PetscErrorCode TwinfePhysicsList(const char *const **names);
/* A physics by name; an unknown name is refused with the known ones. Collective. */
PETSC_EXTERN PetscErrorCode TwinfePhysicsCreate(MPI_Comm comm, const char name[], TwinfePhysics *physics);
PETSC_EXTERN PetscErrorCode TwinfePhysicsDestroy(TwinfePhysics *physics);
/* Its name and a phrase naming the fields it writes ("displacement and von Mises stress"). */
PETSC_EXTERN PetscErrorCode TwinfePhysicsGetName(TwinfePhysics physics, const char **name, const char **fields);
/* The regions: their "Cell Sets" labels and names (copied), the same on every rank; set again
   when they change. Not collective. */
PETSC_EXTERN PetscErrorCode TwinfePhysicsSetRegions(TwinfePhysics physics, PetscInt nregions, const int32_t labels[],
                                                    const char *const names[]);
/* The folder that relative input paths in the physics' options (an inflow waveform table) are
   relative to: the case file's (default: the working folder). Not collective. */
PETSC_EXTERN PetscErrorCode TwinfePhysicsSetInputFolder(TwinfePhysics physics, const char folder[]);
/* Where the figures go: a report on rank 0 (NULL on the other ranks). Not collective. */
PETSC_EXTERN PetscErrorCode TwinfePhysicsSetReport(TwinfePhysics physics, TwinfeReport report);
/* Refuses bad option values for the regions set (materials, ...), naming the option. Collective. */
PETSC_EXTERN PetscErrorCode TwinfePhysicsCheckOptions(TwinfePhysics physics);
/* Checks what needs the whole mesh (given on rank 0, NULL elsewhere) before it is distributed,
   and keeps what it derives (clamp boxes, caps). The mesh is only read during the call. Collective. */
PETSC_EXTERN PetscErrorCode TwinfePhysicsPrepare(TwinfePhysics physics, TwinfeMesh mesh);
/* Spaces, materials and boundary conditions on the distributed DM (kept, not owned). Collective. */
PETSC_EXTERN PetscErrorCode TwinfePhysicsSetUp(TwinfePhysics physics, DM dm);
/* The results series (results.pvd) a physics that steps in time (pulsatile flow) writes its
   states into as it goes, during TwinfePhysicsSolve; kept, not owned. A steady physics writes
   its state at TwinfePhysicsWriteResults. Not collective. */
PETSC_EXTERN PetscErrorCode TwinfePhysicsSetResults(TwinfePhysics physics, TwinfeResults results);
PETSC_EXTERN PetscErrorCode TwinfePhysicsSolve(TwinfePhysics physics);
/* Its states into the results series (results.pvd). Collective. */
PETSC_EXTERN PetscErrorCode TwinfePhysicsWriteResults(TwinfePhysics physics, TwinfeResults results);
/* Nothing on the terminal from this physics (a helper run, such as a coarse start). Not
   collective. */
PETSC_EXTERN PetscErrorCode TwinfePhysicsSetQuiet(TwinfePhysics physics, PetscBool quiet);
/* This physics is solved only to start a finer solve of the same physics (grid sequencing,
   TwinfePhysicsStartFrom): quiet, and solved only as far as a start needs (flow: Newton to 1e-2
   relative, TwinfeFlowSetStartOnly). Not collective. */
PETSC_EXTERN PetscErrorCode TwinfePhysicsSetStartOnly(TwinfePhysics physics, PetscBool start_only);
/* Grid sequencing for a nonlinear solve (steady Navier-Stokes): the edge length (mm) of a
   coarser mesh of the same body whose solution the solve should start from, or 0 when it wants
   none (the physics' options decide: -start_mesh_size for flow). Collective. */
PETSC_EXTERN PetscErrorCode TwinfePhysicsGetStartMeshSize(TwinfePhysics physics, PetscReal *size_mm);
/* After TwinfePhysicsSetUp: the next solve starts from coarse's solution (the same physics and
   options, set up on the coarser mesh and solved), carried to this mesh; coarse may be destroyed
   after the call. Collective. */
PETSC_EXTERN PetscErrorCode TwinfePhysicsStartFrom(TwinfePhysics physics, TwinfePhysics coarse);
