#pragma once
// A Kubernetes API client for what `mycelium deploy` needs (docs/kubernetes.md): server-side
// apply of an object (PATCH, Content-Type application/apply-patch+yaml, fieldManager=mycelium,
// force=true: Mycelium owns the fields it renders), get and delete. HTTPS only (Boost.Beast over
// OpenSSL), verified against the kubeconfig's CA (or the system's), with a client certificate or
// a bearer token. One connection per request, every step under the client's timeout.
//
// Errors: a status >= 400 throws ApiError with the status, its reason and the server's own
// message (a Status object's `message`): 401 (not authenticated), 403 (not allowed), 404, 409
// (conflict), 422 (the object is invalid) read as the server wrote them. Network and TLS failures
// throw ApiError with status 0 and what failed (resolving, connecting, the handshake).

#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <real/k8s/kubeconfig.hpp>
#include <real/k8s/yaml_writer.hpp>

namespace mycelium::k8s {

inline constexpr const char* kFieldManager = "mycelium";

class ApiError : public std::runtime_error {
 public:
  ApiError(unsigned status, const std::string& what) : std::runtime_error(what), status_(status) {}
  unsigned status() const { return status_; }

 private:
  unsigned status_;
};

// The REST path of `object` (apiVersion, kind, metadata.name and .namespace, else
// `default_namespace`): /api/v1/namespaces/NS/configmaps/NAME,
// /apis/apps/v1/namespaces/NS/statefulsets/NAME, ... Throws ApiError for a kind it does not know.
std::string object_path(const Object& object, std::string_view default_namespace);

class ApiClient {
 public:
  explicit ApiClient(ApiTarget target,
                     std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Server-side apply; returns the object as the server holds it afterwards.
  Object apply(const Object& object);
  // The object as the server holds it; nullopt when there is none (404).
  std::optional<Object> get(const Object& object);
  // Watches `object` (GET on its collection with watch=true, a fieldSelector on its name and
  // timeoutSeconds; from `resource_version` when not empty) and hands each event's type
  // ("ADDED", "MODIFIED", "DELETED") and object to `on_event` until it returns true (then true),
  // or the server ends the stream or reports an ERROR event (a version too old), or `timeout`
  // passes (then false: the caller gets the object again and watches on).
  using OnWatchEvent = std::function<bool(const std::string& type, const Object& live)>;
  bool watch(const Object& object, const std::string& resource_version,
             std::chrono::seconds timeout, const OnWatchEvent& on_event);
  // GET `path` (e.g. /api/v1/nodes): the list the server answers.
  Object list(const std::string& path);
  // Deletes it; false when there was none (404).
  bool remove(const Object& object);

  const ApiTarget& target() const { return target_; }

 private:
  struct Response {
    unsigned status = 0;
    std::string body;
  };
  Response request(std::string_view method, const std::string& path, const std::string& body,
                   std::string_view content_type);

  // Throws ApiError unless the status is 2xx (or `allowed`).
  void check(const Response& response, std::string_view what, unsigned allowed = 0) const;

  ApiTarget target_;
  std::chrono::milliseconds timeout_;
};

}  // namespace mycelium::k8s
