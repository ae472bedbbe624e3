// WITH RECURSIVE as an operator: one partition whose stream runs the anchor,
// then the recursive term once per iteration over the rows the last one
// added, emitting each iteration's rows as it goes (so a LIMIT above stops
// the iterations early). Each iteration is a fresh plan: the recursive
// term with its WorkTable scans replaced by in-memory tables of the rows,
// optimized and run like any query. Nothing is shared between executions.

#include "ferry/exec/recursive_query_exec.h"

#include <deque>

#include "ferry/exec/cancellation.h"
#include "ferry/exec/physical_planner.h"
#include "ferry/exec/tables.h"
#include "ferry/plan/builder.h"
#include "ferry/plan/optimizer.h"
#include "ferry/plan/rewrite.h"

namespace ferry {
namespace {

std::string UnionKind(bool distinct) { return distinct ? "UNION" : "UNION ALL"; }

class RecursiveQueryStream final : public RecordBatchStream {
 public:
  RecursiveQueryStream(std::shared_ptr<const RecursiveQueryTable> query,
                       std::optional<std::vector<int>> projection, int target_partitions)
      : query_(std::move(query)), projection_(std::move(projection)), target_partitions_(target_partitions) {}

  Result<BatchPtr> Next() override {
    while (pending_.empty() && !done_) FERRY_RETURN_NOT_OK(Advance());
    if (pending_.empty()) return nullptr;
    BatchPtr batch = std::move(pending_.front());
    pending_.pop_front();
    if (projection_) return batch->SelectColumns(*projection_);
    return batch;
  }

 private:
  // Runs the anchor or one more iteration; done_ once an iteration adds nothing.
  Status Advance() {
    FERRY_RETURN_NOT_OK(CheckStopRequested());
    PlanPtr plan = query_->anchor();
    if (started_) {
      if (++iterations_ > query_->limits().max_iterations) {
        return Status::Invalid("recursive query '", query_->name(), "' did not reach a fixpoint within ",
                               query_->limits().max_iterations,
                               " iterations (the limit, session setting max_recursive_iterations): its recursive "
                               "term still adds rows; bound it with a WHERE condition, use UNION to drop "
                               "repeated rows, or raise the setting");
      }
      FERRY_ASSIGN_OR_RAISE(plan, Substitute(plan = query_->recursive()));
    }
    started_ = true;
    FERRY_ASSIGN_OR_RAISE(auto optimized, Optimize(plan));
    PlannerOptions options;
    options.target_partitions = target_partitions_;
    FERRY_ASSIGN_OR_RAISE(auto exec, CreatePhysicalPlan(*optimized, options));
    FERRY_ASSIGN_OR_RAISE(auto batches, Collect(*exec, target_partitions_));
    BatchVector added;
    for (const auto& batch : batches) {
      if (batch->num_rows() == 0) continue;
      FERRY_ASSIGN_OR_RAISE(auto conformed, Conform(batch));
      rows_ += conformed->num_rows();
      added.push_back(std::move(conformed));
    }
    if (rows_ > query_->limits().max_rows) {
      return Status::Invalid("recursive query '", query_->name(), "' produced more than ",
                             query_->limits().max_rows, " rows (the limit, session setting max_recursive_rows) after ", iterations_,
                             " iterations; bound its recursive term with a WHERE condition, or raise the "
                             "setting");
    }
    done_ = added.empty();
    if (query_->distinct()) all_.insert(all_.end(), added.begin(), added.end());
    pending_.insert(pending_.end(), added.begin(), added.end());
    last_ = std::move(added);
    return Status::OK();
  }

  // The batch under the query's schema (names and nullability); its types
  // must already be the query's.
  Result<BatchPtr> Conform(const BatchPtr& batch) const {
    const auto& schema = query_->schema();
    if (batch->num_columns() != schema->num_fields()) {
      return Status::Invalid("recursive query '", query_->name(), "': an iteration returned ",
                             batch->num_columns(), " columns, expected ", schema->num_fields());
    }
    for (int i = 0; i < schema->num_fields(); ++i) {
      if (!batch->column(i)->type()->Equals(*schema->field(i)->type())) {
        return Status::TypeError("recursive query '", query_->name(), "': column ", schema->field(i)->name(),
                                 " came out as ", batch->column(i)->type()->ToString(), ", expected ",
                                 schema->field(i)->type()->ToString());
      }
    }
    return arrow::RecordBatch::Make(schema, batch->num_rows(), batch->columns());
  }

  // `plan` with each scan of this query's work tables reading the rows of
  // the last iteration (or all so far).
  Result<PlanPtr> Substitute(const PlanPtr& plan) const {
    if (const auto* scan = plan->As<ScanNode>()) {
      const auto* work = dynamic_cast<const WorkTable*>(scan->source.get());
      if (work == nullptr || work->name() != query_->name()) return plan;
      FERRY_ASSIGN_OR_RAISE(auto rows, MakeMemoryTable(query_->schema(), {work->all_rows() ? all_ : last_}));
      return plan::Scan(scan->table_name, std::move(rows), scan->projection, scan->filters);
    }
    std::vector<PlanPtr> inputs;
    for (const auto& input : plan->inputs()) {
      FERRY_ASSIGN_OR_RAISE(auto substituted, Substitute(input));
      inputs.push_back(std::move(substituted));
    }
    return WithNewInputs(plan, std::move(inputs));
  }

  std::shared_ptr<const RecursiveQueryTable> query_;
  std::optional<std::vector<int>> projection_;
  int target_partitions_;
  std::deque<BatchPtr> pending_;
  BatchVector last_;  // rows the last iteration added
  BatchVector all_;   // every row so far (UNION only)
  int64_t iterations_ = 0;
  int64_t rows_ = 0;
  bool started_ = false;
  bool done_ = false;
};

class RecursiveQueryExec final : public ExecutionPlan {
 public:
  RecursiveQueryExec(std::shared_ptr<const RecursiveQueryTable> query, std::optional<std::vector<int>> projection,
                     int target_partitions)
      : query_(std::move(query)), projection_(std::move(projection)), target_partitions_(target_partitions) {
    schema_ = query_->schema();
    if (projection_) {
      std::vector<std::shared_ptr<arrow::Field>> fields;
      for (int i : *projection_) fields.push_back(schema_->field(i));
      schema_ = arrow::schema(std::move(fields));
    }
  }

  const std::shared_ptr<arrow::Schema>& schema() const override { return schema_; }
  int num_partitions() const override { return 1; }
  std::vector<ExecPtr> children() const override { return {}; }
  std::string Describe() const override { return "RecursiveQueryExec: " + query_->Describe(); }
  Result<StreamPtr> Execute(int partition) const override {
    if (partition != 0) return Status::IndexError("partition ", partition, " out of range");
    return StreamPtr(std::make_unique<RecursiveQueryStream>(query_, projection_, target_partitions_));
  }

 private:
  std::shared_ptr<const RecursiveQueryTable> query_;
  std::optional<std::vector<int>> projection_;
  int target_partitions_;
  std::shared_ptr<arrow::Schema> schema_;
};

}  // namespace

std::shared_ptr<arrow::Schema> NullableSchema(const arrow::Schema& schema) {
  std::vector<std::shared_ptr<arrow::Field>> fields;
  for (const auto& field : schema.fields()) fields.push_back(field->WithNullable(true));
  return arrow::schema(std::move(fields));
}

std::string WorkTable::Describe() const {
  return std::string(all_rows_ ? "WorkTable (all rows): " : "WorkTable: ") + name_;
}

Result<std::shared_ptr<ExecutionPlan>> WorkTable::Scan(const std::optional<std::vector<int>>&, int) const {
  return Status::Invalid("the work table of recursive query '", name_,
                         "' is read only inside that query's recursive term");
}

Result<std::shared_ptr<const RecursiveQueryTable>> RecursiveQueryTable::Make(std::string name, PlanPtr anchor,
                                                                           PlanPtr recursive, bool distinct,
                                                                           RecursiveQueryLimits limits) {
  if (anchor == nullptr || recursive == nullptr) {
    return Status::Invalid("recursive query '", name, "' needs an anchor and a recursive term");
  }
  const auto& a = *anchor->schema;
  const auto& r = *recursive->schema;
  if (a.num_fields() != r.num_fields()) {
    return Status::Invalid("recursive query '", name, "': the anchor returns ", a.num_fields(),
                           " columns, the recursive term ", r.num_fields());
  }
  for (int i = 0; i < a.num_fields(); ++i) {
    if (!a.field(i)->type()->Equals(*r.field(i)->type())) {
      return Status::TypeError("recursive query '", name, "': column ", i + 1, " is ",
                               a.field(i)->type()->ToString(), " in the anchor but ",
                               r.field(i)->type()->ToString(), " in the recursive term");
    }
  }
  if (limits.max_iterations < 0 || limits.max_rows < 0) {
    return Status::Invalid("recursive query '", name, "': max_recursive_iterations (", limits.max_iterations,
                           ") and max_recursive_rows (", limits.max_rows, ") must not be negative");
  }
  auto schema = NullableSchema(a);
  return std::make_shared<const RecursiveQueryTable>(std::move(name), std::move(anchor), std::move(recursive),
                                                     distinct, limits, std::move(schema));
}

std::string RecursiveQueryTable::Describe() const {
  auto indent = [](const std::string& text) {
    std::string out;
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      out += "\n    " + text.substr(start, end - start);
      start = end + 1;
    }
    return out;
  };
  return "name=" + name_ + ", " + UnionKind(distinct_) + ", max_iterations=" +
         std::to_string(limits_.max_iterations) + ", max_rows=" + std::to_string(limits_.max_rows) +
         "\n  anchor:" + indent(anchor_->ToString()) + "\n  recursive:" + indent(recursive_->ToString());
}

Result<std::shared_ptr<ExecutionPlan>> RecursiveQueryTable::Scan(const std::optional<std::vector<int>>& projection,
                                                                 int target_partitions) const {
  if (projection) {
    for (int i : *projection) {
      if (i < 0 || i >= schema_->num_fields()) return Status::IndexError("projection column ", i, " out of range");
    }
  }
  return std::make_shared<RecursiveQueryExec>(shared_from_this(), projection, std::max(1, target_partitions));
}

}  // namespace ferry
