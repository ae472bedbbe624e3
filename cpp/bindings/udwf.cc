// Python window UDFs: one Python evaluator per partition, called with the
// GIL held; the engine sorts, partitions and frames in C++ without it.

#include "udwf.h"

#include <arrow/compute/api.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "arrow_interop.h"
#include "errors.h"

namespace ferry::bindings {
namespace {

class PyEvaluator final : public WindowEvaluator {
 public:
  // The engine holds the function for as long as its evaluators live.
  explicit PyEvaluator(const PyWindowUdf* udf) : udf_(udf) {}

  Result<std::shared_ptr<arrow::Array>> Evaluate(const WindowPartition& p) override {
    // Arguments arrive as the engine typed them; the UDF gets its declared types.
    ArrayVector args;
    for (size_t i = 0; i < p.args.size(); ++i) {
      const auto& declared = udf_->input_types()[i];
      if (p.args[i]->type()->Equals(*declared)) {
        args.push_back(p.args[i]);
        continue;
      }
      auto cast = arrow::compute::Cast(*p.args[i], declared);
      if (!cast.ok()) {
        return Status::TypeError("window UDF '", udf_->name(), "' argument ", i + 1, " is ",
                                 DisplayTypeName(*p.args[i]->type()), "; declared ",
                                 DisplayTypeName(*declared));
      }
      args.push_back(*cast);
    }
    FERRY_ASSIGN_OR_RAISE(auto array, Call(args, p));
    // Checked without the GIL, so other partitions' calls go on meanwhile.
    FERRY_RETURN_NOT_OK(CheckReturnedArray(*array, "window UDF '" + udf_->name() + "'"));
    if (!array->type()->Equals(*udf_->return_type())) {
      return Status::TypeError("window UDF '", udf_->name(), "' returned ",
                               DisplayTypeName(*array->type()), " but declared ",
                               DisplayTypeName(*udf_->return_type()));
    }
    return array;
  }

 private:
  // A fresh evaluator over the partition; its result imported, unchecked.
  Result<std::shared_ptr<arrow::Array>> Call(const ArrayVector& args, const WindowPartition& p) {
    EngineGil gil;
    if (!gil.ok()) return ExitingError("window UDF '" + udf_->name() + "'");
    try {
      nb::object evaluator = udf_->factory()();
      nb::object result = Dispatch(evaluator, args, p);
      if (nb::hasattr(result, "combine_chunks")) result = result.attr("combine_chunks")();
      if (!nb::hasattr(result, "__arrow_c_array__")) {
        return Status::TypeError("window UDF '", udf_->name(), "' returned a ",
                                 std::string(nb::str(result.type().attr("__name__")).c_str()),
                                 "; it must return a pyarrow Array");
      }
      return ImportArray(result);
    } catch (nb::python_error& error) {
      return StatusFromPythonError(error, "window UDF '" + udf_->name() + "' raised");
    } catch (const std::exception& error) {
      return Status::UnknownError("window UDF '", udf_->name(), "' failed: ", error.what());
    }
  }

  // datafusion-python's rule: a frame user gets evaluate per row; a rank
  // user evaluate_all_with_rank; a bounded one evaluate over get_range;
  // everyone else evaluate_all over the whole partition.
  nb::object Dispatch(nb::object evaluator, const ArrayVector& args, const WindowPartition& p) {
    nb::list values;
    for (const auto& arg : args) values.append(ExportArray(arg));
    const int64_t n = p.num_rows;
    auto flag = [&](const char* name) { return nb::cast<bool>(evaluator.attr(name)()); };
    auto per_row = [&](auto range_of) {
      // evaluate() also sees the ORDER BY values, after the arguments.
      for (const auto& key : p.order_keys) values.append(ExportArray(key));
      nb::list scalars;
      for (int64_t i = 0; i < n; ++i) {
        auto [start, end] = range_of(i);
        scalars.append(evaluator.attr("evaluate")(values, nb::make_tuple(start, end)));
      }
      return nb::module_::import_("pyarrow").attr("array")(scalars, ExportType(udf_->return_type()));
    };
    if (flag("uses_window_frame")) {
      return per_row([&](int64_t i) {
        return std::make_pair((*p.frame_start)[i], std::max((*p.frame_start)[i], (*p.frame_end)[i]));
      });
    }
    if (flag("include_rank")) {
      nb::list ranks;
      for (int64_t i = 0; i < n; ++i) {
        if ((*p.peer_start)[i] == i) ranks.append(nb::make_tuple(i, (*p.peer_end)[i] - 1));
      }
      return evaluator.attr("evaluate_all_with_rank")(n, ranks);
    }
    if (flag("supports_bounded_execution")) {
      return per_row([&](int64_t i) {
        nb::tuple range = nb::cast<nb::tuple>(evaluator.attr("get_range")(i, n));
        return std::make_pair(nb::cast<int64_t>(range[0]), nb::cast<int64_t>(range[1]));
      });
    }
    return evaluator.attr("evaluate_all")(values, n);
  }

  const PyWindowUdf* udf_;
};

}  // namespace

Result<std::shared_ptr<arrow::DataType>> PyWindowUdf::ReturnType(const TypeVector& arg_types) const {
  if (arg_types.size() != input_types_.size()) {
    return Status::Invalid("window UDF '", name_, "' expects ", input_types_.size(), " argument",
                           input_types_.size() == 1 ? "" : "s", ", got ", arg_types.size());
  }
  return return_type_;
}

Result<std::unique_ptr<WindowEvaluator>> PyWindowUdf::MakeEvaluator(const TypeVector& arg_types,
                                                                    const std::vector<Expr>&) const {
  FERRY_RETURN_NOT_OK(ReturnType(arg_types).status());
  return std::make_unique<PyEvaluator>(this);
}

void RegisterUdwf(nb::module_& m) {
  nb::class_<WindowFunction>(m, "WindowFunction")
      .def_prop_ro("name", [](const WindowFunction& f) { return f.name(); })
      .def("__call__", [](std::shared_ptr<WindowFunction> self, std::vector<Expr> args) {
        std::string name = self->name();
        return WindowCall(std::move(self), std::move(name), std::move(args));
      });
  nb::class_<PyWindowUdf, WindowFunction>(m, "PythonWindowUdf")
      .def_prop_ro("factory", &PyWindowUdf::factory);
  m.def("python_window_udf",
        [](std::string name, nb::object factory, std::vector<nb::object> input_types,
           nb::object return_type, const std::string& volatility) -> std::shared_ptr<WindowFunction> {
          if (!PyCallable_Check(factory.ptr())) {
            throw nb::type_error("the window UDF's evaluator factory must be callable");
          }
          TypeVector inputs;
          for (const auto& type : input_types) inputs.push_back(ImportType(type));
          auto v = Unwrap(VolatilityFromName(volatility));
          return std::make_shared<PyWindowUdf>(std::move(name), std::move(factory), std::move(inputs),
                                               ImportType(return_type), v);
        });
}

}  // namespace ferry::bindings
