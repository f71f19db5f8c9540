// mycelium ssi assess APP.yaml: what each SSI model would cost an application, predicted from the
// simulated baseline (analysis/ssi/baseline_model.hpp), next to its compatibility verdict
// (core/ssi/compatibility.hpp); docs/ssi.md, "Assessing an application".

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include <analysis/results/results.hpp>
#include <analysis/ssi/baseline_model.hpp>
#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/file_io.hpp>
#include <core/manifest/manifest.hpp>
#include <core/manifest/quantity.hpp>
#include <core/ssi/compatibility.hpp>

namespace mycelium::cli {
namespace {

std::string fixed(double value, int precision) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(precision) << value;
  return out.str();
}

double milliseconds(std::chrono::nanoseconds duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

manifest::Application read_application(const std::string& file) {
  const manifest::LoadResult loaded =
      manifest::load_manifests(read_text_file(file, kMaxInputBytes), file);
  if (!loaded.ok()) throw UserError(loaded.diagnostics.format());
  if (loaded.objects.size() != 1 ||
      !std::holds_alternative<manifest::Application>(loaded.objects.front().object)) {
    throw UserError(file + ": expected exactly one document of kind Application");
  }
  return std::get<manifest::Application>(loaded.objects.front().object);
}

analysis::ResultsFile read_baseline(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    throw UserError(path +
                    ": no baseline results there; make them with `mycelium run "
                    "scenarios/ssi-baseline.yaml -o " +
                    path + "` (about 20 s), or name another file with --baseline");
  }
  try {
    return analysis::read_results(path);
  } catch (const analysis::ResultsError& error) {
    throw UserError(error.what());
  }
}

std::chrono::nanoseconds parse_rtt(const std::string& text) {
  const auto parsed = manifest::parse_duration(text);
  if (!parsed.ok()) throw UserError("--rtt " + text + ": " + parsed.error());
  if (parsed.value() <= std::chrono::nanoseconds::zero())
    throw UserError("--rtt " + text + ": expected a round-trip time above 0");
  return parsed.value();
}

}  // namespace

int run_ssi_assess(const SsiAssessOptions& options) {
  const manifest::Application app = read_application(options.app_file);
  const std::chrono::nanoseconds rtt = parse_rtt(options.rtt);
  const std::uint32_t nodes =
      options.nodes != 0 ? options.nodes : app.replicas.value_or(kDefaultSsiNodes);
  if (nodes < 1) throw UserError("--nodes: expected at least 1");
  const analysis::ResultsFile baseline = read_baseline(options.baseline);
  std::optional<analysis::SsiBaselineModel> model;
  try {
    model.emplace(baseline);
  } catch (const analysis::ResultsError& error) {
    throw UserError(options.baseline + ": " + error.what());
  }
  const ssi::CompatibilityReport report = ssi::analyze({}, &app);
  const double rtt_ms = milliseconds(rtt);
  const double state = static_cast<double>(app.state_bytes);
  std::vector<std::string> notes;

  // Lock-step: what N replicas add to a step, against the latency budget.
  const auto lockstep = model->lockstep(rtt_ms, nodes);
  std::string lockstep_text = "not in the baseline (no lock-step runs)";
  nlohmann::json lockstep_json = nullptr;
  if (lockstep) {
    const double one = lockstep->one_replica_ms.value;
    const double added = lockstep->added_ms.value;
    lockstep_text = "+" + fixed(added, 3) + " ms per input over one node (" + fixed(one, 3) +
                    " -> " + fixed(one + added, 3) + " ms, " + fixed((one + added) / one, 2) + "x)";
    lockstep_json = {{"one_node_ms", one}, {"added_ms", added}, {"ratio", (one + added) / one}};
    if (app.latency_budget) {
      const double budget = milliseconds(*app.latency_budget);
      const bool fits = added <= budget;
      lockstep_text += fits ? "; within" : "; exceeds";
      lockstep_text += " the latency budget of " + manifest::format_duration(*app.latency_budget);
      lockstep_json["within_latency_budget"] = fits;
    }
    if (lockstep->one_replica_ms.clamped || lockstep->added_ms.clamped) {
      notes.push_back("lock-step: RTT " + options.rtt + " or " + std::to_string(nodes) +
                      " replicas lies outside the baseline (RTT " + model->lockstep_rtt_range() +
                      " ms, replicas " + model->lockstep_replica_range() +
                      "): its nearest edge was used");
    }
    notes.push_back(
        "lock-step: the baseline's steps compute 1 ms and ship inputs, never state; the state "
        "size (" +
        manifest::format_byte_quantity(app.state_bytes) +
        ") would cost a replacement replica its transfer, which phase 1 does not model");
  }

  // Chunked: the makespan over the ideal per consistency model, with this app's state as input.
  std::string chunked_text;
  nlohmann::json chunked_json = nlohmann::json::object();
  bool chunked_clamped = false;
  for (const std::string& name : model->chunked_models()) {
    const auto estimate = model->chunked(name, rtt_ms, nodes, state);
    if (!estimate) continue;
    chunked_clamped = chunked_clamped || estimate->makespan_over_ideal.clamped;
    std::string line = name + ": " + fixed(estimate->makespan_over_ideal.value, 2) + "x the ideal";
    nlohmann::json entry{{"makespan_over_ideal", estimate->makespan_over_ideal.value}};
    if (estimate->wrong_chunks_with_faulty_worker) {
      const double wrong = *estimate->wrong_chunks_with_faulty_worker;
      line += wrong == 0 ? ", no wrong result from a faulty worker"
                         : ", " + fixed(wrong, 1) +
                               " wrong chunks per job with one faulty worker (baseline mean)";
      entry["wrong_chunks_with_faulty_worker"] = wrong;
    }
    chunked_text += (chunked_text.empty() ? "" : "\n" + std::string(46, ' ')) + line;
    chunked_json[name] = entry;
  }
  if (chunked_text.empty()) chunked_text = "not in the baseline (no chunked runs)";
  if (chunked_clamped) {
    notes.push_back("chunked: RTT " + options.rtt + ", " + std::to_string(nodes) +
                    " workers or the state size " +
                    manifest::format_byte_quantity(app.state_bytes) +
                    " lies outside the baseline on some axis: its nearest edge was used");
  }

  if (options.json) {
    const auto verdict = [](const ssi::ModelVerdict& v) {
      return nlohmann::json{{"verdict", ssi::to_string(v.verdict)}, {"reasons", v.reasons}};
    };
    nlohmann::json out{
        {"application", app.metadata.name},
        {"baseline", options.baseline},
        {"rtt_ms", rtt_ms},
        {"nodes", nodes},
        {"state_bytes", app.state_bytes},
        {"lock-step", {{"compatibility", verdict(report.lock_step)}, {"predicted", lockstep_json}}},
        {"asynchronous-chunked",
         {{"compatibility", verdict(report.asynchronous_chunked)}, {"predicted", chunked_json}}},
        {"notes", notes}};
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << options.app_file << ": Application " << app.metadata.name << " ("
            << manifest::kArchitectureNames.name(app.architecture) << ", state "
            << manifest::format_byte_quantity(app.state_bytes) << ", latency budget "
            << (app.latency_budget ? manifest::format_duration(*app.latency_budget) : "none")
            << ")\nbaseline: " << options.baseline << " (scenario " << baseline.scenario_name
            << ", " << baseline.runs.size() << " runs); predicted at RTT " << options.rtt << ", "
            << nodes << " nodes\n\n"
            << std::left << std::setw(22) << "model" << std::setw(24) << "compatibility"
            << "predicted cost\n"
            << std::setw(22) << "lock-step" << std::setw(24)
            << ssi::to_string(report.lock_step.verdict) << lockstep_text << "\n"
            << std::setw(22) << "asynchronous chunked" << std::setw(24)
            << ssi::to_string(report.asynchronous_chunked.verdict) << chunked_text << "\n";
  for (const auto& [label, verdict] :
       {std::pair{"lock-step", &report.lock_step},
        std::pair{"asynchronous chunked", &report.asynchronous_chunked}}) {
    for (const std::string& reason : verdict->reasons)
      std::cout << "  " << label << ": " << reason << "\n";
  }
  for (const std::string& note : notes)
    std::cout << "note: " << note << "\n";
  return kExitOk;
}

}  // namespace mycelium::cli
