// Python aggregate UDFs: an AggregateFunction whose accumulator keeps one
// Python Accumulator per group. Rows are bucketed by group (counting sort,
// one Take per argument) with the GIL released; the GIL is then taken once
// per batch to call update()/merge() on every group present, each with
// zero-copy slices of the bucketed arrays.

#include "udaf.h"

#include <algorithm>

#include <arrow/array/util.h>
#include <arrow/buffer.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/cast.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "arrow_interop.h"
#include "errors.h"
#include "ferry/expr/expr.h"
#include "module.h"

namespace ferry::bindings {
namespace {

namespace cp = arrow::compute;

// Interned method names and pyarrow.array. Call with the GIL held; never
// freed, like the interpreter's own interned strings.
struct PyNames {
  PyObject* update = PyUnicode_InternFromString("update");
  PyObject* merge = PyUnicode_InternFromString("merge");
  PyObject* state = PyUnicode_InternFromString("state");
  PyObject* evaluate = PyUnicode_InternFromString("evaluate");
  PyObject* slice = PyUnicode_InternFromString("slice");
  PyObject* array = PyObject_GetAttrString(nb::module_::import_("pyarrow").ptr(), "array");
  PyObject* type = PyUnicode_InternFromString("type");
};

const PyNames& Names() {
  static const auto* names = new PyNames();
  return *names;
}

// Raises the pending Python error as nb::python_error when `obj` is null.
PyObject* Check(PyObject* obj) {
  if (obj == nullptr) throw nb::python_error();
  return obj;
}

std::string TypeName(nb::handle obj) {
  return std::string(nb::str(obj.type().attr("__name__")).c_str());
}

// Rows of one batch grouped by group id: `runs` are the groups present,
// each with its [begin, end) in `order` (row indices, group by group).
struct Buckets {
  struct Run {
    uint32_t group;
    int64_t begin;
    int64_t end;
  };
  std::vector<Run> runs;
  std::shared_ptr<arrow::Buffer> order;  // int64 row indices; nullptr: rows already in order
};

Result<Buckets> Bucket(const uint32_t* group_ids, int64_t num_rows, uint32_t total_num_groups) {
  Buckets out;
  if (num_rows == 0) return out;
  // Already grouped (no GROUP BY, one key per batch, window frames): runs
  // in place, no reordering.
  bool sorted = true;
  for (int64_t i = 1; i < num_rows && sorted; ++i) sorted = group_ids[i - 1] <= group_ids[i];
  if (sorted) {
    int64_t begin = 0;
    for (int64_t i = 1; i <= num_rows; ++i) {
      if (i == num_rows || group_ids[i] != group_ids[begin]) {
        out.runs.push_back({group_ids[begin], begin, i});
        begin = i;
      }
    }
    return out;
  }
  FERRY_ASSIGN_OR_RAISE(auto order, arrow::AllocateBuffer(num_rows * sizeof(int64_t)));
  auto* indices = reinterpret_cast<int64_t*>(order->mutable_data());
  if (total_num_groups > 4 * static_cast<uint64_t>(num_rows)) {
    // Many more groups than rows: sort the rows rather than count every group.
    for (int64_t i = 0; i < num_rows; ++i) indices[i] = i;
    std::stable_sort(indices, indices + num_rows,
                     [&](int64_t a, int64_t b) { return group_ids[a] < group_ids[b]; });
    int64_t begin = 0;
    for (int64_t i = 1; i <= num_rows; ++i) {
      if (i == num_rows || group_ids[indices[i]] != group_ids[indices[begin]]) {
        out.runs.push_back({group_ids[indices[begin]], begin, i});
        begin = i;
      }
    }
  } else {
    // Counting sort.
    std::vector<int64_t> starts(static_cast<size_t>(total_num_groups) + 1, 0);
    for (int64_t i = 0; i < num_rows; ++i) ++starts[group_ids[i] + 1];
    for (uint32_t g = 0; g < total_num_groups; ++g) {
      if (starts[g + 1] > 0) out.runs.push_back({g, starts[g], starts[g] + starts[g + 1]});
      starts[g + 1] += starts[g];
    }
    for (int64_t i = 0; i < num_rows; ++i) indices[starts[group_ids[i]]++] = i;
  }
  out.order = std::move(order);
  return out;
}

class PyGroupsAccumulator final : public GroupsAccumulator {
 public:
  explicit PyGroupsAccumulator(std::shared_ptr<const PyAggregateUdf> udf) : udf_(std::move(udf)) {}

  ~PyGroupsAccumulator() override {
    if (accumulators_.empty()) return;
    EngineGil gil;  // at exit: leak rather than touch Python
    if (!gil.ok()) return;
    for (PyObject* acc : accumulators_) Py_XDECREF(acc);
  }

  Status Update(const ArrayVector& args, const uint32_t* group_ids, int64_t num_rows,
                uint32_t total_num_groups) override {
    ArrayVector cast = args;
    const auto& declared = udf_->input_types();
    for (size_t i = 0; i < cast.size() && i < declared.size(); ++i) {
      if (cast[i]->type()->Equals(*declared[i])) continue;
      FERRY_ASSIGN_OR_RAISE(cast[i], cp::Cast(*cast[i], declared[i]));
    }
    return Fold(/*is_merge=*/false, cast, group_ids, num_rows, total_num_groups);
  }

  Status Merge(const ArrayVector& states, const uint32_t* group_ids, int64_t num_rows,
               uint32_t total_num_groups) override {
    if (states.size() != udf_->state_fields().size()) {
      return Status::Invalid("Python UDAF '", udf_->name(), "' got ", states.size(),
                             " state columns to merge; its state has ",
                             udf_->state_fields().size(), " fields");
    }
    return Fold(/*is_merge=*/true, states, group_ids, num_rows, total_num_groups);
  }

  Result<ArrayVector> State() override {
    const auto& fields = udf_->state_fields();
    ArrayVector out;
    if (accumulators_.empty()) {
      for (const auto& field : fields) {
        FERRY_ASSIGN_OR_RAISE(auto empty, arrow::MakeEmptyArray(field->type()));
        out.push_back(std::move(empty));
      }
      return out;
    }
    EngineGil gil;
    if (!gil.ok()) return ExitingError("Python UDAF '" + udf_->name() + "'");
    std::vector<nb::list> columns(fields.size());
    try {
      for (size_t g = 0; g < accumulators_.size(); ++g) {
        PyObject* args[] = {Accumulator(g)};
        nb::object values = nb::steal(Check(PyObject_VectorcallMethod(
            Names().state, args, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET, nullptr)));
        if (!PyList_Check(values.ptr()) && !PyTuple_Check(values.ptr())) {
          return Status::TypeError("Python UDAF '", udf_->name(),
                                   "' state() must return a list with one value per state field (",
                                   fields.size(), "), got ", TypeName(values));
        }
        nb::sequence seq = nb::borrow<nb::sequence>(values);
        size_t n = nb::len(seq);
        if (n != fields.size()) {
          return Status::Invalid("Python UDAF '", udf_->name(), "' state() returned ", n,
                                 " value", n == 1 ? "" : "s", "; its state has ", fields.size(),
                                 " field", fields.size() == 1 ? "" : "s", " (",
                                 FieldNames(fields), ")");
        }
        for (size_t f = 0; f < n; ++f) columns[f].append(seq[f]);
      }
    } catch (nb::python_error& error) {
      return StatusFromPythonError(error, "Python UDAF '" + udf_->name() + "' raised in state():");
    }
    for (size_t f = 0; f < fields.size(); ++f) {
      FERRY_ASSIGN_OR_RAISE(auto array, ToArray(columns[f], *fields[f], "state()"));
      out.push_back(std::move(array));
    }
    return out;
  }

  Result<std::shared_ptr<arrow::Array>> Evaluate() override {
    const auto& type = udf_->return_type();
    if (accumulators_.empty()) return arrow::MakeEmptyArray(type);
    EngineGil gil;
    if (!gil.ok()) return ExitingError("Python UDAF '" + udf_->name() + "'");
    nb::list values;
    try {
      for (size_t g = 0; g < accumulators_.size(); ++g) {
        PyObject* args[] = {Accumulator(g)};
        values.append(nb::steal(Check(PyObject_VectorcallMethod(
            Names().evaluate, args, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET, nullptr))));
      }
    } catch (nb::python_error& error) {
      return StatusFromPythonError(error,
                                   "Python UDAF '" + udf_->name() + "' raised in evaluate():");
    }
    return ToArray(values, *arrow::field(udf_->name(), type), "evaluate()");
  }

 private:
  // Calls `method` on the accumulator of every group present in the batch,
  // with that group's rows of `columns` (update: one positional argument
  // per column; merge: one list of all columns).
  Status Fold(bool is_merge, const ArrayVector& columns, const uint32_t* group_ids,
              int64_t num_rows, uint32_t total_num_groups) {
    if (accumulators_.size() < total_num_groups) accumulators_.resize(total_num_groups, nullptr);
    FERRY_ASSIGN_OR_RAISE(auto buckets, Bucket(group_ids, num_rows, total_num_groups));
    if (buckets.runs.empty()) return Status::OK();
    ArrayVector grouped = columns;
    if (buckets.order != nullptr) {
      auto indices = std::make_shared<arrow::Int64Array>(num_rows, buckets.order);
      for (auto& column : grouped) {
        FERRY_ASSIGN_OR_RAISE(auto taken, cp::Take(*column, *indices));
        column = std::move(taken);
      }
    }
    EngineGil gil;
    if (!gil.ok()) return ExitingError("Python UDAF '" + udf_->name() + "'");
    const char* method_name = is_merge ? "merge" : "update";
    try {
      PyObject* method = is_merge ? Names().merge : Names().update;
      std::vector<nb::object> py_columns;
      for (const auto& column : grouped) py_columns.push_back(ExportArray(column));
      std::vector<PyObject*> call(1 + py_columns.size());
      std::vector<nb::object> slices(py_columns.size());
      for (const auto& run : buckets.runs) {
        const bool whole = run.begin == 0 && run.end == num_rows;
        for (size_t c = 0; c < py_columns.size(); ++c) {
          if (whole) {
            slices[c] = py_columns[c];
            continue;
          }
          nb::object begin = nb::int_(run.begin), length = nb::int_(run.end - run.begin);
          PyObject* slice_args[] = {py_columns[c].ptr(), begin.ptr(), length.ptr()};
          slices[c] = nb::steal(Check(PyObject_VectorcallMethod(
              Names().slice, slice_args, 3 | PY_VECTORCALL_ARGUMENTS_OFFSET, nullptr)));
        }
        call[0] = Accumulator(run.group);
        nb::object result;  // update/merge return None; dropped at once
        if (is_merge) {
          nb::list states;
          for (const auto& slice : slices) states.append(slice);
          PyObject* merge_args[] = {call[0], states.ptr()};
          result = nb::steal(Check(PyObject_VectorcallMethod(
              method, merge_args, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET, nullptr)));
        } else {
          for (size_t c = 0; c < slices.size(); ++c) call[1 + c] = slices[c].ptr();
          result = nb::steal(Check(PyObject_VectorcallMethod(
              method, call.data(), call.size() | PY_VECTORCALL_ARGUMENTS_OFFSET, nullptr)));
        }
      }
    } catch (nb::python_error& error) {
      return StatusFromPythonError(
          error, "Python UDAF '" + udf_->name() + "' raised in " + method_name + "():");
    }
    return Status::OK();
  }

  // The accumulator of group `g`, made by the factory on first use. GIL held.
  PyObject* Accumulator(size_t g) {
    if (accumulators_[g] == nullptr) {
      accumulators_[g] = Check(PyObject_CallNoArgs(udf_->factory_ptr()));
    }
    return accumulators_[g];
  }

  // pa.array(values, type=field.type) brought back to C++; GIL held.
  Result<std::shared_ptr<arrow::Array>> ToArray(const nb::list& values, const arrow::Field& field,
                                                const char* method_name) {
    std::shared_ptr<arrow::Array> array;
    try {
      nb::object type = ExportType(field.type());
      nb::object kwnames = nb::make_tuple(nb::handle(Names().type));
      PyObject* call_args[] = {values.ptr(), type.ptr()};
      nb::object py_array =
          nb::steal(Check(PyObject_Vectorcall(Names().array, call_args, 1, kwnames.ptr())));
      array = ImportArray(py_array);
      // One value per group, built by pa.array: cheap to check here.
      FERRY_RETURN_NOT_OK(
          CheckReturnedArray(*array, "Python UDAF '" + udf_->name() + "' " + method_name));
    } catch (nb::python_error& error) {
      std::string what = std::string(method_name) == "state()"
                             ? "state field '" + field.name() + "'"
                             : std::string("result");
      return StatusFromPythonError(error, "Python UDAF '" + udf_->name() + "' " + method_name +
                                              " returned a " + what + " that is not " +
                                              DisplayTypeName(*field.type()) + ":");
    }
    if (!field.nullable() && array->null_count() > 0) {
      return Status::Invalid("Python UDAF '", udf_->name(), "' ", method_name,
                             " returned null for the non-nullable state field '", field.name(),
                             "'");
    }
    return array;
  }

  static std::string FieldNames(const arrow::FieldVector& fields) {
    std::string out;
    for (size_t i = 0; i < fields.size(); ++i) out += (i ? ", " : "") + fields[i]->name();
    return out;
  }

  std::shared_ptr<const PyAggregateUdf> udf_;
  std::vector<PyObject*> accumulators_;  // owned references, null until first use
};

}  // namespace

Status PyAggregateUdf::CheckArgs(const TypeVector& arg_types, bool distinct) const {
  if (distinct) {
    return Status::NotImplemented("Python UDAF '", name_, "' does not support DISTINCT");
  }
  if (arg_types.size() != input_types_.size()) {
    return Status::Invalid("Python UDAF '", name_, "' expects ", input_types_.size(), " argument",
                           input_types_.size() == 1 ? "" : "s", ", got ", arg_types.size());
  }
  for (size_t i = 0; i < arg_types.size(); ++i) {
    if (arg_types[i]->Equals(*input_types_[i])) continue;
    if (!cp::CanCast(*arg_types[i], *input_types_[i])) {
      return Status::TypeError("Python UDAF '", name_, "' argument ", i + 1, " is ",
                               DisplayTypeName(*arg_types[i]), "; declared ",
                               DisplayTypeName(*input_types_[i]));
    }
  }
  return Status::OK();
}

Result<std::shared_ptr<arrow::DataType>> PyAggregateUdf::ReturnType(const TypeVector& arg_types) const {
  FERRY_RETURN_NOT_OK(CheckArgs(arg_types, false));
  return return_type_;
}

Result<arrow::FieldVector> PyAggregateUdf::StateFields(const TypeVector& arg_types,
                                                       bool distinct) const {
  FERRY_RETURN_NOT_OK(CheckArgs(arg_types, distinct));
  return state_fields_;
}

Result<std::unique_ptr<GroupsAccumulator>> PyAggregateUdf::MakeAccumulator(
    const TypeVector& arg_types, bool distinct) const {
  FERRY_RETURN_NOT_OK(CheckArgs(arg_types, distinct));
  return std::make_unique<PyGroupsAccumulator>(shared_from_this());
}

void RegisterUdaf(nb::module_& m) {
  nb::class_<AggregateFunction>(m, "AggregateFunction")
      .def_prop_ro("name", [](const AggregateFunction& f) { return f.name(); })
      .def("__call__", [](std::shared_ptr<AggregateFunction> self, std::vector<Expr> args,
                          bool distinct) {
        std::string name = self->name();
        return AggregateCall(std::move(self), std::move(name), std::move(args), distinct);
      }, nb::arg("args"), nb::arg("distinct") = false);

  nb::class_<PyAggregateUdf, AggregateFunction>(m, "PythonAggregateUdf")
      .def_prop_ro("accumulator", &PyAggregateUdf::factory)
      .def_prop_ro("volatility",
                   [](const PyAggregateUdf& f) { return std::string(VolatilityName(f.volatility())); })
      .def_prop_ro("input_types", [](const PyAggregateUdf& f) {
        nb::list out;
        for (const auto& type : f.input_types()) out.append(ExportType(type));
        return out;
      })
      .def_prop_ro("return_type", [](const PyAggregateUdf& f) { return ExportType(f.return_type()); })
      .def_prop_ro("state_fields", [](const PyAggregateUdf& f) {
        return ExportSchema(arrow::schema(f.state_fields()));
      });

  m.def("python_aggregate_udf",
        [](std::string name, nb::object factory, std::vector<nb::object> input_types,
           nb::object return_type, std::vector<nb::object> state_fields,
           const std::string& volatility) -> std::shared_ptr<AggregateFunction> {
          if (!PyCallable_Check(factory.ptr())) {
            throw nb::type_error("the UDAF's accumulator factory must be callable");
          }
          if (state_fields.empty()) throw nb::value_error("a UDAF needs at least one state field");
          TypeVector inputs;
          for (const auto& type : input_types) inputs.push_back(ImportType(type));
          arrow::FieldVector states;
          for (const auto& field : state_fields) states.push_back(ImportField(field));
          auto v = Unwrap(VolatilityFromName(volatility));
          return std::make_shared<PyAggregateUdf>(std::move(name), std::move(factory),
                                                  std::move(inputs), ImportType(return_type),
                                                  std::move(states), v);
        });
}

}  // namespace ferry::bindings
