#include <mutex>
#include <utility>

#include <libvirt/virterror.h>

#include <real/vm/libvirt_error.hpp>

namespace mycelium::real {

LibvirtError::LibvirtError(std::string subject, std::string operation, std::string libvirt_message,
                           int libvirt_code)
    : std::runtime_error(subject + ": " + operation + ": " + libvirt_message),
      subject_(std::move(subject)),
      operation_(std::move(operation)),
      libvirt_message_(std::move(libvirt_message)),
      libvirt_code_(libvirt_code) {}

std::string domain_subject(const std::string& domain_name) {
  return "domain \"" + domain_name + "\"";
}

void throw_last_libvirt_error(const std::string& subject, const std::string& operation) {
  const virError* error = virGetLastError();
  if (error == nullptr || error->message == nullptr) {
    throw LibvirtError(subject, operation, "libvirt reported no error message", VIR_ERR_OK);
  }
  throw LibvirtError(subject, operation, error->message, error->code);
}

void silence_libvirt_default_error_printing() {
  static std::once_flag once;
  std::call_once(once, [] { virSetErrorFunc(nullptr, [](void*, virErrorPtr) {}); });
}

}  // namespace mycelium::real
