/* Periodic waveforms w(t) for pulsatile boundary conditions: a table of samples (given or read
 * from a CSV file) or a Fourier series (include/twinfe/waveform.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/core_impl.h"
#include <twinfe/waveform.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The Fourier series' range is sampled at this many points per period (the header's promise). */
#define TWINFE_WAVEFORM_RANGE_SAMPLES 4096
/* A table's last value must repeat its first to this fraction of its largest |value|. */
#define TWINFE_WAVEFORM_CLOSURE 0.01
/* Longest CSV line read; a longer one is refused rather than split into two records. */
#define TWINFE_WAVEFORM_LINE 1024

struct _p_TwinfeWaveform {
  PetscInt   refct;
  PetscBool  fourier;
  PetscReal  period;
  PetscInt   n;
  PetscReal *t, *v; /* table: n samples */
  PetscReal *a, *b; /* Fourier: n coefficients each (b[0] = 0) */
  PetscReal  mean, min, max;
};

/* ---- checks shared by the table given in memory and the one read from a file */

/* Where sample k stands, for messages: "file F line L" when read from a file, else "sample k". */
static void Where(const char path[], const PetscInt line[], PetscInt k, char text[], size_t len)
{
  if (path)
    snprintf(text, len, "%s line %" PetscInt_FMT, path, line[k]);
  else
    snprintf(text, len, "sample %" PetscInt_FMT, k);
}

/* Refuses samples that do not make one closed period: not finite, times not increasing, fewer
   than 2, a last value that does not repeat the first. path and line (NULL for a table given in
   memory) name where each sample came from. */
static PetscErrorCode CheckSamples(MPI_Comm comm, const char path[], const PetscInt line[], PetscInt n, const PetscReal t[],
                                   const PetscReal v[])
{
  const char *what = path ? path : "The waveform table";
  char        here[PETSC_MAX_PATH_LEN + 64], there[PETSC_MAX_PATH_LEN + 64];
  PetscReal   vmax = 0;

  PetscFunctionBegin;
  PetscCheck(n >= 2, comm, PETSC_ERR_ARG_SIZ,
             "%s has %" PetscInt_FMT " sample(s): a periodic waveform needs at least 2 (time in s, value), the first and the last"
             " a period apart",
             what, n);
  for (PetscInt k = 0; k < n; ++k) {
    Where(path, line, k, here, sizeof here);
    PetscCheck(!PetscIsInfOrNanReal(t[k]) && !PetscIsInfOrNanReal(v[k]), comm, PETSC_ERR_ARG_OUTOFRANGE,
               "%s: time %g, value %g is not finite: every time and value must be a finite number", here, (double)t[k],
               (double)v[k]);
    PetscCheck(k == 0 || t[k] > t[k - 1], comm, PETSC_ERR_ARG_OUTOFRANGE,
               "%s: time %g s is not after the previous sample's %g s: times must increase strictly over one period", here,
               (double)t[k], (double)(k ? t[k - 1] : 0));
    vmax = PetscMax(vmax, PetscAbsReal(v[k]));
  }
  Where(path, line, 0, here, sizeof here);
  Where(path, line, n - 1, there, sizeof there);
  PetscCheck(PetscAbsReal(v[n - 1] - v[0]) <= TWINFE_WAVEFORM_CLOSURE * vmax, comm, PETSC_ERR_ARG_WRONG,
             "%s: the cycle does not close: the last value %g (t = %g s) differs from the first %g (%s, t = %g s) by more than"
             " 1%% of the largest |value| %g; the last sample must repeat the first one period later (a waveform that is"
             " repeated with a jump would put the jump into the flow)",
             there, (double)v[n - 1], (double)t[n - 1], (double)v[0], here, (double)t[0], (double)vmax);
  PetscFunctionReturn(0);
}

static PetscErrorCode WaveformAlloc(PetscBool fourier, PetscReal period, PetscInt n, TwinfeWaveform *w)
{
  TwinfeWaveform x;
  PetscFunctionBegin;
  PetscCall(PetscNew(&x));
  x->refct   = 1;
  x->fourier = fourier;
  x->period  = period;
  x->n       = n;
  if (fourier)
    PetscCall(PetscCalloc2(n, &x->a, n, &x->b));
  else
    PetscCall(PetscMalloc2(n, &x->t, n, &x->v));
  *w = x;
  PetscFunctionReturn(0);
}

/* The mean of a piecewise linear function is its trapezoid rule, exactly; its extremes are at
   the samples. */
static void TableSummary(TwinfeWaveform w)
{
  PetscReal area = 0;
  w->min = w->max = w->v[0];
  for (PetscInt k = 1; k < w->n; ++k) {
    area += 0.5 * (w->v[k] + w->v[k - 1]) * (w->t[k] - w->t[k - 1]);
    w->min = PetscMin(w->min, w->v[k]);
    w->max = PetscMax(w->max, w->v[k]);
  }
  w->mean = area / w->period;
}

PetscErrorCode TwinfeWaveformCreateTable(MPI_Comm comm, PetscInt n, const PetscReal t[], const PetscReal v[], TwinfeWaveform *w)
{
  PetscFunctionBegin;
  TwinfeCheckArgNull_Private(w);
  *w = NULL;
  PetscCheck(n < 2 || (t && v), comm, PETSC_ERR_ARG_NULL,
             "The waveform table's times or values are NULL: give n = %" PetscInt_FMT " of each", n);
  PetscCall(CheckSamples(comm, NULL, NULL, n, t, v));
  PetscCall(WaveformAlloc(PETSC_FALSE, t[n - 1] - t[0], n, w));
  PetscCall(PetscArraycpy((*w)->t, t, n));
  PetscCall(PetscArraycpy((*w)->v, v, n));
  TableSummary(*w);
  PetscFunctionReturn(0);
}

/* ---- Fourier series */

static PetscReal FourierValue(TwinfeWaveform w, PetscReal t)
{
  const PetscReal phase = 2 * PETSC_PI * t / w->period;
  PetscReal       value = w->a[0];
  for (PetscInt k = 1; k < w->n; ++k)
    value += w->a[k] * PetscCosReal(k * phase) + w->b[k] * PetscSinReal(k * phase);
  return value;
}

PetscErrorCode TwinfeWaveformCreateFourier(MPI_Comm comm, PetscReal period, PetscInt n, const PetscReal a[], const PetscReal b[],
                                           TwinfeWaveform *w)
{
  TwinfeWaveform x;

  PetscFunctionBegin;
  TwinfeCheckArgNull_Private(w);
  *w = NULL;
  PetscCheck(period > 0 && !PetscIsInfOrNanReal(period), comm, PETSC_ERR_ARG_OUTOFRANGE,
             "The Fourier waveform's period %g s is not a positive finite number of seconds (a heart beat is about 1 s)",
             (double)period);
  PetscCheck(n >= 1, comm, PETSC_ERR_ARG_SIZ,
             "The Fourier waveform has %" PetscInt_FMT " coefficients: give at least 1 (a_0, the mean)", n);
  PetscCheck(a, comm, PETSC_ERR_ARG_NULL, "The Fourier waveform's cosine coefficients are NULL: give n = %" PetscInt_FMT, n);
  for (PetscInt k = 0; k < n; ++k)
    PetscCheck(!PetscIsInfOrNanReal(a[k]) && !(b && k > 0 && PetscIsInfOrNanReal(b[k])), comm, PETSC_ERR_ARG_OUTOFRANGE,
               "The Fourier waveform's coefficient %" PetscInt_FMT " (a %g, b %g) is not finite: give finite numbers", k,
               (double)a[k], (double)(b ? b[k] : 0));
  PetscCall(WaveformAlloc(PETSC_TRUE, period, n, &x));
  PetscCall(PetscArraycpy(x->a, a, n));
  if (b)
    for (PetscInt k = 1; k < n; ++k)
      x->b[k] = b[k];
  /* The mean is a_0 exactly; the extremes of a trigonometric polynomial have no closed form, so
     they are sampled (4096 points resolve any series of a few tens of harmonics to well below
     a percent of its amplitude). */
  x->mean = a[0];
  x->min = x->max = FourierValue(x, 0);
  for (PetscInt j = 1; j < TWINFE_WAVEFORM_RANGE_SAMPLES; ++j) {
    const PetscReal value = FourierValue(x, period * j / TWINFE_WAVEFORM_RANGE_SAMPLES);
    x->min                = PetscMin(x->min, value);
    x->max                = PetscMax(x->max, value);
  }
  *w = x;
  PetscFunctionReturn(0);
}

/* ---- the CSV reader (rank 0) */

/* Samples read so far, with the line each came from (for the checks' messages). */
typedef struct {
  PetscInt   n, capacity;
  PetscReal *t, *v;
  PetscInt  *line;
} Samples;

static PetscErrorCode SamplesAppend(Samples *s, PetscReal t, PetscReal v, PetscInt line)
{
  PetscFunctionBegin;
  if (s->n == s->capacity) {
    const PetscInt capacity = s->capacity ? 2 * s->capacity : 64;
    PetscCall(PetscRealloc(capacity * sizeof(PetscReal), &s->t));
    PetscCall(PetscRealloc(capacity * sizeof(PetscReal), &s->v));
    PetscCall(PetscRealloc(capacity * sizeof(PetscInt), &s->line));
    s->capacity = capacity;
  }
  s->t[s->n]    = t;
  s->v[s->n]    = v;
  s->line[s->n] = line;
  s->n++;
  PetscFunctionReturn(0);
}

static PetscErrorCode SamplesFree(Samples *s)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(s->t));
  PetscCall(PetscFree(s->v));
  PetscCall(PetscFree(s->line));
  PetscFunctionReturn(0);
}

static const char *SkipSpace(const char *p)
{
  while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
    ++p;
  return p;
}

/* One number at *p (strtod's syntax, so "nan", "inf" and an overflow such as 1e999 parse, and
   are refused later as not finite); advances *p past it. */
static PetscBool ParseNumber(const char **p, double *x)
{
  char *end;
  *x = strtod(*p, &end);
  if (end == *p) return PETSC_FALSE;
  *p = end;
  return PETSC_TRUE;
}

/* "time, value" with optional spaces and nothing else. */
static PetscBool ParseRecord(const char text[], double *t, double *v)
{
  const char *p = SkipSpace(text);
  if (!ParseNumber(&p, t)) return PETSC_FALSE;
  p = SkipSpace(p);
  if (*p++ != ',') return PETSC_FALSE;
  p = SkipSpace(p);
  if (!ParseNumber(&p, v)) return PETSC_FALSE;
  return *SkipSpace(p) == '\0';
}

/* A line's text for a message: at most 60 characters, without its line end. */
static void Quote(const char text[], char out[], size_t len)
{
  size_t n = strcspn(text, "\r\n");
  if (n > 60) n = 60;
  if (n + 1 > len) n = len - 1;
  memcpy(out, text, n);
  out[n] = '\0';
}

/* Reads path's records on this rank. One header line is allowed before the first record, and
   '#' lines and blank lines anywhere. */
static PetscErrorCode ReadRecords(const char path[], FILE *f, Samples *s)
{
  char      text[TWINFE_WAVEFORM_LINE + 2], quoted[64];
  PetscInt  line        = 0;
  PetscBool header_seen = PETSC_FALSE;

  PetscFunctionBegin;
  while (fgets(text, sizeof text, f)) {
    const char *p = SkipSpace(text);
    double      t, v;
    ++line;
    PetscCheck(strchr(text, '\n') || feof(f), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s line %" PetscInt_FMT ": the line is longer than %d characters: a waveform line is 'time (s), value'", path,
               line, TWINFE_WAVEFORM_LINE);
    if (*p == '\0' || *p == '#') continue;
    if (ParseRecord(text, &t, &v)) {
      PetscCall(SamplesAppend(s, (PetscReal)t, (PetscReal)v, line));
      continue;
    }
    Quote(p, quoted, sizeof quoted);
    PetscCheck(s->n == 0 && !header_seen, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s line %" PetscInt_FMT ": '%s' is not two numbers: each line after the one header line must be 'time (s), value'"
               " (e.g. '0.25, 4.1'), or a comment starting with '#'",
               path, line, quoted);
    header_seen = PETSC_TRUE;
  }
  PetscCheck(!ferror(f), PETSC_COMM_SELF, PETSC_ERR_FILE_READ,
             "Cannot read the waveform file %s after line %" PetscInt_FMT
             " (a folder, or a read error): give a CSV file of two columns, time (s) and value",
             path, line);
  PetscFunctionReturn(0);
}

static PetscErrorCode LoadOnRoot(const char path[], Samples *s)
{
  FILE          *f;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  f = fopen(path, "r");
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "Cannot open the waveform file %s (%s): give a CSV file of two columns, time (s) and value, one period", path,
             strerror(errno));
  ierr = ReadRecords(path, f, s);
  fclose(f);
  PetscCall(ierr);
  PetscCall(CheckSamples(PETSC_COMM_SELF, path, s->line, s->n, s->t, s->v));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeWaveformLoadCSV(MPI_Comm comm, const char path[], TwinfeWaveform *w)
{
  Samples     s = {0, 0, NULL, NULL, NULL};
  PetscMPIInt rank, count;
  PetscInt    n;

  PetscFunctionBegin;
  TwinfeCheckArgNull_Private(path);
  TwinfeCheckArgNull_Private(w);
  *w = NULL;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    const PetscErrorCode ierr = LoadOnRoot(path, &s);
    if (ierr) PetscCall(SamplesFree(&s));
    PetscCall(TwinfeRunOnRoot(comm, ierr));
  } else
    PetscCall(TwinfeRunOnRoot(comm, 0));
  n = s.n;
  PetscCallMPI(MPI_Bcast(&n, 1, MPIU_INT, 0, comm));
  if (rank) PetscCall(PetscMalloc2(n, &s.t, n, &s.v));
  PetscCall(PetscMPIIntCast(n, &count));
  PetscCallMPI(MPI_Bcast(s.t, count, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(s.v, count, MPIU_REAL, 0, comm));
  PetscCall(TwinfeWaveformCreateTable(comm, n, s.t, s.v, w));
  if (rank)
    PetscCall(PetscFree2(s.t, s.v));
  else
    PetscCall(SamplesFree(&s));
  PetscFunctionReturn(0);
}

/* ---- references, values, summaries */

PetscErrorCode TwinfeWaveformReference(TwinfeWaveform w)
{
  PetscFunctionBegin;
  TwinfeCheckArgNull_Private(w);
  ++w->refct;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeWaveformDestroy(TwinfeWaveform *w)
{
  TwinfeWaveform x;
  PetscFunctionBegin;
  if (!w || !*w) PetscFunctionReturn(0);
  x  = *w;
  *w = NULL;
  if (--x->refct > 0) PetscFunctionReturn(0);
  if (x->fourier)
    PetscCall(PetscFree2(x->a, x->b));
  else
    PetscCall(PetscFree2(x->t, x->v));
  PetscCall(PetscFree(x));
  PetscFunctionReturn(0);
}

/* Linear between the samples of the period that holds t: [t_0, t_{n-1}) shifted by whole
   periods, so at t_0 + kT the value is v_0 (and v_{n-1} is approached from below). */
static PetscReal TableValue(TwinfeWaveform w, PetscReal t)
{
  const PetscReal *ts  = w->t;
  PetscReal        tau = ts[0] + PetscFmodReal(t - ts[0], w->period);
  PetscInt         lo = 0, hi = w->n - 1;

  if (tau < ts[0]) tau += w->period; /* fmod keeps the sign of t - t_0 */
  if (tau >= ts[hi]) tau = ts[0];    /* rounding of the shift may land on the period's end */
  while (hi - lo > 1) {              /* ts[lo] <= tau < ts[hi] */
    const PetscInt mid = (lo + hi) / 2;
    if (ts[mid] <= tau)
      lo = mid;
    else
      hi = mid;
  }
  return w->v[lo] + (w->v[hi] - w->v[lo]) * (tau - ts[lo]) / (ts[hi] - ts[lo]);
}

PetscErrorCode TwinfeWaveformEvaluate(TwinfeWaveform w, PetscReal t, PetscReal *value)
{
  PetscFunctionBegin;
  TwinfeCheckArgNull_Private(w);
  TwinfeCheckArgNull_Private(value);
  PetscCheck(!PetscIsInfOrNanReal(t), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "A waveform was asked for its value at time %g s: give a finite time", (double)t);
  *value = w->fourier ? FourierValue(w, t) : TableValue(w, t);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeWaveformGetPeriod(TwinfeWaveform w, PetscReal *period)
{
  PetscFunctionBegin;
  TwinfeCheckArgNull_Private(w);
  TwinfeCheckArgNull_Private(period);
  *period = w->period;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeWaveformGetMean(TwinfeWaveform w, PetscReal *mean)
{
  PetscFunctionBegin;
  TwinfeCheckArgNull_Private(w);
  TwinfeCheckArgNull_Private(mean);
  *mean = w->mean;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeWaveformGetRange(TwinfeWaveform w, PetscReal *min, PetscReal *max)
{
  PetscFunctionBegin;
  TwinfeCheckArgNull_Private(w);
  if (min) *min = w->min;
  if (max) *max = w->max;
  PetscFunctionReturn(0);
}
