#pragma once
// Kubernetes objects, built as JSON (what the API takes, and what server-side apply sends), written
// as YAML for people: block style, two-space indents, keys in the order they were built, every
// string through yaml_scalar (so "8", "on" or "1.0" stay strings), multi-line strings (a
// ConfigMap's file) as literal blocks when they read back exactly.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mycelium::k8s {

using Object = nlohmann::ordered_json;

// One document, without a "---" line.
std::string to_yaml(const Object& document);

// Every document, each after a "---" line.
std::string to_yaml_stream(const std::vector<Object>& documents);

}  // namespace mycelium::k8s
