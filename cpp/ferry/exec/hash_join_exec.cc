// Hash join, one partition at a time: the build side of the partition is
// indexed, the probe side streams through it batch by batch. Partitions
// are independent when both inputs are hash-partitioned on the keys, or
// when the build side is broadcast whole to every partition.

#include <arrow/array/util.h>
#include <arrow/compute/api.h>

#include "ferry/exec/cancellation.h"
#include "ferry/exec/join_hash_table.h"
#include "ferry/exec/operator_info.h"
#include "ferry/exec/operators.h"

namespace ferry {
namespace {

namespace cp = arrow::compute;

constexpr int64_t kOutputRows = 65536;

// What a join emits, seen from its build and probe sides.
struct JoinRoles {
  bool pairs = true;             // matched (probe, build) pairs
  bool probe_unmatched = false;  // probe rows without a match, build side NULL
  bool probe_semi = false;       // probe rows with a match, once
  bool probe_anti = false;       // probe rows without a match
  bool build_unmatched = false;  // build rows never matched, probe side NULL
  bool build_semi = false;       // build rows matched at least once
  bool build_anti = false;       // build rows never matched

  bool tracks_build() const { return build_unmatched || build_semi || build_anti; }
};

JoinRoles RolesOf(JoinType type, bool build_left) {
  JoinRoles r;
  switch (type) {
    case JoinType::kInner:
      break;
    case JoinType::kLeft:
      (build_left ? r.build_unmatched : r.probe_unmatched) = true;
      break;
    case JoinType::kRight:
      (build_left ? r.probe_unmatched : r.build_unmatched) = true;
      break;
    case JoinType::kFull:
      r.probe_unmatched = r.build_unmatched = true;
      break;
    case JoinType::kLeftSemi:
      r.pairs = false;
      (build_left ? r.build_semi : r.probe_semi) = true;
      break;
    case JoinType::kLeftAnti:
      r.pairs = false;
      (build_left ? r.build_anti : r.probe_anti) = true;
      break;
  }
  return r;
}

// Row indices of output rows into one side; -1 stands for NULL.
Result<std::shared_ptr<arrow::Int64Array>> IndexArray(const std::vector<int64_t>& rows) {
  const int64_t n = static_cast<int64_t>(rows.size());
  FERRY_ASSIGN_OR_RAISE(auto values, arrow::AllocateBuffer(n * sizeof(int64_t)));
  auto* out = reinterpret_cast<int64_t*>(values->mutable_data());
  int64_t nulls = 0;
  for (int64_t i = 0; i < n; ++i) nulls += rows[i] < 0;
  std::shared_ptr<arrow::Buffer> validity;
  if (nulls > 0) {
    FERRY_ASSIGN_OR_RAISE(validity, arrow::AllocateBitmap(n));
    auto* bits = validity->mutable_data();
    for (int64_t i = 0; i < n; ++i) arrow::bit_util::SetBitTo(bits, i, rows[i] >= 0);
  }
  for (int64_t i = 0; i < n; ++i) out[i] = rows[i] < 0 ? 0 : rows[i];
  return std::make_shared<arrow::Int64Array>(n, std::move(values), std::move(validity), nulls);
}

class HashJoinStream final : public RecordBatchStream {
 public:
  HashJoinStream(StreamPtr build, StreamPtr probe, const JoinNode& join, bool build_left,
                 std::shared_ptr<arrow::Schema> build_schema,
                 std::shared_ptr<arrow::Schema> probe_schema, std::shared_ptr<arrow::Schema> schema,
                 std::shared_ptr<const JoinFilter> filter)
      : build_(std::move(build)),
        probe_(std::move(probe)),
        join_(join),
        build_left_(build_left),
        roles_(RolesOf(join.type, build_left)),
        build_schema_(std::move(build_schema)),
        probe_schema_(std::move(probe_schema)),
        schema_(std::move(schema)),
        filter_(std::move(filter)) {}

  Result<BatchPtr> Next() override {
    if (!table_) FERRY_RETURN_NOT_OK(Build());
    while (true) {
      // A many-to-many or cross join can emit for long from one probe batch.
      FERRY_RETURN_NOT_OK(CheckStopRequested());
      if (probe_batch_) {
        // Output is cut at kOutputRows even inside one probe batch, so a
        // many-to-many key never materializes all its pairs at once.
        bool finished;
        if (filter_) {
          FERRY_ASSIGN_OR_RAISE(finished, AdvanceFiltered());
        } else {
          finished = Advance();
        }
        BatchPtr batch = probe_batch_;
        if (finished) probe_batch_.reset();
        if (!probe_rows_.empty()) return Emit(batch);
        continue;
      }
      if (probe_done_) {
        if (!roles_.tracks_build() || build_cursor_ >= table_->num_rows()) return nullptr;
        AdvanceBuildRows();
        if (!probe_rows_.empty()) return Emit(nullptr);
        continue;
      }
      FERRY_ASSIGN_OR_RAISE(auto batch, probe_->Next());
      if (batch == nullptr) {
        probe_done_ = true;
        probe_.reset();
        continue;
      }
      if (batch->num_rows() == 0) continue;
      arrow::ArrayVector keys;
      for (int k : probe_keys()) keys.push_back(batch->column(k));
      FERRY_RETURN_NOT_OK(table_->Lookup(keys, batch->num_rows(), &groups_));
      if (filter_) probe_matched_.assign(batch->num_rows(), false);
      probe_batch_ = std::move(batch);
      probe_row_ = 0;
      inner_ = -1;
    }
  }

 private:
  const std::vector<int>& build_keys() const { return build_left_ ? join_.left_keys : join_.right_keys; }
  const std::vector<int>& probe_keys() const { return build_left_ ? join_.right_keys : join_.left_keys; }

  Status Build() {
    BatchVector rows;
    while (true) {
      FERRY_ASSIGN_OR_RAISE(auto batch, build_->Next());
      if (batch == nullptr) break;
      if (batch->num_rows() > 0) rows.push_back(std::move(batch));
    }
    build_.reset();
    FERRY_ASSIGN_OR_RAISE(table_, JoinHashTable::Make(build_schema_, rows, build_keys()));
    if (roles_.tracks_build()) matched_.assign(table_->num_rows(), false);
    // Nothing to build against: joins that only emit matches are done
    // without reading the probe side at all.
    if (table_->num_rows() == 0 && !roles_.probe_unmatched && !roles_.probe_anti) {
      probe_done_ = true;
      probe_.reset();
    }
    return Status::OK();
  }

  void Push(int64_t probe_row, int64_t build_row) {
    probe_rows_.push_back(probe_row);
    build_rows_.push_back(build_row);
  }

  // Collects output rows of the current probe batch until kOutputRows are
  // pending or the batch is done; returns whether it is done.
  bool Advance() {
    const int64_t n = probe_batch_->num_rows();
    const bool unique = table_->unique_keys();
    const auto& by_group = table_->row_by_group();
    const bool emit_unmatched = roles_.probe_unmatched || roles_.probe_anti;
    const bool track = roles_.tracks_build();
    while (probe_row_ < n && static_cast<int64_t>(probe_rows_.size()) < kOutputRows) {
      const int64_t i = probe_row_;
      const int32_t g = groups_[i];
      if (g < 0) {
        if (emit_unmatched) Push(i, -1);
        ++probe_row_;
        continue;
      }
      if (unique) {
        const int64_t row = table_->unique_row(g);
        if (track) matched_[row] = true;
        if (roles_.pairs || roles_.probe_semi) Push(i, roles_.pairs ? row : -1);
        ++probe_row_;
        continue;
      }
      const int64_t end = table_->group_end(g);
      if (inner_ < 0) {  // first visit of this probe row
        inner_ = table_->group_begin(g);
        if (roles_.probe_semi) Push(i, -1);
        if (track) {
          for (int64_t j = inner_; j < end; ++j) matched_[by_group[j]] = true;
        }
        if (!roles_.pairs) inner_ = end;
      }
      while (inner_ < end && static_cast<int64_t>(probe_rows_.size()) < kOutputRows) {
        Push(i, by_group[inner_++]);
      }
      if (inner_ >= end) {
        ++probe_row_;
        inner_ = -1;
      }
    }
    return probe_row_ >= n;
  }

  // Advance for joins with a filter: candidate pairs (equal keys) are
  // collected, the filter decides which match, and a probe row's
  // unmatched/anti output waits until all its candidates were seen.
  Result<bool> AdvanceFiltered() {
    const int64_t n = probe_batch_->num_rows();
    const bool unique = table_->unique_keys();
    const auto& by_group = table_->row_by_group();
    cand_probe_.clear();
    cand_build_.clear();
    while (probe_row_ < n && static_cast<int64_t>(cand_probe_.size()) < kOutputRows) {
      const int64_t i = probe_row_;
      const int32_t g = groups_[i];
      if (g < 0) {
        ++probe_row_;
        continue;
      }
      if (unique) {
        cand_probe_.push_back(i);
        cand_build_.push_back(table_->unique_row(g));
        ++probe_row_;
        continue;
      }
      const int64_t end = table_->group_end(g);
      if (inner_ < 0) inner_ = table_->group_begin(g);
      while (inner_ < end && static_cast<int64_t>(cand_probe_.size()) < kOutputRows) {
        cand_probe_.push_back(i);
        cand_build_.push_back(by_group[inner_++]);
      }
      if (inner_ >= end) {
        ++probe_row_;
        inner_ = -1;
      }
    }
    FERRY_RETURN_NOT_OK(ApplyFilter());
    if (probe_row_ < n) return false;
    if (roles_.probe_unmatched || roles_.probe_anti) {
      for (int64_t i = 0; i < n; ++i) {
        if (!probe_matched_[i]) Push(i, -1);
      }
    }
    return true;
  }

  // Evaluates the join filter on the candidate pairs and turns the pairs
  // it keeps into output rows and matched flags.
  Status ApplyFilter() {
    const int64_t count = static_cast<int64_t>(cand_probe_.size());
    if (count == 0) return Status::OK();
    FERRY_ASSIGN_OR_RAISE(auto probe_index, IndexArray(cand_probe_));
    FERRY_ASSIGN_OR_RAISE(auto build_index, IndexArray(cand_build_));
    arrow::ArrayVector columns;
    for (const auto& [from_left, column] : filter_->columns) {
      const bool from_build = from_left == build_left_;
      const auto& source = from_build ? table_->rows() : probe_batch_;
      FERRY_ASSIGN_OR_RAISE(auto taken,
                            cp::Take(source->column(column), from_build ? build_index : probe_index));
      columns.push_back(taken.make_array());
    }
    auto pairs = arrow::RecordBatch::Make(filter_->schema, count, std::move(columns));
    FERRY_ASSIGN_OR_RAISE(auto mask_array, EvaluateToArray(*filter_->predicate, *pairs));
    const auto& mask = static_cast<const arrow::BooleanArray&>(*mask_array);
    const bool track = roles_.tracks_build();
    for (int64_t k = 0; k < count; ++k) {
      if (!mask.IsValid(k) || !mask.Value(k)) continue;
      const int64_t i = cand_probe_[k], j = cand_build_[k];
      if (track) matched_[j] = true;
      if (roles_.pairs) Push(i, j);
      if (!probe_matched_[i] && roles_.probe_semi) Push(i, -1);
      probe_matched_[i] = true;
    }
    return Status::OK();
  }

  // Build rows emitted once the probe side is done (unmatched rows of a
  // preserved build side, build-side semi/anti), kOutputRows at a time.
  void AdvanceBuildRows() {
    const bool want_matched = roles_.build_semi;
    while (build_cursor_ < table_->num_rows() &&
           static_cast<int64_t>(build_rows_.size()) < kOutputRows) {
      const int64_t i = build_cursor_++;
      if (matched_[i] == want_matched) Push(-1, i);
    }
  }

  // The first probe row when the pending probe rows are consecutive
  // (every probe row matched once, as a foreign key meets its primary
  // key): their columns are then sliced, not taken.
  std::optional<int64_t> ConsecutiveProbeRows() const {
    if (probe_rows_.empty() || probe_rows_.front() < 0) return std::nullopt;
    const int64_t first = probe_rows_.front();
    for (size_t i = 1; i < probe_rows_.size(); ++i) {
      if (probe_rows_[i] != first + static_cast<int64_t>(i)) return std::nullopt;
    }
    return first;
  }

  // Turns the pending row index lists into an output batch; clears them.
  Result<BatchPtr> Emit(const BatchPtr& probe_batch) {
    const int64_t n = static_cast<int64_t>(probe_rows_.size());
    const auto probe_slice = ConsecutiveProbeRows();
    std::shared_ptr<arrow::Int64Array> probe_index;
    if (!probe_slice) {
      FERRY_ASSIGN_OR_RAISE(probe_index, IndexArray(probe_rows_));
    }
    FERRY_ASSIGN_OR_RAISE(auto build_index, IndexArray(build_rows_));
    probe_rows_.clear();
    build_rows_.clear();
    auto take = [&](bool from_build, int column) -> Result<std::shared_ptr<arrow::Array>> {
      const auto& index = from_build ? build_index : probe_index;
      const auto& source = from_build ? table_->rows() : probe_batch;
      if (!from_build && source != nullptr && probe_slice) {
        return source->column(column)->Slice(*probe_slice, n);
      }
      if (source == nullptr || index->null_count() == n) {
        const auto& schema = from_build ? build_schema_ : probe_schema_;
        return arrow::MakeArrayOfNull(schema->field(column)->type(), n);
      }
      FERRY_ASSIGN_OR_RAISE(auto taken, cp::Take(source->column(column), index));
      return taken.make_array();
    };
    arrow::ArrayVector columns;
    for (const auto& out : join_.output_columns) {
      std::shared_ptr<arrow::Array> left, right;
      if (out.left >= 0) {
        FERRY_ASSIGN_OR_RAISE(left, take(build_left_, out.left));
      }
      if (out.right >= 0) {
        FERRY_ASSIGN_OR_RAISE(right, take(!build_left_, out.right));
      }
      if (left && right) {
        // A key both sides share: whichever side matched supplies it.
        FERRY_ASSIGN_OR_RAISE(auto merged, cp::CallFunction("coalesce", {left, right}));
        columns.push_back(merged.make_array());
      } else {
        columns.push_back(left ? left : right);
      }
    }
    return arrow::RecordBatch::Make(schema_, n, std::move(columns));
  }

  StreamPtr build_;
  StreamPtr probe_;
  JoinNode join_;
  bool build_left_;
  JoinRoles roles_;
  std::shared_ptr<arrow::Schema> build_schema_;
  std::shared_ptr<arrow::Schema> probe_schema_;
  std::shared_ptr<arrow::Schema> schema_;
  std::unique_ptr<JoinHashTable> table_;
  std::vector<bool> matched_;
  // Scratch reused across probe batches (fresh large vectors cost page faults).
  std::vector<int32_t> groups_;
  std::vector<int64_t> probe_rows_;
  std::vector<int64_t> build_rows_;
  std::shared_ptr<const JoinFilter> filter_;
  std::vector<int64_t> cand_probe_, cand_build_;  // candidate pairs (filtered joins)
  std::vector<bool> probe_matched_;               // per probe row (filtered joins)
  BatchPtr probe_batch_;       // the probe batch being joined
  int64_t probe_row_ = 0;      // its next row
  int64_t inner_ = -1;         // next match of that row, -1 before the first
  int64_t build_cursor_ = 0;   // next build row to consider once probing is done
  bool probe_done_ = false;
};

class HashJoinExec final : public ExecutionPlan {
 public:
  HashJoinExec(ExecPtr left, ExecPtr right, JoinNode join, HashJoinMode mode, bool build_left,
               std::shared_ptr<arrow::Schema> schema, std::shared_ptr<const JoinFilter> filter)
      : left_(std::move(left)), right_(std::move(right)), join_(std::move(join)), mode_(mode),
        build_left_(build_left), schema_(std::move(schema)), filter_(std::move(filter)) {}

  const std::shared_ptr<arrow::Schema>& schema() const override { return schema_; }
  int num_partitions() const override { return left_->num_partitions(); }
  std::vector<ExecPtr> children() const override { return {left_, right_}; }
  Result<ExecPtr> WithNewChildren(std::vector<ExecPtr> children) const override {
    FERRY_RETURN_NOT_OK(CheckChildCount(*this, children, 2));
    return MakeHashJoinExec(std::move(children[0]), std::move(children[1]), join_, mode_,
                            build_left_, schema_, filter_);
  }
  std::string Describe() const override {
    std::string out = std::string("HashJoinExec: mode=") +
                      (mode_ == HashJoinMode::kPartitioned ? "Partitioned" : "CollectBuild") +
                      ", type=" + JoinTypeName(join_.type) +
                      ", build=" + (build_left_ ? "left" : "right") + ", on=[";
    for (size_t i = 0; i < join_.left_keys.size(); ++i) {
      out += (i ? ", " : "") + left_->schema()->field(join_.left_keys[i])->name() + " = " +
             right_->schema()->field(join_.right_keys[i])->name();
    }
    out += "]";
    if (filter_) out += ", filter=" + filter_->predicate->ToString();
    return out;
  }

  std::shared_ptr<const OperatorInfo> operator_info() const override {
    return MakeOperatorInfo(HashJoinInfo{join_, mode_, build_left_, schema_, filter_});
  }

  // Rows keep their side's key values, so a side partitioned on its keys
  // stays partitioned in the output, where that side's rows all appear
  // with their own values (not NULL-extended ones).
  Partitioning output_partitioning() const override {
    if (mode_ != HashJoinMode::kPartitioned) return std::nullopt;
    const bool left_kept = join_.type != JoinType::kRight && join_.type != JoinType::kFull;
    const bool right_kept = join_.type == JoinType::kInner || join_.type == JoinType::kRight;
    std::vector<int> left_to_output(left_->schema()->num_fields(), -1);
    std::vector<int> right_to_output(right_->schema()->num_fields(), -1);
    for (size_t i = 0; i < join_.output_columns.size(); ++i) {
      const auto& out = join_.output_columns[i];
      // A merged key column equals both sides' values only where both match.
      const bool merged = out.left >= 0 && out.right >= 0;
      if (out.left >= 0 && (!merged || join_.type == JoinType::kInner) &&
          left_to_output[out.left] < 0) {
        left_to_output[out.left] = static_cast<int>(i);
      }
      if (out.right >= 0 && (!merged || join_.type == JoinType::kInner) &&
          right_to_output[out.right] < 0) {
        right_to_output[out.right] = static_cast<int>(i);
      }
    }
    if (left_kept) {
      if (auto p = RemapPartitioning(left_->output_partitioning(), left_to_output)) return p;
    }
    if (right_kept) return RemapPartitioning(right_->output_partitioning(), right_to_output);
    return std::nullopt;
  }

  Result<StreamPtr> Execute(int partition) const override {
    const auto& build = build_left_ ? left_ : right_;
    const auto& probe = build_left_ ? right_ : left_;
    FERRY_ASSIGN_OR_RAISE(auto build_stream, build->Execute(partition));
    FERRY_ASSIGN_OR_RAISE(auto probe_stream, probe->Execute(partition));
    return std::make_unique<HashJoinStream>(std::move(build_stream), std::move(probe_stream), join_,
                                            build_left_, build->schema(), probe->schema(), schema_,
                                            filter_);
  }

 private:
  ExecPtr left_;
  ExecPtr right_;
  JoinNode join_;
  HashJoinMode mode_;
  bool build_left_;
  std::shared_ptr<arrow::Schema> schema_;
  std::shared_ptr<const JoinFilter> filter_;
};

}  // namespace

bool BuildSideEmitsAtEnd(JoinType type, bool build_left) {
  return RolesOf(type, build_left).tracks_build();
}

Result<ExecPtr> MakeHashJoinExec(ExecPtr left, ExecPtr right, const JoinNode& join,
                                 HashJoinMode mode, bool build_left,
                                 std::shared_ptr<arrow::Schema> schema,
                                 std::shared_ptr<const JoinFilter> filter) {
  if (left->num_partitions() != right->num_partitions()) {
    return Status::Invalid("hash join inputs have ", left->num_partitions(), " and ",
                           right->num_partitions(), " partitions");
  }
  if (mode == HashJoinMode::kCollectBuild && BuildSideEmitsAtEnd(join.type, build_left) &&
      left->num_partitions() > 1) {
    return Status::Invalid("a ", JoinTypeName(join.type),
                           " join cannot broadcast the side it must emit unmatched rows of");
  }
  return std::make_shared<HashJoinExec>(std::move(left), std::move(right), join, mode, build_left,
                                        std::move(schema), std::move(filter));
}

}  // namespace ferry
