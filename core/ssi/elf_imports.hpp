#pragma once
// What a Linux ELF executable or shared library imports: its undefined dynamic symbols (the
// functions and objects it expects from its libraries) and the libraries it names (DT_NEEDED).
// The first input of the SSI compatibility analysis (compatibility.hpp).
//
// Parsed here, from the bytes, with every offset and size checked against the file: 64-bit
// little-endian ELF (x86-64, aarch64, riscv64 ... as Debian ships them), through its section
// headers (.dynsym with its string table, .dynamic). Anything else is refused with the reason,
// never read out of bounds (fuzzed: tests/fuzz/fuzz_elf_imports.cpp). Pure: no file access.

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace mycelium::ssi {

struct ElfImports {
  std::uint16_t machine = 0;         // e_machine (62: x86-64)
  std::vector<std::string> symbols;  // undefined dynamic symbols, sorted, unique
  std::vector<std::string> needed;   // DT_NEEDED libraries, in file order
  bool dynamic = false;              // false: a static executable (no .dynsym)
};

// Bounds on what is read: more is refused as "not an ELF file this reader handles".
inline constexpr std::size_t kMaxSections = 1 << 16;
inline constexpr std::size_t kMaxSymbols = 1 << 20;

// The imports, or why the bytes are not an ELF file this reader handles (e.g. "not an ELF file
// (no \x7fELF magic)", "32-bit ELF: only 64-bit is read", "section 12 (.dynsym) runs past the
// end of the file").
std::variant<ElfImports, std::string> read_elf_imports(std::span<const std::uint8_t> bytes);

}  // namespace mycelium::ssi
