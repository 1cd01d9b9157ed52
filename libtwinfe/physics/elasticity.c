/* Small-strain linear elasticity on a TwinfeSpace (P1 or P2 tets), solved with SNES/KSP/GAMG.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Weak form: find u with u = g on clamped/prescribed faces and, for every v,
 *   int sigma(u) : eps(v) = int (rho g + f) . v + int_traction t . v,
 *   sigma = lambda tr(eps) I + 2 mu eps.
 * The problem is linear: the stiffness matrix is assembled once per setup and reused. */
#include <twinfe/physics.h>

typedef struct {
  PetscInt  region;
  PetscReal E, nu, density;
} Material;

typedef struct {
  PetscInt             tag, mask;
  PetscBool            has_box;
  PetscReal            box[6];
  TwinfeVectorFunction fn; /* NULL: clamp */
  void                *ctx;
} Displacement;

typedef struct {
  PetscInt  tag;
  PetscReal t[3];
} Traction;

struct _p_TwinfeElasticity {
  MPI_Comm             comm;
  DM                   dm;
  PetscInt             degree;
  Material            *materials;
  PetscInt             nmaterials;
  Displacement        *displacements;
  PetscInt             ndisplacements;
  Traction            *tractions;
  PetscInt             ntractions;
  PetscReal            gravity[3];
  TwinfeVectorFunction body;
  void                *body_ctx;
  /* built by setup */
  TwinfeSpace space;
  Mat         J;
  Vec         u, r;
  SNES        snes;
  PetscReal  *lambda, *mu, *density; /* per local cell */
  PetscReal   bc_scale;
  PetscBool   dirty;
  /* vertex-only displacement for writers (P2 only; P1 lends u) */
  DM  vertex_dm;
  Vec vertex_u;
};

PetscErrorCode TwinfeElasticityCreate(DM dm, TwinfeElasticity *elasticity)
{
  TwinfeElasticity e;
  PetscInt         dim;

  PetscFunctionBeginUser;
  PetscCall(DMGetDimension(dm, &dim));
  PetscCheck(dim == 3, PetscObjectComm((PetscObject)dm), PETSC_ERR_ARG_WRONG,
             "TwinfeElasticityCreate needs a 3D mesh, got dimension %" PetscInt_FMT, dim);
  PetscCall(PetscNew(&e));
  e->comm   = PetscObjectComm((PetscObject)dm);
  e->degree = 1;
  e->dirty  = PETSC_TRUE;
  PetscCall(PetscObjectReference((PetscObject)dm));
  e->dm = dm;
  PetscCall(PetscOptionsGetInt(NULL, "elasticity_", "-degree", &e->degree, NULL));
  PetscCheck(e->degree == 1 || e->degree == 2, e->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-elasticity_degree %" PetscInt_FMT " is not supported: use 1 (P1) or 2 (P2)", e->degree);
  *elasticity = e;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityDestroy(TwinfeElasticity *elasticity)
{
  TwinfeElasticity e;

  PetscFunctionBeginUser;
  if (!elasticity || !*elasticity) PetscFunctionReturn(0);
  e = *elasticity;
  PetscCall(PetscFree(e->materials));
  PetscCall(PetscFree(e->displacements));
  PetscCall(PetscFree(e->tractions));
  PetscCall(PetscFree3(e->lambda, e->mu, e->density));
  PetscCall(SNESDestroy(&e->snes));
  PetscCall(MatDestroy(&e->J));
  PetscCall(VecDestroy(&e->u));
  PetscCall(VecDestroy(&e->r));
  PetscCall(VecDestroy(&e->vertex_u));
  PetscCall(DMDestroy(&e->vertex_dm));
  PetscCall(TwinfeSpaceDestroy(&e->space));
  PetscCall(DMDestroy(&e->dm));
  PetscCall(PetscFree(e));
  *elasticity = NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticitySetDegree(TwinfeElasticity e, PetscInt degree)
{
  PetscFunctionBeginUser;
  PetscCheck(degree == 1 || degree == 2, e->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "elasticity degree %" PetscInt_FMT " is not supported: use 1 (P1) or 2 (P2)", degree);
  PetscCheck(!e->space || degree == e->degree, e->comm, PETSC_ERR_ORDER, "elasticity degree must be set before the first solve");
  e->degree = degree;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticitySetMaterial(TwinfeElasticity e, PetscInt region, PetscReal E, PetscReal nu, PetscReal density)
{
  PetscInt i;

  PetscFunctionBeginUser;
  PetscCheck(PetscIsNormalReal(E) && E > 0, e->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "region %" PetscInt_FMT ": Young's modulus E = %g Pa is not allowed, it must be > 0", region, (double)E);
  PetscCheck(!PetscIsInfOrNanReal(nu) && nu > -1 && nu < 0.5, e->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "region %" PetscInt_FMT ": Poisson ratio nu = %g is not allowed, it must lie in (-1, 0.5)", region, (double)nu);
  PetscCheck(!PetscIsInfOrNanReal(density) && density >= 0, e->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "region %" PetscInt_FMT ": density %g g/mm^3 is not allowed, it must be >= 0", region, (double)density);
  for (i = 0; i < e->nmaterials; ++i)
    if (e->materials[i].region == region) break;
  if (i == e->nmaterials) {
    Material *m;
    PetscCall(PetscMalloc1(e->nmaterials + 1, &m));
    PetscCall(PetscArraycpy(m, e->materials, e->nmaterials));
    PetscCall(PetscFree(e->materials));
    e->materials = m;
    e->nmaterials++;
  }
  e->materials[i].region  = region;
  e->materials[i].E       = E;
  e->materials[i].nu      = nu;
  e->materials[i].density = density;
  e->dirty                = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticitySetGravity(TwinfeElasticity e, const PetscReal g[3])
{
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < 3; ++k)
    e->gravity[k] = g[k];
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticitySetBodyForce(TwinfeElasticity e, TwinfeVectorFunction fn, void *ctx)
{
  PetscFunctionBeginUser;
  e->body     = fn;
  e->body_ctx = ctx;
  PetscFunctionReturn(0);
}

static PetscErrorCode AppendDisplacement(TwinfeElasticity e, const Displacement *d)
{
  Displacement *list;

  PetscFunctionBeginUser;
  PetscCheck(d->mask >= 1 && d->mask <= 7, e->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "displacement on tag %" PetscInt_FMT ": component mask %" PetscInt_FMT " must be 1..7 (bit c = component c)", d->tag,
             d->mask);
  PetscCall(PetscMalloc1(e->ndisplacements + 1, &list));
  PetscCall(PetscArraycpy(list, e->displacements, e->ndisplacements));
  list[e->ndisplacements++] = *d;
  PetscCall(PetscFree(e->displacements));
  e->displacements = list;
  e->dirty         = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityAddClamp(TwinfeElasticity e, PetscInt tag, const PetscReal box[6])
{
  Displacement d = {tag, 7, PETSC_FALSE, {0, 0, 0, 0, 0, 0}, NULL, NULL};

  PetscFunctionBeginUser;
  if (box) {
    d.has_box = PETSC_TRUE;
    for (PetscInt k = 0; k < 6; ++k)
      d.box[k] = box[k];
  }
  PetscCall(AppendDisplacement(e, &d));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityAddDisplacement(TwinfeElasticity e, PetscInt tag, PetscInt mask, TwinfeVectorFunction fn,
                                               void *ctx)
{
  Displacement d = {tag, mask, PETSC_FALSE, {0, 0, 0, 0, 0, 0}, fn, ctx};

  PetscFunctionBeginUser;
  PetscCall(AppendDisplacement(e, &d));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityAddTraction(TwinfeElasticity e, PetscInt tag, const PetscReal t[3])
{
  Traction *list;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(e->ntractions + 1, &list));
  PetscCall(PetscArraycpy(list, e->tractions, e->ntractions));
  list[e->ntractions].tag = tag;
  for (PetscInt k = 0; k < 3; ++k)
    list[e->ntractions].t[k] = t[k];
  e->ntractions++;
  PetscCall(PetscFree(e->tractions));
  e->tractions = list;
  e->dirty     = PETSC_TRUE; /* the setup checks that the tag exists */
  PetscFunctionReturn(0);
}

/* ---- kernels ---------------------------------------------------------------------------- */

/* Quadrature: P1 stiffness has constant gradients (1 point is exact); P2 gradients are linear
   (degree 2 products). A body-force function is not polynomial: integrate it more finely. */
static PetscInt StiffnessOrder(TwinfeElasticity e)
{
  return 2 * (e->degree - 1);
}
static PetscInt ResidualOrder(TwinfeElasticity e)
{
  return e->body ? 2 * e->degree + 2 : e->degree;
}

static PetscErrorCode StiffnessKernel(const TwinfeElement *el, PetscScalar K[], void *ctx)
{
  TwinfeElasticity e      = (TwinfeElasticity)ctx;
  PetscReal        lambda = e->lambda[el->cell], mu = e->mu[el->cell];
  PetscInt         nb = el->nbasis[0], nd = el->ndof;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < el->nq; ++q) {
    const PetscReal *D = &el->D[0][q * nb * 3];
    PetscReal        w = el->w[q];
    for (PetscInt a = 0; a < nb; ++a) {
      const PetscReal *da = &D[3 * a];
      for (PetscInt b = 0; b < nb; ++b) {
        const PetscReal *db  = &D[3 * b];
        PetscReal        dot = da[0] * db[0] + da[1] * db[1] + da[2] * db[2];
        for (PetscInt i = 0; i < 3; ++i) {
          PetscScalar *row = &K[(3 * a + i) * nd + 3 * b];
          for (PetscInt j = 0; j < 3; ++j)
            row[j] += w * (lambda * da[i] * db[j] + mu * (da[j] * db[i] + (i == j ? dot : 0)));
        }
      }
    }
  }
  PetscFunctionReturn(0);
}

/* Stress at quadrature point q of an element whose values are el->u. */
static void PointStress(const TwinfeElement *el, PetscInt q, PetscReal lambda, PetscReal mu, PetscReal s[3][3])
{
  PetscInt         nb      = el->nbasis[0];
  const PetscReal *D       = &el->D[0][q * nb * 3];
  PetscReal        G[3][3] = {{0}}, tr;

  for (PetscInt b = 0; b < nb; ++b)
    for (PetscInt i = 0; i < 3; ++i)
      for (PetscInt j = 0; j < 3; ++j)
        G[i][j] += PetscRealPart(el->u[3 * b + i]) * D[3 * b + j];
  tr = G[0][0] + G[1][1] + G[2][2];
  for (PetscInt i = 0; i < 3; ++i)
    for (PetscInt j = 0; j < 3; ++j)
      s[i][j] = mu * (G[i][j] + G[j][i]) + (i == j ? lambda * tr : 0);
}

static PetscErrorCode ResidualKernel(const TwinfeElement *el, PetscScalar r[], void *ctx)
{
  TwinfeElasticity e  = (TwinfeElasticity)ctx;
  PetscInt         nb = el->nbasis[0];

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < el->nq; ++q) {
    const PetscReal *D = &el->D[0][q * nb * 3], *B = &el->B[0][q * nb];
    PetscReal        s[3][3], f[3], w = el->w[q];
    PointStress(el, q, e->lambda[el->cell], e->mu[el->cell], s);
    for (PetscInt k = 0; k < 3; ++k)
      f[k] = e->density[el->cell] * e->gravity[k];
    if (e->body) {
      PetscReal fb[3];
      PetscCall(e->body(&el->x[3 * q], fb, e->body_ctx));
      for (PetscInt k = 0; k < 3; ++k)
        f[k] += fb[k];
    }
    for (PetscInt a = 0; a < nb; ++a)
      for (PetscInt i = 0; i < 3; ++i)
        r[3 * a + i] += w * (s[i][0] * D[3 * a] + s[i][1] * D[3 * a + 1] + s[i][2] * D[3 * a + 2] - f[i] * B[a]);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode TractionKernel(const TwinfeFaceElement *fe, PetscScalar r[], void *ctx)
{
  const Traction *t  = (const Traction *)ctx;
  PetscInt        nb = fe->nbasis[0];

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < fe->nq; ++q)
    for (PetscInt a = 0; a < nb; ++a)
      for (PetscInt i = 0; i < 3; ++i)
        r[3 * a + i] -= fe->w[q] * fe->B[0][q * nb + a] * t->t[i];
  PetscFunctionReturn(0);
}

/* ---- setup and solve ---------------------------------------------------------------------- */

static PetscErrorCode FormFunction(SNES snes, Vec U, Vec F, void *ctx)
{
  TwinfeElasticity e = (TwinfeElasticity)ctx;

  PetscFunctionBeginUser;
  (void)snes;
  PetscCall(VecZeroEntries(F));
  PetscCall(TwinfeSpaceAssembleVector(e->space, ResidualOrder(e), U, ResidualKernel, e, F));
  for (PetscInt i = 0; i < e->ntractions; ++i)
    PetscCall(TwinfeSpaceAssembleFaceVector(e->space, e->tractions[i].tag, e->degree, NULL, TractionKernel, &e->tractions[i], F));
  PetscCall(TwinfeSpaceApplyDirichletToResidual(e->space, e->bc_scale, U, F));
  PetscFunctionReturn(0);
}

/* Linear problem: the Jacobian is the stiffness assembled by setup, so nothing to do here. */
static PetscErrorCode FormJacobian(SNES snes, Vec U, Mat J, Mat P, void *ctx)
{
  PetscFunctionBeginUser;
  (void)snes, (void)U, (void)J, (void)P, (void)ctx;
  PetscFunctionReturn(0);
}

static PetscErrorCode EnsureSpace(TwinfeElasticity e)
{
  PetscInt     degree[1] = {e->degree}, ncomp[1] = {3}, ncells;
  DM           sdm;
  Vec          coords;
  MatNullSpace nullsp;

  PetscFunctionBeginUser;
  if (e->space) PetscFunctionReturn(0);
  PetscCall(TwinfeSpaceCreate(e->dm, 1, degree, ncomp, &e->space));
  PetscCall(TwinfeSpaceGetDM(e->space, &sdm));
  PetscCall(DMCreateGlobalVector(sdm, &e->u));
  PetscCall(PetscObjectSetName((PetscObject)e->u, "displacement"));
  PetscCall(VecDuplicate(e->u, &e->r));
  PetscCall(TwinfeSpaceCreateMatrix(e->space, &e->J));
  /* Rigid-body modes from node coordinates in the solution layout: GAMG's near null space. */
  PetscCall(TwinfeSpaceCreateNodeCoordinates(e->space, 0, &coords));
  PetscCall(MatNullSpaceCreateRigidBody(coords, &nullsp));
  PetscCall(MatSetNearNullSpace(e->J, nullsp));
  PetscCall(MatNullSpaceDestroy(&nullsp));
  PetscCall(VecDestroy(&coords));
  PetscCall(TwinfeSpaceGetSizes(e->space, &ncells, NULL));
  PetscCall(PetscMalloc3(ncells, &e->lambda, ncells, &e->mu, ncells, &e->density));
  PetscFunctionReturn(0);
}

static PetscErrorCode EnsureSNES(TwinfeElasticity e)
{
  KSP ksp;
  PC  pc;

  PetscFunctionBeginUser;
  if (e->snes) PetscFunctionReturn(0);
  PetscCall(EnsureSpace(e));
  PetscCall(SNESCreate(e->comm, &e->snes));
  PetscCall(SNESSetOptionsPrefix(e->snes, "elasticity_"));
  PetscCall(SNESSetType(e->snes, SNESKSPONLY));
  PetscCall(SNESSetFunction(e->snes, e->r, FormFunction, e));
  PetscCall(SNESSetJacobian(e->snes, e->J, e->J, FormJacobian, e));
  PetscCall(SNESGetKSP(e->snes, &ksp));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPSetTolerances(ksp, 1e-8, PETSC_DEFAULT, PETSC_DEFAULT, 1000));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCGAMG));
  PetscCall(SNESSetFromOptions(e->snes));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticitySetFromOptions(TwinfeElasticity e)
{
  PetscFunctionBeginUser;
  PetscCall(EnsureSNES(e));
  PetscCall(SNESSetFromOptions(e->snes));
  PetscFunctionReturn(0);
}

/* Every region present on any rank needs a material; all ranks fail together. */
static PetscErrorCode AssignMaterials(TwinfeElasticity e)
{
  PetscInt        ncells, missing = PETSC_MIN_INT, first_missing;
  const PetscInt *region;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceGetSizes(e->space, &ncells, NULL));
  PetscCall(TwinfeSpaceGetCellRegions(e->space, &region));
  for (PetscInt c = 0; c < ncells; ++c) {
    const Material *m = NULL;
    for (PetscInt i = 0; i < e->nmaterials; ++i)
      if (e->materials[i].region == region[c]) m = &e->materials[i];
    if (!m) {
      missing = PetscMax(missing, region[c]);
      continue;
    }
    e->lambda[c]  = m->E * m->nu / ((1 + m->nu) * (1 - 2 * m->nu));
    e->mu[c]      = m->E / (2 * (1 + m->nu));
    e->density[c] = m->density;
  }
  PetscCall(MPIU_Allreduce(&missing, &first_missing, 1, MPIU_INT, MPI_MAX, e->comm));
  PetscCheck(first_missing == PETSC_MIN_INT, e->comm, PETSC_ERR_ARG_WRONGSTATE,
             "region %" PetscInt_FMT
             " (\"Cell Sets\" value; 0 = cells without one) has no material: call TwinfeElasticitySetMaterial for it",
             first_missing);
  PetscFunctionReturn(0);
}

static PetscErrorCode DisplacementValue(const PetscReal x[3], PetscInt ncomp, PetscScalar value[], void *ctx)
{
  const Displacement *d    = (const Displacement *)ctx;
  PetscReal           u[3] = {0, 0, 0};

  PetscFunctionBeginUser;
  (void)ncomp;
  if (d->fn) PetscCall(d->fn(x, u, d->ctx));
  for (PetscInt k = 0; k < 3; ++k)
    value[k] = u[k];
  PetscFunctionReturn(0);
}

static PetscErrorCode ApplyBoundaryConditions(TwinfeElasticity e)
{
  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceClearDirichlet(e->space));
  for (PetscInt i = 0; i < e->ndisplacements; ++i) {
    Displacement *d = &e->displacements[i];
    PetscCall(TwinfeSpaceAddDirichlet(e->space, d->tag, 0, d->mask, d->has_box ? d->box : NULL, DisplacementValue, d));
  }
  for (PetscInt i = 0; i < e->ntractions; ++i) {
    PetscInt count;
    PetscCall(TwinfeSpaceGetFaceCount(e->space, e->tractions[i].tag, &count));
    PetscCheck(count > 0, e->comm, PETSC_ERR_ARG_WRONG,
               "traction on \"Face Sets\" tag %" PetscInt_FMT ": no boundary face carries this tag", e->tractions[i].tag);
  }
  PetscFunctionReturn(0);
}

/* Constraint rows get the mean stiffness diagonal instead of 1, so that they neither dominate
   nor vanish in GAMG's strength graph and the residual (scaled alike) stays consistent. */
static PetscErrorCode AssembleStiffness(TwinfeElasticity e)
{
  Vec      diag;
  PetscInt n;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceAssembleMatrix(e->space, StiffnessOrder(e), NULL, StiffnessKernel, e, e->J));
  PetscCall(MatCreateVecs(e->J, &diag, NULL));
  PetscCall(MatGetDiagonal(e->J, diag));
  PetscCall(VecNorm(diag, NORM_1, &e->bc_scale));
  PetscCall(VecGetSize(diag, &n));
  e->bc_scale /= n;
  PetscCall(VecDestroy(&diag));
  PetscCall(TwinfeSpaceApplyDirichletToMatrix(e->space, e->bc_scale, e->J));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp(TwinfeElasticity e)
{
  PetscFunctionBeginUser;
  PetscCall(EnsureSNES(e));
  if (!e->dirty) PetscFunctionReturn(0);
  PetscCall(AssignMaterials(e));
  PetscCall(ApplyBoundaryConditions(e));
  PetscCall(AssembleStiffness(e));
  e->dirty = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticitySolve(TwinfeElasticity e)
{
  KSP                ksp;
  KSPConvergedReason reason;
  PetscInt           its;

  PetscFunctionBeginUser;
  PetscCall(SetUp(e));
  PetscCall(VecZeroEntries(e->u));
  PetscCall(TwinfeSpaceApplyDirichletToVector(e->space, e->u));
  PetscCall(SNESSolve(e->snes, NULL, e->u));
  /* The Newton update of a constrained dof is zero only to the linear solver's tolerance
     (about 1e-11 mm here); the prescribed value is known exactly, so put it back. */
  PetscCall(TwinfeSpaceApplyDirichletToVector(e->space, e->u));
  PetscCall(SNESGetKSP(e->snes, &ksp));
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  PetscCall(KSPGetIterationNumber(ksp, &its));
  PetscCheck(reason >= 0, e->comm, PETSC_ERR_NOT_CONVERGED,
             "elasticity solve did not converge (%s after %" PetscInt_FMT
             " iterations): check that the boundary conditions hold the body "
             "(a free body has no unique displacement), or raise -elasticity_ksp_max_it",
             KSPConvergedReasons[reason], its);
  PetscFunctionReturn(0);
}

/* Vertex dofs copied out of the P2 layout, for writers that read vertex data only. */
static PetscErrorCode UpdateVertexDisplacement(TwinfeElasticity e)
{
  PetscFunctionBeginUser;
  if (!e->vertex_dm) {
    PetscCall(TwinfeSpaceCreateVertexVector(e->space, 0, &e->vertex_dm, &e->vertex_u));
    PetscCall(PetscObjectSetName((PetscObject)e->vertex_u, "displacement"));
  }
  PetscCall(TwinfeSpaceCopyVertexValues(e->space, 0, e->u, e->vertex_dm, e->vertex_u));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetDisplacement(TwinfeElasticity e, DM *dm, Vec *u)
{
  PetscFunctionBeginUser;
  PetscCheck(e->space, e->comm, PETSC_ERR_ARG_WRONGSTATE, "TwinfeElasticityGetDisplacement: call TwinfeElasticitySolve first");
  if (e->degree == 1) {
    if (dm) PetscCall(TwinfeSpaceGetDM(e->space, dm));
    if (u) *u = e->u;
    PetscFunctionReturn(0);
  }
  PetscCall(UpdateVertexDisplacement(e));
  if (dm) *dm = e->vertex_dm;
  if (u) *u = e->vertex_u;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetSolverInfo(TwinfeElasticity e, PetscInt *iterations, PetscReal *residual_norm,
                                             const char **reason)
{
  KSP                ksp;
  KSPConvergedReason r;

  PetscFunctionBeginUser;
  PetscCheck(e->snes, e->comm, PETSC_ERR_ARG_WRONGSTATE, "TwinfeElasticityGetSolverInfo: call TwinfeElasticitySolve first");
  PetscCall(SNESGetKSP(e->snes, &ksp));
  if (iterations) PetscCall(KSPGetIterationNumber(ksp, iterations));
  if (residual_norm) PetscCall(KSPGetResidualNorm(ksp, residual_norm));
  PetscCall(KSPGetConvergedReason(ksp, &r));
  if (reason) *reason = KSPConvergedReasons[r];
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetMaxDisplacement(TwinfeElasticity e, PetscReal *max_mm)
{
  Vec                u;
  const PetscScalar *a;
  PetscInt           n;
  PetscReal          local = 0;

  PetscFunctionBeginUser;
  PetscCall(TwinfeElasticityGetDisplacement(e, NULL, &u));
  PetscCall(VecGetLocalSize(u, &n));
  PetscCall(VecGetArrayRead(u, &a));
  for (PetscInt i = 0; i + 2 < n; i += 3)
    local = PetscMax(local, PetscSqrtReal(PetscSqr(PetscRealPart(a[i])) + PetscSqr(PetscRealPart(a[i + 1])) +
                                          PetscSqr(PetscRealPart(a[i + 2]))));
  PetscCall(VecRestoreArrayRead(u, &a));
  PetscCall(MPIU_Allreduce(&local, max_mm, 1, MPIU_REAL, MPIU_MAX, e->comm));
  PetscFunctionReturn(0);
}

/* Cell mean of the stress over the stiffness quadrature points (exact mean for P1). */
static PetscErrorCode CellStressKernel(const TwinfeElement *el, PetscScalar out[], void *ctx)
{
  TwinfeElasticity e   = (TwinfeElasticity)ctx;
  PetscReal        vol = 0;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < el->nq; ++q)
    vol += el->w[q];
  for (PetscInt q = 0; q < el->nq; ++q) {
    PetscReal s[3][3], w = el->w[q] / vol;
    PointStress(el, q, e->lambda[el->cell], e->mu[el->cell], s);
    out[0] += w * s[0][0];
    out[1] += w * s[1][1];
    out[2] += w * s[2][2];
    out[3] += w * s[0][1];
    out[4] += w * s[1][2];
    out[5] += w * s[0][2];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityComputeStress(TwinfeElasticity e, Vec *von_mises, Vec *stress)
{
  PetscInt     ncells;
  PetscScalar *s, *vm;

  PetscFunctionBeginUser;
  PetscCheck(e->space && !e->dirty, e->comm, PETSC_ERR_ARG_WRONGSTATE,
             "TwinfeElasticityComputeStress: call TwinfeElasticitySolve first");
  PetscCall(TwinfeSpaceGetSizes(e->space, &ncells, NULL));
  PetscCall(VecCreate(e->comm, stress));
  PetscCall(VecSetSizes(*stress, 6 * ncells, PETSC_DETERMINE));
  PetscCall(VecSetBlockSize(*stress, 6));
  PetscCall(VecSetType(*stress, VECSTANDARD));
  PetscCall(PetscObjectSetName((PetscObject)*stress, "stress"));
  PetscCall(VecCreate(e->comm, von_mises));
  PetscCall(VecSetSizes(*von_mises, ncells, PETSC_DETERMINE));
  PetscCall(VecSetType(*von_mises, VECSTANDARD));
  PetscCall(PetscObjectSetName((PetscObject)*von_mises, "von_mises"));
  PetscCall(VecGetArray(*stress, &s));
  PetscCall(VecGetArray(*von_mises, &vm));
  PetscCall(TwinfeSpaceEvaluateCells(e->space, StiffnessOrder(e), e->u, CellStressKernel, e, 6, s));
  for (PetscInt c = 0; c < ncells; ++c) {
    const PetscScalar *t = &s[6 * c];
    PetscReal          d = PetscSqr(t[0] - t[1]) + PetscSqr(t[1] - t[2]) + PetscSqr(t[2] - t[0]);
    vm[c]                = PetscSqrtReal(0.5 * d + 3 * (PetscSqr(t[3]) + PetscSqr(t[4]) + PetscSqr(t[5])));
  }
  PetscCall(VecRestoreArray(*stress, &s));
  PetscCall(VecRestoreArray(*von_mises, &vm));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetSpace(TwinfeElasticity e, TwinfeSpace *space)
{
  PetscFunctionBeginUser;
  PetscCall(EnsureSpace(e));
  *space = e->space;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetSolution(TwinfeElasticity e, Vec *u)
{
  PetscFunctionBeginUser;
  PetscCall(EnsureSpace(e));
  *u = e->u;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeElasticityGetSNES(TwinfeElasticity e, SNES *snes)
{
  PetscFunctionBeginUser;
  PetscCall(EnsureSNES(e));
  *snes = e->snes;
  PetscFunctionReturn(0);
}
