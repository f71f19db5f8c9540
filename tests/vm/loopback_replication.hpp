#pragma once
// The replication the kvm tests run beside a real guest: the unchanged core's primary and one
// backup, each on its own AsioEnvironment, on loopback in one io_context; and the guest's
// throttle as libvirt's vCPU quota.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>

#include <boost/asio/io_context.hpp>

#include <core/ram/replication_backup.hpp>
#include <core/ram/replication_primary.hpp>
#include <real/env/asio_environment.hpp>
#include <real/replication/guest_pages.hpp>
#include <real/replication/memory_guest.hpp>
#include <real/vm/guest_control.hpp>
#include <real/vm/libvirt_driver.hpp>
#include <tests/unit/real/asio_test_support.hpp>

namespace mycelium::kvm_test {

// The primary (node 0) serves the pages of `guest`; the backup (node 1) stages and writes them
// with `writer`. Both outlive nothing they were given: keep guest and writer alive longer.
struct LoopbackReplication {
  LoopbackReplication(real::MemoryGuest& guest, real::ReplicaWriter& writer)
      : primary_env(io,
                    real::AsioEnvironmentConfig{
                        NodeId{0}, real::testing::any_loopback_port(), {}, 7, &guest}),
        backup_env(
            io, real::AsioEnvironmentConfig{NodeId{1}, real::testing::any_loopback_port(), {}, 7}),
        backup(backup_env, NodeId{0}, 1) {
    primary_env.set_bulk_source(ram::kReplicationPort, guest.source());
    backup_env.set_bulk_sink(ram::kReplicationPort, writer.sink());
    backup_env.set_bulk_destination(ram::kReplicationPort, writer.destination());
    backup_env.add_peer(NodeId{0}, primary_env.local_endpoint());
    primary_env.add_peer(NodeId{1}, backup_env.local_endpoint());
    backup.on_apply([&writer](const ram::EpochChunk& chunk) { writer.apply(chunk); });
  }

  // The primary's configuration: `interval` epochs to the one backup over 2 lanes.
  static ram::PrimaryConfig config(std::uint64_t buffer_bytes, Duration interval) {
    ram::PrimaryConfig config;
    config.ram.buffer_bytes = buffer_bytes;
    config.ram.replication_interval = interval;
    config.backups = {NodeId{1}};
    config.connections_per_backup = 2;
    config.initial_rate_bytes_per_s = 200e6;  // loopback
    return config;
  }

  boost::asio::io_context io;
  real::AsioEnvironment primary_env;
  real::AsioEnvironment backup_env;
  ram::ReplicationBackup backup;
};

using real::VcpuThrottle;  // the production one (real/vm/guest_control.hpp)

}  // namespace mycelium::kvm_test
