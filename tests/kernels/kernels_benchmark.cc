// kernels_benchmark.cc: measures the conv and fully connected kernels in GMAC/s.
//
// Usage: kernels_benchmark [THREADS]. Prints one line per case for 1 thread and for THREADS
// (default std::thread::hardware_concurrency()) threads; each kernel figure is the best of 3
// runs. The last line times ExecuteReference on VGG-19 (19.6 GMAC, 575 MB of weights) once.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "graph/layer_graph.h"
#include "kernels/kernels.h"
#include "kernels/reference_executor.h"
#include "util/graph_builder.h"

namespace soma::kernels {
namespace {

using ::soma::testing::ConvOptions;
using ::soma::testing::GraphBuilder;

constexpr int kRepetitions = 3;

// Runs layer 0 of `graph` whole on an input of ones and returns the best time in seconds.
double BestSeconds(const graph::LayerGraph& graph, int thread_count) {
  const graph::Layer& layer = graph.layer(0);
  const graph::Tensor& input = graph.tensor(layer.inputs[0]);
  const graph::Tensor& weight = graph.tensor(*layer.weight);
  const graph::Tensor& output = graph.tensor(layer.output);
  std::vector<float> input_values(input.ElementCount(), 1.0f);
  std::vector<float> output_values(output.ElementCount());
  KernelCall call;
  call.layer = 0;
  call.thread_count = thread_count;
  call.inputs = {
      {input_values.data(), graph::Box::Full(input.shape), graph::Box::Full(input.shape)}};
  call.weight = {weight.constant->values.data(), graph::Box::Full(weight.shape),
                 graph::Box::Full(weight.shape)};
  call.output_box = graph::Box::Full(output.shape);
  call.output = {output_values.data(), call.output_box};
  double best = std::numeric_limits<double>::infinity();
  for (int repetition = 0; repetition < kRepetitions; ++repetition) {
    const auto start = std::chrono::steady_clock::now();
    const absl::Status status = RunKernel(graph, call);
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    if (!status.ok()) {
      std::fprintf(stderr, "kernel failed: %s\n", std::string(status.message()).c_str());
      std::exit(1);
    }
    best = std::min(best, elapsed.count());
  }
  return best;
}

void Report(const char* name, const graph::LayerGraph& graph, int threads) {
  const double gmacs = static_cast<double>(graph::LayerMacCount(graph, 0)) * 1e-9;
  for (int count : {1, threads}) {
    const double seconds = BestSeconds(graph, count);
    std::printf("%-34s %d thread(s): %7.3f GMAC in %8.4f s = %6.2f GMAC/s\n", name, count, gmacs,
                seconds, gmacs / seconds);
  }
}

// Times one ExecuteReference run of VGG-19 with `threads` kernel threads.
void ReportVgg19(int threads) {
  GraphBuilder builder;
  const graph::TensorId image = builder.Input("image", {1, 3, 224, 224});
  graph::TensorId x = image;
  const int64_t stages[5][2] = {{64, 2}, {128, 2}, {256, 4}, {512, 4}, {512, 4}};
  for (int stage = 0; stage < 5; ++stage) {
    for (int64_t conv = 0; conv < stages[stage][1]; ++conv) {
      x = builder.Conv("conv" + std::to_string(stage) + "_" + std::to_string(conv), x,
                       stages[stage][0]);
    }
    x = builder.MaxPool("pool" + std::to_string(stage), x, 2, 2);
  }
  x = builder.FullyConnected("fc6", x, 4096, /*relu=*/true);
  x = builder.FullyConnected("fc7", x, 4096, /*relu=*/true);
  builder.Output(builder.Softmax("prob", builder.FullyConnected("fc8", x, 1000)));
  const graph::LayerGraph graph = builder.Build();

  const auto start = std::chrono::steady_clock::now();
  auto outputs = ExecuteReference(graph, {{image, std::vector<float>(3 * 224 * 224, 0.5f)}},
                                  ReferenceOptions{.thread_count = threads});
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  if (!outputs.ok()) {
    std::fprintf(stderr, "VGG-19 failed: %s\n", std::string(outputs.status().message()).c_str());
    std::exit(1);
  }
  const double gmacs = static_cast<double>(graph.MacCount()) * 1e-9;
  std::printf("%-34s %d thread(s): %7.3f GMAC in %8.4f s = %6.2f GMAC/s\n",
              "ExecuteReference VGG-19", threads, gmacs, elapsed.count(), gmacs / elapsed.count());
}

void RunAll(int threads) {
  {
    GraphBuilder builder;
    const auto x = builder.Input("x", {1, 64, 56, 56});
    builder.Output(builder.Conv("conv", x, 64, ConvOptions{.kernel = 3, .pad = 1}));
    Report("conv 3x3 64->64 at 56x56", builder.Build(), threads);
  }
  {
    GraphBuilder builder;
    const auto x = builder.Input("x", {1, 512, 14, 14});
    builder.Output(builder.Conv("conv", x, 512, ConvOptions{.kernel = 3, .pad = 1}));
    Report("conv 3x3 512->512 at 14x14", builder.Build(), threads);
  }
  {
    GraphBuilder builder;
    const auto x = builder.Input("x", {1, 3, 224, 224});
    builder.Output(builder.Conv("conv", x, 64, ConvOptions{.kernel = 7, .stride = 2, .pad = 3}));
    Report("conv 7x7/2 3->64 at 224x224", builder.Build(), threads);
  }
  {
    GraphBuilder builder;
    const auto x = builder.Input("x", {1, 256, 56, 56});
    builder.Output(builder.Conv("conv", x, 64, ConvOptions{.kernel = 1, .pad = 0}));
    Report("conv 1x1 256->64 at 56x56", builder.Build(), threads);
  }
  {
    GraphBuilder builder;
    const auto x = builder.Input("x", {1, 144, 56, 56});
    builder.Output(builder.Conv("dw", x, 144, ConvOptions{.kernel = 3, .pad = 1, .groups = 144}));
    Report("depthwise 3x3 144 at 56x56", builder.Build(), threads);
  }
  {
    GraphBuilder builder;
    const auto x = builder.Input("x", {1, 512, 7, 7});
    builder.Output(builder.FullyConnected("fc", x, 4096));
    Report("fc 25088->4096", builder.Build(), threads);
  }
  ReportVgg19(threads);
}

}  // namespace
}  // namespace soma::kernels

int main(int argc, char** argv) {
  const int threads = argc > 1
                          ? std::atoi(argv[1])
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  soma::kernels::RunAll(threads);
  return 0;
}
