#pragma once
// What Kubernetes accepts as names and image references, checked before anything is rendered so
// that the user hears about it from us, with the flag or field, rather than from the API server.

#include <cstddef>
#include <string_view>

namespace mycelium::k8s {

// Object names and label values: at most 63 characters.
inline constexpr std::size_t kMaxNameLength = 63;

// RFC 1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit,
// at most 63 (names of most objects, and pods' host names).
bool is_dns_label(std::string_view text);

// RFC 1123 subdomain: labels joined by '.', at most 253 (e.g. a PersistentVolumeClaim's name).
bool is_dns_subdomain(std::string_view text);

// A container image reference: registry/name:tag or @digest, no space or quote, at most 512.
bool is_image_reference(std::string_view text);

}  // namespace mycelium::k8s
