// two_conv_fixture.h: a hand-built two-layer conv chain with its Program and allocation, so
// codegen tests do not depend on the scheduler or the allocator.
//
// Graph (GraphBuilder ids): t0 input [1,4,8,8], t1 conv1 weight [8,4,3,3], t2 conv1 output
// [1,8,8,8], t3 conv2 weight [8,8,3,3], t4 conv2 output [1,8,8,8] (the network output).
// One layer group, two tiles along H. conv1 tile 1 reads the halo box rows [2, 8) of t0;
// conv2 writes both tiles into one full-map residency, stored in two halves.
//
// Hardware: 4096-byte buffer, 64-byte alignment, 2 DMA queues, 2-byte activations and
// 1-byte weights (different sizes, so a missing element-size factor shows).
//
// Residencies and offsets (bytes):
//   R0 weight t1 full       288 -> 320 at 0       R4 tile t2 rows [0,5)   640 at 1664
//   R1 input  t0 rows [0,6) 384        at 320     R5 tile t2 rows [3,8)   640 at 2304
//   R2 weight t3 full       576        at 704     R6 full map t4         1024 at 2944
//   R3 input  t0 rows [2,8) 384        at 1280
// DMA queue 0 (stream queue 1): T0 load t1, T1 load t0 tile 0, T2 load t3, T3 load t0 tile 1.
// DMA queue 1 (stream queue 2): T4 store t4 rows [0,4), T5 store t4 rows [4,8).
#ifndef SOMA_TESTS_CODEGEN_TWO_CONV_FIXTURE_H_
#define SOMA_TESTS_CODEGEN_TWO_CONV_FIXTURE_H_

#include "alloc/buffer_allocation.h"
#include "arch/arch_config.h"
#include "graph/layer_graph.h"
#include "schedule/program.h"

namespace soma::codegen::testing {

struct TwoConvFixture {
  graph::LayerGraph graph;
  schedule::Program program;
  alloc::BufferAllocation allocation;
  arch::ArchConfig config;
};

/// A small hardware configuration with round numbers (see the file comment).
arch::ArchConfig MakeTestConfig();
/// The graph, Program, allocation and hardware described in the file comment.
TwoConvFixture MakeTwoConvFixture();

}  // namespace soma::codegen::testing

#endif  // SOMA_TESTS_CODEGEN_TWO_CONV_FIXTURE_H_
