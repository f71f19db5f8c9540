#pragma once
// Internal to analysis/results: RAII handles and error handling over the HDF5 C API.
//
// Why the C API rather than H5Cpp.h: the results file is mostly attributes holding
// variable-length UTF-8 strings, and the C API states exactly which datatype, character set,
// property list and reclaim call is used for each of them; the C++ wrapper hides the property
// lists that make the file deterministic (object time tracking, libver bounds, link creation
// order), reports errors through its own exception hierarchy after printing the stack, and has
// changed its string attribute API between 1.8, 1.10 and 1.12. Every C call below is checked and
// turned into a ResultsError naming the operation and the file.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <hdf5.h>

#include <analysis/results/results.hpp>

namespace mycelium::analysis::hdf5 {

// Owns one HDF5 identifier and closes it with the matching H5?close function.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);

  Handle() = default;
  Handle(hid_t id, Closer closer) noexcept : id_(id), closer_(closer) {}
  Handle(Handle&& other) noexcept
      : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      closer_ = other.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t get() const noexcept { return id_; }

  // Closes now and reports whether HDF5 succeeded (closing a file flushes it, which can fail).
  bool close() noexcept {
    const hid_t id = std::exchange(id_, H5I_INVALID_HID);
    return id < 0 || closer_(id) >= 0;
  }

 private:
  void reset() noexcept {
    if (id_ >= 0) closer_(id_);
    id_ = H5I_INVALID_HID;
  }

  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// HDF5 prints its error stack to stderr by default. While this lives, it does not: failures
// become ResultsError messages instead. The previous handler is restored on destruction.
class QuietErrors {
 public:
  QuietErrors() noexcept;
  ~QuietErrors();
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;

 private:
  H5E_auto2_t function_ = nullptr;
  void* data_ = nullptr;
};

// Builds error messages "<prefix>: <what>" where prefix names the action and the file, e.g.
// "cannot read results from /tmp/x.h5".
class Context {
 public:
  explicit Context(std::string prefix) : prefix_(std::move(prefix)) {}

  [[noreturn]] void fail(const std::string& what) const;
  // Fails with `operation` and the most specific message on HDF5's error stack.
  [[noreturn]] void fail_hdf5(const std::string& operation) const;

  // Returns `id` if it is valid, else fails with `operation`.
  hid_t check_id(hid_t id, const std::string& operation) const {
    if (id < 0) fail_hdf5(operation);
    return id;
  }
  void check_status(herr_t status, const std::string& operation) const {
    if (status < 0) fail_hdf5(operation);
  }
  htri_t check_tri(htri_t value, const std::string& operation) const {
    if (value < 0) fail_hdf5(operation);
    return value;
  }
  Handle own(hid_t id, Handle::Closer closer, const std::string& operation) const {
    return Handle(check_id(id, operation), closer);
  }

 private:
  std::string prefix_;
};

// Variable-length UTF-8 string datatype, as h5py writes and reads `str`.
Handle utf8_string_type(const Context& context);

// Reading. `where` is the HDF5 path of `object` (for messages), e.g. "/runs/0002".
bool has_attribute(const Context& context, hid_t object, const std::string& where,
                   const std::string& name);
std::string read_string_attribute(const Context& context, hid_t object, const std::string& where,
                                  const std::string& name);
std::int64_t read_int64_attribute(const Context& context, hid_t object, const std::string& where,
                                  const std::string& name);
std::uint64_t read_uint64_attribute(const Context& context, hid_t object, const std::string& where,
                                    const std::string& name);
// Names of the attributes of `object`, by name.
std::vector<std::string> attribute_names(const Context& context, hid_t object,
                                         const std::string& where);
// Names of the links in `group`, in creation order when the group tracks it, else by name.
std::vector<std::string> link_names(const Context& context, hid_t group, const std::string& where);
bool has_link(const Context& context, hid_t group, const std::string& where,
              const std::string& name);
Handle open_group(const Context& context, hid_t parent, const std::string& where,
                  const std::string& name);
// A 1-D floating-point dataset, converted to double.
std::vector<double> read_doubles(const Context& context, hid_t parent, const std::string& where,
                                 const std::string& name);
// A 1-D string dataset (variable or fixed length).
std::vector<std::string> read_strings(const Context& context, hid_t parent,
                                      const std::string& where, const std::string& name);

}  // namespace mycelium::analysis::hdf5
