/* Giving freed memory back to the system after a phase whose work arrays were large.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why: glibc keeps what a program frees for its own later use, but the large arrays that come
 * next (vectors, matrices) are mapped afresh and never reuse it, so the resident size only
 * grows. Measured on the phantom refined to 1.93M tets (one rank, linear elasticity): after the
 * first results state the process held 1016 MB for 541 MB in use, and its peak was 1341 MB;
 * trimming after each such phase gives a peak of 1184 MB, the same run otherwise
 * (docs/stack-measurements.md). */
#include "core_impl.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

void TwinfeReturnFreedMemory_Private(void)
{
#if defined(__GLIBC__)
  (void)malloc_trim(0);
#endif
}
