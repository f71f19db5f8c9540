#pragma once
// SSI compatibility of a binary, from what it imports (elf_imports.hpp): which of its habits break
// or cost under each Single System Image execution model, and a verdict per model.
//
// Models (docs/ssi.md):
//   lock-step          every replica executes the same instruction stream, inputs ordered by a
//                      sequencer: anything nondeterministic must be intercepted and agreed on
//                      (clock, randomness, signals, network input: costs), and what cannot be
//                      made deterministic rules it out (threads interleave differently on each
//                      replica; memory shared with other processes, child processes and devices
//                      live outside the replicated state);
//   asynchronous       a job split into chunks run on several nodes with redundancy, results
//   chunked            reconciled (first result, majority vote): chunks must not share memory or
//                      own devices (ruled out); nondeterminism makes redundant results disagree
//                      and outside side effects happen once per copy (costs).
// Symbols decide, not call sites: a binary that imports pthread_create is counted as threaded
// even if it never starts a thread. The report says which symbols decided.

#include <string>
#include <string_view>
#include <vector>

#include <core/manifest/application.hpp>
#include <core/ssi/elf_imports.hpp>

namespace mycelium::ssi {

enum class Concern {
  kThreads,
  kSharedMemory,
  kProcessCreation,
  kDevices,  // a device library (libudev, libusb, libdrm ...): hardware of one host
  kWallClock,
  kRandomness,
  kIoctl,  // ioctl: terminals mostly, devices sometimes
  kSignals,
  kNetwork,
  kNativelyDistributed,  // an Application that already runs as its own cluster
};
std::string_view to_string(Concern concern);  // "threads", "shared-memory", ...

struct Finding {
  Concern concern;
  // The imported symbols or needed libraries, sorted; "pthread_create in libvirt.so.0" when a
  // library the binary loads imports it.
  std::vector<std::string> evidence;
};

enum class Verdict { kSuitable, kCostly, kNotSuitable };
std::string_view to_string(Verdict verdict);  // "suitable", "costly", "not suitable"

struct ModelVerdict {
  Verdict verdict = Verdict::kSuitable;
  std::vector<std::string> reasons;  // one line per concern that decided, worst first
};

struct CompatibilityReport {
  std::vector<Finding> findings;  // in Concern order, only concerns with evidence
  ModelVerdict lock_step;
  ModelVerdict asynchronous_chunked;
};

// What one file imports: the binary itself (name empty), or a library it loads (its soname).
struct ImportSource {
  std::string name;
  ElfImports imports;
};

// Over the binary and the libraries it loads: a library's habits are the process's. With an
// Application description, its hints count too: ports (it serves the network), a natively
// distributed architecture (it needs no SSI: it runs as its own cluster, an EndomyceteService).
// `sources` may be empty (the description alone).
CompatibilityReport analyze(const std::vector<ImportSource>& sources,
                            const manifest::Application* application = nullptr);
CompatibilityReport analyze(const ElfImports& imports);  // the binary alone

}  // namespace mycelium::ssi
