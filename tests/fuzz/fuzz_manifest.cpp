// Fuzz target for the manifest parser. Beyond "no crash", it checks two properties on every input
// that parses: the canonical YAML of each object parses back to an equal object, and every
// diagnostic names the file and a line.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <core/manifest/emit.hpp>
#include <core/manifest/manifest.hpp>

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_manifest: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mycelium::manifest;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const LoadResult result = load_manifests(text, "fuzz.yaml");

  for (const Diagnostic& diagnostic : result.diagnostics.kept()) {
    if (diagnostic.where.file != "fuzz.yaml" || diagnostic.where.line < 1 ||
        diagnostic.message.empty()) {
      fail("diagnostic without a location or message", format_diagnostic(diagnostic));
    }
  }
  for (const LoadedObject& loaded : result.objects) {
    const std::string yaml = to_yaml(loaded.object);
    const LoadResult again = load_manifests(yaml, "canonical.yaml");
    if (!again.ok() || again.objects.size() != 1) {
      fail("canonical YAML does not parse back", yaml + "\n" + again.diagnostics.format());
    }
    if (!(again.objects.front().object == loaded.object)) {
      fail("canonical YAML parses back to a different object", yaml);
    }
  }
  return 0;
}
