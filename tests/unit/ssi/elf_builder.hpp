#pragma once
// A minimal 64-bit little-endian ELF file for the SSI reader's tests: a header, a .dynstr, a
// .dynsym (null symbol, then the given symbols) and a .dynamic (DT_NEEDED entries, DT_NULL). Each
// part can be broken on purpose through the public fields before build().

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace mycelium::testing {

struct ElfSymbol {
  std::string name;
  bool defined = false;  // st_shndx 1 instead of SHN_UNDEF
};

struct ElfBuilder {
  std::vector<ElfSymbol> symbols;
  std::vector<std::string> needed;
  std::uint8_t elf_class = 2;           // 1: 32-bit
  std::uint8_t data = 1;                // 2: big-endian
  std::uint32_t dynsym_link = 1;        // section index of its string table
  std::uint32_t extra_name_offset = 0;  // added to the first symbol's name offset

  std::vector<std::uint8_t> build() const {
    // Layout: header (64) | dynstr | dynsym | dynamic | section headers (4 x 64).
    std::vector<std::uint8_t> strtab{0};
    std::vector<std::uint32_t> symbol_names;
    for (const ElfSymbol& symbol : symbols) {
      symbol_names.push_back(static_cast<std::uint32_t>(strtab.size()));
      strtab.insert(strtab.end(), symbol.name.begin(), symbol.name.end());
      strtab.push_back(0);
    }
    std::vector<std::uint32_t> needed_names;
    for (const std::string& library : needed) {
      needed_names.push_back(static_cast<std::uint32_t>(strtab.size()));
      strtab.insert(strtab.end(), library.begin(), library.end());
      strtab.push_back(0);
    }
    // Grown by resize and filled in place: GCC 12 at -O2 warns (wrongly) about vector::insert
    // into a vector that was just sized.
    std::vector<std::uint8_t> out(64 + strtab.size(), 0);
    const std::uint64_t strtab_offset = 64;
    std::copy(strtab.begin(), strtab.end(), out.begin() + 64);
    const std::uint64_t dynsym_offset = out.size();
    out.resize(out.size() + 24 * (symbols.size() + 1), 0);
    for (std::size_t i = 0; i < symbols.size(); ++i) {
      const std::uint64_t at = dynsym_offset + 24 * (i + 1);
      put(out, at, symbol_names[i] + (i == 0 ? extra_name_offset : 0), 4);
      put(out, at + 6, symbols[i].defined ? 1 : 0, 2);
    }
    const std::uint64_t dynamic_offset = out.size();
    for (const std::uint32_t name : needed_names) {
      const std::uint64_t at = out.size();
      out.resize(out.size() + 16, 0);
      put(out, at, 1, 8);  // DT_NEEDED
      put(out, at + 8, name, 8);
    }
    out.resize(out.size() + 16, 0);  // DT_NULL
    const std::uint64_t dynamic_size = out.size() - dynamic_offset;
    const std::uint64_t sections_offset = out.size();
    out.resize(out.size() + 4 * 64, 0);
    const auto section = [&](int index, std::uint32_t type, std::uint64_t offset,
                             std::uint64_t size, std::uint32_t link) {
      const std::uint64_t at = sections_offset + 64 * static_cast<std::uint64_t>(index);
      put(out, at + 4, type, 4);
      put(out, at + 24, offset, 8);
      put(out, at + 32, size, 8);
      put(out, at + 40, link, 4);
    };
    section(1, 3, strtab_offset, strtab.size(), 0);                         // .dynstr
    section(2, 11, dynsym_offset, 24 * (symbols.size() + 1), dynsym_link);  // .dynsym
    section(3, 6, dynamic_offset, dynamic_size, 1);                         // .dynamic
    out[0] = 0x7f;
    out[1] = 'E';
    out[2] = 'L';
    out[3] = 'F';
    out[4] = elf_class;
    out[5] = data;
    out[6] = 1;
    put(out, 18, 62, 2);  // x86-64
    put(out, 40, sections_offset, 8);
    put(out, 58, 64, 2);
    put(out, 60, 4, 2);
    return out;
  }

  static void put(std::vector<std::uint8_t>& out, std::uint64_t at, std::uint64_t value,
                  int width) {
    for (int i = 0; i < width; ++i)
      out[at + static_cast<std::uint64_t>(i)] = static_cast<std::uint8_t>(value >> (8 * i));
  }
};

}  // namespace mycelium::testing
