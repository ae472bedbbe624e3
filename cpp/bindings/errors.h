#pragma once

#include <string>
#include <vector>

#include <arrow/status.h>
#include <nanobind/nanobind.h>

#include "ferry/common/status.h"

namespace ferry::bindings {

namespace nb = nanobind;

/// The one place a Status becomes a Python exception: each code maps to a
/// class in ferry/errors.py, the message intact. A Status carrying a Python
/// exception (raised inside a UDF or the codec) keeps it as __cause__.
void ThrowIfError(const Status& status);

/// Issues each of `warnings` (e.g. an encoder's large-table notes) as a
/// Python UserWarning; with the GIL held.
void WarnAll(const std::vector<std::string>& warnings);

template <typename T>
T Unwrap(Result<T> result) {
  ThrowIfError(result.status());
  return std::move(result).ValueUnsafe();
}

/// A Status that carries the Python exception being handled, prefixed with
/// `context` (e.g. "Python UDF 'f' raised"). Call with the GIL held, inside
/// a catch of nb::python_error. UnknownError (ExecutionError in Python).
Status StatusFromPythonError(nb::python_error& error, const std::string& context);
/// The same, with the exception's own message and the code of `code_of`.
Status StatusFromPythonError(nb::python_error& error, const Status& code_of);

}  // namespace ferry::bindings
