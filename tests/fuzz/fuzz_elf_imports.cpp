// Fuzz target for the SSI ELF import reader: no crash and no read out of bounds on any bytes;
// what it accepts is sorted, unique, and taken from the input (every name is in the file); the
// compatibility analysis of it does not crash either.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>

#include <core/ssi/compatibility.hpp>
#include <core/ssi/elf_imports.hpp>

namespace {

void fail(const char* why) {
  std::fprintf(stderr, "fuzz_elf_imports: %s\n", why);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const auto result = mycelium::ssi::read_elf_imports(input);
  const auto* imports = std::get_if<mycelium::ssi::ElfImports>(&result);
  if (imports == nullptr) return 0;
  const std::vector<std::string>& symbols = imports->symbols;
  if (!std::is_sorted(symbols.begin(), symbols.end()) ||
      std::adjacent_find(symbols.begin(), symbols.end()) != symbols.end())
    fail("symbols not sorted and unique");
  const std::string_view file(reinterpret_cast<const char*>(data), size);
  for (const std::string& name : symbols) {
    if (name.empty() || file.find(name) == std::string_view::npos) fail("a symbol not in the file");
  }
  for (const std::string& name : imports->needed) {
    if (file.find(name) == std::string_view::npos) fail("a library name not in the file");
  }
  (void)mycelium::ssi::analyze(*imports);
  return 0;
}
