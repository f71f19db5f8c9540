#include <algorithm>
#include <array>
#include <fstream>
#include <optional>
#include <utility>

#include <boost/asio/write.hpp>

#include <core/assert.hpp>
#include <core/wire/message_frame.hpp>
#include <real/env/tcp_lanes.hpp>

namespace mycelium::real {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// A read whose message is not known yet: enough for any frame and the start of its bulk, small
// enough that the part of a bulk that lands here (and is then copied to its destination) is too.
constexpr std::size_t kReadChunkBytes = 16U << 10;

// After a bulk read straight to its destination, the same read goes on into the connection's
// buffer for at most this much: enough for the next frame (so the next message costs no read of
// its own), little enough that the start of the next bulk copied from there stays cheap.
// Measured at 64 KiB messages: 16 KiB here copied a quarter of every bulk twice (3 % of the
// profile in memmove), 1 KiB lifts lanes from 0.70 to 0.74 of plain TCP.
constexpr std::size_t kReadPastBulkBytes = 1U << 10;

// Writes are slices of kMaxBytesPerWrite (tcp_lanes.hpp). Cutting them at message ends instead
// cost a short send for each write's tail (4 messages of 64 KiB plus their frames went out as 5
// sends, and came in as 5 receives). A write also takes at most this many buffers (two per
// message), far below the kernel's IOV_MAX.
constexpr std::size_t kMaxBuffersPerWrite = 64;

// The receive buffer of every lane, fixed rather than autotuned by the kernel. Autotuned, a
// loopback lane carrying 64 KiB messages grew its buffer and ran at 3 to 4 GiB/s in most runs,
// 7 in others, with far more time in softirq; fixed at 1 or 4 MiB, at 8.2 to 8.5 every run.
// 4 MiB still fills a 100 ms WAN path at 40 MB/s per lane. Only where the system allows that
// much (net.core.rmem_max): the kernel would clamp a smaller limit silently, and a fixed buffer
// of 208 KiB (Debian's default limit) would cap a WAN lane far below what autotuning reaches.
constexpr int kReceiveBufferBytes = 4 << 20;

bool receive_buffer_allowed() {
  std::ifstream limit("/proc/sys/net/core/rmem_max");
  long long bytes = 0;
  return static_cast<bool>(limit >> bytes) && bytes >= kReceiveBufferBytes;
}

}  // namespace

struct TcpLanes::Outgoing {
  Outgoing(asio::io_context& io, LaneKey lane_key) : key(lane_key), socket(io) {}
  LaneKey key;
  tcp::socket socket;
  bool connected = false;
  bool writing = false;
  struct Queued {
    std::vector<std::uint8_t> frame;
    Bulk bulk;  // written right after its frame from where it lies: no copy to join them
  };
  std::deque<Queued> queue;
  std::size_t queued_bytes = 0;
  // Bytes of the front message (frame, then bulk) that earlier writes already sent.
  std::size_t front_written_bytes = 0;
  // The write in progress: views of the queue from the front message's first unsent byte.
  std::vector<asio::const_buffer> writing_buffers;
};

struct TcpLanes::Incoming {
  explicit Incoming(tcp::socket connected) : socket(std::move(connected)) {}
  tcp::socket socket;
  std::vector<std::uint8_t> buffer;  // received, not yet delivered
  std::size_t filled = 0;
  // Bytes of the message at the buffer's start, frame and bulk, once its frame is in (else 0):
  // reads stop there, so no bytes of the next message land behind it and need moving.
  std::size_t message_bytes = 0;
  // A message whose bulk is read straight into the receiver's destination (Destination).
  std::optional<Message> direct;
  std::span<std::uint8_t> direct_to;
  std::size_t direct_filled = 0;
};

TcpLanes::TcpLanes(asio::io_context& io, NodeId self, tcp::endpoint listen, MetricsSink& metrics,
                   Deliver deliver, Destination destination, std::size_t max_incoming)
    : io_(io),
      self_(self),
      metrics_(metrics),
      deliver_(std::move(deliver)),
      destination_(std::move(destination)),
      max_incoming_(max_incoming),
      acceptor_(io) {
  acceptor_.open(listen.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  // Set before listening, so accepted connections inherit it and their window scale fits it.
  static const bool fixed_receive_buffer = receive_buffer_allowed();
  if (fixed_receive_buffer)
    acceptor_.set_option(asio::socket_base::receive_buffer_size(kReceiveBufferBytes));
  acceptor_.bind(listen);
  acceptor_.listen();
  accept();
}

TcpLanes::~TcpLanes() {
  *alive_ = false;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (auto& [key, lane] : outgoing_)
    lane->socket.close(ignored);
  for (const auto& weak : incoming_) {
    if (const auto connection = weak.lock()) connection->socket.close(ignored);
  }
}

// --- sending ----------------------------------------------------------------------------------

void TcpLanes::send(const Message& message, Bulk bulk, const tcp::endpoint& endpoint) {
  MYCELIUM_ASSERT(bulk.bytes.size() == message.bulk_bytes);
  const LaneKey key{message.to, message.lane};
  auto& lane = outgoing_[key];
  if (!lane) {
    lane = std::make_shared<Outgoing>(io_, key);
    metrics_.add_counter("lane_connections_opened_total", 1);
    lane->socket.async_connect(
        endpoint, [this, alive = alive_, lane](const boost::system::error_code& error) {
          if (!*alive) return;
          if (error) {
            metrics_.add_counter("lane_connect_failed_total", 1);
            drop(lane);
            return;
          }
          boost::system::error_code ignored;
          lane->socket.set_option(tcp::no_delay(true), ignored);
          lane->connected = true;
          start_writing(lane);
        });
  }
  std::vector<std::uint8_t> frame = wire::encode_frame(message);
  const std::size_t total = frame.size() + bulk.bytes.size();
  if (lane->queued_bytes + total > kMaxQueuedBytesPerLane) {
    metrics_.add_counter("messages_dropped_lane_full_total", 1);
    return;
  }
  lane->queued_bytes += total;
  lane->queue.push_back(Outgoing::Queued{std::move(frame), std::move(bulk)});
  metrics_.add_counter("lane_bytes_queued_total", static_cast<std::int64_t>(total));
  start_writing(lane);
}

void TcpLanes::start_writing(const std::shared_ptr<Outgoing>& lane) {
  if (!lane->connected || lane->writing || lane->queue.empty()) return;
  lane->writing = true;
  lane->writing_buffers.clear();
  std::size_t skip = lane->front_written_bytes;
  std::size_t room = kMaxBytesPerWrite;
  const auto add = [&](const std::uint8_t* data, std::size_t size) {
    const std::size_t skipped = std::min(skip, size);
    skip -= skipped;
    const std::size_t taken = std::min(size - skipped, room);
    if (taken == 0) return;
    lane->writing_buffers.push_back(asio::buffer(data + skipped, taken));
    room -= taken;
  };
  for (std::size_t i = 0; i < lane->queue.size() && room > 0 &&
                          lane->writing_buffers.size() + 2 <= kMaxBuffersPerWrite;
       ++i) {
    const Outgoing::Queued& next = lane->queue[i];
    add(next.frame.data(), next.frame.size());
    add(next.bulk.bytes.data(), next.bulk.bytes.size());
  }
  MYCELIUM_ASSERT(!lane->writing_buffers.empty());
  // The queue's elements stay put (a deque only grows at its ends) until the write completes.
  asio::async_write(
      lane->socket, lane->writing_buffers,
      [this, alive = alive_, lane](const boost::system::error_code& error, std::size_t written) {
        if (!*alive) return;
        lane->writing = false;
        if (error) {
          drop(lane);
          return;
        }
        lane->writing_buffers.clear();
        lane->queued_bytes -= written;
        metrics_.add_counter("lane_bytes_sent_total", static_cast<std::int64_t>(written));
        // Forget the messages this write finished; remember how far into the next it got.
        std::size_t done = lane->front_written_bytes + written;
        while (!lane->queue.empty()) {
          const Outgoing::Queued& front = lane->queue.front();
          const std::size_t size = front.frame.size() + front.bulk.bytes.size();
          if (done < size) break;
          done -= size;
          lane->queue.pop_front();
        }
        lane->front_written_bytes = done;
        start_writing(lane);
      });
}

void TcpLanes::drop(const std::shared_ptr<Outgoing>& lane) {
  metrics_.add_counter("lane_connections_dropped_total", 1);
  metrics_.add_counter("messages_lost_on_dropped_lane_total",
                       static_cast<std::int64_t>(lane->queue.size()));
  boost::system::error_code ignored;
  lane->socket.close(ignored);
  lane->queue.clear();
  lane->queued_bytes = 0;
  lane->front_written_bytes = 0;
  const auto it = outgoing_.find(lane->key);
  if (it != outgoing_.end() && it->second == lane) outgoing_.erase(it);
}

// --- receiving --------------------------------------------------------------------------------

void TcpLanes::accept() {
  acceptor_.async_accept(
      [this, alive = alive_](const boost::system::error_code& error, tcp::socket socket) {
        if (!*alive || error == asio::error::operation_aborted) return;
        if (!error) {
          std::erase_if(incoming_, [](const auto& weak) { return weak.expired(); });
          if (incoming_.size() >= max_incoming_) {
            // Each open connection may hold a bulk buffer: their number is bounded too.
            metrics_.add_counter("lane_connections_refused_total", 1);
            boost::system::error_code ignored;
            socket.close(ignored);
            accept();
            return;
          }
          auto connection = std::make_shared<Incoming>(std::move(socket));
          incoming_.push_back(connection);
          metrics_.add_counter("lane_connections_accepted_total", 1);
          read(connection);
        }
        accept();
      });
}

void TcpLanes::read_direct(const std::shared_ptr<Incoming>& connection) {
  MYCELIUM_ASSERT(connection->filled == 0);  // going direct consumed the buffer
  const std::span<std::uint8_t> rest = connection->direct_to.subspan(connection->direct_filled);
  // One read fills the rest of the bulk and goes on into the connection's buffer with whatever
  // follows (the next frame and the start of its bulk), so the next message costs no read of
  // its own.
  if (connection->buffer.size() < kReadPastBulkBytes) connection->buffer.resize(kReadPastBulkBytes);
  const std::array<asio::mutable_buffer, 2> buffers{
      asio::buffer(rest.data(), rest.size()),
      asio::buffer(connection->buffer.data(), kReadPastBulkBytes)};
  connection->socket.async_read_some(
      buffers, [this, alive = alive_, connection](const boost::system::error_code& error,
                                                  std::size_t bytes) {
        if (!*alive || error) return;  // as in read(): the sender sends it again
        const std::size_t wanted = connection->direct_to.size() - connection->direct_filled;
        connection->direct_filled += std::min(bytes, wanted);
        if (connection->direct_filled < connection->direct_to.size()) {
          read_direct(connection);
          return;
        }
        connection->filled = bytes - wanted;  // what came after the bulk
        const Message message = std::move(*connection->direct);
        connection->direct.reset();
        metrics_.add_counter("lane_messages_received_total", 1);
        const std::shared_ptr<bool> still = alive_;
        deliver_(message, connection->direct_to);
        if (!*still) return;  // the handler may have destroyed this node
        if (!deliver_buffered(*connection)) {
          boost::system::error_code ignored;
          connection->socket.close(ignored);
          return;
        }
        if (*still) read(connection);
      });
}

void TcpLanes::read(const std::shared_ptr<Incoming>& connection) {
  if (connection->direct) {
    read_direct(connection);
    return;
  }
  // The rest of a message whose size is known, in one read if the socket has it; else a chunk.
  const std::size_t want = connection->message_bytes > connection->filled
                               ? connection->message_bytes - connection->filled
                               : kReadChunkBytes;
  if (connection->buffer.size() < connection->filled + want)
    connection->buffer.resize(connection->filled + want);
  connection->socket.async_read_some(
      asio::buffer(connection->buffer.data() + connection->filled, want),
      [this, alive = alive_, connection](const boost::system::error_code& error,
                                         std::size_t bytes) {
        if (!*alive) return;
        if (error) return;  // closed or broken: the sender reconnects; partial data is lost
        connection->filled += bytes;
        if (!deliver_buffered(*connection)) {
          boost::system::error_code ignored;
          connection->socket.close(ignored);
          return;
        }
        if (*alive) read(connection);
      });
}

bool TcpLanes::deliver_buffered(Incoming& connection) {
  std::size_t consumed = 0;
  bool keep = true;
  connection.message_bytes = 0;
  while (keep) {
    const std::span<const std::uint8_t> pending(connection.buffer.data() + consumed,
                                                connection.filled - consumed);
    const wire::FrameDecode decoded = wire::decode_frame(pending);
    if (decoded.incomplete) break;
    if (!decoded.message) {
      metrics_.add_counter("messages_dropped_malformed_total", 1);
      return false;  // a stream out of step cannot be resynchronised: cut it off
    }
    const Message& message = *decoded.message;
    if (message.bulk_bytes > kMaxReceivedBulkBytes) {
      metrics_.add_counter("messages_dropped_oversized_total", 1);
      return false;
    }
    if (pending.size() < decoded.frame_bytes + message.bulk_bytes) {  // bulk still coming
      const std::span<std::uint8_t> to =
          destination_ && message.to == self_ ? destination_(message) : std::span<std::uint8_t>{};
      if (to.size() == message.bulk_bytes && !to.empty()) {
        // The rest goes straight there: what arrived of it already is copied over once.
        const std::span<const std::uint8_t> arrived = pending.subspan(decoded.frame_bytes);
        std::copy(arrived.begin(), arrived.end(), to.begin());
        connection.direct = message;
        connection.direct_to = to;
        connection.direct_filled = arrived.size();
        metrics_.add_counter("lane_bulk_read_to_destination_total", 1);
        consumed = connection.filled;
        break;
      }
      connection.message_bytes = decoded.frame_bytes + message.bulk_bytes;
      break;
    }
    consumed += decoded.frame_bytes + message.bulk_bytes;
    if (message.to != self_) {
      metrics_.add_counter("messages_dropped_misdirected_total", 1);
      continue;
    }
    metrics_.add_counter("lane_messages_received_total", 1);
    const std::shared_ptr<bool> alive = alive_;
    deliver_(message, pending.subspan(decoded.frame_bytes, message.bulk_bytes));
    keep = *alive;  // the handler may have destroyed this node
  }
  if (!keep) return true;
  std::copy(connection.buffer.begin() + static_cast<std::ptrdiff_t>(consumed),
            connection.buffer.begin() + static_cast<std::ptrdiff_t>(connection.filled),
            connection.buffer.begin());
  connection.filled -= consumed;
  return true;
}

}  // namespace mycelium::real
