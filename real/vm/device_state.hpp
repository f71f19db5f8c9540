#pragma once
// A guest's device state (vCPU registers, interrupt controllers, timers, serial port, ROMs:
// everything but its RAM), saved from one QEMU and loaded into another, so that a backup can
// resume a guest from replicated RAM. The route that works with QEMU 7.2 and libvirt 9.0
// (docs/vm.md, "Device state"):
//   * QEMU's migration stream with the capability x-ignore-shared leaves out RAM that lives in a
//     shared file (every Mycelium domain's: <memoryBacking><access mode='shared'/>), so what is
//     left is the device state, about 230 KiB for the test guest;
//   * libvirt has no API for a migration that keeps the source or that skips RAM, so both ends
//     speak to QEMU's monitor through libvirt (qemu_monitor_command), and the stream goes
//     through a socket handed to QEMU with "getfd" ("exec:" is refused by libvirt's seccomp
//     sandbox, which kills QEMU when it spawns the command);
//   * the receiving domain is started paused with its incoming migration deferred
//     (DomainRenderInputs::incoming_deferred), its RAM file is filled from the replica, and then
//     it loads the device state.
// Both calls block until QEMU reports the migration completed (or failed, or `timeout`).

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <real/vm/libvirt_driver.hpp>

namespace mycelium::real {

// More than any device state of a guest without video memory; a larger stream is refused.
inline constexpr std::size_t kMaxDeviceStateBytes = 64U << 20;

// The device state of domain `name`, whose vCPUs are paused (suspend()), so that it belongs
// with the guest RAM of that instant. The domain stays paused; resume() runs it on. Throws
// LibvirtError naming the domain and the step (a running domain is refused: its device state
// would not match any RAM snapshot).
std::vector<std::uint8_t> save_device_state(
    LibvirtDriver& driver, const std::string& name,
    std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Loads `state` (from save_device_state) into domain `name`: started paused with its incoming
// migration deferred, its RAM file already holding the guest RAM of the instant the state was
// saved. The domain stays paused; resume() runs the guest on from that instant.
void load_device_state(LibvirtDriver& driver, const std::string& name,
                       std::span<const std::uint8_t> state,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace mycelium::real
