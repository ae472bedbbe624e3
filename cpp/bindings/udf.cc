// Python scalar UDFs: a ScalarUdf whose Invoke takes the GIL, hands the
// argument arrays to the callable as pyarrow arrays (zero-copy) and takes
// the result back the same way.

#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "arrow_interop.h"
#include "errors.h"
#include "ferry/function/scalar_function.h"
#include "module.h"
#include "udf.h"

namespace ferry::bindings {

Result<std::shared_ptr<arrow::Array>> PyScalarUdf::Invoke(
    const std::vector<std::shared_ptr<arrow::Array>>& args, int64_t num_rows) const {
  auto called = [&]() -> Result<std::shared_ptr<arrow::Array>> {
    EngineGil gil;
    if (!gil.ok()) return ExitingError("Python UDF '" + name() + "'");
    try {
      nb::list py_args;
      for (const auto& arg : args) py_args.append(ExportArray(arg));
      nb::object result = nb::borrow(func_)(*py_args);
      if (nb::hasattr(result, "combine_chunks")) result = result.attr("combine_chunks")();
      if (!nb::hasattr(result, "__arrow_c_array__")) {
        std::string type = std::string(nb::str(result.type().attr("__name__")).c_str());
        return Status::TypeError("Python UDF '", name(), "' returned a ", type,
                                 "; it must return a pyarrow Array");
      }
      return ImportArray(result);
    } catch (nb::python_error& error) {
      return StatusFromPythonError(error, "Python UDF '" + name() + "' raised");
    } catch (const std::exception& error) {
      // Conversion failures (nanobind casts, capsule errors) end up here.
      return Status::UnknownError("Python UDF '", name(), "' failed: ", error.what());
    }
  };
  FERRY_ASSIGN_OR_RAISE(auto array, called());
  // Checked without the GIL, so other threads' calls go on meanwhile.
  FERRY_RETURN_NOT_OK(CheckReturnedArray(*array, "Python UDF '" + name() + "'"));
  return array;
}

void RegisterUdf(nb::module_& m) {
  nb::class_<ScalarFunction>(m, "ScalarFunction")
      .def_prop_ro("name", [](const ScalarFunction& f) { return f.name(); })
      .def_prop_ro("volatility", [](const ScalarFunction& f) {
        return std::string(VolatilityName(f.volatility()));
      })
      .def("__call__", [](std::shared_ptr<ScalarFunction> self, std::vector<Expr> args) {
        std::string name = self->name();
        return ScalarCall(std::move(self), std::move(name), std::move(args));
      });

  nb::class_<PyScalarUdf, ScalarFunction>(m, "PythonScalarUdf")
      .def_prop_ro("func", &PyScalarUdf::func)
      .def_prop_ro("input_types", [](const PyScalarUdf& f) {
        nb::list out;
        for (const auto& type : f.input_types()) out.append(ExportType(type));
        return out;
      })
      .def_prop_ro("return_type", [](const PyScalarUdf& f) { return ExportType(f.return_type()); });

  m.def("python_scalar_udf",
        [](std::string name, nb::object func, std::vector<nb::object> input_types,
           nb::object return_type, const std::string& volatility) -> std::shared_ptr<ScalarFunction> {
          if (!PyCallable_Check(func.ptr())) throw nb::type_error("the UDF must be callable");
          std::vector<std::shared_ptr<arrow::DataType>> inputs;
          for (const auto& type : input_types) inputs.push_back(ImportType(type));
          auto v = Unwrap(VolatilityFromName(volatility));
          return std::make_shared<PyScalarUdf>(std::move(name), std::move(func), std::move(inputs),
                                               ImportType(return_type), v);
        });
}

}  // namespace ferry::bindings
