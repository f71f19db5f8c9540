#pragma once
// The real runtime's health check of a service instance on this host: HTTP/1.0
// `GET <endpoint>` to 127.0.0.1:<port>; healthy when a 2xx status line arrives within the
// timeout. Refused connections, other statuses, garbage and timeouts are unhealthy.

#include <functional>

#include <boost/asio/io_context.hpp>

#include <core/env/health_check.hpp>

namespace mycelium::real {

// Starts the check; `done` runs exactly once, from a handler of `io` (never inside this call).
void start_http_health_check(boost::asio::io_context& io, const HealthCheck& check,
                             std::function<void(bool healthy)> done);

// "HTTP/1.1 204 No Content" -> true: a status line with a 2xx code.
bool http_status_line_ok(std::string_view status_line);

}  // namespace mycelium::real
