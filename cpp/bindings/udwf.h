#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nanobind/nanobind.h>

#include "payload_cache.h"
#include "python_gil.h"

#include "ferry/function/scalar_function.h"
#include "ferry/function/window_function.h"

namespace ferry::bindings {

namespace nb = nanobind;

/// A window UDF backed by a Python evaluator factory (a callable returning a
/// ferry.user_defined.WindowEvaluator). Each partition gets its evaluator's
/// evaluate_all, evaluate_all_with_rank or per-row evaluate, chosen by the
/// evaluator's flags as in datafusion-python.
class PyWindowUdf final : public WindowFunction {
 public:
  PyWindowUdf(std::string name, nb::object factory, TypeVector input_types,
              std::shared_ptr<arrow::DataType> return_type, Volatility volatility)
      : name_(std::move(name)),
        factory_(factory.release().ptr()),
        input_types_(std::move(input_types)),
        return_type_(std::move(return_type)),
        volatility_(volatility) {}

  ~PyWindowUdf() override {
    // The last reference may drop on an engine thread without the GIL.
    EngineGil gil;  // at exit: leak rather than touch Python
    if (gil.ok()) Py_XDECREF(factory_);
  }

  const std::string& name() const override { return name_; }
  Result<std::shared_ptr<arrow::DataType>> ReturnType(const TypeVector& arg_types) const override;
  Result<std::unique_ptr<WindowEvaluator>> MakeEvaluator(const TypeVector& arg_types,
                                                         const std::vector<Expr>& args) const override;

  /// The evaluator factory (call with the GIL held).
  nb::object factory() const { return nb::borrow(factory_); }
  const TypeVector& input_types() const { return input_types_; }
  const std::shared_ptr<arrow::DataType>& return_type() const { return return_type_; }
  Volatility volatility() const { return volatility_; }

  /// The inline payload last pickled for this UDF (codec.cc).
  const PickledPayloadCache& payload_cache() const { return payload_cache_; }

 private:
  std::string name_;
  PyObject* factory_;
  PickledPayloadCache payload_cache_;
  TypeVector input_types_;
  std::shared_ptr<arrow::DataType> return_type_;
  Volatility volatility_;
};

void RegisterUdwf(nb::module_& m);

}  // namespace ferry::bindings
