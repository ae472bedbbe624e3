#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nanobind/nanobind.h>

#include "python_gil.h"

namespace ferry::bindings {

namespace nb = nanobind;

/// The inline payload last pickled for one Python UDF, reused while the
/// function still pickles to it (ferry/udf_frame_cache.py decides when
/// that holds: a token of the objects cloudpickle reads, by identity).
/// A member of the UDF object, so it lives exactly as long as the UDF.
/// Every method is called with the GIL held.
class PickledPayloadCache {
 public:
  PickledPayloadCache() = default;
  PickledPayloadCache(const PickledPayloadCache&) = delete;
  PickledPayloadCache& operator=(const PickledPayloadCache&) = delete;
  ~PickledPayloadCache() {
    // The UDF may be dropped on an engine thread without the GIL.
    EngineGil gil;  // at exit: leak rather than touch Python
    if (gil.ok()) Py_XDECREF(token_);
  }

  /// The payload `func` pickled to, if pickling it again must give it.
  /// `token` receives func's current token (None: never reusable).
  std::optional<std::string_view> Find(nb::handle func, nb::object* token) const {
    *token = nb::borrow(TokenFunction())(func);
    if (token->is_none() || token_ == nullptr) return std::nullopt;
    if (!SameObjects(token->ptr(), token_)) return std::nullopt;
    return std::string_view(payload_);
  }

  /// Keeps `payload`, pickled when func's token was `token`.
  void Store(const nb::object& token, std::string_view payload) const {
    if (token.is_none()) return;
    Py_XDECREF(token_);
    token_ = nb::object(token).release().ptr();
    payload_.assign(payload);
  }

 private:
  // ferry.udf_frame_cache.payload_token, looked up once: importing it on
  // every encode cost more than computing the token. Kept for the life of
  // the process (never released after the interpreter is gone).
  static PyObject* TokenFunction() {
    static PyObject* function =
        nb::object(nb::module_::import_("ferry.udf_frame_cache").attr("payload_token")).release().ptr();
    return function;
  }

  // Two tokens (tuples) holding the very same objects, position by position.
  static bool SameObjects(PyObject* a, PyObject* b) {
    if (!PyTuple_Check(a) || !PyTuple_Check(b) || PyTuple_GET_SIZE(a) != PyTuple_GET_SIZE(b)) {
      return false;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(a); ++i) {
      if (PyTuple_GET_ITEM(a, i) != PyTuple_GET_ITEM(b, i)) return false;
    }
    return true;
  }

  mutable PyObject* token_ = nullptr;  // guarded by the GIL
  mutable std::string payload_;
};

}  // namespace ferry::bindings
