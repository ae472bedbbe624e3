// ferry._core's distributed-execution entry points: planning a job on the
// driver, running one of its tasks on a worker, reading a task's output.
// Which process runs what, and how bytes move, is ferry.distributed's
// business (Python); everything here is one call of the core.

#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/set.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "arrow_interop.h"
#include "codec.h"
#include "errors.h"
#include "ferry/dist/job.h"
#include "ferry/dist/job_cache.h"
#include "ferry/dist/sliced_inputs.h"
#include "ferry/dist/task_runner.h"
#include "ferry/session/dataframe.h"
#include "ferry/session/session_context.h"
#include "module.h"
#include "python_gil.h"

namespace ferry::bindings {
namespace {

using ContextPtr = std::shared_ptr<SessionContext>;

struct StagedJob {
  Job job;
  std::string payload;
};

// A read-only view of a Python bytes-like object (bytes, memoryview,
// mmap), held for one call: the engine borrows the memory, never copies it.
class BorrowedBuffer {
 public:
  explicit BorrowedBuffer(nb::handle object) {
    if (PyObject_GetBuffer(object.ptr(), &view_, PyBUF_SIMPLE) != 0) throw nb::python_error();
  }
  ~BorrowedBuffer() { PyBuffer_Release(&view_); }
  BorrowedBuffer(const BorrowedBuffer&) = delete;
  BorrowedBuffer& operator=(const BorrowedBuffer&) = delete;
  std::string_view bytes() const { return {static_cast<const char*>(view_.buf), static_cast<size_t>(view_.len)}; }
  std::shared_ptr<arrow::Buffer> arrow() const {
    return std::make_shared<arrow::Buffer>(static_cast<const uint8_t*>(view_.buf), view_.len);
  }

 private:
  Py_buffer view_{};
};

JobCache& WorkerJobCache() {
  static JobCache cache;
  return cache;
}

// The session a worker decodes a job with: the worker's own (its tables
// and registered functions), strict whenever the sender's was.
ContextPtr DecodingSession(const ContextPtr& worker, const JobHeader& header) {
  ContextPtr session = worker ? worker : SessionContext::Make({}, MakePythonCodec(true, kDefaultInlineWarnBytes));
  const auto& codec = *session->codec();
  if (!header.python_udf_inlining && InliningEnabled(codec)) {
    session = session->WithCodec(MakePythonCodec(false, InlineWarnBytes(codec), PayloadKeys(codec)));
  }
  return session;
}

nb::bytes ToBytes(const arrow::Buffer& buffer) {
  return nb::bytes(reinterpret_cast<const char*>(buffer.data()), buffer.size());
}

}  // namespace

void RegisterStages(nb::module_& m) {
  nb::class_<Stage>(m, "StageInfo")
      .def_ro("id", &Stage::id)
      .def_ro("num_tasks", &Stage::num_tasks)
      .def_ro("inputs", &Stage::inputs)
      .def_ro("output_slices", &Stage::output_slices)
      .def_prop_ro("sliced_inputs", [](const Stage& stage) { return SlicedInputs(stage); })
      .def_prop_ro("describe", [](const Stage& stage) { return ExplainPhysical(*stage.fragment); })
      .def("__repr__", [](const Stage& stage) {
        return "StageInfo(id=" + std::to_string(stage.id) + ", num_tasks=" +
               std::to_string(stage.num_tasks) + ", output_slices=" +
               std::to_string(stage.output_slices) + ")";
      });

  nb::class_<StagedJob>(m, "StagedJob")
      .def_prop_ro("job_id", [](const StagedJob& job) { return job.job.job_id; })
      .def_prop_ro("payload", [](const StagedJob& job) {
        return nb::bytes(job.payload.data(), job.payload.size());
      })
      .def_prop_ro("stages", [](const StagedJob& job) { return job.job.plan.stages; })
      .def_prop_ro("schema", [](const StagedJob& job) { return ExportSchema(job.job.schema); })
      .def("explain", [](const StagedJob& job) { return ExplainStages(job.job.plan); });

  m.def("plan_job", [](ContextPtr ctx, const DataFrame& df, int target_partitions) {
    auto job = Unwrap(WithoutGil([&] { return PlanJob(df, target_partitions); }));
    // Encoding may pickle Python UDFs: with the GIL.
    std::vector<std::string> warnings;
    auto payload = Unwrap(EncodeJob(job, *ctx, InliningEnabled(*ctx->codec()), &warnings));
    WarnAll(warnings);
    return StagedJob{std::move(job), std::move(payload)};
  }, nb::arg("ctx"), nb::arg("df"), nb::arg("target_partitions"));

  m.def("run_task", [](nb::handle payload, int stage_id, int task_index,
                       std::map<int, std::vector<nb::object>> inputs, std::optional<ContextPtr> ctx) {
    BorrowedBuffer job_bytes(payload);
    auto header = Unwrap(ReadJobHeader(job_bytes.bytes()));
    auto session = DecodingSession(ctx ? *ctx : nullptr, header);
    std::vector<std::unique_ptr<BorrowedBuffer>> borrowed;
    StageOutputs outputs;
    for (const auto& [stage, buffers] : inputs) {
      auto& list = outputs[stage];
      for (const auto& buffer : buffers) {
        borrowed.push_back(std::make_unique<BorrowedBuffer>(buffer));
        list.push_back(borrowed.back()->arrow());
      }
    }
    // Without the GIL: a concurrent first task of the same job waits on the
    // cache, not on the GIL the decoding task needs to unpickle.
    auto result = WithoutGil([&]() -> Result<TaskResult> {
      // Cached per worker session: the job decodes against its tables and functions.
      std::shared_ptr<const void> worker = ctx ? *ctx : nullptr;
      FERRY_ASSIGN_OR_RAISE(auto plan, WorkerJobCache().Get(job_bytes.bytes(), worker, [&] {
        EngineGil gil;
        if (!gil.ok()) return Result<StagePlan>(ExitingError("decoding a job"));
        return DecodeJob(job_bytes.bytes(), *session, session->config().decode_limits);
      }));
      if (stage_id < 0 || stage_id >= static_cast<int>(plan->stages.size())) {
        return Status::IndexError("job ", header.job_id, " has no stage ", stage_id);
      }
      FERRY_ASSIGN_OR_RAISE(auto bound, BindStageInputs(plan->stages[stage_id].fragment, outputs));
      return RunTask(bound, task_index);
    });
    auto task = Unwrap(std::move(result));
    nb::dict stats;
    stats["rows"] = task.stats.rows;
    stats["bytes"] = task.stats.bytes;
    stats["slice_rows"] = task.stats.slice_rows;
    return std::make_pair(ToBytes(*task.output), stats);
  }, nb::arg("payload"), nb::arg("stage_id"), nb::arg("task_index"), nb::arg("inputs"),
     nb::arg("ctx").none() = nb::none());

  m.def("slice_task_outputs", [](std::vector<nb::object> buffers, int slice) {
    std::vector<std::unique_ptr<BorrowedBuffer>> borrowed;
    for (const auto& buffer : buffers) borrowed.push_back(std::make_unique<BorrowedBuffer>(buffer));
    auto sliced = Unwrap(WithoutGil([&]() -> Result<std::shared_ptr<arrow::Buffer>> {
      std::vector<std::shared_ptr<const TaskOutputReader>> readers;
      for (const auto& buffer : borrowed) {
        FERRY_ASSIGN_OR_RAISE(auto reader, TaskOutputReader::Open(buffer->arrow()));
        readers.push_back(std::move(reader));
      }
      return ExtractSlice(readers, slice);
    }));
    return ToBytes(*sliced);
  }, nb::arg("buffers"), nb::arg("slice"));

  m.def("read_task_output", [](nb::handle buffer, std::optional<int> slice) {
    // The rows outlive this call as pyarrow batches: they own a copy.
    std::shared_ptr<arrow::Buffer> owned;
    {
      BorrowedBuffer borrowed(buffer);
      owned = Unwrap(arrow::Buffer::CopyNonOwned(*borrowed.arrow(), arrow::default_cpu_memory_manager()));
    }
    auto output = Unwrap(TaskOutputReader::Open(owned));
    auto batches = Unwrap(WithoutGil([&] { return output->Read(slice); }));
    const auto& schema = output->schema();
    auto reader = nb::module_::import_("pyarrow").attr("RecordBatchReader").attr("_import_from_c_capsule")(
        ExportStreamCapsule(schema, std::move(batches)));
    return nb::list(reader.attr("read_all")().attr("to_batches")());
  }, nb::arg("buffer"), nb::arg("slice").none() = nb::none());
}

}  // namespace ferry::bindings
