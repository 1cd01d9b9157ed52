/* What every reader shares: voxels from a plain file or a zlib/gzip stream into int32 labels in
 * one pass, float images with or without a threshold, the geometry checks, label names.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * zlib is used directly (not through VTK) because it lets a reader stop at the byte count the
 * header implies, refuse short and overlong data with the file named, and grow the label array
 * only as far as the data really goes: a 500-byte .gz claiming 2^31 voxels never makes us
 * allocate 8 GB. It is also 5-10x faster than VTK's NIfTI path on a CT (docs/image_formats.md). */
#define _XOPEN_SOURCE 700 /* fseeko, off_t */
#define _DEFAULT_SOURCE   /* madvise */
#define _FILE_OFFSET_BITS 64
#include "image_impl.h"

#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <threads.h>
#include <twinfe/core.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zlib.h>

/* ---------- types ---------- */

static const struct {
  size_t      size;
  const char *name;
  PetscBool   is_float;
} voxel_types[] = {
    {1, "uint8", PETSC_FALSE},  {1, "int8", PETSC_FALSE},   {2, "uint16", PETSC_FALSE}, {2, "int16", PETSC_FALSE},
    {4, "uint32", PETSC_FALSE}, {4, "int32", PETSC_FALSE},  {8, "uint64", PETSC_FALSE}, {8, "int64", PETSC_FALSE},
    {4, "float32", PETSC_TRUE}, {8, "float64", PETSC_TRUE},
};

size_t TwinfeVoxelTypeSize_Private(TwinfeVoxelType type)
{
  return voxel_types[type].size;
}

const char *TwinfeVoxelTypeName_Private(TwinfeVoxelType type)
{
  return voxel_types[type].name;
}

PetscBool TwinfeVoxelTypeIsFloat_Private(TwinfeVoxelType type)
{
  return voxel_types[type].is_float;
}

PetscErrorCode TwinfeImageReadSettingsDefault(TwinfeImageReadSettings *settings)
{
  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(settings);
  PetscCall(PetscMemzero(settings, sizeof *settings));
  settings->max_voxels = TWINFE_IMAGE_MAX_VOXELS_DEFAULT;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeVoxelCheckSettings_Private(const TwinfeVoxelFormat *fmt)
{
  const PetscBool fl = TwinfeVoxelTypeIsFloat_Private(fmt->type);

  PetscFunctionBeginUser;
  PetscCheck(!fmt->settings->threshold_set || fl, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "%s is an integer label map (%s %s): -threshold applies only to float images (probability maps, soft masks); "
             "drop -threshold and choose the labels to model with -labels",
             fmt->path, fmt->format, TwinfeVoxelTypeName_Private(fmt->type));
  PetscCheck(!fmt->settings->threshold_set || PetscIsNormalReal(fmt->settings->threshold) || fmt->settings->threshold == 0,
             PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "-threshold %g must be a finite number",
             (double)fmt->settings->threshold);
  PetscFunctionReturn(0);
}

/* ---------- conversion ---------- */

/* What a conversion has seen so far: negative labels are refused once all is read, so the
   message can give their count and the least. */
typedef struct {
  size_t  negative;
  double  least;
  int64_t done; /* voxels converted before this chunk, for messages */
} ConvertState;

static void Unswap(unsigned char *v, size_t size)
{
  for (size_t i = 0; i < size / 2; i++) {
    const unsigned char t = v[i];
    v[i]                  = v[size - 1 - i];
    v[size - 1 - i]       = t;
  }
}

static double ValueAt(const unsigned char *p, TwinfeVoxelType type, PetscBool swap)
{
  unsigned char v[8];
  const size_t  size = voxel_types[type].size;
  memcpy(v, p, size);
  if (swap) Unswap(v, size);
  switch (type) {
  case TWINFE_VOXEL_UINT8:
    return *(uint8_t *)v;
  case TWINFE_VOXEL_INT8:
    return *(int8_t *)v;
  case TWINFE_VOXEL_UINT16: {
    uint16_t x;
    memcpy(&x, v, 2);
    return x;
  }
  case TWINFE_VOXEL_INT16: {
    int16_t x;
    memcpy(&x, v, 2);
    return x;
  }
  case TWINFE_VOXEL_UINT32: {
    uint32_t x;
    memcpy(&x, v, 4);
    return x;
  }
  case TWINFE_VOXEL_INT32: {
    int32_t x;
    memcpy(&x, v, 4);
    return x;
  }
  case TWINFE_VOXEL_UINT64: {
    uint64_t x;
    memcpy(&x, v, 8);
    return (double)x;
  }
  case TWINFE_VOXEL_INT64: {
    int64_t x;
    memcpy(&x, v, 8);
    return (double)x;
  }
  case TWINFE_VOXEL_FLOAT32: {
    float x;
    memcpy(&x, v, 4);
    return x;
  }
  case TWINFE_VOXEL_FLOAT64: {
    double x;
    memcpy(&x, v, 8);
    return x;
  }
  }
  return NAN;
}

/* The common label maps (uint8, int16, uint16, int32 in this byte order, unscaled): a plain
   loop the compiler vectorises. Returns PETSC_FALSE when the general path must be taken. */
static PetscBool ConvertFast(const TwinfeVoxelFormat *fmt, const unsigned char *b, size_t n, int32_t out[], ConvertState *st)
{
  if (fmt->swap || (fmt->slope != 0 && (fmt->slope != 1 || fmt->inter != 0))) return PETSC_FALSE;
  switch (fmt->type) {
  case TWINFE_VOXEL_UINT8:
    for (size_t v = 0; v < n; v++)
      out[v] = b[v];
    return PETSC_TRUE;
  case TWINFE_VOXEL_UINT16:
    for (size_t v = 0; v < n; v++) {
      uint16_t x;
      memcpy(&x, b + 2 * v, 2);
      out[v] = x;
    }
    return PETSC_TRUE;
  case TWINFE_VOXEL_INT16:
  case TWINFE_VOXEL_INT32: {
    int32_t least = 0;
    for (size_t v = 0; v < n; v++) {
      if (fmt->type == TWINFE_VOXEL_INT16) {
        int16_t x;
        memcpy(&x, b + 2 * v, 2);
        out[v] = x;
      } else
        memcpy(&out[v], b + 4 * v, 4);
      least = out[v] < least ? out[v] : least;
    }
    if (least < 0)
      for (size_t v = 0; v < n; v++)
        if (out[v] < 0) st->negative++;
    st->least = PetscMin(st->least, (double)least);
    return PETSC_TRUE;
  }
  default:
    return PETSC_FALSE;
  }
}

static PetscErrorCode ConvertChunk(const TwinfeVoxelFormat *fmt, const unsigned char *b, size_t n, int32_t out[],
                                   ConvertState *st)
{
  const size_t                   size   = voxel_types[fmt->type].size;
  const PetscBool                scaled = (PetscBool)(fmt->slope != 0 && (fmt->slope != 1 || fmt->inter != 0));
  const TwinfeImageReadSettings *s      = fmt->settings;

  PetscFunctionBeginUser;
  if (!s->threshold_set && ConvertFast(fmt, b, n, out, st)) {
    st->done += (int64_t)n;
    PetscFunctionReturn(0);
  }
  for (size_t v = 0; v < n; v++) {
    double value = ValueAt(b + size * v, fmt->type, fmt->swap);
    if (scaled) value = value * fmt->slope + fmt->inter;
    if (s->threshold_set) {
      /* NaN compares false both ways: background */
      out[v] = s->inside_below ? value < s->threshold : value > s->threshold;
      continue;
    }
    PetscCheck(isfinite(value) && value == floor(value), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: voxel %lld holds %g, which is not a whole number: this %s %s image is not a label map; to take the "
               "voxels above a value as label 1 (a probability map or soft mask) give -threshold T (and -inside below for "
               "those below it), else save the segmentation with integer labels",
               fmt->path, (long long)(st->done + (int64_t)v), value, fmt->format, voxel_types[fmt->type].name);
    PetscCheck(value <= INT32_MAX, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: voxel %lld holds %g, which is not a label: labels are whole numbers from 1 to 2147483647 (the int32 "
               "range); renumber the labels",
               fmt->path, (long long)(st->done + (int64_t)v), value);
    if (value < 0) {
      st->negative++;
      st->least = PetscMin(st->least, value);
      out[v]    = -1;
    } else
      out[v] = (int32_t)value;
  }
  st->done += (int64_t)n;
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckNoNegative(const TwinfeVoxelFormat *fmt, const ConvertState *st)
{
  PetscFunctionBeginUser;
  PetscCheck(st->negative == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s has %zu voxels below 0 (the least is %.17g): a label map holds 0 for background and positive labels; is "
             "this an intensity image (CT or MR) rather than a segmentation?",
             fmt->path, st->negative, st->least);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeConvertVoxels_Private(const TwinfeVoxelFormat *fmt, const void *bytes, size_t n, int32_t labels[])
{
  ConvertState st = {0, 0, 0};

  PetscFunctionBeginUser;
  PetscCall(ConvertChunk(fmt, (const unsigned char *)bytes, n, labels, &st));
  PetscCall(CheckNoNegative(fmt, &st));
  PetscFunctionReturn(0);
}

/* ---------- reading ---------- */

#define TWINFE_CHUNK_BYTES ((size_t)1 << 22)

static PetscErrorCode NeedBytes(const TwinfeVoxelFormat *fmt, const int64_t dims[3], int64_t *voxels, int64_t *bytes)
{
  PetscFunctionBeginUser;
  *voxels = dims[0] * dims[1] * dims[2]; /* checked against the voxel limit by every reader */
  *bytes  = *voxels * (int64_t)voxel_types[fmt->type].size;
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadPlain(const TwinfeVoxelSource *src, const TwinfeVoxelFormat *fmt, int64_t voxels, int64_t need,
                                int32_t *labels, ConvertState *st)
{
  struct stat    sb;
  FILE          *f;
  unsigned char *chunk      = NULL;
  const size_t   size       = voxel_types[fmt->type].size;
  const size_t   per        = TWINFE_CHUNK_BYTES / size;
  PetscErrorCode ierr       = 0;
  PetscBool      short_read = PETSC_FALSE;
  int64_t        done       = 0;
  const int64_t  start      = src->offset + src->skip;

  PetscFunctionBeginUser;
  PetscCheck(stat(src->data_path, &sb) == 0 && S_ISREG(sb.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "%s: its data file %s cannot be opened (no such file, or not a regular file): check the name in the header",
             fmt->path, src->data_path);
  PetscCheck((int64_t)sb.st_size - start >= need, PETSC_COMM_SELF, PETSC_ERR_FILE_READ,
             "%s is truncated: its %s header needs %lld bytes%s%s (%lld voxels of %s from byte %lld), the file holds %lld; "
             "copy or export the image again",
             fmt->path, fmt->format, (long long)(start + need), strcmp(src->data_path, fmt->path) ? " in its data file " : "",
             strcmp(src->data_path, fmt->path) ? src->data_path : "", (long long)voxels, voxel_types[fmt->type].name,
             (long long)start, (long long)sb.st_size);
  PetscCheck(!src->exact || (int64_t)sb.st_size - start == need, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: %s%s holds %lld bytes of voxels from byte %lld where its %s header needs %lld (%lld voxels of %s): the "
             "header's sizes or type do not match the data",
             fmt->path, strcmp(src->data_path, fmt->path) ? "its data file " : "the file",
             strcmp(src->data_path, fmt->path) ? src->data_path : "", (long long)((int64_t)sb.st_size - start), (long long)start,
             fmt->format, (long long)need, (long long)voxels, voxel_types[fmt->type].name);
  f = fopen(src->data_path, "rb");
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open its data file %s for reading", fmt->path, src->data_path);
  short_read = (PetscBool)(fseeko(f, (off_t)start, SEEK_SET) != 0);
  if (!short_read) ierr = PetscMalloc1(per * size, &chunk);
  while (!ierr && !short_read && done < voxels) {
    const size_t want = (size_t)PetscMin((int64_t)per, voxels - done);
    if (fread(chunk, size, want, f) != want)
      short_read = PETSC_TRUE;
    else
      ierr = ConvertChunk(fmt, chunk, want, labels + done, st);
    done += (int64_t)want;
  }
  fclose(f);
  PetscCall(PetscFree(chunk));
  PetscCall(ierr);
  PetscCheck(!short_read, PETSC_COMM_SELF, PETSC_ERR_FILE_READ,
             "%s: reading the voxels from %s failed part way (the file changed or the disk failed)", fmt->path, src->data_path);
  PetscFunctionReturn(0);
}

/* A zlib/gzip stream's inflated bytes, a chunk at a time. */
typedef struct {
  FILE         *f;
  z_stream      z;
  unsigned char in[1 << 16];
  int64_t       in_left; /* compressed bytes still to read (-1: up to the end of the file) */
  PetscBool     ended;
} Inflater;

/* More compressed bytes into s->in when it is empty; returns how many are held. */
static size_t Refill(Inflater *s)
{
  if (s->z.avail_in == 0) {
    size_t want = sizeof s->in, n;
    if (s->in_left >= 0 && (int64_t)want > s->in_left) want = (size_t)s->in_left;
    n = want ? fread(s->in, 1, want, s->f) : 0;
    if (s->in_left >= 0) s->in_left -= (int64_t)n;
    s->z.next_in  = s->in;
    s->z.avail_in = (uInt)n;
  }
  return s->z.avail_in;
}

/* Inflates up to cap bytes into out; *got 0 with ended at the stream's end. A gzip file of
   several members (bgzip, concatenated .gz) goes on into the next member. Returns zlib's
   error code when the stream is corrupt. */
static int InflateSome(Inflater *s, unsigned char *out, size_t cap, size_t *got)
{
  s->z.next_out  = out;
  s->z.avail_out = (uInt)cap;
  while (s->z.avail_out > 0 && !s->ended) {
    int rc;
    if (!Refill(s)) break; /* the input ends before the stream: the caller sees too few bytes */
    rc = inflate(&s->z, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      if (Refill(s) >= 2 && s->z.next_in[0] == 0x1f && s->z.next_in[1] == 0x8b && inflateReset(&s->z) == Z_OK) continue;
      s->ended = PETSC_TRUE;
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      *got = cap - s->z.avail_out;
      return rc;
    }
  }
  *got = cap - s->z.avail_out;
  return Z_OK;
}

/* Asks the kernel for 2 MB pages on the whole 2 MB pages inside [p, p + bytes): where
   transparent huge pages are on "madvise" (Debian's default), first touching the 272 MB of a
   68M-voxel CT's labels otherwise costs 66k page faults, half of the read on this machine
   (TwinfeImageVoxels 0.84 -> 0.39-0.59 s). Advice only: a kernel without it changes nothing. */
static void AdviseHugePages(void *p, size_t bytes)
{
  const uintptr_t page = (uintptr_t)1 << 21, start = ((uintptr_t)p + page - 1) & ~(page - 1);
  const uintptr_t end = ((uintptr_t)p + bytes) & ~(page - 1);

#ifdef MADV_HUGEPAGE
  if (end > start) (void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
  (void)start, (void)end;
#endif
}

/* The labels' pages, faulted in ahead of the conversion by a second thread. First touching
   fresh memory is dear here (the kernel zeroes each page: TwinfeImageVoxels spent 0.2-0.25 s of
   its 0.47-0.54 s in it on the kidney phantom), and the inflation that feeds the conversion
   leaves a core idle. MADV_POPULATE_WRITE (Linux 5.14) maps the pages without writing to them,
   so it may run over pages the conversion is filling. Advice only: where the kernel refuses,
   the conversion faults the pages itself, as before. */
typedef struct {
  void     *start;
  size_t    bytes;
  thrd_t    thread;
  PetscBool running;
} Prefault;

static int PrefaultPages(void *arg)
{
  const Prefault *p = (const Prefault *)arg;
#ifdef MADV_POPULATE_WRITE
  (void)madvise(p->start, p->bytes, MADV_POPULATE_WRITE);
#else
  (void)p;
#endif
  return 0;
}

static void PrefaultWait(Prefault *p)
{
  if (p->running) thrd_join(p->thread, NULL);
  p->running = PETSC_FALSE;
}

/* Starts faulting in the whole pages of [p, p + bytes) on another thread, when there is one. */
static void PrefaultStart(Prefault *pf, void *p, size_t bytes, PetscBool threads)
{
  const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), start = ((uintptr_t)p + page - 1) & ~(page - 1);
  const uintptr_t end = ((uintptr_t)p + bytes) & ~(page - 1);

  PrefaultWait(pf);
  if (!threads || end <= start) return;
  pf->start   = (void *)start;
  pf->bytes   = end - start;
  pf->running = (PetscBool)(thrd_create(&pf->thread, PrefaultPages, pf) == thrd_success);
}

static PetscErrorCode GrowLabels(int32_t **labels, int64_t *capacity, int64_t need_voxels, int64_t voxels, Prefault *pf,
                                 PetscBool threads)
{
  int64_t before = *capacity;

  PetscFunctionBeginUser;
  if (need_voxels <= *capacity) PetscFunctionReturn(0);
  PrefaultWait(pf); /* the array may move */
  /* double, so the copies cost at most the final size again; never past the header's count */
  *capacity = PetscMin(voxels, PetscMax(need_voxels, 2 * *capacity));
  PetscCall(PetscRealloc((size_t)*capacity * sizeof **labels, labels));
  AdviseHugePages(*labels, (size_t)*capacity * sizeof **labels);
  PrefaultStart(pf, *labels + before, (size_t)(*capacity - before) * sizeof **labels, threads);
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadStream(const TwinfeVoxelSource *src, const TwinfeVoxelFormat *fmt, int64_t voxels, int64_t need,
                                 int32_t **labels, ConvertState *st)
{
  struct stat    sb;
  Inflater      *s;
  unsigned char *out;
  const size_t   size = voxel_types[fmt->type].size, cap = TWINFE_CHUNK_BYTES;
  int64_t        at = 0, capacity = 0, done = 0; /* at: inflated bytes, skip included */
  size_t         held     = 0;                   /* bytes in out not yet converted */
  int            rc       = Z_OK;
  PetscErrorCode ierr     = 0;
  char           why[128] = "";
  Prefault       pf       = {.running = PETSC_FALSE};
  PetscInt       nthreads;

  PetscFunctionBeginUser;
  PetscCall(TwinfeGetThreads(&nthreads));
  PetscCheck(stat(src->data_path, &sb) == 0 && S_ISREG(sb.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "%s: its data file %s cannot be opened (no such file, or not a regular file): check the name in the header",
             fmt->path, src->data_path);
  PetscCheck(src->compressed_size <= 0 || (int64_t)sb.st_size - src->offset >= src->compressed_size, PETSC_COMM_SELF,
             PETSC_ERR_FILE_READ,
             "%s is truncated: its %s header says %lld compressed bytes from byte %lld of %s, which holds %lld", fmt->path,
             fmt->format, (long long)src->compressed_size, (long long)src->offset, src->data_path,
             (long long)PetscMax(0, (int64_t)sb.st_size - src->offset));
  PetscCall(PetscNew(&s));
  PetscCall(PetscMalloc1(cap, &out));
  s->in_left = src->compressed_size > 0 ? src->compressed_size : -1;
  s->f       = fopen(src->data_path, "rb");
  if (!s->f || fseeko(s->f, (off_t)src->offset, SEEK_SET) != 0 || inflateInit2(&s->z, 15 + 32) != Z_OK) {
    /* 15 + 32: a zlib or a gzip header, told by zlib itself */
    if (s->f) fclose(s->f);
    PetscCall(PetscFree(out));
    PetscCall(PetscFree(s));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open the compressed voxels in %s", fmt->path, src->data_path);
  }
  while (!ierr && done < voxels) {
    size_t got;
    rc = InflateSome(s, out + held, cap - held, &got);
    if (rc != Z_OK) {
      snprintf(why, sizeof why, "%s", s->z.msg ? s->z.msg : "zlib error");
      break;
    }
    if (got == 0) break; /* the stream or the file ended */
    held += got;
    at += (int64_t)got;
    {
      /* the bytes before the voxels (a NIfTI header's vox_offset) are dropped */
      const int64_t before = at - (int64_t)held; /* stream position of out[0] */
      size_t        from   = before < src->skip ? (size_t)PetscMin((int64_t)held, src->skip - before) : 0;
      size_t        n      = (held - from) / size;
      if (n > (size_t)(voxels - done)) n = (size_t)(voxels - done);
      ierr = GrowLabels(labels, &capacity, done + (int64_t)n, voxels, &pf, (PetscBool)(nthreads > 1));
      if (!ierr && n) ierr = ConvertChunk(fmt, out + from, n, *labels + done, st); /* *labels is NULL until a voxel came */
      done += (int64_t)n;
      memmove(out, out + from + n * size, held - from - n * size);
      held -= from + n * size;
    }
  }
  PrefaultWait(&pf);
  if (!ierr && rc == Z_OK && done == voxels && src->exact) {
    /* the header's count must be the data's: anything inflating past it is refused */
    size_t got = held;
    if (!got) rc = InflateSome(s, out, cap, &got);
    if (rc == Z_OK && got > 0) {
      inflateEnd(&s->z);
      fclose(s->f);
      PetscCall(PetscFree(out));
      PetscCall(PetscFree(s));
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
              "%s: the compressed voxels in %s go on past the %lld bytes its %s header needs (%lld voxels of %s): the "
              "header's sizes or type do not match the data",
              fmt->path, src->data_path, (long long)need, fmt->format, (long long)voxels, voxel_types[fmt->type].name);
    }
  }
  inflateEnd(&s->z);
  fclose(s->f);
  PetscCall(PetscFree(out));
  PetscCall(PetscFree(s));
  PetscCall(ierr);
  PetscCheck(rc == Z_OK, PETSC_COMM_SELF, PETSC_ERR_FILE_READ,
             "%s: the compressed voxels in %s are corrupt after %lld inflated bytes (%s); the header needs %lld: the file is "
             "damaged or cut; copy or export it again",
             fmt->path, src->data_path, (long long)at, why, (long long)(need + src->skip));
  PetscCheck(done == voxels, PETSC_COMM_SELF, PETSC_ERR_FILE_READ,
             "%s is truncated: its %s header needs %lld uncompressed bytes of voxels (%lld voxels of %s), the compressed "
             "data in %s holds %lld; copy or export the image again",
             fmt->path, fmt->format, (long long)need, (long long)voxels, voxel_types[fmt->type].name, src->data_path,
             (long long)PetscMax(0, at - src->skip));
  PetscFunctionReturn(0);
}

/* ---------- a whole gzip member at once ---------- */

/* DEFLATE encodes at most 258 bytes in 2 bits: no stream inflates past 1032 times its size.
   A header claiming more than that of a file is lying, and the stream path says so. */
#define DEFLATE_MAX_RATIO 1032
/* Compressed files larger than this are inflated a chunk at a time (their bytes are not held). */
#define WHOLE_MAX_COMPRESSED ((int64_t)1 << 28)
/* Voxels copied out of the inflated bytes at a time, before they are converted in place. */
#define WHOLE_BOUNCE_VOXELS 16384

/* The stream's bytes in memory: src's compressed_size bytes from its offset, or the rest of the
   file. *bytes NULL (and no error) when the file cannot be read so: the stream path then reads
   it and names what is wrong. */
static PetscErrorCode ReadCompressedBytes(const TwinfeVoxelSource *src, int64_t file_size, unsigned char **bytes, size_t *n)
{
  const int64_t length =
      src->compressed_size > 0 ? PetscMin(src->compressed_size, file_size - src->offset) : file_size - src->offset;
  FILE *f;

  PetscFunctionBeginUser;
  *bytes = NULL, *n = 0;
  if (length < 18 || length > WHOLE_MAX_COMPRESSED) PetscFunctionReturn(0); /* 18: a gzip header and trailer */
  f = fopen(src->data_path, "rb");
  if (!f) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1((size_t)length, bytes));
  if (fseeko(f, (off_t)src->offset, SEEK_SET) != 0 || fread(*bytes, 1, (size_t)length, f) != (size_t)length)
    PetscCall(PetscFree(*bytes));
  fclose(f);
  *n = *bytes ? (size_t)length : 0;
  PetscFunctionReturn(0);
}

/* Converts the voxels inflated at the tail of buf (from byte in_at) to int32 labels at its
   front, a bounce buffer at a time: labels written never reach bytes not yet copied out, as the
   buffer holds 4 bytes per voxel and the input at most that. */
static PetscErrorCode ConvertInPlace(const TwinfeVoxelFormat *fmt, unsigned char *buf, size_t in_at, int64_t voxels,
                                     ConvertState *st)
{
  const size_t   size = voxel_types[fmt->type].size;
  unsigned char *bounce;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(WHOLE_BOUNCE_VOXELS * size, &bounce));
  for (int64_t done = 0; done < voxels; done += WHOLE_BOUNCE_VOXELS) {
    const size_t   n    = (size_t)PetscMin((int64_t)WHOLE_BOUNCE_VOXELS, voxels - done);
    PetscErrorCode ierr = 0;
    memcpy(bounce, buf + in_at + size * (size_t)done, n * size);
    ierr = ConvertChunk(fmt, bounce, n, (int32_t *)(void *)buf + done, st);
    if (ierr) {
      PetscCall(PetscFree(bounce));
      PetscCall(ierr);
    }
  }
  PetscCall(PetscFree(bounce));
  PetscFunctionReturn(0);
}

static PetscLogEvent whole_event = -1; /* -log_view: the streams inflated in one call, and converted */

/* Inflates a one-member gzip stream in one call with libdeflate, into the tail of the label
   array itself, and converts it to labels in place. zlib inflated the CT-sized kidney phantom
   (68 MB of labels in an 87 KB file) in 0.16 s; libdeflate takes 0.01 s on memory already
   mapped. Taken only when everything checks: one member whose trailer gives the header's exact
   length, voxels of at most 4 bytes, and a file small enough to hold; else *done is
   PETSC_FALSE and the stream path reads the file (and reports what is wrong with it). */
static PetscErrorCode ReadGzipWhole(const TwinfeVoxelSource *src, const TwinfeVoxelFormat *fmt, int64_t voxels, int64_t need,
                                    int32_t **labels, ConvertState *st, PetscBool *done)
{
  const size_t                    size   = voxel_types[fmt->type].size;
  const int64_t                   stream = need + src->skip; /* bytes the stream must inflate to */
  struct stat                     sb;
  unsigned char                  *in, *buf;
  size_t                          n, total, tail, used_in = 0, got = 0;
  uint32_t                        isize;
  struct libdeflate_decompressor *d;
  enum libdeflate_result          rc;
  Prefault                        pf = {.running = PETSC_FALSE};
  PetscInt                        nthreads;
  PetscErrorCode                  ierr;

  PetscFunctionBeginUser;
  *done = PETSC_FALSE;
  if (size > 4 || stat(src->data_path, &sb) != 0 || !S_ISREG(sb.st_mode)) PetscFunctionReturn(0);
  if (stream / DEFLATE_MAX_RATIO > (int64_t)sb.st_size) PetscFunctionReturn(0);
  PetscCall(ReadCompressedBytes(src, (int64_t)sb.st_size, &in, &n));
  if (!in) PetscFunctionReturn(0);
  isize = (uint32_t)in[n - 4] | (uint32_t)in[n - 3] << 8 | (uint32_t)in[n - 2] << 16 | (uint32_t)in[n - 1] << 24;
  if (in[0] != 0x1f || in[1] != 0x8b || isize != (uint32_t)stream || stream / DEFLATE_MAX_RATIO > (int64_t)n) {
    PetscCall(PetscFree(in));
    PetscFunctionReturn(0);
  }
  if (whole_event < 0) PetscCall(PetscLogEventRegister("TwinfeGzipWhole", PETSC_OBJECT_CLASSID, &whole_event));
  total = (size_t)PetscMax(4 * voxels, stream);
  tail  = total - (size_t)stream;
  PetscCall(PetscMalloc1(total, &buf));
  AdviseHugePages(buf, total);
  PetscCall(TwinfeGetThreads(&nthreads));
  PrefaultStart(&pf, buf, tail, (PetscBool)(nthreads > 1)); /* the front, where the labels go, while this inflates */
  PetscCall(PetscLogEventBegin(whole_event, 0, 0, 0, 0));
  d  = libdeflate_alloc_decompressor();
  rc = d ? libdeflate_gzip_decompress_ex(d, in, n, buf + tail, (size_t)stream, &used_in, &got) : LIBDEFLATE_BAD_DATA;
  if (d) libdeflate_free_decompressor(d);
  PetscCall(PetscFree(in));
  if (rc != LIBDEFLATE_SUCCESS || got != (size_t)stream || used_in != n) {
    PrefaultWait(&pf);
    PetscCall(PetscLogEventEnd(whole_event, 0, 0, 0, 0));
    PetscCall(PetscFree(buf));
    PetscFunctionReturn(0);
  }
  *labels = (int32_t *)(void *)buf; /* the caller frees it if the conversion fails */
  ierr    = ConvertInPlace(fmt, buf, tail + (size_t)src->skip, voxels, st);
  PrefaultWait(&pf);
  if (!ierr && total > (size_t)(4 * voxels)) ierr = PetscRealloc((size_t)(4 * voxels), labels);
  PetscCall(PetscLogEventEnd(whole_event, 0, 0, 0, 0));
  PetscCall(ierr);
  *done = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* -log_view: the voxels (inflate and conversion) apart from the header (TwinfeImageRead) */
static PetscLogEvent voxel_event = -1;

PetscErrorCode TwinfeReadVoxels_Private(const TwinfeVoxelSource *src, const TwinfeVoxelFormat *fmt, const int64_t dims[3],
                                        int32_t **labels)
{
  int64_t        voxels, need;
  ConvertState   st   = {0, 0, 0};
  PetscErrorCode ierr = 0;

  PetscFunctionBeginUser;
  *labels = NULL;
  if (voxel_event < 0) PetscCall(PetscLogEventRegister("TwinfeImageVoxels", PETSC_OBJECT_CLASSID, &voxel_event));
  PetscCall(TwinfeVoxelCheckSettings_Private(fmt));
  PetscCall(NeedBytes(fmt, dims, &voxels, &need));
  PetscCall(PetscLogEventBegin(voxel_event, 0, 0, 0, 0));
  if (src->compressed) {
    PetscBool whole = PETSC_FALSE;
    ierr            = ReadGzipWhole(src, fmt, voxels, need, labels, &st, &whole);
    if (!ierr && !whole) ierr = ReadStream(src, fmt, voxels, need, labels, &st);
  } else {
    /* the file's size was checked against the header before this allocation (ReadPlain) */
    struct stat sb;
    if (stat(src->data_path, &sb) == 0 && (int64_t)sb.st_size - src->offset - src->skip >= need)
      ierr = PetscMalloc1((size_t)voxels, labels);
    if (!ierr) ierr = ReadPlain(src, fmt, voxels, need, *labels, &st);
  }
  if (!ierr) ierr = CheckNoNegative(fmt, &st);
  PetscCall(PetscLogEventEnd(voxel_event, 0, 0, 0, 0));
  if (ierr) PetscCall(PetscFree(*labels));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* ---------- geometry ---------- */

PetscErrorCode TwinfeCheckVoxelCount_Private(const char path[], const char what[], const int64_t dims[3], PetscInt64 max_voxels)
{
  int64_t voxels = 1;

  PetscFunctionBeginUser;
  for (int d = 0; d < 3; d++) {
    PetscCheck(dims[d] >= 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: %s gives %lld voxels along axis %d; every size must be at least 1", path, what, (long long)dims[d], d);
    PetscCheck(voxels <= max_voxels / dims[d], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: %s = %lld x %lld x %lld claims more voxels than the limit of %lld (-image_max_voxels): a damaged header, "
               "or an image to crop or downsample first",
               path, what, (long long)dims[0], (long long)dims[1], (long long)dims[2], (long long)max_voxels);
    voxels *= dims[d];
  }
  PetscCheck(voxels <= PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "%s has %lld voxels, more than this PETSc build's index range (%d): crop or downsample the image", path,
             (long long)voxels, (int)PETSC_MAX_INT);
  PetscFunctionReturn(0);
}

/* Columns of a direction matrix must be orthonormal; headers store them in text or float32,
   so allow 1e-4 (a few float32 ulps, 5 printed digits), but refuse sheared or scaled axes. */
#define TWINFE_DIRECTION_TOL 1e-4

PetscErrorCode TwinfeAffineToGeometry_Private(const char path[], const char what[], const double A[12], PetscReal spacing[3],
                                              PetscReal origin[3], PetscReal direction[9])
{
  PetscFunctionBeginUser;
  for (int e = 0; e < 12; e++)
    PetscCheck(isfinite(A[e]), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: %s holds a value that is not a finite number (%g): the header is damaged", path, what, A[e]);
  for (int c = 0; c < 3; c++) {
    const double norm = sqrt(A[c] * A[c] + A[4 + c] * A[4 + c] + A[8 + c] * A[8 + c]);
    PetscCheck(norm > 0 && isfinite(norm), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: %s gives voxel axis %d the length %g mm; each axis needs a positive finite length (the voxel size)", path,
               what, c, norm);
    spacing[c] = norm;
    for (int r = 0; r < 3; r++)
      direction[3 * r + c] = A[4 * r + c] / norm;
  }
  for (int r = 0; r < 3; r++)
    origin[r] = A[4 * r + 3];
  for (int a = 0; a < 3; a++)
    for (int b = a + 1; b < 3; b++) {
      const double dot = direction[a] * direction[b] + direction[3 + a] * direction[3 + b] + direction[6 + a] * direction[6 + b];
      PetscCheck(fabs(dot) < TWINFE_DIRECTION_TOL, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: %s gives voxel axes %d and %d at %.2f degrees; twinfe reads grids whose axes are perpendicular "
                 "(sheared grids are not supported): resample the image",
                 path, what, a, b, acos(PetscMax(-1.0, PetscMin(1.0, dot))) * 180 / PETSC_PI);
    }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageFromGrid_Private(const char path[], const int64_t dims[3], const PetscReal spacing[3],
                                           const PetscReal origin[3], const PetscReal direction[9], int32_t **labels,
                                           TwinfeImage *image)
{
  const PetscInt one[3] = {1, 1, 1};
  PetscErrorCode ierr;
  TwinfeImage    img = NULL;

  PetscFunctionBeginUser;
  /* TwinfeImageCreate checks the geometry; it is asked for one voxel because it would zero an
     array of the full size (272 MB and 0.3 s on the CT) that the read labels replace at once.
     The count was checked against the limit and PetscInt (TwinfeCheckVoxelCount_Private). */
  ierr = TwinfeImageCreate(one, spacing, origin, direction, &img);
  if (ierr) PetscCall(PetscFree(*labels));
  PetscCall(ierr);
  PetscCall(PetscFree(img->labels));
  for (int d = 0; d < 3; d++)
    img->dims[d] = (PetscInt)dims[d];
  img->labels = *labels;
  *labels     = NULL;
  PetscCall(PetscStrncpy(img->source, path, sizeof img->source));
  *image = img;
  PetscFunctionReturn(0);
}

/* ---------- names ---------- */

PetscErrorCode TwinfeImageSetLabelName_Private(TwinfeImage image, int32_t label, const char name[])
{
  PetscFunctionBeginUser;
  PetscCheck(image->nlabel_names < TWINFE_IMAGE_MAX_LABEL_NAMES, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "%s names more than %d labels; twinfe models at most %d regions", image->source, TWINFE_IMAGE_MAX_LABEL_NAMES,
             TWINFE_IMAGE_MAX_LABEL_NAMES);
  image->label_name_values[image->nlabel_names] = label;
  PetscCall(PetscStrncpy(image->label_names[image->nlabel_names], name, TWINFE_IMAGE_LABEL_NAME_LEN));
  image->nlabel_names++;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageGetLabelName(TwinfeImage image, int32_t label, const char **name)
{
  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  TwinfeCheckPointer_Private(name);
  *name = NULL;
  for (PetscInt i = 0; i < image->nlabel_names; i++)
    if (image->label_name_values[i] == label && image->label_names[i][0]) *name = image->label_names[i];
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeResolveBeside_Private(const char header[], const char name[], char out[], size_t len)
{
  char copy[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCheck(name[0], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s names an empty data file", header);
  if (name[0] == '/') {
    PetscCheck(strlen(name) < len, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: the data file name is too long", header);
    PetscCall(PetscStrncpy(out, name, len));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscStrncpy(copy, header, sizeof copy));
  PetscCheck((size_t)snprintf(out, len, "%s/%s", dirname(copy), name) < len, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: the data file name %s is too long", header, name);
  PetscFunctionReturn(0);
}
