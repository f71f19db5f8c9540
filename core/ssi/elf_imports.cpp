#include <algorithm>
#include <cstring>
#include <optional>
#include <string_view>

#include <core/ssi/elf_imports.hpp>

namespace mycelium::ssi {
namespace {

constexpr std::size_t kHeaderBytes = 64;
constexpr std::size_t kSectionHeaderBytes = 64;
constexpr std::size_t kSymbolBytes = 24;
constexpr std::size_t kDynamicEntryBytes = 16;
constexpr std::uint32_t kSectionDynamic = 6;  // SHT_DYNAMIC
constexpr std::uint32_t kSectionDynsym = 11;  // SHT_DYNSYM
constexpr std::uint32_t kSectionStrtab = 3;   // SHT_STRTAB
constexpr std::uint64_t kTagNull = 0;         // DT_NULL
constexpr std::uint64_t kTagNeeded = 1;       // DT_NEEDED

// Little-endian reads at checked offsets.
class Bytes {
 public:
  explicit Bytes(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  bool has(std::uint64_t offset, std::uint64_t size) const {
    return offset <= bytes_.size() && size <= bytes_.size() - offset;
  }
  std::uint64_t le(std::uint64_t offset, int width) const {
    std::uint64_t value = 0;
    for (int i = width - 1; i >= 0; --i)
      value = (value << 8) | bytes_[offset + static_cast<std::uint64_t>(i)];
    return value;
  }
  std::span<const std::uint8_t> slice(std::uint64_t offset, std::uint64_t size) const {
    return bytes_.subspan(offset, size);
  }

 private:
  std::span<const std::uint8_t> bytes_;
};

struct Section {
  std::uint32_t type = 0;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint32_t link = 0;
};

// The NUL-terminated string at `at` in string table `table`, or nullopt if it runs past it.
std::optional<std::string_view> string_at(std::span<const std::uint8_t> table, std::uint64_t at) {
  if (at >= table.size()) return std::nullopt;
  const auto* begin = reinterpret_cast<const char*>(table.data() + at);
  const auto* end = static_cast<const char*>(std::memchr(begin, '\0', table.size() - at));
  if (end == nullptr) return std::nullopt;
  return std::string_view(begin, static_cast<std::size_t>(end - begin));
}

}  // namespace

std::variant<ElfImports, std::string> read_elf_imports(std::span<const std::uint8_t> bytes) {
  const Bytes file(bytes);
  if (!file.has(0, 4) || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F')
    return std::string("not an ELF file (no \\x7fELF magic)");
  if (!file.has(0, kHeaderBytes)) return std::string("truncated ELF header");
  if (bytes[4] == 1) return std::string("32-bit ELF: only 64-bit is read");
  if (bytes[4] != 2) return std::string("unknown ELF class " + std::to_string(bytes[4]));
  if (bytes[5] != 1) return std::string("big-endian ELF: only little-endian is read");
  ElfImports imports;
  imports.machine = static_cast<std::uint16_t>(file.le(18, 2));
  const std::uint64_t section_offset = file.le(40, 8);
  const std::uint64_t entry_size = file.le(58, 2);
  const std::uint64_t section_count = file.le(60, 2);
  if (section_count == 0 || section_offset == 0)
    return std::string("no section headers (this reader needs them)");
  if (entry_size != kSectionHeaderBytes)
    return std::string("section header size " + std::to_string(entry_size) + ", expected 64");
  if (section_count > kMaxSections ||
      !file.has(section_offset, section_count * kSectionHeaderBytes))
    return std::string("the section headers run past the end of the file");

  std::vector<Section> sections;
  sections.reserve(section_count);
  for (std::uint64_t i = 0; i < section_count; ++i) {
    const std::uint64_t at = section_offset + i * kSectionHeaderBytes;
    Section section;
    section.type = static_cast<std::uint32_t>(file.le(at + 4, 4));
    section.offset = file.le(at + 24, 8);
    section.size = file.le(at + 32, 8);
    section.link = static_cast<std::uint32_t>(file.le(at + 40, 4));
    sections.push_back(section);
  }
  // A section with its linked string table, both inside the file.
  const auto with_strings = [&](std::size_t index, const Section& section,
                                std::span<const std::uint8_t>& data,
                                std::span<const std::uint8_t>& strings) -> std::string {
    if (!file.has(section.offset, section.size))
      return "section " + std::to_string(index) + " runs past the end of the file";
    if (section.link >= sections.size() || sections[section.link].type != kSectionStrtab)
      return "section " + std::to_string(index) + " links to no string table";
    const Section& table = sections[section.link];
    if (!file.has(table.offset, table.size))
      return "section " + std::to_string(section.link) + " runs past the end of the file";
    data = file.slice(section.offset, section.size);
    strings = file.slice(table.offset, table.size);
    return {};
  };

  for (std::size_t index = 0; index < sections.size(); ++index) {
    const Section& section = sections[index];
    if (section.type == kSectionDynsym) {
      std::span<const std::uint8_t> symbols;
      std::span<const std::uint8_t> names;
      if (std::string problem = with_strings(index, section, symbols, names); !problem.empty())
        return problem;
      const std::size_t count = symbols.size() / kSymbolBytes;
      if (count > kMaxSymbols) return std::string("more than 1048576 dynamic symbols");
      imports.dynamic = true;
      const Bytes table(symbols);
      for (std::size_t i = 1; i < count; ++i) {  // entry 0 is the reserved null symbol
        const std::uint64_t at = i * kSymbolBytes;
        const std::uint64_t shndx = table.le(at + 6, 2);
        if (shndx != 0) continue;  // defined here: not an import
        const auto name = string_at(names, table.le(at, 4));
        if (!name) return std::string("a dynamic symbol's name runs past its string table");
        if (!name->empty()) imports.symbols.emplace_back(*name);
      }
    } else if (section.type == kSectionDynamic) {
      std::span<const std::uint8_t> entries;
      std::span<const std::uint8_t> names;
      if (std::string problem = with_strings(index, section, entries, names); !problem.empty())
        return problem;
      const Bytes table(entries);
      for (std::size_t at = 0; at + kDynamicEntryBytes <= entries.size();
           at += kDynamicEntryBytes) {
        const std::uint64_t tag = table.le(at, 8);
        if (tag == kTagNull) break;
        if (tag != kTagNeeded) continue;
        const auto name = string_at(names, table.le(at + 8, 8));
        if (!name) return std::string("a needed library's name runs past its string table");
        imports.needed.emplace_back(*name);
      }
    }
  }
  std::sort(imports.symbols.begin(), imports.symbols.end());
  imports.symbols.erase(std::unique(imports.symbols.begin(), imports.symbols.end()),
                        imports.symbols.end());
  return imports;
}

}  // namespace mycelium::ssi
