// The libvirt driver (real/vm/libvirt_driver.hpp) against libvirt's test:///default driver, an
// in-process mock hypervisor: a rendered EndophyteVM goes through its whole lifecycle, lifecycle
// events arrive through the event loop, and every failure names the domain and the operation.
// test:///default keeps one state per process while a connection is open, so each test uses
// its own domain names and undefines what it defined.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <libvirt/virterror.h>

#include <real/vm/device_state.hpp>
#include <real/vm/domain_xml.hpp>
#include <real/vm/libvirt_driver.hpp>
#include <real/vm/libvirt_error.hpp>
#include <real/vm/libvirt_event_loop.hpp>
#include <tests/unit/real/vm_test_support.hpp>

using namespace mycelium::real;
using mycelium::testing::inputs_for_every_feature;
using mycelium::testing::load_endophyte_example;
using namespace std::chrono_literals;

namespace {

constexpr const char* kTestUri = "test:///default";

// The game server example (every performance feature) under another name.
std::string rendered_domain(const std::string& name) {
  auto vm = load_endophyte_example("scenarios/examples/game-server-vm.yaml");
  vm.metadata.name = name;
  return render_domain_xml(vm, inputs_for_every_feature(DomainType::kQemu));
}

template <typename Action>
std::optional<LibvirtError> libvirt_error_of(Action&& action) {
  try {
    action();
  } catch (const LibvirtError& error) {
    return error;
  }
  return std::nullopt;
}

// The error carries libvirt's own error, not a placeholder: its code is set.
void check_carries_libvirt_error(const LibvirtError& error) {
  INFO(error.what());
  CHECK(error.libvirt_code() != VIR_ERR_OK);
  CHECK_FALSE(error.libvirt_message().empty());
}

// Lifecycle events of one domain, collected on the event loop's thread.
class EventRecorder {
 public:
  explicit EventRecorder(std::string domain_name) : domain_name_(std::move(domain_name)) {}

  void record(const LifecycleEvent& event) {
    if (event.domain_name != domain_name_) return;  // e.g. test:///default's own "test"
    const std::lock_guard lock(mutex_);
    kinds_.push_back(event.kind);
    arrived_.notify_all();
  }

  std::vector<LifecycleEventKind> wait_for(std::size_t count, std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, limit, [&] { return kinds_.size() >= count; });
    return kinds_;
  }

 private:
  std::string domain_name_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<LifecycleEventKind> kinds_;
};

}  // namespace

TEST_CASE(
    "libvirt driver: a rendered EndophyteVM is defined, started, paused, resumed, "
    "destroyed and undefined on test:///default",
    "[vm][libvirt]") {
  LibvirtDriver driver(kTestUri);
  CHECK(driver.uri() == kTestUri);
  const std::string name = "mycelium-test-lifecycle";

  CHECK(driver.define(rendered_domain(name)) == name);
  CHECK(driver.info(name).state == DomainState::kShutoff);

  driver.start(name);
  const DomainInfo running = driver.info(name);
  CHECK(running.state == DomainState::kRunning);
  CHECK(running.vcpus == 8);
  CHECK(running.max_memory_bytes == 16ULL << 30);
  CHECK(running.memory_bytes == 16ULL << 30);
  CHECK(running.cpu_time.count() > 0);

  driver.suspend(name);
  CHECK(driver.info(name).state == DomainState::kPaused);
  driver.resume(name);
  CHECK(driver.info(name).state == DomainState::kRunning);
  driver.destroy(name);
  CHECK(driver.info(name).state == DomainState::kShutoff);
  driver.undefine(name);

  const auto gone = libvirt_error_of([&] { driver.info(name); });
  REQUIRE(gone);
  CHECK(gone->subject() == "domain \"mycelium-test-lifecycle\"");
  CHECK(gone->operation() == "get info");
  check_carries_libvirt_error(*gone);
}

TEST_CASE("libvirt driver: starting a domain that was never defined names it and the operation",
          "[vm][libvirt]") {
  LibvirtDriver driver(kTestUri);
  const auto error = libvirt_error_of([&] { driver.start("mycelium-test-never-defined"); });
  REQUIRE(error);
  INFO(error->what());
  CHECK(error->operation() == "start");
  CHECK(error->libvirt_code() == VIR_ERR_NO_DOMAIN);
  CHECK_THAT(error->what(),
             Catch::Matchers::StartsWith("domain \"mycelium-test-never-defined\": start: "));
  check_carries_libvirt_error(*error);
}

TEST_CASE("libvirt driver: invalid domain XML is refused, naming the domain when it can",
          "[vm][libvirt]") {
  LibvirtDriver driver(kTestUri);
  SECTION("well-formed XML that is not a valid domain") {
    const auto error = libvirt_error_of([&] {
      driver.define(
          "<domain type='qemu'><name>mycelium-test-invalid</name><memory>lots</memory>"
          "</domain>");
    });
    REQUIRE(error);
    INFO(error->what());
    CHECK(error->operation() == "define");
    CHECK_THAT(error->what(),
               Catch::Matchers::StartsWith("domain \"mycelium-test-invalid\": define: "));
    check_carries_libvirt_error(*error);
  }
  SECTION("not XML at all") {
    const auto error = libvirt_error_of([&] { driver.define("this is not <xml"); });
    REQUIRE(error);
    INFO(error->what());
    CHECK_THAT(error->what(),
               Catch::Matchers::StartsWith("domain \"(no <name> in the XML)\": define: "));
    check_carries_libvirt_error(*error);
  }
}

TEST_CASE("libvirt driver: suspending or destroying a domain that is not running names it",
          "[vm][libvirt]") {
  LibvirtDriver driver(kTestUri);
  const std::string name = "mycelium-test-not-running";
  driver.define(rendered_domain(name));

  const auto suspend_error = libvirt_error_of([&] { driver.suspend(name); });
  REQUIRE(suspend_error);
  INFO(suspend_error->what());
  CHECK_THAT(suspend_error->what(),
             Catch::Matchers::StartsWith("domain \"mycelium-test-not-running\": suspend: "));
  CHECK_THAT(suspend_error->libvirt_message(), Catch::Matchers::Contains("not running"));
  check_carries_libvirt_error(*suspend_error);

  const auto destroy_error = libvirt_error_of([&] { driver.destroy(name); });
  REQUIRE(destroy_error);
  INFO(destroy_error->what());
  CHECK_THAT(destroy_error->what(),
             Catch::Matchers::StartsWith("domain \"mycelium-test-not-running\": destroy: "));
  check_carries_libvirt_error(*destroy_error);

  driver.undefine(name);
}

TEST_CASE("libvirt driver: an unknown connection URI names the URI", "[vm][libvirt]") {
  const auto error = libvirt_error_of([] { LibvirtDriver("mycelium-nonexistent:///x"); });
  REQUIRE(error);
  INFO(error->what());
  CHECK(error->subject() == "connection \"mycelium-nonexistent:///x\"");
  CHECK(error->operation() == "open");
  check_carries_libvirt_error(*error);
}

TEST_CASE("libvirt driver: vCPU bandwidth on test:///default", "[vm][libvirt]") {
  LibvirtDriver driver(kTestUri);
  const std::string name = "mycelium-test-bandwidth";
  driver.define(rendered_domain(name));
  driver.start(name);
  const auto error = libvirt_error_of([&] { driver.set_vcpu_bandwidth(name, 25000, 100000); });
  driver.destroy(name);
  driver.undefine(name);
  // The test driver's scheduler knows only "weight": it refuses vcpu_quota, and the error says
  // what was asked of which domain. (The kvm-labelled tier checks the real throttle.)
  REQUIRE(error);
  INFO(error->what());
  CHECK_THAT(error->what(),
             Catch::Matchers::StartsWith("domain \"mycelium-test-bandwidth\": set vCPU bandwidth "
                                         "(vcpu_quota 25000 us, vcpu_period 100000 us): "));
  check_carries_libvirt_error(*error);
}

TEST_CASE("libvirt driver: subscribing without an event loop is a clear error", "[vm][libvirt]") {
  // Only meaningful before any LibvirtEventLoop registered libvirt's loop in this process (so
  // this test comes before the events test); ctest runs each test case in its own process.
  LibvirtDriver driver(kTestUri);
  const auto error = libvirt_error_of([&] { driver.subscribe_lifecycle([](const auto&) {}); });
  if (!error) {
    WARN("an event loop was registered earlier in this process: nothing to check");
    return;
  }
  INFO(error->what());
  CHECK_THAT(error->what(), Catch::Matchers::StartsWith(
                                "connection \"test:///default\": subscribe to lifecycle events: "));
  check_carries_libvirt_error(*error);
}

TEST_CASE("libvirt driver: lifecycle events arrive through the event loop, in order",
          "[vm][libvirt]") {
  const std::string name = "mycelium-test-events";
  EventRecorder recorder(name);  // outlives the driver, whose callbacks use it
  const LibvirtEventLoop loop;   // before the connection, as libvirt wants
  LibvirtDriver driver(kTestUri);
  const int subscription =
      driver.subscribe_lifecycle([&](const LifecycleEvent& event) { recorder.record(event); });

  driver.define(rendered_domain(name));
  driver.start(name);
  driver.suspend(name);
  driver.resume(name);
  driver.destroy(name);
  driver.undefine(name);

  const std::vector<LifecycleEventKind> expected{
      LifecycleEventKind::kDefined, LifecycleEventKind::kStarted, LifecycleEventKind::kSuspended,
      LifecycleEventKind::kResumed, LifecycleEventKind::kStopped, LifecycleEventKind::kUndefined};
  const std::vector<LifecycleEventKind> seen = recorder.wait_for(expected.size(), 5s);
  std::string seen_names;
  for (const LifecycleEventKind kind : seen)
    seen_names += std::string(lifecycle_event_name(kind)) + " ";
  INFO("seen: " << seen_names);
  CHECK(seen == expected);

  driver.unsubscribe_lifecycle(subscription);
  const auto twice = libvirt_error_of([&] { driver.unsubscribe_lifecycle(subscription); });
  REQUIRE(twice);
  CHECK(twice->operation() == "unsubscribe from lifecycle events");
  check_carries_libvirt_error(*twice);
}

TEST_CASE("libvirt driver: dirty-rate measurement on test:///default", "[vm][libvirt]") {
  LibvirtDriver driver(kTestUri);
  const std::string name = "mycelium-test-dirty-rate";
  driver.define(rendered_domain(name));
  driver.start(name);
  const auto start_error =
      libvirt_error_of([&] { driver.start_dirty_rate_calc(name, std::chrono::seconds(1)); });
  const auto get_error = libvirt_error_of([&] { driver.dirty_rate(name); });
  const auto bad_duration =
      libvirt_error_of([&] { driver.start_dirty_rate_calc(name, std::chrono::seconds(0)); });
  driver.destroy(name);
  driver.undefine(name);
  const auto missing = libvirt_error_of([&] { driver.dirty_rate(name); });

  // The test driver has neither virDomainStartDirtyRateCalc nor dirty-rate statistics (the
  // kvm-labelled tier measures a real guest): each is a clear error naming domain and operation.
  REQUIRE(start_error);
  INFO(start_error->what());
  CHECK_THAT(start_error->what(),
             Catch::Matchers::StartsWith(
                 "domain \"mycelium-test-dirty-rate\": start dirty-rate calculation: "));
  CHECK(start_error->libvirt_code() == VIR_ERR_NO_SUPPORT);
  check_carries_libvirt_error(*start_error);

  REQUIRE(get_error);
  INFO(get_error->what());
  CHECK_THAT(get_error->what(),
             Catch::Matchers::StartsWith("domain \"mycelium-test-dirty-rate\": get dirty rate: "));
  // Asked with VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS, the driver refuses the stats
  // group it lacks rather than returning an empty record.
  CHECK(get_error->libvirt_code() == VIR_ERR_ARGUMENT_UNSUPPORTED);
  check_carries_libvirt_error(*get_error);

  REQUIRE(bad_duration);
  INFO(bad_duration->what());
  CHECK(bad_duration->operation() == "start dirty-rate calculation");
  CHECK(bad_duration->libvirt_code() == VIR_ERR_INVALID_ARG);

  REQUIRE(missing);
  CHECK(missing->operation() == "get dirty rate");
  CHECK(missing->libvirt_code() == VIR_ERR_NO_DOMAIN);

  CHECK(dirty_rate_status_name(DirtyRateStatus::kUnstarted) == "unstarted");
  CHECK(dirty_rate_status_name(DirtyRateStatus::kMeasuring) == "measuring");
  CHECK(dirty_rate_status_name(DirtyRateStatus::kMeasured) == "measured");
}

TEST_CASE("libvirt driver: starting paused and the device-state route on test:///default",
          "[vm][libvirt]") {
  LibvirtDriver driver(kTestUri);
  const std::string name = "mycelium-test-device-state";
  driver.define(rendered_domain(name));
  // test:///default refuses VIR_DOMAIN_START_PAUSED (the kvm tier starts standbys paused).
  const auto start_paused = libvirt_error_of([&] { driver.start_paused(name); });
  driver.start(name);
  driver.suspend(name);
  // The test driver has no QEMU monitor: each step of the route fails naming domain and step.
  const auto monitor =
      libvirt_error_of([&] { driver.qemu_monitor_command(name, R"({"execute":"query-status"})"); });
  const auto save = libvirt_error_of([&] { save_device_state(driver, name); });
  const std::vector<std::uint8_t> some_state(16, 1);
  const auto load = libvirt_error_of([&] { load_device_state(driver, name, some_state); });
  const auto load_nothing = libvirt_error_of([&] { load_device_state(driver, name, {}); });
  driver.resume(name);
  const auto save_running = libvirt_error_of([&] { save_device_state(driver, name); });
  driver.destroy(name);
  driver.undefine(name);
  const auto start_missing = libvirt_error_of([&] { driver.start_paused(name); });

  REQUIRE(start_paused);
  INFO(start_paused->what());
  CHECK(start_paused->operation() == "start paused");
  CHECK(start_paused->libvirt_code() == VIR_ERR_INVALID_ARG);
  check_carries_libvirt_error(*start_paused);

  REQUIRE(monitor);
  INFO(monitor->what());
  CHECK(monitor->operation() == R"(QEMU monitor command {"execute":"query-status"})");
  check_carries_libvirt_error(*monitor);

  REQUIRE(save);
  INFO(save->what());
  CHECK_THAT(save->what(), Catch::Matchers::StartsWith(
                               "domain \"mycelium-test-device-state\": QEMU monitor command "));
  CHECK_THAT(save->what(), Catch::Matchers::Contains("migrate-set-capabilities"));
  check_carries_libvirt_error(*save);

  REQUIRE(load);
  CHECK_THAT(load->what(), Catch::Matchers::Contains("migrate-set-capabilities"));

  REQUIRE(load_nothing);
  CHECK(std::string(load_nothing->what()) ==
        "domain \"mycelium-test-device-state\": load device state: no device state to load");

  // A running guest has no device state that matches one RAM snapshot: refused before QEMU.
  REQUIRE(save_running);
  CHECK(save_running->operation() == "save device state");
  CHECK_THAT(save_running->what(), Catch::Matchers::Contains("must be paused"));

  REQUIRE(start_missing);
  CHECK(start_missing->operation() == "start paused");
  CHECK(start_missing->libvirt_code() == VIR_ERR_NO_DOMAIN);
}
