#pragma once
// EndophyteVM manifest -> libvirt domain XML (docs/vm.md lists what each field becomes).
// Pure: everything that depends on the host (kvm or qemu, which host CPUs, which SR-IOV
// virtual function, which disk image, which kernel) is an input, so the output is a function of
// its arguments and the tests can check every feature on any machine.
//
// Always emitted, whatever the manifest says: guest RAM backed by a shared file
// (<memoryBacking><source type='file'/><access mode='shared'/>), because the agent maps that
// file to track and replicate the guest's memory; no memory balloon, so the file stays the
// guest's whole RAM; a serial console on a pty, which a direct-kernel-boot guest writes to (and,
// when inputs.serial_log_path is set, a copy of it in that file).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <core/manifest/endophyte_vm.hpp>
#include <real/vm/domain_type.hpp>

namespace mycelium::real {

// Booting a kernel and initramfs directly (<os><kernel>, <initrd>, <cmdline>), without a disk
// or a bootloader: how the test guests boot.
struct DirectKernelBoot {
  std::string kernel_path;
  std::string initrd_path;  // empty: none
  std::string cmdline;      // empty: none
};

// The guest's disk. The manifest only gives its size (spec.vmSpec.diskSize); making an image of
// that size is the deployment's job, which passes the image here.
struct DiskImage {
  std::string path;
  std::string format = "raw";  // QEMU's image format: raw, qcow2
};

// A PCI address on the host, e.g. 0000:03:10.1 for an SR-IOV virtual function.
struct PciAddress {
  std::uint16_t domain = 0;
  std::uint8_t bus = 0;
  std::uint8_t slot = 0;      // 5 bits
  std::uint8_t function = 0;  // 3 bits
};

struct DomainRenderInputs {
  DomainType type = DomainType::kQemu;
  // performanceConfig.cpuPinning: vCPU i runs on host_cpus[i % size]. Required when pinning.
  std::vector<unsigned> host_cpus;
  // With cpuPinning: QEMU's own threads (main loop, device emulation, I/O) run on these host
  // CPUs (<emulatorpin>), so they do not share the pinned vCPUs' CPUs. Empty: left unpinned.
  // Without it, a vCPU throttled by quota shares its CPU with whatever else runs there and gets
  // measurably less done per CPU-second (tests/vm/kvm_guest_test.cpp gives the figures).
  std::vector<unsigned> emulator_cpus;
  // performanceConfig.sriovNetworking: the virtual function handed to the guest. Required then.
  std::optional<PciAddress> sriov_virtual_function;
  std::optional<DirectKernelBoot> kernel_boot;
  // Emitted only when the manifest asks for a disk (diskSize > 0) and an image is given.
  std::optional<DiskImage> disk;
  // Empty: none. Otherwise the serial console (still on a pty) is also copied to this file,
  // truncated at each start (<log file='...' append='off'/>, written by virtlogd): how the kvm
  // tests read a guest's output without attaching to its console.
  std::string serial_log_path;
  // A standby that a backup resumes a replicated guest in: QEMU starts with "-incoming defer"
  // (libvirt's <qemu:commandline> passthrough), waiting for the device state that
  // load_device_state feeds it once its RAM file holds the replica (real/vm/device_state.hpp).
  // Start it with start_paused(); libvirt marks it tainted ("custom-argv").
  bool incoming_deferred = false;
};

// Throws std::invalid_argument naming the domain when the manifest asks for a feature whose
// host input is missing (pinning without host CPUs, SR-IOV without a virtual function).
std::string render_domain_xml(const manifest::EndophyteVM& vm, const DomainRenderInputs& inputs);

}  // namespace mycelium::real
