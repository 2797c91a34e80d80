// tiling_model.h: everything about a schedule that the FusionPlan alone determines.
//
// Building a TilingModel runs Steps A-D of the SoMa parsing method once per FusionPlan:
// tile boxes (cut and back-calculation), compute positions, buffer residencies, DRAM
// transfers with their default lifetimes, per-tile costs, and the static dependencies.
// The Evaluator then prices any DramPlan against the model without touching the graph or
// the cost functions, so a search can change DRAM timing hundreds of thousands of times
// per FusionPlan.
#ifndef SOMA_SCHEDULE_TILING_MODEL_H_
#define SOMA_SCHEDULE_TILING_MODEL_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "graph/layer_graph.h"
#include "schedule/cost_functions.h"
#include "schedule/notation.h"
#include "schedule/plan_layout.h"
#include "schedule/program.h"

namespace soma::schedule {

/// A buffer residency as the model lays it out.
struct ResidencyInfo {
  ResidencyKind kind = ResidencyKind::kTileOutput;
  graph::TensorId tensor = -1;
  graph::Box box;
  /// Aligned bytes.
  int64_t bytes = 0;
  /// The layer whose tile it serves: the producer for kTileOutput and kFullMap, the
  /// consumer for kLoadedInput and kWeight.
  graph::LayerId layer = -1;
  int tile = 0;
  /// Transfer whose lifetime the residency takes (its load, or the store of a tile
  /// output), or -1 when it never touches DRAM. A load split into chunks fills the
  /// residency with the transfers [transfer, transfer + transfer_count).
  int transfer = -1;
  int transfer_count = 1;
  /// The lifetime of an on-chip residency. For a stored tile output, the lifetime its
  /// writers and same-SLG readers need; the residency then lives
  /// [fixed_lifetime.start, max(store end, fixed_lifetime.end)].
  Lifetime fixed_lifetime;
};

/// A compute operand as the model lays it out.
struct OperandInfo {
  int residency = -1;
  graph::TensorId tensor = -1;
  graph::Box box;
};

/// A compute tile as the model lays it out; indexed by position.
struct ComputeInfo {
  graph::LayerId layer = -1;
  int tile = 0;
  int group = 0;
  int subgroup = 0;
  graph::Box output_box;
  /// Operands [first_operand, first_operand + input_count) are the layer's inputs in
  /// Layer::inputs order; the weight operand follows when `has_weight`.
  int first_operand = 0;
  int input_count = 0;
  bool has_weight = false;
  /// Residencies the result is written into; -1 marks an unused slot.
  std::array<int, 2> output_residencies{-1, -1};
  bool accumulate = false;
  bool final_partial = true;
  int64_t cycles = 0;
  double energy_pj = 0;
};

/// A DRAM transfer as the model lays it out; indexed by transfer id.
struct TransferInfo {
  TransferKey key;
  TransferDirection direction = TransferDirection::kLoad;
  /// Buffer side.
  int residency = -1;
  /// DRAM side: `box` of `tensor`.
  graph::TensorId tensor = -1;
  graph::Box box;
  int64_t bytes = 0;
  int64_t cycles = 0;
  double energy_pj = 0;
  int group = 0;
  /// Number of chunks of the load this transfer belongs to (1 for a load moved whole and
  /// for stores); TransferKey::chunk is its index.
  int chunk_count = 1;
  /// Loads: the first and last position that read the residency. Stores: the position
  /// where the residency begins (the first partial sum) and the position of the compute
  /// tile that completes the stored box. A store's lifetime starts at the latter.
  int first_position = 0;
  int last_position = 0;
  Lifetime default_lifetime;
};

class TilingModel;

/// Residency bytes live at each position -1 .. N-1 of `model` under `plan` (index
/// position + 1).
/// Requires: `plan` has one lifetime per transfer of `model`.
std::vector<int64_t> LiveBytesByPosition(const TilingModel& model, const DramPlan& plan);

/// Options of TilingModel::Build.
struct TilingOptions {
  /// When false, no tile or DMA cost is computed (cycles and energy stay 0): enough to
  /// measure buffer footprints, and much cheaper.
  bool with_costs = true;
  /// When true the plan may schedule only some layers (see LayOutPlan). The others count
  /// as scheduled elsewhere, so the plan loads what they produce and stores what they read.
  bool allow_layer_subset = false;
  /// When positive, a weight load of more bytes is split along output channels into
  /// chunks of at most this many bytes (and at most one chunk per output channel, with
  /// equal channel counts except the last). Each chunk is a transfer with its own place in
  /// the queue order, DMA queue and lifetime; the residency lives from the earliest
  /// chunk's start to the latest chunk's end, and its compute tiles wait for every chunk.
  /// The chunks' boxes partition the residency's box.
  int64_t dma_chunk_bytes = 0;
};

class TilingModel {
 public:
  /// Builds the model of `plan`. Errors (InvalidArgument) name the broken rule: those of
  /// LayOutPlan, `tile count too large` for a cut that leaves a tile empty, and a tile
  /// that reads an empty box of an input.
  /// Requires: `graph` passes LayerGraph::Verify and outlives the model.
  static absl::StatusOr<TilingModel> Build(const graph::LayerGraph& graph,
                                           const FusionPlan& plan, const CostFunctions& costs,
                                           TileCostCache* cache = nullptr,
                                           const TilingOptions& options = {});

  const graph::LayerGraph& graph() const { return *graph_; }
  /// The plan with empty split vectors filled with 1.
  const FusionPlan& plan() const { return layout_.plan; }
  const TilingOptions& options() const { return options_; }
  const PlanLayout& layout() const { return layout_; }
  int position_count() const { return layout_.position_count; }
  int dma_queue_count() const { return dma_queue_count_; }
  int transfer_count() const { return static_cast<int>(transfers_.size()); }

  const std::vector<ResidencyInfo>& residencies() const { return residencies_; }
  const std::vector<ComputeInfo>& compute() const { return compute_; }
  const std::vector<TransferInfo>& transfers() const { return transfers_; }
  const std::vector<OperandInfo>& operands() const { return operands_; }

  /// Loads (transfer ids: weights and loaded inputs) the compute tile at `position` reads.
  absl::Span<const int> LoadsOf(int position) const {
    return absl::MakeConstSpan(load_ids_).subspan(
        load_offsets_[position], load_offsets_[position + 1] - load_offsets_[position]);
  }
  /// Stores of an earlier LG whose boxes overlap the box of load `transfer` (the data
  /// dependencies that rule RV2 checks); empty for other transfers.
  absl::Span<const int> StoresReadBy(int transfer) const {
    return absl::MakeConstSpan(dependency_ids_)
        .subspan(dependency_offsets_[transfer],
                 dependency_offsets_[transfer + 1] - dependency_offsets_[transfer]);
  }

  /// Lifetime of `residency` under `plan`: the fixed lifetime of an on-chip residency, the
  /// planned lifetime of a load (from its earliest chunk's start to its latest chunk's
  /// end), and for a stored tile output its writers' and readers' lifetime extended to the
  /// store's planned end.
  Lifetime ResidencyLifetime(const DramPlan& plan, int residency) const {
    const ResidencyInfo& info = residencies_[residency];
    if (info.transfer < 0) return info.fixed_lifetime;
    Lifetime planned = plan.lifetimes[info.transfer];
    for (int chunk = 1; chunk < info.transfer_count; ++chunk) {
      const Lifetime& other = plan.lifetimes[info.transfer + chunk];
      if (other.start < planned.start) planned.start = other.start;
      if (other.end > planned.end) planned.end = other.end;
    }
    if (info.kind != ResidencyKind::kTileOutput) return planned;
    return {info.fixed_lifetime.start,
            planned.end > info.fixed_lifetime.end ? planned.end : info.fixed_lifetime.end};
  }

  /// Totals that no DramPlan changes.
  double compute_energy_pj() const { return compute_energy_pj_; }
  double dma_energy_pj() const { return dma_energy_pj_; }
  int64_t dram_bytes() const { return dram_bytes_; }
  int64_t total_compute_cycles() const { return total_compute_cycles_; }
  int64_t total_dma_cycles() const { return total_dma_cycles_; }

  /// Returns the Stage-1 DRAM timing (SoMa Step E) with the default lifetimes. Transfers
  /// are sorted by start, weights first on ties, then by end, then loads before stores,
  /// then by id. With one DMA queue every transfer is on queue 0. With more, loads go to
  /// queue 0 and stores to queue 1, and the other queues stay unused.
  DramPlan DefaultDramPlan() const;

  /// Names a transfer for messages, e.g. "load of 'conv2' tile 0 input 1".
  std::string DescribeTransfer(int transfer) const;
  /// Names a residency for messages, with its tensor, box and bytes.
  std::string DescribeResidency(int residency) const;
  /// Names a position for messages, e.g. "position 7 (layer 'conv1' tile 3)".
  std::string DescribePosition(int position) const;

 private:
  friend class TilingModelBuilder;
  TilingModel() = default;

  const graph::LayerGraph* graph_ = nullptr;
  PlanLayout layout_;
  TilingOptions options_;
  int dma_queue_count_ = 1;
  std::vector<ResidencyInfo> residencies_;
  std::vector<ComputeInfo> compute_;
  std::vector<TransferInfo> transfers_;
  std::vector<OperandInfo> operands_;
  std::vector<int> load_offsets_;
  std::vector<int> load_ids_;
  std::vector<int> dependency_offsets_;
  std::vector<int> dependency_ids_;
  double compute_energy_pj_ = 0;
  double dma_energy_pj_ = 0;
  int64_t dram_bytes_ = 0;
  int64_t total_compute_cycles_ = 0;
  int64_t total_dma_cycles_ = 0;
};

}  // namespace soma::schedule

#endif  // SOMA_SCHEDULE_TILING_MODEL_H_
