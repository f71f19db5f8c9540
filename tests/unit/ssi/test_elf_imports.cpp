// The ELF import reader: what a built file says it imports, a real Debian binary, and every kind
// of broken file refused with its reason (never read out of bounds: the fuzz target checks that).

#include <fstream>
#include <iterator>

#include <catch2/catch.hpp>

#include <core/ssi/elf_imports.hpp>
#include <tests/unit/ssi/elf_builder.hpp>

using namespace mycelium::ssi;
using mycelium::testing::ElfBuilder;

namespace {

std::variant<ElfImports, std::string> read(const std::vector<std::uint8_t>& bytes) {
  return read_elf_imports(bytes);
}

std::string error_of(const std::vector<std::uint8_t>& bytes) {
  const auto result = read(bytes);
  REQUIRE(std::holds_alternative<std::string>(result));
  return std::get<std::string>(result);
}

}  // namespace

TEST_CASE("the undefined dynamic symbols and the needed libraries are read, sorted and unique") {
  ElfBuilder elf;
  elf.symbols = {{"pthread_create"}, {"main", true}, {"fork"}, {"pthread_create"}};
  elf.needed = {"libfoo.so.1", "libc.so.6"};
  const auto result = read(elf.build());
  REQUIRE(std::holds_alternative<ElfImports>(result));
  const ElfImports& imports = std::get<ElfImports>(result);
  CHECK(imports.machine == 62);
  CHECK(imports.dynamic);
  CHECK(imports.symbols == std::vector<std::string>{"fork", "pthread_create"});   // main is defined
  CHECK(imports.needed == std::vector<std::string>{"libfoo.so.1", "libc.so.6"});  // file order
}

TEST_CASE("a real Debian binary: cat imports from libc") {
  std::ifstream file("/usr/bin/cat", std::ios::binary);
  REQUIRE(file);
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                                        std::istreambuf_iterator<char>());
  const auto result = read(bytes);
  REQUIRE(std::holds_alternative<ElfImports>(result));
  const ElfImports& imports = std::get<ElfImports>(result);
  CHECK(imports.dynamic);
  CHECK(imports.needed == std::vector<std::string>{"libc.so.6"});
  CHECK(std::binary_search(imports.symbols.begin(), imports.symbols.end(), "write"));
  CHECK(std::is_sorted(imports.symbols.begin(), imports.symbols.end()));
}

TEST_CASE("files that are not 64-bit little-endian ELF are refused with the reason") {
  CHECK(error_of({}) == "not an ELF file (no \\x7fELF magic)");
  CHECK(error_of({'#', '!', '/', 'b'}) == "not an ELF file (no \\x7fELF magic)");
  CHECK(error_of({0x7f, 'E', 'L', 'F', 2, 1}) == "truncated ELF header");
  ElfBuilder elf;
  elf.elf_class = 1;
  CHECK(error_of(elf.build()) == "32-bit ELF: only 64-bit is read");
  elf.elf_class = 7;
  CHECK(error_of(elf.build()) == "unknown ELF class 7");
  elf.elf_class = 2;
  elf.data = 2;
  CHECK(error_of(elf.build()) == "big-endian ELF: only little-endian is read");
}

TEST_CASE("offsets and links outside the file are refused, never followed") {
  ElfBuilder elf;
  elf.symbols = {{"fork"}};
  elf.needed = {"libc.so.6"};
  std::vector<std::uint8_t> bytes = elf.build();

  SECTION("section headers cut off") {
    bytes.resize(bytes.size() - 10);
    CHECK(error_of(bytes) == "the section headers run past the end of the file");
  }
  SECTION("a section's data past the end") {
    // .dynsym (section 2) claims a huge size.
    ElfBuilder::put(bytes, bytes.size() - 2 * 64 + 32, 1ull << 40, 8);
    CHECK(error_of(bytes) == "section 2 runs past the end of the file");
  }
  SECTION("a symbol table linked to something that is not a string table") {
    elf.dynsym_link = 3;  // .dynamic
    CHECK(error_of(elf.build()) == "section 2 links to no string table");
    elf.dynsym_link = 99;
    CHECK(error_of(elf.build()) == "section 2 links to no string table");
  }
  SECTION("a symbol name past its string table") {
    elf.extra_name_offset = 1000;
    CHECK(error_of(elf.build()) == "a dynamic symbol's name runs past its string table");
  }
  SECTION("no section headers") {
    ElfBuilder::put(bytes, 60, 0, 2);
    CHECK(error_of(bytes) == "no section headers (this reader needs them)");
  }
}
