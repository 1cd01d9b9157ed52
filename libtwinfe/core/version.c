/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <twinfe/core.h>

const char *TwinfeVersion(void)
{
  return TWINFE_VERSION_STRING;
}

PetscInt TwinfeFacetTag(PetscInt a, PetscInt b)
{
  const PetscInt lo = PetscMin(a, b), hi = PetscMax(a, b);
  return lo == 0 ? hi : 1000 * lo + hi;
}

void TwinfeFacetTagLabels(PetscInt tag, PetscInt *larger, PetscInt *smaller)
{
  if (TwinfeCapIndex(tag)) {
    *larger  = tag % TWINFE_CAP_TAG_BASE;
    *smaller = 0;
    return;
  }
  *larger  = tag < 1000 ? tag : tag % 1000;
  *smaller = tag < 1000 ? 0 : tag / 1000;
}

PetscInt TwinfeCapTag(PetscInt label, PetscInt cap)
{
  return TWINFE_CAP_TAG_BASE * cap + label;
}

PetscInt TwinfeCapIndex(PetscInt tag)
{
  return tag >= TWINFE_CAP_TAG_BASE ? tag / TWINFE_CAP_TAG_BASE : 0;
}
