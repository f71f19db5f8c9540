#pragma once
// The one exception the libvirt driver throws: what failed (the operation), on what (a domain,
// or the connection), and libvirt's own message, e.g.
//   domain "legacy-app-vm": suspend: Requested operation is not valid: domain is not running
// real/ reports host failures by throwing (ProcessControl, SharedMemoryFile throw
// std::system_error naming the path); this follows suit with the domain in place of the path.

#include <stdexcept>
#include <string>

namespace mycelium::real {

class LibvirtError : public std::runtime_error {
 public:
  // `subject` is what the operation was on, already quoted: domain "x", connection "test:///".
  LibvirtError(std::string subject, std::string operation, std::string libvirt_message,
               int libvirt_code);

  const std::string& subject() const { return subject_; }
  const std::string& operation() const { return operation_; }
  const std::string& libvirt_message() const { return libvirt_message_; }
  int libvirt_code() const { return libvirt_code_; }  // virErrorNumber, VIR_ERR_OK when unknown

 private:
  std::string subject_;
  std::string operation_;
  std::string libvirt_message_;
  int libvirt_code_;
};

// `domain "name"`, the subject of a domain operation.
std::string domain_subject(const std::string& domain_name);

// Throws a LibvirtError carrying this thread's last libvirt error (libvirt keeps it per thread,
// so call this right after the failing call, on the same thread).
[[noreturn]] void throw_last_libvirt_error(const std::string& subject,
                                           const std::string& operation);

// libvirt prints every error to stderr by default; the driver reports them itself, so it calls
// this (once per process is enough; later calls do nothing).
void silence_libvirt_default_error_printing();

}  // namespace mycelium::real
