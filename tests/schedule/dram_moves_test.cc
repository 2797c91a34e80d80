// dram_moves_test.cc: the Stage-2 moves keep DRAM plans valid, and their order windows and
// endpoint ranges are exactly the places and values the evaluator accepts.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plan_helpers.h"
#include "schedule/evaluator.h"
#include "schedule/layer_by_layer.h"
#include "schedule/search/dram_plan_editor.h"
#include "schedule/search/dram_search.h"
#include "schedule/tiling_model.h"
#include "search_test_support.h"
#include "test_graphs.h"
#include "unit_costs.h"

namespace soma::schedule {
namespace {

using graph::LayerGraph;
using soma::testing::MakePlan;
using soma::testing::UnitCostModel;

constexpr int64_t kLargeBuffer = int64_t{1} << 40;

struct DramCase {
  std::string name;
  LayerGraph graph;
  FusionPlan plan;
  int queues = 1;
  int64_t chunk_bytes = 0;
};

std::vector<DramCase> DramCases() {
  std::vector<DramCase> cases;
  for (int queues : {1, 2}) {
    const std::string suffix = queues == 1 ? "_one_queue" : "_two_queues";
    cases.push_back({"worked_example" + suffix, soma::testing::WorkedExampleChain(),
                     MakePlan({{{{0, 1}, 2}}, {{{2}, 1}}}), queues, 0});
    cases.push_back({"pointwise_chunks" + suffix, soma::testing::PointwiseChain(),
                     MakePlan({{{{0}, 2}}, {{{1}, 2}}, {{{2}, 2}}}), queues, 8});
    cases.push_back({"three_conv" + suffix, soma::testing::ThreeConvChain(),
                     MakePlan({{{{0}, 2}}, {{{1}, 4}, {{2}, 2}}}), queues, 64});
    const LayerGraph residual = soma::testing::ResidualNet();
    auto lbl = PlanLayerByLayer(residual, UnitCostModel{}.Functions(), 40 * 1024);
    EXPECT_TRUE(lbl.ok()) << lbl.status();
    if (lbl.ok()) cases.push_back({"residual_lbl" + suffix, residual, *lbl, queues, 1024});
  }
  return cases;
}

TilingModel BuildOrDie(const DramCase& test_case) {
  UnitCostModel costs;
  costs.dma_queues = test_case.queues;
  TilingOptions options;
  options.dma_chunk_bytes = test_case.chunk_bytes;
  auto model =
      TilingModel::Build(test_case.graph, test_case.plan, costs.Functions(), nullptr, options);
  EXPECT_TRUE(model.ok()) << model.status();
  return *std::move(model);
}

bool IsValid(Evaluator& evaluator, const DramPlan& plan) {
  return evaluator.Evaluate(plan, kLargeBuffer).ok();
}

// Every place of `transfer` in the order is valid exactly when the window holds it, and
// every value of its endpoint exactly when the range holds it.
void CheckWindowsAreExact(const TilingModel& model, Evaluator& evaluator,
                          const DramPlanEditor& editor, int transfer) {
  const IntRange window = editor.OrderWindow(transfer, editor.plan().queue_of[transfer]);
  for (int index = 0; index < model.transfer_count(); ++index) {
    DramPlanEditor moved(model, editor.plan());
    moved.MoveInOrder(transfer, index);
    EXPECT_EQ(IsValid(evaluator, moved.plan()), window.Contains(index))
        << model.DescribeTransfer(transfer) << " at index " << index << " of window [" << window.lo
        << ", " << window.hi << "]";
  }
  const IntRange range = editor.EndpointRange(transfer);
  for (int value = -1; value <= model.position_count(); ++value) {
    DramPlanEditor moved(model, editor.plan());
    moved.SetEndpoint(transfer, value);
    const Lifetime& lifetime = moved.plan().lifetimes[transfer];
    if (lifetime.start >= lifetime.end) continue;
    EXPECT_EQ(IsValid(evaluator, moved.plan()), range.Contains(value))
        << model.DescribeTransfer(transfer) << " endpoint " << value << " of range [" << range.lo
        << ", " << range.hi << "]";
  }
}

TEST(DramMovesTest, RandomMovesStayValidAndExact) {
  // Random walks of Stage-2 and Stage-3 moves, on one and two queues and with chunked
  // weight loads: every applied move leaves a plan the evaluator accepts, and every 50
  // moves the windows and ranges of a random transfer are checked against the evaluator.
  for (const DramCase& test_case : DramCases()) {
    SCOPED_TRACE(test_case.name);
    const TilingModel model = BuildOrDie(test_case);
    DramSearch search(model);
    Evaluator evaluator(model);
    DramPlanEditor editor(model, model.DefaultDramPlan());
    ASSERT_TRUE(IsValid(evaluator, editor.plan()));
    SearchRandom random(5);
    std::vector<int> applied(5, 0);
    for (int step = 0; step < 1500; ++step) {
      const auto kind = static_cast<DramMoveKind>(random.Below(5));
      const int transfer = static_cast<int>(random.Below(model.transfer_count()));
      if (step % 50 == 0) CheckWindowsAreExact(model, evaluator, editor, transfer);
      if (!search.ApplyMove(kind, transfer, random, &editor)) continue;
      ++applied[static_cast<int>(kind)];
      const EvaluationResult& result = evaluator.Evaluate(editor.plan(), kLargeBuffer);
      ASSERT_TRUE(result.ok()) << "move " << static_cast<int>(kind) << " on "
                               << model.DescribeTransfer(transfer) << ": "
                               << evaluator.Explain(editor.plan(), kLargeBuffer);
      editor.Commit();
    }
    for (int kind = 0; kind < 5; ++kind) {
      const bool expected = kind != static_cast<int>(DramMoveKind::kQueue) || test_case.queues > 1;
      EXPECT_EQ(applied[kind] > 0, expected) << "move kind " << kind;
    }
  }
}

TEST(DramMovesTest, UndoRestoresThePlan) {
  // Undo after several edits gives back the committed plan, field by field.
  const DramCase test_case = DramCases()[1];
  const TilingModel model = BuildOrDie(test_case);
  DramSearch search(model);
  DramPlanEditor editor(model, model.DefaultDramPlan());
  const DramPlan before = editor.plan();
  SearchRandom random(11);
  for (int step = 0; step < 20; ++step) {
    search.ApplyMove(static_cast<DramMoveKind>(random.Below(5)),
                     static_cast<int>(random.Below(model.transfer_count())), random, &editor);
  }
  editor.Undo();
  EXPECT_EQ(editor.plan().order, before.order);
  EXPECT_EQ(editor.plan().queue_of, before.queue_of);
  EXPECT_EQ(editor.plan().lifetimes, before.lifetimes);
  for (int transfer = 0; transfer < model.transfer_count(); ++transfer) {
    EXPECT_EQ(before.order[editor.IndexOf(transfer)], transfer);
  }
}

TEST(DramMovesTest, RepairBringsAPlanUnderASmallerBuffer) {
  // Loads started early fill the buffer; the repair starts them later until the plan fits
  // a buffer that the default plan fits.
  const DramCase test_case = DramCases()[2];
  const TilingModel model = BuildOrDie(test_case);
  Evaluator evaluator(model);
  const EvaluationResult& fallback = evaluator.Evaluate(model.DefaultDramPlan(), kLargeBuffer);
  ASSERT_TRUE(fallback.ok());
  const int64_t default_peak = fallback.metrics.peak_buffer_bytes;
  DramPlan plan = model.DefaultDramPlan();
  for (int transfer = 0; transfer < model.transfer_count(); ++transfer) {
    if (model.transfers()[transfer].direction == TransferDirection::kLoad) {
      plan.lifetimes[transfer].start = -1;
    }
  }
  ASSERT_FALSE(evaluator.Evaluate(plan, default_peak).ok());
  DramSearch search(model);
  EXPECT_TRUE(search.RepairToCapacity(&plan, default_peak));
  EXPECT_TRUE(evaluator.Evaluate(plan, default_peak).ok());
}

}  // namespace
}  // namespace soma::schedule
