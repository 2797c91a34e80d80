// two_conv_stream.h: a hand-built command stream of two 3x3 convolutions, for replay tests.
//
// Graph: x [1,4,8,8] -> conv1 (8 channels, ReLU) -> conv1_out [1,8,8,8] -> conv2 (4
// channels) -> conv2_out [1,4,8,8], the network output. Each conv runs as two tiles of four
// output rows. Hardware: 16 KiB buffer, 1-byte elements, 1 byte per cycle of DRAM bandwidth
// (so a transfer of B bytes takes B cycles), two DMA queues.
//
// Queues (index: command):
//   queue 0 (compute): 0 Wait{1,2}  1 conv1 rows 0-4  2 conv1 rows 4-8  3 Wait{1,3}
//                      4 conv2 rows 0-4  5 conv2 rows 4-8
//   queue 1 (loads):   0 x  1 conv1_w  2 conv2_w
//   queue 2 (stores):  0 Wait{0,3}  1 conv2_out rows 0-4  2 Wait{0,4}  3 conv2_out rows 4-8
// Buffer regions (bytes): x [0,256), conv1_w [256,544), conv2_w [576,864),
// conv1_out [896,1408), conv2_out [1408,1664).
//
// With `intermediate_in_dram`, conv1_out also goes through DRAM: queue 2 stores each conv1
// tile after it is computed (0 Wait{0,1}  1 store rows 0-4  2 Wait{0,2}  3 store rows 4-8,
// then the conv2_out stores as above from index 4), queue 1 reloads the whole map into
// [1664,2176) after 3 Wait{2,2}  4 load conv1_out, and queue 0 waits for 4 loads (command 3
// becomes Wait{1,5}) and reads conv2's input from the reloaded copy.
//
// With `split_conv2_channels`, each conv2 tile runs as two partial sums over input channels
// [0,4) and [4,8). Queue 0 then ends with 4 conv2 rows 0-4 channels 0-4 (not final)
// 5 the same for channels 4-8 (accumulating, final)  6, 7 likewise for rows 4-8. The stores
// wait for 4 and 6 compute commands.
#ifndef SOMA_TESTS_REPLAY_TWO_CONV_STREAM_H_
#define SOMA_TESTS_REPLAY_TWO_CONV_STREAM_H_

#include <cstdint>

#include "arch/arch_config.h"
#include "graph/layer_graph.h"
#include "soma/command_stream.pb.h"

namespace soma::testing {

inline constexpr int kComputeQueue = 0;
inline constexpr int kLoadQueue = 1;
inline constexpr int kStoreQueue = 2;

/// Tensor ids of the two-conv graph.
inline constexpr int kInputTensor = 0;
inline constexpr int kConv1WeightTensor = 1;
inline constexpr int kConv1OutputTensor = 2;
inline constexpr int kConv2WeightTensor = 3;
inline constexpr int kOutputTensor = 4;

struct TwoConvOptions {
  bool intermediate_in_dram = false;
  bool split_conv2_channels = false;
};

/// The small hardware the stream runs on.
arch::ArchConfig TwoConvHardware();
/// The two-conv LayerGraph with seeded weights.
graph::LayerGraph TwoConvGraph();

/// The stream described above, with every command's cycles from the cost model and, with
/// default options, the estimate set to TwoConvLatencyCycles.
stream::CommandStream MakeTwoConvStream(const TwoConvOptions& options = {});

/// The latency of the stream without `intermediate_in_dram`, derived by hand from the queue
/// diagram above and the cost model's durations.
int64_t TwoConvLatencyCycles();

}  // namespace soma::testing

#endif  // SOMA_TESTS_REPLAY_TWO_CONV_STREAM_H_
