#include <optional>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <real/agent/admin_server.hpp>

namespace mycelium::real {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

namespace {

constexpr std::size_t kMaxRequestBytes = 16 << 10;
constexpr auto kRequestTimeout = std::chrono::seconds(10);

struct Session : std::enable_shared_from_this<Session> {
  Session(tcp::socket socket, std::shared_ptr<bool> server_alive, AdminServer::Route* server_route)
      : stream(std::move(socket)), alive(std::move(server_alive)), route(server_route) {}

  void start() {
    parser.emplace();
    parser->body_limit(kMaxRequestBytes);
    parser->header_limit(kMaxRequestBytes);
    stream.expires_after(kRequestTimeout);
    http::async_read(stream, buffer, *parser,
                     [self = shared_from_this()](boost::beast::error_code error, std::size_t) {
                       self->on_read(error);
                     });
  }

  void on_read(boost::beast::error_code error) {
    if (error || !*alive) return;  // a broken or oversized request: just close
    const auto& request = parser->get();
    const HttpResponse answer = (*route)(HttpRequest{
        std::string_view(request.method_string().data(), request.method_string().size()),
        std::string_view(request.target().data(), request.target().size()), request.body()});
    response.result(answer.status);
    response.version(request.version());
    response.set(http::field::server, "myceliumd");
    response.set(http::field::content_type, answer.content_type);
    response.keep_alive(false);
    response.body() = answer.body;
    response.prepare_payload();
    stream.expires_after(kRequestTimeout);  // the route may have taken a while
    http::async_write(stream, response,
                      [self = shared_from_this()](boost::beast::error_code, std::size_t) {
                        boost::beast::error_code ignored;
                        self->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                      });
  }

  boost::beast::tcp_stream stream;
  boost::beast::flat_buffer buffer;
  std::optional<http::request_parser<http::string_body>> parser;
  http::response<http::string_body> response;
  std::shared_ptr<bool> alive;
  AdminServer::Route* route;
};

}  // namespace

AdminServer::AdminServer(asio::io_context& io, tcp::endpoint listen, Route route)
    : acceptor_(io), route_(std::move(route)) {
  acceptor_.open(listen.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(listen);
  acceptor_.listen();
  accept();
}

AdminServer::~AdminServer() {
  *alive_ = false;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

void AdminServer::accept() {
  acceptor_.async_accept(
      [this, alive = alive_](boost::system::error_code error, tcp::socket socket) {
        if (!*alive) return;
        if (!error) std::make_shared<Session>(std::move(socket), alive_, &route_)->start();
        accept();
      });
}

}  // namespace mycelium::real
