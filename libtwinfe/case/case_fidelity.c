/* The per-region record of a run: report.json's `regions` list and `interfaces` list, and the
 * summary's table (docs/outputs.md lists every key).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "case_impl.h"

#include <math.h>

/* What is known about one case region, gathered before anything is written. */
typedef struct {
  const char             *name;
  PetscInt                label, region; /* the image's label, and the number mesh and tags use */
  TwinfeMeshRegionQuality quality;
  TwinfeRegionFidelity    fidelity;
  PetscBool               measured; /* fidelity holds a comparison with the original voxels */
  PetscInt                surface_facets, interface_facets;
} RegionRecord;

static PetscInt MeshRegionIndex(PetscInt nr, const int32_t labels[], int32_t label)
{
  for (PetscInt r = 0; r < nr; ++r)
    if (labels[r] == label) return r;
  return -1;
}

/* The image's own label for region i: the case records it under image.regions when it read an
   image (it differs from the region number when labels above 999 were renumbered). */
static PetscErrorCode OriginalLabel(TwinfeCase c, PetscInt i, PetscInt *label)
{
  char      key[256];
  PetscBool found = PETSC_FALSE;
  PetscFunctionBegin;
  *label = c->labels[i];
  PetscCall(PetscSNPrintf(key, sizeof key, "image.regions.%s.label", c->names[i]));
  PetscCall(TwinfeReportGetInt(c->report, key, label, &found));
  PetscFunctionReturn(0);
}

static void CountFacets(RegionRecord *rec, PetscInt ntags, const int32_t tags[], const PetscInt counts[])
{
  for (PetscInt t = 0; t < ntags; ++t) {
    PetscInt larger, smaller;
    TwinfeFacetTagLabels(tags[t], &larger, &smaller);
    if (larger != rec->region && smaller != rec->region) continue;
    if (smaller == 0)
      rec->surface_facets += counts[t];
    else
      rec->interface_facets += counts[t];
  }
}

static PetscErrorCode SetReal(TwinfeReport report, PetscInt i, const char member[], PetscReal value)
{
  char key[256];
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(key, sizeof key, "regions[%" PetscInt_FMT "].%s", i, member));
  PetscCall(TwinfeReportSetReal(report, key, value));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetInt(TwinfeReport report, PetscInt i, const char member[], PetscInt value)
{
  char key[256];
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(key, sizeof key, "regions[%" PetscInt_FMT "].%s", i, member));
  PetscCall(TwinfeReportSetInt(report, key, value));
  PetscFunctionReturn(0);
}

static PetscErrorCode RecordRegion(TwinfeReport report, PetscInt i, const RegionRecord *rec)
{
  const TwinfeMeshRegionQuality *q = &rec->quality;
  const TwinfeRegionFidelity    *f = &rec->fidelity;
  char                           key[256];
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(key, sizeof key, "regions[%" PetscInt_FMT "].name", i));
  PetscCall(TwinfeReportSetString(report, key, rec->name));
  PetscCall(SetInt(report, i, "label", rec->label));
  PetscCall(SetInt(report, i, "region", rec->region));
  PetscCall(SetInt(report, i, "tets", q->ntets));
  PetscCall(SetReal(report, i, "volume_mm3", q->volume_mm3));
  if (rec->measured) {
    PetscCall(SetInt(report, i, "voxels", f->voxels));
    PetscCall(SetReal(report, i, "voxel_volume_mm3", f->voxel_volume_mm3));
    PetscCall(SetReal(report, i, "volume_error_pct", 100.0 * (q->volume_mm3 / f->voxel_volume_mm3 - 1.0)));
    PetscCall(SetInt(report, i, "voxel_faces", f->voxel_faces));
    PetscCall(SetReal(report, i, "surface_distance.mesh_to_voxels_mean_mm", f->mesh_to_voxels_mean_mm));
    PetscCall(SetReal(report, i, "surface_distance.mesh_to_voxels_max_mm", f->mesh_to_voxels_max_mm));
    PetscCall(SetReal(report, i, "surface_distance.voxels_to_mesh_mean_mm", f->voxels_to_mesh_mean_mm));
    PetscCall(SetReal(report, i, "surface_distance.voxels_to_mesh_max_mm", f->voxels_to_mesh_max_mm));
  }
  PetscCall(SetInt(report, i, "surface_facets", rec->surface_facets));
  PetscCall(SetInt(report, i, "interface_facets", rec->interface_facets));
  PetscCall(SetReal(report, i, "quality.radius_ratio.min", q->min_radius_ratio));
  PetscCall(SetReal(report, i, "quality.radius_ratio.median", q->median_radius_ratio));
  PetscCall(SetInt(report, i, "quality.radius_ratio.below_0_1", q->radius_ratio_below));
  PetscCall(SetReal(report, i, "quality.gmsh_gamma.min", q->min_gmsh_gamma));
  PetscCall(SetReal(report, i, "quality.gmsh_gamma.median", q->median_gmsh_gamma));
  PetscCall(SetInt(report, i, "quality.gmsh_gamma.below_0_1", q->gmsh_gamma_below));
  PetscCall(SetReal(report, i, "quality.min_dihedral_deg", q->min_dihedral_deg));
  PetscCall(SetInt(report, i, "quality.inverted", q->inverted));
  PetscFunctionReturn(0);
}

static const char *RegionNameOf(TwinfeCase c, PetscInt region)
{
  for (PetscInt i = 0; i < c->nregions; ++i)
    if (c->labels[i] == region) return c->names[i];
  return NULL;
}

/* One item per interface tag (two regions that touch): the regions' names, the tag, the count. */
static PetscErrorCode RecordInterfaces(TwinfeCase c, PetscInt ntags, const int32_t tags[], const PetscInt counts[])
{
  PetscInt n = 0;
  char     key[256];
  PetscFunctionBegin;
  for (PetscInt t = 0; t < ntags; ++t) {
    PetscInt    larger, smaller;
    const char *pair[2];
    TwinfeFacetTagLabels(tags[t], &larger, &smaller);
    if (!smaller) continue;
    pair[0] = RegionNameOf(c, smaller);
    pair[1] = RegionNameOf(c, larger);
    if (!pair[0] || !pair[1]) continue; /* a tag naming a region the case does not model */
    PetscCall(PetscSNPrintf(key, sizeof key, "interfaces[%" PetscInt_FMT "].regions", n));
    PetscCall(TwinfeReportSetStringArray(c->report, key, 2, pair));
    PetscCall(PetscSNPrintf(key, sizeof key, "interfaces[%" PetscInt_FMT "].tag", n));
    PetscCall(TwinfeReportSetInt(c->report, key, tags[t]));
    PetscCall(PetscSNPrintf(key, sizeof key, "interfaces[%" PetscInt_FMT "].facets", n));
    PetscCall(TwinfeReportSetInt(c->report, key, counts[t]));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "          interface %s | %s: %" PetscInt_FMT " facets (tag %d)\n", pair[0], pair[1],
                          counts[t], (int)tags[t]));
    n++;
  }
  if (!n) PetscCall(TwinfeReportSetStringArray(c->report, "interfaces", 0, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode PrintTable(TwinfeCase c, const RegionRecord recs[])
{
  PetscFunctionBegin;
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "regions   %-12s %9s %12s %9s %17s %17s %13s %13s %7s %4s\n", "name", "tets",
                        "volume mm3", "vs voxels", "mesh->voxels mm", "voxels->mesh mm", "radius ratio", "gmsh gamma", "min dih",
                        "inv"));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "          %-12s %9s %12s %9s %17s %17s %13s %13s %7s %4s\n", "", "", "", "",
                        "mean / max", "mean / max", "min / median", "min / median", "deg", ""));
  for (PetscInt i = 0; i < c->nregions; ++i) {
    const RegionRecord *r      = &recs[i];
    char                vs[32] = "-", m2v[32] = "-", v2m[32] = "-";
    if (r->measured) {
      PetscCall(
          PetscSNPrintf(vs, sizeof vs, "%+.2f%%", (double)(100.0 * (r->quality.volume_mm3 / r->fidelity.voxel_volume_mm3 - 1))));
      PetscCall(PetscSNPrintf(m2v, sizeof m2v, "%.2f / %.2f", (double)r->fidelity.mesh_to_voxels_mean_mm,
                              (double)r->fidelity.mesh_to_voxels_max_mm));
      PetscCall(PetscSNPrintf(v2m, sizeof v2m, "%.2f / %.2f", (double)r->fidelity.voxels_to_mesh_mean_mm,
                              (double)r->fidelity.voxels_to_mesh_max_mm));
    }
    PetscCall(PetscPrintf(
        PETSC_COMM_SELF,
        "          %-12s %9" PetscInt_FMT " %12.6g %9s %17s %17s   %.3f / %.3f   %.3f / %.3f %7.1f %4" PetscInt_FMT "\n", r->name,
        r->quality.ntets, (double)r->quality.volume_mm3, vs, m2v, v2m, (double)r->quality.min_radius_ratio,
        (double)r->quality.median_radius_ratio, (double)r->quality.min_gmsh_gamma, (double)r->quality.median_gmsh_gamma,
        (double)r->quality.min_dihedral_deg, r->quality.inverted));
  }
  PetscFunctionReturn(0);
}

/*
  TwinfeCaseReportRegions - report.json's `regions` (one object per case region, in the case's
  region order) and `interfaces`, and the summary's per-region table. f may be NULL (a case that
  starts from a mesh): then the keys that compare with the voxels are left out. Rank 0 only.
*/
PetscErrorCode TwinfeCaseReportRegions(TwinfeCase c, TwinfeFidelity f)
{
  PetscInt                 nr, ntags, *counts;
  const int32_t           *labels;
  int32_t                 *tags;
  TwinfeMeshRegionQuality *quality;
  TwinfeRegionFidelity    *fidelity = NULL;
  RegionRecord            *recs;
  PetscFunctionBegin;
  PetscCall(TwinfeMeshGetRegions(c->mesh, &nr, &labels));
  PetscCall(PetscMalloc3(nr + 1, &quality, nr + 1, &fidelity, c->nregions + 1, &recs));
  PetscCall(TwinfeMeshComputeRegionQuality(c->mesh, quality));
  if (f) PetscCall(TwinfeFidelityCompareMesh(f, c->mesh, fidelity));
  PetscCall(TwinfeMeshCountFacetsByTag(c->mesh, &ntags, &tags, &counts));
  for (PetscInt i = 0; i < c->nregions; ++i) {
    const PetscInt r   = MeshRegionIndex(nr, labels, c->labels[i]);
    RegionRecord  *rec = &recs[i];
    *rec               = (RegionRecord){.name = c->names[i], .region = c->labels[i]};
    PetscCall(OriginalLabel(c, i, &rec->label));
    rec->quality = r >= 0 ? quality[r]
                          : (TwinfeMeshRegionQuality){.label               = c->labels[i],
                                                      .min_radius_ratio    = NAN,
                                                      .median_radius_ratio = NAN,
                                                      .min_gmsh_gamma      = NAN,
                                                      .median_gmsh_gamma   = NAN,
                                                      .min_dihedral_deg    = NAN};
    if (f && r >= 0) {
      rec->fidelity = fidelity[r];
      rec->measured = fidelity[r].voxel_faces > 0 ? PETSC_TRUE : PETSC_FALSE;
    }
    CountFacets(rec, ntags, tags, counts);
    PetscCall(RecordRegion(c->report, i, rec));
  }
  PetscCall(PrintTable(c, recs));
  PetscCall(RecordInterfaces(c, ntags, tags, counts));
  PetscCall(PetscFree(tags));
  PetscCall(PetscFree(counts));
  PetscCall(PetscFree3(quality, fidelity, recs));
  PetscFunctionReturn(0);
}
