#pragma once
// A small HTTP/1.1 server on Boost.Beast for the agent's admin API: each request is read (head
// and body bounded), answered by the route function, and the connection closed. Runs on the
// agent's io_context, so routes may read the node's state without locks.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace mycelium::real {

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// A plain-text answer: `message` and a newline.
inline HttpResponse text_response(unsigned status, std::string message) {
  return {status, "text/plain", std::move(message) + "\n"};
}

struct HttpRequest {
  std::string_view method;
  std::string_view target;
  std::string_view body;  // at most 16 KiB
};

class AdminServer {
 public:
  // `route(request)` answers every request. Binds at once (throws when taken).
  using Route = std::function<HttpResponse(const HttpRequest& request)>;
  AdminServer(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint listen, Route route);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

 private:
  void accept();

  boost::asio::ip::tcp::acceptor acceptor_;
  Route route_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mycelium::real
