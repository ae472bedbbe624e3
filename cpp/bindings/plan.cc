// ferry._core.LogicalPlan: logical plans as Python objects; the tree walks,
// displays and comparisons are the core's (physical plans: execution_plan.cc).

#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "arrow_interop.h"
#include "errors.h"
#include "ferry/plan/optimizer.h"
#include "ferry/plan/plan_display.h"
#include "ferry/plan/plan_equality.h"
#include "ferry/session/dataframe.h"
#include "ferry/session/session_context.h"
#include "module.h"
#include "python_gil.h"

namespace ferry::bindings {
namespace {

// nanobind holds plans as shared_ptr<T>; the core's are shared_ptr<const T>
// and no binding below mutates one.
std::shared_ptr<LogicalPlan> Held(const PlanPtr& plan) { return std::const_pointer_cast<LogicalPlan>(plan); }

}  // namespace

void RegisterPlan(nb::module_& m) {
  nb::class_<LogicalPlan>(m, "LogicalPlan")
      .def("inputs", [](const LogicalPlan& plan) {
        std::vector<std::shared_ptr<LogicalPlan>> out;
        for (const auto& input : plan.inputs()) out.push_back(Held(input));
        return out;
      })
      .def("display", &LogicalPlan::Describe)
      .def("display_indent", &LogicalPlan::ToString)
      .def("display_indent_schema", [](const LogicalPlan& plan) { return DisplayIndentSchema(plan); })
      .def("display_graphviz", [](const LogicalPlan& plan) { return DisplayGraphviz(plan); })
      .def("schema", [](const LogicalPlan& plan) { return ExportSchema(plan.schema); })
      .def("equals", [](const LogicalPlan& a, const LogicalPlan& b) { return PlanEquals(a, b); });

  m.def("dataframe_plan", [](const DataFrame& df) { return Held(df.plan()); });
  m.def("dataframe_optimized_plan", [](const DataFrame& df) {
    Result<PlanPtr> optimized;
    {
      ReleasedGil released;
      optimized = Optimize(df.plan());
    }
    return Held(Unwrap(std::move(optimized)));
  });
  m.def("dataframe_from_plan", [](std::shared_ptr<SessionContext> ctx, std::shared_ptr<LogicalPlan> plan) {
    return DataFrame(std::move(ctx), std::move(plan));
  });
}

}  // namespace ferry::bindings
