#include <algorithm>

#include <real/k8s/k8s_names.hpp>

namespace mycelium::k8s {

namespace {

constexpr std::size_t kMaxSubdomainLength = 253;
constexpr std::size_t kMaxImageReferenceLength = 512;

bool lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

}  // namespace

bool is_dns_label(std::string_view text) {
  if (text.empty() || text.size() > kMaxNameLength) return false;
  if (!lower_alnum(text.front()) || !lower_alnum(text.back())) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return lower_alnum(c) || c == '-'; });
}

bool is_dns_subdomain(std::string_view text) {
  if (text.empty() || text.size() > kMaxSubdomainLength) return false;
  if (!lower_alnum(text.front()) || !lower_alnum(text.back())) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return lower_alnum(c) || c == '-' || c == '.'; });
}

bool is_image_reference(std::string_view text) {
  if (text.empty() || text.size() > kMaxImageReferenceLength) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == ':' || c == '/' || c == '@' || c == '+';
  });
}

}  // namespace mycelium::k8s
