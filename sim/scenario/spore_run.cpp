#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <functional>
#include <memory>
#include <sstream>

#include <core/spore/spore_node.hpp>
#include <sim/env/simulation.hpp>
#include <sim/scenario/spore_observer.hpp>
#include <sim/scenario/spore_run.hpp>
#include <sim/scenario/units.hpp>

namespace mycelium::sim {

namespace {

constexpr std::string_view kService = "spore-scale";
constexpr std::string_view kInstance = "instance-1";
constexpr NodeId kRegistrant{1};
constexpr double kNicBytesPerS = 1.25e9;  // 10 Gbit/s

// The fractions the summary reports, and their names' suffixes.
constexpr std::pair<double, std::string_view> kFractions[] = {
    {0.5, "p50"}, {0.99, "p99"}, {0.9999, "p9999"}};

// One event whose spread the run follows: the fraction of the members live at the event, and
// still live, that know it, sample by sample (NaN before it happens). Members that join later
// count only for news a newcomer needs (a registration it must discover), not for a death (it
// has nothing to learn of a member it never heard of). Knowing
// is sticky: a member counts from the first sample that finds it knowing (a member may later
// forget a death it relayed, after the retention), so each sample only looks at the members
// still waiting, and a million-member run stays cheap.
struct Spread {
  enum class Member : std::uint8_t { kOutside, kWaiting, kLearned };

  std::string_view name;
  Duration at{};
  bool joiners_count = false;
  bool started = false;
  std::vector<Member> members;         // per platform node
  std::vector<std::uint32_t> waiting;  // may hold members since gone (kOutside): skipped
  std::size_t population_live = 0;     // members live at the event, and still
  std::size_t learned_live = 0;        // of them, those that learned
  std::vector<double> known_ratio;
  std::vector<std::size_t> known, live;  // counts behind each ratio

  Spread(std::string_view spread_name, Duration event_at, std::uint32_t nodes, bool joiners)
      : name(spread_name), at(event_at), joiners_count(joiners), members(nodes, Member::kOutside) {}

  // The event happens: `live(i)` members make up the population.
  template <typename Live>
  void start(Live is_live) {
    started = true;
    for (std::uint32_t i = 0; i < members.size(); ++i) {
      if (is_live(i)) enter(i);
    }
  }
  void member_joined(std::uint32_t member) {
    if (started && joiners_count) enter(member);
  }
  void enter(std::uint32_t member) {
    MYCELIUM_ASSERT(members[member] == Member::kOutside);
    members[member] = Member::kWaiting;
    waiting.push_back(member);
    ++population_live;
  }

  // The waiting members that `knows(i)` count from now on: `learned[k]` says whether waiting[k]
  // knows (found out beforehand, side by side, by the members' partitions). Members no longer
  // waiting leave the list.
  void update(const std::vector<std::uint8_t>& learned) {
    MYCELIUM_ASSERT(learned.size() == waiting.size());
    for (std::size_t k = 0; k < waiting.size(); ++k) {
      const std::uint32_t member = waiting[k];
      if (learned[k] != 0 && members[member] == Member::kWaiting) {
        members[member] = Member::kLearned;
        ++learned_live;
      }
    }
    std::erase_if(waiting,
                  [this](std::uint32_t member) { return members[member] != Member::kWaiting; });
  }
  bool is_waiting(std::uint32_t member) const { return members[member] == Member::kWaiting; }
  // A member of the population is no longer live (crashed, left): it stops counting.
  void member_gone(std::uint32_t member) {
    if (members[member] == Member::kOutside) return;
    if (members[member] == Member::kLearned) --learned_live;
    --population_live;
    members[member] = Member::kOutside;
  }

  // Seconds after the event until `fraction` of the live members knew it; NaN if never.
  double time_to(double fraction, const std::vector<double>& time_s) const {
    for (std::size_t i = 0; i < time_s.size(); ++i) {
      if (std::isnan(known_ratio[i]) || live[i] == 0) continue;
      const auto needed = static_cast<std::size_t>(std::ceil(fraction * live[i] - 1e-9));
      if (known[i] >= needed) return time_s[i] - to_seconds(at);
    }
    return kNotApplicable;
  }
};

// Whether `node` has heard that `member` is gone (dead or left), in its table or as a rumor it
// relayed (partial views). A member that never heard of it does not count: with partial views
// that is most members, and the question is whether the news reached them.
bool heard_gone(const spore::SporeNode& node, NodeId member) {
  const auto news = node.membership().news(member);
  return news &&
         (news->state == spore::MemberState::kDead || news->state == spore::MemberState::kLeft);
}

// When churn's joiners join: a Poisson process over the churn window, drawn up front because
// every joiner is a node of the platform from the start (idle until it joins).
std::vector<Duration> draw_join_times(const SporeScenario& scenario, std::uint64_t seed) {
  std::vector<Duration> times;
  if (!scenario.churn || scenario.churn->joins_per_second <= 0.0) return times;
  const SporeChurn& churn = *scenario.churn;
  RandomStream random = RandomStream::derive(seed, NodeId{0}, "scenario.churn.joins");
  const Duration until = churn.until.value_or(scenario.duration);
  constexpr std::size_t kMaxJoiners = 200'000;  // twice the loader's bound on the mean
  for (Duration next = churn.from; times.size() < kMaxJoiners;) {
    next += from_seconds(random.exponential(1.0 / churn.joins_per_second));
    if (next >= until) break;
    times.push_back(next);
  }
  return times;
}

// The partitions a run of `members` is cut into: the scenario's threads, at most one per zone.
std::uint32_t partitions(const SporeScenario& scenario, std::uint32_t members,
                         std::uint32_t per_zone) {
  return std::max<std::uint32_t>(1, std::min(scenario.threads, members / per_zone));
}

// uniform_platform for the members, then the joiners, dealt to the zones in turn.
PlatformSpec spore_platform(std::uint32_t members, std::uint32_t per_zone, std::size_t joiners) {
  const std::size_t zones = members / per_zone;
  PlatformSpec spec = uniform_platform(zones, per_zone, kNicBytesPerS);
  for (std::size_t j = 0; j < joiners; ++j) {
    NodeSpec joiner = spec.nodes[(j % zones) * per_zone];
    joiner.name = "node-" + std::to_string(members + j);
    spec.nodes.push_back(std::move(joiner));
  }
  return spec;
}

class SporeRun {
  enum class State : std::uint8_t { kNotJoined, kLive, kLeft, kCrashed };

 public:
  SporeRun(const SporeScenario& scenario, const SporeRunSpec& run)
      : scenario_(scenario),
        run_(run),
        per_zone_(std::min(run.members, scenario.members_per_zone)),
        join_times_(draw_join_times(scenario, run.seed)),
        node_count_(run.members + static_cast<std::uint32_t>(join_times_.size())),
        simulation_(spore_platform(run.members, per_zone_, join_times_.size()), run.seed,
                    scenario.network_model, partitions(scenario, run.members, per_zone_)),
        leaver_(NodeId{run.members - 1}),
        crashed_(NodeId{run.members - 2}),
        churn_random_(RandomStream::derive(run.seed, NodeId{0}, "scenario.churn")),
        leave_random_(RandomStream::derive(run.seed, NodeId{0}, "scenario.churn.leaves")),
        slowness_(RandomStream::derive(run.seed, NodeId{0}, "scenario.slow")) {
    truth_.crash_target = crashed_;
    truth_.tallies.resize(simulation_.partition_count());
    state_.resize(node_count_, State::kNotJoined);
    nodes_.resize(node_count_);
  }

  analysis::RunResult execute(const RunProgress& progress) {
    simulation_.set_message_loss(run_.packet_loss);
    start_members();
    schedule_events();
    const auto samples = static_cast<std::size_t>(scenario_.duration / scenario_.sample_interval);
    for (std::size_t k = 1; k <= samples; ++k) {
      simulation_.run_until(TimePoint(scenario_.sample_interval * static_cast<std::int64_t>(k)));
      sample();
      if (progress) progress(static_cast<double>(k) / static_cast<double>(samples));
    }
    if (simulation_.now() < TimePoint(scenario_.duration)) {
      simulation_.run_until(TimePoint(scenario_.duration));
    }
    return summarize();
  }

 private:
  spore::SporeNodeConfig node_config() const {
    spore::SporeNodeConfig config;
    config.membership = scenario_.profile == SporeProfile::kLan ? spore::MembershipConfig::lan()
                                                                : spore::MembershipConfig::wan();
    config.network_name = scenario_.name;
    config.network_key = spore_scenario_key(scenario_);
    // One keyed context for every member: they share the key (and the process).
    config.shared_authenticator = authenticator_;
    if (scenario_.view_members > 0) {
      config.membership.view_members = scenario_.view_members;
      config.membership.scoped_suspicions = scenario_.scoped_suspicions;
      config.membership.witness_after_fraction = scenario_.suspicion_witness_after;
      config.membership.expected_members = std::max(run_.members, scenario_.view_members);
      // A member hears from about its view, the members whose views hold it, and the helpers of
      // indirect probes: a few views' worth of senders.
      config.max_tracked_senders = 4 * std::size_t{scenario_.view_members};
    } else {
      // Every member may hear from every other: keep a replay window for each.
      config.max_tracked_senders = std::max<std::size_t>(config.max_tracked_senders, run_.members);
    }
    return config;
  }

  // Everybody at t = 0: joining through the seed members, or, settled, already knowing a view.
  // The draws (views, slowness) and the observers in member order; the members themselves
  // (their memory, their first timers and sends) built side by side, each on its partition's
  // thread: at a million members that is most of the set-up.
  void start_members() {
    RandomStream views = RandomStream::derive(run_.seed, NodeId{0}, "scenario.views");
    std::vector<std::vector<NodeId>> known(run_.members);
    for (std::uint32_t i = 0; i < run_.members; ++i) {
      if (scenario_.settled_start) known[i] = starting_view(NodeId{i}, views);
      prepare_member(NodeId{i});
    }
    simulation_.run_in_partitions([this, &known](std::uint32_t partition) {
      for (std::uint32_t i = 0; i < run_.members; ++i) {
        if (simulation_.partition_of(NodeId{i}) == partition)
          build_member(NodeId{i}, std::move(known[i]));
      }
    });
  }

  // Starts `member` (the next node without an observer): knowing `known`, or, when that is
  // empty, joining through the seed members.
  void start_member(NodeId member, std::vector<NodeId> known) {
    prepare_member(member);
    build_member(member, std::move(known));
  }

  // Its observer (the next), and whether it is slow.
  void prepare_member(NodeId member) {
    MYCELIUM_ASSERT(member.value == observed_.size());
    observed_.emplace_back(simulation_.node(member), truth_,
                           truth_.tallies[simulation_.partition_of(member)]);
    if (is_slow(member)) {
      observed_.back().set_processing_delay(scenario_.slow_members->delay);
      ++slow_count_;
    }
  }

  // The member itself (touches only its own node, its observer and its partition's tally).
  void build_member(NodeId member, std::vector<NodeId> known) {
    std::vector<NodeId> join_through;
    if (known.empty()) {
      for (std::uint32_t s = 0; s < std::min(scenario_.seed_members, run_.members); ++s) {
        if (s != member.value) join_through.push_back(NodeId{s});
      }
    }
    ObservedEnvironment& observed = observed_[member.value];
    nodes_[member.value] =
        std::make_unique<spore::SporeNode>(observed, config_, join_through, std::move(known));
    observed.observe(nodes_[member.value].get());
    state_[member.value] = State::kLive;
  }

  // Each member is slow with probability slowMembers.fraction (one draw per member, in the order
  // they start), except those the events use: their measurements stay about the protocol, not
  // the slowness.
  bool is_slow(NodeId member) {
    if (!scenario_.slow_members) return false;
    const bool drawn = slowness_.uniform_real() < scenario_.slow_members->fraction;
    return drawn && member != kRegistrant && member != leaver_ && member != crashed_;
  }

  bool live(std::uint32_t member) const { return state_[member] == State::kLive; }

  // A settled member's view: view_members distinct random others (all others with full views,
  // or when there are fewer).
  std::vector<NodeId> starting_view(NodeId self, RandomStream& random) const {
    const std::uint32_t others = run_.members - 1;
    std::vector<NodeId> view;
    if (scenario_.view_members == 0 || scenario_.view_members >= others) {
      for (std::uint32_t j = 0; j < run_.members; ++j) {
        if (j != self.value) view.push_back(NodeId{j});
      }
      return view;
    }
    // view_members <= 1024 is far below N here: rejection sampling ends after a few extra draws.
    while (view.size() < scenario_.view_members) {
      const NodeId pick{static_cast<std::uint32_t>(random.uniform_int(0, run_.members - 1))};
      if (pick != self && std::find(view.begin(), view.end(), pick) == view.end())
        view.push_back(pick);
    }
    return view;
  }

  void event(std::string_view kind) {
    events_.emplace_back(std::string(kind), to_seconds(simulation_.now()));
  }

  void crash(NodeId member) {
    observed_[member.value].observe(nullptr);
    simulation_.crash_node(member);
    nodes_[member.value].reset();
    gone(member, State::kCrashed);
  }

  // A graceful leave: the member keeps answering pings, as a leaving member does.
  void depart(NodeId member) {
    nodes_[member.value]->leave();
    gone(member, State::kLeft);
  }

  void gone(NodeId member, State state) {
    MYCELIUM_ASSERT(live(member.value));
    state_[member.value] = state;
    truth_.gone.push_back(member);
    for (Spread* spread : {&registration_, &leave_, &crash_})
      spread->member_gone(member.value);
    --live_count_;
  }

  void schedule_events() {
    const auto is_live = [this](std::uint32_t i) { return live(i); };
    simulation_.schedule_fault(TimePoint(scenario_.register_at), [this, is_live] {
      nodes_[kRegistrant.value]->register_service_instance(spore::ServiceInstanceFields{
          std::string(kService), std::string(kInstance), {8080}, "", {}});
      event("registration");
      registration_.start(is_live);
    });
    simulation_.schedule_fault(TimePoint(scenario_.leave_at), [this, is_live] {
      if (live(leaver_.value)) depart(leaver_);
      event("leave");
      leave_.start(is_live);
    });
    simulation_.schedule_fault(TimePoint(scenario_.crash_at), [this, is_live] {
      if (live(crashed_.value)) crash(crashed_);
      event("crash");
      crash_.start(is_live);
      // Under loss a member may hold the crashed one as suspect already (a false suspicion not
      // yet refuted): then suspicion comes with the crash, and no new one would be counted.
      for (std::uint32_t i = 0; i < node_count_ && !truth_.crash_first_suspected(); ++i) {
        if (!live(i)) continue;
        const auto info = nodes_[i]->membership().member(crashed_);
        if (info && info->state == spore::MemberState::kSuspect)
          truth_.tallies[0].crash_first_suspected = simulation_.now();
      }
    });
    if (scenario_.partition) schedule_partition(*scenario_.partition);
    if (scenario_.churn) schedule_churn(*scenario_.churn);
  }

  // Every link between two zones down, then up again.
  void schedule_partition(const SporePartition& partition) {
    const auto set_links = [this](bool up) {
      const std::vector<std::string> zones = simulation_.spec().zones();
      for (std::size_t a = 0; a < zones.size(); ++a) {
        for (std::size_t b = a + 1; b < zones.size(); ++b)
          simulation_.set_zone_link_up(zones[a], zones[b], up);
      }
    };
    simulation_.schedule_fault(TimePoint(partition.at), [this, set_links] {
      set_links(false);
      event("partition_start");
    });
    const TimePoint end = TimePoint(partition.at + partition.down_for);
    if (end < TimePoint(scenario_.duration)) {
      simulation_.schedule_fault(end, [this, set_links] {
        set_links(true);
        event("partition_end");
      });
    }
  }

  // Churn's three processes. Joiners take the nodes after the members, in join order.
  void schedule_churn(const SporeChurn& churn) {
    for (std::size_t j = 0; j < join_times_.size(); ++j) {
      simulation_.schedule_fault(TimePoint(join_times_[j]), [this, j] {
        const NodeId joiner{run_.members + static_cast<std::uint32_t>(j)};
        start_member(joiner, {});
        for (Spread* spread : {&registration_, &leave_, &crash_})
          spread->member_joined(joiner.value);
        ++live_count_;
        ++churn_joins_;
        event("churn_join");
      });
    }
    if (churn.crashes_per_second > 0.0) {
      schedule_poisson(churn.from, churn.crashes_per_second, churn_random_, [this](NodeId member) {
        crash(member);
        ++churn_crashes_;
        event("churn_crash");
      });
    }
    if (churn.leaves_per_second > 0.0) {
      schedule_poisson(churn.from, churn.leaves_per_second, leave_random_, [this](NodeId member) {
        depart(member);
        ++churn_leaves_;
        event("churn_leave");
      });
    }
  }

  // A Poisson process of `rate_per_s` until the churn window ends: the next event an exponential
  // gap after `after`, on a member drawn uniformly among those churn may take (live, not a seed,
  // nor one of the members the events use); none when there is none.
  template <typename Act>
  void schedule_poisson(Duration after, double rate_per_s, RandomStream& random, Act act) {
    const Duration until = scenario_.churn->until.value_or(scenario_.duration);
    const Duration next = after + from_seconds(random.exponential(1.0 / rate_per_s));
    if (next >= until) return;
    simulation_.schedule_fault(TimePoint(next), [this, next, rate_per_s, &random, act] {
      std::vector<NodeId> eligible;
      for (std::uint32_t i = scenario_.seed_members; i < node_count_; ++i) {
        const NodeId member{i};
        if (member != kRegistrant && member != leaver_ && member != crashed_ && live(i))
          eligible.push_back(member);
      }
      if (!eligible.empty()) act(eligible[random.uniform_int(0, eligible.size() - 1)]);
      schedule_poisson(next, rate_per_s, random, act);
    });
  }

  // Which waiting members know each event, and the topology records of the live members: each
  // partition looks at its own members, side by side (a look at every member is a cache miss or
  // two each: at a million members, seconds of every run on one thread).
  struct Look {
    std::array<std::vector<std::uint8_t>, 3> learned;  // registration, leave, crash
    std::vector<std::uint64_t> records;                // per partition
  };
  Look look_at_members() {
    const std::array<Spread*, 3> spreads{&registration_, &leave_, &crash_};
    Look look;
    for (std::size_t s = 0; s < spreads.size(); ++s)
      look.learned[s].assign(spreads[s]->waiting.size(), 0);
    look.records.assign(simulation_.partition_count(), 0);
    simulation_.run_in_partitions([this, &spreads, &look](std::uint32_t partition) {
      const auto mine = [this, partition](std::uint32_t i) {
        return simulation_.partition_of(NodeId{i}) == partition;
      };
      const std::array<std::function<bool(std::uint32_t)>, 3> knows{
          [this](std::uint32_t i) { return !nodes_[i]->discover_peer_instances(kService).empty(); },
          [this](std::uint32_t i) { return heard_gone(*nodes_[i], leaver_); },
          [this](std::uint32_t i) { return heard_gone(*nodes_[i], crashed_); }};
      for (std::size_t s = 0; s < spreads.size(); ++s) {
        const std::vector<std::uint32_t>& waiting = spreads[s]->waiting;
        for (std::size_t k = 0; k < waiting.size(); ++k) {
          const std::uint32_t member = waiting[k];
          if (mine(member) && spreads[s]->is_waiting(member) && knows[s](member))
            look.learned[s][k] = 1;
        }
      }
      std::uint64_t records = 0;
      for (std::uint32_t i = 0; i < node_count_; ++i) {
        if (mine(i) && live(i)) records += nodes_[i]->topology().size();
      }
      look.records[partition] = records;
    });
    return look;
  }

  void sample() {
    const TimePoint now = simulation_.now();
    const double interval_s = to_seconds(scenario_.sample_interval);
    const Look look = look_at_members();
    registration_.update(look.learned[0]);
    leave_.update(look.learned[1]);
    crash_.update(look.learned[2]);
    std::uint64_t records = 0;
    for (const std::uint64_t partition_records : look.records)
      records += partition_records;
    const std::size_t live_members = live_count_;
    const auto messages = static_cast<double>(truth_.messages_sent());
    const auto bytes = static_cast<double>(truth_.bytes_sent());
    time_s_.push_back(to_seconds(now));
    for (Spread* spread : {&registration_, &leave_, &crash_})
      record(*spread, now);
    live_.push_back(static_cast<double>(live_members));
    const double member_s = static_cast<double>(live_members) * interval_s;
    messages_rate_.push_back(live_members == 0 ? 0.0 : (messages - messages_total_) / member_s);
    bytes_rate_.push_back(live_members == 0 ? 0.0 : (bytes - bytes_total_) / member_s);
    messages_total_ = messages;
    bytes_total_ = bytes;
    member_seconds_ += member_s;
    records_sum_ += static_cast<double>(records);
    member_samples_ += live_members;
  }

  static void record(Spread& spread, TimePoint now) {
    const bool happened = now >= TimePoint(spread.at);
    const std::size_t known = spread.learned_live;
    const std::size_t live = spread.population_live;
    spread.known.push_back(known);
    spread.live.push_back(live);
    spread.known_ratio.push_back(happened && live > 0 ? static_cast<double>(known) / live
                                                      : kNotApplicable);
  }

  analysis::RunResult summarize() {
    analysis::RunResult result;
    result.name = run_.name;
    result.seed = run_.seed;
    const std::string profile = scenario_.profile == SporeProfile::kLan ? "lan" : "wan";
    result.labels = {{"members", std::to_string(run_.members)},
                     {"loss", format_loss(run_.packet_loss)},
                     {"profile", profile},
                     {"seed", std::to_string(run_.seed)}};
    result.resolved_config_yaml = resolved_config(profile);
    result.time_s = time_s_;
    result.series = {{"registration_known", "ratio", registration_.known_ratio},
                     {"leave_known", "ratio", leave_.known_ratio},
                     {"crash_known", "ratio", crash_.known_ratio},
                     {"live_members", "members", live_},
                     {"messages_per_member", "messages/s", messages_rate_},
                     {"bytes_per_member", "bytes/s", bytes_rate_}};
    for (const Spread* spread : {&registration_, &leave_, &crash_}) {
      for (const auto& [fraction, suffix] : kFractions) {
        result.summary.emplace_back(std::string(spread->name) + "_" + std::string(suffix) + "_s",
                                    spread->time_to(fraction, time_s_));
      }
    }
    result.summary.emplace_back(
        "crash_detection_first_s",
        truth_.crash_first_suspected()
            ? to_seconds(*truth_.crash_first_suspected() - TimePoint(scenario_.crash_at))
            : kNotApplicable);
    result.summary.emplace_back("crash_detection_all_s", crash_.time_to(1.0, time_s_));
    const double member_hours = member_seconds_ / 3600.0;
    const auto per_member_hour = [member_hours](std::uint64_t count) {
      return member_hours > 0 ? static_cast<double>(count) / member_hours : kNotApplicable;
    };
    result.summary.emplace_back("false_suspicions_per_member_hour",
                                per_member_hour(truth_.false_suspicions()));
    result.summary.emplace_back("false_deaths_per_member_hour",
                                per_member_hour(truth_.false_deaths()));
    const auto per_member_s = [this](double total) {
      return member_seconds_ > 0 ? total / member_seconds_ : kNotApplicable;
    };
    result.summary.emplace_back("messages_per_member_per_s", per_member_s(messages_total_));
    result.summary.emplace_back("bytes_per_member_per_s", per_member_s(bytes_total_));
    result.summary.emplace_back(
        "topology_records_per_member",
        member_samples_ > 0 ? records_sum_ / static_cast<double>(member_samples_) : kNotApplicable);
    result.summary.emplace_back("churn_crashes", static_cast<double>(churn_crashes_));
    result.summary.emplace_back("churn_joins", static_cast<double>(churn_joins_));
    result.summary.emplace_back("churn_leaves", static_cast<double>(churn_leaves_));
    result.summary.emplace_back("slow_members", static_cast<double>(slow_count_));
    result.events = events_;  // recorded as the faults ran: in time order
    return result;
  }

  // Membership::retransmit_limit for this run's N (the analysis compares spread with it).
  std::uint32_t retransmit_limit(const spore::MembershipConfig& membership) const {
    const double n = static_cast<double>(std::max<std::size_t>(
        run_.members, membership.view_members > 0 ? membership.expected_members : 0));
    return membership.retransmit_multiplier *
           static_cast<std::uint32_t>(std::max(1.0, std::ceil(std::log10(n + 1.0))));
  }

  std::string resolved_config(const std::string& profile) const {
    const spore::MembershipConfig& membership = config_->membership;
    std::ostringstream yaml;
    yaml << "# scenario " << scenario_.name << ", run " << run_.name << "\n"
         << "members: " << run_.members << "\npacketLoss: " << format_loss(run_.packet_loss)
         << "\nprofile: " << profile << "\nzones: " << run_.members / per_zone_
         << "\nmembersPerZone: " << per_zone_ << "\nseedMembers: " << scenario_.seed_members
         << "\nsettledStart: " << (scenario_.settled_start ? "true" : "false")
         << "\nslowMembers: " << slow_count_ << "\nviewMembers: " << scenario_.view_members
         << "\nscopedSuspicions: "
         << (scenario_.view_members > 0 && membership.scoped_suspicions ? "true" : "false")
         << "\nsuspicionWitnessAfter: " << membership.witness_after_fraction << "\nnetworkModel: "
         << (scenario_.network_model == NetworkModel::kDatagram ? "datagram" : "flow")
         << "\npartitions: " << simulation_.partition_count()
         << "\nregistrant: " << kRegistrant.value << "\nleaver: " << leaver_.value
         << "\ncrashed: " << crashed_.value
         << "\nmembership:\n  probeIntervalMs: " << to_seconds(membership.probe_interval) * 1e3
         << "\n  probeTimeoutMs: " << to_seconds(membership.probe_timeout) * 1e3
         << "\n  suspicionMultiplier: " << membership.suspicion_multiplier
         << "\n  pushPullIntervalS: " << to_seconds(membership.push_pull_interval)
         << "\n  gossipIntervalMs: " << to_seconds(membership.gossip_interval) * 1e3
         << "\n  gossipFanout: " << membership.gossip_fanout
         << "\n  indirectChecks: " << membership.indirect_checks
         << "\n  retransmitMultiplier: " << membership.retransmit_multiplier
         << "\n  retransmitLimit: " << retransmit_limit(membership) << "\n";
    return yaml.str();
  }

  const SporeScenario& scenario_;
  const SporeRunSpec& run_;
  std::uint32_t per_zone_;
  std::vector<Duration> join_times_;  // churn's joins, in time order
  std::uint32_t node_count_;          // the members, then the joiners
  Simulation simulation_;
  NodeId leaver_;
  NodeId crashed_;
  RandomStream churn_random_;  // churn's crashes
  RandomStream leave_random_;  // churn's leaves
  RandomStream slowness_;      // who is slow, one draw per member as it starts
  SporeTruth truth_;
  std::shared_ptr<const spore::Authenticator> authenticator_ =
      std::make_shared<const spore::Authenticator>(spore_scenario_key(scenario_));
  // Declared after the simulation: destroyed first. A deque: observers never move.
  std::deque<ObservedEnvironment> observed_;
  // One configuration for every member: shared, not copied (450 bytes a member, and hot in cache).
  std::shared_ptr<const spore::SporeNodeConfig> config_ =
      std::make_shared<const spore::SporeNodeConfig>(node_config());
  std::vector<State> state_;                              // per node
  std::vector<std::unique_ptr<spore::SporeNode>> nodes_;  // null until joined, and once crashed
  Spread registration_{"registration", scenario_.register_at, node_count_, true};
  Spread leave_{"leave", scenario_.leave_at, node_count_, false};
  Spread crash_{"crash", scenario_.crash_at, node_count_, false};
  std::size_t live_count_ = run_.members;
  std::vector<double> time_s_, live_, messages_rate_, bytes_rate_;
  double messages_total_ = 0.0, bytes_total_ = 0.0, member_seconds_ = 0.0, records_sum_ = 0.0;
  std::size_t member_samples_ = 0;
  std::uint32_t churn_crashes_ = 0, churn_joins_ = 0, churn_leaves_ = 0;
  std::uint32_t slow_count_ = 0;
  std::vector<std::pair<std::string, double>> events_;
};

}  // namespace

std::vector<std::uint8_t> spore_scenario_key(const SporeScenario& scenario) {
  const std::string text = "mycelium-spore-scenario/" + scenario.name;
  return std::vector<std::uint8_t>(text.begin(), text.end());
}

analysis::RunResult run_spore(const SporeScenario& scenario, const SporeRunSpec& run,
                              const RunProgress& progress) {
  return SporeRun(scenario, run).execute(progress);
}

}  // namespace mycelium::sim
