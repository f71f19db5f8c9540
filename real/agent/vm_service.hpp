#pragma once
// The agent's Endophyte VM service (spec.vmHost; docs/myceliumd.md "VMs"): one VM per agent,
// either as its primary or as one of its backups' standbys, deployed through the admin API:
//   POST /vms?stream=S&backups=B1,B2         body: the EndophyteVM manifest. This host runs the
//                                            VM and replicates it to the backups, which must
//                                            hold standbys for it already.
//   POST /vms/standby?stream=S&primary=P&backups=B1,B2   body: the same manifest. This host
//                                            keeps a standby of P's VM, which takes over when P
//                                            is gone or hands the VM over.
//   GET  /vms                                the VM here: role, state, domain, replication.
//   POST /vms/NAME/migrate?to=N[&force=1]    a planned migration of the VM to backup N; refused
//                                            when the dirty rate forecasts it will not converge
//                                            (core/placement/migration_forecast.hpp), unless
//                                            forced.
//   POST /vms/NAME/delete                    stops the VM or standby here and forgets it.
// Libvirt is slow to define and start a domain (seconds; tens of seconds for the first define
// after libvirtd starts, when it probes QEMU), and the agent's io thread must keep answering the
// network meanwhile (a node silent for a second is suspected). So a deploy answers 202 at once
// and a worker thread defines and starts the domain; the replication role is set up back on the
// io thread when it is ready. GET /vms shows "starting", then the role's state or "failed" with
// the reason.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <core/manifest/endophyte_vm.hpp>
#include <core/placement/latency_profile.hpp>
#include <core/placement/migration_forecast.hpp>
#include <core/ram/profile_autopilot.hpp>
#include <real/agent/admin_server.hpp>
#include <real/agent/agent_config.hpp>
#include <real/agent/replication_role.hpp>
#include <real/agent/vm_workload.hpp>
#include <real/env/asio_environment.hpp>
#include <real/vm/libvirt_driver.hpp>

namespace mycelium::real {

class VmService {
 public:
  // `env` and `io` outlive this service.
  VmService(boost::asio::io_context& io, AsioEnvironment& env, const AgentConfig& config,
            std::function<void(std::string)> log);
  ~VmService();  // waits for a deploy in progress; the VM's domains go with the service
  VmService(const VmService&) = delete;
  VmService& operator=(const VmService&) = delete;

  HttpResponse deploy(std::string_view query, std::string_view manifest_text, bool standby);
  HttpResponse list() const;
  HttpResponse migrate(std::string_view name, std::string_view query);
  HttpResponse remove(std::string_view name);

  // Whether this host's VM primary runs its latency-profile autopilot, which probes the backups
  // (the agent's RttService then refuses to probe: one probe per node at a time).
  bool probes_backups() const { return autopilot_ != nullptr; }

  // The VM's replication role once it runs (GET /replication shows it too), else null.
  const ReplicationRole* role() const { return role_.get(); }

 private:
  enum class State { kStarting, kRunning, kFailed };
  struct Vm {
    manifest::EndophyteVM manifest;
    AgentReplication replication;
    bool standby = false;
    State state = State::kStarting;
    std::string domain;
    std::string error;  // kFailed: why
  };

  // Runs on the worker thread: connects to libvirt if need be, and defines and starts the
  // domain; then hands the workload to the io thread (adopt) or reports the failure.
  void start_domain(manifest::EndophyteVM manifest, bool standby);
  // On the io thread: makes the replication role around what the worker started.
  void adopt();
  void fail(const std::string& why);
  // From the primary's last dirty rate: whether a migration would converge; none before one.
  std::optional<placement::ConvergenceForecast> forecast() const;

  // What the worker hands over (under mutex_): one workload, or why there is none.
  struct Ready {
    std::unique_ptr<VmPrimary> primary;
    std::unique_ptr<VmStandby> standby;
    std::string failure;
  };

  // Every kDirtyRatePeriod on the io thread: the primary's guest dirty rate (VmPrimary).
  void schedule_dirty_rate_sample();
  static constexpr std::chrono::seconds kDirtyRatePeriod{5};
  // The primary's latency-profile autopilot (core/ram/profile_autopilot.hpp): it measures the
  // round trip to the backups (every agent answers with its RttService's responder) once the first
  // dirty rate is known and every kRttPeriod, and applies the profile when the manifest says
  // spec.latencyProfile: auto (otherwise it only recommends, in GET /vms).
  void start_autopilot();
  static constexpr std::chrono::seconds kRttPeriod{30};
  // GET /vms's latency_profile entry; null before the first measurement.
  nlohmann::json latency_profile_json() const;

  boost::asio::io_context& io_;
  AsioEnvironment& env_;
  const AgentConfig& config_;
  std::function<void(std::string)> log_;
  std::mutex mutex_;  // guards driver_ and ready_, shared with the worker
  std::shared_ptr<LibvirtDriver> driver_;
  Ready ready_;
  std::thread worker_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::optional<Vm> vm_;
  std::unique_ptr<ReplicationRole> role_;
  VmPrimary* primary_ = nullptr;                      // role_'s workload when this host runs the VM
  std::unique_ptr<ram::ProfileAutopilot> autopilot_;  // on the primary's host
  boost::asio::steady_timer dirty_rate_timer_;
  bool dirty_rate_failed_ = false;  // logged once
};

}  // namespace mycelium::real
