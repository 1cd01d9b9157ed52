/* Solvers kept across runs in one process (TwinfeSolverStore, include/twinfe/physics.h).
 *
 * Why: a rehearsal's steps that change only loads (gravity, a pressure, nothing at all) solve
 * with the very stiffness the baseline assembled; GAMG's set-up on it is half of a CT-size solve
 * (3.3 of 6.8 s at 176k unknowns). Whether the operator is unchanged is measured, not assumed
 * from the options: a run assembles its operator as always and the store compares it, value for
 * value on the same parallel layout, with the one its kept solver was set up on.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include <petscksp.h>
#include <twinfe/physics.h>

/* One solver per name, the latest set up: a step that can reuse is most often the one after a
   step with the same operator (loads changed in turn, a retractor's lifts), and a second kept
   solver would add a whole set-up's memory to the peak. */
#define STORE_MAX 16

typedef struct {
  char name[64];
  KSP  ksp; /* set up on its operator; referenced */
} Kept;

struct _p_TwinfeSolverStore {
  MPI_Comm comm;
  Kept     kept[STORE_MAX];
  PetscInt nkept, found;
};

PetscErrorCode TwinfeSolverStoreCreate(MPI_Comm comm, TwinfeSolverStore *store)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(store));
  (*store)->comm = comm;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSolverStoreRelease(TwinfeSolverStore store)
{
  PetscFunctionBegin;
  if (!store) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < store->nkept; i++)
    PetscCall(KSPDestroy(&store->kept[i].ksp));
  store->nkept = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSolverStoreDestroy(TwinfeSolverStore *store)
{
  PetscFunctionBegin;
  if (!store || !*store) PetscFunctionReturn(0);
  PetscCall(TwinfeSolverStoreRelease(*store));
  PetscCall(PetscFree(*store));
  PetscFunctionReturn(0);
}

static Kept *Lookup(TwinfeSolverStore store, const char name[])
{
  for (PetscInt i = 0; i < store->nkept; i++)
    if (!strcmp(store->kept[i].name, name)) return &store->kept[i];
  return NULL;
}

PetscErrorCode TwinfeSolverStoreOffer(TwinfeSolverStore store, const char name[], KSP ksp)
{
  Kept *k;
  PetscFunctionBegin;
  if (!store) PetscFunctionReturn(0);
  PetscCheck(strlen(name) < sizeof k->name, store->comm, PETSC_ERR_ARG_OUTOFRANGE, "TwinfeSolverStoreOffer: name '%s' too long",
             name);
  k = Lookup(store, name);
  if (k && k->ksp == ksp) PetscFunctionReturn(0);
  if (!k) {
    if (store->nkept == STORE_MAX) PetscFunctionReturn(0);
    k = &store->kept[store->nkept++];
    PetscCall(PetscStrncpy(k->name, name, sizeof k->name));
  }
  PetscCall(KSPDestroy(&k->ksp)); /* the latest replaces the one before */
  PetscCall(PetscObjectReference((PetscObject)ksp));
  k->ksp = ksp;
  PetscFunctionReturn(0);
}

/* Same type, sizes and parallel layout on every rank: MatEqual itself refuses differing sizes
   with an error, not a false. */
static PetscErrorCode SameShape(Mat a, Mat b, PetscBool *same)
{
  PetscInt    M[2], N[2], m[2], n[2];
  MatType     ta, tb;
  PetscMPIInt cmp;
  PetscBool   local;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_compare(PetscObjectComm((PetscObject)a), PetscObjectComm((PetscObject)b), &cmp));
  if (cmp != MPI_IDENT && cmp != MPI_CONGRUENT) {
    *same = PETSC_FALSE;
    PetscFunctionReturn(0);
  }
  PetscCall(MatGetSize(a, &M[0], &N[0]));
  PetscCall(MatGetSize(b, &M[1], &N[1]));
  PetscCall(MatGetLocalSize(a, &m[0], &n[0]));
  PetscCall(MatGetLocalSize(b, &m[1], &n[1]));
  PetscCall(MatGetType(a, &ta));
  PetscCall(MatGetType(b, &tb));
  local = (PetscBool)(M[0] == M[1] && N[0] == N[1] && m[0] == m[1] && n[0] == n[1] && !strcmp(ta, tb));
  PetscCall(MPIU_Allreduce(&local, same, 1, MPIU_BOOL, MPI_LAND, PetscObjectComm((PetscObject)a)));
  PetscFunctionReturn(0);
}

/* An MPIAIJ matrix's off-process block is stored with compacted columns: equal blocks could
   still stand for different global columns, so their maps are compared too. */
static PetscErrorCode SameGhostColumns(Mat a, Mat b, PetscBool *same)
{
  PetscBool       mpiaij;
  Mat             ao, bo;
  const PetscInt *ga, *gb;
  PetscInt        na, nb;
  PetscBool       local;

  PetscFunctionBegin;
  *same = PETSC_TRUE;
  PetscCall(PetscObjectTypeCompare((PetscObject)a, MATMPIAIJ, &mpiaij));
  if (!mpiaij) PetscFunctionReturn(0);
  PetscCall(MatMPIAIJGetSeqAIJ(a, NULL, &ao, &ga));
  PetscCall(MatMPIAIJGetSeqAIJ(b, NULL, &bo, &gb));
  PetscCall(MatGetSize(ao, NULL, &na));
  PetscCall(MatGetSize(bo, NULL, &nb));
  local = (PetscBool)(na == nb && (!na || !memcmp(ga, gb, (size_t)na * sizeof *ga)));
  PetscCall(MPIU_Allreduce(&local, same, 1, MPIU_BOOL, MPI_LAND, PetscObjectComm((PetscObject)a)));
  PetscFunctionReturn(0);
}

static PetscErrorCode OperatorsEqual(Mat a, Mat b, PetscBool *equal)
{
  PetscBool has;

  PetscFunctionBegin;
  PetscCall(SameShape(a, b, equal));
  if (!*equal) PetscFunctionReturn(0);
  PetscCall(MatHasOperation(a, MATOP_EQUAL, &has));
  *equal = has;
  if (*equal) PetscCall(MatEqual(a, b, equal)); /* pattern and every value, bit for bit */
  if (*equal) PetscCall(SameGhostColumns(a, b, equal));
  PetscFunctionReturn(0);
}

/* The kept solver must be the one the run's options ask for: the same Krylov method and
   preconditioner type (other preconditioner options are the kept one's; the run's Krylov
   tolerances are put on it). */
static PetscErrorCode SameMethod(KSP kept, KSP like, PetscBool *same)
{
  KSPType ka, kb;
  PC      pa, pb;
  PCType  ta, tb;

  PetscFunctionBegin;
  PetscCall(KSPGetType(kept, &ka));
  PetscCall(KSPGetType(like, &kb));
  PetscCall(KSPGetPC(kept, &pa));
  PetscCall(KSPGetPC(like, &pb));
  PetscCall(PCGetType(pa, &ta));
  PetscCall(PCGetType(pb, &tb));
  *same = (PetscBool)(ka && kb && ta && tb && !strcmp(ka, kb) && !strcmp(ta, tb));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSolverStoreFind(TwinfeSolverStore store, const char name[], KSP like, Mat A, KSP *ksp)
{
  Kept     *k;
  Mat       kept_A;
  PetscBool same;
  PetscReal rtol, atol, dtol;
  PetscInt  maxits;

  PetscFunctionBegin;
  *ksp = NULL;
  if (!store || !(k = Lookup(store, name)) || !k->ksp) PetscFunctionReturn(0);
  PetscCall(SameMethod(k->ksp, like, &same));
  if (same) {
    PetscCall(KSPGetOperators(k->ksp, &kept_A, NULL));
    if (kept_A == A)
      PetscFunctionReturn(0); /* the caller's own solver (its operator assembled again in place): not another run's */
    PetscCall(OperatorsEqual(kept_A, A, &same));
  }
  if (!same) { /* the caller sets up its own, which will replace this one: it goes now, not beside that set-up */
    PetscCall(KSPDestroy(&k->ksp));
    PetscFunctionReturn(0);
  }
  PetscCall(KSPGetTolerances(like, &rtol, &atol, &dtol, &maxits));
  PetscCall(KSPSetTolerances(k->ksp, rtol, atol, dtol, maxits));
  PetscCall(PetscObjectReference((PetscObject)k->ksp));
  *ksp = k->ksp;
  store->found++;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSolverStoreGetCounts(TwinfeSolverStore store, PetscInt *kept, PetscInt *found)
{
  PetscFunctionBegin;
  if (kept) *kept = store ? store->nkept : 0;
  if (found) *found = store ? store->found : 0;
  PetscFunctionReturn(0);
}
