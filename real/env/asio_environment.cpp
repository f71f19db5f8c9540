#include <algorithm>
#include <utility>

#include <core/assert.hpp>
#include <core/wire/message_frame.hpp>
#include <real/env/asio_environment.hpp>
#include <real/env/http_health_check.hpp>

namespace mycelium::real {

namespace asio = boost::asio;

namespace {

// Largest datagram a node accepts: UDP's own limit.
constexpr std::size_t kMaxDatagramBytes = 65507;

}  // namespace

AsioEnvironment::AsioEnvironment(asio::io_context& io, AsioEnvironmentConfig config)
    : io_(io),
      config_(std::move(config)),
      started_(std::chrono::steady_clock::now()),
      socket_(io, config_.listen.protocol()),
      wakeup_(io),
      random_(RandomStream::derive(config_.seed, config_.self, "node")),
      emulation_random_(RandomStream::derive(config_.seed, config_.self, "emulation")),
      receive_buffer_(std::make_shared<std::vector<std::uint8_t>>(kMaxDatagramBytes)) {
  MYCELIUM_ASSERT(config_.self.valid());
  // Lanes listen on TCP at the UDP socket's port. With port 0 the ephemeral port the kernel
  // gives the UDP socket may be taken for TCP (a listener, a connection in TIME_WAIT): pick
  // again, a bounded number of times.
  constexpr int kEphemeralPortAttempts = 64;
  for (int attempt = 1;; ++attempt) {
    socket_.bind(config_.listen);
    const asio::ip::udp::endpoint bound = socket_.local_endpoint();
    try {
      lanes_ = std::make_unique<TcpLanes>(
          io, config_.self, asio::ip::tcp::endpoint(bound.address(), bound.port()), metrics_,
          [this](const Message& message, std::span<const std::uint8_t> bulk) {
            deliver(message, bulk);
          },
          [this](const Message& message) {
            const auto destination = bulk_destinations_.find(message.port.value);
            return destination == bulk_destinations_.end() ? std::span<std::uint8_t>{}
                                                           : destination->second(message);
          });
      break;
    } catch (const boost::system::system_error& error) {
      if (config_.listen.port() != 0 || error.code() != asio::error::address_in_use ||
          attempt == kEphemeralPortAttempts)
        throw;
      socket_.close();
      socket_.open(config_.listen.protocol());
    }
  }
  config_.peers.insert_or_assign(config_.self, socket_.local_endpoint());
  receive();
}

AsioEnvironment::~AsioEnvironment() {
  *alive_ = false;
  boost::system::error_code ignored;
  wakeup_.cancel();
  socket_.close(ignored);
  lanes_.reset();
}

TimePoint AsioEnvironment::clock_now() const {
  const TimePoint at(
      std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - started_));
  last_now_ = std::max(last_now_, at);
  return last_now_;
}

TimePoint AsioEnvironment::now() const {
  return in_callback_ ? last_now_ : clock_now();
}

asio::ip::udp::endpoint AsioEnvironment::local_endpoint() const {
  return socket_.local_endpoint();
}

void AsioEnvironment::add_peer(NodeId node, asio::ip::udp::endpoint endpoint) {
  MYCELIUM_ASSERT(node.valid());
  config_.peers.insert_or_assign(node, endpoint);
}

template <typename Body>
void AsioEnvironment::run_callback(TimePoint at, Body&& body) {
  MYCELIUM_ASSERT(!in_callback_);  // one callback at a time, never nested
  const std::shared_ptr<bool> alive = alive_;
  last_now_ = std::max(last_now_, at);
  in_callback_ = true;
  body();
  if (*alive) in_callback_ = false;  // unless the callback destroyed this node
}

// --- timers -----------------------------------------------------------------------------------

TimerId AsioEnvironment::schedule_once(Duration delay, TimerCallback callback) {
  MYCELIUM_ASSERT(delay >= Duration::zero());
  return add_timer(now() + delay, Duration::zero(), std::move(callback));
}

TimerId AsioEnvironment::schedule_periodic(Duration period, TimerCallback callback) {
  MYCELIUM_ASSERT(period > Duration::zero());
  return add_timer(now() + period, period, std::move(callback));
}

TimerId AsioEnvironment::add_timer(TimePoint deadline, Duration period, TimerCallback callback) {
  MYCELIUM_ASSERT(callback != nullptr);
  const TimerId id{next_timer_id_++};
  const TimerKey key{deadline, next_order_++};
  timers_.emplace(key, Timer{id, period, std::move(callback)});
  timer_keys_.emplace(id.value, key);
  arm();
  return id;
}

bool AsioEnvironment::cancel_timer(TimerId timer) {
  const auto it = timer_keys_.find(timer.value);
  if (it == timer_keys_.end()) return false;
  timers_.erase(it->second);
  timer_keys_.erase(it);
  arm();
  return true;
}

void AsioEnvironment::arm() {
  if (timers_.empty()) {
    armed_for_.reset();
    wakeup_.cancel();
    return;
  }
  const TimePoint earliest = timers_.begin()->first.first;
  if (armed_for_ == earliest) return;
  armed_for_ = earliest;
  wakeup_.expires_at(started_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    earliest.time_since_epoch()));
  wakeup_.async_wait([this, alive = alive_](const boost::system::error_code& error) {
    if (!*alive || error == asio::error::operation_aborted) return;
    on_wakeup();
  });
}

void AsioEnvironment::on_wakeup() {
  const std::shared_ptr<bool> alive = alive_;
  armed_for_.reset();
  // Fires what is due now, one callback at a time, in (deadline, order) order. Bounded: timers
  // scheduled by these callbacks for this same instant run in a later wakeup, after the socket
  // had its turn.
  const TimePoint now_at_start = clock_now();
  const std::uint64_t scheduled_before = next_order_;  // later ones wait for the next wakeup
  while (!timers_.empty()) {
    auto first = timers_.begin();
    if (first->first.first > now_at_start || first->first.second >= scheduled_before) break;
    const TimePoint deadline = first->first.first;
    auto node = timers_.extract(first);
    Timer timer = std::move(node.mapped());
    timer_keys_.erase(timer.id.value);
    if (timer.period > Duration::zero()) {
      // Keep the grid; skip deadlines already missed rather than firing them in a burst.
      TimePoint next = deadline + timer.period;
      if (next <= now_at_start) next += timer.period * ((now_at_start - next) / timer.period + 1);
      const TimerKey key{next, next_order_++};
      timer_keys_.emplace(timer.id.value, key);
      timers_.emplace(key, Timer{timer.id, timer.period, timer.callback});
    }
    run_callback(std::max(deadline, now_at_start), [&timer] { timer.callback(); });
    if (!*alive) return;  // a callback destroyed this node
  }
  arm();
}

// --- messages ---------------------------------------------------------------------------------

void AsioEnvironment::bind(Port port, MessageHandler handler) {
  MYCELIUM_ASSERT(handler != nullptr);
  handlers_[port.value] = std::move(handler);
}

void AsioEnvironment::unbind(Port port) {
  handlers_.erase(port.value);
}

void AsioEnvironment::set_bulk_source(Port port, BulkSource source) {
  bulk_sources_[port.value] = std::move(source);
}

void AsioEnvironment::set_bulk_sink(Port port, BulkSink sink) {
  bulk_sinks_[port.value] = std::move(sink);
}

void AsioEnvironment::set_bulk_destination(Port port, BulkDestination destination) {
  if (destination) {
    bulk_destinations_[port.value] = std::move(destination);
  } else {
    bulk_destinations_.erase(port.value);
  }
}

void AsioEnvironment::send(Message message) {
  message.from = config_.self;
  const auto peer = config_.peers.find(message.to);
  if (peer == config_.peers.end()) {
    metrics_.add_counter("messages_dropped_unknown_peer_total", 1);
    return;
  }
  const asio::ip::udp::endpoint to = peer->second;  // its address as the message leaves
  const Duration delay = config_.emulation.one_way_delay;
  if (message.lane > 0 || message.bulk_bytes > 0) {
    Bulk bulk;  // taken now: a delayed message carries the bytes as they were at its send
    if (message.bulk_bytes > 0) {
      const auto source = bulk_sources_.find(message.port.value);
      if (message.bulk_bytes > TcpLanes::kMaxReceivedBulkBytes || source == bulk_sources_.end() ||
          !source->second(message, bulk) || bulk.bytes.size() != message.bulk_bytes) {
        metrics_.add_counter("messages_dropped_no_bulk_total", 1);
        return;
      }
    }
    if (delay == Duration::zero()) {
      transmit_on_lane(message, std::move(bulk), to);
    } else {
      schedule_once(delay, [this, message, bulk = std::move(bulk), to]() mutable {
        transmit_on_lane(message, std::move(bulk), to);
      });
    }
    return;
  }
  if (config_.emulation.loss > 0.0 && emulation_random_.bernoulli(config_.emulation.loss)) {
    metrics_.add_counter("messages_dropped_emulated_loss_total", 1);
    return;
  }
  if (delay == Duration::zero()) {
    transmit_datagram(message, to);
  } else {
    schedule_once(delay, [this, message, to] { transmit_datagram(message, to); });
  }
}

void AsioEnvironment::transmit_on_lane(const Message& message, Bulk bulk,
                                       const asio::ip::udp::endpoint& to) {
  metrics_.add_counter("messages_sent_total", 1);
  lanes_->send(message, std::move(bulk), asio::ip::tcp::endpoint(to.address(), to.port()));
}

void AsioEnvironment::transmit_datagram(const Message& message, const asio::ip::udp::endpoint& to) {
  if (message.payload.size() + wire::kFrameOverheadBytes > kMaxDatagramBytes) {
    metrics_.add_counter("messages_dropped_oversized_total", 1);
    return;
  }
  auto frame = std::make_shared<std::vector<std::uint8_t>>(wire::encode_frame(message));
  metrics_.add_counter("messages_sent_total", 1);
  metrics_.add_counter("bytes_sent_total", static_cast<std::int64_t>(frame->size()));
  socket_.async_send_to(
      asio::buffer(*frame), to,
      [this, frame, alive = alive_](const boost::system::error_code& error, std::size_t) {
        // Datagrams are best effort: a failed send is a lost message.
        if (*alive && error && error != asio::error::operation_aborted)
          metrics_.add_counter("messages_send_failed_total", 1);
      });
}

void AsioEnvironment::receive() {
  socket_.async_receive_from(asio::buffer(*receive_buffer_), receive_from_,
                             [this, alive = alive_, buffer = receive_buffer_](
                                 const boost::system::error_code& error, std::size_t bytes) {
                               if (!*alive || error == asio::error::operation_aborted) return;
                               if (!error) on_datagram(bytes);
                               if (*alive)
                                 receive();  // on_datagram's handler may have destroyed this node
                             });
}

void AsioEnvironment::on_datagram(std::size_t bytes) {
  metrics_.add_counter("messages_received_total", 1);
  const wire::FrameDecode decoded =
      wire::decode_frame(std::span<const std::uint8_t>(receive_buffer_->data(), bytes));
  if (!decoded.message || decoded.frame_bytes != bytes) {
    metrics_.add_counter("messages_dropped_malformed_total", 1);
    return;
  }
  const Message& message = *decoded.message;
  if (message.to != config_.self) {
    metrics_.add_counter("messages_dropped_misdirected_total", 1);
    return;
  }
  deliver(message, {});
}

void AsioEnvironment::deliver(const Message& message, std::span<const std::uint8_t> bulk) {
  const auto handler = handlers_.find(message.port.value);
  if (handler == handlers_.end()) {
    metrics_.add_counter("messages_dropped_unbound_total", 1);
    return;
  }
  // Copies: the handler may unbind its own port (which destroys the stored one), or destroy
  // this node.
  const MessageHandler handle = handler->second;
  const auto sink = bulk_sinks_.find(message.port.value);
  const BulkSink take_bulk =
      message.bulk_bytes > 0 && sink != bulk_sinks_.end() ? sink->second : BulkSink{};
  const std::shared_ptr<bool> alive = alive_;
  run_callback(clock_now(), [&] {
    if (take_bulk && !take_bulk(message, bulk)) {
      metrics_.add_counter("messages_dropped_bulk_refused_total", 1);
      return;
    }
    handle(message);
  });
  if (*alive) arm();
}

// --- health checks ----------------------------------------------------------------------------

void AsioEnvironment::check_health(HealthCheck check, HealthCallback done) {
  MYCELIUM_ASSERT(done != nullptr);
  start_http_health_check(io_, check, [this, alive = alive_, done = std::move(done)](bool healthy) {
    if (!*alive) return;  // the node is gone: no callback, as after a crash
    run_callback(clock_now(), [&done, healthy] { done(healthy); });
    if (*alive) arm();
  });
}

}  // namespace mycelium::real
