#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/file_io.hpp>
#include <apps/mycelium/run_pool.hpp>

namespace mycelium::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string format_clock(double seconds) {
  const auto total = static_cast<long>(std::lround(seconds));
  char text[32];
  std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
  return text;
}

// One line on stderr: a bar on a terminal (redrawn), a line per tenth otherwise.
class Progress {
 public:
  Progress(std::size_t total, bool quiet) : total_(total), quiet_(quiet), tty_(isatty(2) != 0) {}

  void update(std::size_t done) {
    if (quiet_) return;
    const double elapsed_s = std::chrono::duration<double>(Clock::now() - start_).count();
    const double eta_s = done == 0 ? 0.0 : elapsed_s / done * (total_ - done);
    constexpr std::size_t kWidth = 30;
    const std::size_t filled = total_ == 0 ? kWidth : kWidth * done / total_;
    std::ostringstream line;
    line << "[" << std::string(filled, '#') << std::string(kWidth - filled, '.') << "] " << done
         << "/" << total_ << " runs, elapsed " << format_clock(elapsed_s) << ", ETA "
         << (done == 0 ? std::string("?") : format_clock(eta_s));
    if (tty_) {
      std::cerr << "\r" << line.str() << (done == total_ ? "\n" : "") << std::flush;
    } else if (done == total_ || done * 10 / total_ != last_tenth_) {
      last_tenth_ = total_ == 0 ? 10 : done * 10 / total_;
      std::cerr << line.str() << "\n";
    }
  }

 private:
  std::size_t total_;
  bool quiet_;
  bool tty_;
  std::size_t last_tenth_ = 0;
  Clock::time_point start_ = Clock::now();
};

// Runs in the child: never returns.
[[noreturn]] void run_child(const std::string& scenario_name, const PoolRun& run,
                            const fs::path& file) {
  int code = 0;
  try {
    analysis::ResultsFile results;
    results.mycelium_version = MYCELIUM_VERSION;
    results.scenario_name = scenario_name;
    results.runs.push_back(run.run());
    analysis::write_results(file, results);
  } catch (const std::exception& error) {
    std::cerr << "mycelium: run " << run.name << ": " << error.what() << "\n";
    code = kExitUserError;
  }
  std::cerr.flush();
  _exit(code);  // not exit(): the parent's atexit handlers and buffers are not ours
}

}  // namespace

std::size_t parallel_jobs(unsigned requested) {
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  return requested > 0 ? requested : static_cast<std::size_t>(std::max(1L, cores));
}

std::optional<std::vector<analysis::RunResult>> run_each_in_child(const std::string& scenario_name,
                                                                  const std::vector<PoolRun>& runs,
                                                                  const ScratchFolder& scratch,
                                                                  std::size_t jobs, bool quiet) {
  if (runs.empty()) return std::vector<analysis::RunResult>{};  // a shard beyond the sweep
  const auto run_file = [&scratch](std::size_t index) {
    return scratch.path() / ("run-" + std::to_string(index) + ".h5");
  };
  Progress progress(runs.size(), quiet);
  progress.update(0);
  std::size_t next = 0;
  std::size_t done = 0;
  std::size_t active = 0;
  bool failed = false;
  // Whatever is buffered would be written twice: by the parent and by every child.
  std::cout.flush();
  std::cerr.flush();
  while (done < runs.size() && !(failed && active == 0)) {
    while (!failed && active < jobs && next < runs.size()) {
      const pid_t child = fork();
      if (child < 0) throw std::runtime_error("fork failed");
      if (child == 0) run_child(scenario_name, runs[next], run_file(next));
      ++next;
      ++active;
    }
    int status = 0;
    if (waitpid(-1, &status, 0) < 0) throw std::runtime_error("waitpid failed");
    --active;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      progress.update(++done);
    } else {
      failed = true;
    }
  }
  if (failed) return std::nullopt;

  std::vector<analysis::RunResult> results;
  results.reserve(runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    analysis::ResultsFile one = analysis::read_results(run_file(i));
    results.push_back(std::move(one.runs.at(0)));
  }
  return results;
}

std::optional<std::vector<analysis::RunResult>> run_for_output(const std::string& scenario_name,
                                                               const std::vector<PoolRun>& runs,
                                                               const fs::path& output,
                                                               unsigned requested_jobs, bool quiet,
                                                               const std::string& what) {
  const fs::path output_dir = create_output_folder(output);
  const ScratchFolder scratch(output_dir, kRunScratchPrefix);
  const std::size_t jobs = parallel_jobs(requested_jobs);
  if (!quiet) std::cerr << what << ", " << jobs << " in parallel\n";
  std::optional<std::vector<analysis::RunResult>> results =
      run_each_in_child(scenario_name, runs, scratch, jobs, quiet);
  if (!results) std::cerr << "mycelium: a run failed (see above); no results written\n";
  return results;
}

void write_results_and_summary(const fs::path& output, const std::string& scenario_name,
                               std::vector<analysis::RunResult> runs,
                               const std::function<void(const analysis::ResultsFile&)>& summary) {
  analysis::ResultsFile merged;
  merged.mycelium_version = MYCELIUM_VERSION;
  merged.scenario_name = scenario_name;
  merged.runs = std::move(runs);
  try {
    analysis::write_results(output, merged);
  } catch (const analysis::ResultsError& failure) {
    throw UserError(failure.what());  // e.g. an output folder that is not writable
  }
  summary(merged);
  std::cout << "\nresults: " << output.string() << " (" << merged.runs.size() << " runs)\n";
}

}  // namespace mycelium::cli
