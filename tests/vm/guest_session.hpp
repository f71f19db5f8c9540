#pragma once
// What the kvm-tier tests share (tests/vm/kvm_guest_test.cpp, kvm_replication_test.cpp): the
// test guest's serial log and its dirty_counter lines, a guard that destroys and undefines the
// domain however the test leaves, and booting the test guest (tests/vm/make_guest.sh) rendered
// by render_domain_xml on a real libvirtd.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <real/vm/domain_type.hpp>
#include <real/vm/domain_xml.hpp>
#include <real/vm/guest_control.hpp>
#include <real/vm/libvirt_driver.hpp>
#include <real/vm/libvirt_error.hpp>

namespace mycelium::kvm_test {

using Clock = std::chrono::steady_clock;

struct TestFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void check(bool condition, const std::string& what) {
  if (!condition) throw TestFailure(what);
}

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

inline std::string fixed(double value, int digits) {
  std::ostringstream text;
  text.setf(std::ios::fixed);
  text.precision(digits);
  text << value;
  return text.str();
}

// The guest's serial output, read from the log file virtlogd writes.
class SerialLog {
 public:
  explicit SerialLog(std::filesystem::path path) : path_(std::move(path)) {}
  const std::filesystem::path& path() const { return path_; }

  std::string text() const {
    std::ifstream in(path_, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }

  // The count of the last complete "dirty_counter count=N rate=R" line, if any.
  std::optional<std::uint64_t> last_count() const {
    const std::string all = text();
    const std::size_t end = all.rfind('\n');  // ignore a line still being written
    if (end == std::string::npos) return std::nullopt;
    const std::string marker = "dirty_counter count=";
    const std::size_t at = all.rfind(marker, end);
    if (at == std::string::npos) return std::nullopt;
    return std::stoull(all.substr(at + marker.size()));
  }

  std::uintmax_t size() const {
    std::error_code error;
    const std::uintmax_t bytes = std::filesystem::file_size(path_, error);
    return error ? 0 : bytes;
  }

  // The first line containing `part`, for the report.
  std::string line_with(const std::string& part) const {
    std::istringstream lines(text());
    for (std::string line; std::getline(lines, line);) {
      if (line.find(part) != std::string::npos) {
        while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
          line.pop_back();
        return line;
      }
    }
    return "";
  }

 private:
  std::filesystem::path path_;
};

// Destroys and undefines the test domain when the test leaves, however it leaves.
class DomainGuard {
 public:
  DomainGuard(real::LibvirtDriver& driver, std::string name)
      : driver_(driver), name_(std::move(name)) {}
  ~DomainGuard() { remove(); }
  DomainGuard(const DomainGuard&) = delete;
  DomainGuard& operator=(const DomainGuard&) = delete;

  // Quietly: the domain may be stopped already, or not defined.
  void remove() { real::remove_domain(driver_, name_); }

 private:
  real::LibvirtDriver& driver_;
  std::string name_;
};

// The test guest: one vCPU, `memory_bytes` of RAM, the kernel and initramfs of make_guest.sh,
// dirty_counter cycling through `dirty_mib` MiB.
// The command line both kvm tests take (tests/vm/kvm_guest.sh passes the first four).
struct GuestOptions {
  std::string kernel;
  std::string initrd;
  std::filesystem::path work;
  std::string uri = "qemu:///system";
  std::string type = "auto";  // auto (choose_domain_type), kvm or qemu
  // What dirty_counter cycles through (dirty_mib= on the kernel command line). Small, so the
  // rate measures the vCPU rather than host TLB and cache misses: with 32 MiB on 4 KiB host pages
  // a throttled vCPU does 20 to 30 % less per CPU second than an unthrottled one.
  int dirty_mib = 4;
  std::uint64_t memory_mib = 256;
  // Pin the vCPU to the host's last CPU and QEMU's own threads to the others (when the host has
  // two or more): what the throttle test needs for its ratio to measure the quota rather than the
  // host's scheduler (tests/vm/kvm_guest_test.cpp).
  bool pin_vcpu = false;
  // Which ending of a test that has several (the failover test: crash or migrate); empty: its
  // default.
  std::string mode;
};

// Throws std::invalid_argument with the usage of `program` for anything else.
inline GuestOptions parse_guest_options(int argc, char** argv, const std::string& program,
                                        std::uint64_t default_memory_mib) {
  GuestOptions options;
  options.memory_mib = default_memory_mib;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument(flag + " needs a value");
    const std::string value = argv[++i];
    if (flag == "--kernel") {
      options.kernel = value;
    } else if (flag == "--initrd") {
      options.initrd = value;
    } else if (flag == "--work") {
      options.work = value;
    } else if (flag == "--uri") {
      options.uri = value;
    } else if (flag == "--type") {
      options.type = value;
    } else if (flag == "--dirty-mib") {
      options.dirty_mib = std::stoi(value);
    } else if (flag == "--memory-mib") {
      options.memory_mib = std::stoull(value);
    } else if (flag == "--mode") {
      options.mode = value;
    } else {
      throw std::invalid_argument("unknown option " + flag);
    }
  }
  if (options.kernel.empty() || options.initrd.empty() || options.work.empty()) {
    throw std::invalid_argument(
        "usage: " + program +
        " --kernel K --initrd I --work DIR [--uri URI] "
        "[--type auto|kvm|qemu] [--dirty-mib N] [--memory-mib N] [--mode M]");
  }
  if (options.type != "auto" && options.type != "kvm" && options.type != "qemu") {
    throw std::invalid_argument("--type must be auto, kvm or qemu, not " + options.type);
  }
  return options;
}

struct GuestSpec {
  std::string name;
  std::uint64_t memory_bytes = 256ULL << 20;
  std::string kernel;
  std::string initrd;
  int dirty_mib = 4;
  std::filesystem::path xml_path;  // where the rendered domain XML is kept, for the report
  std::chrono::seconds boot_timeout{90};
  // Empty: unpinned. Otherwise the vCPU runs on these host CPUs and QEMU's own threads on
  // emulator_cpus (cpuPinning, real/vm/domain_xml.hpp).
  std::vector<unsigned> vcpu_cpus;
  std::vector<unsigned> emulator_cpus;
};

inline manifest::EndophyteVM test_vm(const GuestSpec& spec) {
  manifest::EndophyteVM vm;
  vm.metadata.name = spec.name;
  vm.vm_spec.cpu_cores = 1;
  vm.vm_spec.memory_bytes = spec.memory_bytes;
  vm.performance_config.cpu_pinning = !spec.vcpu_cpus.empty();
  return vm;
}

// The test guest's domain as `type`, its console copied to `serial_log`; `incoming_deferred`
// for a standby that waits for a device state (real/vm/device_state.hpp).
inline std::string test_domain_xml(const GuestSpec& spec, real::DomainType type,
                                   const std::filesystem::path& serial_log,
                                   bool incoming_deferred = false) {
  real::DomainRenderInputs inputs;
  inputs.type = type;
  inputs.host_cpus = spec.vcpu_cpus;
  inputs.emulator_cpus = spec.emulator_cpus;
  // quiet: fewer bytes through the emulated UART; panic=-1: reboot at once if /init dies.
  inputs.kernel_boot = real::DirectKernelBoot{
      spec.kernel, spec.initrd,
      "console=ttyS0 quiet panic=-1 mitigations=off dirty_mib=" + std::to_string(spec.dirty_mib)};
  inputs.serial_log_path = serial_log.string();
  inputs.incoming_deferred = incoming_deferred;
  return real::render_domain_xml(test_vm(spec), inputs);
}

// Starts the guest as `type` and waits for its first counter line; returns the seconds from
// start to that line, or nullopt (with `why`) when it did not come.
inline std::optional<double> boot(real::LibvirtDriver& driver, DomainGuard& guard,
                                  const GuestSpec& spec, real::DomainType type,
                                  const SerialLog& log, std::string& why) {
  guard.remove();  // a domain left over from an interrupted run
  std::filesystem::remove(log.path());
  const std::string xml = test_domain_xml(spec, type, log.path());
  if (!spec.xml_path.empty()) std::ofstream(spec.xml_path) << xml;

  driver.define(xml);
  const Clock::time_point started = Clock::now();
  try {
    driver.start(spec.name);
  } catch (const real::LibvirtError& error) {
    why = error.what();
    return std::nullopt;
  }
  while (Clock::now() - started < spec.boot_timeout) {
    if (log.last_count()) return seconds_since(started);
    if (driver.info(spec.name).state != real::DomainState::kRunning) {
      why = "the domain stopped while booting";
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  why = "no counter line within " + std::to_string(spec.boot_timeout.count()) + " s";
  return std::nullopt;
}

// The test guest `name` as `options` describe it.
inline GuestSpec guest_spec(const GuestOptions& options, const std::string& name) {
  GuestSpec spec;
  spec.name = name;
  spec.memory_bytes = options.memory_mib << 20;
  spec.kernel = options.kernel;
  spec.initrd = options.initrd;
  spec.dirty_mib = options.dirty_mib;
  spec.xml_path = options.work / (name + ".xml");
  const unsigned host_cpus = std::thread::hardware_concurrency();
  if (options.pin_vcpu && host_cpus >= 2) {
    spec.vcpu_cpus = {host_cpus - 1};
    for (unsigned cpu = 0; cpu + 1 < host_cpus; ++cpu)
      spec.emulator_cpus.push_back(cpu);
  }
  return spec;
}

// The guest a test asked for, booted: its type, and the seconds from start to its first counter
// line.
struct BootedGuest {
  real::DomainType type = real::DomainType::kQemu;
  double boot_s = 0;
};

// Boots the test guest `name` as `options` ask: the domain type choose_domain_type() gives
// (kvm where /dev/kvm exists) unless --type says, falling back to qemu (TCG) when a kvm chosen
// automatically does not boot. Says what it chose on stdout, each line starting with `label`;
// throws TestFailure when the guest does not boot.
inline BootedGuest boot_as_asked(real::LibvirtDriver& driver, DomainGuard& guard,
                                 const GuestOptions& options, const std::string& name,
                                 const SerialLog& log, const std::string& label) {
  real::DomainType type = real::DomainType::kQemu;
  if (options.type == "auto") {
    const auto choice = real::choose_domain_type();
    type = choice.type;
    std::cout << label << ": domain type " << real::domain_type_name(type) << " (" << choice.reason
              << ")\n";
  } else {
    type = options.type == "kvm" ? real::DomainType::kKvm : real::DomainType::kQemu;
    std::cout << label << ": domain type " << options.type << " (--type)\n";
  }
  const GuestSpec spec = guest_spec(options, name);
  if (!spec.vcpu_cpus.empty()) {
    std::cout << label << ": vCPU pinned to host CPU " << spec.vcpu_cpus.front()
              << ", QEMU's own threads to the other " << spec.emulator_cpus.size() << "\n";
  }
  std::string why;
  std::optional<double> boot_s = boot(driver, guard, spec, type, log, why);
  if (!boot_s && type == real::DomainType::kKvm && options.type == "auto") {
    // /dev/kvm can exist and still be unusable (not accessible to QEMU's user, or a nested
    // hypervisor that cannot run the guest): software emulation always works.
    std::cout << label << ": kvm did not boot (" << why << "); falling back to qemu (TCG)\n";
    type = real::DomainType::kQemu;
    boot_s = boot(driver, guard, spec, type, log, why);
  }
  check(boot_s.has_value(), "the guest did not boot as " +
                                std::string(real::domain_type_name(type)) + ": " + why +
                                "; serial log " + log.path().string());
  return BootedGuest{type, *boot_s};
}

// A connection to libvirt on `uri`, or null when no libvirtd answers (then it has said so on
// stdout, each line starting with `label`: the test skips with exit code 77).
inline std::unique_ptr<real::LibvirtDriver> connect_or_skip(const std::string& uri,
                                                            const std::string& label) {
  try {
    return std::make_unique<real::LibvirtDriver>(uri);
  } catch (const real::LibvirtError& error) {
    std::cout << label << ": skipped: no libvirtd to talk to: " << error.what()
              << " (tests/vm/start_libvirtd.sh starts one)\n";
    return nullptr;
  }
}

// The main() of a kvm test: parses the options (`default_memory_mib` unless --memory-mib), runs
// `run`, and turns a failure into "LABEL: FAILED: why" on stderr and exit code 1.
template <typename Run>
int guest_test_main(int argc, char** argv, const std::string& program, const std::string& label,
                    std::uint64_t default_memory_mib, Run&& run) {
  try {
    return run(parse_guest_options(argc, argv, program, default_memory_mib));
  } catch (const std::exception& error) {  // TestFailure, LibvirtError, bad options, ...
    std::cerr << label << ": FAILED: " << error.what() << "\n";
  }
  return 1;
}

}  // namespace mycelium::kvm_test
