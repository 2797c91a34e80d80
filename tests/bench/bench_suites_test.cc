// bench_suites_test.cc: the full matrix, the exploration and the quick subset list the
// SoMa paper's cases in matrix order, and exploration configs vary only buffer and DRAM.
#include "bench/bench_suites.h"

#include <string>

#include "arch/arch_config.h"
#include "gtest/gtest.h"
#include "util/test_paths.h"

namespace soma::bench {
namespace {

using schedule::StrategyKind;

arch::ArchConfig Preset(const std::string& name) {
  absl::StatusOr<arch::ArchConfig> config =
      arch::LoadArchConfig(soma::testing::SourceDir() + "/models/hw/" + name + ".yaml");
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *config : arch::ArchConfig{};
}

TEST(BenchSuitesTest, FullMatrixHasPaperCasesInOrder) {
  // 4 CNNs x 2 accelerators x 4 batches x 3 strategies, then 4 GPT-2 blocks x 1
  // accelerator x 4 batches x 3 strategies, network-major.
  const std::vector<BenchCase> cases = FullMatrix({Preset("soma-edge"), Preset("soma-cloud")}, {});
  ASSERT_EQ(cases.size(), 144u);
  EXPECT_EQ(cases[0].Label(), "resnet50 soma-edge b1 lbl");
  EXPECT_EQ(cases[1].Label(), "resnet50 soma-edge b1 cocco");
  EXPECT_EQ(cases[3].Label(), "resnet50 soma-edge b4 lbl");
  EXPECT_EQ(cases[12].Label(), "resnet50 soma-cloud b1 lbl");
  EXPECT_EQ(cases[24].Label(), "resnet101 soma-edge b1 lbl");
  EXPECT_EQ(cases[95].Label(), "randwire-small soma-cloud b64 soma");
  EXPECT_EQ(cases[96].Label(), "gpt2-small-prefill soma-edge b1 lbl");
  EXPECT_EQ(cases[108].Label(), "gpt2-small-decode soma-edge b1 lbl");
  EXPECT_EQ(cases[120].Label(), "gpt2-xl-prefill soma-cloud b1 lbl");
  EXPECT_EQ(cases[143].Label(), "gpt2-xl-decode soma-cloud b64 soma");
  EXPECT_FALSE(cases[0].dse.has_value());
}

TEST(BenchSuitesTest, GptCasesCountTheirBlocks) {
  // A GPT-2 case schedules one block of 12 (small) or 48 (XL), and a CNN case one network.
  const std::vector<BenchCase> cases = FullMatrix({Preset("soma-edge"), Preset("soma-cloud")}, {});
  for (const BenchCase& bench_case : cases) {
    SCOPED_TRACE(bench_case.Label());
    if (bench_case.model.rfind("gpt2-small-", 0) == 0) {
      EXPECT_EQ(bench_case.block_count, 12);
      EXPECT_EQ(bench_case.hardware.name, "soma-edge");
    } else if (bench_case.model.rfind("gpt2-xl-", 0) == 0) {
      EXPECT_EQ(bench_case.block_count, 48);
      EXPECT_EQ(bench_case.hardware.name, "soma-cloud");
    } else {
      EXPECT_EQ(bench_case.block_count, 1);
    }
  }
}

TEST(BenchSuitesTest, FilterKeepsSelectedValues) {
  // Each filter axis keeps only its listed values; the others stay whole.
  MatrixFilter filter;
  filter.models = {"inception-resnet-v1"};
  filter.hardware = {"soma-cloud"};
  filter.strategies = {StrategyKind::kLayerByLayer};
  const std::vector<BenchCase> cases = FullMatrix({Preset("soma-edge"), Preset("soma-cloud")}, filter);
  ASSERT_EQ(cases.size(), 4u);
  EXPECT_EQ(cases[0].Label(), "inception-resnet-v1 soma-cloud b1 lbl");
  EXPECT_EQ(cases[3].Label(), "inception-resnet-v1 soma-cloud b64 lbl");
}

TEST(BenchSuitesTest, DseCellOfPresetEqualsPreset) {
  // The 8 MiB, 16 GB/s cell is soma-edge under another name; other cells change the buffer,
  // its energies and the DRAM bandwidth only.
  const arch::ArchConfig edge = Preset("soma-edge");
  arch::ArchConfig same = DseConfig(edge, {8, 16});
  EXPECT_EQ(same.name, "soma-edge-8MiB-16GBps");
  same.name = edge.name;
  EXPECT_EQ(same, edge);

  const arch::ArchConfig big = DseConfig(edge, {32, 128});
  EXPECT_EQ(big.buffer_bytes, 32 << 20);
  EXPECT_EQ(big.dram_bandwidth_bytes_per_second, 128000000000);
  EXPECT_DOUBLE_EQ(big.buffer_read_energy_pj_per_byte, 4.79);
  EXPECT_DOUBLE_EQ(big.buffer_write_energy_pj_per_byte, 5.16);
  EXPECT_EQ(big.MacCount(), edge.MacCount());
  EXPECT_TRUE(big.Verify().ok());
  EXPECT_DOUBLE_EQ(DseConfig(edge, {4, 2}).buffer_read_energy_pj_per_byte, 1.26);
}

TEST(BenchSuitesTest, DseMatrixCoversGrid) {
  // 4 buffers x 7 bandwidths, each with the given strategies, ResNet-50 and then the
  // GPT-2 small prefill block at batch 1.
  const std::vector<BenchCase> cases =
      DseMatrix(Preset("soma-edge"), {StrategyKind::kCocco, StrategyKind::kSoma});
  ASSERT_EQ(cases.size(), 112u);
  EXPECT_EQ(cases[0].Label(), "resnet50 soma-edge-4MiB-2GBps b1 cocco");
  EXPECT_EQ(cases[55].Label(), "resnet50 soma-edge-32MiB-128GBps b1 soma");
  EXPECT_EQ(cases[56].Label(), "gpt2-small-prefill soma-edge-4MiB-2GBps b1 cocco");
  EXPECT_EQ(cases[56].block_count, 12);
  EXPECT_EQ(cases[111].Label(), "gpt2-small-prefill soma-edge-32MiB-128GBps b1 soma");
  ASSERT_TRUE(cases[2].dse.has_value());
  EXPECT_EQ(cases[2].dse->dram_gbps, 4);
}

TEST(BenchSuitesTest, QuickMatrixIsSmall) {
  // The quick subset: ResNet-50 batch 1 on soma-edge and on one exploration cell.
  const std::vector<BenchCase> cases = QuickMatrix(Preset("soma-edge"), AllStrategies());
  ASSERT_EQ(cases.size(), 6u);
  EXPECT_EQ(cases[0].Label(), "resnet50 soma-edge b1 lbl");
  EXPECT_EQ(cases[5].Label(), "resnet50 soma-edge-4MiB-32GBps b1 soma");
  EXPECT_TRUE(cases[5].dse.has_value());
}

}  // namespace
}  // namespace soma::bench
