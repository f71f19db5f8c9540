#pragma once
// The TCP side of the real runtime: one connection per (peer, lane) for messages that carry
// bulk data (replication chunks and the guest pages behind them) or name a lane (the rhizomorph
// connections), so each lane is its own stream with its own congestion window.
//
// On a connection, messages follow each other as a frame (core/wire/message_frame.hpp) and
// then its bulk_bytes of data. Connections open on first use; a broken one is closed with what
// it still queued (lost, counted: the replication protocol retransmits) and reopened by the next
// message for it. Bounded: at most kMaxQueuedBytesPerLane waits per outgoing connection (more
// is dropped and counted), at most kMaxReceivedBulkBytes of bulk per message (a peer announcing
// more is cut off), at most kMaxIncomingConnections incoming connections open (more are closed
// at once, counted).
//
// Not an Environment: AsioEnvironment owns one and gets every complete message back through
// `deliver`, on the io_context's thread.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <core/env/message.hpp>
#include <core/env/metrics.hpp>

namespace mycelium::real {

// The bytes a lane message carries after its frame: a view, and whatever keeps it valid until
// the lane has written it. A source that has the bytes already (an epoch's page copies) lends a
// view of them, with a share of their owner: nothing is copied on the way to the socket.
struct Bulk {
  std::span<const std::uint8_t> bytes;
  std::shared_ptr<const void> owner;

  // Bytes made for this message only.
  static Bulk owned(std::vector<std::uint8_t> data) {
    auto held = std::make_shared<const std::vector<std::uint8_t>>(std::move(data));
    return Bulk{std::span<const std::uint8_t>(*held), held};
  }
};

class TcpLanes {
 public:
  static constexpr std::size_t kMaxQueuedBytesPerLane = 256U << 20;
  // One write takes at most this many bytes of a lane's queued stream, cut wherever they end:
  // inside a frame or a bulk as well as between messages, as a plain TCP sender cuts its stream.
  static constexpr std::size_t kMaxBytesPerWrite = 256U << 10;
  static constexpr std::uint64_t kMaxReceivedBulkBytes = 64U << 20;
  // Incoming connections open at once; more are closed as they arrive (counted). Peers open
  // one per lane they use: 64 peers with 16 lanes each fit.
  static constexpr std::size_t kMaxIncomingConnections = 1024;

  using Deliver = std::function<void(const Message& message, std::span<const std::uint8_t> bulk)>;
  // Where the bulk of a message whose frame has arrived should be read to: a buffer of exactly
  // message.bulk_bytes, or an empty span for the connection's own buffer. A receiver that keeps
  // the bulk anyway (a backup staging a chunk) gets it without a copy, and a large bulk no longer
  // passes through a buffer too big for the caches.
  using Destination = std::function<std::span<std::uint8_t>(const Message& message)>;

  // Listens on `listen` (TCP, same address and port as the node's datagrams).
  TcpLanes(boost::asio::io_context& io, NodeId self, boost::asio::ip::tcp::endpoint listen,
           MetricsSink& metrics, Deliver deliver, Destination destination = {},
           std::size_t max_incoming = kMaxIncomingConnections);
  ~TcpLanes();
  TcpLanes(const TcpLanes&) = delete;
  TcpLanes& operator=(const TcpLanes&) = delete;

  // Queues `message` (already addressed, `from` set) and its bulk (exactly bulk_bytes bytes) on
  // the connection to (`to`, message.lane) at `endpoint`.
  void send(const Message& message, Bulk bulk, const boost::asio::ip::tcp::endpoint& endpoint);

  boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  std::size_t open_outgoing() const { return outgoing_.size(); }

 private:
  struct Outgoing;
  struct Incoming;
  using LaneKey = std::pair<NodeId, std::uint16_t>;

  void accept();
  void start_writing(const std::shared_ptr<Outgoing>& lane);
  // Closes a broken outgoing connection and forgets it (what it queued is lost, counted).
  void drop(const std::shared_ptr<Outgoing>& lane);
  void read(const std::shared_ptr<Incoming>& connection);
  // Reads the rest of a bulk into its destination, then delivers it and reads on.
  void read_direct(const std::shared_ptr<Incoming>& connection);
  // Delivers every complete message in the connection's buffer; false when it must be cut off.
  bool deliver_buffered(Incoming& connection);

  boost::asio::io_context& io_;
  NodeId self_;
  MetricsSink& metrics_;
  Deliver deliver_;
  Destination destination_;
  std::size_t max_incoming_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::map<LaneKey, std::shared_ptr<Outgoing>> outgoing_;
  std::vector<std::weak_ptr<Incoming>> incoming_;  // closed on destruction
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mycelium::real
