#include <algorithm>
#include <string_view>

#include <core/manifest/enum_names.hpp>
#include <real/k8s/agent_pod.hpp>
#include <real/k8s/k8s_names.hpp>
#include <real/k8s/render_endomycete.hpp>

namespace mycelium::k8s {

namespace {

using manifest::DistributionType;
using manifest::EndomyceteService;
using manifest::KubernetesDeployment;
using manifest::Placement;

// A StatefulSet's pods carry a controller-revision-hash label "<name>-<10 characters>", which must
// fit a label value: Kubernetes refuses StatefulSet names longer than 52.
constexpr std::size_t kMaxStatefulSetName = 52;
constexpr std::string_view kHostnameKey = "kubernetes.io/hostname";
constexpr std::string_view kZoneKey = "topology.kubernetes.io/zone";

// Strategies whose instances keep state or identity (a shard, a peer, a master or replica, a log
// partition): StatefulSets.
bool keeps_identity(DistributionType type) {
  return type != DistributionType::kStandardKubernetes;
}

struct Names {
  std::string service;  // metadata.name of the EndomyceteService
  std::string namespace_;
  std::string workload;    // <service>-<deployment>: StatefulSet/Deployment, Service, PDB
  std::string config;      // the spore's ConfigMap
  std::string key_secret;  // the network key the user creates (docs/kubernetes.md)
};

Object common_labels(const Names& names, const KubernetesDeployment& deployment) {
  return Object{{"app.kubernetes.io/name", names.service},
                {"app.kubernetes.io/instance", names.service},
                {"app.kubernetes.io/component", deployment.name},
                {"app.kubernetes.io/part-of", names.service},
                {"app.kubernetes.io/managed-by", "mycelium"}};
}

// What the workload's selector and the Service match: fixed for the life of the objects.
Object selector_labels(const Names& names, const KubernetesDeployment& deployment) {
  return Object{{"app.kubernetes.io/name", names.service},
                {"app.kubernetes.io/instance", names.service},
                {"app.kubernetes.io/component", deployment.name}};
}

Object metadata(const std::string& name, const Names& names, Object labels) {
  return Object{{"name", name}, {"namespace", names.namespace_}, {"labels", std::move(labels)}};
}

Object hostname_anti_affinity(Object match_labels) {
  return Object{
      {"podAntiAffinity",
       {{"requiredDuringSchedulingIgnoredDuringExecution",
         Object::array({Object{{"labelSelector", {{"matchLabels", std::move(match_labels)}}},
                               {"topologyKey", kHostnameKey}}})}}}};
}

// Sets the pod spec's placement fields for `deployment`.
void place(Object& pod_spec, const Names& names, const KubernetesDeployment& deployment) {
  switch (deployment.placement) {
    case Placement::kAntiAffinity:
      pod_spec["affinity"] = hostname_anti_affinity(selector_labels(names, deployment));
      return;
    case Placement::kOnePerNode:
      // Every pod of the service, whatever its deployment.
      pod_spec["affinity"] =
          hostname_anti_affinity(Object{{"app.kubernetes.io/name", names.service},
                                        {"app.kubernetes.io/instance", names.service}});
      return;
    case Placement::kDistributed: {
      const Object selector{{"matchLabels", selector_labels(names, deployment)}};
      pod_spec["topologySpreadConstraints"] =
          Object::array({Object{{"maxSkew", 1},
                                {"topologyKey", kZoneKey},
                                {"whenUnsatisfiable", "ScheduleAnyway"},
                                {"labelSelector", selector}},
                         Object{{"maxSkew", 1},
                                {"topologyKey", kHostnameKey},
                                {"whenUnsatisfiable", "DoNotSchedule"},
                                {"labelSelector", selector}}});
      return;
    }
  }
}

Object http_probe(const std::string& path, std::uint16_t port, int period_s, int failures) {
  return Object{{"httpGet", {{"path", path}, {"port", port}}},
                {"periodSeconds", period_s},
                {"failureThreshold", failures}};
}

Object env_value(std::string_view name, std::string_view value) {
  return Object{{"name", name}, {"value", value}};
}

// master-slave with masterSelection: election and a Service Spore: the sidecar agent elects the
// master by lease among every pod of the service (real/agent/master_lease_service.hpp).
bool agent_elects_master(const EndomyceteService& service) {
  const manifest::DistributionStrategy& strategy = service.distribution_strategy;
  return service.service_spore.enabled &&
         strategy.type == manifest::DistributionType::kMasterSlave &&
         strategy.master_selection == manifest::MasterSelection::kElection;
}

// The strategy's parameters, for the application to act on (its shard count, the consensus
// protocol its peers run, ...), and the pod's own name (its ordinal: which shard, which peer).
Object strategy_environment(const EndomyceteService& service,
                            const KubernetesDeployment& deployment) {
  using namespace manifest;
  const DistributionStrategy& strategy = service.distribution_strategy;
  Object env = Object::array(
      {env_value("MYCELIUM_SERVICE", service.metadata.name),
       env_value("MYCELIUM_COMPONENT", deployment.name),
       Object{{"name", "MYCELIUM_POD_NAME"},
              {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.name"}}}}}},
       env_value("MYCELIUM_DISTRIBUTION", kDistributionTypeNames.name(strategy.type))});
  switch (strategy.type) {
    case DistributionType::kCustomSharding:
      env.push_back(env_value("MYCELIUM_SHARD_COUNT", std::to_string(strategy.shard_count)));
      env.push_back(
          env_value("MYCELIUM_SHARD_FUNCTION", kShardFunctionNames.name(strategy.shard_function)));
      env.push_back(env_value("MYCELIUM_REBALANCING_STRATEGY",
                              kRebalancingStrategyNames.name(strategy.rebalancing_strategy)));
      break;
    case DistributionType::kPeerToPeer:
      env.push_back(env_value("MYCELIUM_DISCOVERY_MECHANISM",
                              kDiscoveryMechanismNames.name(strategy.discovery_mechanism)));
      env.push_back(env_value("MYCELIUM_CONSENSUS_PROTOCOL",
                              kConsensusProtocolNames.name(strategy.consensus_protocol)));
      break;
    case DistributionType::kMasterSlave:
      env.push_back(env_value("MYCELIUM_MASTER_SELECTION",
                              kMasterSelectionNames.name(strategy.master_selection)));
      env.push_back(env_value("MYCELIUM_SLAVE_COORDINATION",
                              kSlaveCoordinationNames.name(strategy.slave_coordination)));
      if (agent_elects_master(service)) {
        // The sidecar runs the election (spore_config); the application asks it, on the pod's
        // loopback, whether it is master (200 or 503) and whom its agent backs.
        const std::string admin = "http://127.0.0.1:" + std::to_string(kSporeAdminPort);
        env.push_back(env_value("MYCELIUM_MASTER_URL", admin + "/distribution/master"));
        env.push_back(env_value("MYCELIUM_DISTRIBUTION_URL", admin + "/distribution"));
      }
      break;
    case DistributionType::kEventSourcing:
      env.push_back(env_value("MYCELIUM_LOG_PARTITIONING",
                              kLogPartitioningNames.name(strategy.log_partitioning)));
      env.push_back(
          env_value("MYCELIUM_EVENT_ORDERING", kEventOrderingNames.name(strategy.event_ordering)));
      break;
    case DistributionType::kStandardKubernetes:
      break;
  }
  return env;
}

Object app_container(const EndomyceteService& service, const KubernetesDeployment& deployment,
                     const std::string& image) {
  Object container{
      {"name", "app"}, {"image", image}, {"env", strategy_environment(service, deployment)}};
  const manifest::ServiceSporeConfig& spore = service.service_spore;
  if (!spore.discovery_ports.empty()) {
    Object ports = Object::array();
    for (const std::uint16_t port : spore.discovery_ports) {
      ports.push_back(Object{
          {"name", "app-" + std::to_string(port)}, {"containerPort", port}, {"protocol", "TCP"}});
    }
    container["ports"] = std::move(ports);
    if (!spore.health_endpoint.empty()) {
      const std::uint16_t port = spore.discovery_ports.front();
      container["readinessProbe"] = http_probe(spore.health_endpoint, port, 5, 3);
      container["livenessProbe"] = http_probe(spore.health_endpoint, port, 10, 6);
    }
  }
  return container;
}

Object spore_container(const std::string& agent_image) {
  const std::string config_file = std::string(kAgentConfigMount) + "/spore.yaml";
  return Object{
      {"name", "service-spore"},
      {"image", agent_image},
      {"command", Object::array({"myceliumd", "--config", config_file})},
      {"ports",
       Object::array(
           {Object{{"name", "spore-udp"}, {"containerPort", kSporePort}, {"protocol", "UDP"}},
            Object{{"name", "spore-tcp"}, {"containerPort", kSporePort}, {"protocol", "TCP"}},
            Object{{"name", "spore-admin"},
                   {"containerPort", kSporeAdminPort},
                   {"protocol", "TCP"}}})},
      {"readinessProbe", http_probe("/status", kSporeAdminPort, 5, 3)},
      {"livenessProbe", http_probe("/status", kSporeAdminPort, 10, 6)},
      {"resources",
       {{"requests", {{"cpu", "50m"}, {"memory", "64Mi"}}}, {"limits", {{"memory", "256Mi"}}}}},
      {"securityContext", restricted_security_context()},
      {"volumeMounts", agent_volume_mounts()}};
}

Object spore_volumes(const Names& names) {
  return agent_volumes(names.config, names.key_secret);
}

std::string pod_dns_name(const Names& names, std::uint32_t ordinal) {
  return names.workload + "-" + std::to_string(ordinal) + "." + names.workload + "." +
         names.namespace_ + ".svc.cluster.local";
}

// The spore agent's configuration (docs/myceliumd.md, "In a Kubernetes pod"): every pod of the
// service is a peer at its stable DNS name, node ids numbered across the deployments in order;
// each pod finds itself by its hostname; the first pod of each deployment is a seed.
std::string spore_config(const EndomyceteService& service, const std::vector<Names>& all,
                         const Names& names, const KubernetesDeployment& deployment) {
  Object peers = Object::array();
  Object seeds = Object::array();
  std::uint32_t node = 1;
  for (std::size_t d = 0; d < service.deployments.size(); ++d) {
    for (std::uint32_t ordinal = 0; ordinal < service.deployments[d].replicas; ++ordinal) {
      peers.push_back(
          Object{{"nodeId", node},
                 {"address", pod_dns_name(all[d], ordinal) + ":" + std::to_string(kSporePort)}});
      if (ordinal == 0) seeds.push_back(node);
      ++node;
    }
  }
  Object spec{{"identity", "hostname"},
              {"listen", "0.0.0.0:" + std::to_string(kSporePort)},
              {"admin", "0.0.0.0:" + std::to_string(kSporeAdminPort)},
              {"network", {{"name", names.service}, {"keyFile", network_key_file()}}},
              {"peers", std::move(peers)},
              {"seeds", std::move(seeds)}};
  if (agent_elects_master(service)) spec["distribution"] = Object{{"strategy", "master-slave"}};
  const manifest::ServiceSporeConfig& spore = service.service_spore;
  if (!spore.discovery_ports.empty()) {
    Object instance{{"service", names.workload},
                    {"instanceId", "{hostname}"},
                    {"ports", spore.discovery_ports}};
    if (!spore.health_endpoint.empty()) instance["healthEndpoint"] = spore.health_endpoint;
    instance["labels"] = Object{{"component", deployment.name}};
    spec["services"] = Object::array({std::move(instance)});
  }
  // Through the YAML writer, like every other object: each value quoted as it needs.
  return to_yaml(Object{{"apiVersion", "mycelium.network/v1"},
                        {"kind", "AgentConfig"},
                        {"metadata", {{"name", names.workload}}},
                        {"spec", std::move(spec)}});
}

}  // namespace

RenderedObjects render_endomycete(const EndomyceteService& service, const RenderOptions& options) {
  RenderedObjects rendered;
  const std::string namespace_ =
      service.metadata.namespace_.empty() ? options.namespace_ : service.metadata.namespace_;
  std::string image = service.metadata.name + ":latest";
  if (options.image) {
    image = *options.image;
  } else {
    rendered.notes.push_back("no --image given: the application's containers run \"" + image +
                             "\"");
  }
  if (!is_image_reference(image)) {
    throw RenderError("--image \"" + image +
                      "\": expected a container image reference such as "
                      "registry.example.com/distributed-db:1.2.0");
  }
  if (!is_image_reference(options.agent_image)) {
    throw RenderError("--agent-image \"" + options.agent_image +
                      "\": expected a container image reference that holds myceliumd");
  }
  const bool spore = service.service_spore.enabled;
  const bool stateful = spore || keeps_identity(service.distribution_strategy.type);

  std::vector<Names> all;
  for (const KubernetesDeployment& deployment : service.deployments) {
    Names names;
    names.service = service.metadata.name;
    names.namespace_ = namespace_;
    names.workload = service.metadata.name + "-" + deployment.name;
    names.config = names.workload + "-spore";
    names.key_secret = service.metadata.name + "-spore-key";
    const std::size_t limit = stateful ? kMaxStatefulSetName : kMaxNameLength;
    if (names.workload.size() > limit) {
      throw RenderError("spec.deployments[" + std::to_string(all.size()) + "].name \"" +
                        deployment.name + "\": \"" + names.workload + "\" has " +
                        std::to_string(names.workload.size()) + " characters, Kubernetes allows " +
                        std::to_string(limit) + " for a " +
                        (stateful ? "StatefulSet" : "Deployment") +
                        " name: shorten metadata.name or the deployment's name");
    }
    all.push_back(std::move(names));
  }

  for (std::size_t d = 0; d < service.deployments.size(); ++d) {
    const KubernetesDeployment& deployment = service.deployments[d];
    const Names& names = all[d];
    const Object labels = common_labels(names, deployment);

    if (spore) {
      rendered.objects.push_back(
          Object{{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata", metadata(names.config, names, labels)},
                 {"data", {{"spore.yaml", spore_config(service, all, names, deployment)}}}});
    }

    // Headless: one DNS record per pod, published before the pods are ready (the spores find
    // each other while they start).
    Object ports = Object::array();
    if (spore) {
      ports.push_back(Object{{"name", "spore-udp"}, {"port", kSporePort}, {"protocol", "UDP"}});
      ports.push_back(Object{{"name", "spore-tcp"}, {"port", kSporePort}, {"protocol", "TCP"}});
    }
    for (const std::uint16_t port : service.service_spore.discovery_ports) {
      ports.push_back(
          Object{{"name", "app-" + std::to_string(port)}, {"port", port}, {"protocol", "TCP"}});
    }
    Object service_spec{{"clusterIP", "None"},
                        {"publishNotReadyAddresses", true},
                        {"selector", selector_labels(names, deployment)}};
    if (!ports.empty()) service_spec["ports"] = std::move(ports);
    rendered.objects.push_back(Object{{"apiVersion", "v1"},
                                      {"kind", "Service"},
                                      {"metadata", metadata(names.workload, names, labels)},
                                      {"spec", std::move(service_spec)}});

    Object pod_spec{{"containers", Object::array({app_container(service, deployment, image)})}};
    if (spore) {
      pod_spec["containers"].push_back(spore_container(options.agent_image));
      pod_spec["volumes"] = spore_volumes(names);
      pod_spec["securityContext"] = Object{{"fsGroup", kAgentUser}};
    }
    place(pod_spec, names, deployment);
    Object workload_spec{{"replicas", deployment.replicas},
                         {"selector", {{"matchLabels", selector_labels(names, deployment)}}}};
    if (stateful) {
      workload_spec["serviceName"] = names.workload;
      // The spores find each other whatever the order: no need to start pods one by one.
      workload_spec["podManagementPolicy"] = "Parallel";
    }
    workload_spec["template"] = Object{{"metadata", {{"labels", labels}}}, {"spec", pod_spec}};
    rendered.objects.push_back(Object{{"apiVersion", "apps/v1"},
                                      {"kind", stateful ? "StatefulSet" : "Deployment"},
                                      {"metadata", metadata(names.workload, names, labels)},
                                      {"spec", std::move(workload_spec)}});

    // One pod of the deployment down at a time for voluntary disruptions (drains, upgrades): a
    // shard or a quorum member is never taken twice over.
    rendered.objects.push_back(
        Object{{"apiVersion", "policy/v1"},
               {"kind", "PodDisruptionBudget"},
               {"metadata", metadata(names.workload, names, labels)},
               {"spec",
                {{"maxUnavailable", 1},
                 {"selector", {{"matchLabels", selector_labels(names, deployment)}}}}}});

    if (deployment.placement == Placement::kOnePerNode) {
      rendered.notes.push_back("deployment " + deployment.name +
                               " (one-per-node): " + std::to_string(deployment.replicas) +
                               " pods need as many schedulable nodes; any beyond stay Pending");
    }
  }
  if (spore) {
    rendered.notes.push_back("the Service Spores read their network key from the Secret " +
                             all.front().key_secret + " (key " + std::string(kNetworkKeyItem) +
                             "), which is not rendered: create it once, e.g. kubectl -n " +
                             namespace_ + " create secret generic " + all.front().key_secret +
                             " --from-literal=" + std::string(kNetworkKeyItem) +
                             "=$(openssl rand -hex 32)");
  }
  return rendered;
}

}  // namespace mycelium::k8s
