#pragma once
// The deployment model selector (seed: DeploymentModelSelector::recommend_deployment_model).
// From what a user knows about an application, recommend Endomycete, Endophyte or standard
// Kubernetes, say why, and generate a valid manifest of the recommended kind.
//
// The seed's algorithm, one branch per application characteristic:
//   natively distributed               -> Endomycete
//   monolithic, fault tolerance needed -> Endophyte
//   monolithic, no fault tolerance     -> standard Kubernetes
//   legacy (OS dependencies)           -> Endophyte
// The configuration that comes with each branch is derived from the application's state size,
// RPO/RTO targets and latency budget; every derived value is explained in the rationale.

#include <string>
#include <string_view>
#include <vector>

#include <core/manifest/manifest.hpp>

namespace mycelium::select {

enum class DeploymentModel { kEndomycete, kEndophyte, kStandardKubernetes };

std::string_view model_name(DeploymentModel model);

struct Recommendation {
  DeploymentModel model = DeploymentModel::kStandardKubernetes;
  std::string rationale;               // the seed's one-line reason for the branch taken
  std::vector<std::string> decisions;  // one sentence per derived setting, in manifest order
  manifest::Object configuration;      // EndomyceteService or EndophyteVM, valid
};

Recommendation recommend(const manifest::Application& application);

}  // namespace mycelium::select
