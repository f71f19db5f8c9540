// `mycelium plot RESULTS.h5 [-o DIR]`: checks the results file here, then hands it to
// analysis/plot.py, which draws the PNG files (matplotlib is where the plotting code lives; the
// command only gives it a checked file, a folder and one way to call it).

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>

#include <analysis/results/results.hpp>
#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/file_io.hpp>

extern char** environ;

namespace mycelium::cli {

namespace {

namespace fs = std::filesystem;

// Debian's interpreter, not whatever `python3` comes first on PATH: it is the one scripts/setup
// gives matplotlib, h5py and PyYAML.
constexpr const char* kPython = "/usr/bin/python3";

fs::path plot_script() {
  const char* from_env = std::getenv("MYCELIUM_ANALYSIS_DIR");
  const fs::path directory = from_env != nullptr && *from_env != '\0'
                                 ? fs::path(from_env)
                                 : fs::path(MYCELIUM_ANALYSIS_DIR);
  const fs::path script = directory / "plot.py";
  std::error_code error;
  if (!fs::is_regular_file(script, error)) {
    throw UserError(
        "cannot find " + script.string() +
        " (set MYCELIUM_ANALYSIS_DIR to the analysis folder of a Mycelium source tree)");
  }
  return script;
}

// The default folder, plots/<scenario>; the name comes from the file, so refuse one that would
// climb out of plots/ or name no folder at all.
fs::path default_output(const std::string& scenario, const std::string& results_file) {
  if (scenario.empty() || scenario == "." || scenario == ".." ||
      scenario.find('/') != std::string::npos) {
    throw UserError("cannot derive a folder from the scenario name '" + scenario + "' of " +
                    results_file + "; give one with -o DIR");
  }
  return fs::path("plots") / scenario;
}

// Runs argv without a shell and returns its exit code; `what` names it in messages.
int run_process(const std::vector<std::string>& argv, const std::string& what) {
  std::vector<char*> pointers;
  for (const std::string& word : argv)
    pointers.push_back(const_cast<char*>(word.c_str()));  // posix_spawn's signature, not a write
  pointers.push_back(nullptr);
  std::cout.flush();  // the child writes to the same stdout and stderr: keep the order
  std::cerr.flush();
  pid_t child = 0;
  // glibc's posix_spawn reports a failed exec (a missing interpreter) as its return value.
  const int spawn_error =
      posix_spawn(&child, argv[0].c_str(), nullptr, nullptr, pointers.data(), environ);
  if (spawn_error != 0) {
    throw UserError("cannot run " + argv[0] + ": " + std::strerror(spawn_error) +
                    " (scripts/setup installs python3 with matplotlib)");
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR)
      throw std::runtime_error("waitpid failed: " + std::string(std::strerror(errno)));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  std::cerr << "mycelium: " << what << " was killed by signal " << WTERMSIG(status) << "\n";
  return kExitInternalError;
}

}  // namespace

int run_plot(const PlotOptions& options) {
  // Read the file here first, so a bad file gets the same message and exit code as in every
  // other command, before any Python starts. The scenario name is only in the full read; with
  // -o the summary table (no time series) is enough for the check.
  fs::path output = options.output_dir;
  try {
    if (output.empty()) {
      output = default_output(analysis::read_results(options.results_file).scenario_name,
                              options.results_file);
    } else {
      analysis::read_summary_table(options.results_file);
    }
  } catch (const analysis::ResultsError& error) {
    throw UserError(error.what());
  }
  const fs::path script = plot_script();
  // --output=DIR and `--` keep a folder or file name that starts with '-' from being taken for
  // an option; -B keeps Python from writing __pycache__ into the analysis folder.
  return run_process(
      {kPython, "-B", script.string(), "--output=" + output.string(), "--", options.results_file},
      script.string());
}

}  // namespace mycelium::cli
