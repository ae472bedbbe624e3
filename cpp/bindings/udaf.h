#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nanobind/nanobind.h>

#include "payload_cache.h"
#include "python_gil.h"

#include "ferry/function/aggregate_function.h"
#include "ferry/function/scalar_function.h"

namespace ferry::bindings {

namespace nb = nanobind;

/// An aggregate UDF backed by a Python accumulator factory (a callable
/// returning a ferry.user_defined.Accumulator).
///
/// Each accumulator the engine makes keeps one Python Accumulator per
/// group, created on demand by calling the factory. Rows are bucketed by
/// group in C++ without the GIL; the GIL is taken once per batch to call
/// update/merge for every group present. DISTINCT is not supported.
class PyAggregateUdf final : public AggregateFunction,
                             public std::enable_shared_from_this<PyAggregateUdf> {
 public:
  PyAggregateUdf(std::string name, nb::object factory, TypeVector input_types,
                 std::shared_ptr<arrow::DataType> return_type, arrow::FieldVector state_fields,
                 Volatility volatility)
      : name_(std::move(name)),
        factory_(factory.release().ptr()),
        input_types_(std::move(input_types)),
        return_type_(std::move(return_type)),
        state_fields_(std::move(state_fields)),
        volatility_(volatility) {}

  ~PyAggregateUdf() override {
    // The last reference may drop on an engine thread without the GIL.
    EngineGil gil;  // at exit: leak rather than touch Python
    if (gil.ok()) Py_XDECREF(factory_);
  }

  const std::string& name() const override { return name_; }
  Result<std::shared_ptr<arrow::DataType>> ReturnType(const TypeVector& arg_types) const override;
  Result<arrow::FieldVector> StateFields(const TypeVector& arg_types, bool distinct) const override;
  Result<std::unique_ptr<GroupsAccumulator>> MakeAccumulator(const TypeVector& arg_types,
                                                             bool distinct) const override;

  /// The accumulator factory (call with the GIL held).
  nb::object factory() const { return nb::borrow(factory_); }
  PyObject* factory_ptr() const { return factory_; }
  const TypeVector& input_types() const { return input_types_; }
  const std::shared_ptr<arrow::DataType>& return_type() const { return return_type_; }
  const arrow::FieldVector& state_fields() const { return state_fields_; }
  Volatility volatility() const { return volatility_; }

  /// The inline payload last pickled for this UDF (codec.cc).
  const PickledPayloadCache& payload_cache() const { return payload_cache_; }

 private:
  Status CheckArgs(const TypeVector& arg_types, bool distinct) const;

  std::string name_;
  PyObject* factory_;
  PickledPayloadCache payload_cache_;
  TypeVector input_types_;
  std::shared_ptr<arrow::DataType> return_type_;
  arrow::FieldVector state_fields_;
  Volatility volatility_;
};

}  // namespace ferry::bindings
