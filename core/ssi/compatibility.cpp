#include <algorithm>
#include <array>

#include <core/ssi/compatibility.hpp>

namespace mycelium::ssi {
namespace {

// What each concern is recognised by: imported symbols, and libraries (a prefix of a DT_NEEDED
// name, e.g. "libudev.so").
struct Rule {
  Concern concern;
  std::vector<std::string_view> symbols;
  std::vector<std::string_view> libraries;
};

const std::vector<Rule>& rules() {
  static const std::vector<Rule> kRules = {
      {Concern::kThreads, {"pthread_create", "thrd_create", "clone", "clone3"}, {}},
      {Concern::kSharedMemory, {"shm_open", "shmget", "shmat", "memfd_create"}, {}},
      {Concern::kProcessCreation,
       {"fork", "vfork", "posix_spawn", "posix_spawnp", "execve", "execv", "execvp", "execvpe",
        "execl", "execlp", "execle", "fexecve", "system", "popen"},
       {}},
      {Concern::kWallClock,
       {"time", "gettimeofday", "clock_gettime", "ftime", "timespec_get", "__clock_gettime64"},
       {}},
      {Concern::kRandomness,
       {"rand", "random", "rand_r", "random_r", "drand48", "lrand48", "mrand48", "getrandom",
        "getentropy", "arc4random", "RAND_bytes"},
       {"libcrypto.so", "libgcrypt.so", "libsodium.so"}},
      {Concern::kDevices,
       {},
       {"libudev.so", "libusb", "libdrm.so", "libasound.so", "libpci.so", "libv4l2.so"}},
      {Concern::kIoctl, {"ioctl"}, {}},
      {Concern::kSignals,
       {"signal", "sigaction", "kill", "raise", "alarm", "setitimer", "timer_create", "sigqueue",
        "pthread_kill", "signalfd"},
       {}},
      {Concern::kNetwork,
       {"socket", "connect", "accept", "accept4", "bind", "listen", "recv", "recvfrom", "recvmsg",
        "send", "sendto", "sendmsg", "epoll_wait"},
       {}},
  };
  return kRules;
}

bool contains(const std::vector<Finding>& findings, Concern concern) {
  return std::any_of(findings.begin(), findings.end(),
                     [concern](const Finding& finding) { return finding.concern == concern; });
}

const Finding& finding(const std::vector<Finding>& findings, Concern concern) {
  return *std::find_if(findings.begin(), findings.end(),
                       [concern](const Finding& found) { return found.concern == concern; });
}

// "threads (pthread_create)": a concern and the first of its evidence.
std::string cite(const std::vector<Finding>& findings, Concern concern) {
  const Finding& found = finding(findings, concern);
  std::string text = std::string(to_string(concern)) + " (" + found.evidence.front();
  if (found.evidence.size() > 1) text += ", +" + std::to_string(found.evidence.size() - 1);
  return text + ")";
}

struct Judgement {
  Concern concern;
  Verdict verdict;
  std::string_view why;
};

ModelVerdict judge(const std::vector<Finding>& findings, const std::vector<Judgement>& table) {
  ModelVerdict result;
  for (const Verdict severity : {Verdict::kNotSuitable, Verdict::kCostly}) {
    for (const Judgement& judgement : table) {
      if (judgement.verdict != severity || !contains(findings, judgement.concern)) continue;
      if (result.verdict == Verdict::kSuitable) result.verdict = severity;
      result.reasons.push_back(cite(findings, judgement.concern) + ": " +
                               std::string(judgement.why));
    }
  }
  return result;
}

}  // namespace

std::string_view to_string(Concern concern) {
  switch (concern) {
    case Concern::kThreads:
      return "threads";
    case Concern::kSharedMemory:
      return "shared-memory";
    case Concern::kProcessCreation:
      return "process-creation";
    case Concern::kWallClock:
      return "wall-clock";
    case Concern::kRandomness:
      return "randomness";
    case Concern::kDevices:
      return "devices";
    case Concern::kIoctl:
      return "ioctl";
    case Concern::kSignals:
      return "signals";
    case Concern::kNetwork:
      return "network";
    case Concern::kNativelyDistributed:
      return "natively-distributed";
  }
  return "?";
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::kSuitable:
      return "suitable";
    case Verdict::kCostly:
      return "costly";
    case Verdict::kNotSuitable:
      return "not suitable";
  }
  return "?";
}

CompatibilityReport analyze(const ElfImports& imports) {
  return analyze(std::vector<ImportSource>{{"", imports}});
}

namespace {

// What an Application description says, as evidence for the concerns it bears on.
void add_hints(const manifest::Application& application, std::vector<Finding>& findings) {
  const auto add = [&findings](Concern concern, std::string evidence) {
    for (Finding& found : findings) {
      if (found.concern == concern) {
        found.evidence.push_back(std::move(evidence));
        return;
      }
    }
    findings.push_back(Finding{concern, {std::move(evidence)}});
  };
  // cpuCores is not a hint: it sizes the application (2 by default) and says nothing of threads.
  const std::string from = " in Application " + application.metadata.name;
  if (!application.ports.empty()) {
    std::string ports;
    for (const std::uint16_t port : application.ports)
      ports += (ports.empty() ? "" : "/") + std::to_string(port);
    add(Concern::kNetwork, "ports " + ports + from);
  }
  if (application.architecture == manifest::Architecture::kNativelyDistributed)
    add(Concern::kNativelyDistributed, "architecture natively-distributed" + from);
}

}  // namespace

CompatibilityReport analyze(const std::vector<ImportSource>& sources,
                            const manifest::Application* application) {
  CompatibilityReport report;
  for (const Rule& rule : rules()) {
    Finding found{rule.concern, {}};
    for (const ImportSource& source : sources) {
      const std::string where = source.name.empty() ? "" : " in " + source.name;
      for (const std::string_view symbol : rule.symbols) {
        const std::vector<std::string>& symbols = source.imports.symbols;
        if (std::binary_search(symbols.begin(), symbols.end(), symbol))
          found.evidence.push_back(std::string(symbol) + where);
      }
      for (const std::string& library : source.imports.needed) {
        for (const std::string_view prefix : rule.libraries) {
          if (library.starts_with(prefix)) found.evidence.push_back(library + where);
        }
      }
    }
    if (found.evidence.empty()) continue;
    // The binary's own imports first (no " in "), then the libraries', each group sorted.
    std::sort(found.evidence.begin(), found.evidence.end(),
              [](const std::string& a, const std::string& b) {
                const bool a_own = a.find(" in ") == std::string::npos;
                const bool b_own = b.find(" in ") == std::string::npos;
                return a_own != b_own ? a_own : a < b;
              });
    found.evidence.erase(std::unique(found.evidence.begin(), found.evidence.end()),
                         found.evidence.end());
    report.findings.push_back(std::move(found));
  }
  if (application) add_hints(*application, report.findings);
  std::sort(report.findings.begin(), report.findings.end(),
            [](const Finding& a, const Finding& b) { return a.concern < b.concern; });
  report.lock_step =
      judge(report.findings,
            {
                {Concern::kNativelyDistributed, Verdict::kNotSuitable,
                 "it runs as its own cluster already: SSI would hide the nodes it manages"},
                {Concern::kThreads, Verdict::kNotSuitable,
                 "threads interleave differently on every replica"},
                {Concern::kSharedMemory, Verdict::kNotSuitable,
                 "memory shared with other processes is outside the replicated state"},
                {Concern::kProcessCreation, Verdict::kNotSuitable,
                 "child processes run outside the replicated state"},
                {Concern::kDevices, Verdict::kNotSuitable, "a device belongs to one host"},
                {Concern::kWallClock, Verdict::kCostly,
                 "every clock read must be intercepted and agreed through the sequencer"},
                {Concern::kIoctl, Verdict::kCostly,
                 "ioctl results (terminal, device) must be taken on one host and agreed"},
                {Concern::kRandomness, Verdict::kCostly,
                 "random sources must be intercepted and seeded alike on every replica"},
                {Concern::kSignals, Verdict::kCostly,
                 "asynchronous signals must be delivered at agreed points"},
                {Concern::kNetwork, Verdict::kCostly,
                 "every input from the network must pass through the sequencer"},
            });
  report.asynchronous_chunked = judge(
      report.findings,
      {
          {Concern::kNativelyDistributed, Verdict::kNotSuitable,
           "it runs as its own cluster already: SSI would hide the nodes it manages"},
          {Concern::kSharedMemory, Verdict::kNotSuitable,
           "chunks on different nodes cannot share memory"},
          {Concern::kDevices, Verdict::kNotSuitable, "a device belongs to one host"},
          {Concern::kIoctl, Verdict::kCostly, "ioctl reaches the terminal or device of one host"},
          {Concern::kThreads, Verdict::kCostly,
           "scheduling can make redundant copies of a chunk disagree"},
          {Concern::kWallClock, Verdict::kCostly,
           "results that depend on the time disagree between copies"},
          {Concern::kRandomness, Verdict::kCostly,
           "copies must be seeded alike for a majority vote to agree"},
          {Concern::kNetwork, Verdict::kCostly,
           "side effects on the network happen once per redundant copy"},
          {Concern::kProcessCreation, Verdict::kCostly,
           "child processes multiply with the redundancy"},
      });
  return report;
}

}  // namespace mycelium::ssi
