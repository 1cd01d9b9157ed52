/* An X display for VTK's pictures: the one the user has, else a private Xvfb for the drawing.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Debian's VTK 9.1 renders through X only (no EGL or OSMesa back end in its build), so a
 * picture needs an X server even off screen. On a desktop DISPLAY is set and used. On a server
 * or in CI there is none: rather than asking every user to wrap twinfe in xvfb-run, twinfe starts
 * Xvfb itself (when it is installed: Debian's xvfb) on a display number the server picks
 * (-displayfd writes it to a pipe once it accepts connections), draws, and stops it. The
 * server listens on its Unix socket only (-nolisten tcp) and lives only while the pictures are
 * drawn (and dies with twinfe). twinfe opens the connection itself and lends it to VTK, so it
 * never changes DISPLAY in the environment of a host program. A 24-bit screen: VTK's OpenGL2
 * back end needs it. A DISPLAY naming a server that does not answer (a closed ssh -X session) is
 * treated as none: VTK would abort the whole process on it. */
#define _GNU_SOURCE /* prctl's PR_SET_PDEATHSIG */
#include "io/pictures.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <X11/Xlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The full path of an executable on PATH, or "" when there is none. */
static void FindOnPath(const char name[], char found[], size_t len)
{
  const char *path = getenv("PATH");
  char        dirs[4096];
  found[0] = 0;
  if (!path) return;
  snprintf(dirs, sizeof dirs, "%s", path);
  for (char *save = NULL, *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
    struct stat st;
    snprintf(found, len, "%s/%s", dir, name);
    if (!stat(found, &st) && S_ISREG(st.st_mode) && !access(found, X_OK)) return;
  }
  found[0] = 0;
}

/* Reads the display number Xvfb writes on fd once it is ready; waits at most timeout_ms. */
static int ReadDisplayNumber(int fd, int timeout_ms, char number[], size_t len)
{
  size_t got = 0;
  while (got + 1 < len) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return -1;
    ssize_t n = read(fd, number + got, 1);
    if (n <= 0) return -1;
    if (number[got] == '\n') break;
    got++;
  }
  number[got] = 0;
  return got ? 0 : -1;
}

/* A connection to the X server at name, held while the pictures are drawn and lent to VTK's
   windows (TwinfeVTKSetXDisplay): a DISPLAY naming a server that is gone would make VTK abort the
   process, and while one client stays connected the server does not reset between two pictures
   (an X server resets when its last client leaves and refuses connections meanwhile: with
   xvfb-run's server, the next window would hit that). NULL when nothing answers. */
static void *Connect(const char name[])
{
  return XOpenDisplay(name);
}

/* The server's process: it dies with twinfe (PR_SET_PDEATHSIG), so that a crash leaves no X
   server behind; its chatter (font path warnings) is not ours to print. -noreset: an X server
   resets when its last client leaves and refuses connections meanwhile, which the next
   picture's window would hit. */
static void ExecXvfb(const char xvfb[], int ready_fd, pid_t parent)
{
  char fdtext[16];
  int  null = open("/dev/null", O_WRONLY);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(1); /* twinfe died before prctl took effect */
  if (null >= 0) dup2(null, 1), dup2(null, 2);
  snprintf(fdtext, sizeof fdtext, "%d", ready_fd);
  execl(xvfb, xvfb, "-displayfd", fdtext, "-screen", "0", "1280x1024x24", "-nolisten", "tcp", "-noreset", (char *)NULL);
  _exit(127);
}

static PetscErrorCode StartXvfb(const char xvfb[], TwinfeDisplay *d)
{
  int         pipefd[2];
  char        number[16];
  const pid_t parent = getpid();
  PetscFunctionBegin;
  PetscCheck(!pipe(pipefd), PETSC_COMM_SELF, PETSC_ERR_SYS, "Cannot make a pipe for Xvfb: %s", strerror(errno));
  d->server = fork();
  if (d->server == 0) {
    close(pipefd[0]);
    ExecXvfb(xvfb, pipefd[1], parent);
  }
  close(pipefd[1]);
  if (d->server < 0) {
    close(pipefd[0]);
    d->server = 0;
    snprintf(d->why, sizeof d->why, "Xvfb could not be started (%s)", strerror(errno));
    PetscFunctionReturn(0);
  }
  const int ready = ReadDisplayNumber(pipefd[0], 10000, number, sizeof number);
  close(pipefd[0]);
  if (!ready) snprintf(d->name, sizeof d->name, ":%s", number);
  if (!ready) d->x = Connect(d->name);
  if (!d->x) {
    kill(d->server, SIGTERM);
    waitpid(d->server, NULL, 0);
    d->server  = 0;
    d->name[0] = 0;
    snprintf(d->why, sizeof d->why, "the Xvfb twinfe started did not answer within 10 s");
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeDisplayAcquire(TwinfeDisplay *d)
{
  const char *given = getenv("DISPLAY");
  char        xvfb[PETSC_MAX_PATH_LEN];
  PetscFunctionBegin;
  memset(d, 0, sizeof *d);
  if (given && given[0] && (d->x = Connect(given))) {
    snprintf(d->name, sizeof d->name, "%s", given);
    TwinfeVTKSetXDisplay(d->x);
    PetscFunctionReturn(0);
  }
  FindOnPath("Xvfb", xvfb, sizeof xvfb);
  if (!xvfb[0]) {
    snprintf(d->why, sizeof d->why,
             "no X display: DISPLAY is %s and Xvfb is not installed (Debian: apt-get install xvfb), and Debian's VTK "
             "draws through X only",
             given && given[0] ? "a server that does not answer" : "not set");
    PetscFunctionReturn(0);
  }
  PetscCall(StartXvfb(xvfb, d));
  if (d->x) TwinfeVTKSetXDisplay(d->x); /* DISPLAY is left alone: the host program's environment is its own */
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeDisplayRelease(TwinfeDisplay *d)
{
  PetscFunctionBegin;
  TwinfeVTKSetXDisplay(NULL);
  if (d->x) XCloseDisplay((Display *)d->x); /* before the server it talks to goes */
  if (d->server > 0) {
    kill(d->server, SIGTERM);
    waitpid(d->server, NULL, 0);
  }
  memset(d, 0, sizeof *d);
  PetscFunctionReturn(0);
}
