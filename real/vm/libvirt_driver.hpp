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
  void suspend(const std::string& name);  // pause the vCPUs; the guest's memory stays
  void resume(const std::string& name);
  void destroy(const std::string& name);  // power off at once; the definition stays
  void undefine(const std::string& name);
  DomainInfo info(const std::string& name);

  // Throttling: each vCPU may run `quota_us` out of every `period_us` (cgroup CFS bandwidth,
  // libvirt's vcpu_quota / vcpu_period), on the running domain. A negative quota lifts the cap.
  // libvirt's own ranges: period 1000 to 1000000 us, quota 1000 to 17592186044415 us.
  void set_vcpu_bandwidth(const std::string& name, std::int64_t quota_us, std::uint64_t period_us);

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
