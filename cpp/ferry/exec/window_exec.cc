// Window functions: rows are bucketed by PARTITION BY (hash grouping and a
// counting sort), each partition sorted by ORDER BY on its own (partitions
// spread over threads), evaluated, and the results put back in input order.
// Per partition, the operator runs on each input partition alone (the
// planner hash-partitions the input on the PARTITION BY keys first, so no
// window partition spans two); otherwise it gathers its whole input.

#include <algorithm>
#include <thread>

#include <arrow/array/builder_primitive.h>
#include <arrow/array/util.h>
#include <arrow/compute/api.h>
#include <arrow/compute/row/grouper.h>
#include <arrow/table.h>

#include "ferry/exec/operator_info.h"
#include "ferry/exec/operators.h"
#include "ferry/exec/parallel.h"
#include "ferry/function/grouping_key.h"
#include "ferry/exec/window_aggregate.h"
#include "ferry/exec/window_frames.h"

namespace ferry {
namespace {

namespace cp = arrow::compute;

// Group ids of PARTITION BY keys; all rows in group 0 without keys.
Result<std::pair<std::vector<uint32_t>, uint32_t>> PartitionIds(const arrow::ArrayVector& keys,
                                                                 int64_t n) {
  if (keys.empty()) return std::make_pair(std::vector<uint32_t>(n, 0), uint32_t{n > 0 ? 1u : 0u});
  std::vector<arrow::TypeHolder> types;
  std::vector<arrow::Datum> values;
  for (const auto& key : keys) {
    types.emplace_back(key->type());
    FERRY_ASSIGN_OR_RAISE(auto normalized, NormalizeGroupingKey(key));
    values.emplace_back(std::move(normalized));
  }
  FERRY_ASSIGN_OR_RAISE(auto grouper, cp::Grouper::Make(types));
  cp::ExecBatch batch(std::move(values), n);
  FERRY_ASSIGN_OR_RAISE(auto ids, grouper->Consume(cp::ExecSpan(batch)));
  const auto* raw = ids.array()->GetValues<uint32_t>(1);
  return std::make_pair(std::vector<uint32_t>(raw, raw + n), grouper->num_groups());
}

// Row order grouping rows by partition (stable), plus partition offsets.
void CountingSort(const std::vector<uint32_t>& ids, uint32_t groups, std::vector<int64_t>* perm,
                  std::vector<int64_t>* offsets) {
  offsets->assign(groups + 1, 0);
  for (uint32_t id : ids) ++(*offsets)[id + 1];
  for (uint32_t g = 0; g < groups; ++g) (*offsets)[g + 1] += (*offsets)[g];
  std::vector<int64_t> next(offsets->begin(), offsets->end() - 1);
  perm->resize(ids.size());
  for (int64_t i = 0; i < static_cast<int64_t>(ids.size()); ++i) (*perm)[next[ids[i]]++] = i;
}

Result<std::shared_ptr<arrow::Array>> TakeBy(const std::shared_ptr<arrow::Array>& values,
                                             const std::shared_ptr<arrow::Int64Array>& indices) {
  FERRY_ASSIGN_OR_RAISE(auto taken, cp::Take(values, indices));
  return taken.make_array();
}

std::shared_ptr<arrow::Int64Array> AsArray(const std::vector<int64_t>& values) {
  auto buffer = arrow::Buffer::Wrap(values.data(), values.size());
  return std::make_shared<arrow::Int64Array>(static_cast<int64_t>(values.size()), buffer);
}

// Marks rows whose ORDER BY keys differ from the previous row's (NULLs
// equal each other): the starts of peer groups.
Result<std::vector<uint8_t>> PeerBreaks(const arrow::ArrayVector& sorted_keys, int64_t n) {
  std::vector<uint8_t> breaks(n, 0);
  if (n > 0) breaks[0] = 1;
  for (const auto& key : sorted_keys) {
    if (n < 2) break;
    auto current = key->Slice(1);
    auto previous = key->Slice(0, n - 1);
    FERRY_ASSIGN_OR_RAISE(auto differ, cp::CallFunction("not_equal", {current, previous}));
    FERRY_ASSIGN_OR_RAISE(auto null_a, cp::IsNull(current));
    FERRY_ASSIGN_OR_RAISE(auto null_b, cp::IsNull(previous));
    FERRY_ASSIGN_OR_RAISE(auto null_differs, cp::CallFunction("xor", {null_a, null_b}));
    FERRY_ASSIGN_OR_RAISE(auto changed, cp::CallFunction("coalesce", {differ, null_differs}));
    // Keep the Array alive: make_array() returns a new shared_ptr, and a
    // reference into it would dangle once the statement ends.
    auto changed_array = changed.make_array();
    const auto& flags = static_cast<const arrow::BooleanArray&>(*changed_array);
    for (int64_t i = 0; i < n - 1; ++i) breaks[i + 1] |= flags.Value(i) ? 1 : 0;
  }
  return breaks;
}

// `expr` over every row of `batches`, as one array.
Result<std::shared_ptr<arrow::Array>> EvaluateColumn(const PhysicalExpr& expr, const BatchVector& batches) {
  arrow::ArrayVector pieces;
  for (const auto& batch : batches) {
    FERRY_ASSIGN_OR_RAISE(auto piece, EvaluateToArray(expr, *batch));
    pieces.push_back(std::move(piece));
  }
  if (pieces.empty()) return arrow::MakeEmptyArray(expr.type());
  if (pieces.size() == 1) return pieces[0];
  return arrow::Concatenate(pieces);
}

class WindowExec final : public ExecutionPlan {
 public:
  WindowExec(ExecPtr input, std::vector<WindowExprSpec> specs, std::shared_ptr<arrow::Schema> schema,
             bool per_partition)
      : input_(std::move(input)),
        specs_(std::move(specs)),
        schema_(std::move(schema)),
        per_partition_(per_partition) {}

  const std::shared_ptr<arrow::Schema>& schema() const override { return schema_; }
  int num_partitions() const override { return per_partition_ ? input_->num_partitions() : 1; }
  std::vector<ExecPtr> children() const override { return {input_}; }
  // Input columns keep their positions, so the input's partitioning holds.
  Partitioning output_partitioning() const override {
    return per_partition_ ? input_->output_partitioning() : std::nullopt;
  }
  Result<ExecPtr> WithNewChildren(std::vector<ExecPtr> children) const override {
    FERRY_RETURN_NOT_OK(CheckChildCount(*this, children, static_cast<size_t>(1)));
    return MakeWindowExec(std::move(children[0]), specs_, schema_, per_partition_);
  }
  std::string Describe() const override {
    std::string out = per_partition_ ? "WindowAggExec(per partition): wdw=[" : "WindowAggExec: wdw=[";
    for (size_t i = 0; i < specs_.size(); ++i) out += (i ? ", " : "") + specs_[i].name;
    return out + "]";
  }
  std::shared_ptr<const OperatorInfo> operator_info() const override {
    return MakeOperatorInfo(WindowInfo{specs_, schema_, per_partition_});
  }

  // The input's batches come out as they went in (their columns borrowed),
  // each with its slice of every window column appended.
  Result<StreamPtr> Execute(int partition) const override {
    if (partition < 0 || partition >= num_partitions()) {
      return Status::IndexError("partition ", partition, " out of range");
    }
    BatchVector batches;
    if (per_partition_) {
      FERRY_ASSIGN_OR_RAISE(auto stream, input_->Execute(partition));
      while (true) {
        FERRY_ASSIGN_OR_RAISE(auto batch, stream->Next());
        if (batch == nullptr) break;
        if (batch->num_rows() > 0) batches.push_back(std::move(batch));
      }
    } else {
      FERRY_ASSIGN_OR_RAISE(batches, Collect(*input_));
    }
    int64_t rows = 0;
    for (const auto& batch : batches) rows += batch->num_rows();
    std::vector<std::shared_ptr<arrow::Array>> results;
    for (const auto& spec : specs_) {
      FERRY_ASSIGN_OR_RAISE(auto result, EvaluateSpec(spec, batches, rows));
      if (!result->type()->Equals(*spec.type)) {
        return Status::TypeError("window expression ", spec.name, " produced ",
                                 DisplayTypeName(*result->type()), ", declared ",
                                 DisplayTypeName(*spec.type));
      }
      results.push_back(std::move(result));
    }
    BatchVector out;
    int64_t offset = 0;
    for (const auto& batch : batches) {
      auto columns = batch->columns();
      for (const auto& result : results) columns.push_back(result->Slice(offset, batch->num_rows()));
      out.push_back(arrow::RecordBatch::Make(schema_, batch->num_rows(), std::move(columns)));
      offset += batch->num_rows();
    }
    return MakeVectorStream(std::move(out));
  }

 private:
  Result<std::shared_ptr<arrow::Array>> EvaluateSpec(const WindowExprSpec& spec,
                                                     const BatchVector& batches, int64_t n) const {
    arrow::ArrayVector keys, order, args;
    for (const auto& key : spec.partition_by) {
      FERRY_ASSIGN_OR_RAISE(auto array, EvaluateColumn(*key, batches));
      keys.push_back(std::move(array));
    }
    for (const auto& key : spec.order_by) {
      FERRY_ASSIGN_OR_RAISE(auto array, EvaluateColumn(*key.expr, batches));
      order.push_back(std::move(array));
    }
    // Constant arguments (lag's offset, ntile's count) are not sorted row by
    // row: partitions get slices of one array of the constant instead.
    for (const auto& arg : spec.args) {
      if (arg->constant()) {
        args.push_back(nullptr);
        continue;
      }
      FERRY_ASSIGN_OR_RAISE(auto array, EvaluateColumn(*arg, batches));
      args.push_back(std::move(array));
    }
    FERRY_ASSIGN_OR_RAISE(auto grouping, PartitionIds(keys, n));
    std::vector<int64_t> perm, offsets;
    CountingSort(grouping.first, grouping.second, &perm, &offsets);
    const uint32_t groups = grouping.second;

    // Sort each partition by ORDER BY, partitions spread over threads. The
    // keys are gathered into partition order once; each partition then
    // sorts a slice of them, and reordering within partitions stays local.
    arrow::ArrayVector sorted_order, sorted_args;
    if (!order.empty()) {
      auto grouped_array = AsArray(perm);
      arrow::ArrayVector grouped_order;
      for (const auto& key : order) {
        FERRY_ASSIGN_OR_RAISE(auto taken, TakeBy(key, grouped_array));
        grouped_order.push_back(std::move(taken));
      }
      std::vector<int64_t> within(n);
      FERRY_RETURN_NOT_OK(SortPartitions(spec, grouped_order, offsets, &within));
      auto within_array = AsArray(within);
      for (const auto& key : grouped_order) {
        FERRY_ASSIGN_OR_RAISE(auto taken, TakeBy(key, within_array));
        sorted_order.push_back(std::move(taken));
      }
      std::vector<int64_t> grouped = std::move(perm);
      perm.resize(n);
      for (int64_t j = 0; j < n; ++j) perm[j] = grouped[within[j]];
    }
    auto perm_array = AsArray(perm);
    int64_t largest = 0;
    for (uint32_t g = 0; g < groups; ++g) largest = std::max(largest, offsets[g + 1] - offsets[g]);
    arrow::ArrayVector constant_args(args.size());
    for (size_t a = 0; a < args.size(); ++a) {
      if (args[a]) {
        FERRY_ASSIGN_OR_RAISE(auto taken, TakeBy(args[a], perm_array));
        sorted_args.push_back(std::move(taken));
      } else {
        FERRY_ASSIGN_OR_RAISE(constant_args[a],
                              arrow::MakeArrayFromScalar(*spec.args[a]->constant(), largest));
        sorted_args.push_back(nullptr);
      }
    }
    FERRY_ASSIGN_OR_RAISE(auto breaks, PeerBreaks(sorted_order, n));

    std::vector<std::shared_ptr<arrow::Array>> pieces(groups);
    FERRY_RETURN_NOT_OK(ParallelFor(groups, InnerThreads(), [&](int64_t g) -> Status {
      const int64_t begin = offsets[g];
      const int64_t rows = offsets[g + 1] - begin;
      std::vector<uint8_t> local_breaks(breaks.begin() + begin, breaks.begin() + begin + rows);
      if (rows > 0) local_breaks[0] = 1;
      std::shared_ptr<arrow::Array> range_key;
      if (sorted_order.size() == 1) range_key = sorted_order[0]->Slice(begin, rows);
      bool descending = !spec.order_by.empty() && !spec.order_by[0].ascending;
      FERRY_ASSIGN_OR_RAISE(auto layout,
                            ComputeLayout(rows, local_breaks.data(), spec.frame, range_key, descending));
      arrow::ArrayVector part_args;
      for (size_t a = 0; a < sorted_args.size(); ++a) {
        part_args.push_back(sorted_args[a] ? sorted_args[a]->Slice(begin, rows)
                                           : constant_args[a]->Slice(0, rows));
      }
      if (spec.window_func) {
        FERRY_ASSIGN_OR_RAISE(auto evaluator, spec.window_func->MakeEvaluator(spec.arg_types, spec.arg_exprs));
        WindowPartition part;
        part.num_rows = rows;
        part.args = std::move(part_args);
        for (const auto& key : sorted_order) part.order_keys.push_back(key->Slice(begin, rows));
        part.peer_start = &layout.peer_start;
        part.peer_end = &layout.peer_end;
        part.frame_start = &layout.frame_start;
        part.frame_end = &layout.frame_end;
        FERRY_ASSIGN_OR_RAISE(pieces[g], evaluator->Evaluate(part));
      } else {
        FERRY_ASSIGN_OR_RAISE(pieces[g], AggregateOverFrames(*spec.aggregate_func, spec.arg_types,
                                                             part_args, rows, layout.frame_start,
                                                             layout.frame_end));
      }
      if (pieces[g]->length() != rows) {
        return Status::Invalid("window function ", spec.name, " returned ", pieces[g]->length(),
                               " rows for a partition of ", rows);
      }
      return Status::OK();
    }));
    std::shared_ptr<arrow::Array> sorted_result;
    if (pieces.empty()) {
      FERRY_ASSIGN_OR_RAISE(sorted_result, arrow::MakeEmptyArray(spec.type));
    } else if (pieces.size() == 1) {
      sorted_result = pieces[0];
    } else {
      FERRY_ASSIGN_OR_RAISE(sorted_result, arrow::Concatenate(pieces));
    }
    // Back to input order: the row at sorted position j is input row perm[j].
    std::vector<int64_t> inverse(n);
    for (int64_t j = 0; j < n; ++j) inverse[perm[j]] = j;
    return TakeBy(sorted_result, AsArray(inverse));
  }

  // Threads for the window partitions of one operator partition: the
  // operator's partitions already run side by side, so together they use
  // about one thread per core.
  int InnerThreads() const {
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return std::max(1, cores / num_partitions());
  }

  // `within[j]`: the row of `grouped` (rows in partition order, each
  // partition contiguous) that goes to position j once every partition is
  // sorted by ORDER BY; positions never leave their partition.
  Status SortPartitions(const WindowExprSpec& spec, const arrow::ArrayVector& grouped,
                        const std::vector<int64_t>& offsets, std::vector<int64_t>* within) const {
    std::vector<cp::SortKey> sort_keys;
    arrow::FieldVector fields;
    for (size_t k = 0; k < grouped.size(); ++k) {
      std::string name = "k";  // appended, not "k" + ...: GCC 12 warns falsely on that
      name += std::to_string(k);
      fields.push_back(arrow::field(name, grouped[k]->type()));
      sort_keys.emplace_back(name,
                             spec.order_by[k].ascending ? cp::SortOrder::Ascending : cp::SortOrder::Descending,
                             spec.order_by[k].nulls_first ? cp::NullPlacement::AtStart
                                                          : cp::NullPlacement::AtEnd);
    }
    auto schema = arrow::schema(fields);
    const uint32_t groups = static_cast<uint32_t>(offsets.size() - 1);
    return ParallelFor(groups, InnerThreads(), [&](int64_t g) -> Status {
      const int64_t begin = offsets[g];
      const int64_t rows = offsets[g + 1] - begin;
      if (rows < 2) {
        if (rows == 1) (*within)[begin] = begin;
        return Status::OK();
      }
      arrow::ArrayVector keys;
      for (const auto& key : grouped) keys.push_back(key->Slice(begin, rows));
      auto key_batch = arrow::RecordBatch::Make(schema, rows, std::move(keys));
      // Stable: rows with equal keys keep their input order.
      FERRY_ASSIGN_OR_RAISE(auto order_indices,
                            cp::SortIndices(arrow::Datum(key_batch), cp::SortOptions(sort_keys)));
      const auto* sorted = order_indices->data()->GetValues<uint64_t>(1);
      for (int64_t i = 0; i < rows; ++i) (*within)[begin + i] = begin + static_cast<int64_t>(sorted[i]);
      return Status::OK();
    });
  }

  ExecPtr input_;
  std::vector<WindowExprSpec> specs_;
  std::shared_ptr<arrow::Schema> schema_;
  bool per_partition_;
};

}  // namespace

ExecPtr MakeWindowExec(ExecPtr input, std::vector<WindowExprSpec> specs,
                       std::shared_ptr<arrow::Schema> schema, bool per_partition) {
  return std::make_shared<WindowExec>(std::move(input), std::move(specs), std::move(schema),
                                      per_partition);
}

}  // namespace ferry
