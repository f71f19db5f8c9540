// mycelium ssi analyze BINARY: the SSI compatibility of a Linux ELF binary, from its imports
// (core/ssi/compatibility.hpp; docs/ssi.md).

#include <cstdint>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/file_io.hpp>
#include <core/manifest/manifest.hpp>
#include <core/ssi/compatibility.hpp>
#include <core/ssi/elf_imports.hpp>

namespace mycelium::cli {
namespace {

// Debian's largest binaries are tens of MiB; a GiB is not a program this reads.
constexpr std::size_t kMaxBinaryBytes = std::size_t{1} << 30;

// The machines Debian ships 64-bit little-endian binaries for: e_machine, name, multiarch
// triplet.
struct Machine {
  std::uint16_t id;
  std::string_view name;
  std::string_view triplet;
};
constexpr Machine kMachines[] = {{62, "x86-64", "x86_64-linux-gnu"},
                                 {183, "aarch64", "aarch64-linux-gnu"},
                                 {243, "riscv64", "riscv64-linux-gnu"}};

const Machine* known_machine(std::uint16_t id) {
  for (const Machine& machine : kMachines) {
    if (machine.id == id) return &machine;
  }
  return nullptr;
}

std::string machine_name(std::uint16_t id) {
  const Machine* machine = known_machine(id);
  return machine ? std::string(machine->name) : "machine " + std::to_string(id);
}

// Where the dynamic loader looks by default for a machine's libraries (Debian's multiarch
// folders first). RUNPATH, LD_LIBRARY_PATH and ld.so.cache are not read: a library found only
// through them is reported as not found.
std::vector<std::filesystem::path> library_folders(std::uint16_t id) {
  std::vector<std::filesystem::path> folders;
  if (const Machine* machine = known_machine(id)) {
    folders.push_back("/lib/" + std::string(machine->triplet));
    folders.push_back("/usr/lib/" + std::string(machine->triplet));
  }
  for (const char* folder : {"/lib64", "/usr/lib64", "/lib", "/usr/lib"})
    folders.emplace_back(folder);
  return folders;
}

struct LibraryClosure {
  std::vector<ssi::ImportSource> sources;  // the binary first, then each library once
  std::vector<std::string> not_found;
};

// The binary and every library it loads, directly or through other libraries (breadth first,
// each once, at most kMaxLibraries): a library's habits are the process's.
constexpr std::size_t kMaxLibraries = 512;
LibraryClosure load_closure(const ssi::ElfImports& binary) {
  LibraryClosure closure;
  closure.sources.push_back({"", binary});
  const std::vector<std::filesystem::path> folders = library_folders(binary.machine);
  std::set<std::string> seen;
  for (std::size_t next = 0; next < closure.sources.size(); ++next) {
    const std::vector<std::string> needed = closure.sources[next].imports.needed;
    for (const std::string& name : needed) {
      if (!seen.insert(name).second) continue;
      if (name.find('/') != std::string::npos) {
        closure.not_found.push_back(name + " (a path: not followed)");
        continue;
      }
      if (closure.sources.size() > kMaxLibraries) {
        closure.not_found.push_back(name + " (beyond " + std::to_string(kMaxLibraries) +
                                    " libraries)");
        continue;
      }
      bool found = false;
      for (const std::filesystem::path& folder : folders) {
        std::error_code error;
        const std::filesystem::path path = folder / name;
        if (!std::filesystem::is_regular_file(path, error)) continue;
        std::string bytes;
        try {
          bytes = read_text_file(path.string(), kMaxBinaryBytes);
        } catch (const UserError&) {
          continue;  // unreadable here (permissions): another folder may have it, else not found
        }
        const auto parsed = ssi::read_elf_imports(std::span<const std::uint8_t>(
            reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
        const auto* imports = std::get_if<ssi::ElfImports>(&parsed);
        // Another machine's library of the same name (a multilib folder): keep looking.
        if (!imports || imports->machine != binary.machine) continue;
        closure.sources.push_back({name, *imports});
        found = true;
        break;
      }
      if (!found) closure.not_found.push_back(name);
    }
  }
  return closure;
}

nlohmann::json model_json(const ssi::ModelVerdict& model) {
  return {{"verdict", ssi::to_string(model.verdict)}, {"reasons", model.reasons}};
}

// "FILE: 64-bit ELF, x86-64, ...": what was read.
std::string binary_header(const std::string& file, const ssi::ElfImports& imports,
                          const LibraryClosure& closure) {
  std::string text = file + ": 64-bit ELF, " + machine_name(imports.machine) +
                     ", dynamically linked, " + std::to_string(imports.needed.size()) +
                     " libraries needed, " + std::to_string(imports.symbols.size()) +
                     " symbols imported; " + std::to_string(closure.sources.size() - 1) +
                     " libraries read with it";
  if (!closure.not_found.empty()) {
    text += " (not found:";
    for (const std::string& name : closure.not_found)
      text += " " + name;
    text += ")";
  }
  return text;
}

void print_table(const std::string& header, const ssi::CompatibilityReport& report) {
  std::cout << std::left << header << "\n\n";
  if (report.findings.empty()) {
    std::cout << "no concern found\n";
  } else {
    std::cout << std::left << std::setw(18) << "concern"
              << "evidence\n";
    for (const ssi::Finding& finding : report.findings) {
      std::cout << std::setw(18) << ssi::to_string(finding.concern);
      for (std::size_t i = 0; i < finding.evidence.size(); ++i)
        std::cout << (i ? ", " : "") << finding.evidence[i];
      std::cout << "\n";
    }
  }
  std::cout << "\n"
            << std::setw(22) << "model" << std::setw(14) << "verdict"
            << "reasons\n";
  const auto model_rows = [](std::string_view name, const ssi::ModelVerdict& model) {
    std::cout << std::setw(22) << name << std::setw(14) << ssi::to_string(model.verdict);
    if (model.reasons.empty()) std::cout << "-";
    for (std::size_t i = 0; i < model.reasons.size(); ++i)
      std::cout << (i ? "\n" + std::string(36, ' ') : "") << model.reasons[i];
    std::cout << "\n";
  };
  model_rows("lock-step", report.lock_step);
  model_rows("asynchronous chunked", report.asynchronous_chunked);
}

// The one Application `text` (from `file`) holds; UserError with the located errors otherwise.
manifest::Application read_application(const std::string& file, const std::string& text) {
  const manifest::LoadResult loaded = manifest::load_manifests(text, file);
  if (!loaded.ok()) {
    throw UserError(loaded.diagnostics.format() +
                    "\n(ssi analyze takes a 64-bit Linux ELF binary or an Application manifest)");
  }
  if (loaded.objects.size() != 1 ||
      !std::holds_alternative<manifest::Application>(loaded.objects.front().object)) {
    throw UserError(file +
                    ": expected a 64-bit Linux ELF binary or exactly one document of kind "
                    "Application");
  }
  return std::get<manifest::Application>(loaded.objects.front().object);
}

std::string application_header(const std::string& file, const manifest::Application& app) {
  return file + ": Application " + app.metadata.name + " (" +
         std::string(manifest::kArchitectureNames.name(app.architecture)) + ", " +
         std::to_string(app.cpu_cores) + " CPU cores, " + std::to_string(app.ports.size()) +
         " ports)";
}

}  // namespace

int run_ssi_analyze(const SsiOptions& options) {
  const std::string bytes = read_text_file(options.file, kMaxBinaryBytes);
  std::optional<manifest::Application> application;
  if (!options.app_file.empty()) {
    application =
        read_application(options.app_file, read_text_file(options.app_file, kMaxInputBytes));
  }
  std::string header;
  LibraryClosure closure;
  std::optional<ssi::ElfImports> binary;
  if (bytes.starts_with("\x7f"
                        "ELF")) {
    auto parsed = ssi::read_elf_imports(std::span<const std::uint8_t>(
        reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    if (const std::string* problem = std::get_if<std::string>(&parsed)) {
      throw UserError(options.file + ": " + *problem +
                      "; ssi analyze reads 64-bit little-endian Linux ELF binaries");
    }
    binary = std::get<ssi::ElfImports>(std::move(parsed));
    if (!binary->dynamic) {
      throw UserError(options.file +
                      ": statically linked (no dynamic symbols): what it calls cannot be read "
                      "from its imports, so there is no verdict");
    }
    if (options.binary_only) {
      closure.sources.push_back({"", *binary});
    } else {
      closure = load_closure(*binary);
    }
    header = binary_header(options.file, *binary, closure);
    if (application) header += "\nwith " + application_header(options.app_file, *application);
  } else {
    if (application) {
      throw UserError(options.file + ": not an ELF binary; --app goes with a binary");
    }
    application = read_application(options.file, bytes);
    header = application_header(options.file, *application) +
             "\nfrom the description alone: give the binary too (ssi analyze BINARY --app " +
             options.file + ") for what it imports";
  }
  const ssi::CompatibilityReport report =
      ssi::analyze(closure.sources, application ? &*application : nullptr);
  if (options.json) {
    nlohmann::json findings = nlohmann::json::object();
    for (const ssi::Finding& finding : report.findings)
      findings[std::string(ssi::to_string(finding.concern))] = finding.evidence;
    nlohmann::json out{{"file", options.file},
                       {"application", application ? nlohmann::json(application->metadata.name)
                                                   : nlohmann::json()},
                       {"findings", findings},
                       {"models",
                        {{"lock-step", model_json(report.lock_step)},
                         {"asynchronous-chunked", model_json(report.asynchronous_chunked)}}}};
    if (binary) {
      out["machine"] = machine_name(binary->machine);
      out["needed"] = binary->needed;
      out["imported_symbols"] = binary->symbols.size();
      out["libraries_read"] = closure.sources.size() - 1;
      out["libraries_not_found"] = closure.not_found;
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  print_table(header, report);
  return 0;
}

}  // namespace mycelium::cli
