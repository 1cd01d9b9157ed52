/* Reference-element data: Lagrange P1/P2 tabulation on the reference tet and quadrature rules.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fem_impl.h"

#include <petscdt.h>

static const PetscInt  edge_vertex[6][2] = {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}};
static const PetscReal ref_vertex[4][3]  = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
static const PetscReal grad_bary[4][3]   = {{-1, -1, -1}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}};

PetscErrorCode TwinfeTabulateLagrange(PetscInt degree, PetscInt n, const PetscReal xi[], PetscReal B[], PetscReal D[])
{
  PetscInt nb = degree == 1 ? 4 : 10;

  PetscFunctionBeginUser;
  PetscCheck(degree == 1 || degree == 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "Lagrange degree %" PetscInt_FMT " is not supported: use 1 or 2", degree);
  for (PetscInt q = 0; q < n; ++q) {
    const PetscReal *p    = &xi[3 * q];
    PetscReal        L[4] = {1 - p[0] - p[1] - p[2], p[0], p[1], p[2]};
    PetscReal       *b = &B[q * nb], *d = &D[q * nb * 3];

    if (degree == 1) {
      for (PetscInt a = 0; a < 4; ++a) {
        b[a] = L[a];
        for (PetscInt k = 0; k < 3; ++k)
          d[3 * a + k] = grad_bary[a][k];
      }
      continue;
    }
    for (PetscInt a = 0; a < 4; ++a) {
      b[a] = L[a] * (2 * L[a] - 1);
      for (PetscInt k = 0; k < 3; ++k)
        d[3 * a + k] = (4 * L[a] - 1) * grad_bary[a][k];
    }
    for (PetscInt e = 0; e < 6; ++e) {
      PetscInt i = edge_vertex[e][0], j = edge_vertex[e][1];
      b[4 + e] = 4 * L[i] * L[j];
      for (PetscInt k = 0; k < 3; ++k)
        d[3 * (4 + e) + k] = 4 * (L[j] * grad_bary[i][k] + L[i] * grad_bary[j][k]);
    }
  }
  PetscFunctionReturn(0);
}

/* The reference coordinates of the nodes of degree's basis, in the basis' order: the 4 vertices,
   then (degree 2) the midpoints of the 6 edges in edge_vertex's order. */
void TwinfeReferenceNodes(PetscInt degree, PetscReal xi[])
{
  for (PetscInt a = 0; a < 4; ++a)
    for (PetscInt k = 0; k < 3; ++k)
      xi[3 * a + k] = ref_vertex[a][k];
  if (degree < 2) return;
  for (PetscInt e = 0; e < 6; ++e)
    for (PetscInt k = 0; k < 3; ++k)
      xi[3 * (4 + e) + k] = 0.5 * (ref_vertex[edge_vertex[e][0]][k] + ref_vertex[edge_vertex[e][1]][k]);
}

PetscErrorCode TwinfeQuadratureCreate(PetscInt dim, PetscInt order, PetscInt *n, PetscReal **xi, PetscReal **w)
{
  PetscQuadrature  quad;
  const PetscReal *points, *weights;
  PetscInt         qdim, nc, np;
  PetscReal        scale;

  PetscFunctionBeginUser;
  PetscCheck(dim == 2 || dim == 3, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "quadrature dimension %" PetscInt_FMT " must be 2 or 3", dim);
  PetscCheck(order >= 0 && order <= TWINFE_MAX_QORDER, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "quadrature order %" PetscInt_FMT " is out of range: use 0..%d", order, TWINFE_MAX_QORDER);
  /* PETSc's rules live on the biunit simplex [-1,1]; ours on the unit simplex. */
  PetscCall(PetscDTSimplexQuadrature(dim, PetscMax(order, 1), PETSCDTSIMPLEXQUAD_DEFAULT, &quad));
  PetscCall(PetscQuadratureGetData(quad, &qdim, &nc, &np, &points, &weights));
  PetscCall(PetscMalloc2(np * dim, xi, np, w));
  scale = dim == 3 ? 0.125 : 0.25;
  for (PetscInt q = 0; q < np; ++q) {
    for (PetscInt k = 0; k < dim; ++k)
      (*xi)[q * dim + k] = 0.5 * (points[q * qdim + k] + 1);
    (*w)[q] = weights[q] * scale;
  }
  *n = np;
  PetscCall(PetscQuadratureDestroy(&quad));
  PetscFunctionReturn(0);
}

static PetscErrorCode RuleTabulate(TwinfeSpace space, TwinfeRule *rule)
{
  PetscFunctionBeginUser;
  for (PetscInt f = 0; f < space->nfields; ++f) {
    PetscInt nb = space->nbasis[f];
    PetscCall(PetscMalloc2(rule->nq * nb, &rule->B[f], rule->nq * nb * 3, &rule->D[f]));
    PetscCall(TwinfeTabulateLagrange(space->degree[f], rule->nq, rule->xi, rule->B[f], rule->D[f]));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeRuleDestroy(TwinfeRule **rule)
{
  PetscFunctionBeginUser;
  if (!*rule) PetscFunctionReturn(0);
  for (PetscInt f = 0; f < TWINFE_MAX_FIELDS; ++f)
    PetscCall(PetscFree2((*rule)->B[f], (*rule)->D[f]));
  PetscCall(PetscFree2((*rule)->xi, (*rule)->w));
  PetscCall(PetscFree(*rule));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckOrder(PetscInt order)
{
  PetscFunctionBeginUser;
  PetscCheck(order >= 0 && order <= TWINFE_MAX_QORDER, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "quadrature order %" PetscInt_FMT " is out of range: use 0..%d", order, TWINFE_MAX_QORDER);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceGetVolumeRule(TwinfeSpace space, PetscInt order, TwinfeRule **rule)
{
  PetscFunctionBeginUser;
  PetscCall(CheckOrder(order));
  if (!space->vol[order]) {
    TwinfeRule *r;
    PetscCall(PetscNew(&r));
    PetscCall(TwinfeQuadratureCreate(3, order, &r->nq, &r->xi, &r->w));
    PetscCall(RuleTabulate(space, r));
    space->vol[order] = r;
  }
  *rule = space->vol[order];
  PetscFunctionReturn(0);
}

/* Face rule on the reference face opposite vertex `face`, its points given in tet coordinates.
   Weights are those of the reference triangle (sum 1/2); the caller scales by |cross|. */
PetscErrorCode TwinfeSpaceGetFaceRule(TwinfeSpace space, PetscInt order, PetscInt face, TwinfeRule **rule)
{
  PetscFunctionBeginUser;
  PetscCall(CheckOrder(order));
  PetscCheck(face >= 0 && face < 4, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "local face %" PetscInt_FMT " must be 0..3", face);
  if (!space->face[order][face]) {
    TwinfeRule *r;
    PetscReal  *st, *w2;
    PetscInt    fv[3], m = 0;

    for (PetscInt v = 0; v < 4; ++v)
      if (v != face) fv[m++] = v;
    PetscCall(PetscNew(&r));
    PetscCall(TwinfeQuadratureCreate(2, order, &r->nq, &st, &w2));
    PetscCall(PetscMalloc2(r->nq * 3, &r->xi, r->nq, &r->w));
    for (PetscInt q = 0; q < r->nq; ++q) {
      r->w[q] = w2[q];
      for (PetscInt k = 0; k < 3; ++k)
        r->xi[3 * q + k] = ref_vertex[fv[0]][k] + st[2 * q] * (ref_vertex[fv[1]][k] - ref_vertex[fv[0]][k]) +
                           st[2 * q + 1] * (ref_vertex[fv[2]][k] - ref_vertex[fv[0]][k]);
    }
    PetscCall(PetscFree2(st, w2));
    PetscCall(RuleTabulate(space, r));
    space->face[order][face] = r;
  }
  *rule = space->face[order][face];
  PetscFunctionReturn(0);
}
