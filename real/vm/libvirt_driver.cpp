#include <array>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include <real/vm/libvirt_driver.hpp>
#include <real/vm/libvirt_error.hpp>

namespace mycelium::real {

namespace {

constexpr std::uint64_t kKibibyte = 1024;

std::string connection_subject(const std::string& uri) {
  return "connection \"" + uri + "\"";
}

// The name in a domain XML that libvirt refused, to name the domain in the error; best effort,
// since the XML may be malformed.
std::string name_in_xml(const std::string& domain_xml) {
  const std::string open = "<name>";
  const std::size_t start = domain_xml.find(open);
  if (start == std::string::npos) return "(no <name> in the XML)";
  const std::size_t end = domain_xml.find("</name>", start);
  if (end == std::string::npos) return "(no <name> in the XML)";
  return domain_xml.substr(start + open.size(), end - start - open.size());
}

DomainState to_domain_state(int state) {
  switch (state) {
    case VIR_DOMAIN_RUNNING:
      return DomainState::kRunning;
    case VIR_DOMAIN_BLOCKED:
      return DomainState::kBlocked;
    case VIR_DOMAIN_PAUSED:
      return DomainState::kPaused;
    case VIR_DOMAIN_SHUTDOWN:
      return DomainState::kShutdown;
    case VIR_DOMAIN_SHUTOFF:
      return DomainState::kShutoff;
    case VIR_DOMAIN_CRASHED:
      return DomainState::kCrashed;
    case VIR_DOMAIN_PMSUSPENDED:
      return DomainState::kPmSuspended;
    default:
      return DomainState::kNoState;
  }
}

LifecycleEventKind to_lifecycle_event_kind(int event) {
  switch (event) {
    case VIR_DOMAIN_EVENT_UNDEFINED:
      return LifecycleEventKind::kUndefined;
    case VIR_DOMAIN_EVENT_STARTED:
      return LifecycleEventKind::kStarted;
    case VIR_DOMAIN_EVENT_SUSPENDED:
      return LifecycleEventKind::kSuspended;
    case VIR_DOMAIN_EVENT_RESUMED:
      return LifecycleEventKind::kResumed;
    case VIR_DOMAIN_EVENT_STOPPED:
      return LifecycleEventKind::kStopped;
    case VIR_DOMAIN_EVENT_SHUTDOWN:
      return LifecycleEventKind::kShutdown;
    case VIR_DOMAIN_EVENT_PMSUSPENDED:
      return LifecycleEventKind::kPmSuspended;
    case VIR_DOMAIN_EVENT_CRASHED:
      return LifecycleEventKind::kCrashed;
    default:
      return LifecycleEventKind::kDefined;
  }
}

// A numeric typed parameter of a stats record, whatever integer type the driver used.
std::optional<long long> numeric_parameter(const virTypedParameter* parameters, int count,
                                           const char* field) {
  for (int i = 0; i < count; ++i) {
    const virTypedParameter& parameter = parameters[i];
    if (std::strncmp(parameter.field, field, VIR_TYPED_PARAM_FIELD_LENGTH) != 0) continue;
    switch (parameter.type) {
      case VIR_TYPED_PARAM_INT:
        return parameter.value.i;
      case VIR_TYPED_PARAM_UINT:
        return parameter.value.ui;
      case VIR_TYPED_PARAM_LLONG:
        return parameter.value.l;
      case VIR_TYPED_PARAM_ULLONG:
        return parameter.value.ul >
                       static_cast<unsigned long long>(std::numeric_limits<long long>::max())
                   ? std::numeric_limits<long long>::max()
                   : static_cast<long long>(parameter.value.ul);
      default:
        return std::nullopt;
    }
  }
  return std::nullopt;
}

std::string string_parameter(const virTypedParameter* parameters, int count, const char* field) {
  for (int i = 0; i < count; ++i) {
    if (std::strncmp(parameters[i].field, field, VIR_TYPED_PARAM_FIELD_LENGTH) == 0 &&
        parameters[i].type == VIR_TYPED_PARAM_STRING && parameters[i].value.s != nullptr) {
      return parameters[i].value.s;
    }
  }
  return "";
}

DirtyRateStatus to_dirty_rate_status(long long status) {
  switch (status) {
    case VIR_DOMAIN_DIRTYRATE_MEASURING:
      return DirtyRateStatus::kMeasuring;
    case VIR_DOMAIN_DIRTYRATE_MEASURED:
      return DirtyRateStatus::kMeasured;
    default:
      return DirtyRateStatus::kUnstarted;
  }
}

struct StatsRecordsFreer {
  void operator()(virDomainStatsRecordPtr* records) const { virDomainStatsRecordListFree(records); }
};

// libvirt's C callback for VIR_DOMAIN_EVENT_ID_LIFECYCLE; `opaque` is the subscriber's callback.
int on_lifecycle_event(virConnectPtr, virDomainPtr domain, int event, int detail, void* opaque) {
  const char* name = virDomainGetName(domain);
  const auto& callback = *static_cast<LifecycleCallback*>(opaque);
  callback(LifecycleEvent{name != nullptr ? name : "", to_lifecycle_event_kind(event), detail});
  return 0;
}

// libvirt takes every event callback as one generic type and calls it with the signature of the
// event registered (what VIR_DOMAIN_EVENT_CALLBACK casts); going through void (*)() says the
// cast of function type is intended.
virConnectDomainEventGenericCallback lifecycle_callback_as_generic() {
  return reinterpret_cast<virConnectDomainEventGenericCallback>(
      reinterpret_cast<void (*)()>(&on_lifecycle_event));
}

void delete_lifecycle_callback(void* opaque) {
  delete static_cast<LifecycleCallback*>(opaque);
}

}  // namespace

std::string_view domain_state_name(DomainState state) {
  static constexpr std::array<std::string_view, 8> kNames{"no state", "running",       "blocked",
                                                          "paused",   "shutting down", "shut off",
                                                          "crashed",  "pm-suspended"};
  return kNames[static_cast<std::size_t>(state)];
}

std::string_view dirty_rate_status_name(DirtyRateStatus status) {
  static constexpr std::array<std::string_view, 3> kNames{"unstarted", "measuring", "measured"};
  return kNames[static_cast<std::size_t>(status)];
}

std::string_view lifecycle_event_name(LifecycleEventKind kind) {
  static constexpr std::array<std::string_view, 9> kNames{"defined",   "undefined",    "started",
                                                          "suspended", "resumed",      "stopped",
                                                          "shutdown",  "pm-suspended", "crashed"};
  return kNames[static_cast<std::size_t>(kind)];
}

LibvirtDriver::LibvirtDriver(const std::string& uri) : uri_(uri) {
  silence_libvirt_default_error_printing();
  connection_.reset(virConnectOpen(uri.c_str()));
  if (!connection_) throw_last_libvirt_error(connection_subject(uri), "open");
}

LibvirtDriver::~LibvirtDriver() {
  for (const int id : subscriptions_)
    virConnectDomainEventDeregisterAny(connection_.get(), id);
}

LibvirtDriver::DomainHandle LibvirtDriver::lookup(const std::string& name,
                                                  const std::string& operation) {
  DomainHandle domain(virDomainLookupByName(connection_.get(), name.c_str()));
  if (!domain) throw_last_libvirt_error(domain_subject(name), operation);
  return domain;
}

std::string LibvirtDriver::define(const std::string& domain_xml) {
  const DomainHandle domain(virDomainDefineXML(connection_.get(), domain_xml.c_str()));
  if (!domain) throw_last_libvirt_error(domain_subject(name_in_xml(domain_xml)), "define");
  const char* name = virDomainGetName(domain.get());
  if (name == nullptr) throw_last_libvirt_error(domain_subject(name_in_xml(domain_xml)), "define");
  return name;
}

void LibvirtDriver::act(const std::string& name, const std::string& operation,
                        int (*call)(virDomainPtr)) {
  const DomainHandle domain = lookup(name, operation);
  if (call(domain.get()) != 0) throw_last_libvirt_error(domain_subject(name), operation);
}

void LibvirtDriver::start(const std::string& name) {
  act(name, "start", virDomainCreate);
}
void LibvirtDriver::start_paused(const std::string& name) {
  act(name, "start paused", [](virDomainPtr domain) {
    return virDomainCreateWithFlags(domain, VIR_DOMAIN_START_PAUSED);
  });
}
void LibvirtDriver::suspend(const std::string& name) {
  act(name, "suspend", virDomainSuspend);
}
void LibvirtDriver::resume(const std::string& name) {
  act(name, "resume", virDomainResume);
}
void LibvirtDriver::destroy(const std::string& name) {
  act(name, "destroy", virDomainDestroy);
}
void LibvirtDriver::undefine(const std::string& name) {
  act(name, "undefine", virDomainUndefine);
}

DomainInfo LibvirtDriver::info(const std::string& name) {
  virDomainInfo raw{};
  const DomainHandle domain = lookup(name, "get info");
  if (virDomainGetInfo(domain.get(), &raw) != 0) {
    throw_last_libvirt_error(domain_subject(name), "get info");
  }
  return DomainInfo{to_domain_state(raw.state), raw.nrVirtCpu, raw.memory * kKibibyte,
                    raw.maxMem * kKibibyte, std::chrono::nanoseconds(raw.cpuTime)};
}

void LibvirtDriver::set_vcpu_bandwidth(const std::string& name, std::int64_t quota_us,
                                       std::uint64_t period_us) {
  const std::string operation = "set vCPU bandwidth (vcpu_quota " + std::to_string(quota_us) +
                                " us, vcpu_period " + std::to_string(period_us) + " us)";
  const DomainHandle domain = lookup(name, operation);
  std::array<virTypedParameter, 2> parameters{};
  std::strncpy(parameters[0].field, VIR_DOMAIN_SCHEDULER_VCPU_QUOTA,
               VIR_TYPED_PARAM_FIELD_LENGTH - 1);
  parameters[0].type = VIR_TYPED_PARAM_LLONG;
  parameters[0].value.l = quota_us;
  std::strncpy(parameters[1].field, VIR_DOMAIN_SCHEDULER_VCPU_PERIOD,
               VIR_TYPED_PARAM_FIELD_LENGTH - 1);
  parameters[1].type = VIR_TYPED_PARAM_ULLONG;
  parameters[1].value.ul = period_us;
  if (virDomainSetSchedulerParametersFlags(domain.get(), parameters.data(),
                                           static_cast<int>(parameters.size()),
                                           VIR_DOMAIN_AFFECT_LIVE) != 0) {
    throw_last_libvirt_error(domain_subject(name), operation);
  }
}

void LibvirtDriver::start_dirty_rate_calc(const std::string& name, std::chrono::seconds duration) {
  const std::string operation = "start dirty-rate calculation";
  const DomainHandle domain = lookup(name, operation);
  if (duration.count() < 1 || duration.count() > std::numeric_limits<int>::max()) {
    throw LibvirtError(
        domain_subject(name), operation,
        "the duration must be at least 1 s, not " + std::to_string(duration.count()) + " s",
        VIR_ERR_INVALID_ARG);
  }
  // Page sampling only: never VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_BITMAP (crashes QEMU 7.2 here) nor
  // VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_RING.
  if (virDomainStartDirtyRateCalc(domain.get(), static_cast<int>(duration.count()),
                                  VIR_DOMAIN_DIRTYRATE_MODE_PAGE_SAMPLING) != 0) {
    throw_last_libvirt_error(domain_subject(name), operation);
  }
}

DirtyRate LibvirtDriver::dirty_rate(const std::string& name) {
  const std::string operation = "get dirty rate";
  const DomainHandle domain = lookup(name, operation);
  std::array<virDomainPtr, 2> domains{domain.get(), nullptr};  // NULL-terminated
  virDomainStatsRecordPtr* raw_records = nullptr;
  const int count = virDomainListGetStats(domains.data(), VIR_DOMAIN_STATS_DIRTYRATE, &raw_records,
                                          VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS);
  if (count < 0) throw_last_libvirt_error(domain_subject(name), operation);
  const std::unique_ptr<virDomainStatsRecordPtr, StatsRecordsFreer> records(raw_records);
  if (count < 1 || records.get()[0] == nullptr) {
    throw LibvirtError(domain_subject(name), operation, "libvirt returned no stats record",
                       VIR_ERR_INTERNAL_ERROR);
  }
  const virDomainStatsRecord& record = *records.get()[0];
  const auto status = numeric_parameter(record.params, record.nparams, "dirtyrate.calc_status");
  if (!status) {
    // The QEMU driver reports dirty-rate stats only for a running (or paused) domain.
    throw LibvirtError(domain_subject(name), operation,
                       "no dirtyrate.calc_status in the domain's stats (is it running?)",
                       VIR_ERR_OPERATION_INVALID);
  }
  DirtyRate rate;
  rate.status = to_dirty_rate_status(*status);
  rate.start_time = std::chrono::seconds(
      numeric_parameter(record.params, record.nparams, "dirtyrate.calc_start_time").value_or(0));
  rate.period = std::chrono::seconds(
      numeric_parameter(record.params, record.nparams, "dirtyrate.calc_period").value_or(0));
  const long long mib_per_s =
      numeric_parameter(record.params, record.nparams, "dirtyrate.megabytes_per_second")
          .value_or(0);
  rate.bytes_per_s = mib_per_s > 0 ? static_cast<std::uint64_t>(mib_per_s) << 20 : 0;
  rate.mode = string_parameter(record.params, record.nparams, "dirtyrate.calc_mode");
  return rate;
}

std::string LibvirtDriver::qemu_monitor_command(const std::string& name, const std::string& command,
                                                std::span<const int> files) {
  const std::string operation = "QEMU monitor command " + command;
  const DomainHandle domain = lookup(name, operation);
  std::vector<int> passed(files.begin(), files.end());
  char* reply = nullptr;
  if (virDomainQemuMonitorCommandWithFiles(
          domain.get(), command.c_str(), static_cast<unsigned>(passed.size()),
          passed.empty() ? nullptr : passed.data(), nullptr, nullptr, &reply, 0) != 0) {
    throw_last_libvirt_error(domain_subject(name), operation);
  }
  std::string result = reply == nullptr ? "" : reply;
  std::free(reply);  // NOLINT: libvirt allocates it with malloc and leaves it to the caller
  return result;
}

int LibvirtDriver::subscribe_lifecycle(LifecycleCallback callback) {
  auto* opaque = new LifecycleCallback(std::move(callback));
  // libvirt owns `opaque` from here: it calls delete_lifecycle_callback when the subscription
  // goes, which may be after the deregistration if an event is being dispatched.
  const int id = virConnectDomainEventRegisterAny(
      connection_.get(), nullptr, VIR_DOMAIN_EVENT_ID_LIFECYCLE, lifecycle_callback_as_generic(),
      opaque, &delete_lifecycle_callback);
  if (id < 0) {
    delete opaque;  // never registered, so libvirt will not free it
    throw_last_libvirt_error(connection_subject(uri_), "subscribe to lifecycle events");
  }
  subscriptions_.insert(id);
  return id;
}

void LibvirtDriver::unsubscribe_lifecycle(int subscription_id) {
  if (virConnectDomainEventDeregisterAny(connection_.get(), subscription_id) != 0) {
    throw_last_libvirt_error(connection_subject(uri_), "unsubscribe from lifecycle events");
  }
  subscriptions_.erase(subscription_id);
}

}  // namespace mycelium::real
