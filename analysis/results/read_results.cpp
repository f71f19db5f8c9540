#include <optional>
#include <string_view>
#include <system_error>

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

std::string in_quotes(const std::string& text) {
  return "'" + text + "'";
}

std::string readable_versions() {
  std::string list;
  for (const std::int64_t version : kReadableResultsSchemaVersions) {
    if (!list.empty()) list += ", ";
    list += std::to_string(version);
  }
  return list;
}

// An open results file whose schema and version have been checked.
struct OpenFile {
  Handle file;
  Handle root;
};

OpenFile open_results_file(const Context& context, const std::filesystem::path& path) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  if (status.type() == std::filesystem::file_type::not_found) context.fail("no such file");
  if (error) context.fail(error.message());
  if (std::filesystem::is_directory(status)) context.fail("is a directory");
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 < 0) context.fail_hdf5("open");
  if (is_hdf5 == 0) context.fail("not an HDF5 file");

  Handle access = context.own(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "create a property list");
  context.check_status(H5Pset_fclose_degree(access.get(), H5F_CLOSE_STRONG),
                       "set the close degree");
  OpenFile open;
  open.file =
      context.own(H5Fopen(path.c_str(), H5F_ACC_RDONLY, access.get()), H5Fclose, "open the file");
  open.root = context.own(H5Gopen2(open.file.get(), "/", H5P_DEFAULT), H5Gclose, "open /");
  const hid_t root = open.root.get();

  if (!hdf5::has_attribute(context, root, "/", "schema")) {
    context.fail("not a Mycelium results file (no 'schema' attribute on /)");
  }
  const std::string schema = hdf5::read_string_attribute(context, root, "/", "schema");
  if (schema != kResultsSchema) {
    context.fail("not a Mycelium results file (schema is " + in_quotes(schema) + ", expected " +
                 in_quotes(std::string(kResultsSchema)) + ")");
  }
  if (!hdf5::has_attribute(context, root, "/", "schema_version")) {
    context.fail("no 'schema_version' attribute on /");
  }
  const std::int64_t version = hdf5::read_int64_attribute(context, root, "/", "schema_version");
  bool readable = false;
  for (const std::int64_t known : kReadableResultsSchemaVersions)
    readable |= known == version;
  if (!readable) {
    context.fail("schema version " + std::to_string(version) +
                 " is not supported (this build of Mycelium reads schema version " +
                 readable_versions() + ")");
  }
  return open;
}

void check_same_length(const Context& context, const std::string& what, std::size_t size,
                       const std::string& reference, std::size_t reference_size) {
  if (size != reference_size) {
    context.fail(what + " has " + std::to_string(size) + " values but " + reference + " has " +
                 std::to_string(reference_size));
  }
}

RunResult read_run(const Context& context, hid_t group, const std::string& where) {
  RunResult run;
  run.name = hdf5::read_string_attribute(context, group, where, "name");
  run.seed = hdf5::read_uint64_attribute(context, group, where, "seed");
  run.resolved_config_yaml = hdf5::read_string_attribute(context, group, where, "config");
  for (const std::string& attribute : hdf5::attribute_names(context, group, where)) {
    if (attribute.starts_with(kLabelPrefix)) {
      run.labels.emplace(attribute.substr(kLabelPrefix.size()),
                         hdf5::read_string_attribute(context, group, where, attribute));
    }
  }
  const std::string run_label = "run " + in_quotes(run.name) + " (" + where + ")";
  run.time_s = hdf5::read_doubles(context, group, where, "time_s");

  for (const std::string& name : hdf5::link_names(context, group, where)) {
    if (is_reserved_run_link(name)) continue;
    const std::string path = where + "/" + name;
    {
      Handle object =
          context.own(H5Oopen(group, name.c_str(), H5P_DEFAULT), H5Oclose, "open " + path);
      if (H5Iget_type(object.get()) != H5I_DATASET) context.fail(path + " is not a dataset");
    }
    TimeSeriesColumn column;
    column.name = name;
    column.values = hdf5::read_doubles(context, group, where, name);
    check_same_length(context, run_label + ": series " + in_quotes(name), column.values.size(),
                      "time_s", run.time_s.size());
    Handle dataset =
        context.own(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, "open " + path);
    column.unit = hdf5::read_string_attribute(context, dataset.get(), path, "unit");
    run.series.push_back(std::move(column));
  }

  {
    const std::string events_path = where + "/events";
    Handle events = hdf5::open_group(context, group, where, "events");
    const std::vector<std::string> kinds =
        hdf5::read_strings(context, events.get(), events_path, "kind");
    const std::vector<double> times =
        hdf5::read_doubles(context, events.get(), events_path, "time_s");
    check_same_length(context, events_path + "/time_s", times.size(), events_path + "/kind",
                      kinds.size());
    for (std::size_t i = 0; i < kinds.size(); ++i)
      run.events.emplace_back(kinds[i], times[i]);
  }
  {
    const std::string summary_path = where + "/summary";
    Handle summary = hdf5::open_group(context, group, where, "summary");
    const std::vector<std::string> names =
        hdf5::read_strings(context, summary.get(), summary_path, "name");
    const std::vector<double> values =
        hdf5::read_doubles(context, summary.get(), summary_path, "value");
    check_same_length(context, summary_path + "/value", values.size(), summary_path + "/name",
                      names.size());
    for (std::size_t i = 0; i < names.size(); ++i)
      run.summary.emplace_back(names[i], values[i]);
  }
  return run;
}

// The shard attributes are all there or none is: a file with some of them was not written by
// Mycelium and merging it could mix sweeps.
std::optional<ShardInfo> read_shard_info(const Context& context, hid_t root) {
  const std::string_view names[] = {schema::kShardIndexAttribute, schema::kShardCountAttribute,
                                    schema::kSweepRunCountAttribute,
                                    schema::kScenarioDigestAttribute};
  std::size_t present = 0;
  for (const std::string_view name : names)
    present += hdf5::has_attribute(context, root, "/", std::string(name)) ? 1 : 0;
  if (present == 0) return std::nullopt;
  for (const std::string_view name : names) {
    if (!hdf5::has_attribute(context, root, "/", std::string(name))) {
      context.fail("a shard file (it has shard attributes on /) without '" + std::string(name) +
                   "' on /");
    }
  }
  ShardInfo shard;
  shard.index =
      hdf5::read_uint64_attribute(context, root, "/", std::string(schema::kShardIndexAttribute));
  shard.count =
      hdf5::read_uint64_attribute(context, root, "/", std::string(schema::kShardCountAttribute));
  shard.sweep_run_count =
      hdf5::read_uint64_attribute(context, root, "/", std::string(schema::kSweepRunCountAttribute));
  shard.scenario_digest = hdf5::read_string_attribute(
      context, root, "/", std::string(schema::kScenarioDigestAttribute));
  if (shard.count == 0 || shard.index >= shard.count) {
    context.fail("shard index " + std::to_string(shard.index) + " is not below the shard count " +
                 std::to_string(shard.count));
  }
  return shard;
}

// A shard run's @sweep_index, checked like the writer checks it.
std::uint64_t read_sweep_index(const Context& context, hid_t group, const std::string& where,
                               const ShardInfo& shard) {
  const std::string name(schema::kSweepIndexAttribute);
  if (!hdf5::has_attribute(context, group, where, name)) {
    context.fail(where + " has no '" + name + "' attribute, which every run of a shard file has");
  }
  const std::uint64_t index = hdf5::read_uint64_attribute(context, group, where, name);
  if (index >= shard.sweep_run_count) {
    context.fail(where + ": sweep index " + std::to_string(index) + " is not below the sweep's " +
                 std::to_string(shard.sweep_run_count) + " runs");
  }
  if (!shard.sweep_indices.empty() && index <= shard.sweep_indices.back()) {
    context.fail(where + ": sweep index " + std::to_string(index) +
                 " is not above the previous run's " + std::to_string(shard.sweep_indices.back()));
  }
  return index;
}

}  // namespace

ResultsFile read_results(const std::filesystem::path& path) {
  const Context context("cannot read results from " + path.string());
  const hdf5::QuietErrors quiet;
  const OpenFile open = open_results_file(context, path);
  const hid_t root = open.root.get();

  ResultsFile results;
  results.mycelium_version = hdf5::read_string_attribute(context, root, "/", "mycelium_version");
  results.scenario_name = hdf5::read_string_attribute(context, root, "/", "scenario");
  results.shard = read_shard_info(context, root);
  Handle runs = hdf5::open_group(context, root, "/", "runs");
  const std::size_t count = hdf5::link_names(context, runs.get(), "/runs").size();
  for (std::size_t index = 0; index < count; ++index) {
    const std::string name = run_group_name(index);
    if (!hdf5::has_link(context, runs.get(), "/runs", name)) {
      context.fail("/runs has " + std::to_string(count) + " members but no /runs/" + name +
                   " (run groups are numbered from 0000 without gaps)");
    }
    Handle group = hdf5::open_group(context, runs.get(), "/runs", name);
    results.runs.push_back(read_run(context, group.get(), "/runs/" + name));
    if (results.shard) {
      results.shard->sweep_indices.push_back(
          read_sweep_index(context, group.get(), "/runs/" + name, *results.shard));
    }
  }
  return results;
}

SummaryTable read_summary_table(const std::filesystem::path& path) {
  const Context context("cannot read results from " + path.string());
  const hdf5::QuietErrors quiet;
  const OpenFile open = open_results_file(context, path);
  Handle summary = hdf5::open_group(context, open.root.get(), "/", "summary");

  SummaryTable table;
  table.run_names =
      hdf5::read_strings(context, summary.get(), "/summary", std::string(schema::kRunNameColumn));
  const std::size_t rows = table.run_names.size();
  for (const std::string& name : hdf5::link_names(context, summary.get(), "/summary")) {
    if (name == schema::kRunNameColumn) continue;
    const std::string column = "/summary/" + name;
    if (name.starts_with(kLabelPrefix)) {
      std::vector<std::string> values =
          hdf5::read_strings(context, summary.get(), "/summary", name);
      check_same_length(context, column, values.size(), "/summary/run_name", rows);
      table.labels.emplace(name.substr(kLabelPrefix.size()), std::move(values));
    } else {
      std::vector<double> values = hdf5::read_doubles(context, summary.get(), "/summary", name);
      check_same_length(context, column, values.size(), "/summary/run_name", rows);
      table.metrics.emplace_back(name, std::move(values));
    }
  }
  return table;
}

}  // namespace mycelium::analysis
