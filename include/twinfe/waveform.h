/* libtwinfe physics stage: periodic waveforms w(t) for pulsatile boundary conditions
 * (TwinfeWaveform): an inflow over the cardiac cycle, a pressure that oscillates.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Two kinds, both periodic with period T (s):
 *  - a table of samples (t_k, v_k), k = 0..n-1, t strictly increasing, one period from t_0 to
 *    t_{n-1} = t_0 + T: linear between samples, repeated with the period. The cycle must close,
 *    v_{n-1} = v_0 (to 1% of the largest |v|): a table that does not is refused, since wrapping
 *    it would put a jump into the inflow. Each period is [t_0, t_{n-1}) shifted by whole periods,
 *    so at t_0 + kT the value is v_0 (v_{n-1} is approached from below). Read from a CSV file of
 *    two columns (time in s, value, separated by a comma), '#' lines, blank lines and one header
 *    line (before the first sample) allowed.
 *  - a Fourier series w(t) = a_0 + sum_{k=1}^{n-1} a_k cos(2 pi k t / T) + b_k sin(2 pi k t / T).
 * The value's unit is the caller's (ml/s for an inflow, a factor for a traction). */
#pragma once
#include <petscsys.h>

typedef struct _p_TwinfeWaveform *TwinfeWaveform;

/* n >= 2 samples (copied). Collective (the same table on every rank). */
PETSC_EXTERN PetscErrorCode TwinfeWaveformCreateTable(MPI_Comm comm, PetscInt n, const PetscReal t[], const PetscReal v[],
                                                      TwinfeWaveform *w);
/* period > 0; n >= 1 coefficients a[0..n-1], b[0..n-1] (b[0] is not used; b may be NULL for a
   cosine series). Collective. */
PETSC_EXTERN PetscErrorCode TwinfeWaveformCreateFourier(MPI_Comm comm, PetscReal period, PetscInt n, const PetscReal a[],
                                                        const PetscReal b[], TwinfeWaveform *w);
/* A table from a CSV file (read on rank 0, sent to all); a bad file is refused naming the file,
   the line and what is wrong. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeWaveformLoadCSV(MPI_Comm comm, const char path[], TwinfeWaveform *w);
/* Another reference to the same waveform (each is destroyed). */
PETSC_EXTERN PetscErrorCode TwinfeWaveformReference(TwinfeWaveform w);
PETSC_EXTERN PetscErrorCode TwinfeWaveformDestroy(TwinfeWaveform *w);
/* w(t) for any real t (the period repeats before t_0 too). Not collective. */
PETSC_EXTERN PetscErrorCode TwinfeWaveformEvaluate(TwinfeWaveform w, PetscReal t, PetscReal *value);
/* Its period T (s), its exact mean over a period, and its smallest and largest values (exact:
   the table's samples; the Fourier series' sampled at 4096 points per period). Not collective. */
PETSC_EXTERN PetscErrorCode TwinfeWaveformGetPeriod(TwinfeWaveform w, PetscReal *period);
PETSC_EXTERN PetscErrorCode TwinfeWaveformGetMean(TwinfeWaveform w, PetscReal *mean);
PETSC_EXTERN PetscErrorCode TwinfeWaveformGetRange(TwinfeWaveform w, PetscReal *min, PetscReal *max);
