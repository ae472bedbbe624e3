// The segment LIKE kernel: hand-computed cases, then every pattern of a
// small alphabet checked against Arrow's own match_like (its regex path is
// the reference the kernel replaces), over utf8, large_utf8 and utf8_view,
// sliced, with NULLs.

#include "ferry/function/like_kernel.h"

#include <random>

#include <gtest/gtest.h>

#include "ferry/function/bind.h"
#include "ferry/testing/test_util.h"

namespace ferry {
namespace {

namespace cp = arrow::compute;

bool Match(std::string_view pattern, std::string_view text) {
  auto segments = ParseLikeSegments(pattern);
  EXPECT_TRUE(segments.has_value()) << pattern;
  return segments && segments->Matches(text);
}

TEST(LikeSegmentsTest, HandComputedCases) {
  EXPECT_TRUE(Match("", ""));
  EXPECT_FALSE(Match("", "a"));
  EXPECT_TRUE(Match("%", ""));
  EXPECT_TRUE(Match("%%", "xyz"));
  EXPECT_TRUE(Match("abc", "abc"));
  EXPECT_FALSE(Match("abc", "abcd"));
  EXPECT_TRUE(Match("ab%", "abx"));
  EXPECT_FALSE(Match("ab%", "xab"));
  EXPECT_TRUE(Match("%ab", "xab"));
  EXPECT_TRUE(Match("%special%requests%", "the special quick requests"));
  EXPECT_FALSE(Match("%special%requests%", "requests special"));
  // Prefix and suffix may not share characters.
  EXPECT_FALSE(Match("ab%ba", "aba"));
  EXPECT_TRUE(Match("ab%ba", "abba"));
  // Overlapping middles: each must start after the previous one ends.
  EXPECT_FALSE(Match("%aa%aa%", "aaa"));
  EXPECT_TRUE(Match("%aa%aa%", "aaaa"));
  EXPECT_TRUE(Match("a%a%a", "aaa"));
  EXPECT_FALSE(Match("a%a%a", "aa"));
  // Matches at every place the 16-byte search blocks can put them.
  const std::string filler(40, 'x');
  for (size_t at = 0; at <= filler.size(); ++at) {
    std::string text = filler;
    text.insert(at, "needle");
    EXPECT_TRUE(Match("%needle%", text)) << at;
    EXPECT_TRUE(Match("%ne%dle%", text)) << at;
    EXPECT_FALSE(Match("%needles%", text)) << at;
    text[at + 2] = 'x';  // first and last bytes alone do not make a match
    EXPECT_FALSE(Match("%needle%", text)) << at;
  }
  // A newline is just a character to '%'.
  EXPECT_TRUE(Match("a%b", "a\nb"));
  // Escapes make the next character literal, backslash included.
  EXPECT_TRUE(Match("a\\%b", "a%b"));
  EXPECT_FALSE(Match("a\\%b", "axb"));
  EXPECT_TRUE(Match("a\\\\b", "a\\b"));
  EXPECT_TRUE(Match("a\\xb", "axb"));
  EXPECT_TRUE(Match("%\\_%", "a_b"));
  // Arrow reads %x%, x% and %x verbatim, backslashes included.
  EXPECT_TRUE(Match("%\\a", "x\\a"));
  EXPECT_FALSE(Match("%\\a", "xa"));
  EXPECT_TRUE(Match("\\a%", "\\ax"));
}

TEST(LikeSegmentsTest, UnderscoreAndTrailingBackslashKeepArrowsPath) {
  EXPECT_FALSE(ParseLikeSegments("a_b").has_value());
  EXPECT_FALSE(ParseLikeSegments("ab\\").has_value());
  EXPECT_TRUE(ParseLikeSegments("ab\\\\").has_value());
}

std::shared_ptr<arrow::Array> Strings(const std::vector<std::optional<std::string>>& values) {
  arrow::StringBuilder builder;
  for (const auto& value : values) {
    EXPECT_TRUE((value ? builder.Append(*value) : builder.AppendNull()).ok());
  }
  return builder.Finish().ValueOrDie();
}

class SegmentLikeTest : public ::testing::Test {
 protected:
  void SetUp() override { EnsureArrowCompute(); }

  // The kernel's result over `strings` cast to `type`, bound as ferry binds LIKE.
  std::shared_ptr<arrow::Array> Ours(const std::shared_ptr<arrow::Array>& strings,
                                     const std::shared_ptr<arrow::DataType>& type,
                                     const std::string& pattern, bool negated) {
    auto cast = cp::Cast(*strings, type).ValueOrDie();
    auto batch = arrow::RecordBatch::Make(arrow::schema({arrow::field("s", type)}),
                                          cast->length(), {cast});
    auto bound = BindScalar(Like(Col("s"), Lit(std::make_shared<arrow::StringScalar>(pattern)),
                                 negated),
                            *batch->schema())
                     .ValueOrDie();
    if (pattern.find('_') == std::string::npos) {
      EXPECT_EQ(bound->ToString().rfind(negated ? "not_like(" : "like(", 0), 0)
          << bound->ToString();
    }
    return EvaluateToArray(*bound, *batch).ValueOrDie();
  }

  std::shared_ptr<arrow::Array> Reference(const std::shared_ptr<arrow::Array>& strings,
                                          const std::string& pattern, bool negated) {
    cp::MatchSubstringOptions options(pattern);
    auto match = cp::CallFunction("match_like", {strings}, &options).ValueOrDie();
    if (negated) match = cp::CallFunction("invert", {match}).ValueOrDie();
    return match.make_array();
  }
};

TEST_F(SegmentLikeTest, AgreesWithArrowOnEveryShortPattern) {
  // Every pattern of up to 4 symbols over {a, b, %, \}, against random
  // strings over {a, b, %, \, \n} of up to 70 bytes and NULLs.
  std::mt19937 rng(7);
  const std::string letters = "ab%\\\n";
  std::vector<std::optional<std::string>> values{std::nullopt, "", "a", "%"};
  for (int i = 0; i < 300; ++i) {
    std::string text;
    // Short texts, and long ones that the 16-byte search blocks cover.
    for (int n = i % 2 ? rng() % 7 : rng() % 70; n > 0; --n) text += letters[rng() % letters.size()];
    values.push_back(i % 17 == 0 ? std::nullopt : std::optional<std::string>(text));
  }
  const auto strings = Strings(values);
  const auto sliced = strings->Slice(3, strings->length() - 5);
  std::vector<std::string> patterns{""};
  for (size_t begin = 0, size = 1; size <= 4; ++size) {
    const size_t end = patterns.size();
    for (size_t i = begin; i < end; ++i) {
      for (char c : std::string("ab%\\")) patterns.push_back(patterns[i] + c);
    }
    begin = end;
  }
  int checked = 0;
  for (const auto& pattern : patterns) {
    if (!ParseLikeSegments(pattern)) continue;
    for (bool negated : {false, true}) {
      for (const auto& input : {strings, sliced}) {
        auto expected = Reference(input, pattern, negated);
        for (const auto& type : {arrow::utf8(), arrow::large_utf8(), arrow::utf8_view()}) {
          auto ours = Ours(input, type, pattern, negated);
          ASSERT_TRUE(ours->Equals(*expected))
              << "pattern '" << pattern << "' over " << type->ToString() << "\nours "
              << ours->ToString() << "\narrow " << expected->ToString();
        }
      }
    }
    ++checked;
  }
  EXPECT_GT(checked, 200);
}

TEST_F(SegmentLikeTest, ScalarsAndNullPatterns) {
  auto batch = arrow::RecordBatch::Make(arrow::schema({arrow::field("x", arrow::int64())}), 2,
                                        {testing::ArrayFromJson(arrow::int64(), "[1, 2]")});
  auto like = [&](std::shared_ptr<arrow::Scalar> value, bool negated) {
    auto bound = BindScalar(Like(Lit(std::move(value)),
                                 Lit(std::make_shared<arrow::StringScalar>("%b%")), negated),
                            *batch->schema())
                     .ValueOrDie();
    return EvaluateToArray(*bound, *batch).ValueOrDie()->ToString();
  };
  auto abc = std::make_shared<arrow::StringScalar>("abc");
  EXPECT_EQ(like(abc, false), testing::ArrayFromJson(arrow::boolean(), "[true, true]")->ToString());
  EXPECT_EQ(like(abc, true), testing::ArrayFromJson(arrow::boolean(), "[false, false]")->ToString());
  EXPECT_EQ(like(arrow::MakeNullScalar(arrow::utf8()), false),
            testing::ArrayFromJson(arrow::boolean(), "[null, null]")->ToString());
  EXPECT_EQ(like(std::make_shared<arrow::StringViewScalar>("xbx"), false),
            testing::ArrayFromJson(arrow::boolean(), "[true, true]")->ToString());
}

}  // namespace
}  // namespace ferry
