#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <apps/mycelium/agent_client.hpp>
#include <apps/mycelium/file_io.hpp>

namespace mycelium::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::size_t kMaxReplyBytes = 16U << 20;

std::pair<std::string, std::string> split_address(const std::string& address) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size())
    throw UserError("agent address " + address + ": expected host:port");
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return {host, address.substr(colon + 1)};
}

}  // namespace

nlohmann::json AgentReply::json(const std::string& address) const {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception&) {
    throw AgentUnreachable("agent " + address +
                           " answered something that is not JSON: " + body.substr(0, 200));
  }
}

AgentReply agent_request(const std::string& address, const std::string& method,
                         const std::string& target, const std::string& body,
                         std::chrono::milliseconds timeout) {
  const auto [host, port] = split_address(address);
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code error;
  const auto fail = [&](const std::string& step) {
    return AgentUnreachable("agent " + address + ": " + step + ": " + error.message() +
                            " (is myceliumd running there with spec.admin?)");
  };
  asio::ip::tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(host, port, error);
  if (error) throw fail("cannot resolve");
  http::request<http::string_body> request(http::string_to_verb(method), target, 11);
  request.set(http::field::host, host);
  request.set(http::field::user_agent, "mycelium");
  if (!body.empty()) request.set(http::field::content_type, "application/yaml");
  request.body() = body;
  request.prepare_payload();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxReplyBytes);
  // Asynchronous steps run to completion here: tcp_stream's deadline bounds only those.
  std::string step = "cannot connect";
  stream.expires_after(timeout);
  stream.async_connect(endpoints, [&](beast::error_code connected, const auto&) {
    if ((error = connected)) return;
    step = "cannot send " + method + " " + target;
    http::async_write(stream, request, [&](beast::error_code written, std::size_t) {
      if ((error = written)) return;
      step = "no answer to " + method + " " + target;
      http::async_read(stream, buffer, parser,
                       [&](beast::error_code read, std::size_t) { error = read; });
    });
  });
  io.run();
  if (error) throw fail(step);
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  return {parser.get().result_int(), parser.get().body()};
}

nlohmann::json agent_get_json(const std::string& address, const std::string& target) {
  const AgentReply reply = agent_request(address, "GET", target);
  if (!reply.ok()) {
    throw AgentUnreachable("agent " + address + ": GET " + target + ": " +
                           std::to_string(reply.status) + " " + reply.body);
  }
  return reply.json(address);
}

}  // namespace mycelium::cli
