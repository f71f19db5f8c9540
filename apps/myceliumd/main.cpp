// myceliumd: the Mycelium agent, one per host (docs/myceliumd.md).
//
//   myceliumd --config /etc/mycelium/agent.yaml [--hostname NAME] [--log-level info]
//
// Runs this host's Service Spore member over real sockets and answers the admin API. Exit codes:
// 0 after a clean shutdown (SIGTERM or SIGINT: it leaves the network first), 2 when the config
// is wrong or its addresses cannot be bound (nothing started), 1 on an internal error.

#include <array>
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <apps/mycelium/file_io.hpp>
#include <core/manifest/envelope.hpp>
#include <real/agent/agent.hpp>
#include <real/agent/agent_config.hpp>

namespace {

// Time the leave gets to reach a few peers before the process exits.
constexpr auto kLeaveGrace = std::chrono::milliseconds(500);

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"myceliumd: the Mycelium agent (Service Spores and replication on this host)"};
  std::string config_path;
  std::string log_level = "info";
  std::string hostname;
  app.add_option("-c,--config", config_path, "the agent's config file (kind AgentConfig)")
      ->required();
  app.add_option("--hostname", hostname,
                 "this host's name, for spec.identity: hostname and {hostname} (default: the "
                 "system's host name)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.footer(
      "Exit codes: 0 clean shutdown, 1 internal error, 2 bad config or address.\n"
      "Documentation: docs/myceliumd.md");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : 2;
  }
  // Structured lines on stderr: time, level, message (journald and kubectl logs keep them).
  auto logger = spdlog::stderr_logger_st("myceliumd");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  logger->set_level(spdlog::level::from_str(log_level));

  std::string text;
  try {
    text = mycelium::cli::read_text_file(config_path, mycelium::manifest::kMaxEnvelopeFileBytes);
  } catch (const mycelium::cli::UserError& error) {
    std::cerr << "myceliumd: " << error.what() << "\n";
    return 2;
  }
  if (hostname.empty()) {
    std::array<char, 256> name{};
    if (gethostname(name.data(), name.size() - 1) == 0) hostname = name.data();
  }
  mycelium::real::AgentConfigLoad load =
      mycelium::real::parse_agent_config(text, config_path, hostname);
  if (!load.config) {
    std::cerr << load.diagnostics.format();
    std::cerr << "myceliumd: " << config_path << ": not started (fix the errors above)\n";
    return 2;
  }
  if (const std::string problem = mycelium::real::load_network_key(*load.config);
      !problem.empty()) {
    std::cerr << "myceliumd: " << config_path << ": " << problem << "\n";
    return 2;
  }
  try {
    boost::asio::io_context io;
    std::unique_ptr<mycelium::real::Agent> agent;
    try {
      agent = std::make_unique<mycelium::real::Agent>(
          io, *load.config, [&logger](std::string line) { logger->info(line); });
    } catch (const boost::system::system_error& error) {
      std::cerr << "myceliumd: " << config_path << ": cannot bind: " << error.what() << "\n";
      return 2;
    } catch (const std::runtime_error& error) {
      // The replication role's memory file is missing, the wrong size or cannot be mapped
      // (std::system_error names the file), or the role's configuration cannot run.
      std::cerr << "myceliumd: " << config_path << ": cannot start: " << error.what() << "\n";
      return 2;
    }
    boost::asio::signal_set signals(io, SIGTERM, SIGINT);
    boost::asio::steady_timer grace(io);
    signals.async_wait([&](const boost::system::error_code& error, int signal) {
      if (error) return;
      logger->info("signal " + std::to_string(signal) + ": shutting down");
      agent->leave();
      grace.expires_after(kLeaveGrace);
      grace.async_wait([&io](const boost::system::error_code&) { io.stop(); });
    });
    io.run();
    agent.reset();
    logger->info("stopped");
    return 0;
  } catch (const std::exception& error) {
    logger->error(std::string("internal error: ") + error.what());
    return 1;
  }
}
