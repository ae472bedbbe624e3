#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nanobind/nanobind.h>

#include "payload_cache.h"
#include "python_gil.h"

#include "ferry/function/scalar_function.h"

namespace ferry::bindings {

namespace nb = nanobind;

/// A scalar UDF backed by a Python callable. Invoke takes the GIL, hands
/// the arguments over as pyarrow arrays (zero-copy) and takes the result
/// back the same way; the engine checks its type, length and structure.
class PyScalarUdf final : public ScalarUdf {
 public:
  PyScalarUdf(std::string name, nb::object func, std::vector<std::shared_ptr<arrow::DataType>> inputs,
              std::shared_ptr<arrow::DataType> output, Volatility volatility)
      : ScalarUdf(std::move(name), std::move(inputs), std::move(output), volatility),
        func_(func.release().ptr()) {}

  ~PyScalarUdf() override {
    // The last reference may drop on an engine thread without the GIL.
    EngineGil gil;  // at exit: leak rather than touch Python
    if (gil.ok()) Py_XDECREF(func_);
  }

  nb::object func() const { return nb::borrow(func_); }

  Result<std::shared_ptr<arrow::Array>> Invoke(const std::vector<std::shared_ptr<arrow::Array>>& args,
                                               int64_t num_rows) const override;

  /// The inline payload last pickled for this UDF (codec.cc).
  const PickledPayloadCache& payload_cache() const { return payload_cache_; }

 private:
  PyObject* func_;
  PickledPayloadCache payload_cache_;
};

}  // namespace ferry::bindings
