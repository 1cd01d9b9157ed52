/* The preconditioner with Windkessel outlets: Woodbury's identity around the flow's own.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * With m coupled outlets the Krylov operator is J + B R B^T (flow.c: MATLRC, B's columns the
 * outlets' flux functionals b_k, R their resistances at the current step). The flow's
 * preconditioner P approximates J alone and misses the rank-m term, which cost 1.5-3 times the
 * iterations (docs/flow.md). Since P^-1 is a fixed linear operator (one multigrid cycle, the
 * Schur approximation), the inverse of P + B R B^T follows from it exactly:
 *
 *     (P + B R B^T)^-1 x = y - Z (I + R B^T Z)^-1 R B^T y,   y = P^-1 x,  Z = P^-1 B,
 *
 * so each application costs P^-1 plus m dot products and m AXPYs; Z costs m applications of
 * P^-1 when J changes, and S = I + R B^T Z is remade from B^T Z when R changes (the form with
 * I + R B^T Z, not R^-1 + B^T Z, allows R = 0). */
#include "flow_impl.h"

#include <petscblaslapack.h>

struct _p_TwinfeFlowOutletPC {
  TwinfeFlow    flow;
  PC            inner; /* the flow's preconditioner of J (PCFIELDSPLIT, or flow_split.c's shell) */
  PetscInt      m;
  Vec          *b, *z;        /* the outlets' flux functionals, and P^-1 b */
  PetscScalar  *BtZ, *S, *Rc; /* B^T Z and I + R B^T Z (LU-factored in place), column-major; work of m */
  PetscBLASInt *pivots;
  PetscReal    *R;              /* the resistances Z and S were made for */
  PetscInt      jacobian_count; /* f->jacobian_count they were made for (-1: never) */
};

/* Z = P^-1 B and B^T Z for the current J. Collective. */
static PetscErrorCode RefreshZ(TwinfeFlowOutletPC w)
{
  PetscFunctionBeginUser;
  PetscCall(PCSetOperators(w->inner, w->flow->J, w->flow->J));
  PetscCall(PCSetUp(w->inner));
  for (PetscInt k = 0; k < w->m; ++k)
    PetscCall(PCApply(w->inner, w->b[k], w->z[k]));
  for (PetscInt k = 0; k < w->m; ++k) /* column k: b_j . z_k over j */
    PetscCall(VecMDot(w->z[k], w->m, w->b, &w->BtZ[k * w->m]));
  w->jacobian_count = w->flow->jacobian_count;
  PetscFunctionReturn(0);
}

/* Z and S for the current J and R, remade only where they changed. Not collective beyond
   RefreshZ (R is the same on every rank). */
static PetscErrorCode Refresh(TwinfeFlowOutletPC w)
{
  const PetscScalar *R;
  PetscBool          new_z = w->jacobian_count != w->flow->jacobian_count ? PETSC_TRUE : PETSC_FALSE, new_s = new_z;
  PetscBLASInt       m, info;

  PetscFunctionBeginUser;
  if (new_z) PetscCall(RefreshZ(w));
  PetscCall(VecGetArrayRead(w->flow->outlet_R, &R));
  for (PetscInt k = 0; k < w->m && !new_s; ++k) /* (w->R is set once S was made) */
    if (w->R[k] != PetscRealPart(R[k])) new_s = PETSC_TRUE;
  if (new_s)
    for (PetscInt j = 0; j < w->m; ++j) { /* row j: delta_jk + R_j b_j . z_k */
      w->R[j] = PetscRealPart(R[j]);
      for (PetscInt k = 0; k < w->m; ++k)
        w->S[j + k * w->m] = (j == k ? 1 : 0) + R[j] * w->BtZ[j + k * w->m];
    }
  PetscCall(VecRestoreArrayRead(w->flow->outlet_R, &R));
  if (!new_s) PetscFunctionReturn(0);
  PetscCall(PetscBLASIntCast(w->m, &m));
  PetscCallBLAS("LAPACKgetrf", LAPACKgetrf_(&m, &m, w->S, &m, w->pivots, &info));
  PetscCheck(info == 0, w->flow->comm, PETSC_ERR_LIB,
             "flow: the Windkessel outlets' correction to the preconditioner is singular (LAPACK getrf info %d)", (int)info);
  PetscFunctionReturn(0);
}

static PetscErrorCode Apply(PC pc, Vec x, Vec y)
{
  TwinfeFlowOutletPC w;
  PetscBLASInt       m, one = 1, info;
  const char         trans = 'N';

  PetscFunctionBeginUser;
  PetscCall(PCShellGetContext(pc, &w));
  PetscCall(Refresh(w));
  PetscCall(PCApply(w->inner, x, y));
  PetscCall(VecMDot(y, w->m, w->b, w->Rc));
  for (PetscInt k = 0; k < w->m; ++k)
    w->Rc[k] *= -w->R[k];
  PetscCall(PetscBLASIntCast(w->m, &m));
  PetscCallBLAS("LAPACKgetrs", LAPACKgetrs_(&trans, &m, &one, w->S, &m, w->pivots, w->Rc, &m, &info));
  PetscCheck(info == 0, w->flow->comm, PETSC_ERR_LIB, "flow: LAPACK getrs failed (info %d)", (int)info);
  PetscCall(VecMAXPY(y, w->m, w->Rc, w->z));
  PetscFunctionReturn(0);
}

static PetscErrorCode View(PC pc, PetscViewer viewer)
{
  TwinfeFlowOutletPC w;

  PetscFunctionBeginUser;
  PetscCall(PCShellGetContext(pc, &w));
  PetscCall(PetscViewerASCIIPrintf(viewer, "Woodbury correction for %" PetscInt_FMT " Windkessel outlets around:\n", w->m));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  PetscCall(PCView(w->inner, viewer));
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

/* The outlets' b_k from the flow's dense B, as separate vectors for VecMDot and VecMAXPY. */
static PetscErrorCode CopyFluxFunctionals(TwinfeFlowOutletPC w)
{
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < w->m; ++k) {
    Vec col;
    PetscCall(MatDenseGetColumnVecRead(w->flow->outlet_flux, k, &col));
    PetscCall(VecCopy(col, w->b[k]));
    PetscCall(MatDenseRestoreColumnVecRead(w->flow->outlet_flux, k, &col));
  }
  w->jacobian_count = -1;
  PetscFunctionReturn(0);
}

static PetscErrorCode Create(TwinfeFlow f, KSP ksp)
{
  TwinfeFlowOutletPC w;
  PC                 outer;
  DM                 sdm;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&w));
  w->flow = f;
  w->m    = f->noutlets;
  PetscCall(VecDuplicateVecs(f->U, w->m, &w->b));
  PetscCall(VecDuplicateVecs(f->U, w->m, &w->z));
  PetscCall(PetscMalloc5(w->m * w->m, &w->BtZ, w->m * w->m, &w->S, w->m, &w->Rc, w->m, &w->pivots, w->m, &w->R));
  f->outlet_pc = w;
  PetscCall(KSPGetPC(ksp, &w->inner));
  PetscCall(PetscObjectReference((PetscObject)w->inner));
  PetscCall(TwinfeSpaceGetDM(f->space, &sdm));
  PetscCall(PCSetDM(w->inner, sdm)); /* PCFIELDSPLIT's fields; the KSP gives its DM only to its own PC */
  PetscCall(PCCreate(f->comm, &outer));
  PetscCall(PCSetOptionsPrefix(outer, "flow_outlets_"));
  PetscCall(PCSetType(outer, PCSHELL));
  PetscCall(PCShellSetContext(outer, w));
  PetscCall(PCShellSetApply(outer, Apply));
  PetscCall(PCShellSetView(outer, View));
  PetscCall(PCShellSetName(outer, "Windkessel outlets (Woodbury)"));
  PetscCall(KSPSetPC(ksp, outer));
  PetscCall(PCDestroy(&outer));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowOutletPCSetUp_Private(TwinfeFlow f, KSP ksp)
{
  PetscFunctionBeginUser;
  if (!f->noutlets) PetscFunctionReturn(0);
  if (f->outlet_pc && f->outlet_pc->m != f->noutlets) PetscCall(TwinfeFlowOutletPCDestroy_Private(f, ksp));
  if (!f->outlet_pc) PetscCall(Create(f, ksp));
  PetscCall(CopyFluxFunctionals(f->outlet_pc));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowOutletPCDestroy_Private(TwinfeFlow f, KSP ksp)
{
  TwinfeFlowOutletPC w = f->outlet_pc;

  PetscFunctionBeginUser;
  if (!w) PetscFunctionReturn(0);
  if (ksp) PetscCall(KSPSetPC(ksp, w->inner)); /* the flow's own preconditioner back */
  PetscCall(PCDestroy(&w->inner));
  PetscCall(VecDestroyVecs(w->m, &w->b));
  PetscCall(VecDestroyVecs(w->m, &w->z));
  PetscCall(PetscFree5(w->BtZ, w->S, w->Rc, w->pivots, w->R));
  PetscCall(PetscFree(f->outlet_pc));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowOutletPCGetInner_Private(TwinfeFlow f, PC *inner)
{
  PetscFunctionBeginUser;
  *inner = f->outlet_pc ? f->outlet_pc->inner : NULL;
  PetscFunctionReturn(0);
}
