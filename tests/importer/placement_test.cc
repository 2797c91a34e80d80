// placement_test.cc: the placement table's CSV form and quoting.
#include "gtest/gtest.h"
#include "importer/placement.h"

namespace soma::importer {
namespace {

TEST(PlacementTest, CsvQuotesFieldsThatNeedIt) {
  // Commas and quotes are quoted per RFC 4180. The layer column contains the layer's name
  // and stays empty for views and constants.
  const PlacementTable table = {
      {"conv1", "Conv", PlacementKind::kNpu, 0, ""},
      {"bn1", "BatchNormalization", PlacementKind::kFolded, 0,
       "BatchNormalization folded into Conv 'conv1'"},
      {"shape", "Constant", PlacementKind::kFolded, -1, "constant [1, -1]"},
      {"odd,name", "Tanh", PlacementKind::kError, -1, "say \"no\""},
  };
  EXPECT_EQ(PlacementTableToCsv(table, {"conv1"}),
            "node,op_type,placement,layer,detail\n"
            "conv1,Conv,npu,conv1,\n"
            "bn1,BatchNormalization,folded,conv1,BatchNormalization folded into Conv 'conv1'\n"
            "shape,Constant,folded,,\"constant [1, -1]\"\n"
            "\"odd,name\",Tanh,error,,\"say \"\"no\"\"\"\n");
}

TEST(PlacementTest, LayerIdWhenNamesAreMissing) {
  // Without layer names the layer column falls back to the id.
  const PlacementTable table = {{"conv1", "Conv", PlacementKind::kNpu, 3, ""}};
  EXPECT_EQ(PlacementTableToCsv(table, {}), "node,op_type,placement,layer,detail\nconv1,Conv,npu,3,\n");
  EXPECT_STREQ(PlacementKindName(PlacementKind::kHost), "host");
}

}  // namespace
}  // namespace soma::importer
