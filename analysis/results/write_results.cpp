#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <set>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

#include <analysis/results/hdf5_support.hpp>
#include <analysis/results/results.hpp>
#include <analysis/results/schema.hpp>

namespace mycelium::analysis {

namespace {

using hdf5::Context;
using hdf5::Handle;
using schema::is_reserved_run_link;
using schema::kLabelPrefix;
using schema::run_group_name;

// Datasets of at least this many values are chunked, shuffled and deflated; smaller ones stay
// contiguous (compression would cost more metadata than it saves).
constexpr std::size_t kCompressFromValues = 1024;
constexpr hsize_t kChunkValues = 16384;  // 128 KiB of float64 per chunk
constexpr unsigned kDeflateLevel = 4;

std::string in_quotes(const std::string& text) {
  return "'" + text + "'";
}

// ---------------------------------------------------------------------------------------------
// Validation, before anything touches the disk.

void check_text(const Context& context, const std::string& what, const std::string& value) {
  // Variable-length HDF5 strings are C strings: a NUL would silently truncate the value.
  if (value.find('\0') != std::string::npos) context.fail(what + " contains a NUL character");
}

// A name that becomes an HDF5 link (dataset) name.
void check_link_name(const Context& context, const std::string& what, const std::string& name) {
  if (name.empty()) context.fail(what + " is empty");
  check_text(context, what + " " + in_quotes(name), name);
  if (name.find('/') != std::string::npos) {
    context.fail(what + " " + in_quotes(name) + " contains '/'");
  }
  if (name == "." || name == "..") context.fail(what + " " + in_quotes(name) + " is not allowed");
}

void validate_run(const Context& context, const RunResult& run, const std::string& where) {
  check_text(context, where + ": resolved configuration", run.resolved_config_yaml);
  for (const auto& [key, value] : run.labels) {
    check_link_name(context, where + ": label key", key);
    check_text(context, where + ": label " + in_quotes(key), value);
  }
  for (std::size_t i = 0; i < run.time_s.size(); ++i) {
    const double time = run.time_s[i];
    if (!std::isfinite(time)) {
      context.fail(where + ": time_s[" + std::to_string(i) + "] is not finite");
    }
    if (i > 0 && time < run.time_s[i - 1]) {
      context.fail(where + ": time_s decreases at index " + std::to_string(i));
    }
  }
  std::set<std::string> series_names;
  for (const TimeSeriesColumn& column : run.series) {
    check_link_name(context, where + ": series name", column.name);
    const std::string series = where + ": series " + in_quotes(column.name);
    if (is_reserved_run_link(column.name)) context.fail(series + " uses a reserved name");
    if (!series_names.insert(column.name).second) context.fail(series + " appears twice");
    check_text(context, series + ": unit", column.unit);
    if (column.values.size() != run.time_s.size()) {
      context.fail(series + " has " + std::to_string(column.values.size()) +
                   " values but time_s has " + std::to_string(run.time_s.size()));
    }
  }
  std::set<std::string> metric_names;
  for (const auto& [name, value] : run.summary) {
    check_link_name(context, where + ": summary metric", name);
    const std::string metric = where + ": summary metric " + in_quotes(name);
    if (name == schema::kRunNameColumn || name.starts_with(kLabelPrefix)) {
      context.fail(metric + " clashes with a /summary column name");
    }
    if (!metric_names.insert(name).second) context.fail(metric + " appears twice");
  }
  for (const auto& [kind, time] : run.events) {
    if (kind.empty()) context.fail(where + ": an event has an empty kind");
    check_text(context, where + ": event kind", kind);
    if (!std::isfinite(time)) {
      context.fail(where + ": event " + in_quotes(kind) + " has a time that is not finite");
    }
  }
}

void validate_shard(const Context& context, const ShardInfo& shard, std::size_t run_count) {
  const std::string where =
      "shard " + std::to_string(shard.index) + " of " + std::to_string(shard.count);
  if (shard.count == 0) context.fail("shard count is 0, expected at least 1");
  if (shard.index >= shard.count) context.fail(where + ": the index is not below the count");
  check_text(context, where + ": scenario digest", shard.scenario_digest);
  if (shard.scenario_digest.empty()) context.fail(where + ": the scenario digest is empty");
  if (shard.sweep_indices.size() != run_count) {
    context.fail(where + ": " + std::to_string(shard.sweep_indices.size()) + " sweep indices for " +
                 std::to_string(run_count) + " runs");
  }
  for (std::size_t i = 0; i < shard.sweep_indices.size(); ++i) {
    const std::uint64_t index = shard.sweep_indices[i];
    const std::string run =
        where + ": run " + std::to_string(i) + " has sweep index " + std::to_string(index);
    if (index >= shard.sweep_run_count) {
      context.fail(run + ", not below the sweep's " + std::to_string(shard.sweep_run_count) +
                   " runs");
    }
    // Runs are stored in sweep order: merge relies on it being a plain interleave.
    if (i > 0 && index <= shard.sweep_indices[i - 1]) {
      context.fail(run + ", not above the previous run's " +
                   std::to_string(shard.sweep_indices[i - 1]));
    }
  }
}

void validate(const Context& context, const ResultsFile& results) {
  check_text(context, "mycelium_version", results.mycelium_version);
  check_text(context, "scenario name", results.scenario_name);
  if (results.shard) validate_shard(context, *results.shard, results.runs.size());
  std::set<std::string> run_names;
  for (std::size_t index = 0; index < results.runs.size(); ++index) {
    const RunResult& run = results.runs[index];
    const std::string where = "run " + std::to_string(index);
    if (run.name.empty()) context.fail(where + " has an empty name");
    check_text(context, where + ": name", run.name);
    if (!run_names.insert(run.name).second) {
      context.fail("run name " + in_quotes(run.name) + " appears twice");
    }
    validate_run(context, run, "run " + in_quotes(run.name));
  }
}

// ---------------------------------------------------------------------------------------------
// Writing.

std::string child_path(const std::string& where, const std::string& name) {
  return where == "/" ? "/" + name : where + "/" + name;
}

class Writer {
 public:
  explicit Writer(const Context& context) : context_(context) {
    string_type_ = hdf5::utf8_string_type(context_);
    scalar_ = own(H5Screate(H5S_SCALAR), H5Sclose, "create a dataspace");
    // Determinism: no object carries access/modification/change/birth times.
    group_list_ = own(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, "create a property list");
    check(H5Pset_obj_track_times(group_list_.get(), false), "disable time tracking");
    // Series columns and summary metrics keep the order they were given in.
    check(H5Pset_link_creation_order(group_list_.get(),
                                     H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          "track link creation order");
    dataset_list_ = own(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "create a property list");
    check(H5Pset_obj_track_times(dataset_list_.get(), false), "disable time tracking");
    link_list_ = own(H5Pcreate(H5P_LINK_CREATE), H5Pclose, "create a property list");
    check(H5Pset_char_encoding(link_list_.get(), H5T_CSET_UTF8), "set UTF-8 link names");
    attribute_list_ = own(H5Pcreate(H5P_ATTRIBUTE_CREATE), H5Pclose, "create a property list");
    check(H5Pset_char_encoding(attribute_list_.get(), H5T_CSET_UTF8), "set UTF-8 attribute names");
  }

  void write(const std::string& file_name, const ResultsFile& results) {
    Handle file_creation = own(H5Pcreate(H5P_FILE_CREATE), H5Pclose, "create a property list");
    // The root group is created with the file: its time tracking is set here.
    check(H5Pset_obj_track_times(file_creation.get(), false), "disable time tracking");
    check(H5Pset_link_creation_order(file_creation.get(),
                                     H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          "track link creation order");
    Handle file_access = own(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "create a property list");
    // Fixed format versions: the bytes do not depend on the library's defaults, and any
    // HDF5 >= 1.8 (h5py included) reads the file.
    check(H5Pset_libver_bounds(file_access.get(), H5F_LIBVER_V18, H5F_LIBVER_V18),
          "set the file format version");
    // Closing the file closes every object still open in it, so a failure cannot leave it open.
    check(H5Pset_fclose_degree(file_access.get(), H5F_CLOSE_STRONG), "set the close degree");
    Handle file =
        own(H5Fcreate(file_name.c_str(), H5F_ACC_TRUNC, file_creation.get(), file_access.get()),
            H5Fclose, "create " + file_name);
    {
      Handle root = own(H5Gopen2(file.get(), "/", H5P_DEFAULT), H5Gclose, "open /");
      string_attribute(root.get(), "/", "schema", std::string(kResultsSchema));
      int64_attribute(root.get(), "/", "schema_version", kResultsSchemaVersion);
      string_attribute(root.get(), "/", "mycelium_version", results.mycelium_version);
      string_attribute(root.get(), "/", "scenario", results.scenario_name);
      // Only shard files carry these: an ordinary file's bytes stay what they always were.
      if (const auto& shard = results.shard) {
        uint64_attribute(root.get(), "/", std::string(schema::kShardIndexAttribute), shard->index);
        uint64_attribute(root.get(), "/", std::string(schema::kShardCountAttribute), shard->count);
        uint64_attribute(root.get(), "/", std::string(schema::kSweepRunCountAttribute),
                         shard->sweep_run_count);
        string_attribute(root.get(), "/", std::string(schema::kScenarioDigestAttribute),
                         shard->scenario_digest);
      }
      Handle runs = create_group(root.get(), "/", "runs");
      for (std::size_t index = 0; index < results.runs.size(); ++index) {
        const std::string group_name = run_group_name(index);
        Handle group = write_run(runs.get(), results.runs[index], group_name);
        if (results.shard) {
          uint64_attribute(group.get(), "/runs/" + group_name,
                           std::string(schema::kSweepIndexAttribute),
                           results.shard->sweep_indices[index]);
        }
      }
      write_summary_table(root.get(), results.runs);
    }
    check(H5Fflush(file.get(), H5F_SCOPE_LOCAL), "flush " + file_name);
    if (!file.close()) context_.fail_hdf5("close " + file_name);
  }

 private:
  Handle own(hid_t id, Handle::Closer closer, const std::string& operation) const {
    return context_.own(id, closer, operation);
  }
  void check(herr_t status, const std::string& operation) const {
    context_.check_status(status, operation);
  }

  Handle create_group(hid_t parent, const std::string& where, const std::string& name) {
    const std::string path = child_path(where, name);
    return own(H5Gcreate2(parent, name.c_str(), link_list_.get(), group_list_.get(), H5P_DEFAULT),
               H5Gclose, "create group " + path);
  }

  void string_attribute(hid_t object, const std::string& where, const std::string& name,
                        const std::string& value) {
    const std::string what = "attribute " + in_quotes(name) + " on " + where;
    Handle attribute = own(H5Acreate2(object, name.c_str(), string_type_.get(), scalar_.get(),
                                      attribute_list_.get(), H5P_DEFAULT),
                           H5Aclose, "create " + what);
    const char* text = value.c_str();
    check(H5Awrite(attribute.get(), string_type_.get(), &text), "write " + what);
  }

  void int64_attribute(hid_t object, const std::string& where, const std::string& name,
                       std::int64_t value) {
    const std::string what = "attribute " + in_quotes(name) + " on " + where;
    Handle attribute = own(H5Acreate2(object, name.c_str(), H5T_STD_I64LE, scalar_.get(),
                                      attribute_list_.get(), H5P_DEFAULT),
                           H5Aclose, "create " + what);
    check(H5Awrite(attribute.get(), H5T_NATIVE_INT64, &value), "write " + what);
  }

  void uint64_attribute(hid_t object, const std::string& where, const std::string& name,
                        std::uint64_t value) {
    const std::string what = "attribute " + in_quotes(name) + " on " + where;
    Handle attribute = own(H5Acreate2(object, name.c_str(), H5T_STD_U64LE, scalar_.get(),
                                      attribute_list_.get(), H5P_DEFAULT),
                           H5Aclose, "create " + what);
    check(H5Awrite(attribute.get(), H5T_NATIVE_UINT64, &value), "write " + what);
  }

  Handle dataspace(std::size_t count, const std::string& path) {
    const hsize_t dimension = count;
    return own(H5Screate_simple(1, &dimension, nullptr), H5Sclose,
               "create the dataspace of " + path);
  }

  // A 1-D float64 dataset, with a `unit` attribute when `unit` is given.
  void doubles(hid_t parent, const std::string& where, const std::string& name,
               const std::vector<double>& values, const std::string* unit) {
    const std::string path = child_path(where, name);
    Handle space = dataspace(values.size(), path);
    Handle creation = own(H5Pcopy(dataset_list_.get()), H5Pclose, "create a property list");
    if (values.size() >= kCompressFromValues) {
      const hsize_t chunk = std::min<hsize_t>(values.size(), kChunkValues);
      check(H5Pset_chunk(creation.get(), 1, &chunk), "set the chunks of " + path);
      check(H5Pset_shuffle(creation.get()), "set the shuffle filter of " + path);
      check(H5Pset_deflate(creation.get(), kDeflateLevel), "set the deflate filter of " + path);
    }
    Handle dataset = own(H5Dcreate2(parent, name.c_str(), H5T_IEEE_F64LE, space.get(),
                                    link_list_.get(), creation.get(), H5P_DEFAULT),
                         H5Dclose, "create dataset " + path);
    if (!values.empty()) {
      check(
          H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
          "write dataset " + path);
    }
    if (unit != nullptr) string_attribute(dataset.get(), path, "unit", *unit);
  }

  // A 1-D variable-length UTF-8 string dataset.
  void strings(hid_t parent, const std::string& where, const std::string& name,
               const std::vector<std::string>& values) {
    const std::string path = child_path(where, name);
    Handle space = dataspace(values.size(), path);
    Handle dataset = own(H5Dcreate2(parent, name.c_str(), string_type_.get(), space.get(),
                                    link_list_.get(), dataset_list_.get(), H5P_DEFAULT),
                         H5Dclose, "create dataset " + path);
    if (!values.empty()) {
      std::vector<const char*> pointers;
      pointers.reserve(values.size());
      for (const std::string& value : values)
        pointers.push_back(value.c_str());
      check(H5Dwrite(dataset.get(), string_type_.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                     pointers.data()),
            "write dataset " + path);
    }
  }

  // Returns the run's group, still open, for the caller's extra attributes.
  Handle write_run(hid_t runs, const RunResult& run, const std::string& group_name) {
    const std::string where = "/runs/" + group_name;
    Handle group = create_group(runs, "/runs", group_name);
    string_attribute(group.get(), where, "name", run.name);
    uint64_attribute(group.get(), where, "seed", run.seed);
    string_attribute(group.get(), where, "config", run.resolved_config_yaml);
    for (const auto& [key, value] : run.labels) {
      string_attribute(group.get(), where, std::string(kLabelPrefix) + key, value);
    }
    const std::string seconds = "s";
    doubles(group.get(), where, "time_s", run.time_s, &seconds);
    for (const TimeSeriesColumn& column : run.series) {
      doubles(group.get(), where, column.name, column.values, &column.unit);
    }

    Handle events = create_group(group.get(), where, "events");
    std::vector<std::string> kinds;
    std::vector<double> times;
    for (const auto& [kind, time] : run.events) {
      kinds.push_back(kind);
      times.push_back(time);
    }
    strings(events.get(), where + "/events", "kind", kinds);
    doubles(events.get(), where + "/events", "time_s", times, &seconds);

    Handle summary = create_group(group.get(), where, "summary");
    std::vector<std::string> names;
    std::vector<double> values;
    for (const auto& [name, value] : run.summary) {
      names.push_back(name);
      values.push_back(value);
    }
    strings(summary.get(), where + "/summary", "name", names);
    doubles(summary.get(), where + "/summary", "value", values, nullptr);
    return group;
  }

  // /summary: one row per run; columns run_name, label.<key> (union, by key), then the metrics
  // (union, in order of first appearance), NaN / "" where a run lacks them.
  void write_summary_table(hid_t root, const std::vector<RunResult>& runs) {
    std::vector<std::string> metrics;
    std::set<std::string> seen_metrics;
    std::set<std::string> label_keys;
    for (const RunResult& run : runs) {
      for (const auto& [name, value] : run.summary) {
        if (seen_metrics.insert(name).second) metrics.push_back(name);
      }
      for (const auto& [key, value] : run.labels)
        label_keys.insert(key);
    }
    Handle summary = create_group(root, "/", "summary");
    std::vector<std::string> run_names;
    for (const RunResult& run : runs)
      run_names.push_back(run.name);
    strings(summary.get(), "/summary", std::string(schema::kRunNameColumn), run_names);
    for (const std::string& key : label_keys) {
      std::vector<std::string> column;
      for (const RunResult& run : runs)
        column.push_back(run_label(run, key));
      strings(summary.get(), "/summary", std::string(kLabelPrefix) + key, column);
    }
    for (const std::string& metric : metrics) {
      std::vector<double> column;
      for (const RunResult& run : runs) {
        const auto found = std::find_if(run.summary.begin(), run.summary.end(),
                                        [&](const auto& entry) { return entry.first == metric; });
        column.push_back(found == run.summary.end() ? std::numeric_limits<double>::quiet_NaN()
                                                    : found->second);
      }
      doubles(summary.get(), "/summary", metric, column, nullptr);
    }
  }

  const Context& context_;
  Handle string_type_;
  Handle scalar_;
  Handle group_list_;
  Handle dataset_list_;
  Handle link_list_;
  Handle attribute_list_;
};

// Makes the written bytes durable before the rename publishes them.
void sync_file(const Context& context, const std::string& file_name) {
  const int descriptor = ::open(file_name.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) context.fail("open " + file_name + ": " + std::strerror(errno));
  const int status = ::fsync(descriptor);
  const int saved = errno;
  ::close(descriptor);
  if (status != 0) context.fail("sync " + file_name + ": " + std::strerror(saved));
}

}  // namespace

void write_results(const std::filesystem::path& path, const ResultsFile& results) {
  const Context context("cannot write results to " + path.string());
  if (!path.has_filename()) context.fail("not a file name");
  validate(context, results);
  const std::string temporary = path.string() + ".tmp-" + std::to_string(::getpid());
  const hdf5::QuietErrors quiet;
  try {
    Writer(context).write(temporary, results);
    sync_file(context, temporary);
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
      context.fail("rename " + temporary + ": " + std::strerror(errno));
    }
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw;
  }
}

}  // namespace mycelium::analysis
