// pool_import_test.cc: MaxPool, AveragePool and global pooling geometry.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/import_test_helpers.h"

namespace soma::importer {
namespace {

using ::soma::importer::testing::BuilderWithInput;
using ::soma::importer::testing::Import;
using ::testing::HasSubstr;

TEST(PoolImportTest, MaxPoolFloorAndCeilMode) {
  // kernel 3 stride 2 on 8: floor mode gives 3 windows, ceil mode 4, and the last ceil
  // window reads one row of extra end padding.
  for (int64_t ceil_mode : {0, 1}) {
    auto builder = BuilderWithInput({1, 2, 8, 8});
    builder.AddNode("MaxPool", {"x"}, {"y"}, "pool")
        .Ints("kernel_shape", {3, 3})
        .Ints("strides", {2, 2})
        .Int("ceil_mode", ceil_mode);
    builder.AddOutput("y", {});
    auto result = Import(builder);
    ASSERT_TRUE(result.ok()) << result.status();
    const graph::Layer& pool = result->graph.layer(0);
    const auto& params = pool.Params<graph::PoolParams>();
    EXPECT_EQ(params.kind, graph::PoolKind::kMax);
    const int64_t extent = ceil_mode ? 4 : 3;
    EXPECT_EQ(result->graph.OutputOf(0).shape, (graph::Shape{1, 2, extent, extent}));
    EXPECT_EQ(params.pad_bottom, ceil_mode ? 1 : 0);
    EXPECT_EQ(params.pad_top, 0);
  }
}

TEST(PoolImportTest, CeilModeDropsWindowStartingInPadding) {
  // kernel 2 stride 2 on 5 with pad 1 at both ends: ceil(5/2) + 1 = 4 windows, but the
  // fourth would start in the end padding, so 3 remain (ONNX Runtime and PyTorch agree).
  auto builder = BuilderWithInput({1, 1, 5, 5});
  builder.AddNode("MaxPool", {"x"}, {"y"}, "pool")
      .Ints("kernel_shape", {2, 2})
      .Ints("strides", {2, 2})
      .Ints("pads", {1, 1, 1, 1})
      .Int("ceil_mode", 1);
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->graph.OutputOf(0).shape, (graph::Shape{1, 1, 3, 3}));
}

TEST(PoolImportTest, AveragePoolPadsAndCountIncludePad) {
  // Pads, dilations and count_include_pad reach PoolParams.
  auto builder = BuilderWithInput({1, 2, 6, 6});
  builder.AddNode("AveragePool", {"x"}, {"y"}, "pool")
      .Ints("kernel_shape", {3, 3})
      .Ints("pads", {1, 2, 1, 2})
      .Int("count_include_pad", 1);
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  const auto& params = result->graph.layer(0).Params<graph::PoolParams>();
  EXPECT_EQ(params.kind, graph::PoolKind::kAverage);
  EXPECT_TRUE(params.count_include_pad);
  EXPECT_EQ(params.pad_left, 2);
  EXPECT_EQ(params.pad_right, 2);
  EXPECT_EQ(result->graph.OutputOf(0).shape, (graph::Shape{1, 2, 6, 8}));
}

TEST(PoolImportTest, CeilModeCountIncludePadIsTensorOp) {
  // The divisor of that last window cannot be expressed with the pool layer's pads, so the
  // node runs as a tensor op.
  auto builder = BuilderWithInput({1, 1, 8, 8});
  builder.AddNode("AveragePool", {"x"}, {"y"}, "pool")
      .Ints("kernel_shape", {3, 3})
      .Ints("strides", {2, 2})
      .Int("ceil_mode", 1)
      .Int("count_include_pad", 1);
  builder.AddOutput("y", {1, 1, 4, 4});
  auto result = Import(builder);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->graph.layer(0).kind, graph::LayerKind::kTensorOp);
  EXPECT_EQ(result->graph.OutputOf(0).shape, (graph::Shape{1, 1, 4, 4}));
}

TEST(PoolImportTest, GlobalPoolsCoverWholePlane) {
  // Global pooling uses a kernel of the input's H x W.
  for (const char* op : {"GlobalAveragePool", "GlobalMaxPool"}) {
    auto builder = BuilderWithInput({1, 3, 5, 7});
    builder.AddNode(op, {"x"}, {"y"}, "pool");
    builder.AddOutput("y", {1, 3, 1, 1});
    auto result = Import(builder);
    ASSERT_TRUE(result.ok()) << result.status();
    const auto& params = result->graph.layer(0).Params<graph::PoolParams>();
    EXPECT_EQ(params.kernel_h, 5);
    EXPECT_EQ(params.kernel_w, 7);
    EXPECT_EQ(params.kind, std::string(op) == "GlobalMaxPool" ? graph::PoolKind::kMax
                                                              : graph::PoolKind::kAverage);
    EXPECT_EQ(result->graph.OutputOf(0).shape, (graph::Shape{1, 3, 1, 1}));
  }
}

TEST(PoolImportTest, RejectsMissingKernelShape) {
  // kernel_shape is required and must have one entry per spatial axis.
  auto builder = BuilderWithInput({1, 1, 4, 4});
  builder.AddNode("MaxPool", {"x"}, {"y"}, "pool").Ints("kernel_shape", {2});
  builder.AddOutput("y", {});
  auto result = Import(builder);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("node 'pool' (op 'MaxPool'): attribute 'kernel_shape' has invalid "
                        "value [2]; expected 2 positive entries"));
}

}  // namespace
}  // namespace soma::importer
