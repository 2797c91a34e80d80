// program_builder.cc: Program materialisation and the minimal waits of every operation.
#include "schedule/program_builder.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "schedule/evaluator.h"
#include "soma/status_macros.h"

namespace soma::schedule {

namespace {

const std::string& LayerOrigin(const graph::Layer& layer) {
  return layer.origins.empty() ? layer.name : layer.origins.front();
}

// The ONNX node a residency's data belongs to: the producer's, or for weights, constants
// and network inputs the consuming layer's.
std::string ResidencyOrigin(const graph::LayerGraph& graph, const ResidencyInfo& info) {
  if (info.kind == ResidencyKind::kLoadedInput) {
    const auto& producer = graph.tensor(info.tensor).producer;
    if (producer) return LayerOrigin(graph.layer(*producer));
  }
  return LayerOrigin(graph.layer(info.layer));
}

// Reduces the waits of every operation with vector clocks. Clock queue 0 is the compute
// queue and 1 + q is DMA queue q. Entry k of an operation's clock is the highest index on
// queue k known to have finished when the operation finishes.
class WaitReducer {
 public:
  WaitReducer(const TilingModel& model, const Evaluator& evaluator, const DramPlan& plan)
      : model_(model),
        evaluator_(evaluator),
        plan_(plan),
        positions_(model.position_count()),
        queue_count_(model.dma_queue_count() + 1),
        clocks_(static_cast<size_t>(positions_ + model.transfer_count()) * queue_count_, -1),
        queue_clock_(static_cast<size_t>(queue_count_) * queue_count_, -1) {}

  void Run(Program* program) {
    program->compute_waits.assign(positions_, {});
    program->transfer_waits.assign(model_.transfer_count(), {});
    for (int op : evaluator_.completion_order()) {
      candidates_.assign(queue_count_, -1);
      if (op < positions_) {
        AddComputeCandidates(op);
        Reduce(op, 0, op, &program->compute_waits[op]);
      } else {
        const int transfer = op - positions_;
        AddTransferCandidates(transfer);
        Reduce(op, 1 + plan_.queue_of[transfer], evaluator_.QueueIndexOf(transfer),
               &program->transfer_waits[transfer]);
      }
    }
  }

 private:
  void Candidate(int clock_queue, int index) {
    if (index >= 0) candidates_[clock_queue] = std::max(candidates_[clock_queue], index);
  }

  void AddStoreCandidates(int position) {
    for (int queue = 0; queue + 1 < queue_count_; ++queue) {
      Candidate(1 + queue, evaluator_.LatestStoreEndingBy(queue, position));
    }
  }

  void AddComputeCandidates(int position) {
    for (int load : model_.LoadsOf(position)) {
      Candidate(1 + plan_.queue_of[load], evaluator_.QueueIndexOf(load));
    }
    AddStoreCandidates(position);
  }

  void AddTransferCandidates(int transfer) {
    const TransferInfo& info = model_.transfers()[transfer];
    if (info.direction == TransferDirection::kStore) {
      Candidate(0, info.last_position);
      return;
    }
    const int start = plan_.lifetimes[transfer].start;
    if (start >= 1) Candidate(0, start - 1);
    AddStoreCandidates(start);
  }

  // Operation id (position, or positions + transfer) at `index` of clock queue `queue`.
  int OpAt(int queue, int index) const {
    if (queue == 0) return index;
    return positions_ + evaluator_.QueueTransfers(queue - 1)[index];
  }
  const int* ClockOf(int op) const { return &clocks_[static_cast<size_t>(op) * queue_count_]; }

  void Reduce(int op, int own_queue, int own_index, std::vector<OpRef>* waits) {
    int* clock = &clocks_[static_cast<size_t>(op) * queue_count_];
    const int* previous = &queue_clock_[static_cast<size_t>(own_queue) * queue_count_];
    std::copy(previous, previous + queue_count_, clock);
    candidates_[own_queue] = -1;
    for (int queue = 0; queue < queue_count_; ++queue) {
      const int index = candidates_[queue];
      if (index < 0) continue;
      bool implied = previous[queue] >= index;
      for (int other = 0; !implied && other < queue_count_; ++other) {
        if (other == queue || candidates_[other] < 0) continue;
        implied = ClockOf(OpAt(other, candidates_[other]))[queue] >= index;
      }
      if (implied) continue;
      const int awaited = OpAt(queue, index);
      waits->push_back(awaited < positions_ ? OpRef{OpRef::Kind::kCompute, awaited}
                                            : OpRef{OpRef::Kind::kTransfer, awaited - positions_});
      const int* awaited_clock = ClockOf(awaited);
      for (int k = 0; k < queue_count_; ++k) clock[k] = std::max(clock[k], awaited_clock[k]);
    }
    clock[own_queue] = own_index;
    std::copy(clock, clock + queue_count_,
              &queue_clock_[static_cast<size_t>(own_queue) * queue_count_]);
  }

  const TilingModel& model_;
  const Evaluator& evaluator_;
  const DramPlan& plan_;
  int positions_;
  int queue_count_;
  std::vector<int> clocks_;
  std::vector<int> queue_clock_;
  std::vector<int> candidates_;
};

void FillOperations(const TilingModel& model, const DramPlan& plan, Program* program) {
  const graph::LayerGraph& graph = model.graph();
  for (int residency = 0; residency < static_cast<int>(model.residencies().size()); ++residency) {
    const ResidencyInfo& info = model.residencies()[residency];
    Residency out;
    out.kind = info.kind;
    out.tensor = info.tensor;
    out.box = info.box;
    out.bytes = info.bytes;
    out.lifetime = model.ResidencyLifetime(plan, residency);
    out.origin = ResidencyOrigin(graph, info);
    program->residencies.push_back(std::move(out));
  }
  const std::vector<OperandInfo>& operands = model.operands();
  for (int position = 0; position < model.position_count(); ++position) {
    const ComputeInfo& info = model.compute()[position];
    ComputeOp op;
    op.position = position;
    op.layer = info.layer;
    op.tile = info.tile;
    op.group = info.group;
    op.subgroup = info.subgroup;
    op.output_box = info.output_box;
    for (int residency : info.output_residencies) {
      if (residency >= 0) op.output_residencies.push_back(residency);
    }
    for (int input = 0; input < info.input_count; ++input) {
      const OperandInfo& operand = operands[info.first_operand + input];
      op.inputs.push_back({operand.residency, operand.tensor, operand.box});
    }
    if (info.has_weight) {
      const OperandInfo& operand = operands[info.first_operand + info.input_count];
      op.weight = Operand{operand.residency, operand.tensor, operand.box};
    }
    op.accumulate = info.accumulate;
    op.final_partial = info.final_partial;
    op.cycles = info.cycles;
    op.energy_pj = info.energy_pj;
    program->compute_ops.push_back(std::move(op));
  }
  for (int transfer = 0; transfer < model.transfer_count(); ++transfer) {
    const TransferInfo& info = model.transfers()[transfer];
    TransferOp op;
    op.key = info.key;
    op.direction = info.direction;
    op.residency = info.residency;
    op.tensor = info.tensor;
    op.box = info.box;
    op.bytes = info.bytes;
    op.queue = plan.queue_of[transfer];
    op.cycles = info.cycles;
    op.energy_pj = info.energy_pj;
    program->transfers.push_back(std::move(op));
  }
}

}  // namespace

absl::StatusOr<Program> BuildProgram(const TilingModel& model, const DramPlan& plan,
                                     int64_t capacity_bytes, const std::string& strategy) {
  // Step 1: evaluate; a violated rule is the result.
  Evaluator evaluator(model);
  ASSIGN_OR_RETURN(const Metrics metrics, evaluator.EvaluateOrError(plan, capacity_bytes));

  // Step 2: the operations and their residencies.
  Program program;
  program.schedule.strategy = strategy;
  program.schedule.fusion = model.plan();
  program.schedule.dma_chunk_bytes = model.options().dma_chunk_bytes;
  program.schedule.dram = plan;
  FillOperations(model, plan, &program);

  // Step 3: queues, timings and the minimal waits.
  for (int queue = 0; queue < model.dma_queue_count(); ++queue) {
    const auto transfers = evaluator.QueueTransfers(queue);
    program.dma_queues.emplace_back(transfers.begin(), transfers.end());
  }
  program.compute_timing.assign(evaluator.compute_timing().begin(),
                                evaluator.compute_timing().end());
  program.transfer_timing.assign(evaluator.transfer_timing().begin(),
                                 evaluator.transfer_timing().end());
  WaitReducer(model, evaluator, plan).Run(&program);

  // Step 4: layout and totals.
  program.groups = model.layout().groups;
  program.latency_cycles = metrics.latency_cycles;
  program.energy_pj = metrics.energy_pj;
  program.dram_bytes = metrics.dram_bytes;
  program.peak_buffer_bytes = metrics.peak_buffer_bytes;
  return program;
}

absl::StatusOr<Program> EvaluateSchedule(const graph::LayerGraph& graph, const Schedule& schedule,
                                         const CostFunctions& costs, int64_t capacity_bytes) {
  TilingOptions options;
  options.dma_chunk_bytes = schedule.dma_chunk_bytes;
  ASSIGN_OR_RETURN(const TilingModel model,
                   TilingModel::Build(graph, schedule.fusion, costs, nullptr, options));
  return BuildProgram(model, schedule.dram, capacity_bytes, schedule.strategy);
}

}  // namespace soma::schedule
