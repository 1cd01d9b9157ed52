/* Walking a DMLabel stratum by stratum; the names of the labels that carry facets on cells.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "core_impl.h"

PetscErrorCode TwinfeLabelForEachPoint(DMLabel label, TwinfeLabelPointVisitor visit, void *ctx)
{
  IS              values;
  PetscInt        nvalues;
  const PetscInt *vals;

  PetscFunctionBegin;
  if (!label) PetscFunctionReturn(0);
  PetscCall(DMLabelGetValueIS(label, &values));
  PetscCall(ISGetLocalSize(values, &nvalues));
  PetscCall(ISGetIndices(values, &vals));
  for (PetscInt i = 0; i < nvalues; ++i) {
    IS              stratum;
    PetscInt        n;
    const PetscInt *pts;
    PetscCall(DMLabelGetStratumIS(label, vals[i], &stratum));
    if (!stratum) continue;
    PetscCall(ISGetLocalSize(stratum, &n));
    PetscCall(ISGetIndices(stratum, &pts));
    for (PetscInt k = 0; k < n; ++k)
      PetscCall(visit(pts[k], vals[i], ctx));
    PetscCall(ISRestoreIndices(stratum, &pts));
    PetscCall(ISDestroy(&stratum));
  }
  PetscCall(ISRestoreIndices(values, &vals));
  PetscCall(ISDestroy(&values));
  PetscFunctionReturn(0);
}

const char *TwinfeOwnedFacetLabelName(PetscInt opposite)
{
  static const char *const names[4] = {"twinfe owned facet opposite vertex 0", "twinfe owned facet opposite vertex 1",
                                       "twinfe owned facet opposite vertex 2", "twinfe owned facet opposite vertex 3"};
  return opposite >= 0 && opposite < 4 ? names[opposite] : NULL;
}
