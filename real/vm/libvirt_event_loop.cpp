#include <mutex>

#include <libvirt/libvirt.h>

#include <real/vm/libvirt_error.hpp>
#include <real/vm/libvirt_event_loop.hpp>

namespace mycelium::real {

namespace {

void register_default_event_loop_once() {
  static std::once_flag once;
  static bool registered = false;
  std::call_once(once, [] {
    silence_libvirt_default_error_printing();
    registered = virEventRegisterDefaultImpl() == 0;
  });
  if (!registered) throw_last_libvirt_error("event loop", "register the default implementation");
}

}  // namespace

LibvirtEventLoop::LibvirtEventLoop() {
  register_default_event_loop_once();
  thread_ = std::thread([this] { run(); });
}

LibvirtEventLoop::~LibvirtEventLoop() {
  stopping_ = true;
  // A timeout that fires at once wakes the thread out of its poll; it then sees stopping_.
  const int wake_timer = virEventAddTimeout(
      0, [](int, void*) {}, nullptr, nullptr);
  thread_.join();
  if (wake_timer >= 0) virEventRemoveTimeout(wake_timer);
}

void LibvirtEventLoop::run() {
  while (!stopping_) {
    // Errors here are transient (an interrupted poll); the next iteration polls again.
    virEventRunDefaultImpl();
  }
}

}  // namespace mycelium::real
