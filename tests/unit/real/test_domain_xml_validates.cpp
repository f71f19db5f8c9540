// Every rendered domain passes libvirt's own schema check, `virt-xml-validate FILE domain`
// (libvirt-clients): both seed EndophyteVM examples, and every combination of the three
// performance features, each domain type, direct kernel boot and a disk.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <real/vm/domain_xml.hpp>
#include <tests/unit/real/vm_test_support.hpp>

using namespace mycelium::real;
using mycelium::testing::inputs_for_every_feature;
using mycelium::testing::load_endophyte_example;

namespace {

class ScratchDirectory {
 public:
  ScratchDirectory()
      : path_(std::filesystem::temp_directory_path() /
              ("mycelium-domain-xml-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path_);
  }
  ~ScratchDirectory() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

bool virt_xml_validate_installed() {
  return std::system("command -v virt-xml-validate >/dev/null 2>&1") == 0;
}

// virt-xml-validate's exit status for `xml` (0: valid); its output goes to `log`.
int virt_xml_validate(const std::filesystem::path& directory, const std::string& label,
                      const std::string& xml) {
  const std::filesystem::path file = directory / (label + ".xml");
  const std::filesystem::path log = directory / (label + ".log");
  std::ofstream(file) << xml;
  const std::string command =
      "virt-xml-validate '" + file.string() + "' domain >'" + log.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream log_stream(log);
  const std::string output{std::istreambuf_iterator<char>(log_stream), {}};
  UNSCOPED_INFO(label << ": virt-xml-validate says: " << output);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("domain xml: every rendered domain passes virt-xml-validate", "[vm][domain-xml]") {
  INFO("virt-xml-validate comes with libvirt-clients (scripts/setup installs it)");
  REQUIRE(virt_xml_validate_installed());
  const ScratchDirectory scratch;

  SECTION("the seed's EndophyteVM examples") {
    for (const char* example : {"legacy-app-vm", "game-server-vm"}) {
      const auto vm =
          load_endophyte_example(std::string("scenarios/examples/") + example + ".yaml");
      for (const DomainType type : {DomainType::kKvm, DomainType::kQemu}) {
        const std::string label = std::string(example) + "-" + std::string(domain_type_name(type));
        const std::string xml = render_domain_xml(vm, inputs_for_every_feature(type));
        INFO(xml);
        CHECK(virt_xml_validate(scratch.path(), label, xml) == 0);
      }
    }
  }

  SECTION("every combination of features, domain type, boot and disk") {
    auto vm = load_endophyte_example("scenarios/examples/legacy-app-vm.yaml");
    int checked = 0;
    for (int features = 0; features < 8; ++features) {
      vm.performance_config.cpu_pinning = (features & 1) != 0;
      vm.performance_config.huge_pages = (features & 2) != 0;
      vm.performance_config.sriov_networking = (features & 4) != 0;
      for (const DomainType type : {DomainType::kKvm, DomainType::kQemu}) {
        for (const bool kernel_boot : {false, true}) {
          for (const bool disk : {false, true}) {
            DomainRenderInputs inputs = inputs_for_every_feature(type);
            if (kernel_boot) {
              inputs.kernel_boot = DirectKernelBoot{"/srv/guest/vmlinux", "/srv/guest/initrd.cpio",
                                                    "console=ttyS0 x=\"a<b&c\""};
            }
            if (disk) inputs.disk = DiskImage{"/srv/guest/disk.qcow2", "qcow2"};
            const std::string label = "features-" + std::to_string(features) + "-" +
                                      std::string(domain_type_name(type)) +
                                      (kernel_boot ? "-kernel" : "") + (disk ? "-disk" : "");
            const std::string xml = render_domain_xml(vm, inputs);
            INFO(xml);
            CHECK(virt_xml_validate(scratch.path(), label, xml) == 0);
            ++checked;
          }
        }
      }
    }
    CHECK(checked == 64);
  }

  SECTION("a standby waiting for its device state (QEMU command-line passthrough)") {
    auto vm = load_endophyte_example("scenarios/examples/legacy-app-vm.yaml");
    for (const DomainType type : {DomainType::kKvm, DomainType::kQemu}) {
      DomainRenderInputs inputs = inputs_for_every_feature(type);
      inputs.incoming_deferred = true;
      const std::string xml = render_domain_xml(vm, inputs);
      INFO(xml);
      CHECK(virt_xml_validate(scratch.path(), "standby-" + std::string(domain_type_name(type)),
                              xml) == 0);
    }
  }

  SECTION("the check has teeth: an invalid domain fails it") {
    const std::string invalid = "<domain type='kvm'><name>x</name><memory>lots</memory></domain>";
    CHECK(virt_xml_validate(scratch.path(), "invalid", invalid) != 0);
  }
}
