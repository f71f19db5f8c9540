#pragma once
// A loopback HTTPS server for the Kubernetes API client's wire-level tests: not a cluster, and not
// an API server. It serves 127.0.0.1 with the test CA's certificate (tests/unit/real/fixtures/tls),
// optionally requires a client certificate from that CA, records every request as it arrived
// (method, target, headers the API server reads, body, the client certificate's subject) and
// answers what the test's handler says. Runs on its own thread; one request per connection, as
// the client sends them.

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <tests/support/files.hpp>

namespace mycelium::testing {

class LoopbackApiServer {
 public:
  struct Request {
    std::string method;
    std::string target;
    std::string content_type;
    std::string authorization;
    std::string accept;
    std::string body;
    std::string client_subject;  // empty: no client certificate
  };
  struct Answer {
    unsigned status = 200;
    std::string body;
  };
  using Handler = std::function<Answer(const Request&)>;

  LoopbackApiServer(bool require_client_certificate, Handler handler)
      : tls_(boost::asio::ssl::context::tls_server),
        acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}),
        handler_(std::move(handler)) {
    const std::string dir = source_path("tests/unit/real/fixtures/tls/");
    tls_.use_certificate_chain_file(dir + "server.pem");
    tls_.use_private_key_file(dir + "server.key", boost::asio::ssl::context::pem);
    if (require_client_certificate) {
      tls_.load_verify_file(dir + "ca.pem");
      tls_.set_verify_mode(boost::asio::ssl::verify_peer |
                           boost::asio::ssl::verify_fail_if_no_peer_cert);
    }
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~LoopbackApiServer() {
    io_.stop();
    thread_.join();
  }
  LoopbackApiServer(const LoopbackApiServer&) = delete;
  LoopbackApiServer& operator=(const LoopbackApiServer&) = delete;

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::vector<Request> requests() const {
    const std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void accept() {
    acceptor_.async_accept(
        [this](boost::system::error_code error, boost::asio::ip::tcp::socket socket) {
          if (error) return;
          serve(std::move(socket));
          accept();
        });
  }

  // One request on one connection, synchronously: the tests send one at a time.
  void serve(boost::asio::ip::tcp::socket socket) {
    namespace http = boost::beast::http;
    boost::beast::ssl_stream<boost::beast::tcp_stream> stream(std::move(socket), tls_);
    boost::system::error_code error;
    stream.handshake(boost::asio::ssl::stream_base::server, error);
    if (error) return;  // the client refused our certificate, or sent none when required
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> in;
    http::read(stream, buffer, in, error);
    if (error) return;
    Request request{std::string(in.method_string()),
                    std::string(in.target()),
                    std::string(in[http::field::content_type]),
                    std::string(in[http::field::authorization]),
                    std::string(in[http::field::accept]),
                    in.body(),
                    {}};
    if (X509* peer = SSL_get_peer_certificate(stream.native_handle()); peer != nullptr) {
      std::array<char, 256> subject{};
      X509_NAME_oneline(X509_get_subject_name(peer), subject.data(), subject.size());
      request.client_subject = subject.data();
      X509_free(peer);
    }
    {
      const std::lock_guard lock(mutex_);
      requests_.push_back(request);
    }
    const Answer answer = handler_(request);
    http::response<http::string_body> out{static_cast<http::status>(answer.status), 11};
    out.set(http::field::content_type, "application/json");
    out.body() = answer.body;
    out.prepare_payload();
    http::write(stream, out, error);
    stream.shutdown(error);
  }

  boost::asio::io_context io_;
  boost::asio::ssl::context tls_;
  boost::asio::ip::tcp::acceptor acceptor_;
  Handler handler_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<Request> requests_;
};

}  // namespace mycelium::testing
