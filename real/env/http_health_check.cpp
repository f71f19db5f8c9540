#include <array>
#include <memory>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <real/env/http_health_check.hpp>

namespace mycelium::real {

namespace asio = boost::asio;

namespace {

// Enough for any status line; a longer one is not HTTP we understand.
constexpr std::size_t kMaxStatusLineBytes = 512;

struct CheckState : std::enable_shared_from_this<CheckState> {
  CheckState(asio::io_context& io, std::function<void(bool)> callback)
      : socket(io), deadline(io), done(std::move(callback)) {}

  void finish(bool healthy) {
    if (finished) return;
    finished = true;
    boost::system::error_code ignored;
    deadline.cancel();
    socket.close(ignored);
    done(healthy);
  }

  void read_status() {
    if (finished) return;
    socket.async_read_some(
        asio::buffer(chunk),
        [self = shared_from_this()](const boost::system::error_code& error, std::size_t bytes) {
          self->received.append(self->chunk.data(), bytes);
          const std::size_t end = self->received.find("\r\n");
          if (end != std::string::npos) {
            self->finish(http_status_line_ok(std::string_view(self->received).substr(0, end)));
          } else if (error || self->received.size() > kMaxStatusLineBytes) {
            self->finish(false);
          } else {
            self->read_status();
          }
        });
  }

  asio::ip::tcp::socket socket;
  asio::steady_timer deadline;
  std::function<void(bool)> done;
  std::string request;
  std::string received;
  std::array<char, 256> chunk{};
  bool finished = false;
};

}  // namespace

bool http_status_line_ok(std::string_view status_line) {
  // "HTTP/1.x NNN ...": the protocol, one space, three digits.
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1.") return false;
  if (status_line[8] != ' ' || (status_line.size() > 12 && status_line[12] != ' ')) return false;
  const std::string_view code = status_line.substr(9, 3);
  for (const char digit : code) {
    if (digit < '0' || digit > '9') return false;
  }
  return code[0] == '2';
}

void start_http_health_check(asio::io_context& io, const HealthCheck& check,
                             std::function<void(bool healthy)> done) {
  auto state = std::make_shared<CheckState>(io, std::move(done));
  std::string path =
      check.endpoint.empty() || check.endpoint[0] != '/' ? "/" + check.endpoint : check.endpoint;
  state->request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  state->deadline.expires_after(check.timeout);
  state->deadline.async_wait([state](const boost::system::error_code& error) {
    if (!error) state->finish(false);  // timed out
  });
  const asio::ip::tcp::endpoint target(asio::ip::address_v4::loopback(), check.port);
  state->socket.async_connect(target, [state](const boost::system::error_code& error) {
    if (error) {
      state->finish(false);
      return;
    }
    asio::async_write(state->socket, asio::buffer(state->request),
                      [state](const boost::system::error_code& write_error, std::size_t) {
                        if (write_error) {
                          state->finish(false);
                          return;
                        }
                        state->read_status();
                      });
  });
}

}  // namespace mycelium::real
