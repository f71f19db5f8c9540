// The Kubernetes API client (real/k8s/api_client) and kubeconfig loading (real/k8s/kubeconfig),
// in wire-level tests against a loopback HTTPS server (not a cluster): the requests a real API
// server expects (method, path, query, Content-Type of a server-side apply, the body, the
// bearer token or the client certificate), the server's errors read back with its own message,
// and TLS verified against the kubeconfig's CA.

#include <string>

#include <catch2/catch.hpp>

#include <real/k8s/api_client.hpp>
#include <real/k8s/kubeconfig.hpp>
#include <tests/support/files.hpp>
#include <tests/unit/real/loopback_api_server.hpp>

using namespace mycelium;
using k8s::Object;
using testing::LoopbackApiServer;

namespace {

std::string base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t block = 0;
    for (std::size_t j = 0; j < 3; ++j)
      block = (block << 8) | (j < n ? static_cast<unsigned char>(bytes[i + j]) : 0U);
    for (std::size_t j = 0; j < 4; ++j)
      out.push_back(j <= n ? kAlphabet[(block >> (18 - 6 * j)) & 63] : '=');
  }
  return out;
}

const std::string kTls = "tests/unit/real/fixtures/tls/";

// A kubeconfig for the loopback server: its CA inline, and `user` (YAML mapping lines).
std::string kubeconfig(std::uint16_t port, const std::string& user,
                       const std::string& ca = "ca.pem") {
  return "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
         "clusters:\n- name: loopback\n  cluster:\n    server: https://127.0.0.1:" +
         std::to_string(port) +
         "\n    certificate-authority-data: " + base64(testing::read_source_file(kTls + ca)) +
         "\ncontexts:\n- name: test\n  context: {cluster: loopback, user: tester, namespace: "
         "prod}\n"
         "users:\n- name: tester\n  user:\n" +
         user;
}

k8s::ApiTarget target_for(const std::string& text) {
  return k8s::load_kubeconfig(text, testing::source_path(kTls + "kubeconfig"));
}

const Object kStatefulSet{{"apiVersion", "apps/v1"},
                          {"kind", "StatefulSet"},
                          {"metadata", {{"name", "orders-shards"}, {"namespace", "prod"}}},
                          {"spec", {{"replicas", 3}}}};

}  // namespace

TEST_CASE(
    "k8s client: server-side apply sends what an API server expects, with a client "
    "certificate",
    "[k8s][client]") {
  LoopbackApiServer server(true, [](const LoopbackApiServer::Request& request) {
    Object answer = Object::parse(request.body);
    answer["metadata"]["resourceVersion"] = "42";
    return LoopbackApiServer::Answer{200, answer.dump()};
  });
  // The certificate and key as files next to the kubeconfig, as kubectl allows.
  k8s::ApiClient client(target_for(kubeconfig(
      server.port(), "    client-certificate: client.pem\n    client-key: client.key\n")));
  const Object applied = client.apply(kStatefulSet);
  CHECK(applied["metadata"]["resourceVersion"] == "42");
  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "PATCH");
  CHECK(
      requests[0].target ==
      "/apis/apps/v1/namespaces/prod/statefulsets/orders-shards?fieldManager=mycelium&force=true");
  CHECK(requests[0].content_type == "application/apply-patch+yaml");
  CHECK(requests[0].accept == "application/json");
  CHECK(Object::parse(requests[0].body) == kStatefulSet);
  CHECK_THAT(requests[0].client_subject, Catch::Contains("CN=mycelium-test-user"));
  CHECK(requests[0].authorization.empty());
}

TEST_CASE("k8s client: a bearer token, core v1 paths, get and delete of what is not there",
          "[k8s][client]") {
  LoopbackApiServer server(false, [](const LoopbackApiServer::Request& request) {
    if (request.method == "GET") return LoopbackApiServer::Answer{404, R"({"kind":"Status"})"};
    if (request.target.ends_with("/gone")) return LoopbackApiServer::Answer{404, "{}"};
    return LoopbackApiServer::Answer{200, R"({"kind":"Status","status":"Success"})"};
  });
  k8s::ApiClient client(target_for(kubeconfig(server.port(), "    token: s3cr3t-token\n")));
  const Object config_map{{"apiVersion", "v1"},
                          {"kind", "ConfigMap"},
                          {"metadata", {{"name", "orders-spore"}}}};  // namespace: the context's
  CHECK_FALSE(client.get(config_map).has_value());
  CHECK(client.remove(config_map));
  Object gone = config_map;
  gone["metadata"]["name"] = "gone";
  CHECK_FALSE(client.remove(gone));
  const auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].target == "/api/v1/namespaces/prod/configmaps/orders-spore");
  CHECK(requests[1].method == "DELETE");
  CHECK(requests[0].authorization == "Bearer s3cr3t-token");
}

TEST_CASE("k8s client: a watch reads the events to the one that satisfies it, and lists nodes",
          "[k8s][client]") {
  // A StatefulSet's events as a watch streams them, one JSON object per line; the first padded
  // past what one read takes, so it reaches the client in pieces.
  const auto event = [](const std::string& type, int ready, const std::string& padding = "") {
    Object object = kStatefulSet;
    object["metadata"]["generation"] = 1;
    object["metadata"]["annotations"] = {{"padding", padding}};
    object["status"] = {
        {"observedGeneration", 1}, {"readyReplicas", ready}, {"updatedReplicas", 3}};
    return Object{{"type", type}, {"object", object}}.dump() + "\n";
  };
  std::string stream =
      event("ADDED", 1, std::string(3000, 'x')) + event("MODIFIED", 3) + event("MODIFIED", 2);
  LoopbackApiServer server(false, [&stream](const LoopbackApiServer::Request& request) {
    if (request.target == "/api/v1/nodes")
      return LoopbackApiServer::Answer{200, R"({"kind":"NodeList","items":[]})"};
    return LoopbackApiServer::Answer{200, stream};
  });
  k8s::ApiClient client(target_for(kubeconfig(server.port(), "    token: t\n")));
  std::vector<int> ready_seen;
  const auto ready_all = [&ready_seen](const std::string& type, const Object& live) {
    CHECK(type != "ERROR");
    ready_seen.push_back(live["status"]["readyReplicas"].get<int>());
    return live["status"]["readyReplicas"] == 3;
  };
  SECTION("to the event that satisfies it") {
    CHECK(client.watch(kStatefulSet, "7", std::chrono::seconds(5), ready_all));
    CHECK(ready_seen == std::vector<int>{1, 3});
    const auto requests = server.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].method == "GET");
    CHECK(requests[0].target ==
          "/apis/apps/v1/namespaces/prod/statefulsets?watch=true&fieldSelector=metadata.name%3D"
          "orders-shards&timeoutSeconds=5&resourceVersion=7");
  }
  SECTION("an ERROR event (a version too old) ends it unsatisfied") {
    stream = event("ADDED", 1) +
             R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired"}})" + "\n" +
             event("MODIFIED", 3);
    CHECK_FALSE(client.watch(kStatefulSet, "", std::chrono::seconds(5), ready_all));
    CHECK(ready_seen == std::vector<int>{1});
    CHECK_THAT(server.requests()[0].target, !Catch::Contains("resourceVersion"));
  }
  SECTION("a stream that ends, lines that are not events skipped") {
    stream = "not json\n" + event("ADDED", 1) + "{\"type\": 7}\n" + event("MODIFIED", 2);
    CHECK_FALSE(client.watch(kStatefulSet, "7", std::chrono::seconds(5), ready_all));
    CHECK(ready_seen == std::vector<int>{1, 2});
  }
  SECTION("a list is the answer as it came") {
    CHECK(client.list("/api/v1/nodes")["kind"] == "NodeList");
  }
}

TEST_CASE("k8s client: 401, 403, 404, 409 and 422 carry the status and the server's message",
          "[k8s][client]") {
  for (const auto& [status, reason] :
       std::vector<std::pair<unsigned, std::string>>{{401, "Unauthorized"},
                                                     {403, "Forbidden"},
                                                     {404, "Not Found"},
                                                     {409, "Conflict"},
                                                     {422, "Unprocessable Entity"}}) {
    const std::string message =
        "statefulsets.apps \"orders-shards\": refused for test " + std::to_string(status);
    // A copy: structured bindings cannot be captured before C++20's P1091 (clang 14).
    const unsigned code = status;
    LoopbackApiServer server(false, [code, message](const LoopbackApiServer::Request&) {
      return LoopbackApiServer::Answer{
          code, Object{{"kind", "Status"}, {"code", code}, {"message", message}}.dump()};
    });
    k8s::ApiClient client(target_for(kubeconfig(server.port(), "    token: t\n")));
    try {
      client.apply(kStatefulSet);
      FAIL("no error for HTTP " << status);
    } catch (const k8s::ApiError& error) {
      CHECK(error.status() == status);
      CHECK_THAT(error.what(), Catch::Contains("HTTP " + std::to_string(status) + " " + reason) &&
                                   Catch::Contains(message));
    }
  }
}

TEST_CASE("k8s client: a server whose certificate the kubeconfig's CA did not sign is refused",
          "[k8s][client]") {
  LoopbackApiServer server(false, [](const LoopbackApiServer::Request&) {
    return LoopbackApiServer::Answer{200, "{}"};
  });
  k8s::ApiClient client(target_for(kubeconfig(server.port(), "    token: t\n", "other-ca.pem")));
  try {
    client.apply(kStatefulSet);
    FAIL("the handshake was not refused");
  } catch (const k8s::ApiError& error) {
    CHECK(error.status() == 0);
    CHECK_THAT(error.what(),
               Catch::Contains("TLS handshake") && Catch::Contains("certificate verify failed"));
  }
  CHECK(server.requests().empty());  // nothing was sent
}

TEST_CASE("kubeconfig: contexts resolve, and mistakes are located without echoing secrets",
          "[k8s]") {
  const std::string good = kubeconfig(6443, "    token: s3cr3t-token\n");
  const k8s::ApiTarget target = target_for(good);
  CHECK(target.host == "127.0.0.1");
  CHECK(target.port == 6443);
  CHECK(target.namespace_ == "prod");
  CHECK(target.ca_pem == testing::read_source_file(kTls + "ca.pem"));  // base64 read back
  CHECK_THROWS_WITH(k8s::load_kubeconfig(good, "kc", "staging"),
                    Catch::Contains("--context: names \"staging\", which is not in contexts"));
  CHECK_THROWS_WITH(target_for(kubeconfig(6443, "    exec: {command: aws}\n")),
                    Catch::Contains("users[].user.exec: credential plugins are not supported"));
  std::string plain_http = good;
  plain_http.replace(plain_http.find("https://"), 8, "http://");
  CHECK_THROWS_WITH(target_for(plain_http),
                    Catch::Contains("kubeconfig:7:13: clusters[].cluster.server: expected an "
                                    "https:// URL"));
  CHECK_THROWS_WITH(target_for(kubeconfig(6443,
                                          "    client-certificate-data: '@@@'\n"
                                          "    client-key-data: AAAA\n")),
                    Catch::Contains("client-certificate-data: expected base64 data"));
  CHECK_THROWS_WITH(target_for(kubeconfig(6443, "    client-key: client.key\n")),
                    Catch::Contains("expected a client certificate and its key together"));
  try {
    target_for(kubeconfig(6443, "    token: [s3cr3t-token]\n"));
    FAIL("a list as a token was accepted");
  } catch (const k8s::KubeconfigError& error) {
    CHECK_THAT(error.what(), Catch::Contains("users[].user.token: expected a string"));
    CHECK(std::string(error.what()).find("s3cr3t") == std::string::npos);
  }
}
