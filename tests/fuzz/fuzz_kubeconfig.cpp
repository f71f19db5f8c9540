// Fuzz target for kubeconfig loading (real/k8s/kubeconfig.hpp): no crash; a refused file says why
// with its location; an accepted one names a host, a port, and a certificate with its key or
// neither. Files it names resolve under a folder that does not exist (so none is read).

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <real/k8s/kubeconfig.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const mycelium::k8s::ApiTarget target =
        mycelium::k8s::load_kubeconfig(text, "/nonexistent-fuzz-folder/kubeconfig");
    if (target.host.empty() || target.port == 0 ||
        target.client_certificate_pem.empty() != target.client_key_pem.empty()) {
      std::fprintf(stderr, "fuzz_kubeconfig: accepted a kubeconfig it cannot use\n");
      std::abort();
    }
  } catch (const mycelium::k8s::KubeconfigError& error) {
    if (std::string_view(error.what()).rfind("/nonexistent-fuzz-folder/kubeconfig", 0) != 0) {
      std::fprintf(stderr, "fuzz_kubeconfig: an error that does not say where: %s\n", error.what());
      std::abort();
    }
  }
  return 0;
}
