// The Environment contract (core/env/environment.hpp) on the Boost.Asio backend: real clock,
// real UDP sockets on loopback.

#include <algorithm>
#include <array>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include <core/wire/message_frame.hpp>
#include <real/env/asio_environment.hpp>
#include <tests/unit/real/asio_test_support.hpp>

using namespace mycelium;
using namespace mycelium::real;
using namespace mycelium::real::testing;
using namespace std::chrono_literals;

namespace {

AsioEnvironmentConfig node_config(std::uint32_t id) {
  return AsioEnvironmentConfig{NodeId{id}, any_loopback_port(), {}, 7};
}

Message message_to(NodeId to, Port port, std::string text) {
  Message message;
  message.to = to;
  message.port = port;
  message.payload.assign(text.begin(), text.end());
  return message;
}

}  // namespace

TEST_CASE("asio env: timers fire in deadline order, same deadlines in the order scheduled") {
  boost::asio::io_context io;
  AsioEnvironment env(io, node_config(1));
  std::vector<int> fired;
  std::vector<TimePoint> seen_at;
  env.schedule_once(30ms, [&] { fired.push_back(3); });
  env.schedule_once(10ms, [&] { fired.push_back(1); });
  const TimePoint scheduled_at = env.now();
  for (int i = 0; i < 3; ++i) {
    env.schedule_once(20ms, [&, i] {
      fired.push_back(20 + i);
      seen_at.push_back(env.now());
    });
  }
  REQUIRE(run_until(
      io, [&] { return fired.size() == 5; }, 2000ms));
  CHECK(fired == std::vector<int>{1, 20, 21, 22, 3});
  for (const TimePoint at : seen_at)
    CHECK(at >= scheduled_at + 20ms);  // the deadline or slightly later, never before
}

TEST_CASE("asio env: a timer cancelled by a callback due at the same instant never fires") {
  boost::asio::io_context io;
  AsioEnvironment env(io, node_config(1));
  bool second_fired = false;
  TimerId second;
  bool cancelled = false;
  env.schedule_once(10ms, [&] { cancelled = env.cancel_timer(second); });
  second = env.schedule_once(10ms, [&] { second_fired = true; });
  bool later_fired = false;
  env.schedule_once(40ms, [&] { later_fired = true; });
  REQUIRE(run_until(
      io, [&] { return later_fired; }, 2000ms));
  CHECK(cancelled);
  CHECK_FALSE(second_fired);
  CHECK_FALSE(env.cancel_timer(second));  // already cancelled
  CHECK_FALSE(env.cancel_timer(TimerId{}));
}

TEST_CASE("asio env: now() stands still inside a callback and never goes back") {
  boost::asio::io_context io;
  AsioEnvironment env(io, node_config(1));
  TimePoint inside_first{}, inside_second{};
  bool done = false;
  env.schedule_once(5ms, [&] {
    inside_first = env.now();
    const auto spin_until = std::chrono::steady_clock::now() + 20ms;
    while (std::chrono::steady_clock::now() < spin_until) {
    }
    inside_second = env.now();
    done = true;
  });
  REQUIRE(run_until(
      io, [&] { return done; }, 2000ms));
  CHECK(inside_first == inside_second);
  CHECK(env.now() >= inside_second + 20ms);  // outside a callback it reads the clock again
}

TEST_CASE("asio env: a periodic timer keeps its grid and stops when cancelled, even by itself") {
  boost::asio::io_context io;
  AsioEnvironment env(io, node_config(1));
  const TimePoint start = env.now();
  std::vector<TimePoint> ticks;
  TimerId periodic;
  periodic = env.schedule_periodic(20ms, [&] {
    ticks.push_back(env.now());
    if (ticks.size() == 5) env.cancel_timer(periodic);
  });
  REQUIRE(run_until(
      io, [&] { return ticks.size() == 5; }, 2000ms));
  run_for(io, 100ms);
  CHECK(ticks.size() == 5);
  for (std::size_t k = 0; k < ticks.size(); ++k) {
    // Tick k is due at start + (k + 1) * 20 ms; it runs then or a little later, never earlier.
    CHECK(ticks[k] >= start + 20ms * static_cast<int>(k + 1));
  }
  CHECK_FALSE(env.cancel_timer(periodic));
}

TEST_CASE("asio env: messages cross real UDP sockets, to others and to self, as later events") {
  boost::asio::io_context io;
  AsioEnvironment a(io, node_config(1));
  AsioEnvironment b(io, node_config(2));
  a.add_peer(NodeId{2}, b.local_endpoint());
  b.add_peer(NodeId{1}, a.local_endpoint());
  std::vector<std::string> at_b, at_a;
  b.bind(Port{9}, [&](const Message& message) {
    CHECK(message.from == NodeId{1});
    CHECK(message.to == NodeId{2});
    at_b.emplace_back(message.payload.begin(), message.payload.end());
  });
  a.bind(Port{9}, [&](const Message& message) {
    at_a.emplace_back(message.payload.begin(), message.payload.end());
  });
  a.send(message_to(NodeId{2}, Port{9}, "hello b"));
  a.send(message_to(NodeId{1}, Port{9}, "hello me"));
  CHECK(at_b.empty());  // never delivered inside send()
  CHECK(at_a.empty());
  REQUIRE(run_until(
      io, [&] { return at_b.size() == 1 && at_a.size() == 1; }, 2000ms));
  CHECK(at_b.front() == "hello b");
  CHECK(at_a.front() == "hello me");
  CHECK(a.agent_metrics().counter("messages_sent_total") == 2);
}

TEST_CASE("asio env: unbound ports, unknown peers, bulk without a source and garbage are dropped") {
  boost::asio::io_context io;
  AsioEnvironment a(io, node_config(1));
  AsioEnvironment b(io, node_config(2));
  a.add_peer(NodeId{2}, b.local_endpoint());
  a.send(message_to(NodeId{2}, Port{5}, "nobody listens"));
  a.send(message_to(NodeId{3}, Port{5}, "nobody is there"));
  Message bulk = message_to(NodeId{2}, Port{5}, "pages");
  bulk.bulk_bytes = 4096;
  a.send(bulk);
  // A datagram that is not a frame, and a frame addressed to another node.
  boost::asio::ip::udp::socket raw(io, any_loopback_port());
  const std::string garbage = "definitely not a frame";
  raw.send_to(boost::asio::buffer(garbage), b.local_endpoint());
  Message elsewhere = message_to(NodeId{7}, Port{5}, "for 7");
  elsewhere.from = NodeId{1};
  const std::vector<std::uint8_t> frame = wire::encode_frame(elsewhere);
  raw.send_to(boost::asio::buffer(frame), b.local_endpoint());
  const AgentMetrics& at_b = b.agent_metrics();
  REQUIRE(run_until(
      io, [&] { return at_b.counter("messages_received_total") == 3; }, 2000ms));
  CHECK(at_b.counter("messages_dropped_unbound_total") == 1);
  CHECK(at_b.counter("messages_dropped_malformed_total") == 1);
  CHECK(at_b.counter("messages_dropped_misdirected_total") == 1);
  CHECK(a.agent_metrics().counter("messages_dropped_unknown_peer_total") == 1);
  CHECK(a.agent_metrics().counter("messages_dropped_no_bulk_total") == 1);  // no bulk source
}

TEST_CASE("asio env: a handler may unbind its own port, and later arrivals are dropped") {
  boost::asio::io_context io;
  AsioEnvironment a(io, node_config(1));
  int handled = 0;
  a.bind(Port{4}, [&](const Message&) {
    ++handled;
    a.unbind(Port{4});
  });
  a.send(message_to(NodeId{1}, Port{4}, "one"));
  a.send(message_to(NodeId{1}, Port{4}, "two"));
  REQUIRE(run_until(
      io, [&] { return a.agent_metrics().counter("messages_received_total") == 2; }, 2000ms));
  CHECK(handled == 1);
  CHECK(a.agent_metrics().counter("messages_dropped_unbound_total") == 1);
}

TEST_CASE("asio env: the same seed gives the same random stream per node") {
  boost::asio::io_context io;
  AsioEnvironment first(io, node_config(1));
  AsioEnvironment again(io, node_config(1));
  AsioEnvironment other(io, node_config(2));
  const std::uint64_t draw = first.random().next_u64();
  CHECK(again.random().next_u64() == draw);
  CHECK(other.random().next_u64() != draw);
}

namespace {

// Bulk a test sender attaches: byte i of the bulk of a message whose payload starts with s is
// (s + i) mod 251, so the receiver can check every byte.
bool patterned_bulk(const Message& message, std::vector<std::uint8_t>& bulk) {
  bulk.resize(message.bulk_bytes);
  const std::uint8_t start = message.payload.empty() ? 0 : message.payload.front();
  for (std::size_t i = 0; i < bulk.size(); ++i)
    bulk[i] = static_cast<std::uint8_t>((start + i) % 251);
  return true;
}

bool bulk_is_patterned(const Message& message, std::span<const std::uint8_t> bulk) {
  std::vector<std::uint8_t> expected;
  patterned_bulk(message, expected);
  return std::equal(bulk.begin(), bulk.end(), expected.begin(), expected.end());
}

}  // namespace

TEST_CASE("asio env: lanes carry messages and their bulk on TCP, in order per lane") {
  boost::asio::io_context io;
  AsioEnvironment a(io, node_config(1));
  AsioEnvironment b(io, node_config(2));
  a.add_peer(NodeId{2}, b.local_endpoint());
  a.set_bulk_source(Port{7100}, [](const Message& message, Bulk& bulk) {
    std::vector<std::uint8_t> bytes;
    patterned_bulk(message, bytes);
    bulk = Bulk::owned(std::move(bytes));
    return true;
  });
  struct Received {
    std::uint16_t lane;
    std::uint8_t first;
    std::uint64_t bulk_bytes;
  };
  std::vector<Received> received;
  std::vector<std::uint64_t> sunk;
  b.set_bulk_sink(Port{7100}, [&](const Message& message, std::span<const std::uint8_t> bulk) {
    sunk.push_back(bulk.size());
    CHECK(bulk_is_patterned(message, bulk));
    return true;
  });
  b.bind(Port{7100}, [&](const Message& message) {
    CHECK(message.from == NodeId{1});
    received.push_back(Received{message.lane, message.payload.front(), message.bulk_bytes});
  });
  const std::uint64_t sizes[] = {0, 1024, 3 << 20, 7, 100000};
  for (std::uint8_t i = 0; i < 10; ++i) {
    Message message = message_to(NodeId{2}, Port{7100}, std::string(1, static_cast<char>(i)));
    message.lane = static_cast<std::uint16_t>(1 + i % 2);
    message.bulk_bytes = sizes[i % 5];
    if (message.bulk_bytes == 0) message.lane = 1;  // lane 1 without bulk still goes on TCP
    a.send(std::move(message));
  }
  REQUIRE(run_until(
      io, [&] { return received.size() == 10; }, 5000ms));
  // Per lane, in the order sent.
  for (const std::uint16_t lane : {1, 2}) {
    int previous = -1;
    for (const Received& r : received) {
      if (r.lane != lane) continue;
      CHECK(static_cast<int>(r.first) > previous);
      previous = r.first;
      CHECK(r.bulk_bytes == sizes[r.first % 5]);
    }
  }
  CHECK(sunk.size() == 8);  // the two messages without bulk had nothing to sink
  CHECK(a.lanes().open_outgoing() == 2);
  CHECK(b.agent_metrics().counter("lane_connections_accepted_total") == 2);
  CHECK(a.agent_metrics().counter("messages_dropped_no_bulk_total") == 0);
}

TEST_CASE("asio env: lane writes cut inside frames and bulks, yet every message arrives whole") {
  // A lane writes its queued stream in slices of kMaxBytesPerWrite wherever they end. These
  // sizes put the first cut 5 bytes into the second message's frame and the second inside the
  // third message's bulk; port 7101 reads its bulk straight to a destination, 7100 does not.
  boost::asio::io_context io;
  AsioEnvironment a(io, node_config(1));
  AsioEnvironment b(io, node_config(2));
  a.add_peer(NodeId{2}, b.local_endpoint());
  const auto source = [](const Message& message, Bulk& bulk) {
    std::vector<std::uint8_t> bytes;
    patterned_bulk(message, bytes);
    bulk = Bulk::owned(std::move(bytes));
    return true;
  };
  a.set_bulk_source(Port{7100}, source);
  a.set_bulk_source(Port{7101}, source);
  std::vector<std::vector<std::uint8_t>> destinations;
  b.set_bulk_destination(Port{7101}, [&](const Message& message) {
    destinations.emplace_back(message.bulk_bytes);
    return std::span<std::uint8_t>(destinations.back());
  });
  std::vector<int> order;
  int whole = 0;
  for (const Port port : {Port{7100}, Port{7101}}) {
    b.set_bulk_sink(port, [&](const Message& message, std::span<const std::uint8_t> bulk) {
      if (bulk.size() == message.bulk_bytes && bulk_is_patterned(message, bulk)) ++whole;
      return true;
    });
    b.bind(port, [&](const Message& message) { order.push_back(message.payload.front()); });
  }
  const auto message_number = [](std::uint8_t i, std::uint64_t bulk_bytes) {
    Message message = message_to(NodeId{2}, Port{static_cast<std::uint16_t>(7100 + i % 2)},
                                 std::string(1, static_cast<char>(i)));
    message.lane = 1;
    message.bulk_bytes = bulk_bytes;
    return message;
  };
  const std::size_t frame_bytes = wire::encode_frame(message_number(0, 0)).size();
  const std::size_t slice = TcpLanes::kMaxBytesPerWrite;
  const std::uint64_t sizes[] = {slice - 5 - frame_bytes, 1000, 600000, 0, 7, 65536, 3, 131072};
  for (std::uint8_t i = 0; i < 8; ++i)
    a.send(message_number(i, sizes[i]));  // all queued before the lane connects
  REQUIRE(run_until(
      io, [&] { return order.size() == 8; }, 5000ms));
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7});
  CHECK(whole == 7);  // every message with bulk, byte for byte
  CHECK(b.agent_metrics().counter("messages_dropped_malformed_total") == 0);
}

TEST_CASE("asio env: a lane to a node that is gone fails, is dropped, and reopens on next use") {
  boost::asio::io_context io;
  AsioEnvironment a(io, node_config(1));
  auto b = std::make_unique<AsioEnvironment>(io, node_config(2));
  a.add_peer(NodeId{2}, b->local_endpoint());
  int delivered = 0;
  b->bind(Port{7100}, [&](const Message&) { ++delivered; });
  Message first = message_to(NodeId{2}, Port{7100}, "a");
  first.lane = 1;
  a.send(first);
  REQUIRE(run_until(
      io, [&] { return delivered == 1; }, 2000ms));
  b.reset();  // its listener and connections close
  const AgentMetrics& metrics = a.agent_metrics();
  for (int attempt = 0; attempt < 20 && metrics.counter("lane_connections_dropped_total") == 0;
       ++attempt) {
    a.send(first);  // the first write after the close may still succeed locally
    run_for(io, 50ms);
  }
  CHECK(metrics.counter("lane_connections_dropped_total") >= 1);
  a.send(first);  // no listener any more: a fresh connection is tried, and refused
  REQUIRE(run_until(
      io, [&] { return metrics.counter("lane_connect_failed_total") >= 1; }, 2000ms));
  CHECK(metrics.counter("lane_connections_opened_total") >= 2);
  CHECK(a.lanes().open_outgoing() == 0);
}

TEST_CASE("asio env: a stream that is not frames is cut off, and counted") {
  boost::asio::io_context io;
  AsioEnvironment b(io, node_config(2));
  boost::asio::ip::tcp::socket raw(io);
  const auto udp = b.local_endpoint();
  raw.connect(boost::asio::ip::tcp::endpoint(udp.address(), udp.port()));
  const std::string garbage(64, 'x');
  boost::asio::write(raw, boost::asio::buffer(garbage));
  REQUIRE(run_until(
      io, [&] { return b.agent_metrics().counter("messages_dropped_malformed_total") == 1; },
      2000ms));
  // The receiver closed the connection: reading from it ends.
  boost::system::error_code error;
  std::array<char, 8> sink{};
  raw.read_some(boost::asio::buffer(sink), error);
  CHECK(error == boost::asio::error::eof);
}

TEST_CASE("asio env: link emulation delays every message and loses datagrams at its rate") {
  boost::asio::io_context io;
  AsioEnvironmentConfig config = node_config(1);
  config.emulation.one_way_delay = 40ms;
  config.emulation.loss = 0.25;
  AsioEnvironment a(io, config);
  AsioEnvironment b(io, node_config(2));
  a.add_peer(NodeId{2}, b.local_endpoint());
  std::vector<TimePoint> arrivals;
  std::vector<std::string> order;
  b.bind(Port{9}, [&](const Message& message) {
    arrivals.push_back(b.now());
    order.emplace_back(message.payload.begin(), message.payload.end());
  });
  std::size_t lane_messages = 0;
  b.bind(Port{10}, [&](const Message&) { ++lane_messages; });
  const auto sent_at = std::chrono::steady_clock::now();
  // 40 every 5 ms: bursts small enough for the receiver's socket buffer, so any loss is the
  // emulation's.
  int next = 0;
  const TimerId sending = a.schedule_periodic(5ms, [&] {
    for (int i = 0; i < 40 && next < 400; ++i)
      a.send(message_to(NodeId{2}, Port{9}, std::to_string(next++)));
  });
  for (int i = 0; i < 20; ++i) {
    Message message = message_to(NodeId{2}, Port{10}, "lane");
    message.lane = 1;  // TCP: delayed like the rest, never lost
    a.send(std::move(message));
  }
  run_for(io, 20ms);
  CHECK(arrivals.empty());  // still held back by the delay
  REQUIRE(run_until(
      io, [&] { return lane_messages == 20; }, 3000ms));
  run_for(io, 150ms);  // the last datagrams, sent 50 ms in, arrive 40 ms later
  a.cancel_timer(sending);
  REQUIRE(next == 400);
  CHECK(std::chrono::steady_clock::now() - sent_at >= 40ms);
  const auto lost = a.agent_metrics().counter("messages_dropped_emulated_loss_total");
  CHECK(arrivals.size() + static_cast<std::size_t>(lost) == 400);
  CHECK(lost > 70);  // 25 % of 400 is 100: a seeded stream, so the figure is fixed
  CHECK(lost < 130);
  // Equal delays keep the send order.
  CHECK(std::is_sorted(order.begin(), order.end(), [](const std::string& x, const std::string& y) {
    return std::stoi(x) < std::stoi(y);
  }));
}

TEST_CASE("asio env: incoming lane connections are bounded, the extra ones closed and counted") {
  boost::asio::io_context io;
  AgentMetrics metrics;
  TcpLanes lanes(
      io, NodeId{1}, boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0),
      metrics, [](const Message&, std::span<const std::uint8_t>) {}, {}, 2);
  std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<boost::asio::ip::tcp::socket>(io));
    clients.back()->connect(lanes.local_endpoint());
  }
  REQUIRE(run_until(
      io,
      [&] {
        return metrics.counter("lane_connections_accepted_total") == 2 &&
               metrics.counter("lane_connections_refused_total") == 1;
      },
      2000ms));
  // The refused one is closed: reading from it ends at once.
  std::array<std::uint8_t, 1> byte{};
  boost::system::error_code error;
  clients[2]->read_some(boost::asio::buffer(byte), error);
  CHECK(error == boost::asio::error::eof);
}
