#pragma once

// The fixture of the physical plan serde tests (test code only): sessions,
// tables of every kind, and the round trip every test checks.

#include "ferry/serde/physical_serde.h"

#include <filesystem>
#include <functional>
#include <fstream>
#include <random>

#include <unistd.h>

#include <arrow/io/file.h>
#include <gtest/gtest.h>
#include <parquet/arrow/writer.h>

#include "ferry/exec/exchange_info.h"
#include "ferry/exec/operator_info.h"
#include "ferry/exec/operators.h"
#include "ferry/exec/physical_planner.h"
#include "ferry/function/bind.h"
#include "ferry/plan/builder.h"
#include "ferry/session/dataframe.h"
#include "ferry/session/session_context.h"
#include "ferry/testing/exec_test_util.h"
#include "ferry/testing/test_util.h"
#include "ferry/v1/envelope.pb.h"
#include "ferry/v1/physical.pb.h"

namespace ferry::testing {

namespace pb = ferry::v1;

inline Expr I(int64_t v) { return Lit(std::make_shared<arrow::Int64Scalar>(v)); }
inline Expr Agg(const std::string& name, std::vector<Expr> args, bool distinct = false) {
  return AggregateCall(BuiltinFunctions().GetAggregate(name).ValueOrDie(), name, std::move(args),
                       distinct);
}
inline Expr Fn(const std::string& name, std::vector<Expr> args) {
  return ScalarCall(BuiltinFunctions().GetScalar(name).ValueOrDie(), name, std::move(args));
}
inline Expr Gt(Expr a, Expr b) { return Binary(std::move(a), Operator::kGt, std::move(b)); }
inline Expr Eq(Expr a, Expr b) { return Binary(std::move(a), Operator::kEq, std::move(b)); }

inline std::shared_ptr<arrow::Schema> Schema() {
  return arrow::schema({arrow::field("k", arrow::utf8()), arrow::field("v", arrow::int64())});
}

// `rows` rows (k = "k<i % keys>", v = i, every 7th v NULL) in `parts` partitions.
inline std::vector<BatchVector> Generated(int64_t rows, int64_t keys, int parts) {
  arrow::StringBuilder k;
  arrow::Int64Builder v;
  for (int64_t i = 0; i < rows; ++i) {
    EXPECT_TRUE(k.Append("k" + std::to_string(i % keys)).ok());
    EXPECT_TRUE((i % 7 == 3 ? v.AppendNull() : v.Append(i)).ok());
  }
  auto batch = arrow::RecordBatch::Make(Schema(), rows, {k.Finish().ValueOrDie(), v.Finish().ValueOrDie()});
  return SplitRows(batch, parts, 4096);
}

class PhysicalSerdeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sender_ = SessionContext::Make(SessionConfig{3});
    receiver_ = SessionContext::Make(SessionConfig{2});
    std::vector<BatchVector> partitions = {
        {BatchFromJson(Schema(), R"([{"k": "a", "v": 1}, {"k": "b", "v": 2}])"),
         BatchFromJson(Schema(), R"([{"k": "a", "v": null}])")},
        {},
        {BatchFromJson(Schema(), R"([{"k": null, "v": 10}, {"k": "b", "v": 5}, {"k": "c", "v": 4}])")},
    };
    small_ = Table(partitions, "sales");
    // Over the broadcast threshold: joins of these two exchange both sides.
    big_ = Table(Generated(135'000, 90'000, 3), "big");
    bigger_ = Table(Generated(140'000, 100'000, 2), "bigger");
    dir_ = std::filesystem::temp_directory_path() / ("ferry_physical_serde_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    parquet_path_ = (dir_ / "other.parquet").string();
    auto other = arrow::Table::FromRecordBatches(
                     {BatchFromJson(Schema(), R"([{"k": "a", "v": 100}, {"k": "c", "v": 300},
                                                {"k": "d", "v": null}, {"k": "a", "v": 7},
                                                {"k": "e", "v": 250}, {"k": "b", "v": 90},
                                                {"k": "c", "v": 301}])")})
                     .ValueOrDie();
    auto sink = arrow::io::FileOutputStream::Open(parquet_path_).ValueOrDie();
    // Row groups of two rows: four of them, spread over three partitions.
    ASSERT_TRUE(parquet::arrow::WriteTable(*other, arrow::default_memory_pool(), sink, 2).ok());
    ASSERT_TRUE(sink->Close().ok());
    csv_path_ = (dir_ / "names.csv").string();
    std::ofstream(csv_path_) << "a;Alice\nb;Bob\nz;Zed\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  DataFrame Table(std::vector<BatchVector> partitions, const std::string& name) {
    return sender_->Scan(MakeMemoryTable(Schema(), std::move(partitions)).ValueOrDie(), name).ValueOrDie();
  }
  DataFrame Parquet() { return sender_->ReadParquet(parquet_path_).ValueOrDie(); }
  DataFrame Csv() { return sender_->ReadCsv(csv_path_, CsvOptions{false, ';'}).ValueOrDie(); }

  // Encodes `plan`, decodes it in another session, and checks the tree,
  // the bytes it encodes to again, and the rows of every partition.
  // Returns the decoded plan.
  ExecPtr ExpectRoundTrip(const ExecPtr& plan, bool ordered = false) {
    auto bytes = sender_->EncodeExecutionPlan(*plan);
    EXPECT_TRUE(bytes.ok()) << bytes.status().ToString() << "\n" << ExplainPhysical(*plan);
    if (!bytes.ok()) return nullptr;
    auto decoded = receiver_->DecodeExecutionPlan(*bytes);
    EXPECT_TRUE(decoded.ok()) << decoded.status().ToString() << "\n" << ExplainPhysical(*plan);
    if (!decoded.ok()) return nullptr;
    EXPECT_EQ(ExplainPhysical(**decoded), ExplainPhysical(*plan));
    EXPECT_TRUE((*decoded)->schema()->Equals(*plan->schema(), /*check_metadata=*/true));
    auto again = receiver_->EncodeExecutionPlan(**decoded);
    EXPECT_TRUE(again.ok() && *again == *bytes) << "re-encoding differs";
    const auto want = DrainPartitions(*plan);
    const auto got = DrainPartitions(**decoded);
    EXPECT_EQ(got.size(), want.size());
    for (size_t p = 0; p < want.size() && p < got.size(); ++p) {
      SCOPED_TRACE("partition " + std::to_string(p));
      if (ordered) {
        auto w = ToTable(plan->schema(), want[p]);
        auto g = ToTable(plan->schema(), got[p]);
        EXPECT_TRUE(g->Equals(*w)) << "expected\n" << w->ToString() << "got\n" << g->ToString();
      } else {
        EXPECT_EQ(SortedRows(got[p]), SortedRows(want[p]));
      }
    }
    return *decoded;
  }
  ExecPtr ExpectRoundTrip(const Result<DataFrame>& df, bool ordered = false) {
    EXPECT_TRUE(df.ok()) << df.status().ToString();
    if (!df.ok()) return nullptr;
    auto plan = df->CreatePhysicalPlan();
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    return plan.ok() ? ExpectRoundTrip(*plan, ordered) : nullptr;
  }

  Result<ExecPtr> Decode(const std::string& bytes, const StageInputBinder& bind = nullptr) {
    return receiver_->DecodeExecutionPlan(bytes, bind);
  }

  std::shared_ptr<SessionContext> sender_, receiver_;
  std::optional<DataFrame> small_, big_, bigger_;
  std::filesystem::path dir_;
  std::string parquet_path_, csv_path_;
};


// Bytes from elsewhere: a PhysicalPlanMessage as an Envelope.
inline std::string Framed(const pb::PhysicalPlanMessage& message) {
  pb::Envelope envelope;
  envelope.set_magic("ferry");
  envelope.set_wire_version(1);
  envelope.set_kind("physical_plan");
  envelope.set_payload(message.SerializeAsString());
  return envelope.SerializeAsString();
}

inline pb::PhysicalPlanMessage Parsed(const std::string& bytes) {
  pb::Envelope envelope;
  EXPECT_TRUE(envelope.ParseFromString(bytes));
  pb::PhysicalPlanMessage message;
  EXPECT_TRUE(message.ParseFromString(envelope.payload()));
  return message;
}


}  // namespace ferry::testing
