// ferry._core.BatchStream: one partition of a running plan, pulled a batch
// at a time from Python (SessionContext.execute, RecordBatchStream), read
// as a pyarrow.RecordBatchReader is (schema, read_next_batch,
// __arrow_c_stream__). Each
// pull runs as collect() does (interruptible.h), so Ctrl-C stops a slow
// pull; every pull, and Execute itself, runs under the stream's own stop
// token, so threads the plan started on an earlier pull stop too.

#include <nanobind/stl/string.h>

#include "arrow_interop.h"
#include "errors.h"
#include "execution_plan.h"
#include "ferry/exec/cancellation.h"
#include "interruptible.h"
#include "module.h"
#include "python_gil.h"

namespace ferry::bindings {
namespace {

class BatchStream {
 public:
  BatchStream(ExecPtr plan, int partition) : plan_(std::move(plan)) {
    stream_ = Unwrap(RunInterruptiblyFor([&] { return plan_->Execute(partition); }, &stop_));
  }

  // An abandoned stream stops its plan's threads, and waits for them
  // without the GIL: one may be calling a Python UDF.
  ~BatchStream() {
    if (!stream_) return;
    stop_.RequestStop();
    ReleasedGil released;
    stream_.reset();
  }
  BatchStream(const BatchStream&) = delete;
  BatchStream& operator=(const BatchStream&) = delete;

  nb::object Schema() const { return ExportSchema(plan_->schema()); }

  /// The next pyarrow.RecordBatch; StopIteration at the end.
  nb::object Next() {
    ThrowIfError(Usable());
    if (!stream_) throw nb::stop_iteration();
    Result<BatchPtr> next;
    try {
      next = RunInterruptiblyFor([&] { return stream_->Next(); }, &stop_);
    } catch (const nb::python_error&) {
      // The stop reached the plan's threads; what they were computing is lost.
      stream_.reset();
      state_ = "was interrupted";
      throw;
    }
    BatchPtr batch = Unwrap(std::move(next));
    if (batch == nullptr) {
      stream_.reset();  // exhausted: free the operators' state
      throw nb::stop_iteration();
    }
    return ExportBatches(plan_->schema(), {std::move(batch)})[0];
  }

  /// The rest of the stream as an "arrow_array_stream" capsule (cast to
  /// `requested_schema` by pyarrow when one is given); this object is then
  /// used up.
  nb::object TakeCapsule(nb::object requested_schema) {
    ThrowIfError(Usable());
    auto capsule = ExportLiveStreamCapsule(plan_->schema(), std::move(stream_), plan_);
    state_ = "was handed to an Arrow consumer";
    if (requested_schema.is_none()) return capsule;
    auto reader = nb::module_::import_("pyarrow").attr("RecordBatchReader").attr("_import_from_c_capsule")(capsule);
    return reader.attr("__arrow_c_stream__")(requested_schema);
  }

 private:
  Status Usable() const {
    if (!state_.empty()) return Status::Invalid("this record batch stream ", state_, "; execute the plan again");
    return Status::OK();
  }

  ExecPtr plan_;
  arrow::StopSource stop_;
  StreamPtr stream_;
  std::string state_;  // why the stream can no longer be read, empty while it can
};

}  // namespace

void RegisterBatchStream(nb::module_& m) {
  nb::class_<BatchStream>(m, "BatchStream")
      .def("__init__", [](BatchStream* self, const PlanHandle& h, int partition) {
        CheckPartition(*h.plan, partition);
        new (self) BatchStream(h.plan, partition);
      }, nb::arg("plan"), nb::arg("partition"))
      .def_prop_ro("schema", &BatchStream::Schema)
      .def("read_next_batch", &BatchStream::Next)
      .def("__arrow_c_stream__", &BatchStream::TakeCapsule, nb::arg("requested_schema").none() = nb::none());
}

}  // namespace ferry::bindings
