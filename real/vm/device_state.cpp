#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include <libvirt/virterror.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <real/vm/device_state.hpp>
#include <real/vm/libvirt_error.hpp>

namespace mycelium::real {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// The name QEMU knows our socket by, between "getfd" and the migration that uses it.
constexpr const char* kFdName = "mycelium-device-state";
constexpr std::chrono::milliseconds kStatusPollInterval{5};

class OwnedFd {
 public:
  explicit OwnedFd(int fd = -1) : fd_(fd) {}
  ~OwnedFd() { reset(); }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// A connected pair of stream sockets: ours, and the one QEMU gets. A socket rather than a pipe,
// so that writing to a QEMU that gave up is an error (MSG_NOSIGNAL), not SIGPIPE.
struct Channel {
  OwnedFd ours;
  OwnedFd qemus;
};

// One step of the route, for errors: `domain "x": save device state: <step>: <why>`.
[[noreturn]] void fail(const std::string& name, const std::string& operation,
                       const std::string& why) {
  throw LibvirtError(domain_subject(name), operation, why, VIR_ERR_OK);
}

Channel make_channel(const std::string& name, const std::string& operation) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    fail(name, operation, std::string("socketpair: ") + std::strerror(errno));
  return Channel{OwnedFd(fds[0]), OwnedFd(fds[1])};
}

// Runs a QMP command; returns its "return" value, or throws with QEMU's error description.
json qmp(LibvirtDriver& driver, const std::string& name, const std::string& operation,
         const json& command, std::span<const int> files = {}) {
  const std::string reply = driver.qemu_monitor_command(name, command.dump(), files);
  const json parsed = json::parse(reply, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object())
    fail(name, operation, command.value("execute", "") + ": unreadable reply: " + reply);
  if (parsed.contains("error")) {
    fail(name, operation,
         command.value("execute", "") + ": " + parsed["error"].value("desc", parsed.dump()));
  }
  return parsed.value("return", json::object());
}

void prepare(LibvirtDriver& driver, const std::string& name, const std::string& operation,
             int fd_for_qemu) {
  qmp(driver, name, operation,
      {{"execute", "migrate-set-capabilities"},
       {"arguments",
        {{"capabilities", json::array({{{"capability", "x-ignore-shared"}, {"state", true}}})}}}});
  const int files[] = {fd_for_qemu};
  qmp(driver, name, operation, {{"execute", "getfd"}, {"arguments", {{"fdname", kFdName}}}}, files);
}

// Polls query-migrate until the migration completed; throws if it failed or took too long.
void await_completed(LibvirtDriver& driver, const std::string& name, const std::string& operation,
                     Clock::time_point give_up) {
  for (;;) {
    const json status = qmp(driver, name, operation, {{"execute", "query-migrate"}});
    const std::string state = status.value("status", "");
    if (state == "completed") return;
    if (state == "failed" || state == "cancelled") {
      fail(name, operation,
           "QEMU's migration " + state + ": " + status.value("error-desc", "no reason given"));
    }
    if (Clock::now() >= give_up) fail(name, operation, "not completed in time (" + state + ")");
    std::this_thread::sleep_for(kStatusPollInterval);
  }
}

int remaining_ms(Clock::time_point give_up) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(give_up - Clock::now());
  return static_cast<int>(std::max<std::int64_t>(0, left.count()));
}

}  // namespace

std::vector<std::uint8_t> save_device_state(LibvirtDriver& driver, const std::string& name,
                                            std::chrono::milliseconds timeout) {
  const std::string operation = "save device state";
  const Clock::time_point give_up = Clock::now() + timeout;
  if (driver.info(name).state != DomainState::kPaused)
    fail(name, operation, "the domain must be paused, so the state matches one RAM snapshot");
  Channel channel = make_channel(name, operation);
  prepare(driver, name, operation, channel.qemus.get());
  channel.qemus.reset();  // QEMU holds its own copy: the end of the stream comes when it closes it
  qmp(driver, name, operation,
      {{"execute", "migrate"}, {"arguments", {{"uri", std::string("fd:") + kFdName}}}});
  std::vector<std::uint8_t> state;
  std::uint8_t buffer[64 * 1024];
  for (;;) {
    pollfd readable{channel.ours.get(), POLLIN, 0};
    const int ready = ::poll(&readable, 1, remaining_ms(give_up));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      qmp(driver, name, operation, {{"execute", "migrate_cancel"}});
      fail(name, operation, "no end of the stream in time");
    }
    const ssize_t got = ::recv(channel.ours.get(), buffer, sizeof buffer, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail(name, operation, std::string("recv: ") + std::strerror(errno));
    if (got == 0) break;
    if (state.size() + static_cast<std::size_t>(got) > kMaxDeviceStateBytes) {
      qmp(driver, name, operation, {{"execute", "migrate_cancel"}});
      fail(name, operation,
           "more than " + std::to_string(kMaxDeviceStateBytes) +
               " bytes: is the guest RAM shared (x-ignore-shared leaves out only shared RAM)?");
    }
    state.insert(state.end(), buffer, buffer + got);
  }
  await_completed(driver, name, operation, give_up);
  return state;
}

void load_device_state(LibvirtDriver& driver, const std::string& name,
                       std::span<const std::uint8_t> state, std::chrono::milliseconds timeout) {
  const std::string operation = "load device state";
  const Clock::time_point give_up = Clock::now() + timeout;
  if (state.empty()) fail(name, operation, "no device state to load");
  Channel channel = make_channel(name, operation);
  prepare(driver, name, operation, channel.qemus.get());
  channel.qemus.reset();
  qmp(driver, name, operation,
      {{"execute", "migrate-incoming"}, {"arguments", {{"uri", std::string("fd:") + kFdName}}}});
  std::size_t written = 0;
  while (written < state.size()) {
    pollfd writable{channel.ours.get(), POLLOUT, 0};
    const int ready = ::poll(&writable, 1, remaining_ms(give_up));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) fail(name, operation, "QEMU did not take the stream in time");
    const ssize_t put =
        ::send(channel.ours.get(), state.data() + written, state.size() - written, MSG_NOSIGNAL);
    if (put < 0 && errno == EINTR) continue;
    if (put < 0) fail(name, operation, std::string("send: ") + std::strerror(errno));
    written += static_cast<std::size_t>(put);
  }
  channel.ours.reset();  // the end of the stream
  await_completed(driver, name, operation, give_up);
}

}  // namespace mycelium::real
