#include <cmath>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include <analysis/compare/comparison_format.hpp>

namespace mycelium::analysis {

namespace {

// How a metric is shown to people: its name without the unit suffix, the unit, and a scale.
struct Display {
  std::string header;
  double scale = 1.0;
};

Display display_of(const std::string& metric) {
  const auto ends_with = [&metric](const std::string& suffix) {
    return metric.size() > suffix.size() &&
           metric.compare(metric.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  const auto base = [&metric](std::size_t suffix_length) {
    return metric.substr(0, metric.size() - suffix_length);
  };
  if (ends_with("_bytes")) return {base(6) + " MiB", 1.0 / (1 << 20)};
  if (ends_with("_pct")) return {base(4) + " %", 1.0};
  if (ends_with("_ms")) return {base(3) + " ms", 1.0};
  if (ends_with("_s")) return {base(2) + " s", 1.0};
  return {metric, 1.0};
}

// Few digits, more for small numbers: a table is read, not parsed.
std::string number(double value) {
  if (std::isnan(value)) return "-";
  if (value == 0.0) return "0";
  const double magnitude = std::fabs(value);
  const int decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string cell(const SampleStats& stats, double scale) {
  if (stats.count == 0) return "-";
  std::string text = number(stats.mean * scale);
  if (stats.ci95_half_width) text += " ± " + number(*stats.ci95_half_width * scale);
  return text;
}

// Header and body cells shared by the table and Markdown.
struct Cells {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> context_breaks;  // row indices where a new context starts
};

std::string context_of(const Comparison& comparison, const ComparisonRow& row) {
  std::string text;
  for (const std::size_t k : comparison.context)
    text += (text.empty() ? "" : ", ") + comparison.by[k] + " " + row.key[k];
  return text;
}

Cells cells_of(const Comparison& comparison) {
  Cells cells;
  cells.header = {"rank", "pareto"};
  for (const std::string& key : comparison.by)
    cells.header.push_back(key);
  cells.header.push_back("runs");
  for (const std::string& metric : comparison.metrics)
    cells.header.push_back(display_of(metric).header);
  std::string previous_context;
  for (std::size_t r = 0; r < comparison.rows.size(); ++r) {
    const ComparisonRow& row = comparison.rows[r];
    const std::string context = context_of(comparison, row);
    if (r == 0 || context != previous_context) cells.context_breaks.push_back(r);
    previous_context = context;
    std::vector<std::string> line = {std::to_string(row.rank()), row.pareto_optimal() ? "*" : ""};
    for (const std::string& value : row.key)
      line.push_back(value.empty() ? "-" : value);
    line.push_back(std::to_string(row.runs));
    for (std::size_t m = 0; m < comparison.metrics.size(); ++m)
      line.push_back(cell(row.metrics[m], display_of(comparison.metrics[m]).scale));
    cells.rows.push_back(std::move(line));
  }
  return cells;
}

// Display width: "±" is two bytes in UTF-8 but one column.
std::size_t width_of(const std::string& text) {
  std::size_t width = 0;
  for (const char c : text)
    width += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return width;
}

std::string legend(const Comparison& comparison) {
  std::string objectives;
  for (const std::string& objective : comparison.objectives)
    objectives += (objectives.empty() ? "" : ", ") + objective;
  std::string text = "mean ± half-width of the 95 % confidence interval (Student's t) over runs; ";
  if (objectives.empty()) {
    // Spore results, say: none of the replication trade-off's metrics, so nothing is dominated.
    return text +
           "no Pareto front: these results have none of its objectives (guest slowdown, "
           "p99 lag, RPO), so every configuration ranks 1.";
  }
  text += "pareto *: no other configuration";
  if (!comparison.context.empty()) text += " of the same network and workload";
  text += " is at least as good on every one of " + objectives +
          " and better on one; rank = 1 + how many are.";
  return text;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text)
    quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string csv_number(double value) {
  if (std::isnan(value)) return "";
  char text[64];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

}  // namespace

std::string format_table(const Comparison& comparison) {
  const Cells cells = cells_of(comparison);
  std::vector<std::size_t> widths(cells.header.size(), 0);
  for (std::size_t c = 0; c < cells.header.size(); ++c) {
    widths[c] = width_of(cells.header[c]);
    for (const auto& row : cells.rows)
      widths[c] = std::max(widths[c], width_of(row[c]));
  }
  const std::size_t label_columns = 2 + comparison.by.size();  // left-aligned; numbers right
  const auto line = [&](const std::vector<std::string>& row) {
    std::string text;
    for (std::size_t c = 0; c < row.size(); ++c) {
      const std::string padding(widths[c] - width_of(row[c]), ' ');
      text += c == 0 ? "" : "  ";
      text += c < label_columns ? row[c] + padding : padding + row[c];
    }
    while (!text.empty() && text.back() == ' ')
      text.pop_back();
    return text + "\n";
  };
  std::string text = line(cells.header);
  for (std::size_t r = 0; r < cells.rows.size(); ++r) {
    if (r > 0 && std::find(cells.context_breaks.begin(), cells.context_breaks.end(), r) !=
                     cells.context_breaks.end())
      text += "\n";
    text += line(cells.rows[r]);
  }
  return text + "\n" + legend(comparison) + "\n";
}

std::string format_markdown(const Comparison& comparison) {
  const Cells cells = cells_of(comparison);
  const auto line = [](const std::vector<std::string>& row) {
    std::string text = "|";
    for (const std::string& value : row) {
      std::string escaped;
      for (const char c : value)
        escaped += c == '|' ? std::string("\\|") : std::string(1, c);
      text += " " + escaped + " |";
    }
    return text + "\n";
  };
  std::string text = line(cells.header) + "|";
  const std::size_t label_columns = 2 + comparison.by.size();
  for (std::size_t c = 0; c < cells.header.size(); ++c)
    text += c < label_columns ? "---|" : "---:|";
  text += "\n";
  for (const auto& row : cells.rows)
    text += line(row);
  return text + "\n" + legend(comparison) + "\n";
}

std::string format_csv(const Comparison& comparison) {
  std::string text = "rank,pareto_optimal";
  for (const std::string& key : comparison.by)
    text += "," + csv_field(key);
  text += ",runs";
  for (const std::string& metric : comparison.metrics)
    text += "," + csv_field(metric) + "," + csv_field(metric + "_ci95") + "," +
            csv_field(metric + "_n");
  text += "\n";
  for (const ComparisonRow& row : comparison.rows) {
    text += std::to_string(row.rank()) + (row.pareto_optimal() ? ",true" : ",false");
    for (const std::string& value : row.key)
      text += "," + csv_field(value);
    text += "," + std::to_string(row.runs);
    for (const SampleStats& stats : row.metrics) {
      text += "," + csv_number(stats.mean) + "," +
              (stats.ci95_half_width ? csv_number(*stats.ci95_half_width) : "") + "," +
              std::to_string(stats.count);
    }
    text += "\n";
  }
  return text;
}

std::string format_json(const Comparison& comparison) {
  using nlohmann::ordered_json;
  const auto number_or_null = [](double value) {
    return std::isfinite(value) ? ordered_json(value) : ordered_json(nullptr);
  };
  ordered_json rows = ordered_json::array();
  for (const ComparisonRow& row : comparison.rows) {
    ordered_json group = ordered_json::object();
    for (std::size_t k = 0; k < comparison.by.size(); ++k)
      group[comparison.by[k]] = row.key[k];
    ordered_json metrics = ordered_json::object();
    for (std::size_t m = 0; m < comparison.metrics.size(); ++m) {
      const SampleStats& stats = row.metrics[m];
      metrics[comparison.metrics[m]] = {
          {"mean", number_or_null(stats.mean)},
          {"ci95_half_width",
           stats.ci95_half_width ? number_or_null(*stats.ci95_half_width) : nullptr},
          {"n", stats.count}};
    }
    rows.push_back({{"rank", row.rank()},
                    {"pareto_optimal", row.pareto_optimal()},
                    {"group", group},
                    {"runs", row.runs},
                    {"metrics", metrics}});
  }
  const ordered_json document = {
      {"by", comparison.by}, {"pareto_objectives", comparison.objectives}, {"rows", rows}};
  return document.dump(2) + "\n";
}

}  // namespace mycelium::analysis
