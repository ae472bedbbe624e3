#pragma once

// Helpers for the execution operators' GoogleTest suites (test code only):
// in-memory sources, a source that fails, row multisets, a hang guard.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <arrow/api.h>
#include <gtest/gtest.h>

#include "ferry/exec/operators.h"

namespace ferry::testing {

/// A scan over `partitions` (each a list of batches) with `schema`.
inline ExecPtr ScanOf(const std::shared_ptr<arrow::Schema>& schema, std::vector<BatchVector> partitions) {
  auto scan = MakeMemoryScanExec(schema, std::move(partitions), std::nullopt);
  EXPECT_TRUE(scan.ok()) << scan.status().ToString();
  return scan.ValueOrDie();
}

/// Column `index` of `schema` as a hash key.
inline PhysicalExprPtr KeyOf(const std::shared_ptr<arrow::Schema>& schema, int index) {
  const auto& field = schema->field(index);
  return MakeColumnRef(index, field->name(), field->type());
}

/// Splits `batch` into `parts` partitions of contiguous rows, each cut in
/// batches of at most `batch_rows` rows (a partition may get none).
inline std::vector<BatchVector> SplitRows(const BatchPtr& batch, int parts, int64_t batch_rows = 7) {
  std::vector<BatchVector> out(parts);
  const int64_t n = batch->num_rows();
  for (int p = 0; p < parts; ++p) {
    const int64_t lo = n * p / parts;
    const int64_t hi = n * (p + 1) / parts;
    for (int64_t at = lo; at < hi; at += batch_rows) {
      out[p].push_back(batch->Slice(at, std::min(batch_rows, hi - at)));
    }
  }
  return out;
}

/// One value as a scalar; a dictionary's entry is decoded to its value.
inline std::shared_ptr<arrow::Scalar> CellValue(const arrow::Array& array, int64_t row) {
  auto scalar = array.GetScalar(row).ValueOrDie();
  if (scalar->is_valid && scalar->type->id() == arrow::Type::DICTIONARY) {
    return static_cast<const arrow::DictionaryScalar&>(*scalar).GetEncodedValue().ValueOrDie();
  }
  return scalar;
}

/// One value as text; NULL as "null" whatever its type.
inline std::string CellText(const arrow::Array& array, int64_t row) {
  if (array.IsNull(row)) return "null";
  return CellValue(array, row)->ToString();
}

/// Each row of `batches` as "v1|v2|...", sorted: a multiset of rows that
/// compares equal whatever the batch boundaries and row order.
inline std::vector<std::string> SortedRows(const BatchVector& batches) {
  std::vector<std::string> rows;
  for (const auto& batch : batches) {
    for (int64_t i = 0; i < batch->num_rows(); ++i) {
      std::string row;
      for (int c = 0; c < batch->num_columns(); ++c) {
        if (c) row += "|";
        row += CellText(*batch->column(c), i);
      }
      rows.push_back(std::move(row));
    }
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

/// Every partition of `plan` drained; fails the test on an error.
inline std::vector<BatchVector> DrainPartitions(const ExecutionPlan& plan, int max_threads = 0) {
  auto result = CollectPartitions(plan, max_threads);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? *result : std::vector<BatchVector>(plan.num_partitions());
}

/// All rows of `plan` as a sorted multiset.
inline std::vector<std::string> PlanRows(const ExecutionPlan& plan, int max_threads = 0) {
  BatchVector all;
  for (auto& partition : DrainPartitions(plan, max_threads)) {
    for (auto& batch : partition) all.push_back(batch);
  }
  return SortedRows(all);
}

/// A source of `num_partitions` partitions that yields `good_batches`
/// copies of `batch` and then fails with `error` (or, with `error` OK, ends).
/// With `failing_partition` >= 0 only that partition fails; the others end.
class ScriptedExec final : public ExecutionPlan {
 public:
  ScriptedExec(BatchPtr batch, int num_partitions, int good_batches, Status error,
               int failing_partition = -1)
      : batch_(std::move(batch)),
        num_partitions_(num_partitions),
        good_batches_(good_batches),
        error_(std::move(error)),
        failing_partition_(failing_partition) {}

  const std::shared_ptr<arrow::Schema>& schema() const override { return batch_->schema(); }
  int num_partitions() const override { return num_partitions_; }
  std::vector<ExecPtr> children() const override { return {}; }
  std::string Describe() const override { return "ScriptedExec"; }
  Result<StreamPtr> Execute(int partition) const override {
    const bool fails = failing_partition_ < 0 || failing_partition_ == partition;
    return std::make_unique<Stream>(batch_, good_batches_, fails ? error_ : Status::OK());
  }

 private:
  class Stream final : public RecordBatchStream {
   public:
    Stream(BatchPtr batch, int good, Status error)
        : batch_(std::move(batch)), left_(good), error_(std::move(error)) {}
    Result<BatchPtr> Next() override {
      if (left_ > 0) {
        --left_;
        return batch_;
      }
      if (!error_.ok()) return error_;
      return nullptr;
    }

   private:
    BatchPtr batch_;
    int left_;
    Status error_;
  };

  BatchPtr batch_;
  int num_partitions_;
  int good_batches_;
  Status error_;
  int failing_partition_;
};

/// Runs `body` on another thread and fails instead of hanging the suite
/// when it has not finished within `seconds`. The hung body still holds
/// references into the test's stack, so after reporting the failure the
/// binary exits at once rather than run on with a thread that may wake up
/// on freed state.
template <typename F>
bool FinishesWithin(double seconds, F&& body) {
  auto task = std::make_shared<std::packaged_task<void()>>(std::forward<F>(body));
  auto done = task->get_future();
  std::thread([task] { (*task)(); }).detach();
  if (done.wait_for(std::chrono::duration<double>(seconds)) != std::future_status::ready) {
    ADD_FAILURE() << "did not finish within " << seconds << " s (deadlock?); exiting";
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(1);
  }
  done.get();
  return true;
}

}  // namespace ferry::testing
