// The peer pipeline's mesher (benchmarks/peer/ct_peer.sh): CGAL's labelled-image mesher (Mesh_3)
// on a label map written as INRIMAGE, on N threads (TBB, default 2), writing the tets with their
// labels as a Gmsh 2.2 binary .msh that dolfinx_elasticity.py reads. Unlike cgal_mesh.cpp (which
// measures quality and writes nothing), this is the program an engineer would run before a solve:
//  - the points are mapped from CGAL's frame (voxel index times spacing, the grid's rotation and
//    origin dropped by the INRIMAGE) to LPS mm by the 3x4 matrix in the affine file, so that
//    gravity and the clamp act along the same axes as in twinfe's run;
//  - each tet's physical tag is its label and its elementary tag its connected part (1, 2, ...:
//    the tets joined through shared vertices), which the solve needs to hold every part on its
//    own side as twinfe does.
// Prints one line: tets, vertices, parts, the meshing time and the writing time.
// Not part of libtwinfe (CGAL is not one of its dependencies): a benchmark of the peer only.
// SPDX-License-Identifier: GPL-2.0-or-later
#include <CGAL/Exact_predicates_inexact_constructions_kernel.h>
#include <CGAL/Image_3.h>
#include <CGAL/Labeled_mesh_domain_3.h>
#include <CGAL/Mesh_complex_3_in_triangulation_3.h>
#include <CGAL/Mesh_criteria_3.h>
#include <CGAL/Mesh_triangulation_3.h>
#include <CGAL/make_mesh_3.h>
#include <CGAL/refine_mesh_3.h>
#include <CGAL/Mesh_3/initialize_triangulation_from_labeled_image.h>

#include <tbb/global_control.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <string>
#include <unordered_map>
#include <vector>

using K           = CGAL::Exact_predicates_inexact_constructions_kernel;
using Mesh_domain = CGAL::Labeled_mesh_domain_3<K>;
using Tr          = CGAL::Mesh_triangulation_3<Mesh_domain, CGAL::Default, CGAL::Parallel_tag>::type;
using C3t3        = CGAL::Mesh_complex_3_in_triangulation_3<Tr>;
using Criteria    = CGAL::Mesh_criteria_3<Tr>;
using Clock       = std::chrono::steady_clock;

static void Usage()
{
  std::fprintf(stderr, "usage: cgal_mesh_write image.inr out.msh [-size mm] [-cell_size mm] [-facet_distance mm]\n"
                       "                        [-affine file] [-threads n]\n"
                       "  -size: facet size and, unless -cell_size, cell size (default 1.0); -facet_distance: default size/2;\n"
                       "  -affine: 12 numbers, the rows of [M | t] taking CGAL's points to the written ones (default identity)\n");
}

// Union-find root with path halving.
static int Root(std::vector<int> &up, int v)
{
  while (up[v] != v) v = up[v] = up[up[v]];
  return v;
}

int main(int argc, char **argv)
{
  if (argc < 3) {
    Usage();
    return 2;
  }
  double      size = 1.0, cell_size = -1, distance = -1, A[12] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0};
  int         threads = 2;
  const char *affine  = nullptr;
  for (int i = 3; i < argc; i++) {
    const std::string opt = argv[i];
    if (i + 1 >= argc) {
      Usage();
      return 2;
    }
    const char *val = argv[++i];
    if (opt == "-size") size = std::atof(val);
    else if (opt == "-cell_size") cell_size = std::atof(val);
    else if (opt == "-facet_distance") distance = std::atof(val);
    else if (opt == "-affine") affine = val;
    else if (opt == "-threads") threads = std::atoi(val);
    else {
      Usage();
      return 2;
    }
  }
  if (cell_size <= 0) cell_size = size;
  if (distance <= 0) distance = 0.5 * size;
  if (affine) {
    FILE *f = std::fopen(affine, "r");
    int   n = 0;
    while (f && n < 12 && std::fscanf(f, "%lf", &A[n]) == 1) n++;
    if (f) std::fclose(f);
    if (n != 12) {
      std::fprintf(stderr, "%s: expected 12 numbers (a 3x4 matrix)\n", affine);
      return 1;
    }
  }
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, (std::size_t)threads);

  const auto    t0 = Clock::now();
  CGAL::Image_3 image;
  if (!image.read(argv[1])) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  Mesh_domain domain = Mesh_domain::create_labeled_image_mesh_domain(image);
  namespace params   = CGAL::parameters;
  Criteria criteria(params::facet_angle = 30, params::facet_size = size, params::facet_distance = distance,
                    params::cell_radius_edge_ratio = 3, params::cell_size = cell_size);
  // make_mesh_3 seeds the surface by shooting random rays and can miss whole pieces (here it
  // finds one kidney of two); CGAL's own remedy, as in its example
  // mesh_3D_image_with_custom_initialization.cpp: one seed per connected component of the image.
  C3t3 c3t3;
  initialize_triangulation_from_labeled_image(c3t3, domain, image, criteria, static_cast<unsigned char>(0));
  CGAL::refine_mesh_3(c3t3, domain, criteria);
  const auto t1   = Clock::now();

  // Number the vertices of the tets in the complex, in the order met.
  std::unordered_map<Tr::Vertex_handle, int, CGAL::Handle_hash_function> index;
  std::vector<Tr::Vertex_handle>                                          vertices;
  const std::size_t                                                       ntets = c3t3.number_of_cells_in_complex();
  std::vector<int32_t>                                                    tets(4 * ntets), label(ntets);
  index.reserve(ntets / 4);
  std::size_t t = 0;
  for (auto c = c3t3.cells_in_complex_begin(); c != c3t3.cells_in_complex_end(); ++c, ++t) {
    for (int k = 0; k < 4; k++) {
      const auto v  = c->vertex(k);
      auto       it = index.find(v);
      if (it == index.end()) {
        it = index.emplace(v, (int)vertices.size()).first;
        vertices.push_back(v);
      }
      tets[4 * t + k] = it->second;
    }
    label[t] = (int32_t)c3t3.subdomain_index(c);
  }
  // Connected parts: tets joined through shared vertices.
  const std::size_t nv = vertices.size();
  std::vector<int>  up(nv);
  std::iota(up.begin(), up.end(), 0);
  for (std::size_t e = 0; e < ntets; e++)
    for (int k = 1; k < 4; k++) {
      const int a = Root(up, tets[4 * e]), b = Root(up, tets[4 * e + k]);
      if (a != b) up[b] = a;
    }
  std::vector<int> part_of_root(nv, 0);
  int              nparts = 0;
  for (std::size_t v = 0; v < nv; v++)
    if (Root(up, (int)v) == (int)v) part_of_root[v] = ++nparts;

  // Gmsh 2.2 binary: nodes as (int id, 3 doubles), tets as one block of (id, physical,
  // elementary, 4 nodes), ids from 1.
  FILE *out = std::fopen(argv[2], "wb");
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", argv[2]);
    return 1;
  }
  const int one = 1;
  std::fprintf(out, "$MeshFormat\n2.2 1 %d\n", (int)sizeof(double));
  std::fwrite(&one, sizeof one, 1, out);
  std::fprintf(out, "\n$EndMeshFormat\n$Nodes\n%zu\n", nv);
  {
    std::vector<char> buf(nv * 28);
    for (std::size_t v = 0; v < nv; v++) {
      const auto   &p = vertices[v]->point().point();
      const double  q[3] = {p.x(), p.y(), p.z()};
      const int32_t id   = (int32_t)(v + 1);
      double        x[3];
      for (int r = 0; r < 3; r++) x[r] = A[4 * r] * q[0] + A[4 * r + 1] * q[1] + A[4 * r + 2] * q[2] + A[4 * r + 3];
      std::memcpy(&buf[28 * v], &id, 4);
      std::memcpy(&buf[28 * v + 4], x, 24);
    }
    std::fwrite(buf.data(), 1, buf.size(), out);
  }
  std::fprintf(out, "\n$EndNodes\n$Elements\n%zu\n", ntets);
  {
    const int32_t     head[3] = {4, (int32_t)ntets, 2}; // tets, how many, 2 tags
    std::vector<int32_t> rec(7 * ntets);
    for (std::size_t e = 0; e < ntets; e++) {
      rec[7 * e]     = (int32_t)(e + 1);
      rec[7 * e + 1] = label[e];
      rec[7 * e + 2] = part_of_root[Root(up, tets[4 * e])];
      for (int k = 0; k < 4; k++) rec[7 * e + 3 + k] = tets[4 * e + k] + 1;
    }
    std::fwrite(head, sizeof head, 1, out);
    std::fwrite(rec.data(), sizeof(int32_t), rec.size(), out);
  }
  std::fprintf(out, "\n$EndElements\n");
  if (std::fclose(out) != 0) {
    std::fprintf(stderr, "cannot write %s\n", argv[2]);
    return 1;
  }
  const auto t2 = Clock::now();
  std::printf("cgal: %zu tets, %zu vertices, %d connected parts; facet size %g mm, distance %g mm, cell size %g mm, "
              "%d threads; read+mesh %.2f s, write %.2f s\n",
              ntets, nv, nparts, size, distance, cell_size, threads, std::chrono::duration<double>(t1 - t0).count(),
              std::chrono::duration<double>(t2 - t1).count());
  return 0;
}
