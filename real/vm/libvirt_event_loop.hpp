#pragma once
// libvirt delivers domain events (started, suspended, stopped...) only from an event loop the
// application runs. This one is libvirt's default implementation, run on its own thread.
//
// Create it before opening the connections that subscribe to events (libvirt wants the loop
// registered first). libvirt's registration is process-wide and permanent: the first
// LibvirtEventLoop registers it, later ones reuse it. Run one at a time: one thread polls.
// Event callbacks run on this thread.

#include <atomic>
#include <thread>

namespace mycelium::real {

class LibvirtEventLoop {
 public:
  LibvirtEventLoop();   // throws LibvirtError when libvirt cannot register its loop
  ~LibvirtEventLoop();  // stops and joins the thread
  LibvirtEventLoop(const LibvirtEventLoop&) = delete;
  LibvirtEventLoop& operator=(const LibvirtEventLoop&) = delete;

 private:
  void run();

  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace mycelium::real
