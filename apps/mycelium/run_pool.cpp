#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/file_io.hpp>
#include <apps/mycelium/print_spore_summary.hpp>
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

// One line on stderr: a bar on a terminal (redrawn), a line per tenth otherwise. Work done
// counts the finished runs plus the fractions the running ones reported.
class Progress {
 public:
  Progress(std::size_t total, bool quiet) : total_(total), quiet_(quiet), tty_(isatty(2) != 0) {}

  void update(std::size_t done, double running_fractions, std::size_t running) {
    if (quiet_) return;
    const double work = static_cast<double>(done) + running_fractions;
    const std::size_t tenth = total_ == 0 ? 10 : static_cast<std::size_t>(work * 10.0 / total_);
    // Not a terminal (a log): a line per tenth of the work, and one at the end.
    if (!tty_ && printed_ && tenth == last_tenth_ && !(done == total_ && done != last_done_))
      return;
    const double elapsed_s = std::chrono::duration<double>(Clock::now() - start_).count();
    const double eta_s = work <= 0.0 ? 0.0 : elapsed_s / work * (total_ - work);
    constexpr std::size_t kWidth = 30;
    const auto filled = static_cast<std::size_t>(
        total_ == 0 ? kWidth : std::min<double>(kWidth, kWidth * work / total_));
    std::ostringstream line;
    line << "[" << std::string(filled, '#') << std::string(kWidth - filled, '.') << "] " << done
         << "/" << total_ << " runs";
    if (running > 0 && running_fractions > 0.0) {
      line << " (" << running << " running, " << std::lround(100.0 * running_fractions / running)
           << " % done on average)";
    }
    line << ", elapsed " << format_clock(elapsed_s) << ", ETA "
         << (work <= 0.0 ? std::string("?") : format_clock(eta_s));
    if (tty_) {
      // Pad over a longer previous line.
      std::string text = line.str();
      const std::size_t length = text.size();
      if (text.size() < last_length_) text.append(last_length_ - text.size(), ' ');
      last_length_ = length;
      std::cerr << "\r" << text << (done == total_ ? "\n" : "") << std::flush;
    } else {
      std::cerr << line.str() << "\n";
    }
    last_done_ = done;
    last_tenth_ = tenth;
    printed_ = true;
  }

 private:
  std::size_t total_;
  bool quiet_;
  bool tty_;
  std::size_t last_done_ = 0;
  std::size_t last_tenth_ = 0;
  std::size_t last_length_ = 0;
  bool printed_ = false;
  Clock::time_point start_ = Clock::now();
};

// Runs in the child: never returns. Reports its progress as doubles on `progress_fd`.
[[noreturn]] void run_child(const std::string& scenario_name, const PoolRun& run,
                            const fs::path& file, int progress_fd) {
  int code = 0;
  try {
    analysis::ResultsFile results;
    results.mycelium_version = MYCELIUM_VERSION;
    results.scenario_name = scenario_name;
    double reported = 0.0;
    results.runs.push_back(run.run([progress_fd, &reported](double fraction) {
      // A percent at a time is plenty, and bounds the writes whatever the run's sampling.
      if (fraction < reported + 0.01 && fraction < 1.0) return;
      reported = fraction;
      // A pipe write this small is atomic; if the parent is gone, there is nobody to tell.
      [[maybe_unused]] const ssize_t written = write(progress_fd, &fraction, sizeof fraction);
    }));
    analysis::write_results(file, results);
  } catch (const std::exception& error) {
    std::cerr << "mycelium: run " << run.name << ": " << error.what() << "\n";
    code = kExitUserError;
  }
  std::cerr.flush();
  _exit(code);  // not exit(): the parent's atexit handlers and buffers are not ours
}

// A running child, and the read end of its progress pipe.
struct Child {
  pid_t pid = -1;
  int progress_fd = -1;
  double fraction = 0.0;
  bool pipe_closed = false;  // the child is ending (or ended): reap it
};

// Reads every report waiting on the child's pipe (non-blocking); keeps the latest.
void read_progress(Child& child) {
  double reports[64];
  for (;;) {
    const ssize_t got = read(child.progress_fd, reports, sizeof reports);
    if (got == 0) child.pipe_closed = true;
    if (got <= 0) return;  // nothing more now (EAGAIN), or the child closed it
    const auto count = static_cast<std::size_t>(got) / sizeof(double);
    if (count > 0) child.fraction = std::clamp(reports[count - 1], 0.0, 1.0);
  }
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
  progress.update(0, 0.0, 0);
  std::size_t next = 0;
  std::size_t done = 0;
  bool failed = false;
  std::vector<Child> active;
  // Whatever is buffered would be written twice: by the parent and by every child.
  std::cout.flush();
  std::cerr.flush();
  while (done < runs.size() && !(failed && active.empty())) {
    while (!failed && active.size() < jobs && next < runs.size()) {
      int fds[2];
      if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
      const pid_t pid = fork();
      if (pid < 0) throw std::runtime_error("fork failed");
      if (pid == 0) {
        close(fds[0]);
        for (const Child& sibling : active)
          close(sibling.progress_fd);
        run_child(scenario_name, runs[next], run_file(next), fds[1]);
      }
      close(fds[1]);
      fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
      active.push_back(Child{pid, fds[0], 0.0});
      ++next;
    }
    // Wait for progress (or a pipe closing as its child ends), at most a second.
    std::vector<pollfd> polled;
    for (const Child& child : active)
      polled.push_back(pollfd{child.progress_fd, POLLIN, 0});
    if (poll(polled.data(), polled.size(), 1000) < 0 && errno != EINTR)
      throw std::runtime_error("poll failed");
    double fractions = 0.0;
    for (Child& child : active) {
      read_progress(child);
      fractions += child.fraction;
    }
    // Reap every child that ended.
    for (auto it = active.begin(); it != active.end();) {
      int status = 0;
      // A closed pipe means the child is exiting: wait for it rather than poll it again.
      const pid_t ended = waitpid(it->pid, &status, it->pipe_closed ? 0 : WNOHANG);
      if (ended < 0) throw std::runtime_error("waitpid failed");
      if (ended == 0) {
        ++it;
        continue;
      }
      fractions -= it->fraction;
      close(it->progress_fd);
      it = active.erase(it);
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        ++done;
      } else {
        failed = true;
      }
    }
    progress.update(done, std::max(0.0, fractions), active.size());
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
                               std::vector<analysis::RunResult> runs) {
  analysis::ResultsFile merged;
  merged.mycelium_version = MYCELIUM_VERSION;
  merged.scenario_name = scenario_name;
  merged.runs = std::move(runs);
  try {
    analysis::write_results(output, merged);
  } catch (const analysis::ResultsError& failure) {
    throw UserError(failure.what());  // e.g. an output folder that is not writable
  }
  print_results_summary(merged);
  std::cout << "\nresults: " << output.string() << " (" << merged.runs.size() << " runs)\n";
}

}  // namespace mycelium::cli
