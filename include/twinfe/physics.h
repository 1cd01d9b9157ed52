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

/*@
  TwinfeElasticityCreate - Creates a small-strain or finite-strain elasticity problem on a distributed DMPlex.

  Collective on the DM

  Input Parameter:
. dm - distributed DMPlex with "Cell Sets" and "Face Sets"

  Output Parameter:
. elasticity - the new elasticity problem

  Notes:
  Small-strain linear elasticity with Lagrange P1 (default) or P2 tets (-elasticity_degree,
  read here; TwinfeElasticitySetDegree overrides it).

  Level: intermediate

.seealso: TwinfeElasticityDestroy(), TwinfeElasticitySetDegree()
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityCreate(DM dm, TwinfeElasticity *elasticity);

/*@
  TwinfeElasticityDestroy - Destroys an elasticity problem.

  Collective

  Input Parameter:
. elasticity - the elasticity problem, set to NULL

  Level: intermediate

.seealso: TwinfeElasticityCreate()
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityDestroy(TwinfeElasticity *elasticity);

/*@
  TwinfeElasticitySetMaterial - Sets a region's linear material by Young's modulus, Poisson ratio and density.

  Not collective

  Input Parameters:
+ elasticity - the elasticity problem
. region     - "Cell Sets" value of the cells
. E          - Young's modulus (Pa, > 0)
. nu         - Poisson ratio, in (-1, 0.5)
- density    - density (g/mm^3, >= 0)

  Notes:
  Material of the cells whose "Cell Sets" value is region: Young's modulus E (Pa, > 0),
  Poisson ratio nu (in (-1, 0.5)), density (g/mm^3, >= 0). Every region present in the mesh
  must get a material before solving; bad values fail naming the region and the value.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticitySetMaterial(TwinfeElasticity elasticity, PetscInt region, PetscReal E, PetscReal nu,
                                                        PetscReal density);

/*@
  TwinfeElasticitySetGravity - Sets the gravitational acceleration.

  Not collective

  Input Parameters:
+ elasticity - the elasticity problem
- g          - gravitational acceleration (mm/s^2, LPS)

  Notes:
  Gravitational acceleration (mm/s^2, LPS); body force = density * g.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticitySetGravity(TwinfeElasticity elasticity, const PetscReal g[3]);

/*@
  TwinfeElasticityAddClamp - Clamps the faces with a tag.

  Not collective

  Input Parameters:
+ elasticity - the elasticity problem
. tag        - facet tag ("Face Sets" value)
- box        - xmin, xmax, ymin, ymax, zmin, zmax of the vertices held (may be NULL)

  Notes:
  Clamp (u = 0) every dof on the faces whose "Face Sets" value is tag. box (xmin, xmax, ymin,
  ymax, zmin, zmax; may be NULL) keeps only the face vertices inside it.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityAddClamp(TwinfeElasticity elasticity, PetscInt tag, const PetscReal box[6]);

/*@
  TwinfeElasticityAddDisplacement - Prescribes displacement components on the faces with a tag.

  Not collective

  Input Parameters:
+ elasticity - the elasticity problem
. tag        - facet tag ("Face Sets" value)
. mask       - components prescribed, bit c for component c (7: all)
. fn         - the displacement u(x) (mm)
- ctx        - context handed to the callback (may be NULL)

  Notes:
  Prescribe u = fn(x) for the components in mask (bit c for component c; 7 = all) on the
  faces with the tag.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityAddDisplacement(TwinfeElasticity elasticity, PetscInt tag, PetscInt mask,
                                                            TwinfeVectorFunction fn, void *ctx);
/* A rigid tool (retractor) that holds the tissue it touches and moves it: the nodes of the
   faces with the tag that lie inside the tool's shape (in the unloaded configuration, mm, LPS)
   move with the tool, by t * motion at load factor t (a straight path in the load steps), or
   along a path of waypoints (npath > 0: the tool's displacement passes through path[k] at load
   factor (k + 1)/npath, straight between them, from 0 at t = 0). Contact without penetration is
   not modelled: the touched tissue follows the tool. */
#define TWINFE_TOOL_MAX_WAYPOINTS 16
typedef enum {
  TWINFE_TOOL_PLANE,    /* a plate: within thickness/2 of the plane through center, normal axis */
  TWINFE_TOOL_CYLINDER, /* a rod: within radius of the axis through center, length along it */
  TWINFE_TOOL_SPATULA   /* a blade: a box at center, thickness along axis (its normal), length
                           along blade, width across both */
} TwinfeToolShape;

/*@
  TwinfeToolShapeGetName - Returns the name of a TwinfeToolShape value as options give it.

  Not collective

  Input Parameter:
. shape - the shape

  Output Parameter:
. name - its name ("plane", "cylinder" or "spatula"), a string of the library (do not free)

  Notes:
  A value outside the enum is refused.

  Level: intermediate

.seealso: TwinfeToolReadOptions()
@*/
PETSC_EXTERN PetscErrorCode TwinfeToolShapeGetName(TwinfeToolShape shape, const char **name);

typedef struct {
  TwinfeToolShape shape;
  PetscReal       center[3];                          /* mm */
  PetscReal       axis[3];                            /* plane and spatula: the normal; cylinder: the axis (any length) */
  PetscReal       blade[3];                           /* spatula: the blade's length direction (not parallel to axis) */
  PetscReal       radius;                             /* cylinder, mm */
  PetscReal       length;                             /* cylinder and spatula, mm (0: unbounded for the cylinder) */
  PetscReal       width;                              /* spatula, mm */
  PetscReal       thickness;                          /* plane and spatula, mm */
  PetscReal       motion[3];                          /* the tool's displacement at load factor 1, mm (npath = 0) */
  PetscInt        npath;                              /* waypoints of a path (0: the straight motion above) */
  PetscReal       path[TWINFE_TOOL_MAX_WAYPOINTS][3]; /* the tool's displacement at each, mm */
} TwinfeTool;

/*@
  TwinfeToolDisplacement - Returns a tool's displacement at a load factor.

  Not collective

  Input Parameters:
+ tool - the tool
- t    - load factor, 0 to 1

  Output Parameter:
. u - the tool's displacement (mm)

  Notes:
  The tool's displacement (mm) at load factor t in [0, 1].

  Level: intermediate
@*/
PETSC_EXTERN void TwinfeToolDisplacement(const TwinfeTool *tool, PetscReal t, PetscReal u[3]);

/*@
  TwinfeToolCheck - Refuses a tool whose shape, sizes or directions are not usable.

  Not collective (comm is for the error)

  Input Parameters:
+ comm - communicator of the error
- tool - the tool

  Notes:
  Refuses a tool whose shape is unknown or whose sizes or directions are not usable, naming
  them.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeToolCheck(MPI_Comm comm, const TwinfeTool *tool);

/*@
  TwinfeToolReadOptions - Reads the retractor the options give.

  Not collective (comm is for the errors)

  Input Parameter:
. comm - communicator of the errors

  Input/Output Parameter:
. ntags - in: room in tags[]; out: how many were given (0: none)

  Output Parameters:
+ given - whether the options give a retractor
. tool  - the retractor
- tags  - facet tags of -retractor_tags

  Notes:
  The retractor the options give (-retractor_shape, _center, _axis, _blade, _radius, _length,
  _width, _thickness, _motion or _path; docs/mechanics.md), checked; *given false when there is
  none. tags: -retractor_tags, *ntags in: the room, out: how many (0 when not given: the caller's
  default, every region's outer surface).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeToolReadOptions(MPI_Comm comm, PetscBool *given, TwinfeTool *tool, PetscInt *ntags,
                                                  PetscInt tags[]);

/*@
  TwinfeToolContains - Tells whether a point lies inside a tool's shape.

  Not collective

  Input Parameters:
+ tool - the tool
- x    - the point (mm)

  Notes:
  Whether the point x (mm) lies inside the tool's shape.

  Level: intermediate
@*/
PETSC_EXTERN PetscBool TwinfeToolContains(const TwinfeTool *tool, const PetscReal x[3]);

/*@
  TwinfeElasticityAddTool - Adds a rigid tool that holds and moves the tissue it touches.

  Not collective

  Input Parameters:
+ elasticity - the elasticity problem
. tag        - facet tag ("Face Sets" value)
- tool       - the tool (copied)

  Notes:
  A rigid tool (retractor) that holds the tissue it touches and moves it: the nodes of the
  faces with the tag that lie inside the tool's shape (in the unloaded configuration, mm, LPS)
  move with the tool, by t * motion at load factor t (a straight path in the load steps), or
  along a path of waypoints (npath > 0: the tool's displacement passes through path[k] at load
  factor (k + 1)/npath, straight between them, from 0 at t = 0). Contact without penetration is
  not modelled: the touched tissue follows the tool.
  Adds the tool as a held set (its reaction is the force the tool needs: the tissue's
  resistance, TwinfeElasticityGetReactionForces). A tool whose shape holds no node of the
  tagged faces is refused at set-up, named. Not collective.

  Level: intermediate

.seealso: TwinfeElasticityGetReactionForces()
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityAddTool(TwinfeElasticity elasticity, PetscInt tag, const TwinfeTool *tool);

/*@
  TwinfeElasticityAddSpring - Adds an elastic support of the faces with a tag.

  Not collective

  Input Parameters:
+ elasticity - the elasticity problem
. tag        - facet tag ("Face Sets" value)
- stiffness  - stiffness of the support (Pa/mm, > 0)

  Notes:
  An elastic support of the faces with the tag, for tissue held by its surroundings: the
  traction -stiffness * u (stiffness in Pa/mm, > 0), in every direction.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityAddSpring(TwinfeElasticity elasticity, PetscInt tag, PetscReal stiffness);

/*@
  TwinfeElasticityGetSpringForces - Returns the force each elastic support exerts on the tissue.

  Collective

  Input Parameter:
. elasticity - the elasticity problem

  Output Parameters:
+ nsprings - number of elastic supports
- forces   - 3 values per support, uN (NULL: only the count)

  Notes:
  The force (uN, x y z) each elastic support exerts on the tissue in the current state,
  -int stiffness * u dA, in the order added; forces holds 3 * nsprings values (NULL: only the
  count).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityGetSpringForces(TwinfeElasticity elasticity, PetscInt *nsprings, PetscReal forces[]);

/*@
  TwinfeElasticityAddTraction - Adds a uniform traction on the faces with a tag.

  Not collective

  Input Parameters:
+ elasticity - the elasticity problem
. tag        - facet tag ("Face Sets" value)
- t          - the traction (Pa)

  Notes:
  A uniform traction t (Pa) on the faces with the tag.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityAddTraction(TwinfeElasticity elasticity, PetscInt tag, const PetscReal t[3]);

/*@
  TwinfeElasticitySetFromOptions - Sets the SNES, KSP and PC from the options database, prefix "elasticity_".

  Collective

  Input Parameter:
. elasticity - the elasticity problem

  Notes:
  SNES (ksponly by default), KSP (CG) and PC (GAMG with the rigid-body near null space)
  from the options database, prefix "elasticity_" (e.g. -elasticity_ksp_rtol).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticitySetFromOptions(TwinfeElasticity elasticity);

/*@
  TwinfeElasticitySetUp - Sets up materials, boundary conditions and the solver as the first solve does.

  Collective

  Input Parameter:
. elasticity - the elasticity problem

  Notes:
  Materials per cell, boundary conditions and the small-strain stiffness, as the first solve
  does them, and with a finite-strain law the SNES set up (the solve calls it; call it before
  evaluating the SNES's residual or Jacobian yourself).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticitySetUp(TwinfeElasticity elasticity);

/*@
  TwinfeElasticitySolve - Solves the elasticity problem.

  Collective

  Input Parameter:
. elasticity - the elasticity problem

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticitySolve(TwinfeElasticity elasticity);

/*@
  TwinfeElasticityReleaseSolver - Frees the stiffness matrix, preconditioner and solver work vectors after the last
  solve.

  Collective

  Input Parameter:
. elasticity - the elasticity problem

  Notes:
  Frees the stiffness matrix, the preconditioner and the solver's work vectors once the last
  solve is done, keeping the solution and what is read from it (reactions, stresses, solver
  info): at 1M P1 unknowns about 0.9 GB that writing the results need not sit beside. A later
  solve builds them again (TwinfeElasticityGetSNES then gives a new SNES).

  Level: developer

.seealso: TwinfeElasticityGetSNES()
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityReleaseSolver(TwinfeElasticity elasticity);

/*@
  TwinfeElasticityGetDisplacement - Returns the displacement at the vertices.

  Collective

  Input Parameter:
. elasticity - the elasticity problem

  Output Parameters:
+ dm - the displacement's vertex DM (lent)
- u  - the displacement (lent)

  Notes:
  The solution: a Vec on the displacement DM with 3 dofs per vertex and nothing else (for P2
  the vertex dofs are copied into such a layout, refreshed by each call), lent.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityGetDisplacement(TwinfeElasticity elasticity, DM *dm, Vec *u);

/*@
  TwinfeElasticityGetNodeDisplacement - Returns the displacement at every node of its space.

  Collective

  Input Parameter:
. elasticity - the elasticity problem

  Output Parameters:
+ dm - the DM of the node values (lent)
- u  - the displacement at every node (lent)

  Notes:
  The displacement at every node of its space, named "displacement": P1 the vertices (as
  above); P2 the vertices and the edges, laid out as TwinfeSpaceCreateNodeVector lays them, so a
  writer shows the quadratic field on quadratic tets instead of its vertex values. DM and Vec
  lent, refreshed by each call.

  Level: intermediate

.seealso: TwinfeSpaceCreateNodeVector()
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityGetNodeDisplacement(TwinfeElasticity elasticity, DM *dm, Vec *u);

/*@
  TwinfeElasticityGetSolverInfo - Returns the linear iterations, final residual norm and converged reason.

  Not collective

  Input Parameter:
. elasticity - the elasticity problem

  Output Parameters:
+ iterations    - linear iterations
. residual_norm - final residual norm
- reason        - the converged reason as text

  Notes:
  Linear iterations, final residual norm, and the converged reason as text.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityGetSolverInfo(TwinfeElasticity elasticity, PetscInt *iterations,
                                                          PetscReal *residual_norm, const char **reason);

/*@
  TwinfeElasticityGetMaxDisplacement - Returns the largest displacement magnitude over the vertices.

  Collective

  Input Parameter:
. elasticity - the elasticity problem

  Output Parameter:
. max_mm - largest displacement magnitude (mm)

  Notes:
  Largest displacement magnitude over the vertices (mm).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityGetMaxDisplacement(TwinfeElasticity elasticity, PetscReal *max_mm);

/*@
  TwinfeElasticityComputeStress - Computes the von Mises stress and the Cauchy stress per cell.

  Collective

  Input Parameter:
. elasticity - the elasticity problem

  Output Parameters:
+ von_mises - the new vector of von Mises stress (Pa)
- stress    - the new vector of Cauchy stress components (Pa)

  Notes:
  The first two of TwinfeElasticityComputeCellFields: von Mises stress (Pa, 1 per cell) and the
  6 Cauchy stress components xx yy zz xy yz xz (Pa), as new Vecs the caller destroys.

  Level: intermediate

.seealso: TwinfeElasticityComputeCellFields()
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityComputeStress(TwinfeElasticity elasticity, Vec *von_mises, Vec *stress);

/* ---- Materials -----------------------------------------------------------------------------
   A region's law and moduli (docs/mechanics.md). Every law shares the small-strain shear modulus
   mu and bulk modulus kappa, so the same tissue gives the same stiffness at small strain:
     linear         small-strain linear elasticity, sigma = lambda tr(eps) I + 2 mu eps;
     neo_hookean    compressible neo-Hookean, W = mu/2 (I1 - 3) - mu ln J + lambda/2 (ln J)^2,
                    lambda = kappa - 2 mu/3;
     mooney_rivlin  W = C10 (J^-2/3 I1 - 3) + C01 (J^-4/3 I2 - 3) + kappa/2 (ln J)^2,
                    mu = 2 (C10 + C01), so C10 = mu/2 - C01. */
typedef enum { TWINFE_MATERIAL_LINEAR, TWINFE_MATERIAL_NEO_HOOKEAN, TWINFE_MATERIAL_MOONEY_RIVLIN } TwinfeMaterialModel;

/*@
  TwinfeMaterialModelGetName - Returns the name of a TwinfeMaterialModel value as options give it.

  Not collective

  Input Parameter:
. model - the material law

  Output Parameter:
. name - its name ("linear", "neo_hookean" or "mooney_rivlin"), a string of the library (do not
         free)

  Notes:
  A value outside the enum is refused.

  Level: intermediate

.seealso: TwinfeMaterialFromYoung(), TwinfeMaterialFromMooneyRivlin()
@*/
PETSC_EXTERN PetscErrorCode TwinfeMaterialModelGetName(TwinfeMaterialModel model, const char **name);

typedef struct {
  TwinfeMaterialModel model;
  PetscReal           mu;      /* shear modulus, Pa */
  PetscReal           kappa;   /* bulk modulus, Pa */
  PetscReal           c01;     /* Mooney-Rivlin's C01, Pa (0 for the other laws) */
  PetscReal           density; /* g/mm^3 */
} TwinfeMaterial;

/*@
  TwinfeMaterialFromYoung - Makes a material from Young's modulus and Poisson's ratio.

  Not collective

  Input Parameters:
+ model   - the law
. E       - Young's modulus (Pa, > 0)
. nu      - Poisson's ratio, in (-1, 0.5)
- density - density (g/mm^3)

  Output Parameter:
. m - the material

  Notes:
  A region's law and moduli (docs/mechanics.md). Every law shares the small-strain shear modulus
  mu and bulk modulus kappa, so the same tissue gives the same stiffness at small strain:
    linear         small-strain linear elasticity, sigma = lambda tr(eps) I + 2 mu eps;
    neo_hookean    compressible neo-Hookean, W = mu/2 (I1 - 3) - mu ln J + lambda/2 (ln J)^2,
                   lambda = kappa - 2 mu/3;
    mooney_rivlin  W = C10 (J^-2/3 I1 - 3) + C01 (J^-4/3 I2 - 3) + kappa/2 (ln J)^2,
                   mu = 2 (C10 + C01), so C10 = mu/2 - C01.
  A material from Young's modulus E (Pa) and Poisson's ratio nu: mu = E/(2(1+nu)),
  kappa = E/(3(1-2nu)). Refuses E <= 0 and nu outside (-1, 0.5). Not collective.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeMaterialFromYoung(TwinfeMaterialModel model, PetscReal E, PetscReal nu, PetscReal density,
                                                    TwinfeMaterial *m);

/*@
  TwinfeMaterialFromMooneyRivlin - Makes a Mooney-Rivlin material from C10, C01 and the bulk modulus.

  Not collective

  Input Parameters:
+ c10     - C10 (Pa)
. c01     - C01 (Pa)
. kappa   - bulk modulus (Pa)
- density - density (g/mm^3)

  Output Parameter:
. m - the material

  Notes:
  A Mooney-Rivlin material from C10, C01 and the bulk modulus kappa (Pa).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeMaterialFromMooneyRivlin(PetscReal c10, PetscReal c01, PetscReal kappa, PetscReal density,
                                                           TwinfeMaterial *m);

/*@
  TwinfeMaterialCheck - Refuses a material outside physical ranges.

  Not collective

  Input Parameters:
+ m   - the material
- who - who it belongs to, for the message (a region, an option)

  Notes:
  Refuses a material outside physical ranges, naming who (a region, an option) and the value:
  mu in (0, 1e11] Pa, kappa > 0 with nu <= 0.49999, C10 > 0 and C01 >= 0, density in [0, 0.03)
  g/mm^3.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeMaterialCheck(const TwinfeMaterial *m, const char who[]);

/*@
  TwinfeMaterialEvaluate - Evaluates a material law at one deformation gradient.

  Not collective

  Input Parameters:
+ m - the material
- F - deformation gradient, row-major 3x3

  Output Parameters:
+ W          - strain energy density (Pa; may be NULL)
. P          - first Piola-Kirchhoff stress, row-major (Pa; may be NULL)
. A          - dP/dF, 81 values (may be NULL)
- admissible - PETSC_FALSE where det F <= 0

  Notes:
  The law at one deformation gradient F (row-major 3x3): strain energy density W (Pa), first
  Piola-Kirchhoff stress P (row-major, Pa) and its derivative A[(3i+J)*9 + 3k+L] = dP_iJ/dF_kL;
  any output may be NULL. *admissible is PETSC_FALSE (and the outputs unset) where det F <= 0.
  The linear law gives small-strain values of F - I.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeMaterialEvaluate(const TwinfeMaterial *m, const PetscReal F[9], PetscReal *W, PetscReal P[9],
                                                   PetscReal A[81], PetscBool *admissible);
/* Default parameters of common tissues (docs/tissues.md gives each value's literature source
   and how it was chosen): small-strain Young's modulus E (Pa), Poisson's ratio nu and density
   (g/mm^3). Soft tissue is nearly incompressible: the presets give nu = 0.49, for the mixed
   formulation (TwinfeElasticitySetFormulation). Values for one tissue vary 10- to 100-fold with
   the method of measurement, in vivo or not, strain and species; a patient's own elastography
   should replace them. */
typedef struct {
  const char *name;    /* "liver", "kidney", "brain", "tumor", "fat", "muscle", "vessel_wall" */
  PetscReal   E, nu;   /* Pa, - */
  PetscReal   density; /* g/mm^3 */
  const char *source;  /* the key of its row in docs/tissues.md */
} TwinfeTissue;

/*@
  TwinfeTissueGetCount - Returns how many tissue presets the library knows.

  Not collective

  Output Parameter:
. ntissues - the number of presets

  Notes:
  A later library may know more: ask at run time, do not compile the number in.

  Level: intermediate

.seealso: TwinfeTissueGet(), TwinfeTissueFind()
@*/
PETSC_EXTERN PetscErrorCode TwinfeTissueGetCount(PetscInt *ntissues);

/*@
  TwinfeTissueGet - Returns a tissue preset by its index.

  Not collective

  Input Parameter:
. i - the preset's index, 0 to TwinfeTissueGetCount() - 1

  Output Parameter:
. tissue - the preset, the library's own (do not free or change it)

  Notes:
  The presets come in a fixed order; tissue->name is the name -tissue takes. An index outside
  the range is refused.

  Level: intermediate

.seealso: TwinfeTissueGetCount(), TwinfeTissueFind()
@*/
PETSC_EXTERN PetscErrorCode TwinfeTissueGet(PetscInt i, const TwinfeTissue **tissue);

/*@
  TwinfeTissueFind - Finds the preset of a tissue by name.

  Not collective

  Input Parameter:
. name - the tissue's name

  Output Parameter:
. tissue - its preset

  Notes:
  Default parameters of common tissues (docs/tissues.md gives each value's literature source
  and how it was chosen): small-strain Young's modulus E (Pa), Poisson's ratio nu and density
  (g/mm^3). Soft tissue is nearly incompressible: the presets give nu = 0.49, for the mixed
  formulation (TwinfeElasticitySetFormulation). Values for one tissue vary 10- to 100-fold with
  the method of measurement, in vivo or not, strain and species; a patient's own elastography
  should replace them.
  The preset of a tissue by name; an unknown name is refused with the known ones. Not collective.

  Level: intermediate

.seealso: TwinfeElasticitySetFormulation(), TwinfeTissueGet()
@*/
PETSC_EXTERN PetscErrorCode TwinfeTissueFind(const char name[], const TwinfeTissue **tissue);

/*@
  TwinfeElasticitySetRegionMaterial - Sets the material of a region.

  Not collective

  Input Parameters:
+ elasticity - the elasticity problem
. region     - "Cell Sets" value of the cells
- m          - the material

  Notes:
  The material of the cells whose "Cell Sets" value is region (checked with
  TwinfeMaterialCheck). Any law but linear makes the solve nonlinear: Newton's method over load
  steps (TwinfeElasticitySetLoadSteps).

  Level: intermediate

.seealso: TwinfeMaterialCheck(), TwinfeElasticitySetLoadSteps()
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticitySetRegionMaterial(TwinfeElasticity elasticity, PetscInt region,
                                                              const TwinfeMaterial *m);

/* ---- Finite strain: load steps and Newton ----------------------------------------------------
   A nonlinear solve applies its loads (prescribed displacements, tractions, gravity, body force)
   in steps, load factor t = 1/n, 2/n, ... 1, each solved by Newton's method from the previous
   step's state. A step whose Newton solve fails (no convergence, or an inverted element) is
   retried from its start with half the increment, down to 1/64 of a nominal step; a nominal step
   that still fails stops the solve with an error naming the load factor reached. */
/*@
  TwinfeElasticitySetLoadSteps - Sets the number of load steps of a nonlinear solve.

  Not collective

  Input Parameters:
+ elasticity - the elasticity problem
- nsteps     - number of nominal load steps

  Notes:
  A nonlinear solve applies its loads (prescribed displacements, tractions, gravity, body force)
  in steps, load factor t = 1/n, 2/n, ... 1, each solved by Newton's method from the previous
  step's state. A step whose Newton solve fails (no convergence, or an inverted element) is
  retried from its start with half the increment, down to 1/64 of a nominal step; a nominal step
  that still fails stops the solve with an error naming the load factor reached.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticitySetLoadSteps(TwinfeElasticity elasticity, PetscInt nsteps);
/* Called after each nominal step converged (step 1..n, load factor t), e.g. to write the state.
   Not collective (called on every rank). */
typedef PetscErrorCode (*TwinfeElasticityStepMonitor)(TwinfeElasticity elasticity, PetscInt step, PetscReal t, void *ctx);

/*@
  TwinfeElasticitySetStepMonitor - Sets a function called after each converged load step.

  Not collective

  Input Parameters:
+ elasticity - the elasticity problem
. monitor    - called after each nominal step
- ctx        - context handed to monitor

  Notes:
  The monitor is called after each nominal step converged (step 1..n, load factor t), e.g. to
  write the state; it is called on every rank.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticitySetStepMonitor(TwinfeElasticity elasticity, TwinfeElasticityStepMonitor monitor,
                                                           void *ctx);

/*@
  TwinfeElasticityGetNewtonInfo - Returns the totals of the last nonlinear solve.

  Not collective

  Input Parameter:
. elasticity - the elasticity problem

  Output Parameters:
+ steps    - load steps taken, cut-back retries included
. newton   - Newton iterations
. linear   - linear iterations
- cutbacks - steps that were cut back

  Notes:
  Totals over the last solve: load steps taken (cut-back retries included), Newton iterations,
  linear iterations, and the steps that were cut back.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityGetNewtonInfo(TwinfeElasticity elasticity, PetscInt *steps, PetscInt *newton,
                                                          PetscInt *linear, PetscInt *cutbacks);

/*@
  TwinfeElasticityGetReactionForces - Returns the force each held set exerts on the tissue.

  Collective

  Input Parameter:
. elasticity - the elasticity problem

  Output Parameters:
+ nsets  - number of held sets
- forces - 3 values per set, uN (NULL: only the count)

  Notes:
  The force (uN, x y z) each held set exerts on the tissue in the current state: the sum of
  internal minus external forces over the dofs it holds. The sets are the clamps and prescribed
  displacements in the order added (a dof two sets hold counts for the later one). At
  equilibrium the reactions and the loads sum to zero. forces holds 3 * nsets values (NULL:
  only *nsets).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityGetReactionForces(TwinfeElasticity elasticity, PetscInt *nsets, PetscReal forces[]);

/*@
  TwinfeElasticityGetReactionField - Returns the reaction force node by node.

  Collective

  Input Parameter:
. elasticity - the elasticity problem

  Output Parameters:
+ dm       - the DM of the node values (lent)
- reaction - the force at every node (lent)

  Notes:
  The same forces node by node: the force (uN, x y z) each held node exerts on the tissue, 0 at
  the free nodes, named "reaction_force", on the displacement's nodes (P1: the vertices; P2: the
  vertices and edges, as TwinfeSpaceCreateNodeVector lays them out, so a writer shows it as
  quadratic tets). Its sum over a held set's nodes is the set's force. DM and Vec lent, valid
  until the next call or destroy.

  Level: intermediate

.seealso: TwinfeSpaceCreateNodeVector()
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityGetReactionField(TwinfeElasticity elasticity, DM *dm, Vec *reaction);

/*@
  TwinfeElasticityIsNonlinear - Tells whether some region's law is nonlinear.

  Not collective

  Input Parameter:
. elasticity - the elasticity problem

  Output Parameter:
. nonlinear - whether some region's law is nonlinear

  Notes:
  Whether some region's law is nonlinear (the solve uses Newton).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityIsNonlinear(TwinfeElasticity elasticity, PetscBool *nonlinear);

/* Cell fields of the current state on this rank's cells (cStart..cEnd order), each the cell's
   mean, as new named Vecs the caller destroys, in this order:
     von_mises (1, Pa) of the Cauchy stress; stress (6: xx yy zz xy yz xz, Pa), the Cauchy stress
     (small strain: sigma(eps)); strain (6, same order), Green-Lagrange E = (F^T F - I)/2 (small
     strain: eps); principal_strain (3, largest first), the eigenvalues of that strain; J = det F.
   A state with inverted cells (det F <= 0) is refused. Collective. */
#define TWINFE_ELASTICITY_NFIELDS 5
/*@
  TwinfeElasticityComputeCellFields - Computes the cell fields of the current state: stress, strain and J.

  Collective

  Input Parameter:
. elasticity - the elasticity problem

  Output Parameter:
. fields - the TWINFE_ELASTICITY_NFIELDS new vectors

  Notes:
  Cell fields of the current state on this rank's cells (cStart..cEnd order), each the cell's
  mean, as new named Vecs the caller destroys, in this order:
    von_mises (1, Pa) of the Cauchy stress; stress (6: xx yy zz xy yz xz, Pa), the Cauchy stress
    (small strain: sigma(eps)); strain (6, same order), Green-Lagrange E = (F^T F - I)/2 (small
    strain: eps); principal_strain (3, largest first), the eigenvalues of that strain; J = det F.
  A state with inverted cells (det F <= 0) is refused. Collective.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityComputeCellFields(TwinfeElasticity elasticity, Vec fields[]);

/* ---- Nearly incompressible tissue: the mixed displacement-pressure form ----------------------
   Soft tissue is nearly incompressible (nu 0.45 to 0.4999). Pure-displacement tets lock there:
   the volume constraint leaves them too few free modes, and they come out far too stiff. The
   mixed form (docs/mechanics.md) keeps a pressure p as its own unknown, continuous P1 beside a P2
   displacement (Taylor-Hood, stable for any nu), from the split W = W_shear(F) + K/2 theta^2 of
   every law (theta = ln J, or tr(grad u) for the linear law; K = lambda, or kappa for
   Mooney-Rivlin):
     find u, p with  int (P_shear(F) - p dtheta/dF) : grad v = loads,  int (theta + p/K) q = 0,
   whose solution is that of the law itself for every nu, without locking. p = -K theta is the
   volumetric (mean) stress, in Pa, positive in compression. The saddle-point system is solved
   with a Schur-complement block preconditioner (GAMG on the displacement, the pressure mass
   matrix weighted by 1/mu + 1/K for the Schur complement). */
typedef enum { TWINFE_ELASTICITY_DISPLACEMENT, TWINFE_ELASTICITY_MIXED } TwinfeElasticityFormulation;

/*@
  TwinfeElasticityFormulationGetName - Returns the name of a TwinfeElasticityFormulation value as options give it.

  Not collective

  Input Parameter:
. formulation - the formulation

  Output Parameter:
. name - its name ("displacement" or "mixed"), a string of the library (do not free)

  Notes:
  A value outside the enum is refused.

  Level: intermediate

.seealso: TwinfeElasticitySetFormulation(), TwinfeElasticityGetFormulation()
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityFormulationGetName(TwinfeElasticityFormulation formulation, const char **name);

/*@
  TwinfeElasticitySetFormulation - Chooses the pure-displacement or the mixed displacement-pressure formulation.

  Not collective

  Input Parameters:
+ elasticity  - the elasticity problem
- formulation - the formulation

  Notes:
  Soft tissue is nearly incompressible (nu 0.45 to 0.4999). Pure-displacement tets lock there:
  the volume constraint leaves them too few free modes, and they come out far too stiff. The
  mixed form (docs/mechanics.md) keeps a pressure p as its own unknown, continuous P1 beside a P2
  displacement (Taylor-Hood, stable for any nu), from the split W = W_shear(F) + K/2 theta^2 of
  every law (theta = ln J, or tr(grad u) for the linear law; K = lambda, or kappa for
  Mooney-Rivlin):
    find u, p with  int (P_shear(F) - p dtheta/dF) : grad v = loads,  int (theta + p/K) q = 0,
  whose solution is that of the law itself for every nu, without locking. p = -K theta is the
  volumetric (mean) stress, in Pa, positive in compression. The saddle-point system is solved
  with a Schur-complement block preconditioner (GAMG on the displacement, the pressure mass
  matrix weighted by 1/mu + 1/K for the Schur complement).
  Call before the first set-up (also -elasticity_formulation). The mixed form needs degree 2
  and K > 0 in every region (nu > 0 for the linear and neo-Hookean laws). Not collective.

  Level: intermediate

.seealso: TwinfeElasticityGetFormulation()
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticitySetFormulation(TwinfeElasticity elasticity, TwinfeElasticityFormulation formulation);

/*@
  TwinfeElasticityGetFormulation - Returns the formulation.

  Not collective

  Input Parameter:
. elasticity - the elasticity problem

  Output Parameter:
. formulation - the formulation

  Level: intermediate

.seealso: TwinfeElasticitySetFormulation()
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityGetFormulation(TwinfeElasticity elasticity, TwinfeElasticityFormulation *formulation);

/*@
  TwinfeElasticityGetPressure - Returns the mixed formulation's pressure at the vertices.

  Collective

  Input Parameter:
. elasticity - the elasticity problem

  Output Parameters:
+ dm       - the vertex DM (lent)
- pressure - the pressure (lent)

  Notes:
  The mixed form's pressure p (Pa, positive in compression) at the mesh vertices, named
  "pressure", on a vertex DM (both lent, valid until the next solve or destroy).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityGetPressure(TwinfeElasticity elasticity, DM *dm, Vec *pressure);

/*@
  TwinfeElasticityAddPressure - Adds a pressure on the faces with a tag.

  Not collective

  Input Parameters:
+ elasticity - the elasticity problem
. tag        - facet tag ("Face Sets" value)
- pressure   - the pressure (Pa; negative pulls)

  Notes:
  A pressure (Pa) on the boundary faces with "Face Sets" value tag, pushing into the tissue
  (a negative value pulls). Under finite strain it follows the deformed faces (-p n da, a
  follower load, so Newton's matrix gains a non-symmetric term); under small strain it acts on
  the reference faces (-p N dA). Scaled by the load factor.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityAddPressure(TwinfeElasticity elasticity, PetscInt tag, PetscReal pressure);

/*@
  TwinfeElasticityComputeFaceStress - Computes the area-weighted mean Cauchy stress over the faces with a tag.

  Collective

  Input Parameters:
+ elasticity - the elasticity problem
- tag        - facet tag ("Face Sets" value)

  Output Parameter:
. mean - the mean stress, xx yy zz xy yz xz (Pa)

  Notes:
  The area-weighted mean Cauchy stress (Pa; xx yy zz xy yz xz) over the boundary faces with
  "Face Sets" value tag, evaluated on the faces themselves (not at cell centres: at a loaded
  wall the stress varies steeply).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityComputeFaceStress(TwinfeElasticity elasticity, PetscInt tag, PetscReal mean[6]);

/* Added by the physics stage. */
/*@
  TwinfeElasticitySetDegree - Sets the Lagrange degree, 1 or 2.

  Not collective

  Input Parameters:
+ elasticity - the elasticity problem
- degree     - 1 or 2

  Notes:
  Lagrange degree 1 or 2 (also -elasticity_degree); call before the first solve.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticitySetDegree(TwinfeElasticity elasticity, PetscInt degree);

/*@
  TwinfeElasticitySetBodyForce - Sets an extra body force.

  Not collective

  Input Parameters:
+ elasticity - the elasticity problem
. fn         - the body force f(x) (uN/mm^3; NULL removes it)
- ctx        - context handed to the callback (may be NULL)

  Notes:
  An extra body force f(x) (uN/mm^3) added to density * gravity, e.g. for manufactured
  solutions. fn NULL removes it.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticitySetBodyForce(TwinfeElasticity elasticity, TwinfeVectorFunction fn, void *ctx);

/*@
  TwinfeElasticityGetSpace - Returns the elasticity problem's space.

  Not collective

  Input Parameter:
. elasticity - the elasticity problem

  Output Parameter:
. space - the space (lent)

  Notes:
  The space and the full solution Vec on its DM (P2 dofs included), lent; valid after a solve.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityGetSpace(TwinfeElasticity elasticity, TwinfeSpace *space);

/*@
  TwinfeElasticityGetSolution - Returns the full solution vector.

  Not collective

  Input Parameter:
. elasticity - the elasticity problem

  Output Parameter:
. u - the full solution (lent)

  Notes:
  The space and the full solution Vec on its DM (P2 dofs included), lent; valid after a solve.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityGetSolution(TwinfeElasticity elasticity, Vec *u);

/*@
  TwinfeElasticityGetSNES - Returns the SNES.

  Not collective

  Input Parameter:
. elasticity - the elasticity problem

  Output Parameter:
. snes - the SNES (lent)

  Notes:
  The SNES (lent), created by TwinfeElasticitySetFromOptions or the first solve.

  Level: advanced

.seealso: TwinfeElasticitySetFromOptions()
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityGetSNES(TwinfeElasticity elasticity, SNES *snes);

/* ---- Solvers kept across runs -------------------------------------------------------------
   Several runs in one process that solve with the same operator (a rehearsal's baseline and its
   steps that change only loads) can share one preconditioner set-up: a run offers its set-up
   solver to the store, and a later run whose assembled operator equals that solver's, value for
   value on the same parallel layout, with the same Krylov method and preconditioner type, solves
   with it (its own Krylov tolerances put on it) instead of setting up its own. The operator is
   compared, not assumed from the options: a changed material, support or tool shows in it.
   Small-strain elasticity uses it. Per name the store keeps one solver, the latest offered; a
   find that does not match drops it (the caller's own set-up replaces it, and is not to hold
   memory beside it). */
typedef struct _p_TwinfeSolverStore *TwinfeSolverStore;

/*@
  TwinfeSolverStoreCreate - Creates a store of solvers shared by runs in one process.

  Collective

  Input Parameter:
. comm - MPI communicator

  Output Parameter:
. store - the new solver store

  Notes:
  Several runs in one process that solve with the same operator (a rehearsal's baseline and its
  steps that change only loads) can share one preconditioner set-up: a run offers its set-up
  solver to the store, and a later run whose assembled operator equals that solver's, value for
  value on the same parallel layout, with the same Krylov method and preconditioner type, solves
  with it (its own Krylov tolerances put on it) instead of setting up its own. The operator is
  compared, not assumed from the options: a changed material, support or tool shows in it.
  Small-strain elasticity uses it. Per name the store keeps one solver, the latest offered; a
  find that does not match drops it (the caller's own set-up replaces it, and is not to hold
  memory beside it).
  Collective. The store must outlive every object it is given to.

  Level: advanced

.seealso: TwinfeSolverStoreDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSolverStoreCreate(MPI_Comm comm, TwinfeSolverStore *store);

/*@
  TwinfeSolverStoreDestroy - Destroys a solver store.

  Collective

  Input Parameter:
. store - the solver store, set to NULL

  Level: advanced

.seealso: TwinfeSolverStoreCreate()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSolverStoreDestroy(TwinfeSolverStore *store);

/*@
  TwinfeSolverStoreRelease - Drops the kept solvers.

  Collective

  Input Parameter:
. store - the solver store

  Notes:
  Drops the kept solvers (their operators and preconditioners: the memory).

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSolverStoreRelease(TwinfeSolverStore store);

/*@
  TwinfeSolverStoreOffer - Keeps a set-up solver under a name.

  Not collective

  Input Parameters:
+ store - the solver store
. name  - the name it is kept under
- ksp   - a set-up solver (referenced)

  Notes:
  Keeps ksp (set up on its operators; referenced) under name, in place of the one kept there.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSolverStoreOffer(TwinfeSolverStore store, const char name[], KSP ksp);

/*@
  TwinfeSolverStoreFind - Finds the solver kept under a name when its operator equals the one given.

  Collective on A

  Input Parameters:
+ store - the solver store
. name  - the name it was kept under
. like  - a solver with the wanted methods
- A     - the assembled operator

  Output Parameter:
. ksp - the kept solver (a new reference), or NULL

  Notes:
  The solver kept under name when its operator equals A and its methods are like's (a new
  reference: KSPDestroy it), else NULL and the kept one is dropped.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSolverStoreFind(TwinfeSolverStore store, const char name[], KSP like, Mat A, KSP *ksp);

/*@
  TwinfeSolverStoreGetCounts - Returns how many solvers the store keeps and how many times one was found.

  Not collective

  Input Parameter:
. store - the solver store

  Output Parameters:
+ kept  - number of solvers kept
- found - how many times one was found

  Notes:
  How many solvers it keeps and how many times one was found.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSolverStoreGetCounts(TwinfeSolverStore store, PetscInt *kept, PetscInt *found);

/*@
  TwinfeElasticitySetSolverStore - Gives a small-strain elasticity problem a solver store.

  Not collective

  Input Parameters:
+ elasticity - the elasticity problem
- store      - the store (NULL: none)

  Notes:
  Small strain: offer this elasticity's solver to the store and solve with a kept one when the
  stiffness is the same (NULL: none). Call before the solve.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticitySetSolverStore(TwinfeElasticity elasticity, TwinfeSolverStore store);

/*@
  TwinfeElasticityGetSolverReused - Tells whether the last solve used a kept solver.

  Not collective

  Input Parameter:
. elasticity - the elasticity problem

  Output Parameter:
. reused - whether the last solve used a kept solver

  Notes:
  Whether the last solve used a kept solver (no preconditioner set-up of its own).

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeElasticityGetSolverReused(TwinfeElasticity elasticity, PetscBool *reused);

/* ---- A physics the case drives ------------------------------------------------------------
   One object per physics, chosen by name (-physics, YAML `physics:`), with one life the case
   drives: create, set the regions, check the options (before any meshing), prepare on the whole
   serial mesh (refuse what cannot work, e.g. a part nothing holds, before distributing), set up
   on the distributed DM, solve, write its fields into the results series. A new physics is a
   new file in libtwinfe/physics/ with its TwinfePhysicsOps and a line in physics.c's list. */
typedef struct _p_TwinfePhysics *TwinfePhysics;

/*@
  TwinfePhysicsList - Returns the names of the physics known.

  Not collective

  Output Parameter:
. names - NULL-terminated list of names

  Notes:
  The physics known by name ("elasticity"), as a NULL-terminated list.

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfePhysicsList(const char *const **names);

/*@
  TwinfePhysicsCreate - Creates a physics by name.

  Collective

  Input Parameters:
+ comm - MPI communicator
- name - the physics' name

  Output Parameter:
. physics - the new physics

  Notes:
  One object per physics, chosen by name (-physics, YAML `physics:`), with one life the case
  drives: create, set the regions, check the options (before any meshing), prepare on the whole
  serial mesh (refuse what cannot work, e.g. a part nothing holds, before distributing), set up
  on the distributed DM, solve, write its fields into the results series. A new physics is a
  new file in libtwinfe/physics/ with its TwinfePhysicsOps and a line in physics.c's list.
  A physics by name; an unknown name is refused with the known ones. Collective.

  Level: developer

.seealso: TwinfePhysicsDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfePhysicsCreate(MPI_Comm comm, const char name[], TwinfePhysics *physics);

/*@
  TwinfePhysicsDestroy - Destroys a physics.

  Collective

  Input Parameter:
. physics - the physics, set to NULL

  Level: developer

.seealso: TwinfePhysicsCreate()
@*/
PETSC_EXTERN PetscErrorCode TwinfePhysicsDestroy(TwinfePhysics *physics);

/*@
  TwinfePhysicsGetName - Returns a physics' name and a phrase naming the fields it writes.

  Not collective

  Input Parameter:
. physics - the physics

  Output Parameters:
+ name   - its name
- fields - a phrase naming its fields

  Notes:
  Its name and a phrase naming the fields it writes ("displacement and von Mises stress").

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfePhysicsGetName(TwinfePhysics physics, const char **name, const char **fields);

/*@
  TwinfePhysicsSetRegions - Sets the regions: their "Cell Sets" labels and names.

  Not collective

  Input Parameters:
+ physics  - the physics
. nregions - number of regions
. labels   - their "Cell Sets" labels
- names    - their names (copied)

  Notes:
  The regions: their "Cell Sets" labels and names (copied), the same on every rank; set again
  when they change.

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfePhysicsSetRegions(TwinfePhysics physics, PetscInt nregions, const int32_t labels[],
                                                    const char *const names[]);

/*@
  TwinfePhysicsSetInputFolder - Sets the folder relative input paths in the physics' options are relative to.

  Not collective

  Input Parameters:
+ physics - the physics
- folder  - the folder

  Notes:
  The folder that relative input paths in the physics' options (an inflow waveform table) are
  relative to: the case file's (default: the working folder).

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfePhysicsSetInputFolder(TwinfePhysics physics, const char folder[]);

/*@
  TwinfePhysicsSetReport - Sets the report the physics' figures go to.

  Not collective

  Input Parameters:
+ physics - the physics
- report  - the report (rank 0; NULL elsewhere)

  Notes:
  Where the figures go: a report on rank 0 (NULL on the other ranks).

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfePhysicsSetReport(TwinfePhysics physics, TwinfeReport report);

/*@
  TwinfePhysicsCheckOptions - Refuses bad option values for the regions set.

  Collective

  Input Parameter:
. physics - the physics

  Notes:
  Refuses bad option values for the regions set (materials, ...), naming the option.

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfePhysicsCheckOptions(TwinfePhysics physics);

/*@
  TwinfePhysicsPrepare - Checks what needs the whole serial mesh before it is distributed.

  Collective

  Input Parameters:
+ physics - the physics
- mesh    - the serial mesh (rank 0; NULL elsewhere)

  Notes:
  Checks what needs the whole mesh (given on rank 0, NULL elsewhere) before it is distributed,
  and keeps what it derives (clamp boxes, caps). The mesh is only read during the call.

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfePhysicsPrepare(TwinfePhysics physics, TwinfeMesh mesh);

/*@
  TwinfePhysicsSetUp - Sets up spaces, materials and boundary conditions on the distributed DM.

  Collective

  Input Parameters:
+ physics - the physics
- dm      - the distributed mesh (kept, not owned)

  Notes:
  Spaces, materials and boundary conditions on the distributed DM (kept, not owned).

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfePhysicsSetUp(TwinfePhysics physics, DM dm);

/*@
  TwinfePhysicsSetResults - Sets the results series a time-stepping physics writes its states into.

  Not collective

  Input Parameters:
+ physics - the physics
- results - the results series (kept, not owned)

  Notes:
  The results series (results.pvd) a physics that steps in time (pulsatile flow) writes its
  states into as it goes, during TwinfePhysicsSolve; kept, not owned. A steady physics writes
  its state at TwinfePhysicsWriteResults.

  Level: developer

.seealso: TwinfePhysicsSolve(), TwinfePhysicsWriteResults()
@*/
PETSC_EXTERN PetscErrorCode TwinfePhysicsSetResults(TwinfePhysics physics, TwinfeResults results);

/*@
  TwinfePhysicsSolve - Solves the physics.

  Collective

  Input Parameter:
. physics - the physics

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfePhysicsSolve(TwinfePhysics physics);

/*@
  TwinfePhysicsWriteResults - Writes the physics' states into the results series.

  Collective

  Input Parameters:
+ physics - the physics
- results - the results series

  Notes:
  Its states into the results series (results.pvd).

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfePhysicsWriteResults(TwinfePhysics physics, TwinfeResults results);

/*@
  TwinfePhysicsSetQuiet - Silences the physics on the terminal.

  Not collective

  Input Parameters:
+ physics - the physics
- quiet   - PETSC_TRUE: nothing on the terminal

  Notes:
  Nothing on the terminal from this physics (a helper run, such as a coarse start).

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfePhysicsSetQuiet(TwinfePhysics physics, PetscBool quiet);

/*@
  TwinfePhysicsSetStartOnly - Marks a physics as solved only to start a finer solve.

  Not collective

  Input Parameters:
+ physics    - the physics
- start_only - PETSC_TRUE: solved only to start a finer solve

  Notes:
  This physics is solved only to start a finer solve of the same physics (grid sequencing,
  TwinfePhysicsStartFrom): quiet, and solved only as far as a start needs (flow: Newton to 1e-2
  relative, TwinfeFlowSetStartOnly).

  Level: developer

.seealso: TwinfePhysicsStartFrom(), TwinfeFlowSetStartOnly()
@*/
PETSC_EXTERN PetscErrorCode TwinfePhysicsSetStartOnly(TwinfePhysics physics, PetscBool start_only);

/*@
  TwinfePhysicsGetStartMeshSize - Returns the edge length of a coarser mesh to start the solve from (grid sequencing).

  Collective

  Input Parameter:
. physics - the physics

  Output Parameter:
. size_mm - edge length of the coarser mesh (mm; 0: none)

  Notes:
  Grid sequencing for a nonlinear solve (steady Navier-Stokes): the edge length (mm) of a
  coarser mesh of the same body whose solution the solve should start from, or 0 when it wants
  none (the physics' options decide: -start_mesh_size for flow).

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfePhysicsGetStartMeshSize(TwinfePhysics physics, PetscReal *size_mm);

/*@
  TwinfePhysicsNeedsMeshEdges - Tells whether the physics' fields need the mesh's faces and edges.

  Not collective

  Input Parameter:
. physics - the physics

  Output Parameter:
. needs - whether faces and edges are needed

  Notes:
  Whether the physics' fields, as its options set them, need the mesh's faces and edges (a P2
  field does); PETSC_FALSE: cells and vertices serve (P1 fields alone), so a refined mesh's
  finest level may be a cell-vertex one (TwinfePartitionRefineCellVertex), a third of the
  memory. PETSC_TRUE for a physics that does not say.

  Level: developer

.seealso: TwinfePartitionRefineCellVertex()
@*/
PETSC_EXTERN PetscErrorCode TwinfePhysicsNeedsMeshEdges(TwinfePhysics physics, PetscBool *needs);

/*@
  TwinfePhysicsSetSolverStore - Gives a physics solvers shared with other runs in this process.

  Not collective

  Input Parameters:
+ physics - the physics
- store   - the store (NULL: none)

  Notes:
  Solvers shared with other runs in this process (TwinfeSolverStore; NULL: none). Call before
  TwinfePhysicsSetUp.

  Level: developer

.seealso: TwinfePhysicsSetUp()
@*/
PETSC_EXTERN PetscErrorCode TwinfePhysicsSetSolverStore(TwinfePhysics physics, TwinfeSolverStore store);

/*@
  TwinfePhysicsStartFrom - Starts the next solve from a coarser mesh's solution.

  Collective

  Input Parameters:
+ physics - the physics
- coarse  - the same physics, solved on a coarser mesh

  Notes:
  After TwinfePhysicsSetUp: the next solve starts from coarse's solution (the same physics and
  options, set up on the coarser mesh and solved), carried to this mesh; coarse may be destroyed
  after the call.

  Level: developer

.seealso: TwinfePhysicsSetUp()
@*/
PETSC_EXTERN PetscErrorCode TwinfePhysicsStartFrom(TwinfePhysics physics, TwinfePhysics coarse);
