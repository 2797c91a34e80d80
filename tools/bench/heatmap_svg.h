// heatmap_svg.h: a heat map as a hand-written SVG: a grid of coloured cells with their
// values printed, tick labels and axis titles.
#ifndef SOMA_TOOLS_BENCH_HEATMAP_SVG_H_
#define SOMA_TOOLS_BENCH_HEATMAP_SVG_H_

#include <optional>
#include <string>
#include <vector>

namespace soma::bench {

struct HeatMap {
  std::string title;
  /// Axis titles.
  std::string x_label;
  std::string y_label;
  /// Column labels, left to right, and row labels, top to bottom.
  std::vector<std::string> x_ticks;
  std::vector<std::string> y_ticks;
  /// values[row][column]; an unset value is drawn as a grey "n/a" cell.
  std::vector<std::vector<std::optional<double>>> values;
  /// Digits after the decimal point of a printed value, and text printed after it ("x").
  int decimals = 2;
  std::string value_suffix;
  /// Whether larger values are better: they get the green end of the colour scale.
  bool higher_is_better = true;
};

/// The SVG document. Colours run from orange (worst value of the map) through yellow to
/// green (best value); a map whose values are all equal is yellow.
/// Requires: `values` has y_ticks.size() rows of x_ticks.size() entries.
std::string RenderHeatMapSvg(const HeatMap& map);

}  // namespace soma::bench

#endif  // SOMA_TOOLS_BENCH_HEATMAP_SVG_H_
