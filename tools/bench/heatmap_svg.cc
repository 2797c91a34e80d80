// heatmap_svg.cc: grid layout, a three-stop colour scale and XML text escaping.
#include "bench/heatmap_svg.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace soma::bench {

namespace {

constexpr int kCellWidth = 84;
constexpr int kCellHeight = 40;
constexpr int kLeftMargin = 120;
constexpr int kTopMargin = 64;
constexpr int kBottomMargin = 64;
constexpr int kRightMargin = 24;

using Rgb = std::array<double, 3>;
constexpr Rgb kWorst = {253, 174, 97};
constexpr Rgb kMiddle = {255, 255, 191};
constexpr Rgb kBest = {102, 189, 99};
constexpr char kMissingFill[] = "#d9d9d9";

std::string EscapeXml(const std::string& text) {
  std::string escaped;
  for (char character : text) {
    switch (character) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      default:
        escaped += character;
    }
  }
  return escaped;
}

// Colour at `goodness` in [0, 1]: 0 worst, 1 best.
std::string ScaleColour(double goodness) {
  const Rgb& from = goodness < 0.5 ? kWorst : kMiddle;
  const Rgb& to = goodness < 0.5 ? kMiddle : kBest;
  const double t = goodness < 0.5 ? goodness * 2.0 : (goodness - 0.5) * 2.0;
  std::array<int, 3> channel;
  for (int index = 0; index < 3; ++index) {
    channel[index] = static_cast<int>(std::lround(from[index] + (to[index] - from[index]) * t));
  }
  return absl::StrFormat("#%02x%02x%02x", channel[0], channel[1], channel[2]);
}

std::string FormatValue(const HeatMap& map, double value) {
  return absl::StrCat(absl::StrFormat("%.*f", map.decimals, value), map.value_suffix);
}

}  // namespace

std::string RenderHeatMapSvg(const HeatMap& map) {
  const int columns = static_cast<int>(map.x_ticks.size());
  const int rows = static_cast<int>(map.y_ticks.size());
  const int width = kLeftMargin + columns * kCellWidth + kRightMargin;
  const int height = kTopMargin + rows * kCellHeight + kBottomMargin;

  // The value range of the colour scale.
  std::optional<double> lowest;
  std::optional<double> highest;
  for (const auto& row : map.values) {
    for (const std::optional<double>& value : row) {
      if (!value.has_value()) continue;
      lowest = lowest.has_value() ? std::min(*lowest, *value) : *value;
      highest = highest.has_value() ? std::max(*highest, *value) : *value;
    }
  }

  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
      "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n",
      width, height, width, height, width, height);
  absl::StrAppendFormat(&svg,
                        "<text x=\"%d\" y=\"24\" font-size=\"16\" text-anchor=\"middle\" "
                        "font-weight=\"bold\">%s</text>\n",
                        width / 2, EscapeXml(map.title));
  std::string range = "no values";
  if (lowest.has_value()) {
    range = absl::StrCat("range ", FormatValue(map, *lowest), " to ",
                         FormatValue(map, *highest), "; green is better");
  }
  absl::StrAppendFormat(&svg,
                        "<text x=\"%d\" y=\"44\" font-size=\"12\" text-anchor=\"middle\" "
                        "fill=\"#444444\">%s</text>\n",
                        width / 2, EscapeXml(range));

  // The cells, each with its value.
  for (int row = 0; row < rows; ++row) {
    for (int column = 0; column < columns; ++column) {
      const int x = kLeftMargin + column * kCellWidth;
      const int y = kTopMargin + row * kCellHeight;
      const std::optional<double>& value = map.values[row][column];
      std::string fill = kMissingFill;
      std::string label = "n/a";
      if (value.has_value()) {
        double goodness = 0.5;
        if (*highest > *lowest) goodness = (*value - *lowest) / (*highest - *lowest);
        if (!map.higher_is_better) goodness = 1.0 - goodness;
        fill = ScaleColour(goodness);
        label = FormatValue(map, *value);
      }
      absl::StrAppendFormat(&svg,
                            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" "
                            "stroke=\"white\" stroke-width=\"2\"/>\n",
                            x, y, kCellWidth, kCellHeight, fill);
      absl::StrAppendFormat(&svg,
                            "<text x=\"%d\" y=\"%d\" font-size=\"13\" text-anchor=\"middle\" "
                            "dominant-baseline=\"middle\">%s</text>\n",
                            x + kCellWidth / 2, y + kCellHeight / 2, EscapeXml(label));
    }
  }

  // Tick labels and axis titles.
  for (int column = 0; column < columns; ++column) {
    absl::StrAppendFormat(&svg,
                          "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%s"
                          "</text>\n",
                          kLeftMargin + column * kCellWidth + kCellWidth / 2,
                          kTopMargin + rows * kCellHeight + 18, EscapeXml(map.x_ticks[column]));
  }
  for (int row = 0; row < rows; ++row) {
    absl::StrAppendFormat(&svg,
                          "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\" "
                          "dominant-baseline=\"middle\">%s</text>\n",
                          kLeftMargin - 8, kTopMargin + row * kCellHeight + kCellHeight / 2,
                          EscapeXml(map.y_ticks[row]));
  }
  absl::StrAppendFormat(&svg,
                        "<text x=\"%d\" y=\"%d\" font-size=\"13\" text-anchor=\"middle\">%s"
                        "</text>\n",
                        kLeftMargin + columns * kCellWidth / 2, height - 16,
                        EscapeXml(map.x_label));
  const int y_center = kTopMargin + rows * kCellHeight / 2;
  absl::StrAppendFormat(&svg,
                        "<text x=\"20\" y=\"%d\" font-size=\"13\" text-anchor=\"middle\" "
                        "transform=\"rotate(-90 20 %d)\">%s</text>\n",
                        y_center, y_center, EscapeXml(map.y_label));
  svg += "</svg>\n";
  return svg;
}

}  // namespace soma::bench
