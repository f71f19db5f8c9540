#include <nlohmann/json.hpp>

#include <real/agent/query_string.hpp>
#include <real/agent/rtt_service.hpp>

namespace mycelium::real {

RttService::RttService(AsioEnvironment& env, const AgentConfig& config,
                       std::function<std::string()> busy)
    : env_(env), config_(config), busy_(std::move(busy)), responder_(env) {}

RttService::~RttService() {
  env_.cancel_timer(release_timer_);
}

HttpResponse RttService::start(std::string_view query) {
  auto parsed = parse_known_query(query, {"targets"});
  if (const std::string* error = std::get_if<std::string>(&parsed)) {
    return text_response(400, *error);
  }
  const QueryParameters& parameters = std::get<QueryParameters>(parsed);
  const auto it = parameters.find("targets");
  const auto ids =
      it == parameters.end() ? std::nullopt : parse_node_id_list(it->second, kMaxTargets);
  if (!ids) {
    return text_response(400, "targets: expected 1 to " + std::to_string(kMaxTargets) +
                                  " distinct node ids separated by commas");
  }
  placement::RttProbeConfig config;
  for (const std::uint32_t id : *ids) {
    const NodeId node{id};
    if (node == env_.self() || !is_peer(config_, node)) {
      return text_response(400, "targets: node " + std::to_string(id) + " is not one of the peers");
    }
    config.targets.push_back(node);
  }
  if (probing_) return text_response(409, "a measurement is running; GET /rtt for its results");
  if (const std::string busy = busy_(); !busy.empty()) return text_response(409, busy);
  probing_ = true;
  done_ = false;
  results_.clear();
  probe_ = std::make_unique<placement::RttProbe>(
      env_, config, [this](const std::vector<placement::RttMeasurement>& measurements) {
        results_ = measurements;
        probing_ = false;
        done_ = true;
        release_timer_ = env_.schedule_once(Duration::zero(), [this] { probe_.reset(); });
      });
  nlohmann::json answer{{"probing", *ids}};
  return {202, "application/json", answer.dump() + "\n"};
}

HttpResponse RttService::last() const {
  nlohmann::json answer{{"state", probing_ ? "probing"
                                  : done_  ? "done"
                                           : "idle"},
                        {"results", nlohmann::json::array()}};
  for (const placement::RttMeasurement& measured : results_) {
    answer["results"].push_back(
        {{"node", measured.target.value},
         {"rtt_ms", measured.rtt ? nlohmann::json(to_seconds(*measured.rtt) * 1e3) : nullptr},
         {"answers", measured.answers}});
  }
  return {200, "application/json", answer.dump() + "\n"};
}

}  // namespace mycelium::real
