/* Dirichlet conditions of a TwinfeSpace: nodes on tagged faces, reduced to owned rows.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fem_impl.h"

static const PetscInt edge_vertex[6][2] = {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}};

/* Nodes of local face `face` (the one opposite that vertex): 3 vertices, then for P2 the 3 edges
   that avoid the opposite vertex. */
static PetscInt FaceNodes(PetscInt degree, PetscInt face, PetscInt nodes[6])
{
  PetscInt n = 0;
  for (PetscInt v = 0; v < 4; ++v)
    if (v != face) nodes[n++] = v;
  if (degree == 2)
    for (PetscInt e = 0; e < 6; ++e)
      if (edge_vertex[e][0] != face && edge_vertex[e][1] != face) nodes[n++] = 4 + e;
  return n;
}

static PetscBool InBox(const PetscReal box[6], const PetscReal x[3])
{
  if (!box) return PETSC_TRUE;
  for (PetscInt k = 0; k < 3; ++k)
    if (x[k] < box[2 * k] || x[k] > box[2 * k + 1]) return PETSC_FALSE;
  return PETSC_TRUE;
}

/*@C
  TwinfeSpaceGetFaceCount - Number of boundary faces with a "Face Sets" tag over all ranks.
  Collective.
@*/
PetscErrorCode TwinfeSpaceGetFaceCount(TwinfeSpace space, PetscInt tag, PetscInt *count)
{
  PetscInt local = 0;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < space->nfaces; ++i)
    if (space->face_tag[i] == tag) local++;
  PetscCall(MPIU_Allreduce(&local, count, 1, MPIU_INT, MPI_SUM, space->comm));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceGetFaceTags(TwinfeSpace space, PetscInt *ntags, PetscInt **tags)
{
  PetscInt    nlocal = 0, *local, *all;
  PetscMPIInt size, n, *counts, *displs;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(space->nfaces, &local));
  for (PetscInt i = 0; i < space->nfaces; ++i)
    local[nlocal++] = space->face_tag[i];
  PetscCall(PetscSortRemoveDupsInt(&nlocal, local));
  PetscCallMPI(MPI_Comm_size(space->comm, &size));
  PetscCall(PetscMalloc2(size, &counts, size + 1, &displs));
  PetscCall(PetscMPIIntCast(nlocal, &n));
  PetscCallMPI(MPI_Allgather(&n, 1, MPI_INT, counts, 1, MPI_INT, space->comm));
  displs[0] = 0;
  for (PetscMPIInt r = 0; r < size; ++r)
    displs[r + 1] = displs[r] + counts[r];
  PetscCall(PetscMalloc1(displs[size], &all));
  PetscCallMPI(MPI_Allgatherv(local, n, MPIU_INT, all, counts, displs, MPIU_INT, space->comm));
  *ntags = displs[size];
  PetscCall(PetscSortRemoveDupsInt(ntags, all));
  PetscCall(PetscFree2(counts, displs));
  PetscCall(PetscFree(local));
  *tags = all;
  PetscFunctionReturn(0);
}

static PetscBool InBoxPredicate(const PetscReal x[3], void *ctx)
{
  return InBox((const PetscReal *)ctx, x);
}

PetscErrorCode TwinfeSpaceAddDirichlet(TwinfeSpace space, PetscInt tag, PetscInt field, PetscInt mask, const PetscReal box[6],
                                       TwinfePointFunction fn, void *ctx)
{
  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceAddDirichletWhere(space, tag, field, mask, InBoxPredicate, (void *)box, fn, ctx));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceAddDirichletWhere(TwinfeSpace space, PetscInt tag, PetscInt field, PetscInt mask,
                                            PetscBool (*inside)(const PetscReal x[3], void *ctx), void *inside_ctx,
                                            TwinfePointFunction fn, void *ctx)
{
  PetscScalar *mark, *value, g[16];
  PetscInt     nc, count;

  PetscFunctionBeginUser;
  PetscCheck(field >= 0 && field < space->nfields, space->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Dirichlet condition on field %" PetscInt_FMT ": the space has fields 0..%" PetscInt_FMT, field, space->nfields - 1);
  nc = space->ncomp[field];
  PetscCheck(nc <= 16, space->comm, PETSC_ERR_SUP, "Dirichlet conditions support up to 16 components, field has %" PetscInt_FMT,
             nc);
  PetscCheck(mask > 0 && mask < (1 << nc), space->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Dirichlet component mask %" PetscInt_FMT " must select some of the %" PetscInt_FMT " components (1..%d)", mask, nc,
             (1 << nc) - 1);
  PetscCall(TwinfeSpaceGetFaceCount(space, tag, &count));
  PetscCheck(count > 0, space->comm, PETSC_ERR_ARG_WRONG,
             "Dirichlet condition on \"Face Sets\" tag %" PetscInt_FMT ": no boundary face carries this tag", tag);
  if (!space->bc_mark) {
    PetscCall(DMCreateLocalVector(space->dm, &space->bc_mark));
    PetscCall(DMCreateLocalVector(space->dm, &space->bc_value));
  }
  PetscCall(VecGetArray(space->bc_mark, &mark));
  PetscCall(VecGetArray(space->bc_value, &value));
  for (PetscInt i = 0; i < space->nfaces; ++i) {
    PetscInt nodes[6], nn, c = space->face_cell[i];
    if (space->face_tag[i] != tag) continue;
    nn = FaceNodes(space->degree[field], space->face_local[i], nodes);
    for (PetscInt n = 0; n < nn; ++n) {
      PetscReal      x[3];
      const PetscInt first = TwinfeSpaceFieldNodeDof(space, c, field, nodes[n]);
      TwinfeSpaceNodePosition(space, c, nodes[n], x);
      if (inside && !inside(x, inside_ctx)) continue;
      for (PetscInt k = 0; k < nc; ++k)
        g[k] = 0;
      if (fn) PetscCall(fn(x, nc, g, ctx));
      for (PetscInt k = 0; k < nc; ++k) {
        if (!(mask & (1 << k))) continue;
        mark[first + k]  = 1;
        value[first + k] = g[k];
      }
    }
  }
  PetscCall(VecRestoreArray(space->bc_mark, &mark));
  PetscCall(VecRestoreArray(space->bc_value, &value));
  space->bc_dirty = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceClearDirichlet(TwinfeSpace space)
{
  PetscFunctionBeginUser;
  PetscCall(VecDestroy(&space->bc_mark));
  PetscCall(VecDestroy(&space->bc_value));
  space->bc_dirty = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* A node seen by several ranks gets the mean of their values: they agree for continuous data. */
static PetscErrorCode ReduceDirichlet(TwinfeSpace space)
{
  Vec                gmark, gvalue;
  const PetscScalar *m, *v;
  PetscInt           n, rstart, count = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscFree3(space->bc_rows, space->bc_local, space->bc_g));
  space->bc_n     = 0;
  space->bc_dirty = PETSC_FALSE;
  if (!space->bc_mark) PetscFunctionReturn(0);
  PetscCall(DMGetGlobalVector(space->dm, &gmark));
  PetscCall(DMGetGlobalVector(space->dm, &gvalue));
  PetscCall(VecZeroEntries(gmark));
  PetscCall(VecZeroEntries(gvalue));
  PetscCall(DMLocalToGlobal(space->dm, space->bc_mark, ADD_VALUES, gmark));
  PetscCall(DMLocalToGlobal(space->dm, space->bc_value, ADD_VALUES, gvalue));
  PetscCall(VecGetLocalSize(gmark, &n));
  PetscCall(VecGetOwnershipRange(gmark, &rstart, NULL));
  PetscCall(VecGetArrayRead(gmark, &m));
  PetscCall(VecGetArrayRead(gvalue, &v));
  for (PetscInt i = 0; i < n; ++i)
    if (PetscRealPart(m[i]) > 0) count++;
  PetscCall(PetscMalloc3(count, &space->bc_rows, count, &space->bc_local, count, &space->bc_g));
  for (PetscInt i = 0; i < n; ++i) {
    if (PetscRealPart(m[i]) <= 0) continue;
    space->bc_local[space->bc_n] = i;
    space->bc_rows[space->bc_n]  = rstart + i;
    space->bc_g[space->bc_n]     = v[i] / m[i];
    space->bc_n++;
  }
  PetscCall(VecRestoreArrayRead(gmark, &m));
  PetscCall(VecRestoreArrayRead(gvalue, &v));
  PetscCall(DMRestoreGlobalVector(space->dm, &gmark));
  PetscCall(DMRestoreGlobalVector(space->dm, &gvalue));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceGetDirichlet(TwinfeSpace space, PetscInt *n, const PetscInt **rows, const PetscScalar **values)
{
  PetscFunctionBeginUser;
  if (space->bc_dirty) PetscCall(ReduceDirichlet(space));
  if (n) *n = space->bc_n;
  if (rows) *rows = space->bc_rows;
  if (values) *values = space->bc_g;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceSetDirichletScale(TwinfeSpace space, PetscReal scale)
{
  PetscFunctionBeginUser;
  space->bc_scale = scale;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceApplyDirichletToVector(TwinfeSpace space, Vec U)
{
  PetscScalar *u;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceGetDirichlet(space, NULL, NULL, NULL));
  PetscCall(VecGetArray(U, &u));
  for (PetscInt i = 0; i < space->bc_n; ++i)
    u[space->bc_local[i]] = space->bc_scale * space->bc_g[i];
  PetscCall(VecRestoreArray(U, &u));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceApplyDirichletToResidual(TwinfeSpace space, PetscReal scale, Vec U, Vec F)
{
  const PetscScalar *u;
  PetscScalar       *f;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceGetDirichlet(space, NULL, NULL, NULL));
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(VecGetArray(F, &f));
  for (PetscInt i = 0; i < space->bc_n; ++i)
    f[space->bc_local[i]] = scale * (u[space->bc_local[i]] - space->bc_scale * space->bc_g[i]);
  PetscCall(VecRestoreArray(F, &f));
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscFunctionReturn(0);
}

/* MatZeroRowsColumns for a SeqSBAIJ of any block size (PETSc 3.18's takes block size 1 only):
   every stored entry in a constrained row or column zeroed, the constrained diagonal set to
   diag. The stored triangle holds one of each symmetric pair, so both are covered. */
static PetscErrorCode ZeroRowsColumnsUpper(Mat J, PetscInt n, const PetscInt rows[], PetscReal diag)
{
  PetscInt        bs, N, nb;
  const PetscInt *ia, *ja;
  PetscScalar    *a;
  PetscBool       done, *held;

  PetscFunctionBeginUser;
  PetscCall(MatGetBlockSize(J, &bs));
  PetscCall(MatGetSize(J, &N, NULL));
  PetscCall(PetscCalloc1(N, &held));
  for (PetscInt i = 0; i < n; ++i)
    held[rows[i]] = PETSC_TRUE;
  PetscCall(MatGetRowIJ(J, 0, PETSC_FALSE, PETSC_TRUE, &nb, &ia, &ja, &done));
  PetscCheck(done, PETSC_COMM_SELF, PETSC_ERR_SUP, "TwinfeSpace: the symmetric matrix gives no block CSR arrays");
  PetscCall(MatSeqSBAIJGetArray(J, &a));
  for (PetscInt i = 0; i < nb; ++i)
    for (PetscInt b = ia[i]; b < ia[i + 1]; ++b)
      for (PetscInt cj = 0; cj < bs; ++cj)
        for (PetscInt ri = 0; ri < bs; ++ri) {
          const PetscInt row = bs * i + ri, col = bs * ja[b] + cj;
          if (held[row] || held[col]) a[(size_t)b * bs * bs + cj * bs + ri] = row == col ? diag : 0;
        }
  PetscCall(MatSeqSBAIJRestoreArray(J, &a));
  PetscCall(MatRestoreRowIJ(J, 0, PETSC_FALSE, PETSC_TRUE, &nb, &ia, &ja, &done));
  PetscCall(PetscFree(held));
  PetscCall(MatAssemblyBegin(J, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(J, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceApplyDirichletToMatrix(TwinfeSpace space, PetscReal scale, Mat J)
{
  PetscBool upper, ranks_upper;

  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceGetDirichlet(space, NULL, NULL, NULL));
  PetscCall(PetscObjectTypeCompare((PetscObject)J, MATSEQSBAIJ, &upper));
  PetscCall(PetscObjectTypeCompare((PetscObject)J, MATMPISBAIJ, &ranks_upper));
  if (upper)
    PetscCall(ZeroRowsColumnsUpper(J, space->bc_n, space->bc_rows, scale));
  else if (ranks_upper)
    PetscCall(TwinfeRanksUpperZeroRowsColumns_Private(J, space->bc_n, space->bc_rows, scale));
  else
    PetscCall(MatZeroRowsColumns(J, space->bc_n, space->bc_rows, scale, NULL, NULL));
  PetscFunctionReturn(0);
}
