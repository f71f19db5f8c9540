#include <cstddef>
#include <cstring>

#include <analysis/results/hdf5_support.hpp>

namespace mycelium::analysis::hdf5 {

namespace {

std::string child_path(const std::string& where, const std::string& name) {
  return where == "/" ? "/" + name : where + "/" + name;
}

// Runs a cleanup on scope exit (vlen buffers must be reclaimed whatever happens).
template <typename Function>
class OnExit {
 public:
  explicit OnExit(Function function) : function_(std::move(function)) {}
  ~OnExit() { function_(); }
  OnExit(const OnExit&) = delete;
  OnExit& operator=(const OnExit&) = delete;

 private:
  Function function_;
};

// H5Ewalk2 callback: keeps the description of the first (most specific) error it is shown.
herr_t keep_innermost(unsigned position, const H5E_error2_t* error, void* data) noexcept {
  if (position == 0 && error != nullptr && error->desc != nullptr) {
    try {
      *static_cast<std::string*>(data) = error->desc;
    } catch (...) {
      return -1;
    }
  }
  return 0;
}

herr_t collect_link(hid_t, const char* name, const H5L_info_t*, void* data) noexcept {
  try {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  } catch (...) {
    return -1;
  }
  return 0;
}

herr_t collect_attribute(hid_t, const char* name, const H5A_info_t*, void* data) noexcept {
  try {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  } catch (...) {
    return -1;
  }
  return 0;
}

// Reads `count` strings of `file_type` (variable or fixed length) through `read(mem_type, buf)`.
template <typename Read>
std::vector<std::string> read_string_values(const Context& context, hid_t file_type, hid_t space,
                                            std::size_t count, const std::string& what, Read read) {
  if (H5Tget_class(file_type) != H5T_STRING) context.fail(what + " is not a string");
  const bool variable = context.check_tri(H5Tis_variable_str(file_type), "inspect " + what) > 0;
  const H5T_cset_t cset = H5Tget_cset(file_type);
  std::vector<std::string> values;
  values.reserve(count);
  if (count == 0) return values;
  if (variable) {
    Handle mem_type = context.own(H5Tcopy(H5T_C_S1), H5Tclose, "create a string type");
    context.check_status(H5Tset_size(mem_type.get(), H5T_VARIABLE), "create a string type");
    context.check_status(H5Tset_cset(mem_type.get(), cset), "create a string type");
    std::vector<char*> buffer(count, nullptr);
    context.check_status(read(mem_type.get(), buffer.data()), "read " + what);
    const OnExit reclaim(
        [&] { H5Dvlen_reclaim(mem_type.get(), space, H5P_DEFAULT, buffer.data()); });
    for (const char* value : buffer)
      values.emplace_back(value != nullptr ? value : "");
  } else {
    const std::size_t size = H5Tget_size(file_type);
    if (size == 0) context.fail_hdf5("inspect " + what);
    Handle mem_type = context.own(H5Tcopy(file_type), H5Tclose, "create a string type");
    std::vector<char> buffer(count * size, '\0');
    context.check_status(read(mem_type.get(), buffer.data()), "read " + what);
    const bool space_padded = H5Tget_strpad(file_type) == H5T_STR_SPACEPAD;
    for (std::size_t i = 0; i < count; ++i) {
      const char* begin = buffer.data() + i * size;
      std::string value(begin, strnlen(begin, size));
      if (space_padded) value.erase(value.find_last_not_of(' ') + 1);
      values.push_back(std::move(value));
    }
  }
  return values;
}

std::size_t element_count(const Context& context, hid_t space, const std::string& what) {
  const hssize_t count = H5Sget_simple_extent_npoints(space);
  if (count < 0) context.fail_hdf5("inspect the shape of " + what);
  return static_cast<std::size_t>(count);
}

Handle open_attribute(const Context& context, hid_t object, const std::string& where,
                      const std::string& name) {
  if (!has_attribute(context, object, where, name)) {
    context.fail("attribute '" + name + "' missing on " + where);
  }
  return context.own(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose,
                     "open attribute '" + name + "' of " + where);
}

// Opens a scalar (single-element) attribute and checks its datatype class.
struct ScalarAttribute {
  Handle attribute;
  Handle type;
  Handle space;
};

ScalarAttribute open_scalar_attribute(const Context& context, hid_t object,
                                      const std::string& where, const std::string& name,
                                      H5T_class_t expected, const char* expected_name) {
  const std::string what = "attribute '" + name + "' of " + where;
  ScalarAttribute result{open_attribute(context, object, where, name), {}, {}};
  result.type = context.own(H5Aget_type(result.attribute.get()), H5Tclose, "inspect " + what);
  result.space = context.own(H5Aget_space(result.attribute.get()), H5Sclose, "inspect " + what);
  if (H5Tget_class(result.type.get()) != expected) {
    context.fail(what + " is not " + expected_name);
  }
  if (element_count(context, result.space.get(), what) != 1) {
    context.fail(what + " is not a single value");
  }
  return result;
}

Handle open_dataset_1d(const Context& context, hid_t parent, const std::string& where,
                       const std::string& name, Handle& space, std::size_t& count) {
  const std::string path = child_path(where, name);
  if (!has_link(context, parent, where, name)) context.fail("dataset " + path + " missing");
  Handle dataset =
      context.own(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose, "open dataset " + path);
  space = context.own(H5Dget_space(dataset.get()), H5Sclose, "inspect dataset " + path);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) context.fail_hdf5("inspect dataset " + path);
  if (rank != 1) {
    context.fail("dataset " + path + " has " + std::to_string(rank) + " dimensions, expected 1");
  }
  count = element_count(context, space.get(), "dataset " + path);
  return dataset;
}

}  // namespace

QuietErrors::QuietErrors() noexcept {
  if (H5Eget_auto2(H5E_DEFAULT, &function_, &data_) < 0) {
    function_ = nullptr;
    data_ = nullptr;
  }
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

QuietErrors::~QuietErrors() {
  H5Eset_auto2(H5E_DEFAULT, function_, data_);
}

void Context::fail(const std::string& what) const {
  throw ResultsError(prefix_ + ": " + what);
}

void Context::fail_hdf5(const std::string& operation) const {
  std::string detail;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keep_innermost, &detail);
  H5Eclear2(H5E_DEFAULT);
  fail(detail.empty() ? operation + " failed" : operation + " failed (HDF5: " + detail + ")");
}

Handle utf8_string_type(const Context& context) {
  Handle type = context.own(H5Tcopy(H5T_C_S1), H5Tclose, "create a string type");
  context.check_status(H5Tset_size(type.get(), H5T_VARIABLE), "create a string type");
  context.check_status(H5Tset_cset(type.get(), H5T_CSET_UTF8), "create a string type");
  return type;
}

bool has_attribute(const Context& context, hid_t object, const std::string& where,
                   const std::string& name) {
  return context.check_tri(H5Aexists(object, name.c_str()),
                           "look for attribute '" + name + "' of " + where) > 0;
}

std::string read_string_attribute(const Context& context, hid_t object, const std::string& where,
                                  const std::string& name) {
  const ScalarAttribute scalar =
      open_scalar_attribute(context, object, where, name, H5T_STRING, "a string");
  const hid_t attribute = scalar.attribute.get();
  return read_string_values(context, scalar.type.get(), scalar.space.get(), 1,
                            "attribute '" + name + "' of " + where,
                            [attribute](hid_t mem_type, void* buffer) {
                              return H5Aread(attribute, mem_type, buffer);
                            })
      .front();
}

std::int64_t read_int64_attribute(const Context& context, hid_t object, const std::string& where,
                                  const std::string& name) {
  const ScalarAttribute scalar =
      open_scalar_attribute(context, object, where, name, H5T_INTEGER, "an integer");
  std::int64_t value = 0;
  context.check_status(H5Aread(scalar.attribute.get(), H5T_NATIVE_INT64, &value),
                       "read attribute '" + name + "' of " + where);
  return value;
}

std::uint64_t read_uint64_attribute(const Context& context, hid_t object, const std::string& where,
                                    const std::string& name) {
  const ScalarAttribute scalar =
      open_scalar_attribute(context, object, where, name, H5T_INTEGER, "an integer");
  std::uint64_t value = 0;
  context.check_status(H5Aread(scalar.attribute.get(), H5T_NATIVE_UINT64, &value),
                       "read attribute '" + name + "' of " + where);
  return value;
}

std::vector<std::string> attribute_names(const Context& context, hid_t object,
                                         const std::string& where) {
  std::vector<std::string> names;
  hsize_t position = 0;
  context.check_status(
      H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &position, collect_attribute, &names),
      "list the attributes of " + where);
  return names;
}

std::vector<std::string> link_names(const Context& context, hid_t group, const std::string& where) {
  Handle create_list = context.own(H5Gget_create_plist(group), H5Pclose, "inspect group " + where);
  unsigned order_flags = 0;
  context.check_status(H5Pget_link_creation_order(create_list.get(), &order_flags),
                       "inspect group " + where);
  const H5_index_t index =
      (order_flags & H5P_CRT_ORDER_TRACKED) != 0 ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
  std::vector<std::string> names;
  hsize_t position = 0;
  context.check_status(H5Literate(group, index, H5_ITER_INC, &position, collect_link, &names),
                       "list group " + where);
  return names;
}

bool has_link(const Context& context, hid_t group, const std::string& where,
              const std::string& name) {
  return context.check_tri(H5Lexists(group, name.c_str(), H5P_DEFAULT),
                           "look for " + child_path(where, name)) > 0;
}

Handle open_group(const Context& context, hid_t parent, const std::string& where,
                  const std::string& name) {
  const std::string path = child_path(where, name);
  if (!has_link(context, parent, where, name)) context.fail("group " + path + " missing");
  return context.own(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), H5Gclose, "open group " + path);
}

std::vector<double> read_doubles(const Context& context, hid_t parent, const std::string& where,
                                 const std::string& name) {
  const std::string path = child_path(where, name);
  Handle space;
  std::size_t count = 0;
  Handle dataset = open_dataset_1d(context, parent, where, name, space, count);
  Handle type = context.own(H5Dget_type(dataset.get()), H5Tclose, "inspect dataset " + path);
  if (H5Tget_class(type.get()) != H5T_FLOAT) {
    context.fail("dataset " + path + " is not floating point");
  }
  std::vector<double> values(count);
  if (count > 0) {
    context.check_status(
        H5Dread(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
        "read dataset " + path);
  }
  return values;
}

std::vector<std::string> read_strings(const Context& context, hid_t parent,
                                      const std::string& where, const std::string& name) {
  const std::string path = child_path(where, name);
  Handle space;
  std::size_t count = 0;
  Handle dataset = open_dataset_1d(context, parent, where, name, space, count);
  Handle type = context.own(H5Dget_type(dataset.get()), H5Tclose, "inspect dataset " + path);
  const hid_t id = dataset.get();
  return read_string_values(context, type.get(), space.get(), count, "dataset " + path,
                            [id](hid_t mem_type, void* buffer) {
                              return H5Dread(id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
                            });
}

}  // namespace mycelium::analysis::hdf5
