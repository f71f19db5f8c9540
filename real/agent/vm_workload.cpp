#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include <real/agent/vm_workload.hpp>
#include <real/replication/memory_guest.hpp>
#include <real/vm/device_state.hpp>
#include <real/vm/domain_xml.hpp>
#include <real/vm/libvirt_error.hpp>

namespace mycelium::real {

namespace {

const VmImage& image_for(const VmContext& context) {
  const std::string& wanted = context.vm.vm_spec.os_config.type;
  if (const VmImage* image = find_image(context.host, wanted)) return *image;
  std::string known;
  for (const VmImage& image : context.host.images)
    known += (known.empty() ? "" : ", ") + image.name;
  throw std::invalid_argument("spec.vmSpec.osConfig.type: this host has no image \"" + wanted +
                              "\" (spec.vmHost.images has: " + known + ")");
}

// The domain's XML: the manifest's guest booted from the catalog image, every host CPU offered
// for pinning.
std::string domain_xml(const VmContext& context, const std::string& domain,
                       bool incoming_deferred) {
  const VmImage& image = image_for(context);
  DomainRenderInputs inputs;
  inputs.type = context.type;
  inputs.kernel_boot = DirectKernelBoot{image.kernel, image.initrd, image.cmdline};
  if (context.vm.performance_config.cpu_pinning) {
    const unsigned cpus = std::max(1U, std::thread::hardware_concurrency());
    for (unsigned cpu = 0; cpu < cpus; ++cpu)
      inputs.host_cpus.push_back(cpu);
  }
  if (!context.host.serial_log_directory.empty())
    inputs.serial_log_path = context.host.serial_log_directory + "/" + domain + ".log";
  inputs.incoming_deferred = incoming_deferred;
  manifest::EndophyteVM renamed = context.vm;
  renamed.metadata.name = domain;
  return render_domain_xml(renamed, inputs);
}

// Defines `domain` afresh (a leftover of that name goes first) and starts it paused.
void define_and_start_paused(const VmContext& context, const std::string& domain,
                             bool incoming_deferred) {
  const std::string xml = domain_xml(context, domain, incoming_deferred);
  remove_domain(*context.driver, domain);
  context.driver->define(xml);
  try {
    context.driver->start_paused(domain);
  } catch (...) {
    remove_domain(*context.driver, domain);
    throw;
  }
}

std::unique_ptr<SharedMemoryFile> map_guest_ram(const VmContext& context,
                                                const std::string& domain) {
  const std::uint64_t bytes = context.vm.vm_spec.memory_bytes;
  return std::make_unique<SharedMemoryFile>(guest_ram_file(domain, bytes),
                                            SharedMemoryFile::Mode::kOpenExisting);
}

std::string state_name(LibvirtDriver& driver, const std::string& domain) {
  try {
    return std::string(domain_state_name(driver.info(domain).state));
  } catch (const LibvirtError&) {
    return "gone";
  }
}

}  // namespace

std::string vm_domain_name(const std::string& vm_name, NodeId node) {
  return "mycelium-" + vm_name + "-" + std::to_string(node.value);
}

VmPrimary::VmPrimary(VmContext context)
    : context_(std::move(context)),
      domain_(vm_domain_name(context_.vm.metadata.name, context_.self)),
      throttle_(*context_.driver, domain_) {
  define_and_start_paused(context_, domain_, /*incoming_deferred=*/false);
  try {
    ram_ = map_guest_ram(context_, domain_);
  } catch (...) {
    remove_domain(*context_.driver, domain_);
    throw;
  }
}

VmPrimary::~VmPrimary() {
  ram_.reset();
  remove_domain(*context_.driver, domain_);
}

std::vector<std::uint8_t> VmPrimary::save_device_state() {
  return real::save_device_state(*context_.driver, domain_);
}

void VmPrimary::set_held(bool held) {
  held_ = held;
  apply();
}

void VmPrimary::start() {
  started_ = true;
  apply();
}

void VmPrimary::apply() {
  if (abandoned_) return;
  const bool suspend = !started_ || held_;
  if (suspend == suspended_) return;
  if (suspend) {
    context_.driver->suspend(domain_);
  } else {
    context_.driver->resume(domain_);
  }
  suspended_ = suspend;
}

void VmPrimary::sample_dirty_rate() {
  if (abandoned_ || !started_) return;
  const DirtyRate last = context_.driver->dirty_rate(domain_);
  if (last.status == DirtyRateStatus::kMeasuring) return;
  if (last.status == DirtyRateStatus::kMeasured &&
      last.start_time.count() != last_dirty_rate_start_s_) {
    last_dirty_rate_start_s_ = last.start_time.count();
    dirty_rate_ = DirtyRateSample{
        static_cast<double>(last.bytes_per_s),
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count()};
  }
  context_.driver->start_dirty_rate_calc(domain_, kDirtyRateWindow);
}

void VmPrimary::abandon() {
  // The guest runs on the target now; this copy (paused since the final transfer) goes.
  abandoned_ = true;
  remove_domain(*context_.driver, domain_);
}

void VmPrimary::describe(nlohmann::json& status) const {
  status["domain"] = domain_;
  status["domain_state"] = state_name(*context_.driver, domain_);
  status["domain_type"] = std::string(domain_type_name(context_.type));
  status["workload_pid"] = nullptr;
  status["throttle_mechanism"] = "vcpu_quota";
  status["vcpu_quota_us"] = throttle_.quota();
  status["dirty_rate_bytes_per_s"] =
      dirty_rate_ ? nlohmann::json(dirty_rate_->bytes_per_s) : nlohmann::json();
  status["dirty_rate_measured_at_unix_s"] =
      dirty_rate_ ? nlohmann::json(dirty_rate_->measured_at_unix_s) : nlohmann::json();
}

std::string VmPrimary::description() const {
  return "VM " + domain_;
}

VmStandby::VmStandby(VmContext context)
    : context_(std::move(context)),
      domain_(vm_domain_name(context_.vm.metadata.name, context_.self)) {
  define_and_start_paused(context_, domain_, /*incoming_deferred=*/true);
  try {
    ram_ = map_guest_ram(context_, domain_);
    std::memset(ram_->bytes().data(), 0, ram_->bytes().size());
    region_ = std::make_unique<SharedMemoryFile>(
        std::filesystem::path(context_.host.state_directory) / (domain_ + ".device-state"),
        SharedMemoryFile::Mode::kCreate, kDeviceStateRegionBytes);
  } catch (...) {
    remove_domain(*context_.driver, domain_);
    throw;
  }
}

VmStandby::~VmStandby() {
  std::error_code ignored;
  if (region_) std::filesystem::remove(region_->path(), ignored);
  region_.reset();
  ram_.reset();
  remove_domain(*context_.driver, domain_);
}

bool VmStandby::resume() {
  const std::vector<std::uint8_t> state = read_device_state(region_->bytes());
  if (state.empty())
    throw std::runtime_error("domain " + domain_ + ": the replica holds no device state");
  load_device_state(*context_.driver, domain_, state);
  context_.driver->resume(domain_);
  return true;
}

void VmStandby::describe(nlohmann::json& status) const {
  status["domain"] = domain_;
  status["domain_state"] = state_name(*context_.driver, domain_);
  status["domain_type"] = std::string(domain_type_name(context_.type));
  status["workload_pid"] = nullptr;
}

std::string VmStandby::description() const {
  return "the standby VM " + domain_;
}

}  // namespace mycelium::real
