#include <algorithm>
#include <stdexcept>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include <core/manifest/manifest.hpp>
#include <core/manifest/quantity.hpp>
#include <core/placement/migration_forecast.hpp>
#include <core/ram/replication_primary.hpp>
#include <real/agent/query_string.hpp>
#include <real/agent/vm_service.hpp>
#include <real/agent/vm_workload.hpp>
#include <real/vm/domain_type.hpp>

namespace mycelium::real {

namespace {

constexpr std::size_t kMaxBackups = 16;

// QEMU reports the dirty rate in whole MiB/s: the rate it stands for is below the next one.
double dirty_rate_bound(const VmPrimary::DirtyRateSample& sample) {
  return sample.bytes_per_s + static_cast<double>(1 << 20);
}

const char* state_name(bool standby, bool promoted, bool migrated_away) {
  if (migrated_away) return "migrated";
  if (promoted) return "running";
  return standby ? "standby" : "running";
}

}  // namespace

VmService::VmService(boost::asio::io_context& io, AsioEnvironment& env, const AgentConfig& config,
                     std::function<void(std::string)> log)
    : io_(io), env_(env), config_(config), log_(std::move(log)), dirty_rate_timer_(io) {}

VmService::~VmService() {
  *alive_ = false;
  dirty_rate_timer_.cancel();
  if (worker_.joinable()) worker_.join();
  autopilot_.reset();  // before the role: it tunes the role's protocol
  role_.reset();       // its workload destroys and undefines the domain
}

HttpResponse VmService::deploy(std::string_view query, std::string_view manifest_text,
                               bool standby) {
  if (!config_.vm_host)
    return text_response(409, "this agent hosts no VMs (its config has no spec.vmHost)");
  if (vm_) {
    return text_response(409, "this agent has a VM already (" + vm_->manifest.metadata.name +
                                  "); one per agent for now");
  }
  auto parsed = standby ? parse_known_query(query, {"stream", "backups", "primary"})
                        : parse_known_query(query, {"stream", "backups"});
  if (const std::string* error = std::get_if<std::string>(&parsed))
    return text_response(400, *error);
  const QueryParameters& parameters = std::get<QueryParameters>(parsed);
  const auto find = [&](std::string_view key) -> std::optional<std::string_view> {
    const auto it = parameters.find(key);
    if (it == parameters.end()) return std::nullopt;
    return std::string_view(it->second);
  };
  const auto stream_text = find("stream");
  const auto stream = stream_text ? parse_node_id(*stream_text) : std::nullopt;
  if (!stream || *stream == 0) return text_response(400, "stream: expected 1 to 4294967295");
  const auto backups_text = find("backups");
  const auto backup_ids =
      backups_text ? parse_node_id_list(*backups_text, kMaxBackups) : std::nullopt;
  if (!backup_ids) {
    return text_response(400, "backups: expected 1 to " + std::to_string(kMaxBackups) +
                                  " distinct node ids separated by commas");
  }
  std::vector<NodeId> backups;
  for (const std::uint32_t id : *backup_ids)
    backups.push_back(NodeId{id});
  NodeId primary = env_.self();
  if (standby) {
    const auto primary_text = find("primary");
    const auto node = primary_text ? parse_node_id(*primary_text) : std::nullopt;
    if (!node) return text_response(400, "primary: expected a node id");
    primary = NodeId{*node};
  }
  if (standby && (primary == env_.self() || !is_peer(config_, primary)))
    return text_response(
        400, "primary: node " + std::to_string(primary.value) + " is not one of the peers");
  for (const NodeId backup : backups) {
    if (backup == primary) return text_response(400, "backups: the primary cannot be a backup");
    if (backup != env_.self() && !is_peer(config_, backup))
      return text_response(
          400, "backups: node " + std::to_string(backup.value) + " is not one of the peers");
  }
  if (standby && std::find(backups.begin(), backups.end(), env_.self()) == backups.end())
    return text_response(400, "backups: a standby's list must name this node");

  const manifest::LoadResult loaded = manifest::load_manifests(manifest_text, "request body");
  if (!loaded.ok()) return text_response(400, loaded.diagnostics.format());
  if (loaded.objects.size() != 1 ||
      !std::holds_alternative<manifest::EndophyteVM>(loaded.objects.front().object)) {
    return text_response(400, "request body: expected one EndophyteVM manifest");
  }
  const auto& manifest = std::get<manifest::EndophyteVM>(loaded.objects.front().object);
  if (!find_image(*config_.vm_host, manifest.vm_spec.os_config.type)) {
    return text_response(422, "spec.vmSpec.osConfig.type: this host has no image \"" +
                                  manifest.vm_spec.os_config.type + "\" in spec.vmHost.images");
  }

  Vm vm;
  vm.manifest = manifest;
  vm.standby = standby;
  vm.domain = vm_domain_name(manifest.metadata.name, env_.self());
  AgentReplication& replication = vm.replication;
  replication.stream = *stream;
  replication.memory_bytes = manifest.vm_spec.memory_bytes;
  replication.primary = primary;
  replication.backups = backups;
  const auto backup_count = static_cast<std::uint32_t>(backups.size());
  replication.connections_per_backup = std::max<std::uint32_t>(
      1, (manifest.rhizomorph_connections.target_count + backup_count - 1) / backup_count);
  replication.ram = manifest.distributed_ram;
  vm_ = std::move(vm);
  log_(std::string("vm: ") + (standby ? "keeping a standby of " : "deploying ") +
       manifest.metadata.name + " as domain " + vm_->domain + " (stream " +
       std::to_string(*stream) + ")");
  if (worker_.joinable()) worker_.join();  // a finished earlier deploy
  worker_ = std::thread([this, manifest, standby] { start_domain(manifest, standby); });
  nlohmann::json answer{
      {"name", manifest.metadata.name}, {"domain", vm_->domain}, {"state", "starting"}};
  return {202, "application/json", answer.dump() + "\n"};
}

void VmService::start_domain(manifest::EndophyteVM manifest, bool standby) {
  // On the worker thread: libvirt, then the result into the hand-over slot for the io thread.
  std::string failure;
  std::unique_ptr<VmPrimary> primary;
  std::unique_ptr<VmStandby> keeper;
  try {
    std::shared_ptr<LibvirtDriver> driver;
    {
      std::lock_guard lock(mutex_);
      if (!driver_) driver_ = std::make_shared<LibvirtDriver>(config_.vm_host->uri);
      driver = driver_;
    }
    const AgentVmHost& host = *config_.vm_host;
    const DomainType type =
        host.kvm ? (*host.kvm ? DomainType::kKvm : DomainType::kQemu) : choose_domain_type().type;
    VmContext context{driver, host, type, std::move(manifest), env_.self()};
    if (standby) {
      keeper = std::make_unique<VmStandby>(std::move(context));
    } else {
      primary = std::make_unique<VmPrimary>(std::move(context));
    }
  } catch (const std::exception& error) {
    failure = error.what();
    if (failure.empty()) failure = "unknown error";
  }
  {
    std::lock_guard lock(mutex_);
    ready_.primary = std::move(primary);
    ready_.standby = std::move(keeper);
    ready_.failure = std::move(failure);
  }
  boost::asio::post(io_, [this, alive = alive_] {
    if (*alive) adopt();  // else the service is gone, and the slot's workloads with it
  });
}

void VmService::adopt() {
  Ready ready;
  {
    std::lock_guard lock(mutex_);
    ready = std::move(ready_);
    ready_ = Ready{};
  }
  if (!ready.failure.empty()) return fail(ready.failure);
  try {
    AgentReplication& replication = vm_->replication;
    if (ready.primary) {
      replication.memory_file = ready.primary->ram_path();
      VmPrimary* primary = ready.primary.get();
      role_ = std::make_unique<ReplicationRole>(env_, replication, std::move(ready.primary), log_);
      primary_ = primary;
      schedule_dirty_rate_sample();
      start_autopilot();
    } else {
      replication.memory_file = ready.standby->ram_path();
      role_ = std::make_unique<ReplicationRole>(env_, replication, std::move(ready.standby), log_);
    }
    vm_->state = State::kRunning;
    log_("vm: " + vm_->manifest.metadata.name + (vm_->standby ? ": standby " : ": running as ") +
         vm_->domain);
  } catch (const std::exception& error) {
    fail(error.what());
  }
}

void VmService::schedule_dirty_rate_sample() {
  dirty_rate_timer_.expires_after(kDirtyRatePeriod);
  dirty_rate_timer_.async_wait([this, alive = alive_](boost::system::error_code error) {
    if (error || !*alive || !primary_ || !role_) return;
    if (role_->migrated_away()) return;  // the guest runs elsewhere now
    try {
      primary_->sample_dirty_rate();
      if (autopilot_ && primary_->dirty_rate()) {
        autopilot_->set_dirty_rate(placement::MeasuredDirtyRate{
            dirty_rate_bound(*primary_->dirty_rate()), VmPrimary::kDirtyRateWindow});
      }
    } catch (const std::exception& failure) {
      if (!dirty_rate_failed_) log_(std::string("vm: no dirty rate: ") + failure.what());
      dirty_rate_failed_ = true;
    }
    schedule_dirty_rate_sample();
  });
}

void VmService::start_autopilot() {
  ram::ReplicationPrimary* protocol = role_->primary_protocol();
  MYCELIUM_ASSERT(protocol != nullptr);
  ram::AutopilotConfig config;
  config.base = vm_->replication.ram;
  config.guest_memory_bytes = vm_->manifest.vm_spec.memory_bytes;
  config.apply = vm_->manifest.latency_profile == manifest::LatencyProfileMode::kAuto;
  config.probe_period = kRttPeriod;
  // After the first dirty rate is known (the first sample starts libvirt's 1 s calculation, the
  // second reads it), so the first application sizes the buffer for this guest rather than for
  // the reference rate.
  config.first_probe_delay = 2 * kDirtyRatePeriod + std::chrono::seconds(1);
  config.on_applied = [this](const placement::ProfileSettings& settings) {
    log_("vm: latency profile " + std::string(placement::to_string(settings.profile)) +
         " applied: replicationInterval " +
         manifest::format_duration(settings.ram.replication_interval) + ", bufferSize " +
         manifest::format_byte_quantity(settings.ram.buffer_bytes));
  };
  autopilot_ = std::make_unique<ram::ProfileAutopilot>(env_, *protocol, std::move(config));
}

nlohmann::json VmService::latency_profile_json() const {
  if (!autopilot_) return nullptr;
  const std::optional<placement::ProfileSettings> recommended = autopilot_->recommended();
  if (!recommended) return nullptr;
  const auto settings_json = [](const placement::ProfileSettings& settings) {
    const manifest::DistributedRamConfig& ram = settings.ram;
    return nlohmann::json{{"profile", placement::to_string(settings.profile)},
                          {"replication_interval_s", to_seconds(ram.replication_interval)},
                          {"buffer_bytes", ram.buffer_bytes},
                          {"throttle_threshold", ram.throttle_threshold},
                          {"emergency_pause_enabled", ram.emergency_pause_enabled},
                          {"compression", settings.compression}};
  };
  const bool automatic = vm_->manifest.latency_profile == manifest::LatencyProfileMode::kAuto;
  nlohmann::json entry{{"mode", automatic ? "auto" : "off"},
                       {"profile", placement::to_string(recommended->profile)},
                       {"smoothed_rtt_ms", to_seconds(*autopilot_->smoothed_rtt()) * 1e3},
                       {"interval_floor_ms", to_seconds(autopilot_->interval_floor()) * 1e3},
                       {"recommended", settings_json(*recommended)},
                       {"rationale", recommended->rationale},
                       {"applied", nullptr},
                       {"applications", autopilot_->applications()},
                       {"refused", nullptr}};
  if (const auto& applied = autopilot_->applied()) entry["applied"] = settings_json(*applied);
  if (!autopilot_->last_refusal().empty()) entry["refused"] = autopilot_->last_refusal();
  return entry;
}

std::optional<placement::ConvergenceForecast> VmService::forecast() const {
  if (!primary_ || !primary_->dirty_rate()) return std::nullopt;
  // The settings the primary runs with now: a latency profile may have replaced the manifest's.
  const ram::ReplicationPrimary* protocol = role_->primary_protocol();
  const manifest::DistributedRamConfig& ram =
      protocol ? protocol->config().ram : vm_->replication.ram;
  return placement::forecast_convergence(dirty_rate_bound(*primary_->dirty_rate()),
                                         VmPrimary::kDirtyRateWindow, ram.replication_interval,
                                         ram.buffer_bytes, ram::MigrationConfig{}.converge_level);
}

void VmService::fail(const std::string& why) {
  vm_->state = State::kFailed;
  vm_->error = why;
  log_("vm: " + vm_->manifest.metadata.name + " failed to start: " + why);
}

HttpResponse VmService::list() const {
  nlohmann::json vms = nlohmann::json::array();
  if (vm_) {
    const AgentReplication& replication = vm_->replication;
    nlohmann::json entry{{"name", vm_->manifest.metadata.name},
                         {"node", env_.self().value},
                         {"domain", vm_->domain},
                         {"stream", replication.stream},
                         {"primary", replication.primary.value},
                         {"backups", nlohmann::json::array()},
                         {"memory_bytes", replication.memory_bytes},
                         {"error", nullptr},
                         {"replication", nullptr},
                         {"migration_forecast", nullptr},
                         {"latency_profile", nullptr}};
    for (const NodeId backup : replication.backups)
      entry["backups"].push_back(backup.value);
    entry["role"] = vm_->standby ? "backup" : "primary";
    switch (vm_->state) {
      case State::kStarting:
        entry["state"] = "starting";
        break;
      case State::kFailed:
        entry["state"] = "failed";
        entry["error"] = vm_->error;
        break;
      case State::kRunning:
        entry["state"] = state_name(vm_->standby, role_->promoted(), role_->migrated_away());
        entry["replication"] = nlohmann::json::parse(role_->status_json());
        entry["latency_profile"] = latency_profile_json();
        if (const auto forecast = this->forecast()) {
          entry["migration_forecast"] = {{"verdict", placement::to_string(forecast->verdict)},
                                         {"buffer_needed_bytes", forecast->buffer_needed_bytes},
                                         {"reason", forecast->reason}};
        }
        break;
    }
    vms.push_back(std::move(entry));
  }
  return {200, "application/json", vms.dump() + "\n"};
}

HttpResponse VmService::migrate(std::string_view name, std::string_view query) {
  if (!vm_ || vm_->manifest.metadata.name != name)
    return text_response(404, "no VM named " + std::string(name) + " on this agent");
  if (vm_->standby)
    return text_response(409, "this agent keeps a standby of " + std::string(name) +
                                  "; ask its primary, node " +
                                  std::to_string(vm_->replication.primary.value));
  if (!role_) return text_response(409, std::string(name) + " is not running yet");
  auto parsed = parse_known_query(query, {"to", "force"});
  if (const std::string* error = std::get_if<std::string>(&parsed))
    return text_response(400, *error);
  const QueryParameters& parameters = std::get<QueryParameters>(parsed);
  const auto to = parameters.find("to");
  const auto node = to == parameters.end() ? std::nullopt : parse_node_id(to->second);
  const auto force = parameters.find("force");
  const bool forced = force != parameters.end() && force->second == "1";
  if (!node || (force != parameters.end() && !forced)) {
    return text_response(400, "expected /vms/" + std::string(name) + "/migrate?to=NODE[&force=1]");
  }
  if (const auto forecast = this->forecast();
      forecast && forecast->verdict == placement::ConvergenceVerdict::kWillNotConverge && !forced) {
    return text_response(409, "the migration " + forecast->reason + " (force=1 to try anyway)");
  }
  const std::uint32_t target = node.value();  // a plain value: GCC's -O2 flow analysis
                                              // cannot see through the optional below
  const std::string refused = role_->migrate(NodeId{target});
  if (!refused.empty()) return text_response(409, refused);
  return {202, "application/json",
          nlohmann::json{{"name", name}, {"migrating_to", target}}.dump() + "\n"};
}

HttpResponse VmService::remove(std::string_view name) {
  if (!vm_ || vm_->manifest.metadata.name != name)
    return text_response(404, "no VM named " + std::string(name) + " on this agent");
  if (vm_->state == State::kStarting)
    return text_response(
        409, std::string(name) + " is still starting; remove it once it runs or failed");
  log_("vm: removing " + vm_->domain);
  dirty_rate_timer_.cancel();
  autopilot_.reset();
  primary_ = nullptr;
  role_.reset();  // its workload destroys and undefines the domain
  vm_.reset();
  return {200, "application/json", nlohmann::json{{"removed", name}}.dump() + "\n"};
}

}  // namespace mycelium::real
