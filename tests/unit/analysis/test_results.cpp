// The HDF5 results file (analysis/results): round trip, determinism, the /summary table, and the
// errors a reader or writer must give instead of a partial or misread file.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <hdf5.h>
#include <sys/stat.h>
#include <unistd.h>

#include <analysis/results/results.hpp>

using namespace mycelium::analysis;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A fresh directory under the system temp directory, removed with everything in it.
class TempDirectory {
 public:
  TempDirectory() {
    std::string pattern = (fs::temp_directory_path() / "mycelium-results-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDirectory() {
    std::error_code ignored;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ignored);
    fs::remove_all(path_, ignored);
  }
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;

  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::vector<std::string> directory_entries(const fs::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool has_temporary_file(const fs::path& directory) {
  for (const std::string& name : directory_entries(directory)) {
    if (name.find(".tmp-") != std::string::npos) return true;
  }
  return false;
}

std::string file_bytes(const fs::path& path) {
  std::ifstream stream(path, std::ios::binary);
  REQUIRE(stream);
  return std::string(std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>());
}

// Doubles compared by bit pattern, so NaN equals NaN and -0.0 differs from 0.0.
std::vector<std::uint64_t> bits(const std::vector<double>& values) {
  std::vector<std::uint64_t> result;
  for (const double value : values)
    result.push_back(std::bit_cast<std::uint64_t>(value));
  return result;
}

std::vector<std::pair<std::string, std::uint64_t>> bits(
    const std::vector<std::pair<std::string, double>>& entries) {
  std::vector<std::pair<std::string, std::uint64_t>> result;
  for (const auto& [name, value] : entries) {
    result.emplace_back(name, std::bit_cast<std::uint64_t>(value));
  }
  return result;
}

void check_equal(const ResultsFile& actual, const ResultsFile& expected) {
  CHECK(actual.mycelium_version == expected.mycelium_version);
  CHECK(actual.scenario_name == expected.scenario_name);
  REQUIRE(actual.runs.size() == expected.runs.size());
  for (std::size_t i = 0; i < expected.runs.size(); ++i) {
    const RunResult& a = actual.runs[i];
    const RunResult& e = expected.runs[i];
    INFO("run " << i << " " << e.name);
    CHECK(a.name == e.name);
    CHECK(a.labels == e.labels);
    CHECK(a.resolved_config_yaml == e.resolved_config_yaml);
    CHECK(a.seed == e.seed);
    CHECK(bits(a.time_s) == bits(e.time_s));
    REQUIRE(a.series.size() == e.series.size());
    for (std::size_t c = 0; c < e.series.size(); ++c) {
      INFO("series " << e.series[c].name);
      CHECK(a.series[c].name == e.series[c].name);
      CHECK(a.series[c].unit == e.series[c].unit);
      CHECK(bits(a.series[c].values) == bits(e.series[c].values));
    }
    CHECK(bits(a.summary) == bits(e.summary));
    CHECK(bits(a.events) == bits(e.events));
  }
}

std::vector<double> ramp(std::size_t count, double start, double step) {
  std::vector<double> values;
  for (std::size_t i = 0; i < count; ++i)
    values.push_back(start + step * static_cast<double>(i));
  return values;
}

// Three runs exercising every field: a long (compressed) series, NaN metrics, metrics present in
// only some runs, labels present in only some runs, UTF-8, an empty run, extreme seeds.
ResultsFile sample_results() {
  ResultsFile file;
  file.mycelium_version = "0.1.0-test";
  file.scenario_name = "throttling-curves";

  RunResult lan;
  lan.name = "lan/steady/linear/seed-1";
  lan.labels = {{"curve", "linear"}, {"network", "lan"}, {"workload", "steady"}, {"seed", "1"}};
  lan.resolved_config_yaml = "network: lan\nthrottle:\n  curve: linear\n  maxIntensity: 0.9\n";
  lan.seed = 1;
  lan.time_s = ramp(5000, 0.0, 0.01);  // above the compression threshold
  lan.series.push_back({"buffer_level", "1", ramp(5000, 0.0, 1.0 / 5000.0)});
  lan.series.push_back({"dirty_rate", "bytes/s", ramp(5000, 1e9, -1e3)});
  lan.series.push_back(
      {"alpha", "", std::vector<double>(5000, -0.0)});  // sorts first: order is kept
  lan.summary = {{"slowdown_pct", 12.5}, {"lag_p99_ms", 3.25}, {"rpo_bytes", kNaN}};
  lan.events = {{"primary_crash", 20.0}, {"failover", 20.75}};

  RunResult wan;
  wan.name = "wan/bursty/exponential/seed-2";
  wan.labels = {{"curve", "exponential"}, {"network", "wan"}, {"region", "zürich-ß"}};
  wan.resolved_config_yaml = "network: wan\n# ünïcödé comment\nthrottle: {curve: exponential}\n";
  wan.seed = std::numeric_limits<std::uint64_t>::max();
  wan.time_s = {0.0, 0.5, 0.5, 1.0, 2.0};  // non-decreasing, with a repeated sample time
  wan.series.push_back({"buffer_level", "1", {0.0, 0.25, 0.5, 1.0, kNaN}});
  wan.summary = {{"lag_p99_ms", 140.0}, {"blackout_ms", 310.0}};
  wan.events = {{"failover", 1.5}, {"failover", 1.75}};

  RunResult empty;
  empty.name = "empty run";
  empty.seed = 0;

  file.runs = {lan, wan, empty};
  return file;
}

void patch_schema_version(const fs::path& path, int version) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(file >= 0);
  const hid_t attribute = H5Aopen(file, "schema_version", H5P_DEFAULT);
  REQUIRE(attribute >= 0);
  CHECK(H5Awrite(attribute, H5T_NATIVE_INT, &version) >= 0);
  H5Aclose(attribute);
  REQUIRE(H5Fclose(file) >= 0);
}

// Replaces a dataset with a shorter one, as a buggy or foreign writer could.
void replace_with_shorter_dataset(const fs::path& path, const std::string& dataset_path,
                                  std::size_t length) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(file >= 0);
  REQUIRE(H5Ldelete(file, dataset_path.c_str(), H5P_DEFAULT) >= 0);
  const hsize_t dimension = length;
  const hid_t space = H5Screate_simple(1, &dimension, nullptr);
  const hid_t dataset = H5Dcreate2(file, dataset_path.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT,
                                   H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(dataset >= 0);
  const std::vector<double> values(length, 1.0);
  CHECK(H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0);
  H5Dclose(dataset);
  H5Sclose(space);
  REQUIRE(H5Fclose(file) >= 0);
}

herr_t collect_timed_objects(hid_t, const char* name, const H5O_info_t* info, void* data) {
  if (info->atime != 0 || info->mtime != 0 || info->ctime != 0 || info->btime != 0) {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  }
  return 0;
}

std::string error_of(const auto& action) {
  try {
    action();
  } catch (const ResultsError& error) {
    return error.what();
  }
  FAIL("no ResultsError thrown");
  return "";
}

}  // namespace

TEST_CASE("results: a file with three runs reads back with every field equal", "[results]") {
  const TempDirectory directory;
  const fs::path path = directory / "results.h5";
  const ResultsFile written = sample_results();
  write_results(path, written);

  check_equal(read_results(path), written);
  // The temporary file was renamed, not copied: only the results file is left.
  CHECK(directory_entries(directory.path()) == std::vector<std::string>{"results.h5"});

  SECTION("an existing file is replaced") {
    ResultsFile smaller = written;
    smaller.runs.resize(1);
    smaller.scenario_name = "second";
    write_results(path, smaller);
    check_equal(read_results(path), smaller);
  }
  SECTION("a file without runs") {
    const ResultsFile nothing{"0.1.0", "no runs", {}};
    write_results(path, nothing);
    check_equal(read_results(path), nothing);
    CHECK(read_summary_table(path).run_names.empty());
  }
}

TEST_CASE("results: writing the same data twice gives byte-identical files", "[results]") {
  const TempDirectory directory;
  const ResultsFile results = sample_results();
  write_results(directory / "first.h5", results);
  write_results(directory / "second.h5", results);
  const std::string first = file_bytes(directory / "first.h5");
  CHECK(first.size() > 0);
  CHECK(first == file_bytes(directory / "second.h5"));

  // And no object records a time, which would make writes a second apart differ.
  const hid_t file = H5Fopen((directory / "first.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  std::vector<std::string> timed;
  CHECK(H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_INC, collect_timed_objects, &timed, H5O_INFO_TIME) >=
        0);
  H5Fclose(file);
  CHECK(timed.empty());
}

TEST_CASE("results: the summary table has one row per run with NaN for missing metrics",
          "[results]") {
  const TempDirectory directory;
  const fs::path path = directory / "results.h5";
  write_results(path, sample_results());

  const SummaryTable table = read_summary_table(path);
  CHECK(table.run_names == std::vector<std::string>{"lan/steady/linear/seed-1",
                                                    "wan/bursty/exponential/seed-2", "empty run"});
  // Metrics: the union over the runs, in order of first appearance.
  REQUIRE(table.metrics.size() == 4);
  CHECK(table.metrics[0].first == "slowdown_pct");
  CHECK(table.metrics[1].first == "lag_p99_ms");
  CHECK(table.metrics[2].first == "rpo_bytes");
  CHECK(table.metrics[3].first == "blackout_ms");
  for (const auto& [name, column] : table.metrics) {
    INFO(name);
    CHECK(column.size() == 3);
  }
  const auto& slowdown = table.metrics[0].second;
  CHECK(slowdown[0] == 12.5);
  CHECK(std::isnan(slowdown[1]));
  CHECK(std::isnan(slowdown[2]));
  CHECK(table.metrics[1].second[0] == 3.25);
  CHECK(table.metrics[1].second[1] == 140.0);
  CHECK(std::isnan(table.metrics[2].second[0]));  // present but "not applicable"
  CHECK(std::isnan(table.metrics[3].second[0]));
  CHECK(table.metrics[3].second[1] == 310.0);
  // Labels: the union of keys; "" where a run lacks one.
  REQUIRE(table.labels.size() == 5);
  CHECK(table.labels.at("curve") == std::vector<std::string>{"linear", "exponential", ""});
  CHECK(table.labels.at("region") == std::vector<std::string>{"", "zürich-ß", ""});
  CHECK(table.labels.at("workload") == std::vector<std::string>{"steady", "", ""});

  // Stored as plain 1-D float64 columns, which is what pandas and h5py expect.
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  const hid_t dataset = H5Dopen2(file, "/summary/slowdown_pct", H5P_DEFAULT);
  REQUIRE(dataset >= 0);
  const hid_t type = H5Dget_type(dataset);
  const hid_t space = H5Dget_space(dataset);
  CHECK(H5Tequal(type, H5T_IEEE_F64LE) > 0);
  hsize_t rows = 0;
  CHECK(H5Sget_simple_extent_ndims(space) == 1);
  H5Sget_simple_extent_dims(space, &rows, nullptr);
  CHECK(rows == 3);
  H5Sclose(space);
  H5Tclose(type);
  H5Dclose(dataset);
  H5Fclose(file);
}

TEST_CASE("results: a file with an unknown schema version is refused", "[results]") {
  const TempDirectory directory;
  const fs::path path = directory / "results.h5";
  write_results(path, sample_results());
  patch_schema_version(path, 7);

  const std::string message = error_of([&] { read_results(path); });
  CHECK_THAT(message, Contains(path.string()));
  CHECK_THAT(message, Contains("schema version 7 is not supported"));
  CHECK_THAT(message, Contains("reads schema version 1"));
  CHECK(error_of([&] { read_summary_table(path); }) == message);

  patch_schema_version(path, 1);
  CHECK(read_results(path).runs.size() == 3);
}

TEST_CASE("results: a missing file or one that is not a results file is refused clearly",
          "[results]") {
  const TempDirectory directory;
  SECTION("missing file") {
    const fs::path path = directory / "missing.h5";
    CHECK(error_of([&] { read_results(path); }) ==
          "cannot read results from " + path.string() + ": no such file");
  }
  SECTION("not an HDF5 file") {
    const fs::path path = directory / "notes.h5";
    std::ofstream(path) << "network: lan\n";
    CHECK(error_of([&] { read_results(path); }) ==
          "cannot read results from " + path.string() + ": not an HDF5 file");
  }
  SECTION("a directory") {
    CHECK_THAT(error_of([&] { read_results(directory.path()); }), Contains("is a directory"));
  }
  SECTION("an HDF5 file without the schema attribute") {
    const fs::path path = directory / "other.h5";
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(file >= 0);
    H5Fclose(file);
    CHECK(error_of([&] { read_results(path); }) ==
          "cannot read results from " + path.string() +
              ": not a Mycelium results file (no 'schema' attribute on /)");
  }
}

TEST_CASE("results: a series whose length differs from time_s is refused", "[results]") {
  const TempDirectory directory;
  const fs::path path = directory / "results.h5";

  SECTION("at write time, leaving no file") {
    ResultsFile results = sample_results();
    results.runs[1].series[0].values.pop_back();
    CHECK(error_of([&] { write_results(path, results); }) ==
          "cannot write results to " + path.string() +
              ": run 'wan/bursty/exponential/seed-2': series 'buffer_level' has 4 values but "
              "time_s has 5");
    CHECK(directory_entries(directory.path()).empty());
  }
  SECTION("at write time, leaving an existing file untouched") {
    write_results(path, sample_results());
    const std::string before = file_bytes(path);
    ResultsFile results = sample_results();
    results.runs[0].series[2].values.push_back(1.0);
    CHECK_THROWS_AS(write_results(path, results), ResultsError);
    CHECK(file_bytes(path) == before);
    CHECK(directory_entries(directory.path()) == std::vector<std::string>{"results.h5"});
  }
  SECTION("at read time") {
    write_results(path, sample_results());
    replace_with_shorter_dataset(path, "/runs/0001/buffer_level", 4);
    CHECK(error_of([&] { read_results(path); }) ==
          "cannot read results from " + path.string() +
              ": run 'wan/bursty/exponential/seed-2' (/runs/0001): series 'buffer_level' has 4 "
              "values but time_s has 5");
  }
}

TEST_CASE("results: data an HDF5 file cannot represent faithfully is refused at write time",
          "[results]") {
  const TempDirectory directory;
  const fs::path path = directory / "results.h5";
  ResultsFile results = sample_results();
  std::string expected;
  SECTION("duplicate run names") {
    results.runs[2].name = results.runs[0].name;
    expected = "run name 'lan/steady/linear/seed-1' appears twice";
  }
  SECTION("a series named like a reserved dataset") {
    results.runs[1].series[0].name = "time_s";
    expected = "series 'time_s' uses a reserved name";
  }
  SECTION("a series name with a slash") {
    results.runs[1].series[0].name = "buffer/level";
    expected = "contains '/'";
  }
  SECTION("decreasing sample times") {
    results.runs[1].time_s = {0.0, 1.0, 0.5, 2.0, 3.0};
    expected = "time_s decreases at index 2";
  }
  SECTION("a NUL inside the configuration") {
    results.runs[0].resolved_config_yaml = std::string("a: 1\0b: 2", 9);
    expected = "contains a NUL character";
  }
  SECTION("a metric named like a summary column") {
    results.runs[0].summary.emplace_back("run_name", 1.0);
    expected = "clashes with a /summary column name";
  }
  CHECK_THAT(error_of([&] { write_results(path, results); }), Contains(expected));
  CHECK(directory_entries(directory.path()).empty());
}

TEST_CASE("results: an unwritable destination is refused and leaves no temporary file",
          "[results]") {
  const TempDirectory directory;
  const ResultsFile results = sample_results();

  SECTION("a directory without write permission") {
    const fs::path locked = directory / "locked";
    fs::create_directory(locked);
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
    if (::access(locked.c_str(), W_OK) == 0) {
      WARN("permission bits do not apply to this user (root?); the /proc section covers it");
    } else {
      const std::string message = error_of([&] { write_results(locked / "results.h5", results); });
      CHECK_THAT(message, Contains("cannot write results to " + (locked / "results.h5").string()));
      CHECK_THAT(message, Contains("Permission denied"));
    }
    fs::permissions(locked, fs::perms::owner_all);
    CHECK(directory_entries(locked).empty());
  }
  SECTION("a directory no one may create files in") {
    const fs::path path = "/proc/mycelium-results.h5";
    CHECK_THAT(error_of([&] { write_results(path, results); }),
               Contains("cannot write results to /proc/mycelium-results.h5: create "
                        "/proc/mycelium-results.h5.tmp-"));
    CHECK_FALSE(has_temporary_file("/proc"));
  }
  SECTION("a directory that does not exist") {
    const fs::path path = directory / "missing" / "results.h5";
    CHECK_THAT(error_of([&] { write_results(path, results); }),
               Contains("cannot write results to " + path.string()));
    CHECK(directory_entries(directory.path()).empty());
  }
  SECTION("a destination the finished file cannot be renamed onto") {
    // The whole file is written to the temporary name first; the rename onto a non-empty
    // directory then fails, and the complete temporary file must still be removed.
    const fs::path path = directory / "results.h5";
    fs::create_directories(path / "occupied");
    CHECK_THAT(error_of([&] { write_results(path, results); }), Contains("rename"));
    CHECK(directory_entries(directory.path()) == std::vector<std::string>{"results.h5"});
    CHECK(fs::is_directory(path));
  }
}

// Writes the file analysis/read_results.py reads in the ctest "results: the Python reader ...":
// to $MYCELIUM_RESULTS_SAMPLE when set, and a copy with schema version 99 beside it.
TEST_CASE("results: sample file for the Python reader", "[results]") {
  const TempDirectory directory;
  const char* requested = std::getenv("MYCELIUM_RESULTS_SAMPLE");
  const fs::path path = requested != nullptr ? fs::path(requested) : directory / "sample.h5";
  ResultsFile results = sample_results();
  results.scenario_name = "python-reader-sample";
  write_results(path, results);
  check_equal(read_results(path), results);

  fs::path unsupported = path;
  unsupported.replace_extension(".v99.h5");
  write_results(unsupported, results);
  patch_schema_version(unsupported, 99);
  CHECK_THROWS_AS(read_results(unsupported), ResultsError);
}
