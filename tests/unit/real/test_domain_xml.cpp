// EndophyteVM -> libvirt domain XML (real/vm/domain_xml.hpp): each manifest feature becomes its
// element, the shared file-backed guest RAM is always there, the domain type is the input's,
// free text is escaped, and a feature without its host input is refused naming the domain.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>
#include <unistd.h>

#include <real/vm/domain_type.hpp>
#include <real/vm/domain_xml.hpp>
#include <real/vm/xml_escape.hpp>
#include <tests/unit/real/vm_test_support.hpp>

using namespace mycelium::real;
using mycelium::testing::inputs_for_every_feature;
using mycelium::testing::load_endophyte_example;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

const std::string kSharedFileBackedRam =
    "  <memoryBacking>\n"
    "    <source type='file'/>\n"
    "    <access mode='shared'/>\n"
    "  </memoryBacking>\n";

}  // namespace

TEST_CASE("domain xml: a plain manifest gives name, memory, vCPUs and shared file-backed RAM",
          "[vm][domain-xml]") {
  const auto vm = load_endophyte_example("scenarios/examples/legacy-app-vm.yaml");
  const std::string xml = render_domain_xml(vm, DomainRenderInputs{});
  INFO(xml);
  CHECK(contains(xml, "<domain type='qemu'>\n"));
  CHECK(contains(xml, "  <name>legacy-app-vm</name>\n"));
  CHECK(contains(xml, "  <memory unit='KiB'>8388608</memory>\n"));  // 8Gi
  CHECK(contains(xml, "  <currentMemory unit='KiB'>8388608</currentMemory>\n"));
  CHECK(contains(xml, "  <vcpu placement='static'>4</vcpu>\n"));
  CHECK(contains(xml, kSharedFileBackedRam));
  CHECK(contains(xml, "<memballoon model='none'/>"));
  CHECK(contains(xml, "<serial type='pty'>"));
  // No performance feature asked for, none rendered; no disk image given, no disk.
  CHECK_FALSE(contains(xml, "<hugepages/>"));
  CHECK_FALSE(contains(xml, "<cputune>"));
  CHECK_FALSE(contains(xml, "<interface"));
  CHECK_FALSE(contains(xml, "<disk"));
  CHECK_FALSE(contains(xml, "<kernel>"));
  CHECK_FALSE(contains(xml, "<log "));
}

TEST_CASE("domain xml: hugePages adds <hugepages/> to the shared file-backed RAM",
          "[vm][domain-xml]") {
  auto vm = load_endophyte_example("scenarios/examples/legacy-app-vm.yaml");
  vm.performance_config.huge_pages = true;
  const std::string xml = render_domain_xml(vm, DomainRenderInputs{});
  INFO(xml);
  CHECK(contains(xml,
                 "  <memoryBacking>\n"
                 "    <hugepages/>\n"
                 "    <source type='file'/>\n"
                 "    <access mode='shared'/>\n"
                 "  </memoryBacking>\n"));
}

TEST_CASE("domain xml: cpuPinning pins every vCPU to the host CPUs in turn", "[vm][domain-xml]") {
  auto vm = load_endophyte_example("scenarios/examples/legacy-app-vm.yaml");
  vm.performance_config.cpu_pinning = true;
  DomainRenderInputs inputs;
  inputs.host_cpus = {2, 5, 7};
  const std::string xml = render_domain_xml(vm, inputs);
  INFO(xml);
  CHECK(contains(xml,
                 "  <cputune>\n"
                 "    <vcpupin vcpu='0' cpuset='2'/>\n"
                 "    <vcpupin vcpu='1' cpuset='5'/>\n"
                 "    <vcpupin vcpu='2' cpuset='7'/>\n"
                 "    <vcpupin vcpu='3' cpuset='2'/>\n"
                 "  </cputune>\n"));
}

TEST_CASE("domain xml: cpuPinning with emulator CPUs keeps QEMU's own threads off the vCPUs",
          "[vm][domain-xml]") {
  auto vm = load_endophyte_example("scenarios/examples/legacy-app-vm.yaml");
  vm.performance_config.cpu_pinning = true;
  DomainRenderInputs inputs;
  inputs.host_cpus = {3};
  inputs.emulator_cpus = {0, 1};
  const std::string xml = render_domain_xml(vm, inputs);
  INFO(xml);
  CHECK(contains(xml,
                 "    <vcpupin vcpu='3' cpuset='3'/>\n"
                 "    <emulatorpin cpuset='0,1'/>\n"
                 "  </cputune>\n"));
  SECTION("without pinning there is no cputune at all") {
    vm.performance_config.cpu_pinning = false;
    CHECK_FALSE(contains(render_domain_xml(vm, inputs), "cputune"));
  }
}

TEST_CASE("domain xml: sriovNetworking hands the virtual function over as a hostdev interface",
          "[vm][domain-xml]") {
  auto vm = load_endophyte_example("scenarios/examples/legacy-app-vm.yaml");
  vm.performance_config.sriov_networking = true;
  DomainRenderInputs inputs;
  inputs.sriov_virtual_function = PciAddress{0x0000, 0x03, 0x10, 0x1};
  const std::string xml = render_domain_xml(vm, inputs);
  INFO(xml);
  CHECK(contains(xml,
                 "    <interface type='hostdev' managed='yes'>\n"
                 "      <source>\n"
                 "        <address type='pci' domain='0x0000' bus='0x03' slot='0x10' "
                 "function='0x1'/>\n"
                 "      </source>\n"
                 "    </interface>\n"));
}

TEST_CASE("domain xml: the game server example renders all three performance features",
          "[vm][domain-xml]") {
  const auto vm = load_endophyte_example("scenarios/examples/game-server-vm.yaml");
  const std::string xml = render_domain_xml(vm, inputs_for_every_feature(DomainType::kKvm));
  INFO(xml);
  CHECK(contains(xml, "<domain type='kvm'>\n"));
  CHECK(contains(xml, "  <name>game-server-vm</name>\n"));
  CHECK(contains(xml, "  <memory unit='KiB'>16777216</memory>\n"));  // 16Gi
  CHECK(contains(xml, "  <vcpu placement='static'>8</vcpu>\n"));
  CHECK(contains(xml, "<hugepages/>"));
  CHECK(contains(xml, "<source type='file'/>"));
  CHECK(contains(xml, "<access mode='shared'/>"));
  CHECK(count_of(xml, "<vcpupin ") == 8);
  CHECK(contains(xml, "<vcpupin vcpu='7' cpuset='1'/>"));
  CHECK(contains(xml, "<interface type='hostdev' managed='yes'>"));
}

TEST_CASE("domain xml: a feature without its host input is refused, naming the domain",
          "[vm][domain-xml]") {
  const auto vm = load_endophyte_example("scenarios/examples/game-server-vm.yaml");
  DomainRenderInputs inputs = inputs_for_every_feature(DomainType::kQemu);
  SECTION("cpuPinning without host CPUs") {
    inputs.host_cpus.clear();
    CHECK_THROWS_MATCHES(
        render_domain_xml(vm, inputs), std::invalid_argument,
        Catch::Matchers::Message(
            "domain \"game-server-vm\": cpuPinning needs the host CPUs to pin the vCPUs to"));
  }
  SECTION("sriovNetworking without a virtual function") {
    inputs.sriov_virtual_function.reset();
    CHECK_THROWS_MATCHES(render_domain_xml(vm, inputs), std::invalid_argument,
                         Catch::Matchers::Message("domain \"game-server-vm\": sriovNetworking "
                                                  "needs the PCI address of an SR-IOV virtual "
                                                  "function"));
  }
}

TEST_CASE("domain xml: the domain type is the input's, and /dev/kvm decides it",
          "[vm][domain-xml]") {
  const auto vm = load_endophyte_example("scenarios/examples/legacy-app-vm.yaml");
  DomainRenderInputs inputs;
  inputs.type = DomainType::kKvm;
  CHECK(contains(render_domain_xml(vm, inputs), "<domain type='kvm'>"));
  inputs.type = DomainType::kQemu;
  CHECK(contains(render_domain_xml(vm, inputs), "<domain type='qemu'>"));

  const std::filesystem::path present =
      std::filesystem::temp_directory_path() / ("mycelium-fake-kvm-" + std::to_string(::getpid()));
  std::ofstream(present).put('\0');
  const DomainTypeChoice with_kvm = choose_domain_type(present);
  CHECK(with_kvm.type == DomainType::kKvm);
  CHECK(contains(with_kvm.reason, present.string() + " exists"));
  std::filesystem::remove(present);
  const DomainTypeChoice without_kvm = choose_domain_type(present);
  CHECK(without_kvm.type == DomainType::kQemu);
  CHECK(contains(without_kvm.reason, present.string() + " not found"));
  CHECK(domain_type_name(with_kvm.type) == "kvm");
  CHECK(domain_type_name(without_kvm.type) == "qemu");
  // This machine's own choice, for the record.
  const DomainTypeChoice here = choose_domain_type();
  WARN("this host: " << domain_type_name(here.type) << " (" << here.reason << ")");
}

TEST_CASE("domain xml: direct kernel boot, with its free text escaped", "[vm][domain-xml]") {
  const auto vm = load_endophyte_example("scenarios/examples/legacy-app-vm.yaml");
  DomainRenderInputs inputs;
  inputs.kernel_boot = DirectKernelBoot{"/srv/guest/vmlinux", "/srv/guest/initrd&more.cpio",
                                        "console=ttyS0 panic=-1 x=\"a<b>\" y='c'"};
  inputs.disk = DiskImage{"/srv/guest/disk.img", "raw"};
  const std::string xml = render_domain_xml(vm, inputs);
  INFO(xml);
  CHECK(contains(xml,
                 "  <os>\n"
                 "    <type>hvm</type>\n"
                 "    <kernel>/srv/guest/vmlinux</kernel>\n"
                 "    <initrd>/srv/guest/initrd&amp;more.cpio</initrd>\n"
                 "    <cmdline>console=ttyS0 panic=-1 x=&quot;a&lt;b&gt;&quot; "
                 "y=&apos;c&apos;</cmdline>\n"
                 "  </os>\n"));
  CHECK_FALSE(contains(xml, "<boot dev="));  // the kernel boots, not the disk
  CHECK(contains(xml, "<source file='/srv/guest/disk.img'/>"));

  SECTION("without initrd or command line, neither element") {
    inputs.kernel_boot = DirectKernelBoot{"/srv/guest/vmlinux", "", ""};
    const std::string bare = render_domain_xml(vm, inputs);
    CHECK(contains(bare, "<kernel>/srv/guest/vmlinux</kernel>"));
    CHECK_FALSE(contains(bare, "<initrd>"));
    CHECK_FALSE(contains(bare, "<cmdline>"));
  }
}

TEST_CASE("domain xml: a disk only when the manifest asks for one and an image is given",
          "[vm][domain-xml]") {
  auto vm = load_endophyte_example("scenarios/examples/legacy-app-vm.yaml");
  DomainRenderInputs inputs;
  inputs.disk = DiskImage{"/var/lib/mycelium/legacy's disk.qcow2", "qcow2"};
  const std::string with_disk = render_domain_xml(vm, inputs);
  INFO(with_disk);
  CHECK(contains(with_disk,
                 "    <disk type='file' device='disk'>\n"
                 "      <driver name='qemu' type='qcow2'/>\n"
                 "      <source file='/var/lib/mycelium/legacy&apos;s disk.qcow2'/>\n"
                 "      <target dev='vda' bus='virtio'/>\n"
                 "    </disk>\n"));
  CHECK(contains(with_disk, "<boot dev='hd'/>"));

  vm.vm_spec.disk_bytes = 0;  // the manifest asks for no disk: the image is ignored
  const std::string without_disk = render_domain_xml(vm, inputs);
  CHECK_FALSE(contains(without_disk, "<disk"));
  CHECK_FALSE(contains(without_disk, "<boot dev="));
}

TEST_CASE("domain xml: a serial log file copies the pty console to that file", "[vm][domain-xml]") {
  const auto vm = load_endophyte_example("scenarios/examples/legacy-app-vm.yaml");
  DomainRenderInputs inputs;
  inputs.serial_log_path = "/var/lib/mycelium/legacy's serial.log";
  const std::string xml = render_domain_xml(vm, inputs);
  INFO(xml);
  // Still the pty (virsh console keeps working), with the log inside the serial device only.
  CHECK(contains(xml,
                 "    <serial type='pty'>\n"
                 "      <log file='/var/lib/mycelium/legacy&apos;s serial.log' append='off'/>\n"
                 "      <target port='0'/>\n"
                 "    </serial>\n"
                 "    <console type='pty'>\n"
                 "      <target type='serial' port='0'/>\n"
                 "    </console>\n"));
  CHECK(count_of(xml, "<log ") == 1);

  // libvirt's schema accepts it (virt-xml-validate, from libvirt-clients).
  const std::filesystem::path file = std::filesystem::temp_directory_path() /
                                     ("mycelium-serial-log-" + std::to_string(::getpid()) + ".xml");
  std::ofstream(file) << xml;
  const std::string command = "virt-xml-validate '" + file.string() + "' domain >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  std::filesystem::remove(file);
  CHECK(status == 0);
}

TEST_CASE("domain xml: a standby waits for its device state with -incoming defer",
          "[vm][domain-xml]") {
  const auto vm = load_endophyte_example("scenarios/examples/legacy-app-vm.yaml");
  DomainRenderInputs inputs;
  CHECK_FALSE(contains(render_domain_xml(vm, inputs), "qemu:"));  // only when asked
  inputs.incoming_deferred = true;
  const std::string xml = render_domain_xml(vm, inputs);
  INFO(xml);
  CHECK(contains(xml,
                 "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"));
  CHECK(contains(xml,
                 "  <qemu:commandline>\n"
                 "    <qemu:arg value='-incoming'/>\n"
                 "    <qemu:arg value='defer'/>\n"
                 "  </qemu:commandline>\n"
                 "</domain>\n"));
  // Still the shared file-backed RAM the replica is copied into.
  CHECK(contains(xml, "<access mode='shared'/>"));
}

TEST_CASE("domain xml: memory is rounded up to whole KiB", "[vm][domain-xml]") {
  auto vm = load_endophyte_example("scenarios/examples/legacy-app-vm.yaml");
  vm.vm_spec.memory_bytes = (64ULL << 20) + 1;
  CHECK(contains(render_domain_xml(vm, DomainRenderInputs{}), "<memory unit='KiB'>65537</memory>"));
}

TEST_CASE("domain xml: escaping covers the five XML special characters", "[vm][domain-xml]") {
  CHECK(escape_xml("plain-name") == "plain-name");
  CHECK(escape_xml("a&b<c>d\"e'f") == "a&amp;b&lt;c&gt;d&quot;e&apos;f");
  CHECK(escape_xml("") == "");
}
