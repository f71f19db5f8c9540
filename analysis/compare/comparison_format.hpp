#pragma once
// A Comparison as text: an aligned table for the terminal, CSV and JSON for tools, Markdown for
// reports. CSV and JSON keep metric names and raw values (units are in the names); the table and
// Markdown show readable units (bytes as MiB) and "mean ± 95 % CI".

#include <string>

#include <analysis/compare/comparison.hpp>

namespace mycelium::analysis {

std::string format_table(const Comparison& comparison);
std::string format_markdown(const Comparison& comparison);
std::string format_csv(const Comparison& comparison);
std::string format_json(const Comparison& comparison);

}  // namespace mycelium::analysis
