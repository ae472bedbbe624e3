// ferry._core.DataFrame: the core DataFrame; execution releases the GIL
// and stops on Ctrl-C (interruptible.h).

#include <nanobind/stl/optional.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "arrow_interop.h"
#include "errors.h"
#include "execution_plan.h"
#include "interruptible.h"
#include "ferry/session/dataframe.h"
#include "ferry/session/session_context.h"
#include "module.h"
#include "python_gil.h"

namespace ferry::bindings {

void RegisterDataFrame(nb::module_& m) {
  nb::class_<DataFrame>(m, "DataFrame")
      .def("schema", [](const DataFrame& df) { return ExportSchema(df.schema()); })
      .def("select", [](const DataFrame& df, std::vector<Expr> exprs) {
        return Unwrap(df.Select(std::move(exprs)));
      })
      .def("filter", [](const DataFrame& df, const Expr& predicate) {
        return Unwrap(df.Filter(predicate));
      })
      .def("aggregate", [](const DataFrame& df, std::vector<Expr> group_by, std::vector<Expr> aggs) {
        return Unwrap(df.Aggregate(std::move(group_by), std::move(aggs)));
      })
      .def("sort", [](const DataFrame& df, std::vector<Expr> exprs) {
        return Unwrap(df.Sort(std::move(exprs)));
      })
      .def("limit", [](const DataFrame& df, int64_t count, int64_t offset) {
        return Unwrap(df.Limit(count, offset));
      })
      .def("distinct", [](const DataFrame& df) { return Unwrap(df.Distinct()); })
      .def("join", [](const DataFrame& df, const DataFrame& right, const std::string& how,
                      const std::vector<std::string>& left_keys,
                      const std::vector<std::string>& right_keys) {
        return Unwrap(df.Join(right, Unwrap(JoinTypeFromName(how)), left_keys, right_keys));
      })
      .def("join_on", [](const DataFrame& df, const DataFrame& right, const std::string& how,
                         const std::vector<Expr>& on) {
        return Unwrap(df.JoinOn(right, Unwrap(JoinTypeFromName(how)), on));
      })
      .def("union", [](const DataFrame& df, const DataFrame& other) { return Unwrap(df.Union(other)); })
      .def("with_column", [](const DataFrame& df, const std::string& name, const Expr& expr) {
        return Unwrap(df.WithColumn(name, expr));
      })
      .def("with_column_renamed", [](const DataFrame& df, const std::string& old_name,
                                     const std::string& new_name) {
        return Unwrap(df.WithColumnRenamed(old_name, new_name));
      })
      .def("drop", [](const DataFrame& df, const std::vector<std::string>& names) {
        return Unwrap(df.Drop(names));
      })
      .def("collect_stream", [](const DataFrame& df) {
        auto batches = RunInterruptiblyFor([&] { return df.Collect(); });
        return ExportStreamCapsule(df.schema(), Unwrap(std::move(batches)));
      })
      .def("collect_partitioned_streams", [](const DataFrame& df) {
        auto partitions = RunInterruptiblyFor([&] { return df.CollectPartitioned(); });
        nb::list out;
        for (auto& partition : Unwrap(std::move(partitions))) {
          out.append(ExportStreamCapsule(df.schema(), std::move(partition)));
        }
        return out;
      })
      .def("count", [](const DataFrame& df) {
        auto count = RunInterruptiblyFor([&] { return df.Count(); });
        return Unwrap(std::move(count));
      })
      .def("execution_plan", [](const DataFrame& df) {
        return PlanHandle{Unwrap(WithoutGil([&] { return df.CreatePhysicalPlan(); }))};
      })
      .def("session", [](const DataFrame& df) { return df.session(); })
      .def("explain", [](const DataFrame& df) { return Unwrap(df.Explain()); });
}

}  // namespace ferry::bindings
