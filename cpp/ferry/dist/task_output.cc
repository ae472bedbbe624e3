// The on-the-wire form of a task's output (task_output.h).

#include "ferry/dist/task_output.h"

#include <charconv>

#include <arrow/io/memory.h>
#include <arrow/ipc/writer.h>
#include <arrow/util/key_value_metadata.h>

namespace ferry {
namespace {

constexpr char kSliceBatchesKey[] = "ferry.slice_batches";
// Batches below this many rows are merged with their neighbours.
constexpr int64_t kCoalesceRows = 64 * 1024;

Result<BatchVector> Coalesce(const BatchVector& batches) {
  BatchVector out, run;
  int64_t run_rows = 0;
  auto flush = [&]() -> Status {
    if (run.size() == 1) out.push_back(run[0]);
    if (run.size() > 1) {
      FERRY_ASSIGN_OR_RAISE(auto merged, arrow::ConcatenateRecordBatches(run));
      out.push_back(std::move(merged));
    }
    run.clear();
    run_rows = 0;
    return Status::OK();
  };
  for (const auto& batch : batches) {
    if (batch->num_rows() == 0) continue;
    if (batch->num_rows() >= kCoalesceRows) {
      FERRY_RETURN_NOT_OK(flush());
      out.push_back(batch);
      continue;
    }
    run.push_back(batch);
    run_rows += batch->num_rows();
    if (run_rows >= kCoalesceRows) FERRY_RETURN_NOT_OK(flush());
  }
  FERRY_RETURN_NOT_OK(flush());
  return out;
}

class FileBatchStream final : public RecordBatchStream {
 public:
  FileBatchStream(std::shared_ptr<arrow::ipc::RecordBatchFileReader> file, int begin, int end)
      : file_(std::move(file)), next_(begin), end_(end) {}
  Result<BatchPtr> Next() override {
    if (next_ >= end_) return nullptr;
    FERRY_ASSIGN_OR_RAISE(auto batch, file_->ReadRecordBatch(next_++));
    FERRY_RETURN_NOT_OK(batch->ValidateFull());
    return batch;
  }

 private:
  std::shared_ptr<arrow::ipc::RecordBatchFileReader> file_;
  int next_;
  int end_;
};

}  // namespace

Result<std::shared_ptr<arrow::Buffer>> WriteTaskOutput(const std::shared_ptr<arrow::Schema>& schema,
                                                       const std::vector<BatchVector>& slices,
                                                       TaskOutputStats* stats) {
  std::vector<BatchVector> coalesced;
  std::string counts;
  TaskOutputStats local;
  for (const auto& slice : slices) {
    FERRY_ASSIGN_OR_RAISE(auto batches, Coalesce(slice));
    int64_t rows = 0;
    for (const auto& batch : batches) rows += batch->num_rows();
    local.slice_rows.push_back(rows);
    local.rows += rows;
    counts += (counts.empty() ? "" : ",") + std::to_string(batches.size());
    coalesced.push_back(std::move(batches));
  }
  auto metadata = schema->metadata() ? schema->metadata()->Copy()
                                     : std::make_shared<arrow::KeyValueMetadata>();
  FERRY_RETURN_NOT_OK(metadata->Set(kSliceBatchesKey, counts));
  auto tagged = schema->WithMetadata(metadata);
  FERRY_ASSIGN_OR_RAISE(auto sink, arrow::io::BufferOutputStream::Create());
  FERRY_ASSIGN_OR_RAISE(auto writer, arrow::ipc::MakeFileWriter(sink, tagged));
  for (const auto& slice : coalesced) {
    for (const auto& batch : slice) {
      FERRY_ASSIGN_OR_RAISE(auto retagged, batch->ReplaceSchema(tagged));
      FERRY_RETURN_NOT_OK(writer->WriteRecordBatch(*retagged));
    }
  }
  FERRY_RETURN_NOT_OK(writer->Close());
  FERRY_ASSIGN_OR_RAISE(auto buffer, sink->Finish());
  local.bytes = buffer->size();
  if (stats != nullptr) *stats = std::move(local);
  return buffer;
}

Result<std::shared_ptr<const TaskOutputReader>> TaskOutputReader::Open(
    std::shared_ptr<arrow::Buffer> buffer) {
  auto file = arrow::ipc::RecordBatchFileReader::Open(
      std::make_shared<arrow::io::BufferReader>(std::move(buffer)));
  if (!file.ok()) return Status::Invalid("not a ferry task output: ", file.status().message());
  std::shared_ptr<TaskOutputReader> reader(new TaskOutputReader());
  reader->file_ = *file;
  const auto& schema = reader->file_->schema();
  const auto& metadata = schema->metadata();
  const int index = metadata ? metadata->FindKey(kSliceBatchesKey) : -1;
  if (index < 0) return Status::Invalid("task output has no slice index (", kSliceBatchesKey, ")");
  const std::string& counts = metadata->value(index);
  reader->slice_starts_.push_back(0);
  for (size_t pos = 0; pos <= counts.size();) {
    const size_t comma = std::min(counts.find(',', pos), counts.size());
    int count = 0;
    auto [end, error] = std::from_chars(counts.data() + pos, counts.data() + comma, count);
    if (error != std::errc() || end != counts.data() + comma || count < 0 ||
        count > reader->file_->num_record_batches() - reader->slice_starts_.back()) {
      return Status::Invalid("task output slice index is corrupt: '", counts, "'");
    }
    reader->slice_starts_.push_back(reader->slice_starts_.back() + count);
    pos = comma + 1;
  }
  if (reader->slice_starts_.back() != reader->file_->num_record_batches()) {
    return Status::Invalid("task output slice index counts ", reader->slice_starts_.back(),
                           " batches, the file holds ", reader->file_->num_record_batches());
  }
  auto plain = metadata->Copy();
  FERRY_RETURN_NOT_OK(plain->Delete(kSliceBatchesKey));
  reader->schema_ = schema->WithMetadata(plain->size() == 0 ? nullptr : plain);
  return std::shared_ptr<const TaskOutputReader>(std::move(reader));
}

Result<StreamPtr> TaskOutputReader::OpenBatches(int begin, int end) const {
  auto stream = std::make_unique<FileBatchStream>(file_, begin, end);
  // Batches carry the file's tagged schema; consumers expect the plain one.
  return MakeMapStream(std::move(stream), [schema = schema_](const BatchPtr& batch) {
    return batch->ReplaceSchema(schema);
  });
}

Result<StreamPtr> TaskOutputReader::OpenSlice(int slice) const {
  if (slice < 0 || slice >= num_slices()) {
    return Status::IndexError("slice ", slice, " of a task output with ", num_slices());
  }
  return OpenBatches(slice_starts_[slice], slice_starts_[slice + 1]);
}

Result<StreamPtr> TaskOutputReader::OpenAll() const { return OpenBatches(0, slice_starts_.back()); }

Result<BatchVector> TaskOutputReader::Read(std::optional<int> slice) const {
  FERRY_ASSIGN_OR_RAISE(auto stream, slice ? OpenSlice(*slice) : OpenAll());
  BatchVector batches;
  while (true) {
    FERRY_ASSIGN_OR_RAISE(auto batch, stream->Next());
    if (batch == nullptr) return batches;
    batches.push_back(std::move(batch));
  }
}

Result<std::shared_ptr<arrow::Buffer>> ExtractSlice(
    const std::vector<std::shared_ptr<const TaskOutputReader>>& outputs, int slice) {
  if (outputs.empty()) return Status::Invalid("extracting slice ", slice, " of no task outputs");
  const auto& first = *outputs.front();
  std::vector<BatchVector> slices(first.num_slices());
  for (const auto& output : outputs) {
    if (output->num_slices() != first.num_slices() || !output->schema()->Equals(*first.schema())) {
      return Status::Invalid("task outputs to slice differ: ", first.num_slices(), " slices of ",
                             first.schema()->ToString(), " vs ", output->num_slices(),
                             " slices of ", output->schema()->ToString());
    }
    FERRY_ASSIGN_OR_RAISE(auto batches, output->Read(slice));
    slices[slice].insert(slices[slice].end(), batches.begin(), batches.end());
  }
  return WriteTaskOutput(first.schema(), slices);
}

}  // namespace ferry
