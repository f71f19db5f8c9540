#pragma once
// The Environment on Boost.Asio: the same contract as the simulator's (core/env/environment.hpp),
// kept on a real clock and real sockets, so the core runs unchanged in production.
//
//   boost::asio::io_context io;
//   AsioEnvironment env(io, {NodeId{1}, endpoint(127.0.0.1:7201), peers, seed});
//   spore::SporeNode node(env, config, seeds);
//   io.run();  // every callback of the node runs on this thread, one at a time
//
// Time: now() is steady_clock time since the environment started; it is read when a callback
// starts and does not move while it runs (a timer callback sees its deadline or slightly later).
// Timers: one queue ordered by (deadline, order scheduled), behind a single asio steady_timer
// armed to the earliest deadline: same-deadline timers fire in the order scheduled, and a timer
// cancelled by a callback due at the same instant never fires, as the contract requires.
// Periodic timers keep their grid (deadline + k * period); a late one skips the deadlines it
// missed instead of firing them in a burst.
// Messages: one UDP socket per node; a Message is one datagram holding one frame
// (core/wire/message_frame.hpp) sent to the peer's endpoint from the directory. A message that
// names a lane (> 0) or carries bulk bytes goes instead on the TCP connection for (peer, lane)
// (tcp_lanes.hpp), at the same address and port: the bulk (guest pages) comes from the port's
// BulkSource at the sender and goes to the port's BulkSink at the receiver, just before the
// port's handler sees the message. Delivery is a later event even to self (it crosses a socket).
// Health checks: HTTP/1.0 GET http://127.0.0.1:<port><endpoint>; a 2xx status line within the
// timeout is healthy.
// The environment owns no thread. Destroying it cancels its timers and socket; handlers still
// queued in the io_context find it gone and do nothing (a crash, as far as peers can tell).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <core/env/environment.hpp>
#include <real/env/agent_metrics.hpp>
#include <real/env/tcp_lanes.hpp>

namespace mycelium::real {

// Where every node of the network listens for datagrams.
using PeerDirectory = std::map<NodeId, boost::asio::ip::udp::endpoint>;

// A WAN laid over real sockets, for tests and experiments on one machine or a LAN (this kernel
// has no netem qdisc): every message this node sends waits `one_way_delay` before it leaves, and
// each datagram is lost with probability `loss` (drawn from the node's own "emulation" stream).
// Lane messages are delayed, never lost: they ride TCP, which would deliver them anyway. Equal
// delays keep the send order. Zero (the default): messages leave at once, as without it.
struct LinkEmulation {
  Duration one_way_delay{};
  double loss = 0.0;  // in [0, 1)

  bool active() const { return one_way_delay > Duration::zero() || loss > 0.0; }
};

struct AsioEnvironmentConfig {
  NodeId self;
  boost::asio::ip::udp::endpoint listen;  // port 0: the system picks one (see local_endpoint())
  PeerDirectory peers;                    // may include self; more can be added later
  std::uint64_t seed = 0;                 // random() is RandomStream::derive(seed, self, "node")
  VmActuator* vm = nullptr;               // the guest this node protects, if any (not owned)
  LinkEmulation emulation = {};           // none by default
};

// Where a sender's bulk comes from: sets `bulk` to message.bulk_bytes bytes (the pages a
// replication chunk names); false when it cannot (the message is dropped and counted).
using BulkSource = std::function<bool(const Message& message, Bulk& bulk)>;
// Where a receiver's bulk goes, just before the port's handler sees the message. False: it could
// not take it, and the message is dropped (counted) as if lost, so the handler never sees a
// message whose bulk went nowhere.
using BulkSink = std::function<bool(const Message& message, std::span<const std::uint8_t> bulk)>;
// Where a receiver wants a message's bulk read to, before it arrives: exactly bulk_bytes bytes,
// valid until the sink has seen them; an empty span leaves it to the lane's own buffer.
using BulkDestination = TcpLanes::Destination;

class AsioEnvironment final : public Environment {
 public:
  // Binds the socket at once: throws boost::system::system_error when the endpoint is taken.
  AsioEnvironment(boost::asio::io_context& io, AsioEnvironmentConfig config);
  ~AsioEnvironment() override;
  AsioEnvironment(const AsioEnvironment&) = delete;
  AsioEnvironment& operator=(const AsioEnvironment&) = delete;

  NodeId self() const override { return config_.self; }
  TimePoint now() const override;
  TimerId schedule_once(Duration delay, TimerCallback callback) override;
  TimerId schedule_periodic(Duration period, TimerCallback callback) override;
  bool cancel_timer(TimerId timer) override;
  void bind(Port port, MessageHandler handler) override;
  void unbind(Port port) override;
  void send(Message message) override;
  RandomStream& random() override { return random_; }
  MetricsSink& metrics() override { return metrics_; }
  VmActuator* vm() override { return config_.vm; }
  void check_health(HealthCheck check, HealthCallback done) override;

  boost::asio::ip::udp::endpoint local_endpoint() const;
  void add_peer(NodeId node, boost::asio::ip::udp::endpoint endpoint);
  // The guest this node protects, when it is attached after the environment exists (an agent's
  // replication role); nullptr detaches it.
  void set_vm(VmActuator* vm) { config_.vm = vm; }
  void set_bulk_source(Port port, BulkSource source);
  void set_bulk_sink(Port port, BulkSink sink);
  // Optional: where a port's incoming bulk is read to (then handed to its sink from there);
  // without it, lanes read bulk into a buffer of their own. Null removes it.
  void set_bulk_destination(Port port, BulkDestination destination);
  const TcpLanes& lanes() const { return *lanes_; }
  const AgentMetrics& agent_metrics() const { return metrics_; }

 private:
  struct Timer {
    TimerId id;
    Duration period{};  // zero: one-shot
    TimerCallback callback;
  };
  using TimerKey = std::pair<TimePoint, std::uint64_t>;  // deadline, order scheduled

  TimePoint clock_now() const;
  TimerId add_timer(TimePoint deadline, Duration period, TimerCallback callback);
  // What send() does once the message may leave (after LinkEmulation's delay, if any).
  void transmit_on_lane(const Message& message, Bulk bulk,
                        const boost::asio::ip::udp::endpoint& to);
  void transmit_datagram(const Message& message, const boost::asio::ip::udp::endpoint& to);
  void arm();
  void on_wakeup();
  void receive();
  void on_datagram(std::size_t bytes);
  // A complete message from either socket: the sink takes its bulk, then the handler runs.
  void deliver(const Message& message, std::span<const std::uint8_t> bulk);
  // Runs `body` as a callback of this node: now() frozen at `at` for its duration.
  template <typename Body>
  void run_callback(TimePoint at, Body&& body);

  boost::asio::io_context& io_;
  AsioEnvironmentConfig config_;
  std::chrono::steady_clock::time_point started_;
  boost::asio::ip::udp::socket socket_;
  boost::asio::steady_timer wakeup_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // handlers check it first
  RandomStream random_;
  RandomStream emulation_random_;  // LinkEmulation's losses, apart from random()
  AgentMetrics metrics_;

  std::map<TimerKey, Timer> timers_;
  std::unordered_map<std::uint64_t, TimerKey> timer_keys_;  // by TimerId value
  std::uint64_t next_timer_id_ = 1;
  std::uint64_t next_order_ = 0;
  std::optional<TimePoint> armed_for_;

  std::unordered_map<std::uint16_t, MessageHandler> handlers_;            // by port
  std::unordered_map<std::uint16_t, BulkSource> bulk_sources_;            // by port
  std::unordered_map<std::uint16_t, BulkSink> bulk_sinks_;                // by port
  std::unordered_map<std::uint16_t, BulkDestination> bulk_destinations_;  // by port
  std::unique_ptr<TcpLanes> lanes_;
  std::shared_ptr<std::vector<std::uint8_t>> receive_buffer_;
  boost::asio::ip::udp::endpoint receive_from_;

  bool in_callback_ = false;
  mutable TimePoint last_now_{};  // now() never decreases
};

}  // namespace mycelium::real
