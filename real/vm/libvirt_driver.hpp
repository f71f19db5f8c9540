#pragma once
// Guests through the libvirt C API: one connection (a URI such as "qemu:///system", or
// "test:///default", libvirt's in-process mock the tests use), and the lifecycle of its domains
// by name. Every failure throws LibvirtError naming the domain, the operation and libvirt's
// message (real/vm/libvirt_error.hpp). Thread-safe as far as libvirt is: a virConnectPtr may be
// shared between threads.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include <libvirt/libvirt.h>

namespace mycelium::real {

// virDomainState.
enum class DomainState {
  kNoState,
  kRunning,
  kBlocked,
  kPaused,
  kShutdown,  // being shut down
  kShutoff,
  kCrashed,
  kPmSuspended,
};
std::string_view domain_state_name(DomainState state);

struct DomainInfo {
  DomainState state = DomainState::kNoState;
  unsigned vcpus = 0;
  std::uint64_t memory_bytes = 0;      // what the guest has now
  std::uint64_t max_memory_bytes = 0;  // what it may grow to
  std::chrono::nanoseconds cpu_time{0};
};

// virDomainEventType: what a lifecycle event says happened to a domain.
enum class LifecycleEventKind {
  kDefined,
  kUndefined,
  kStarted,
  kSuspended,
  kResumed,
  kStopped,
  kShutdown,
  kPmSuspended,
  kCrashed,
};
std::string_view lifecycle_event_name(LifecycleEventKind kind);

struct LifecycleEvent {
  std::string domain_name;
  LifecycleEventKind kind = LifecycleEventKind::kDefined;
  int detail = 0;  // libvirt's virDomainEvent*DetailType for this kind, e.g. why it stopped
};

// virDomainDirtyRateStatus: where the domain's last dirty-rate calculation is.
enum class DirtyRateStatus {
  kUnstarted,  // none started since the domain started
  kMeasuring,  // started, its period not over yet
  kMeasured,   // done: bytes_per_s holds the result
};
std::string_view dirty_rate_status_name(DirtyRateStatus status);

// The result of the last dirty-rate calculation (libvirt's "dirtyrate.*" domain stats).
struct DirtyRate {
  DirtyRateStatus status = DirtyRateStatus::kUnstarted;
  // When the calculation started, as QEMU reports it: seconds on QEMU's own monotonic host clock
  // (QEMU_CLOCK_REALTIME), not wall time; only differences between calculations mean something.
  std::chrono::seconds start_time{0};
  std::chrono::seconds period{0};  // how long it sampled
  // The guest's memory dirty rate: libvirt's dirtyrate.megabytes_per_second, documented (virsh
  // domstats) as MiB/s, times 2^20. QEMU rounds it to whole MiB/s, so a small rate reads as 0.
  // Meaningful only when status is kMeasured.
  std::uint64_t bytes_per_s = 0;
  std::string mode;  // dirtyrate.calc_mode, e.g. "page-sampling"; empty when not reported
};

// Called on the event loop's thread (real/vm/libvirt_event_loop.hpp).
using LifecycleCallback = std::function<void(const LifecycleEvent&)>;

class LibvirtDriver {
 public:
  // Opens a read-write connection; throws LibvirtError naming the URI.
  explicit LibvirtDriver(const std::string& uri);
  ~LibvirtDriver();  // unsubscribes what is still subscribed, closes the connection
  LibvirtDriver(const LibvirtDriver&) = delete;
  LibvirtDriver& operator=(const LibvirtDriver&) = delete;

  const std::string& uri() const { return uri_; }

  // Makes the domain persistent from its XML (or updates its definition); returns its name.
  std::string define(const std::string& domain_xml);
  void start(const std::string& name);
  // Starts the domain with its vCPUs paused (VIR_DOMAIN_START_PAUSED); resume() runs them.
  void start_paused(const std::string& name);
  void suspend(const std::string& name);  // pause the vCPUs; the guest's memory stays
  void resume(const std::string& name);
  void destroy(const std::string& name);  // power off at once; the definition stays
  void undefine(const std::string& name);
  DomainInfo info(const std::string& name);

  // Throttling: each vCPU may run `quota_us` out of every `period_us` (cgroup CFS bandwidth,
  // libvirt's vcpu_quota / vcpu_period), on the running domain. A negative quota lifts the cap.
  // libvirt's own ranges: period 1000 to 1000000 us, quota 1000 to 17592186044415 us.
  void set_vcpu_bandwidth(const std::string& name, std::int64_t quota_us, std::uint64_t period_us);

  // Dirty-rate measurement: starts QEMU's calculation of how fast the running guest dirties its
  // memory, over `duration` (whole seconds; QEMU takes 1 to 60), and returns at once; the result
  // comes later through dirty_rate (status kMeasuring until `duration` has passed). Always in
  // page-sampling mode (virDomainStartDirtyRateCalc with VIR_DOMAIN_DIRTYRATE_MODE_PAGE_SAMPLING:
  // QEMU hashes a sample of pages at the start and the end): dirty-bitmap mode crashes QEMU 7.2
  // here, and dirty-ring mode needs KVM's dirty ring, so neither is ever asked for.
  void start_dirty_rate_calc(const std::string& name, std::chrono::seconds duration);
  // The last calculation's status and result (virDomainListGetStats, VIR_DOMAIN_STATS_DIRTYRATE,
  // enforced: a driver without dirty-rate statistics is an error, not an empty result).
  DirtyRate dirty_rate(const std::string& name);

  // QEMU's own monitor (QMP), past libvirt: sends one JSON command to the running domain's QEMU
  // and returns its JSON reply, passing `files` along (virDomainQemuMonitorCommandWithFiles:
  // QEMU receives them with a "getfd" or "add-fd" command). libvirt marks the domain tainted
  // ("custom-monitor"), and its idea of the domain may miss what such a command changed: only
  // for what libvirt has no API for (real/vm/device_state.hpp). A QEMU error comes back as a
  // reply with "error", not as an exception; a domain that is not running throws.
  std::string qemu_monitor_command(const std::string& name, const std::string& command,
                                   std::span<const int> files = {});

  // Lifecycle events of every domain of this connection. Needs a LibvirtEventLoop created
  // before this driver (libvirt refuses the subscription otherwise). Returns an id for
  // unsubscribe_lifecycle.
  int subscribe_lifecycle(LifecycleCallback callback);
  void unsubscribe_lifecycle(int subscription_id);

 private:
  struct ConnectionCloser {
    void operator()(virConnectPtr connection) const { virConnectClose(connection); }
  };
  struct DomainFreer {
    void operator()(virDomainPtr domain) const { virDomainFree(domain); }
  };
  using DomainHandle = std::unique_ptr<virDomain, DomainFreer>;

  // Looks the domain up and runs one libvirt call on it (0: done); throws naming `operation`.
  void act(const std::string& name, const std::string& operation, int (*call)(virDomainPtr));
  // Looks the domain up by name; throws naming `operation` (the lookup is part of it). Keep the
  // handle alive until the operation's error is read: freeing it is a libvirt call, and every
  // libvirt call clears the thread's last error.
  DomainHandle lookup(const std::string& name, const std::string& operation);

  std::string uri_;
  std::unique_ptr<virConnect, ConnectionCloser> connection_;
  std::set<int> subscriptions_;  // ids still registered; subscribe from one thread at a time
};

}  // namespace mycelium::real
