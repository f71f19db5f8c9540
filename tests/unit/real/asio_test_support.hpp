#pragma once
// Helpers for tests of the real runtime on loopback sockets: run an io_context until a
// condition holds, with a bound on real time so a broken test fails instead of hanging.

#include <chrono>
#include <functional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

namespace mycelium::real::testing {

// Runs `io` until `condition()` holds (true) or `limit` of real time passed (false).
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& condition,
                      std::chrono::milliseconds limit) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= give_up) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(5));
  }
  return true;
}

inline void run_for(boost::asio::io_context& io, std::chrono::milliseconds duration) {
  io.restart();
  io.run_for(duration);
}

// 127.0.0.1 with a port the system picks.
inline boost::asio::ip::udp::endpoint any_loopback_port() {
  return {boost::asio::ip::address_v4::loopback(), 0};
}

}  // namespace mycelium::real::testing
