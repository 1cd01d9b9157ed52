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

/*@
  TwinfeWaveformCreateTable - Creates a periodic waveform from a table of samples.

  Collective (the same table on every rank)

  Input Parameters:
+ comm - MPI communicator
. n    - number of samples, >= 2
. t    - sample times (s), strictly increasing
- v    - sample values

  Output Parameter:
. w - the new waveform

  Notes:
  n >= 2 samples (copied).

  Level: intermediate

.seealso: TwinfeWaveformDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfeWaveformCreateTable(MPI_Comm comm, PetscInt n, const PetscReal t[], const PetscReal v[],
                                                      TwinfeWaveform *w);

/*@
  TwinfeWaveformCreateFourier - Creates a waveform from a Fourier series.

  Collective

  Input Parameters:
+ comm   - MPI communicator
. period - the period (s, > 0)
. n      - number of coefficients, >= 1
. a      - cosine coefficients a[0..n-1]
- b      - sine coefficients b[0..n-1] (b[0] unused; NULL: a cosine series)

  Output Parameter:
. w - the new waveform

  Notes:
  period > 0; n >= 1 coefficients a[0..n-1], b[0..n-1] (b[0] is not used; b may be NULL for a
  cosine series).

  Level: intermediate

.seealso: TwinfeWaveformDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfeWaveformCreateFourier(MPI_Comm comm, PetscReal period, PetscInt n, const PetscReal a[],
                                                        const PetscReal b[], TwinfeWaveform *w);

/*@
  TwinfeWaveformLoadCSV - Creates a waveform from a table in a CSV file.

  Collective

  Input Parameters:
+ comm - MPI communicator
- path - the CSV file

  Output Parameter:
. w - the new waveform

  Notes:
  A table from a CSV file (read on rank 0, sent to all); a bad file is refused naming the file,
  the line and what is wrong.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeWaveformLoadCSV(MPI_Comm comm, const char path[], TwinfeWaveform *w);

/*@
  TwinfeWaveformReference - Takes another reference to a waveform.

  Not collective

  Input Parameter:
. w - the waveform

  Notes:
  Another reference to the same waveform (each is destroyed).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeWaveformReference(TwinfeWaveform w);

/*@
  TwinfeWaveformDestroy - Destroys a reference to a waveform.

  Not collective

  Input Parameter:
. w - the waveform, set to NULL

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeWaveformDestroy(TwinfeWaveform *w);

/*@
  TwinfeWaveformEvaluate - Evaluates a waveform at a time.

  Not collective

  Input Parameters:
+ w - the waveform
- t - time (s)

  Output Parameter:
. value - w(t)

  Notes:
  w(t) for any real t (the period repeats before t_0 too).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeWaveformEvaluate(TwinfeWaveform w, PetscReal t, PetscReal *value);

/*@
  TwinfeWaveformGetPeriod - Returns a waveform's period.

  Not collective

  Input Parameter:
. w - the waveform

  Output Parameter:
. period - the period (s)

  Notes:
  Its period T (s), its exact mean over a period, and its smallest and largest values (exact:
  the table's samples; the Fourier series' sampled at 4096 points per period).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeWaveformGetPeriod(TwinfeWaveform w, PetscReal *period);

/*@
  TwinfeWaveformGetMean - Returns a waveform's exact mean over a period.

  Not collective

  Input Parameter:
. w - the waveform

  Output Parameter:
. mean - the mean over a period

  Notes:
  Its period T (s), its exact mean over a period, and its smallest and largest values (exact:
  the table's samples; the Fourier series' sampled at 4096 points per period).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeWaveformGetMean(TwinfeWaveform w, PetscReal *mean);

/*@
  TwinfeWaveformGetRange - Returns a waveform's smallest and largest values.

  Not collective

  Input Parameter:
. w - the waveform

  Output Parameters:
+ min - the smallest value
- max - the largest value

  Notes:
  Its period T (s), its exact mean over a period, and its smallest and largest values (exact:
  the table's samples; the Fourier series' sampled at 4096 points per period).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeWaveformGetRange(TwinfeWaveform w, PetscReal *min, PetscReal *max);
