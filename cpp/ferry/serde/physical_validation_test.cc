// A physical plan decoder refuses what its operators could not run on:
// indices out of range, schemas that disagree with the expressions,
// partition counts and partitionings an operator does not allow.

#include "ferry/serde/physical_serde_internal.h"
#include "ferry/serde/physical_serde_test_fixture.h"

namespace ferry {
namespace {

namespace pb = ferry::v1;
using namespace ferry::testing;  // NOLINT: the fixture and its helpers

class PhysicalValidationTest : public PhysicalSerdeTest {
 protected:
  // Encodes `plan`, applies `edit` to the message, decodes the result.
  template <typename Edit>
  Status Edited(const ExecPtr& plan, Edit edit) {
    auto message = Parsed(sender_->EncodeExecutionPlan(*plan).ValueOrDie());
    edit(message.mutable_root());
    auto decoded = Decode(Framed(message));
    return decoded.status();
  }
  ExecPtr Plan(const Result<DataFrame>& df) { return df->CreatePhysicalPlan().ValueOrDie(); }
};

TEST_F(PhysicalValidationTest, ColumnIndicesAndSchemas) {
  auto filtered = Plan(small_->Filter(Gt(Col("v"), I(1)))->Select({Col("k")}));
  // The projection reads column 0 of the filter's narrowed output.
  auto st = Edited(filtered, [](pb::ExecNode* root) {
    root->mutable_projection()->mutable_exprs(0)->set_column(5);
  });
  EXPECT_TRUE(st.IsIndexError()) << st.ToString();
  EXPECT_EQ(st.message(), "column index 5 out of range for an input of 1 columns");
  st = Edited(filtered, [](pb::ExecNode* root) {
    root->mutable_projection()->mutable_input()->mutable_filter()->mutable_keep()->set_columns(0, 9);
  });
  EXPECT_EQ(st.message(), "filter column index 9 out of range");
  // A projection named and typed as its expressions say travels without
  // its schema; one over a column by index cannot.
  auto message = Parsed(sender_->EncodeExecutionPlan(*filtered).ValueOrDie());
  EXPECT_FALSE(message.root().projection().has_schema());
  auto derived = Decode(Framed(message));
  ASSERT_TRUE(derived.ok()) << derived.status().ToString();
  EXPECT_TRUE((*derived)->schema()->Equals(*filtered->schema(), /*check_metadata=*/true));
  st = Edited(filtered, [](pb::ExecNode* root) {
    root->mutable_projection()->mutable_exprs(0)->set_column(0);
  });
  EXPECT_EQ(st.message(), "projection without a schema over a column by index");
  st = Edited(filtered, [&](pb::ExecNode* root) {
    auto declared = arrow::schema({arrow::field("v", arrow::int64())});
    ASSERT_TRUE(internal::EncodeSchema(*declared, root->mutable_projection()->mutable_schema()).ok());
  });
  EXPECT_TRUE(st.IsTypeError()) << st.ToString();
  EXPECT_EQ(st.message(), "projection column 0 ('v') is declared Int64 but is Utf8");
  // A predicate must be boolean.
  st = Edited(filtered, [&](pb::ExecNode* root) {
    auto* predicate = root->mutable_projection()->mutable_input()->mutable_filter()->mutable_predicate();
    predicate->clear_bound();
    predicate->set_column(1);
  });
  EXPECT_TRUE(st.IsTypeError()) << st.ToString();
  EXPECT_EQ(st.message(), "filter predicate v@1 is Int64, not Boolean");
  st = Edited(filtered, [&](pb::ExecNode* root) {
    root->mutable_projection()->mutable_input()->mutable_filter()->mutable_predicate()->clear_bound();
  });
  EXPECT_EQ(st.message(), "physical expression of unknown or missing kind");
  st = Edited(filtered, [&](pb::ExecNode* root) {
    root->mutable_projection()->mutable_input()->mutable_filter()->clear_input();
  });
  EXPECT_EQ(st.message(), "filter is missing its input");
}

TEST_F(PhysicalValidationTest, PartitionCounts) {
  auto joined = Plan(big_->Join(*bigger_, JoinType::kInner, {"k"}, {"k"}));
  ASSERT_NE(ExplainPhysical(*joined).find("mode=Partitioned"), std::string::npos);
  // Join inputs of different partition counts.
  auto st = Edited(joined, [](pb::ExecNode* root) {
    root->mutable_hash_join()->mutable_right()->mutable_exchange()->set_num_outputs(2);
  });
  EXPECT_EQ(st.message(), "hash join inputs have 3 and 2 partitions");
  // A partitioned join whose inputs are not partitioned alike on the keys.
  st = Edited(joined, [](pb::ExecNode* root) {
    auto* exchange = root->mutable_hash_join()->mutable_right()->mutable_exchange();
    exchange->set_kind(pb::ExchangeExecNode::ROUND_ROBIN);
    exchange->clear_keys();
  });
  EXPECT_EQ(st.message(),
            "a partitioned hash join over 3 partitions needs both inputs hash-partitioned alike on its keys");
  // A collect-build join whose build side is not broadcast.
  st = Edited(joined, [](pb::ExecNode* root) {
    root->mutable_hash_join()->set_mode(pb::HashJoinExecNode::COLLECT_BUILD);
  });
  EXPECT_EQ(st.message(),
            "a collect-build hash join over 3 partitions needs its build side broadcast to every partition");
  st = Edited(joined, [](pb::ExecNode* root) {
    root->mutable_hash_join()->mutable_left()->mutable_exchange()->set_num_outputs(1'000'000);
  });
  EXPECT_EQ(st.message(), "exchange: 1000000 partitions, outside 1..100000");
  st = Edited(joined, [](pb::ExecNode* root) {
    root->mutable_hash_join()->mutable_left()->mutable_exchange()->set_num_outputs(0);
  });
  EXPECT_EQ(st.message(), "exchange: 0 partitions, outside 1..100000");
  st = Edited(joined, [](pb::ExecNode* root) { root->mutable_hash_join()->set_left_keys(0, 7); });
  EXPECT_EQ(st.message(), "join key 0 refers to a column the join's inputs lack");
  // A final aggregate without keys needs one partition; with keys, its
  // input partitioned on them.
  auto global = Plan(small_->Aggregate({}, {Agg("sum", {Col("v")})}));
  st = Edited(global, [](pb::ExecNode* root) {
    auto* input = root->mutable_final_aggregate()->mutable_input();
    pb::ExecNode partial = input->exchange().input();
    *input = partial;
  });
  EXPECT_EQ(st.message(), "a final aggregate without group keys needs its input in one partition");
  auto grouped = Plan(small_->Aggregate({Col("k")}, {Agg("sum", {Col("v")})}));
  st = Edited(grouped, [](pb::ExecNode* root) {
    auto* exchange = root->mutable_final_aggregate()->mutable_input()->mutable_exchange();
    exchange->set_kind(pb::ExchangeExecNode::ROUND_ROBIN);
    exchange->clear_keys();
  });
  EXPECT_EQ(st.message(),
            "a final aggregate over 3 partitions needs its input hash-partitioned on group keys");
  st = Edited(grouped, [](pb::ExecNode* root) {
    auto* final = root->mutable_final_aggregate();
    final->mutable_aggregates(0)->clear_arg_types();
  });
  EXPECT_EQ(st.message(), "final aggregate argument without a schema");
  st = Edited(grouped, [](pb::ExecNode* root) { root->mutable_final_aggregate()->set_num_group_keys(0); });
  EXPECT_EQ(st.message(), "final aggregate input schema has 2 fields for 1 columns");
  st = Edited(Plan(small_->Sort({Col("v")})->Limit(2)), [](pb::ExecNode* root) {
    root->mutable_limit()->set_fetch(-1);
  });
  EXPECT_EQ(st.message(), "limit fetch -1 is negative");
}

TEST_F(PhysicalValidationTest, ScansAndStageInputs) {
  auto parquet = Plan(Parquet());
  auto st = Edited(parquet, [](pb::ExecNode* root) {
    root->mutable_file_scan()->mutable_splits(0)->set_row_groups(0, 40);
  });
  EXPECT_TRUE(st.IsIndexError()) << st.ToString();
  EXPECT_NE(st.message().find("row group 40 out of range"), std::string::npos);
  st = Edited(parquet, [](pb::ExecNode* root) { root->mutable_file_scan()->mutable_projection()->add_columns(2); });
  EXPECT_TRUE(st.IsIndexError()) << st.ToString();
  st = Edited(parquet, [](pb::ExecNode* root) { root->mutable_file_scan()->clear_splits(); });
  EXPECT_EQ(st.message(), "file scan: 0 partitions, outside 1..100000");
  // The file changed between sender and receiver.
  st = Edited(parquet, [&](pb::ExecNode* root) {
    auto csv = Parsed(sender_->EncodeExecutionPlan(*Plan(Csv())).ValueOrDie());
    *root->mutable_file_scan()->mutable_schema() = csv.root().file_scan().schema();
  });
  EXPECT_NE(st.message().find("where the plan was made; the file differs"), std::string::npos);
  auto bytes = sender_->EncodeExecutionPlan(*parquet).ValueOrDie();
  std::filesystem::remove(parquet_path_);
  auto missing = Decode(bytes);
  ASSERT_TRUE(missing.status().IsIOError()) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find(parquet_path_), std::string::npos);

  auto memory = Plan(*small_);
  st = Edited(memory, [](pb::ExecNode* root) { root->mutable_memory_scan()->mutable_projection()->add_columns(3); });
  EXPECT_TRUE(st.IsIndexError()) << st.ToString();

  auto leaf = MakeStageInputExec(StageInputSpec{1, StageInputMode::kSlice, 4, Schema(), HashPartitioning{{1}, 4}},
                                 nullptr);
  st = Edited(leaf, [](pb::ExecNode* root) { root->mutable_stage_input()->mutable_partitioning()->set_columns(0, 2); });
  EXPECT_EQ(st.message(), "stage input partitioning column index 2 out of range");
  st = Edited(leaf, [](pb::ExecNode* root) { root->mutable_stage_input()->set_mode(pb::StageInputExecNode::MODE_UNSPECIFIED); });
  EXPECT_EQ(st.message(), "unknown stage input mode 0");
  auto incoherent = sender_->EncodeExecutionPlan(*MakeStageInputExec(
      StageInputSpec{1, StageInputMode::kSlice, 4, Schema(), HashPartitioning{{1}, 3}}, nullptr));
  EXPECT_EQ(incoherent.status().message(),
            "stage input of stage 1 is hash-partitioned over 3 partitions but has 4");
}


}  // namespace
}  // namespace ferry
