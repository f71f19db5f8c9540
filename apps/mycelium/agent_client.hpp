#pragma once
// The CLI's side of myceliumd's admin API (docs/myceliumd.md): one blocking HTTP/1.1 request per
// call, bounded in time and size.

#include <chrono>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace mycelium::cli {

// An agent that cannot be reached or answers something that is not HTTP: names the address.
class AgentUnreachable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct AgentReply {
  unsigned status = 0;
  std::string body;

  bool ok() const { return status >= 200 && status < 300; }
  // The body as JSON; throws AgentUnreachable (a broken agent) when it is not.
  nlohmann::json json(const std::string& address) const;
};

// `address` is host:port (an IP literal, IPv6 in brackets, or a name; otherwise UserError).
// Answers of any status come back; a connection, timeout or protocol failure throws
// AgentUnreachable.
AgentReply agent_request(const std::string& address, const std::string& method,
                         const std::string& target, const std::string& body = "",
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));

// GET `target`, which must answer 2xx with JSON; otherwise throws AgentUnreachable with the
// agent's answer.
nlohmann::json agent_get_json(const std::string& address, const std::string& target);

}  // namespace mycelium::cli
