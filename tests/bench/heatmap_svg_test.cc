// heatmap_svg_test.cc: RenderHeatMapSvg draws one labelled cell per value, marks missing
// values, colours the best value green and escapes text.
#include "bench/heatmap_svg.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace soma::bench {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

int CountOf(const std::string& text, const std::string& needle) {
  int count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

HeatMap TwoByTwo() {
  HeatMap map;
  map.title = "speedup <soma> & cocco";
  map.x_label = "DRAM bandwidth (GB/s)";
  map.y_label = "global buffer (MiB)";
  map.x_ticks = {"2", "4"};
  map.y_ticks = {"4", "8"};
  map.values = {{1.0, 2.5}, {std::nullopt, 1.75}};
  map.value_suffix = "x";
  return map;
}

TEST(HeatMapSvgTest, DrawsEveryCellWithItsValue) {
  // Four cells (plus the white background), three printed values and one "n/a".
  const std::string svg = RenderHeatMapSvg(TwoByTwo());
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_THAT(svg, HasSubstr("</svg>\n"));
  EXPECT_EQ(CountOf(svg, "<rect "), 5);
  EXPECT_THAT(svg, HasSubstr(">1.00x</text>"));
  EXPECT_THAT(svg, HasSubstr(">2.50x</text>"));
  EXPECT_THAT(svg, HasSubstr(">1.75x</text>"));
  EXPECT_THAT(svg, HasSubstr(">n/a</text>"));
  EXPECT_THAT(svg, HasSubstr(">DRAM bandwidth (GB/s)</text>"));
  EXPECT_THAT(svg, HasSubstr("rotate(-90"));
  EXPECT_THAT(svg, HasSubstr("range 1.00x to 2.50x"));
}

TEST(HeatMapSvgTest, ColoursFollowWhichEndIsBetter) {
  // The largest value is green when higher is better, and orange when lower is better.
  HeatMap map = TwoByTwo();
  const std::string higher_better = RenderHeatMapSvg(map);
  EXPECT_THAT(higher_better, HasSubstr("fill=\"#66bd63\""));
  EXPECT_THAT(higher_better, HasSubstr("fill=\"#fdae61\""));
  EXPECT_THAT(higher_better, HasSubstr("fill=\"#d9d9d9\""));
  map.values = {{2.5}};
  map.x_ticks = {"2"};
  map.y_ticks = {"4"};
  // A single value is the middle colour.
  EXPECT_THAT(RenderHeatMapSvg(map), HasSubstr("fill=\"#ffffbf\""));
}

TEST(HeatMapSvgTest, EscapesText) {
  // Titles and labels go through XML escaping.
  const std::string svg = RenderHeatMapSvg(TwoByTwo());
  EXPECT_THAT(svg, HasSubstr("speedup &lt;soma&gt; &amp; cocco"));
  EXPECT_THAT(svg, Not(HasSubstr("<soma>")));
}

}  // namespace
}  // namespace soma::bench
