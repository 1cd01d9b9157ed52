/* Which reader for which file: the format is told by the file's first bytes (decompressed when
 * the file is gzip), not by its name, so a MetaImage file is called a MetaImage file instead
 * of a corrupt NIfTI. A new reader is one more row in the table below.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "image_impl.h"

#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

/* The bytes a format is recognised by are in the first kilobyte for every format below. */
#define TWINFE_PROBE_BYTES 1024

typedef struct {
  const char *name;     /* as users know it */
  const char *suffixes; /* the file names it comes with, for messages */
  PetscBool (*probe)(const unsigned char head[], size_t n);
  /* NULL: recognised, not read yet (issue: MetaImage and NRRD readers) */
  PetscErrorCode (*read)(const char path[], PetscInt64 max_voxels, TwinfeImage *image);
} TwinfeImageFormat;

static PetscBool StartsWith(const unsigned char head[], size_t n, const char text[])
{
  const size_t len = strlen(text);
  return (PetscBool)(n >= len && memcmp(head, text, len) == 0);
}

/* MetaImage (.mha/.mhd) is a text header of "Key = value" lines, ObjectType or NDims first. */
static PetscBool ProbeMetaImage(const unsigned char head[], size_t n)
{
  return (PetscBool)(StartsWith(head, n, "ObjectType") || StartsWith(head, n, "NDims"));
}

static PetscBool ProbeNrrd(const unsigned char head[], size_t n)
{
  return StartsWith(head, n, "NRRD000");
}

/* DICOM Part 10: a 128-byte preamble, then "DICM". */
static PetscBool ProbeDicom(const unsigned char head[], size_t n)
{
  return (PetscBool)(n >= 132 && memcmp(head + 128, "DICM", 4) == 0);
}

static PetscBool HasSuffix(const char s[], const char suffix[])
{
  const size_t ls = strlen(s), lx = strlen(suffix);
  return (PetscBool)(ls >= lx && strcmp(s + ls - lx, suffix) == 0);
}

/* VTK's NIfTI reader finds the voxels from the name's ending, so the name must say NIfTI. */
static PetscErrorCode ReadNifti(const char path[], PetscInt64 max_voxels, TwinfeImage *image)
{
  PetscFunctionBeginUser;
  PetscCheck(HasSuffix(path, ".nii") || HasSuffix(path, ".nii.gz"), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s holds a NIfTI header but its name does not end in .nii or .nii.gz: rename it", path);
  PetscCall(TwinfeNiftiReadImage_Private(path, max_voxels, image));
  PetscFunctionReturn(0);
}

static const TwinfeImageFormat formats[] = {
    {"NIfTI", ".nii, .nii.gz", TwinfeNiftiProbe_Private, ReadNifti},
    {"MetaImage", ".mha, .mhd", ProbeMetaImage, NULL},
    {"NRRD", ".nrrd, .nhdr", ProbeNrrd, NULL},
    {"DICOM", ".dcm", ProbeDicom, NULL},
};

/* The formats read today, for messages: ".nii, .nii.gz". */
static void ReadableSuffixes(char out[], size_t len)
{
  out[0] = '\0';
  for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
    if (!formats[f].read) continue;
    if (out[0]) strncat(out, "; ", len - strlen(out) - 1);
    strncat(out, formats[f].suffixes, len - strlen(out) - 1);
  }
}

/* A regular, non-empty file whose first bytes are read through zlib (plain files pass as is). */
static PetscErrorCode ReadHead(const char path[], unsigned char head[TWINFE_PROBE_BYTES], size_t *n)
{
  struct stat st;
  gzFile      gz;
  int         got;

  PetscFunctionBeginUser;
  PetscCheck(stat(path, &st) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "Cannot open the image %s: no such file (check the path)", path);
  PetscCheck(!S_ISDIR(st.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "The image %s is a folder: give the label map file inside it (.nii or .nii.gz)", path);
  PetscCheck(S_ISREG(st.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "The image %s is not a regular file (a pipe or a device): give a label map file on disk (.nii or .nii.gz)", path);
  PetscCheck(st.st_size > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ,
             "The image %s is empty (0 bytes): the copy or export was cut; give the label map again", path);
  gz = gzopen(path, "rb");
  PetscCheck(gz, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot open the image %s for reading (no read permission?)", path);
  got = gzread(gz, head, TWINFE_PROBE_BYTES);
  gzclose(gz);
  PetscCheck(got >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ,
             "The image %s is a corrupt gzip file: its start cannot be inflated; copy or export the label map again", path);
  *n = (size_t)got;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageReadWithLimit(const char path[], PetscInt64 max_voxels, TwinfeImage *image)
{
  unsigned char head[TWINFE_PROBE_BYTES];
  size_t        n;
  char          readable[128];

  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(path);
  TwinfeCheckPointer_Private(image);
  *image = NULL;
  PetscCheck(max_voxels >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "The voxel limit %" PetscInt64_FMT " (-image_max_voxels) must be at least 1", max_voxels);
  PetscCall(ReadHead(path, head, &n));
  ReadableSuffixes(readable, sizeof readable);
  for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
    if (!formats[f].probe(head, n)) continue;
    PetscCheck(formats[f].read, PETSC_COMM_SELF, PETSC_ERR_SUP,
               "%s is a %s file (%s), which twinfe does not read yet: it reads %s; convert the label map to .nii.gz", path,
               formats[f].name, formats[f].suffixes, readable);
    PetscCall(formats[f].read(path, max_voxels, image));
    PetscFunctionReturn(0);
  }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
          "%s is not an image format twinfe reads (%s): its first bytes match none of them%s", path, readable,
          HasSuffix(path, ".nii") || HasSuffix(path, ".nii.gz")
              ? " (a NIfTI file starts with sizeof_hdr = 348 or 540; this one is truncated or not NIfTI)"
              : "");
}

PetscErrorCode TwinfeImageRead(const char path[], TwinfeImage *image)
{
  PetscFunctionBeginUser;
  PetscCall(TwinfeImageReadWithLimit(path, TWINFE_IMAGE_MAX_VOXELS_DEFAULT, image));
  PetscFunctionReturn(0);
}
