#include <catch2/catch.hpp>

#include <sim/env/platform_spec.hpp>

using mycelium::NodeId;
using namespace mycelium::sim;

TEST_CASE("PlatformSpec presets are the documented LAN and WAN", "[sim][platform]") {
  CHECK(kLanProfile.latency_s == 0.1e-3);
  CHECK(kLanProfile.bandwidth_bytes_per_s == 10e9 / 8);
  CHECK(kWanProfile.latency_s == 40e-3);
  CHECK(kWanProfile.bandwidth_bytes_per_s == 1e9 / 8);
}

TEST_CASE("PlatformSpec profile uses overrides for either order of a zone pair",
          "[sim][platform]") {
  PlatformSpec spec = uniform_platform(3, 2, 1e9);
  spec.overrides.push_back({"zone-2", "zone-0", {0.005, 5e8}});
  spec.overrides.push_back({"zone-1", "zone-1", {0.001, 2e9}});
  CHECK(spec.profile("zone-0", "zone-2").latency_s == 0.005);
  CHECK(spec.profile("zone-2", "zone-0").bandwidth_bytes_per_s == 5e8);
  CHECK(spec.profile("zone-1", "zone-1").latency_s == 0.001);
  CHECK(spec.profile("zone-0", "zone-0").latency_s == kLanProfile.latency_s);
  CHECK(spec.profile("zone-0", "zone-1").latency_s == kWanProfile.latency_s);
  CHECK(spec.zones() == std::vector<std::string>{"zone-0", "zone-1", "zone-2"});
  CHECK(spec.validate().empty());
}

TEST_CASE("PlatformSpec route latency and bandwidth follow the documented model",
          "[sim][platform]") {
  PlatformSpec spec = uniform_platform(2, 2, 1e9);  // nodes 0, 1 in zone-0; 2, 3 in zone-1
  spec.nodes[3].nic_bandwidth_bytes_per_s = 1e6;
  CHECK(route_latency_s(spec, NodeId{0}, NodeId{1}) == kLanProfile.latency_s);
  CHECK(route_latency_s(spec, NodeId{0}, NodeId{2}) ==
        kLanProfile.latency_s + kWanProfile.latency_s + kLanProfile.latency_s);
  CHECK(route_bandwidth_bytes_per_s(spec, NodeId{0}, NodeId{1}) == 1e9);
  CHECK(route_bandwidth_bytes_per_s(spec, NodeId{0}, NodeId{2}) ==
        kWanProfile.bandwidth_bytes_per_s);
  CHECK(route_bandwidth_bytes_per_s(spec, NodeId{0}, NodeId{3}) == 1e6);
}

TEST_CASE("PlatformSpec validate names what is wrong", "[sim][platform]") {
  CHECK_FALSE(PlatformSpec{}.validate().empty());
  PlatformSpec spec = uniform_platform(1, 2, 1e9);
  spec.nodes[1].name = spec.nodes[0].name;
  CHECK_THAT(spec.validate(), Catch::Contains("used twice"));
  spec = uniform_platform(1, 2, 1e9);
  spec.nodes[0].nic_bandwidth_bytes_per_s = 0;
  CHECK_THAT(spec.validate(), Catch::Contains("nic_bandwidth_bytes_per_s"));
  spec = uniform_platform(1, 2, 1e9);
  spec.overrides.push_back({"zone-0", "nowhere", kWanProfile});
  CHECK_THAT(spec.validate(), Catch::Contains("nowhere"));
  spec = uniform_platform(1, 2, 1e9);
  spec.inter_zone.latency_s = -1;
  CHECK_THAT(spec.validate(), Catch::Contains("latency_s"));
}
