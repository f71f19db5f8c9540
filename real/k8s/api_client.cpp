#include <array>
#include <map>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <real/k8s/api_answers.hpp>
#include <real/k8s/api_client.hpp>

namespace mycelium::k8s {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// The kinds Mycelium renders, by apiVersion and kind: their resource (plural) names.
const std::map<std::pair<std::string, std::string>, std::string>& resources() {
  static const std::map<std::pair<std::string, std::string>, std::string> table{
      {{"v1", "Namespace"}, "namespaces"},
      {{"v1", "ConfigMap"}, "configmaps"},
      {{"v1", "Secret"}, "secrets"},
      {{"v1", "Service"}, "services"},
      {{"v1", "ServiceAccount"}, "serviceaccounts"},
      {{"apps/v1", "StatefulSet"}, "statefulsets"},
      {{"apps/v1", "Deployment"}, "deployments"},
      {{"apps/v1", "DaemonSet"}, "daemonsets"},
      {{"policy/v1", "PodDisruptionBudget"}, "poddisruptionbudgets"},
      {{"batch/v1", "Job"}, "jobs"},
  };
  return table;
}

// The server's own words: a Status object's message, else the start of the body.
std::string server_message(const std::string& body) {
  constexpr std::size_t kMaxQuoted = 300;
  const Object status = Object::parse(body, nullptr, false);
  if (status.is_object() && status.contains("message") && status["message"].is_string())
    return status["message"].get<std::string>();
  return body.substr(0, kMaxQuoted);
}

using Stream = beast::ssl_stream<beast::tcp_stream>;
using Fail = std::function<ApiError(const std::string& step, const boost::system::error_code&)>;
constexpr std::size_t kMaxWatchBytes = 64 << 20;  // pending, not yet a whole line

// Connects to the API server (TLS, verified as the kubeconfig says), sends the request and hands
// the stream to `read`, everything under `expiry`.
void exchange(const ApiTarget& target, std::string_view method, const std::string& path,
              const std::string& body, std::string_view content_type,
              std::chrono::milliseconds expiry,
              const std::function<void(Stream&, const Fail&)>& read) {
  const std::string server = target.host + ":" + std::to_string(target.port);
  const Fail fail = [&server](const std::string& step, const boost::system::error_code& error) {
    return ApiError(0, server + ": " + step + ": " + error.message());
  };
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  boost::system::error_code error;
  if (!target.ca_pem.empty()) {
    tls.add_certificate_authority(asio::buffer(target.ca_pem), error);
    if (error) throw fail("the cluster's certificate authority", error);
  } else {
    tls.set_default_verify_paths();
  }
  if (!target.client_certificate_pem.empty()) {
    tls.use_certificate_chain(asio::buffer(target.client_certificate_pem), error);
    if (!error)
      tls.use_private_key(asio::buffer(target.client_key_pem), asio::ssl::context::pem, error);
    if (error) throw fail("the user's client certificate or key", error);
  }
  const std::string verify_name =
      target.tls_server_name.empty() ? target.host : target.tls_server_name;
  if (target.insecure_skip_tls_verify) {
    tls.set_verify_mode(asio::ssl::verify_none);
  } else {
    tls.set_verify_mode(asio::ssl::verify_peer);
    tls.set_verify_callback(asio::ssl::host_name_verification(verify_name));
  }

  beast::ssl_stream<beast::tcp_stream> stream(io, tls);
  // SNI carries names only, never an address.
  boost::system::error_code not_address;
  asio::ip::make_address(verify_name, not_address);
  // SSL_set_tlsext_host_name, without its macro's C cast.
  if (not_address &&
      SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(verify_name.c_str())) != 1) {
    throw ApiError(0, server + ": cannot set the TLS server name");
  }

  asio::ip::tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(target.host, std::to_string(target.port), error);
  if (error) throw fail("resolving", error);
  beast::get_lowest_layer(stream).expires_after(expiry);
  beast::get_lowest_layer(stream).connect(endpoints, error);
  if (error) throw fail("connecting", error);
  stream.handshake(asio::ssl::stream_base::client, error);
  if (error) throw fail("TLS handshake", error);

  http::request<http::string_body> out{
      http::string_to_verb(beast::string_view(method.data(), method.size())), path, 11};
  out.set(http::field::host, target.host);
  out.set(http::field::user_agent, "mycelium");
  out.set(http::field::accept, "application/json");
  if (!target.token.empty()) out.set(http::field::authorization, "Bearer " + target.token);
  if (!content_type.empty()) out.set(http::field::content_type, std::string(content_type));
  out.body() = body;
  out.prepare_payload();
  http::write(stream, out, error);
  if (error) throw fail("sending the request", error);

  read(stream, fail);
  stream.shutdown(error);  // the answer is complete; a peer that skips close_notify is fine
}

}  // namespace

std::string object_path(const Object& object, std::string_view default_namespace) {
  const auto field = [&object](const char* key) -> std::string {
    return object.contains(key) && object[key].is_string() ? object[key].get<std::string>() : "";
  };
  const std::string api_version = field("apiVersion");
  const std::string kind = field("kind");
  const auto resource = resources().find({api_version, kind});
  if (resource == resources().end())
    throw ApiError(0, "cannot apply " + api_version + " " + kind + ": not a kind Mycelium renders");
  const Object& metadata = object.at("metadata");
  const std::string name = metadata.at("name").get<std::string>();
  const std::string namespace_ = metadata.contains("namespace")
                                     ? metadata["namespace"].get<std::string>()
                                     : std::string(default_namespace);
  const std::string group = api_version == "v1" ? "/api/v1" : "/apis/" + api_version;
  if (kind == "Namespace") return group + "/namespaces/" + name;  // cluster-scoped
  return group + "/namespaces/" + namespace_ + "/" + resource->second + "/" + name;
}

ApiClient::ApiClient(ApiTarget target, std::chrono::milliseconds timeout)
    : target_(std::move(target)), timeout_(timeout) {}

Object ApiClient::apply(const Object& object) {
  const std::string path = object_path(object, target_.namespace_);
  // JSON is YAML: the apply-patch+yaml body is the object as JSON.
  const Response response =
      request("PATCH", target_.base_path + path + "?fieldManager=" + kFieldManager + "&force=true",
              object.dump(), "application/apply-patch+yaml");
  check(response, "apply " + path);
  return Object::parse(response.body, nullptr, false);
}

std::optional<Object> ApiClient::get(const Object& object) {
  const std::string path = object_path(object, target_.namespace_);
  const Response response = request("GET", target_.base_path + path, "", "");
  check(response, "get " + path, 404);
  if (response.status == 404) return std::nullopt;
  return Object::parse(response.body, nullptr, false);
}

Object ApiClient::list(const std::string& path) {
  const Response response = request("GET", target_.base_path + path, "", "");
  check(response, "list " + path);
  Object list = Object::parse(response.body, nullptr, false);
  if (list.is_discarded()) throw ApiError(response.status, "list " + path + ": not JSON");
  return list;
}

bool ApiClient::remove(const Object& object) {
  const std::string path = object_path(object, target_.namespace_);
  const Response response = request("DELETE", target_.base_path + path, "", "");
  check(response, "delete " + path, 404);
  return response.status != 404;
}

void ApiClient::check(const Response& response, std::string_view what, unsigned allowed) const {
  if ((response.status >= 200 && response.status < 300) || response.status == allowed) return;
  const std::string reason(http::obsolete_reason(static_cast<http::status>(response.status)));
  throw ApiError(response.status, std::string(what) + ": HTTP " + std::to_string(response.status) +
                                      " " + reason + ": " + server_message(response.body));
}

ApiClient::Response ApiClient::request(std::string_view method, const std::string& path,
                                       const std::string& body, std::string_view content_type) {
  Response response;
  exchange(
      target_, method, path, body, content_type, timeout_,
      [&response](Stream& stream, const Fail& fail) {
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 << 20);  // the largest object an API server returns is far below this
        boost::system::error_code error;
        http::read(stream, buffer, parser, error);
        if (error) throw fail("reading the answer", error);
        response = Response{parser.get().result_int(), parser.get().body()};
      });
  return response;
}

bool ApiClient::watch(const Object& object, const std::string& resource_version,
                      std::chrono::seconds timeout, const OnWatchEvent& on_event) {
  const std::string path = object_path(object, target_.namespace_);
  const std::size_t slash = path.rfind('/');
  const std::string name = path.substr(slash + 1);
  std::string query = "?watch=true&fieldSelector=metadata.name%3D" + name +
                      "&timeoutSeconds=" + std::to_string(timeout.count());
  if (!resource_version.empty()) query += "&resourceVersion=" + resource_version;
  bool satisfied = false;
  // The server ends the stream after timeoutSeconds; the socket's own limit is a little later.
  const auto expiry =
      std::chrono::duration_cast<std::chrono::milliseconds>(timeout) + std::chrono::seconds(5);
  exchange(target_, "GET", target_.base_path + path.substr(0, slash) + query, "", "", expiry,
           [&](Stream& stream, const Fail& fail) {
             beast::flat_buffer buffer;
             http::response_parser<http::string_body> parser;
             parser.body_limit(kMaxWatchBytes);
             boost::system::error_code error;
             http::read_header(stream, buffer, parser, error);
             if (error) throw fail("reading the watch's answer", error);
             const unsigned status = parser.get().result_int();
             if (status >= 300) {
               http::read(stream, buffer, parser, error);
               check(Response{status, parser.get().body()}, "watch " + path);
             }
             // One JSON event per line: {"type": "ADDED" | "MODIFIED" | "DELETED" | "ERROR",
             // "object": ...}. Bounded by the body limit and the stream's expiry.
             while (!satisfied && !parser.is_done()) {
               http::read_some(stream, buffer, parser, error);
               if (error == http::error::end_of_stream || error == beast::error::timeout) break;
               if (error && error != http::error::need_buffer) throw fail("watching", error);
               std::string& text = parser.get().body();
               std::size_t start = 0;
               for (std::size_t end = text.find('\n'); end != std::string::npos && !satisfied;
                    end = text.find('\n', start)) {
                 const std::optional<WatchEvent> event =
                     parse_watch_line(std::string_view(text).substr(start, end - start));
                 start = end + 1;
                 if (!event) continue;
                 if (event->type == "ERROR") {
                   // Typically 410 Gone: the resource version is too old. The caller starts over.
                   beast::get_lowest_layer(stream).close();
                   return;
                 }
                 if (on_event(event->type, event->object)) satisfied = true;
               }
               text.erase(0, start);
             }
             // The server streams on until its timeout: hang up instead of the TLS close
             // handshake, which would wait for it.
             if (!parser.is_done()) beast::get_lowest_layer(stream).close();
           });
  return satisfied;
}

}  // namespace mycelium::k8s
