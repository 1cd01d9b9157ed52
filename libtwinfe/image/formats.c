/* Which reader for which file: the format is told by the file's first bytes (decompressed when
 * the file is gzip), not by its name, so a MetaImage file is called a MetaImage file instead
 * of a corrupt NIfTI. A new reader is one more row in the table below (docs/image_formats.md).
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
  /* NULL: recognised, not read */
  PetscErrorCode (*read)(const char path[], const TwinfeImageReadSettings *settings, TwinfeImage *image);
} TwinfeImageFormat;

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

/* Other tools find a NIfTI file's voxels by its name's ending, so the name must say NIfTI. */
static PetscErrorCode ReadNifti(const char path[], const TwinfeImageReadSettings *settings, TwinfeImage *image)
{
  PetscFunctionBeginUser;
  PetscCheck(HasSuffix(path, ".nii") || HasSuffix(path, ".nii.gz"), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s holds a NIfTI header but its name does not end in .nii or .nii.gz: rename it", path);
  PetscCall(TwinfeNiftiReadFile_Private(path, settings, image));
  PetscFunctionReturn(0);
}

static const TwinfeImageFormat formats[] = {
    {"NIfTI", ".nii, .nii.gz", TwinfeNiftiProbe_Private, ReadNifti},
    {"NRRD", ".nrrd, .nhdr, .seg.nrrd", TwinfeNrrdProbe_Private, TwinfeNrrdRead_Private},
    {"MetaImage", ".mha, .mhd", TwinfeMetaImageProbe_Private, TwinfeMetaImageRead_Private},
    {"VTK image data", ".vti", TwinfeVtiProbe_Private, TwinfeVtiRead_Private},
    {"DICOM", ".dcm", ProbeDicom, NULL},
};

/* The formats read, for messages: ".nii, .nii.gz; .nrrd, ...". */
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

static PetscLogEvent TWINFE_IMAGE_READ = -1;

PetscErrorCode TwinfeImageReadWithSettings(const char path[], const TwinfeImageReadSettings *settings, TwinfeImage *image)
{
  unsigned char  head[TWINFE_PROBE_BYTES];
  size_t         n;
  char           readable[256];
  PetscErrorCode ierr = 0;

  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(path);
  TwinfeCheckPointer_Private(settings);
  TwinfeCheckPointer_Private(image);
  *image = NULL;
  PetscCheck(settings->max_voxels >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "The voxel limit %" PetscInt64_FMT " (-image_max_voxels) must be at least 1", settings->max_voxels);
  if (TWINFE_IMAGE_READ < 0) PetscCall(PetscLogEventRegister("TwinfeImageRead", PETSC_OBJECT_CLASSID, &TWINFE_IMAGE_READ));
  PetscCall(ReadHead(path, head, &n));
  ReadableSuffixes(readable, sizeof readable);
  for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
    if (!formats[f].probe(head, n)) continue;
    PetscCheck(formats[f].read, PETSC_COMM_SELF, PETSC_ERR_SUP,
               "%s is a %s file (%s), which twinfe does not read: it reads %s; convert the label map to .nii.gz", path,
               formats[f].name, formats[f].suffixes, readable);
    PetscCall(PetscLogEventBegin(TWINFE_IMAGE_READ, 0, 0, 0, 0));
    ierr = formats[f].read(path, settings, image);
    PetscCall(PetscLogEventEnd(TWINFE_IMAGE_READ, 0, 0, 0, 0));
    PetscCall(ierr);
    PetscFunctionReturn(0);
  }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
          "%s is not an image format twinfe reads (%s): its first bytes match none of them%s", path, readable,
          HasSuffix(path, ".nii") || HasSuffix(path, ".nii.gz")
              ? " (a NIfTI file starts with sizeof_hdr = 348 or 540; this one is truncated or not NIfTI)"
              : "");
}

PetscErrorCode TwinfeImageReadWithLimit(const char path[], PetscInt64 max_voxels, TwinfeImage *image)
{
  TwinfeImageReadSettings settings;

  PetscFunctionBeginUser;
  PetscCall(TwinfeImageReadSettingsDefault(&settings));
  settings.max_voxels = max_voxels;
  PetscCall(TwinfeImageReadWithSettings(path, &settings, image));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageRead(const char path[], TwinfeImage *image)
{
  PetscFunctionBeginUser;
  PetscCall(TwinfeImageReadWithLimit(path, TWINFE_IMAGE_MAX_VOXELS_DEFAULT, image));
  PetscFunctionReturn(0);
}
