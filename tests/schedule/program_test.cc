// program_test.cc: Programs built from evaluated plans, their minimal waits, and
// Program::Verify on good and corrupted Programs.
#include "schedule/program_builder.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plan_helpers.h"
#include "program_fingerprint.h"
#include "test_graphs.h"
#include "unit_costs.h"

namespace soma::schedule {
namespace {

using graph::LayerGraph;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using soma::testing::MakePlan;
using soma::testing::ProgramFingerprint;
using soma::testing::UnitCostModel;

constexpr int64_t kLargeBuffer = int64_t{1} << 40;

OpRef Compute(int position) { return {OpRef::Kind::kCompute, position}; }
OpRef Transfer(int id) { return {OpRef::Kind::kTransfer, id}; }

// The three-layer chain of EvaluatorTest.ChainOfThreeLayersWithTwoTiles as a Program.
class ChainProgramTest : public ::testing::Test {
 protected:
  ChainProgramTest() : graph_(soma::testing::PointwiseChain()) {
    costs_.tile_cycles = {{0, 20}, {1, 5}, {2, 20}};
  }

  Program Build() const {
    Schedule schedule;
    schedule.strategy = "test";
    schedule.fusion = MakePlan({{{{0}, 2}}, {{{1}, 2}}, {{{2}, 2}}});
    auto model = TilingModel::Build(graph_, schedule.fusion, costs_.Functions());
    EXPECT_TRUE(model.ok()) << model.status();
    auto program = BuildProgram(*model, model->DefaultDramPlan(), kLargeBuffer, "test");
    EXPECT_TRUE(program.ok()) << program.status();
    return *std::move(program);
  }

  LayerGraph graph_;
  UnitCostModel costs_;
};

TEST_F(ChainProgramTest, ProgramVerifiesAndKeepsTotals) {
  // The built Program passes its own invariants and carries the evaluator's numbers.
  const Program program = Build();
  EXPECT_TRUE(program.Verify().ok()) << program.Verify();
  EXPECT_EQ(program.latency_cycles, 180);
  EXPECT_EQ(program.dram_bytes, 144);
  EXPECT_EQ(program.compute_ops.size(), 6u);
  EXPECT_EQ(program.transfers.size(), 15u);
  ASSERT_EQ(program.dma_queues.size(), 1u);
  EXPECT_EQ(program.groups.size(), 3u);
  EXPECT_EQ(program.residencies[program.compute_ops[0].inputs[0].residency].origin, "a");
}

TEST_F(ChainProgramTest, WaitsAreMinimal) {
  // Transfer ids: 0 a.W 1 a.I0 2 a.O0 3 a.I1 4 a.O1 5 b.W 6 b.I0 7 b.O0 8 b.I1 9 b.O1 ...
  // Queue order: a.W a.I0 a.I1 a.O0 b.W a.O1 b.I0 b.I1 b.O0 c.W b.O1 c.I0 c.I1 c.O0 c.O1.
  const Program program = Build();
  // Compute a0 needs a.W and a.I0; a.I0 comes later in the queue, so it alone suffices.
  EXPECT_THAT(program.compute_waits[0], ElementsAre(Transfer(1)));
  // Compute b0 needs b.W, b.I0 and the stores a.O0, a.O1 that end by position 2; b.I0 is
  // the latest of them in the queue.
  EXPECT_THAT(program.compute_waits[2], ElementsAre(Transfer(6)));
  // a.O0 waits for the compute that produces it.
  EXPECT_THAT(program.transfer_waits[2], ElementsAre(Compute(0)));
  // b.W (start 1) waits for compute a0, already implied by a.O0 ahead of it in the queue.
  EXPECT_THAT(program.transfer_waits[5], IsEmpty());
  // b.I1 (start 2) waits for compute a1, implied by a.O1 ahead of it.
  EXPECT_THAT(program.transfer_waits[8], IsEmpty());
}

TEST_F(ChainProgramTest, TwoBuildsAreIdentical) {
  // Scheduling is deterministic: the same inputs give the same Program, field by field.
  EXPECT_EQ(ProgramFingerprint(Build()), ProgramFingerprint(Build()));
}

TEST_F(ChainProgramTest, VerifyRejectsShiftedTiming) {
  // A compute op that starts later than its queue and waits allow breaks the timing rule.
  Program program = Build();
  program.compute_timing[3].start_cycle += 1;
  program.compute_timing[3].end_cycle += 1;
  const absl::Status status = program.Verify();
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(status.message(), HasSubstr("'timing obeys waits and queue order' broken: compute "
                                          "op at position 3 (layer 1 tile 1) runs [93, 98)"));
}

TEST_F(ChainProgramTest, VerifyRejectsOperandOutsideResidency) {
  // An input box larger than the residency it reads from.
  Program program = Build();
  program.compute_ops[2].inputs[0].box.hi[graph::kH] = 2;
  EXPECT_THAT(program.Verify().message(),
              HasSubstr("'operand inside residency' broken: compute op at position 2"));
}

TEST_F(ChainProgramTest, VerifyRejectsTransferMissingFromQueues) {
  // Every transfer must appear in exactly one DMA queue.
  Program program = Build();
  program.dma_queues[0].pop_back();
  EXPECT_THAT(program.Verify().message(), HasSubstr("is in no DMA queue"));
}

TEST_F(ChainProgramTest, VerifyRejectsWrongTotals) {
  // The totals must match the operations.
  Program program = Build();
  program.dram_bytes += 1;
  EXPECT_THAT(program.Verify().message(), HasSubstr("'totals match operations' broken"));
}

TEST_F(ChainProgramTest, VerifyRejectsDanglingWait) {
  // A wait must name an existing operation.
  Program program = Build();
  program.compute_waits[1].push_back(Transfer(99));
  EXPECT_THAT(program.Verify().message(), HasSubstr("waits for transfer 99, which does not exist"));
}

TEST(ProgramBuilderTest, EvaluateScheduleReportsViolations) {
  // EvaluateSchedule returns the evaluator's message for a broken plan.
  const LayerGraph graph = soma::testing::SinglePointwiseConv();
  Schedule schedule;
  schedule.fusion = MakePlan({{{{0}, 2}}});
  auto model = TilingModel::Build(graph, schedule.fusion, UnitCostModel{}.Functions());
  ASSERT_TRUE(model.ok());
  schedule.dram = model->DefaultDramPlan();
  auto program = EvaluateSchedule(graph, schedule, UnitCostModel{}.Functions(), 10);
  ASSERT_FALSE(program.ok());
  EXPECT_THAT(program.status().message(), HasSubstr("buffer capacity exceeded at position -1"));
}

}  // namespace
}  // namespace soma::schedule
