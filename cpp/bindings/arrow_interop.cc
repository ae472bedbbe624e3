#include "arrow_interop.h"

#include <arrow/c/abi.h>
#include <arrow/c/bridge.h>

#include "errors.h"
#include "ferry/function/array_validation.h"
#include "python_gil.h"

namespace ferry::bindings {
namespace {

template <typename T>
T* CapsulePointer(nb::handle capsule, const char* name) {
  void* ptr = PyCapsule_GetPointer(capsule.ptr(), name);
  if (ptr == nullptr) throw nb::python_error();
  return static_cast<T*>(ptr);
}

nb::object CallProtocol(nb::handle obj, const char* method, const char* what) {
  if (!nb::hasattr(obj, method)) {
    std::string type = std::string(nb::str(obj.type().attr("__name__")).c_str());
    throw nb::type_error(("expected " + std::string(what) + " (an object with " + method +
                          "), got " + type).c_str());
  }
  return obj.attr(method)();
}

template <typename T>
nb::object OwningCapsule(const char* name) {
  auto* raw = new T{};
  raw->release = nullptr;
  return nb::steal(PyCapsule_New(raw, name, [](PyObject* capsule) {
    auto* ptr = static_cast<T*>(PyCapsule_GetPointer(capsule, PyCapsule_GetName(capsule)));
    if (ptr == nullptr) {
      PyErr_Clear();
      return;
    }
    if (ptr->release != nullptr) ptr->release(ptr);
    delete ptr;
  }));
}

nb::object& PyArrow() {
  static nb::object* pyarrow = new nb::object(nb::module_::import_("pyarrow"));
  return *pyarrow;
}

}  // namespace

std::shared_ptr<arrow::DataType> ImportType(nb::handle obj) {
  auto capsule = CallProtocol(obj, "__arrow_c_schema__", "an Arrow type");
  return Unwrap(arrow::ImportType(CapsulePointer<ArrowSchema>(capsule, "arrow_schema")));
}

std::shared_ptr<arrow::Field> ImportField(nb::handle obj) {
  auto capsule = CallProtocol(obj, "__arrow_c_schema__", "an Arrow field");
  return Unwrap(arrow::ImportField(CapsulePointer<ArrowSchema>(capsule, "arrow_schema")));
}

std::shared_ptr<arrow::Array> ImportArray(nb::handle obj) {
  auto pair = CallProtocol(obj, "__arrow_c_array__", "an Arrow array");
  auto* schema = CapsulePointer<ArrowSchema>(pair[0], "arrow_schema");
  auto* array = CapsulePointer<ArrowArray>(pair[1], "arrow_array");
  return Unwrap(arrow::ImportArray(array, schema));
}

std::shared_ptr<arrow::Array> ImportCheckedArray(nb::handle obj) {
  auto array = ImportArray(obj);
  auto valid = WithoutGil([&] { return ValidateForeignArray(*array); });
  if (!valid.ok()) {
    ThrowIfError(Status::Invalid("malformed Arrow data handed to ferry: ", array->type()->ToString(),
                                 " array: ", valid.message()));
  }
  return array;
}

Status CheckReturnedArray(const arrow::Array& array, const std::string& who) {
  // As strict as Arrow's ValidateFull: the cheap Validate() misses offsets
  // that go backwards and invalid UTF-8, which crash string kernels.
  auto valid = ValidateForeignArray(array);
  if (!valid.ok()) {
    return Status::Invalid(who, " returned an invalid ", array.type()->ToString(), " array: ",
                           valid.message());
  }
  return Status::OK();
}

namespace {

// The C data interface hands over buffers as they are: offsets that run
// backwards or past their data, or bytes that are not UTF-8, would crash
// (or silently corrupt) the kernels that later read them.
Status CheckImportedBatch(const arrow::RecordBatch& batch, int64_t index) {
  auto valid = ValidateForeignBatch(batch);
  if (!valid.ok()) {
    return Status::Invalid("malformed Arrow data handed to ferry: record batch ", index, ", ",
                           valid.message());
  }
  return Status::OK();
}

}  // namespace

std::shared_ptr<arrow::RecordBatch> ImportRecordBatch(nb::handle obj) {
  auto pair = CallProtocol(obj, "__arrow_c_array__", "an Arrow record batch");
  auto* schema = CapsulePointer<ArrowSchema>(pair[0], "arrow_schema");
  auto* array = CapsulePointer<ArrowArray>(pair[1], "arrow_array");
  auto batch = Unwrap(arrow::ImportRecordBatch(array, schema));
  ThrowIfError(WithoutGil([&] { return CheckImportedBatch(*batch, 0); }));
  return batch;
}

std::pair<std::shared_ptr<arrow::Schema>, BatchVector> ImportStream(nb::handle obj) {
  auto capsule = CallProtocol(obj, "__arrow_c_stream__", "Arrow tabular data");
  auto* stream = CapsulePointer<ArrowArrayStream>(capsule, "arrow_array_stream");
  auto reader = Unwrap(arrow::ImportRecordBatchReader(stream));
  BatchVector batches;
  Status status;
  {
    ReleasedGil released;
    status = [&]() -> Status {
      while (true) {
        FERRY_ASSIGN_OR_RAISE(auto batch, reader->Next());
        if (batch == nullptr) return Status::OK();
        FERRY_RETURN_NOT_OK(CheckImportedBatch(*batch, static_cast<int64_t>(batches.size())));
        batches.push_back(std::move(batch));
      }
    }();
  }
  ThrowIfError(status);
  return {reader->schema(), std::move(batches)};
}

nb::object ExportArray(const std::shared_ptr<arrow::Array>& array) {
  auto schema_capsule = OwningCapsule<ArrowSchema>("arrow_schema");
  auto array_capsule = OwningCapsule<ArrowArray>("arrow_array");
  ThrowIfError(arrow::ExportArray(*array, CapsulePointer<ArrowArray>(array_capsule, "arrow_array"),
                                  CapsulePointer<ArrowSchema>(schema_capsule, "arrow_schema")));
  return PyArrow().attr("Array").attr("_import_from_c_capsule")(schema_capsule, array_capsule);
}

nb::object ExportSchema(const std::shared_ptr<arrow::Schema>& schema) {
  auto capsule = OwningCapsule<ArrowSchema>("arrow_schema");
  ThrowIfError(arrow::ExportSchema(*schema, CapsulePointer<ArrowSchema>(capsule, "arrow_schema")));
  return PyArrow().attr("Schema").attr("_import_from_c_capsule")(capsule);
}

nb::object ExportType(const std::shared_ptr<arrow::DataType>& type) {
  auto capsule = OwningCapsule<ArrowSchema>("arrow_schema");
  ThrowIfError(arrow::ExportType(*type, CapsulePointer<ArrowSchema>(capsule, "arrow_schema")));
  return PyArrow().attr("DataType").attr("_import_from_c_capsule")(capsule);
}

nb::object ExportStreamCapsule(std::shared_ptr<arrow::Schema> schema, BatchVector batches) {
  auto reader = Unwrap(arrow::RecordBatchReader::Make(std::move(batches), std::move(schema)));
  auto capsule = OwningCapsule<ArrowArrayStream>("arrow_array_stream");
  ThrowIfError(arrow::ExportRecordBatchReader(
      std::move(reader), CapsulePointer<ArrowArrayStream>(capsule, "arrow_array_stream")));
  return capsule;
}

namespace {

// Pulls a ferry stream for an Arrow reader. Python's reader may call in
// with or without the GIL; engine work never runs holding it (a Python UDF
// on another engine thread would wait for it forever).
class LiveStreamReader : public arrow::RecordBatchReader {
 public:
  LiveStreamReader(std::shared_ptr<arrow::Schema> schema, StreamPtr stream,
                   std::shared_ptr<const void> owner)
      : schema_(std::move(schema)), stream_(std::move(stream)), owner_(std::move(owner)) {}

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override {
    if (!stream_) {
      *batch = nullptr;
      return arrow::Status::OK();
    }
    Result<BatchPtr> next;
    if (PyGILState_Check()) {
      ReleasedGil released;
      next = stream_->Next();
    } else {
      next = stream_->Next();
    }
    if (!next.ok()) return next.status();
    *batch = *next;
    if (*batch == nullptr) stream_.reset();  // exhausted: free the operators' state
    return arrow::Status::OK();
  }

 private:
  std::shared_ptr<arrow::Schema> schema_;
  StreamPtr stream_;
  std::shared_ptr<const void> owner_;
};

}  // namespace

nb::object ExportLiveStreamCapsule(std::shared_ptr<arrow::Schema> schema, StreamPtr stream,
                                   std::shared_ptr<const void> owner) {
  auto reader = std::make_shared<LiveStreamReader>(std::move(schema), std::move(stream), std::move(owner));
  auto capsule = OwningCapsule<ArrowArrayStream>("arrow_array_stream");
  ThrowIfError(arrow::ExportRecordBatchReader(
      std::move(reader), CapsulePointer<ArrowArrayStream>(capsule, "arrow_array_stream")));
  return capsule;
}

nb::list ExportBatches(std::shared_ptr<arrow::Schema> schema, BatchVector batches) {
  auto capsule = ExportStreamCapsule(std::move(schema), std::move(batches));
  auto reader = PyArrow().attr("RecordBatchReader").attr("_import_from_c_capsule")(capsule);
  return nb::list(reader);
}

}  // namespace ferry::bindings
