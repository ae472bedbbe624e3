// ferry._core.LogicalPlan and ExecutionPlan: plans as Python objects; the
// tree walks, displays and comparisons are the core's.

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
std::shared_ptr<ExecutionPlan> Held(const ExecPtr& plan) {
  return std::const_pointer_cast<ExecutionPlan>(plan);
}

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

  nb::class_<ExecutionPlan>(m, "ExecutionPlan")
      .def("children", [](const ExecutionPlan& plan) {
        std::vector<std::shared_ptr<ExecutionPlan>> out;
        for (const auto& child : plan.children()) out.push_back(Held(child));
        return out;
      })
      .def("display", &ExecutionPlan::Describe)
      .def("display_indent", [](const ExecutionPlan& plan) { return ExplainPhysical(plan); })
      .def_prop_ro("partition_count", &ExecutionPlan::num_partitions)
      .def("schema", [](const ExecutionPlan& plan) { return ExportSchema(plan.schema()); })
      .def("execute_stream", [](std::shared_ptr<ExecutionPlan> plan, int partition) {
        if (partition < 0 || partition >= plan->num_partitions()) {
          throw nb::index_error(("partition " + std::to_string(partition) +
                                 " out of range: the plan has " +
                                 std::to_string(plan->num_partitions()) + " partitions")
                                    .c_str());
        }
        Result<StreamPtr> stream;
        {
          ReleasedGil released;
          stream = plan->Execute(partition);
        }
        // The plan stays alive as long as its stream: operators' streams may
        // read state their plan owns.
        return ExportLiveStreamCapsule(plan->schema(), Unwrap(std::move(stream)), plan);
      });

  m.def("dataframe_plan", [](const DataFrame& df) { return Held(df.plan()); });
  m.def("dataframe_optimized_plan", [](const DataFrame& df) {
    Result<PlanPtr> optimized;
    {
      ReleasedGil released;
      optimized = Optimize(df.plan());
    }
    return Held(Unwrap(std::move(optimized)));
  });
  m.def("dataframe_execution_plan", [](const DataFrame& df) {
    Result<ExecPtr> physical;
    {
      ReleasedGil released;
      physical = df.CreatePhysicalPlan();
    }
    return Held(Unwrap(std::move(physical)));
  });
  m.def("dataframe_from_plan", [](std::shared_ptr<SessionContext> ctx, std::shared_ptr<LogicalPlan> plan) {
    return DataFrame(std::move(ctx), std::move(plan));
  });
}

}  // namespace ferry::bindings
