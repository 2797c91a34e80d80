// randwire_model.cc: RandWire-WS in the small computation regime (randwire-small).
//
// The network of Xie et al. 2019, table 1, small regime, with C = 78:
//   conv1  3x3 conv, stride 2, C/2 channels, BatchNormalization        224 -> 112
//   conv2  Relu, 3x3 conv, stride 2, C channels, BatchNormalization    112 -> 56
//   conv3  random stage, WS(32, 4, 0.75), C channels                    56 -> 28
//   conv4  random stage, WS(32, 4, 0.75), 2C channels                   28 -> 14
//   conv5  random stage, WS(32, 4, 0.75), 4C channels                   14 -> 7
//   head   Relu, 1x1 conv to 1280 channels, BatchNormalization, GlobalAveragePool, Gemm 1000
// Each stage draws its own graph from one std::mt19937_64 seeded with the model seed, in
// stage order (watts_strogatz.h). A node aggregates its inputs, then applies Relu, a
// separable 3x3 convolution (depthwise 3x3, then pointwise 1x1) and BatchNormalization, and
// sends the result along every outgoing edge. The stage's input nodes (no predecessors) read
// the stage input with a stride-2 depthwise convolution that also changes the channel count
// in its pointwise half.
//
// Simplifications, each exact for the cost of the schedule but not for trained accuracy:
//   - the aggregation is a plain Add (a Sum for three or more inputs) instead of the
//     paper's sum weighted by sigmoid(w) of learned edge weights;
//   - the stage output is the Add (or Sum) of the output nodes instead of their average;
//   - a Relu that several single-input nodes apply to the same value is one Relu node whose
//     output they share (the values are equal);
//   - no drop-path or dropout (inference).
// The MAC count depends on the drawn graphs only through the input nodes, whose pointwise
// convolution reads fewer channels in stages 4 and 5. Seeds 1 to 5 give 574, 589, 576, 591
// and 579 M MACs per image (573,807,956 for seed 1); the paper reports 583 +- 6.2 M
// multiply-adds for RandWire-WS with C = 78 over its random seeds.
#include <map>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "model_builder/benchmark_models.h"
#include "model_builder/watts_strogatz.h"

namespace soma::model_builder {

namespace {

constexpr int64_t kImageChannels = 3;
constexpr int64_t kDefaultInputSize = 224;
constexpr int64_t kBaseChannels = 78;
constexpr int64_t kHeadChannels = 1280;
constexpr int64_t kClasses = 1000;
constexpr int kStageCount = 3;
constexpr int kNodesPerStage = 32;
constexpr int kNeighbours = 4;
constexpr double kRewireProbability = 0.75;

// Builds the stages' nodes, sharing one Relu per value that single-input nodes read.
class StageWriter {
 public:
  explicit StageWriter(NetworkBuilder& net) : net_(net) {}

  // Relu of `value`, created on first use under the name `owner`/out_relu.
  std::string SharedRelu(const std::string& owner, const std::string& value) {
    auto found = relu_of_.find(value);
    if (found != relu_of_.end()) return found->second;
    const std::string relu = net_.Relu(owner + "/out_relu", value);
    relu_of_.emplace(value, relu);
    return relu;
  }

  // The separable convolution and BatchNormalization of node `prefix` over `activated`,
  // the node's input after its Relu.
  std::string Transform(const std::string& prefix, const std::string& activated,
                        int64_t channels, int64_t stride) {
    const int64_t in_channels = net_.ShapeOf(activated).channels;
    std::string x = net_.Conv(prefix + "/dwconv", activated,
                              {.out_channels = in_channels, .kernel_h = 3, .kernel_w = 3,
                               .stride = stride, .pad_h = 1, .pad_w = 1,
                               .groups = in_channels});
    x = net_.Conv(prefix + "/pwconv", x, {.out_channels = channels});
    return net_.BatchNorm(prefix + "/bn", x);
  }

  // One random stage over `input` (produced by the node named `input_owner`).
  std::string Stage(const std::string& stage_name, const std::string& input_owner,
                    const std::string& input, const RandomDag& dag, int64_t channels) {
    std::vector<std::string> outputs(dag.node_count());
    for (int node = 0; node < dag.node_count(); ++node) {
      const std::string prefix = absl::StrFormat("%s/node%02d", stage_name, node);
      const std::vector<int>& predecessors = dag.predecessors[node];
      std::string activated;
      int64_t stride = 1;
      if (predecessors.empty()) {
        activated = SharedRelu(input_owner, input);
        stride = 2;
      } else if (predecessors.size() == 1) {
        const int source = predecessors.front();
        activated = SharedRelu(absl::StrFormat("%s/node%02d", stage_name, source), outputs[source]);
      } else {
        std::vector<std::string> operands;
        for (int source : predecessors) operands.push_back(outputs[source]);
        activated = net_.Relu(prefix + "/sum_relu", net_.Add(prefix + "/sum", operands));
      }
      outputs[node] = Transform(prefix, activated, channels, stride);
    }
    const std::vector<int> output_nodes = dag.OutputNodes();
    if (output_nodes.size() == 1) return outputs[output_nodes.front()];
    std::vector<std::string> operands;
    for (int node : output_nodes) operands.push_back(outputs[node]);
    return net_.Add(stage_name + "/output", operands);
  }

 private:
  NetworkBuilder& net_;
  std::map<std::string, std::string> relu_of_;
};

}  // namespace

absl::StatusOr<BuiltModel> BuildRandWireSmall(const BenchmarkModelOptions& options) {
  const int64_t input_size = options.input_size.value_or(kDefaultInputSize);
  NetworkBuilder net("randwire_small", /*opset=*/13, options.weights, options.seed,
                     options.batch);
  StageWriter writer(net);
  std::string x = net.Input("input", {kImageChannels, input_size, input_size});

  // conv1 and conv2: 224 -> 112 -> 56.
  x = net.Conv("conv1", x,
               {.out_channels = kBaseChannels / 2, .kernel_h = 3, .kernel_w = 3, .stride = 2,
                .pad_h = 1, .pad_w = 1});
  x = net.BatchNorm("conv1/bn", x);
  x = net.Relu("conv2/relu", x);
  x = net.Conv("conv2", x,
               {.out_channels = kBaseChannels, .kernel_h = 3, .kernel_w = 3, .stride = 2,
                .pad_h = 1, .pad_w = 1});
  x = net.BatchNorm("conv2/bn", x);

  // conv3 .. conv5: random stages, channels doubling.
  std::mt19937_64 engine(options.seed);
  std::string owner = "conv2";
  int64_t channels = kBaseChannels;
  for (int stage = 0; stage < kStageCount; ++stage) {
    const RandomDag dag = WattsStrogatzDag(kNodesPerStage, kNeighbours, kRewireProbability, engine);
    const std::string stage_name = absl::StrCat("conv", stage + 3);
    x = writer.Stage(stage_name, owner, x, dag, channels);
    owner = stage_name;
    channels *= 2;
  }

  // Head: Relu, 1x1 convolution to 1280 channels, BatchNormalization, pooling, classifier.
  x = writer.SharedRelu(owner, x);
  x = net.Conv("head/conv", x, {.out_channels = kHeadChannels});
  x = net.BatchNorm("head/bn", x);
  x = net.GlobalAveragePool("head/avgpool", x);
  x = net.FlattenGemm("fc", x, kClasses);
  net.Output(x);
  return net.Finish();
}

}  // namespace soma::model_builder
