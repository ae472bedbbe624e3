#include <arrow/acero/exec_plan.h>
#include <arrow/acero/options.h>
#include <arrow/compute/api.h>
#include <arrow/table.h>

#include "ferry/exec/operators.h"
#include "ferry/function/grouping_key.h"

namespace ferry {
namespace {

namespace ac = arrow::acero;
namespace cp = arrow::compute;

ac::JoinType AceroJoinType(JoinType type) {
  switch (type) {
    case JoinType::kInner:
      return ac::JoinType::INNER;
    case JoinType::kLeft:
      return ac::JoinType::LEFT_OUTER;
    case JoinType::kRight:
      return ac::JoinType::RIGHT_OUTER;
    case JoinType::kFull:
      return ac::JoinType::FULL_OUTER;
    case JoinType::kLeftSemi:
      return ac::JoinType::LEFT_SEMI;
    case JoinType::kLeftAnti:
      return ac::JoinType::LEFT_ANTI;
  }
  return ac::JoinType::INNER;
}

// Gathers a side into one table whose columns are renamed by position, so
// Acero never sees two columns of the same name.
Result<std::shared_ptr<arrow::Table>> GatherSide(const ExecutionPlan& side, const char* prefix,
                                                 const std::vector<int>& keys) {
  FERRY_ASSIGN_OR_RAISE(auto batches, Collect(side));
  arrow::FieldVector fields;
  for (int i = 0; i < side.schema()->num_fields(); ++i) {
    fields.push_back(side.schema()->field(i)->WithName(prefix + std::to_string(i)));
  }
  auto schema = arrow::schema(std::move(fields));
  BatchVector renamed;
  for (const auto& batch : batches) {
    auto columns = batch->columns();
    // Keys match by SQL equality: -0.0 joins 0.0.
    for (int key : keys) {
      FERRY_ASSIGN_OR_RAISE(columns[key], NormalizeGroupingKey(columns[key]));
    }
    renamed.push_back(arrow::RecordBatch::Make(schema, batch->num_rows(), std::move(columns)));
  }
  return arrow::Table::FromRecordBatches(schema, renamed);
}

class HashJoinExec final : public ExecutionPlan {
 public:
  HashJoinExec(ExecPtr left, ExecPtr right, JoinNode join, std::shared_ptr<arrow::Schema> schema)
      : left_(std::move(left)), right_(std::move(right)), join_(std::move(join)),
        schema_(std::move(schema)) {}

  const std::shared_ptr<arrow::Schema>& schema() const override { return schema_; }
  int num_partitions() const override { return 1; }
  std::vector<ExecPtr> children() const override { return {left_, right_}; }
  std::string Describe() const override {
    std::string out = std::string("HashJoinExec: type=") + JoinTypeName(join_.type) + ", on=[";
    for (size_t i = 0; i < join_.left_keys.size(); ++i) {
      out += (i ? ", " : "") + left_->schema()->field(join_.left_keys[i])->name() + " = " +
             right_->schema()->field(join_.right_keys[i])->name();
    }
    return out + "]";
  }

  Result<StreamPtr> Execute(int partition) const override {
    FERRY_ASSIGN_OR_RAISE(auto left, GatherSide(*left_, "l", join_.left_keys));
    FERRY_ASSIGN_OR_RAISE(auto right, GatherSide(*right_, "r", join_.right_keys));
    std::vector<arrow::FieldRef> left_keys, right_keys;
    for (int k : join_.left_keys) left_keys.emplace_back("l" + std::to_string(k));
    for (int k : join_.right_keys) right_keys.emplace_back("r" + std::to_string(k));
    ac::HashJoinNodeOptions options(AceroJoinType(join_.type), left_keys, right_keys);
    ac::Declaration plan{"hashjoin",
                         {ac::Declaration{"table_source", ac::TableSourceNodeOptions(left)},
                          ac::Declaration{"table_source", ac::TableSourceNodeOptions(right)}},
                         std::move(options)};
    FERRY_ASSIGN_OR_RAISE(auto joined, ac::DeclarationToTable(std::move(plan)));
    FERRY_ASSIGN_OR_RAISE(auto combined, joined->CombineChunksToBatch());
    const int num_left = left_->schema()->num_fields();
    auto column = [&](int left_index, int right_index) -> std::shared_ptr<arrow::Array> {
      return combined->column(left_index >= 0 ? left_index : num_left + right_index);
    };
    arrow::ArrayVector columns;
    for (const auto& out : join_.output_columns) {
      if (out.left >= 0 && out.right >= 0) {
        // A key both sides share: whichever side matched supplies it.
        FERRY_ASSIGN_OR_RAISE(auto merged, cp::CallFunction("coalesce", {column(out.left, -1),
                                                                         column(-1, out.right)}));
        columns.push_back(merged.make_array());
      } else {
        columns.push_back(column(out.left, out.right));
      }
    }
    return MakeVectorStream(
        {arrow::RecordBatch::Make(schema_, combined->num_rows(), std::move(columns))});
  }

 private:
  ExecPtr left_;
  ExecPtr right_;
  JoinNode join_;
  std::shared_ptr<arrow::Schema> schema_;
};

}  // namespace

Result<ExecPtr> MakeHashJoinExec(ExecPtr left, ExecPtr right, const JoinNode& join,
                                 std::shared_ptr<arrow::Schema> schema) {
  return std::make_shared<HashJoinExec>(std::move(left), std::move(right), join, std::move(schema));
}

}  // namespace ferry
