#include <iomanip>
#include <sstream>
#include <stdexcept>

#include <real/vm/domain_xml.hpp>
#include <real/vm/xml_escape.hpp>

namespace mycelium::real {

namespace {

constexpr std::uint64_t kKibibyte = 1024;

// libvirt counts memory in KiB; a manifest may give any byte count, so round up rather than
// hand the guest less than it asked for.
std::uint64_t memory_kib(std::uint64_t memory_bytes) {
  return (memory_bytes + kKibibyte - 1) / kKibibyte;
}

std::string hex(unsigned value, int digits) {
  std::ostringstream text;
  text << "0x" << std::hex << std::setw(digits) << std::setfill('0') << value;
  return text.str();
}

void render_memory_backing(const manifest::EndophyteVM& vm, std::ostringstream& xml) {
  xml << "  <memoryBacking>\n";
  // With hugepages the file lives on hugetlbfs: still one shared file the agent can map.
  if (vm.performance_config.huge_pages) xml << "    <hugepages/>\n";
  xml << "    <source type='file'/>\n"
         "    <access mode='shared'/>\n"
         "  </memoryBacking>\n";
}

void render_cpu_pinning(const manifest::EndophyteVM& vm, const DomainRenderInputs& inputs,
                        std::ostringstream& xml) {
  if (!vm.performance_config.cpu_pinning) return;
  if (inputs.host_cpus.empty()) {
    throw std::invalid_argument("domain \"" + vm.metadata.name +
                                "\": cpuPinning needs the host CPUs to pin the vCPUs to");
  }
  xml << "  <cputune>\n";
  for (std::uint32_t vcpu = 0; vcpu < vm.vm_spec.cpu_cores; ++vcpu) {
    const unsigned host_cpu = inputs.host_cpus[vcpu % inputs.host_cpus.size()];
    xml << "    <vcpupin vcpu='" << vcpu << "' cpuset='" << host_cpu << "'/>\n";
  }
  if (!inputs.emulator_cpus.empty()) {
    xml << "    <emulatorpin cpuset='";
    for (std::size_t i = 0; i < inputs.emulator_cpus.size(); ++i) {
      xml << (i == 0 ? "" : ",") << inputs.emulator_cpus[i];
    }
    xml << "'/>\n";
  }
  xml << "  </cputune>\n";
}

void render_os(const DomainRenderInputs& inputs, bool has_disk, std::ostringstream& xml) {
  xml << "  <os>\n"
         "    <type>hvm</type>\n";
  if (inputs.kernel_boot) {
    const DirectKernelBoot& boot = *inputs.kernel_boot;
    xml << "    <kernel>" << escape_xml(boot.kernel_path) << "</kernel>\n";
    if (!boot.initrd_path.empty()) {
      xml << "    <initrd>" << escape_xml(boot.initrd_path) << "</initrd>\n";
    }
    if (!boot.cmdline.empty()) xml << "    <cmdline>" << escape_xml(boot.cmdline) << "</cmdline>\n";
  } else if (has_disk) {
    xml << "    <boot dev='hd'/>\n";
  }
  xml << "  </os>\n";
}

void render_disk(const DiskImage& disk, std::ostringstream& xml) {
  xml << "    <disk type='file' device='disk'>\n"
      << "      <driver name='qemu' type='" << escape_xml(disk.format) << "'/>\n"
      << "      <source file='" << escape_xml(disk.path) << "'/>\n"
      << "      <target dev='vda' bus='virtio'/>\n"
      << "    </disk>\n";
}

void render_sriov_interface(const manifest::EndophyteVM& vm, const DomainRenderInputs& inputs,
                            std::ostringstream& xml) {
  if (!vm.performance_config.sriov_networking) return;
  if (!inputs.sriov_virtual_function) {
    throw std::invalid_argument(
        "domain \"" + vm.metadata.name +
        "\": sriovNetworking needs the PCI address of an SR-IOV virtual function");
  }
  const PciAddress& address = *inputs.sriov_virtual_function;
  // managed='yes': libvirt detaches the VF from its host driver at start and gives it back at
  // stop, so the deployment does not have to.
  xml << "    <interface type='hostdev' managed='yes'>\n"
      << "      <source>\n"
      << "        <address type='pci' domain='" << hex(address.domain, 4) << "' bus='"
      << hex(address.bus, 2) << "' slot='" << hex(address.slot, 2) << "' function='"
      << hex(address.function, 1) << "'/>\n"
      << "      </source>\n"
      << "    </interface>\n";
}

}  // namespace

namespace {
// libvirt's namespace for QEMU command-line passthrough.
constexpr const char* kQemuNamespace = "http://libvirt.org/schemas/domain/qemu/1.0";
}  // namespace

std::string render_domain_xml(const manifest::EndophyteVM& vm, const DomainRenderInputs& inputs) {
  const bool has_disk = vm.vm_spec.disk_bytes > 0 && inputs.disk.has_value();
  const std::uint64_t kib = memory_kib(vm.vm_spec.memory_bytes);
  std::ostringstream xml;
  xml << "<domain type='" << domain_type_name(inputs.type) << "'";
  if (inputs.incoming_deferred) xml << " xmlns:qemu='" << kQemuNamespace << "'";
  xml << ">\n"
      << "  <name>" << escape_xml(vm.metadata.name) << "</name>\n"
      << "  <memory unit='KiB'>" << kib << "</memory>\n"
      << "  <currentMemory unit='KiB'>" << kib << "</currentMemory>\n";
  render_memory_backing(vm, xml);
  xml << "  <vcpu placement='static'>" << vm.vm_spec.cpu_cores << "</vcpu>\n";
  render_cpu_pinning(vm, inputs, xml);
  render_os(inputs, has_disk, xml);
  xml << "  <devices>\n";
  if (has_disk) render_disk(*inputs.disk, xml);
  render_sriov_interface(vm, inputs, xml);
  xml << "    <serial type='pty'>\n";
  if (!inputs.serial_log_path.empty()) {
    xml << "      <log file='" << escape_xml(inputs.serial_log_path) << "' append='off'/>\n";
  }
  xml << "      <target port='0'/>\n"
         "    </serial>\n"
         "    <console type='pty'>\n"
         "      <target type='serial' port='0'/>\n"
         "    </console>\n"
         "    <memballoon model='none'/>\n"
         "  </devices>\n";
  if (inputs.incoming_deferred) {
    // QEMU starts waiting for a migration stream that "migrate-incoming" names later
    // (real/vm/device_state.hpp); libvirt has no element for it.
    xml << "  <qemu:commandline>\n"
           "    <qemu:arg value='-incoming'/>\n"
           "    <qemu:arg value='defer'/>\n"
           "  </qemu:commandline>\n";
  }
  xml << "</domain>\n";
  return xml.str();
}

}  // namespace mycelium::real
