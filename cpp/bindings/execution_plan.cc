// ferry._core.ExecutionPlan: physical plans, their partitions, and their
// bytes (serde/physical_serde.h); execution releases the GIL.

#include "execution_plan.h"

#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "arrow_interop.h"
#include "errors.h"
#include "interruptible.h"
#include "module.h"
#include "python_gil.h"

namespace ferry::bindings {

void CheckPartition(const ExecutionPlan& plan, int partition) {
  if (partition < 0 || partition >= plan.num_partitions()) {
    throw nb::index_error(("partition " + std::to_string(partition) + " out of range: the plan has " +
                           std::to_string(plan.num_partitions()) + " partitions").c_str());
  }
}

namespace {

// Every batch of one partition, read without the GIL; Ctrl-C stops it.
BatchVector RunPartition(const ExecutionPlan& plan, int partition) {
  CheckPartition(plan, partition);
  Result<BatchVector> batches = RunInterruptiblyFor([&]() -> Result<BatchVector> {
    FERRY_ASSIGN_OR_RAISE(auto stream, plan.Execute(partition));
    BatchVector out;
    while (true) {
      FERRY_ASSIGN_OR_RAISE(auto batch, stream->Next());
      if (batch == nullptr) return out;
      out.push_back(std::move(batch));
    }
  });
  return Unwrap(std::move(batches));
}

}  // namespace

nb::list ExecutePartition(const ExecutionPlan& plan, int partition) {
  return ExportBatches(plan.schema(), RunPartition(plan, partition));
}

void RegisterExecutionPlan(nb::module_& m) {
  nb::class_<PlanHandle>(m, "ExecutionPlan")
      .def_prop_ro("num_partitions", [](const PlanHandle& h) { return h.plan->num_partitions(); })
      .def("schema", [](const PlanHandle& h) { return ExportSchema(h.plan->schema()); })
      .def("describe", [](const PlanHandle& h) { return h.plan->Describe(); })
      .def("explain", [](const PlanHandle& h) { return ExplainPhysical(*h.plan); })
      .def("children", [](const PlanHandle& h) {
        std::vector<PlanHandle> children;
        for (auto& child : h.plan->children()) children.push_back(PlanHandle{std::move(child)});
        return children;
      })
      .def("execute", [](const PlanHandle& h, int partition) {
        return ExecutePartition(*h.plan, partition);
      }, nb::arg("partition"));
}

}  // namespace ferry::bindings
