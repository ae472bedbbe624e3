// Placeholder resolution without Python (what a scheduler planning a
// parameterized statement runs): renumbering, splicing, positions kept.

#include "ferry/sql/placeholders.h"

#include <gtest/gtest.h>

#include <arrow/scalar.h>

namespace ferry::sql {
namespace {

Expr Int(int64_t v) { return Lit(std::make_shared<arrow::Int64Scalar>(v)); }

TEST(PlaceholdersTest, NamedPlaceholdersAreRenumberedKeepingPositions) {
  StatementParams params;
  params.values = {{"1", Int(1)}, {"low", Int(2)}};
  auto out = ResolvePlaceholders("select $low, '$x', $1 from t where a = $low", params);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->text, "select $2  , '$x', $1 from t where a = $2  ");
  ASSERT_EQ(out->values.size(), 2u);
  EXPECT_EQ(out->values.at(1).written, "$1");
  EXPECT_EQ(out->values.at(2).written, "$low");
}

TEST(PlaceholdersTest, TextsAndTablesAreSplicedIn) {
  StatementParams params;
  params.texts = {{"n", "10"}};
  params.tables = {{"df", nullptr}};
  auto out = ResolvePlaceholders("select * from $df limit $n", params);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->text, "select * from \"$df\" limit 10");
  EXPECT_TRUE(out->values.empty());
}

TEST(PlaceholdersTest, MissingAndExtraParametersAreNamed) {
  auto missing = ResolvePlaceholders("select 1\nwhere $2 > 0", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "no value for placeholder $2 at line 2, column 7; pass it in param_values");
  StatementParams params;
  params.values = {{"z", Int(1)}};
  auto extra = ResolvePlaceholders("select 1", params);
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.status().message(), "parameter 'z' has no placeholder $z in the query (it has none)");
}

TEST(PlaceholdersTest, TextTheScannerRejectsIsLeftToTheParser) {
  auto out = ResolvePlaceholders("select 'unterminated $1", {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->text, "select 'unterminated $1");
}

}  // namespace
}  // namespace ferry::sql
