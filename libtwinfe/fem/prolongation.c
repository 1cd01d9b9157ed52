/* The embedding of a lower-degree Lagrange space in a higher one on the same mesh (P1 in P2).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why: a P2 problem's multigrid can take the P1 problem on the same mesh as its first coarse
 * level (p-multigrid). Algebraic multigrid coarsens a P2 stiffness matrix poorly, its
 * off-diagonal entries being of both signs, and a P1 Laplacian is what it does best; P1 lies in
 * P2, so the embedding is exact and the Galerkin product P^T K P is the P1 form itself. */
#include "fem_impl.h"

/* Whether the two spaces describe one field on the same cells, coarse's degree below fine's. */
static PetscErrorCode CheckNested(TwinfeSpace coarse, TwinfeSpace fine)
{
  PetscFunctionBeginUser;
  PetscCheck(coarse->nfields == 1 && fine->nfields == 1, fine->comm, PETSC_ERR_ARG_WRONG,
             "prolongation: both spaces must hold one field (they hold %" PetscInt_FMT " and %" PetscInt_FMT ")", coarse->nfields,
             fine->nfields);
  PetscCheck(coarse->degree[0] < fine->degree[0], fine->comm, PETSC_ERR_ARG_WRONG,
             "prolongation: the coarse degree (%" PetscInt_FMT ") must be below the fine one (%" PetscInt_FMT ")",
             coarse->degree[0], fine->degree[0]);
  PetscCheck(coarse->ncomp[0] == fine->ncomp[0], fine->comm, PETSC_ERR_ARG_WRONG,
             "prolongation: the spaces have %" PetscInt_FMT " and %" PetscInt_FMT " components; they must agree",
             coarse->ncomp[0], fine->ncomp[0]);
  PetscCheck(coarse->ncells == fine->ncells && coarse->cells == fine->cells, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "prolongation: the spaces must be made on the same mesh");
  PetscFunctionReturn(0);
}

/*@C
  TwinfeSpaceCreateProlongation - P with P x_coarse = the same function in the fine space: a
  fine node's row holds the coarse basis functions' values at that node (a P2 edge node: 1/2 on
  each end vertex). Rows and columns follow the spaces' global layouts. Collective.
@*/
PetscErrorCode TwinfeSpaceCreateProlongation(TwinfeSpace coarse, TwinfeSpace fine, Mat *P)
{
  const PetscInt         nc = coarse->nbasis[0], nf = fine->nbasis[0], ncomp = fine->ncomp[0];
  PetscReal              xi[3 * 10], B[10 * 10], D[10 * 10 * 3];
  ISLocalToGlobalMapping fine_map, coarse_map;
  const PetscInt        *fine_global, *coarse_global;
  Vec                    vf, vc;
  PetscInt               m, n, M, N, rstart, rend;

  PetscFunctionBeginUser;
  PetscCall(CheckNested(coarse, fine));
  TwinfeReferenceNodes(fine->degree[0], xi);
  PetscCall(TwinfeTabulateLagrange(coarse->degree[0], nf, xi, B, D)); /* B[a * nc + b]: coarse b at fine node a */
  PetscCall(DMGetGlobalVector(fine->dm, &vf));
  PetscCall(DMGetGlobalVector(coarse->dm, &vc));
  PetscCall(VecGetLocalSize(vf, &m));
  PetscCall(VecGetSize(vf, &M));
  PetscCall(VecGetLocalSize(vc, &n));
  PetscCall(VecGetSize(vc, &N));
  PetscCall(VecGetOwnershipRange(vf, &rstart, &rend));
  PetscCall(DMRestoreGlobalVector(fine->dm, &vf));
  PetscCall(DMRestoreGlobalVector(coarse->dm, &vc));
  PetscCall(MatCreateAIJ(fine->comm, m, n, M, N, nc, NULL, nc, NULL, P));
  PetscCall(DMGetLocalToGlobalMapping(fine->dm, &fine_map));
  PetscCall(DMGetLocalToGlobalMapping(coarse->dm, &coarse_map));
  PetscCall(ISLocalToGlobalMappingGetIndices(fine_map, &fine_global));
  PetscCall(ISLocalToGlobalMappingGetIndices(coarse_map, &coarse_global));
  /* Every owned fine dof lies in a local cell; setting only owned rows needs no communication,
     and a row met again in another cell gets the same values. */
  for (PetscInt c = 0; c < fine->ncells; ++c)
    for (PetscInt a = 0; a < nf; ++a)
      for (PetscInt k = 0; k < ncomp; ++k) {
        const PetscInt row = fine_global[TwinfeSpaceFieldNodeDof(fine, c, 0, a) + k];
        PetscInt       cols[10], nz = 0;
        PetscScalar    vals[10];
        if (row < rstart || row >= rend) continue;
        for (PetscInt b = 0; b < nc; ++b) {
          if (B[a * nc + b] == 0) continue;
          cols[nz]   = coarse_global[TwinfeSpaceFieldNodeDof(coarse, c, 0, b) + k];
          vals[nz++] = B[a * nc + b];
        }
        PetscCall(MatSetValues(*P, 1, &row, nz, cols, vals, INSERT_VALUES));
      }
  PetscCall(ISLocalToGlobalMappingRestoreIndices(fine_map, &fine_global));
  PetscCall(ISLocalToGlobalMappingRestoreIndices(coarse_map, &coarse_global));
  PetscCall(MatAssemblyBegin(*P, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*P, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}
