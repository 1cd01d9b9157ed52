// The peer the real-scans issue compares with: CGAL's labelled-image mesher (Mesh_3), on 2
// threads (TBB), on a label map written as INRIMAGE by cgal_mesh.sh. Prints tets, time and the
// worst radius ratio (3 r / R, as twinfe's report) and dihedral angle.
// Not part of libtwinfe (CGAL is not one of its dependencies): a benchmark of the peer only.
// SPDX-License-Identifier: GPL-2.0-or-later
#include <CGAL/Exact_predicates_inexact_constructions_kernel.h>
#include <CGAL/Image_3.h>
#include <CGAL/Labeled_mesh_domain_3.h>
#include <CGAL/Mesh_complex_3_in_triangulation_3.h>
#include <CGAL/Mesh_criteria_3.h>
#include <CGAL/Mesh_triangulation_3.h>
#include <CGAL/make_mesh_3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

using K           = CGAL::Exact_predicates_inexact_constructions_kernel;
using Mesh_domain = CGAL::Labeled_mesh_domain_3<K>;
using Tr          = CGAL::Mesh_triangulation_3<Mesh_domain, CGAL::Default, CGAL::Parallel_tag>::type;
using C3t3        = CGAL::Mesh_complex_3_in_triangulation_3<Tr>;
using Criteria    = CGAL::Mesh_criteria_3<Tr>;
using P           = K::Point_3;
using V           = K::Vector_3;

// 3 r / R of tet abcd
static double RadiusRatio(const P &a, const P &b, const P &c, const P &d)
{
  const double vol  = std::abs(CGAL::volume(a, b, c, d));
  const double area = std::sqrt(CGAL::squared_area(a, b, c)) + std::sqrt(CGAL::squared_area(a, b, d)) +
                      std::sqrt(CGAL::squared_area(a, c, d)) + std::sqrt(CGAL::squared_area(b, c, d));
  const double r = 3 * vol / area, R = std::sqrt(CGAL::squared_radius(a, b, c, d));
  return R > 0 ? 3 * r / R : 0;
}

static double MinDihedralDeg(const P p[4])
{
  double lo = 180;
  for (int i = 0; i < 4; i++)
    for (int j = i + 1; j < 4; j++) {
      int o[2], n = 0; /* the edge ij, and the two faces through it */
      for (int m = 0; m < 4; m++)
        if (m != i && m != j) o[n++] = m;
      lo = std::min(lo, std::abs(CGAL::approximate_dihedral_angle(p[i], p[j], p[o[0]], p[o[1]])));
    }
  return lo;
}

int main(int argc, char **argv)
{
  if (argc < 3) {
    std::fprintf(stderr, "usage: cgal_mesh image.inr size_mm [facet_distance_mm]\n");
    return 2;
  }
  const double  size = std::atof(argv[2]), distance = argc > 3 ? std::atof(argv[3]) : 0.5 * size;
  CGAL::Image_3 image;
  if (!image.read(argv[1])) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  const auto  t0     = std::chrono::steady_clock::now();
  Mesh_domain domain = Mesh_domain::create_labeled_image_mesh_domain(image);
  namespace params   = CGAL::parameters;
  Criteria    criteria(params::facet_angle = 30, params::facet_size = size, params::facet_distance = distance,
                       params::cell_radius_edge_ratio = 3, params::cell_size = size);
  C3t3        c3t3   = CGAL::make_mesh_3<C3t3>(domain, criteria);
  const auto  t1     = std::chrono::steady_clock::now();
  double      rr_min = 1, dih_min = 180;
  std::size_t below = 0;
  for (auto c = c3t3.cells_in_complex_begin(); c != c3t3.cells_in_complex_end(); ++c) {
    P p[4];
    for (int k = 0; k < 4; k++)
      p[k] = c->vertex(k)->point().point();
    const double rr = RadiusRatio(p[0], p[1], p[2], p[3]);
    rr_min          = std::min(rr_min, rr);
    dih_min         = std::min(dih_min, MinDihedralDeg(p));
    below += rr < 0.1;
  }
  std::printf("cgal: %zu tets, %zu surface facets, meshing %.2f s, min radius ratio %.4f, min dihedral %.2f deg, %zu below 0.1\n",
              (std::size_t)c3t3.number_of_cells_in_complex(), (std::size_t)c3t3.number_of_facets_in_complex(),
              std::chrono::duration<double>(t1 - t0).count(), rr_min, dih_min, below);
  return 0;
}
