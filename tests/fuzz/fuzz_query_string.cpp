// Fuzz target for the admin API's query parser (real/agent/query_string.hpp). Beyond "no
// crash": a refused query says why; an accepted one has at most kMaxParameters parameters, each
// key non-empty, keys and values within kMaxDecodedBytes and free of control characters; and
// the node-id lists it also parses (parse_node_id_list) are distinct valid ids, bounded.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <real/agent/query_string.hpp>

namespace {

bool clean(const std::string& text) {
  if (text.size() > mycelium::real::QueryLimits::kMaxDecodedBytes) return false;
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mycelium::real;
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  const auto result = parse_query(query);
  if (const std::string* error = std::get_if<std::string>(&result)) {
    if (error->empty()) {
      std::fprintf(stderr, "fuzz_query_string: refused without a reason\n");
      std::abort();
    }
    return 0;
  }
  const QueryParameters& parameters = std::get<QueryParameters>(result);
  bool ok = parameters.size() <= QueryLimits::kMaxParameters;
  for (const auto& [key, value] : parameters)
    ok = ok && !key.empty() && clean(key) && clean(value);
  if (!ok) {
    std::fprintf(stderr, "fuzz_query_string: accepted a query outside its limits\n");
    std::abort();
  }
  // The node-id list of /vms?backups=: accepted ids are distinct, valid, at most the count.
  if (const auto nodes = parse_node_id_list(query, 16)) {
    bool distinct = !nodes->empty() && nodes->size() <= 16;
    for (std::size_t i = 0; i < nodes->size(); ++i) {
      distinct = distinct && (*nodes)[i] != UINT32_MAX;
      for (std::size_t j = 0; j < i; ++j)
        distinct = distinct && (*nodes)[i] != (*nodes)[j];
    }
    if (!distinct) {
      std::fprintf(stderr, "fuzz_query_string: accepted a bad node-id list\n");
      std::abort();
    }
  }
  const auto [path, rest] = split_target(query);
  if (path.size() + (rest.size() + (path.size() < query.size() ? 1 : 0)) != query.size()) {
    std::fprintf(stderr, "fuzz_query_string: split_target lost bytes\n");
    std::abort();
  }
  return 0;
}
