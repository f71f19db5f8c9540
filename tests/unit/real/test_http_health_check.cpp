// The real runtime's HTTP health check against tiny loopback servers: a 2xx answer is healthy;
// another status, a refused connection, garbage or silence past the timeout are not.

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include <real/env/http_health_check.hpp>
#include <tests/unit/real/asio_test_support.hpp>

using namespace mycelium;
using namespace mycelium::real;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// Accepts one connection, reads the request head, records its first line, and answers with
// `answer` (nothing at all when empty: the client must time out).
struct OneShotServer {
  OneShotServer(asio::io_context& io, std::string reply)
      : acceptor(io, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0)),
        socket(io),
        answer(std::move(reply)) {
    acceptor.async_accept(socket, [this](const boost::system::error_code& error) {
      if (error) return;
      asio::async_read_until(socket, request, "\r\n\r\n",
                             [this](const boost::system::error_code& read_error, std::size_t) {
                               if (read_error) return;
                               std::istream head(&request);
                               std::getline(head, request_line);
                               if (answer.empty()) return;  // silence
                               asio::async_write(
                                   socket, asio::buffer(answer),
                                   [](const boost::system::error_code&, std::size_t) {});
                             });
    });
  }
  std::uint16_t port() const { return acceptor.local_endpoint().port(); }

  asio::ip::tcp::acceptor acceptor;
  asio::ip::tcp::socket socket;
  asio::streambuf request;
  std::string request_line;
  std::string answer;
};

std::optional<bool> check(asio::io_context& io, std::uint16_t port, Duration timeout = 2s) {
  std::optional<bool> outcome;
  HealthCheck health{"orders", "orders-0", port, "/health", timeout};
  start_http_health_check(io, health, [&outcome](bool healthy) {
    REQUIRE_FALSE(outcome.has_value());  // exactly once
    outcome = healthy;
  });
  CHECK_FALSE(outcome.has_value());  // never inside the call
  testing::run_until(
      io, [&outcome] { return outcome.has_value(); }, 5000ms);
  return outcome;
}

}  // namespace

TEST_CASE("http health check: a 2xx answer is healthy, and the request names the endpoint") {
  asio::io_context io;
  OneShotServer server(io, "HTTP/1.1 204 No Content\r\n\r\n");
  CHECK(check(io, server.port()) == std::optional(true));
  CHECK(server.request_line == "GET /health HTTP/1.0\r");
}

TEST_CASE("http health check: another status, garbage, a refused port or silence are unhealthy") {
  asio::io_context io;
  OneShotServer unavailable(io, "HTTP/1.1 503 Service Unavailable\r\n\r\n");
  CHECK(check(io, unavailable.port()) == std::optional(false));
  OneShotServer garbage(io, "hello\r\n");
  CHECK(check(io, garbage.port()) == std::optional(false));
  std::uint16_t closed_port = 0;
  {
    asio::ip::tcp::acceptor probe(io, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    closed_port = probe.local_endpoint().port();
  }
  CHECK(check(io, closed_port) == std::optional(false));
  OneShotServer silent(io, "");
  CHECK(check(io, silent.port(), 200ms) == std::optional(false));
}

TEST_CASE("http health check: status lines") {
  CHECK(http_status_line_ok("HTTP/1.1 200 OK"));
  CHECK(http_status_line_ok("HTTP/1.0 299"));
  CHECK_FALSE(http_status_line_ok("HTTP/1.1 301 Moved"));
  CHECK_FALSE(http_status_line_ok("HTTP/1.1 2000 OK"));
  CHECK_FALSE(http_status_line_ok("HTTP/2 200 OK"));
  CHECK_FALSE(http_status_line_ok("HTTP/1.1 2x0 OK"));
  CHECK_FALSE(http_status_line_ok(""));
}
