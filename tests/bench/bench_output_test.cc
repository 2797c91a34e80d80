// bench_output_test.cc: the console table, results.json and results.csv carry every case
// in order, mark missing figures, and note what needs attention.
#include "bench/bench_output.h"

#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace soma::bench {
namespace {

using schedule::StrategyKind;
using ::testing::HasSubstr;

struct Fixture {
  std::vector<BenchCase> cases;
  std::vector<CaseResult> results;
};

// lbl and cocco ok on one cell of the exploration, then two unavailable soma cases. The cocco
// message contains a comma and quotes.
Fixture MakeFixture() {
  Fixture fixture;
  BenchCase base;
  base.model = "resnet50";
  base.hardware.name = "soma-edge-4MiB-32GBps";
  base.hardware.buffer_bytes = 4 << 20;
  base.batch = 1;
  base.dse = DseCell{4, 32};
  for (StrategyKind strategy : {StrategyKind::kLayerByLayer, StrategyKind::kCocco,
                                StrategyKind::kSoma, StrategyKind::kSoma}) {
    BenchCase bench_case = base;
    bench_case.strategy = strategy;
    fixture.cases.push_back(bench_case);
  }

  CaseResult lbl;
  lbl.status = CaseStatus::kOk;
  lbl.layer_count = 72;
  lbl.compute_bound_cycles = 100;
  lbl.dram_bound_cycles = 200;
  lbl.latency_cycles = 300;
  lbl.energy_pj = 5e6;
  lbl.dram_bytes = 1000000;
  lbl.peak_buffer_bytes = 1 << 20;
  lbl.search_seconds = 0.25;
  lbl.replay = ReplayStatus::kPassed;
  lbl.replay_latency_cycles = 300;
  CaseResult cocco = lbl;
  cocco.latency_cycles = 150;
  cocco.message = "odd, \"quoted\" message";
  cocco.stage_seconds = {{"lbl", 0.5}, {"stage1", 1.25}};
  CaseResult unavailable;
  unavailable.status = CaseStatus::kUnavailable;
  unavailable.message = "scheduling strategy 'soma' is not implemented yet; use 'lbl'";

  fixture.results = {lbl, cocco, unavailable, unavailable};
  return fixture;
}

TEST(BenchOutputTest, JsonListsCasesAndSummary) {
  // results.json parses; cases keep their order and figures, missing figures are absent,
  // and the summary has the "all" scope.
  const Fixture fixture = MakeFixture();
  RunDescription description;
  description.suite = "dse";
  description.settings.time_limit_seconds = 5.0;
  const std::string text = ResultsJson(description, fixture.cases, fixture.results,
                                       Summarize(fixture.cases, fixture.results));
  const nlohmann::json json = nlohmann::json::parse(text);
  EXPECT_EQ(json["suite"], "dse");
  EXPECT_EQ(json["settings"]["time_limit_per_case_seconds"], 5.0);
  ASSERT_EQ(json["hardware"].size(), 1u);
  EXPECT_EQ(json["hardware"][0]["name"], "soma-edge-4MiB-32GBps");
  ASSERT_EQ(json["cases"].size(), 4u);
  const nlohmann::json& first = json["cases"][0];
  EXPECT_EQ(first["strategy"], "lbl");
  EXPECT_EQ(first["buffer_mib"], 4);
  EXPECT_EQ(first["latency_cycles"], 300);
  EXPECT_DOUBLE_EQ(first["latency_over_bound"].get<double>(), 1.5);
  EXPECT_EQ(first["replay"], "passed");
  EXPECT_FALSE(first.contains("below_lower_bound"));
  EXPECT_EQ(json["cases"][1]["stage_seconds"]["stage1"], 1.25);
  const nlohmann::json& soma = json["cases"][2];
  EXPECT_EQ(soma["status"], "unavailable");
  EXPECT_FALSE(soma.contains("latency_cycles"));
  EXPECT_EQ(json["summary"][0]["scope"], "all");
  EXPECT_EQ(json["summary"][0]["cocco_speedup_over_lbl"]["mean"], 2.0);
  EXPECT_TRUE(json["summary"][0]["soma_speedup_over_cocco"]["mean"].is_null());
}

TEST(BenchOutputTest, CsvHasOneRowPerCase) {
  // A header and four rows; a message with a comma and quotes is quoted, and a case without
  // a schedule leaves its figures empty.
  const Fixture fixture = MakeFixture();
  const std::string csv = ResultsCsv(fixture.cases, fixture.results);
  std::istringstream lines(csv);
  std::vector<std::string> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(line);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].substr(0, 40), "network,hardware,batch,strategy,buffer_m");
  EXPECT_EQ(rows[1],
            "resnet50,soma-edge-4MiB-32GBps,1,lbl,4,32,ok,72,0,100,200,300,1.500000,5000000.0,"
            "1000000,1048576,0.250,,passed,,1");
  EXPECT_THAT(rows[2], HasSubstr(",lbl=0.500;stage1=1.250,passed,\"odd, \"\"quoted\"\" message\""));
  EXPECT_THAT(rows[3], HasSubstr(",unavailable,0,0,0,0,,,,,,0.000,,not run,"));
}

TEST(BenchOutputTest, TableNotesUnavailableStrategyOnce) {
  // Every case has a line. An unavailable strategy is noted once, other messages per case,
  // and a latency below the lower bound gets its own note.
  Fixture fixture = MakeFixture();
  fixture.results[0].latency_cycles = 150;
  const std::string table = ResultsTable(fixture.cases, fixture.results);
  EXPECT_THAT(table, HasSubstr("resnet50             soma-edge-4MiB-32GBps       1 lbl    ok"));
  EXPECT_THAT(table, HasSubstr("note: soma is unavailable: scheduling strategy 'soma' is not "
                               "implemented yet; use 'lbl'\n"));
  EXPECT_EQ(table.find("note: soma is unavailable"), table.rfind("note: soma is unavailable"));
  EXPECT_THAT(table, HasSubstr("note: resnet50 soma-edge-4MiB-32GBps b1 cocco: odd, \"quoted\" "
                               "message\n"));
  EXPECT_THAT(table, HasSubstr("note: resnet50 soma-edge-4MiB-32GBps b1 lbl: latency 150 cycles "
                               "is below the lower bound 200 cycles"));
}

TEST(BenchOutputTest, BlockCountScalesNetworkFigures) {
  // A case of 12 blocks shows 12 times the block's latency, bounds, energy and DRAM
  // traffic in the table and in results.json's network fields, and the table states this.
  Fixture fixture = MakeFixture();
  fixture.cases[0].model = "gpt2-small-prefill";
  fixture.cases[0].block_count = 12;
  const std::string table = ResultsTable(fixture.cases, fixture.results);
  EXPECT_THAT(table, HasSubstr("gpt2-small-prefill   soma-edge-4MiB-32GBps       1 lbl    ok   "
                               "                3600          1200          2400    1.500"));
  EXPECT_THAT(table, HasSubstr("note: each GPT-2 row is the whole network"));
  const nlohmann::json json = nlohmann::json::parse(
      ResultsJson({"full", {}}, fixture.cases, fixture.results, {}));
  const nlohmann::json& entry = json["cases"][0];
  EXPECT_EQ(entry["block_count"], 12);
  EXPECT_EQ(entry["latency_cycles"], 300);
  EXPECT_EQ(entry["network_latency_cycles"], 3600);
  EXPECT_EQ(entry["network_dram_bytes"], 12000000);
  EXPECT_DOUBLE_EQ(entry["network_energy_pj"].get<double>(), 60000000.0);
}

TEST(BenchOutputTest, SummaryTextMarksMissingMeans) {
  // A mean without pairs reads "n/a"; others print with their case counts.
  const Fixture fixture = MakeFixture();
  const std::string text = SummaryText(Summarize(fixture.cases, fixture.results));
  EXPECT_THAT(text, HasSubstr("soma speedup over cocco:        n/a (no case has ok results of both "
                              "strategies)\n"));
  EXPECT_THAT(text, HasSubstr("cocco speedup over lbl:         2.000x over 1 case\n"));
}

}  // namespace
}  // namespace soma::bench
