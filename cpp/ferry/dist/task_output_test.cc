// Task outputs and their slices: a slice extracted from several outputs
// holds exactly that slice's rows of each, in order, and nothing else.

#include "ferry/dist/task_output.h"

#include <gtest/gtest.h>

#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

using testing::BatchFromJson;

std::shared_ptr<arrow::Schema> Schema() {
  return arrow::schema({arrow::field("k", arrow::utf8()), arrow::field("v", arrow::int64())});
}

std::shared_ptr<const TaskOutputReader> Output(const std::vector<std::string>& slices) {
  std::vector<BatchVector> batches;
  for (const auto& json : slices) {
    batches.push_back(json.empty() ? BatchVector{} : BatchVector{BatchFromJson(Schema(), json)});
  }
  auto buffer = WriteTaskOutput(Schema(), batches).ValueOrDie();
  return TaskOutputReader::Open(buffer).ValueOrDie();
}

std::vector<std::string> Rows(const TaskOutputReader& reader, int slice) {
  std::vector<std::string> rows;
  for (const auto& batch : reader.Read(slice).ValueOrDie()) {
    EXPECT_TRUE(batch->schema()->Equals(*Schema()));
    auto k = std::static_pointer_cast<arrow::StringArray>(batch->column(0));
    auto v = std::static_pointer_cast<arrow::Int64Array>(batch->column(1));
    for (int64_t i = 0; i < batch->num_rows(); ++i) {
      rows.push_back((k->IsNull(i) ? "null" : k->GetString(i)) + "=" +
                     (v->IsNull(i) ? "null" : std::to_string(v->Value(i))));
    }
  }
  return rows;
}

TEST(ExtractSliceTest, HoldsOnlyThatSliceOfEveryOutputInOrder) {
  auto first = Output({R"([{"k": "a", "v": 1}])", R"([{"k": "b", "v": 2}, {"k": null, "v": 3}])",
                       R"([{"k": "c", "v": 4}])"});
  auto second = Output({"", R"([{"k": "d", "v": null}])", R"([{"k": "e", "v": 6}])"});
  auto buffer = ExtractSlice({first, second}, 1).ValueOrDie();
  auto sliced = TaskOutputReader::Open(buffer).ValueOrDie();
  ASSERT_EQ(sliced->num_slices(), 3);
  EXPECT_TRUE(sliced->schema()->Equals(*Schema()));
  EXPECT_EQ(Rows(*sliced, 0), std::vector<std::string>{});
  EXPECT_EQ(Rows(*sliced, 1), (std::vector<std::string>{"b=2", "null=3", "d=null"}));
  EXPECT_EQ(Rows(*sliced, 2), std::vector<std::string>{});
}

TEST(ExtractSliceTest, AnEmptySliceGivesAnEmptyOutput) {
  auto output = Output({"", R"([{"k": "a", "v": 1}])"});
  auto sliced = TaskOutputReader::Open(ExtractSlice({output}, 0).ValueOrDie()).ValueOrDie();
  EXPECT_EQ(sliced->num_slices(), 2);
  EXPECT_EQ(Rows(*sliced, 0), std::vector<std::string>{});
  EXPECT_EQ(Rows(*sliced, 1), std::vector<std::string>{});
}

TEST(ExtractSliceTest, RefusesWhatCannotBeSliced) {
  auto two = Output({R"([{"k": "a", "v": 1}])", ""});
  auto three = Output({"", "", ""});
  EXPECT_TRUE(ExtractSlice({}, 0).status().IsInvalid());
  EXPECT_TRUE(ExtractSlice({two, three}, 0).status().IsInvalid());
  EXPECT_TRUE(ExtractSlice({two}, 2).status().IsIndexError());
  EXPECT_TRUE(ExtractSlice({two}, -1).status().IsIndexError());
}

}  // namespace
}  // namespace ferry
