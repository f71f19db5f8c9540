#pragma once
// EndomyceteService -> Kubernetes objects (docs/kubernetes.md has every choice and why):
//
//   - a ConfigMap with the Service Spore's agent configuration (when the spore is enabled), shared
//     by every deployment of the service;
//   - per spec.deployments[] entry: a headless Service (discovery: stable DNS names per pod), a
//     StatefulSet (every strategy that keeps state or identity, and any service with a spore:
//     the spore needs a stable node id and DNS name per instance) or a Deployment (a
//     standard-kubernetes service without a spore), and a policy/v1 PodDisruptionBudget;
//   - placement: anti-affinity -> required pod anti-affinity on the node's hostname among the
//     deployment's own pods; distributed -> topologySpreadConstraints over zones (best effort:
//     clusters without zone labels still schedule) and hostnames (strict, skew 1); one-per-node ->
//     required anti-affinity against every pod of the service, so no node runs two of its pods,
//     with the replicas as given (pods beyond the schedulable nodes stay Pending): not a
//     DaemonSet, which would ignore spec.replicas and give the pods no ordinal identity, which
//     shards and masters need.
//   - labels app.kubernetes.io/{name,instance,component,part-of,managed-by}.
//
// Pure: no I/O, no clock; the same manifest and options give the same objects.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <core/manifest/endomycete_service.hpp>
#include <real/k8s/yaml_writer.hpp>

namespace mycelium::k8s {

// The sidecar's ports, the same in every pod: spore datagrams and lanes, and its admin API (for
// the probes).
inline constexpr std::uint16_t kSporePort = 7946;
inline constexpr std::uint16_t kSporeAdminPort = 7947;
inline constexpr const char* kDefaultAgentImage = "mycelium:latest";

struct RenderOptions {
  std::string namespace_ = "default";  // a manifest's metadata.namespace wins
  // The application's image; none: "<metadata.name>:latest" (and a note says so).
  std::optional<std::string> image;
  std::string agent_image = kDefaultAgentImage;  // holds myceliumd
};

struct RenderedObjects {
  std::vector<Object> objects;
  std::vector<std::string> notes;  // what the user should know: defaults taken, limits
};

// What Kubernetes would refuse (a name too long once suffixed, an image that is not a reference),
// with the field and what is expected.
class RenderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

RenderedObjects render_endomycete(const manifest::EndomyceteService& service,
                                  const RenderOptions& options);

}  // namespace mycelium::k8s
