/* Progress of long work (TwinfeProgress, include/twinfe/core.h): one line on a terminal,
 * rewritten in place, with the fraction done and an estimate of the time left; nothing at all
 * when standard error is not a terminal (a pipe, a log file, a batch job) or with -quiet, so
 * that logs hold only the run's own lines.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <twinfe/core.h>

#define TWINFE_PROGRESS_EVERY_S 0.25 /* a line rewritten more often only flickers */

struct _n_TwinfeProgress {
  char           what[128];
  PetscBool      show;
  PetscLogDouble start, last;
  int            width; /* of the line last written, to clear it */
};

PetscErrorCode TwinfeProgressCreate(MPI_Comm comm, const char what[], TwinfeProgress *progress)
{
  PetscMPIInt rank;
  PetscBool   quiet = PETSC_FALSE;
  PetscFunctionBegin;
  PetscCall(PetscNew(progress));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-quiet", &quiet, NULL));
  (*progress)->show = (PetscBool)(rank == 0 && !quiet && isatty(STDERR_FILENO));
  PetscCall(PetscStrncpy((*progress)->what, what, sizeof(*progress)->what));
  PetscCall(PetscTime(&(*progress)->start));
  (*progress)->last = (*progress)->start - TWINFE_PROGRESS_EVERY_S;
  PetscFunctionReturn(0);
}

static void Duration(PetscLogDouble s, char text[], size_t len)
{
  if (s < 90)
    snprintf(text, len, "%.0f s", s);
  else if (s < 5400)
    snprintf(text, len, "%.0f min", s / 60);
  else
    snprintf(text, len, "%.1f h", s / 3600);
}

PetscErrorCode TwinfeProgressSet(TwinfeProgress progress, PetscReal fraction, const char detail[])
{
  PetscLogDouble now;
  char           left[64] = "", line[512];
  int            n;
  PetscFunctionBegin;
  if (!progress || !progress->show) PetscFunctionReturn(0);
  PetscCall(PetscTime(&now));
  if (now - progress->last < TWINFE_PROGRESS_EVERY_S && fraction < 1) PetscFunctionReturn(0);
  progress->last = now;
  fraction       = PetscMin(PetscMax(fraction, 0), 1);
  if (fraction > 0.01) {
    char d[24];
    Duration((now - progress->start) * (1 - fraction) / fraction, d, sizeof d);
    snprintf(left, sizeof left, ", about %s left", d);
  }
  n = snprintf(line, sizeof line, "%s: %3.0f%%%s%s%s", progress->what, (double)(100 * fraction), left,
               detail && detail[0] ? ", " : "", detail ? detail : "");
  fprintf(stderr, "\r%s%*s", line, progress->width > n ? progress->width - n : 0, "");
  fflush(stderr);
  progress->width = n;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeProgressPause(TwinfeProgress progress)
{
  PetscFunctionBegin;
  if (!progress || !progress->show || !progress->width) PetscFunctionReturn(0);
  fprintf(stderr, "\r%*s\r", progress->width, ""); /* the line goes: the run's own lines follow as they were */
  fflush(stderr);
  progress->width = 0;
  progress->last  = 0; /* the next Set writes at once */
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeProgressDestroy(TwinfeProgress *progress)
{
  PetscFunctionBegin;
  if (!progress || !*progress) PetscFunctionReturn(0);
  PetscCall(TwinfeProgressPause(*progress));
  PetscCall(PetscFree(*progress));
  PetscFunctionReturn(0);
}
