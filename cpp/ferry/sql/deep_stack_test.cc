// Regression: a long chain of left-associative operators made libpg_query
// recurse past the caller's stack while packing its parse tree (SIGSEGV at
// about 40,000 terms on an 8 MiB stack), in time quadratic in the chain
// (200,000 terms: minutes). Now refused from its tokens (chain_guard.h),
// and the parse runs on a stack sized from the text (deep_stack.h).

#include "ferry/sql/deep_stack.h"

#include <gtest/gtest.h>

#include <thread>

#include "ferry/sql/chain_guard.h"
#include "ferry/sql/parser.h"

namespace ferry::sql {
namespace {

std::string Chain(const std::string& op, int terms) {
  std::string text = "SELECT 1";
  for (int i = 1; i < terms; ++i) text += op + "1";
  return text;
}

TEST(DeepStackTest, RunsTheWorkAndWaits) {
  int depth = 0;
  std::function<int(int)> recurse = [&](int n) { return n == 0 ? 0 : 1 + recurse(n - 1); };
  ASSERT_TRUE(RunOnDeepStack(64u << 20, [&] { depth = recurse(100'000); }, "a test").ok());
  EXPECT_EQ(depth, 100'000);
}

TEST(DeepStackTest, LongOperatorChainsGiveAnErrorNotACrash) {
  for (const char* op : {"+", " || ", "::int+", " UNION SELECT ", " IS NULL = ", "[1]+"}) {
    auto tree = Parse(Chain(op, 200'000));
    ASSERT_FALSE(tree.ok()) << op;
    EXPECT_NE(tree.status().message().find("nested too deeply: more than 4000 operators"), std::string::npos)
        << tree.status();
  }
  std::string joins = "SELECT * FROM t";
  for (int i = 0; i < 5000; ++i) joins += " JOIN t ON true";
  EXPECT_FALSE(Parse(joins).ok());
  // AND chains are one flat node, and commas end an operator chain: not refused.
  EXPECT_TRUE(Parse(Chain(" AND ", 20'000)).ok());
  EXPECT_TRUE(Parse(Chain("+1, 1", 5'000)).ok());
  // Nested parentheses add up along their path.
  std::string nested = "SELECT ";
  for (int i = 0; i < 50; ++i) nested += "(" + Chain("+", 100).substr(7) + "+";
  nested += "1" + std::string(50, ')');
  EXPECT_FALSE(Parse(nested).ok());
}

TEST(DeepStackTest, ChainsWithinTheLimitPassTheGuard) {
  EXPECT_TRUE(CheckChainedOperators(Chain("+", kMaxChainedOperators)).ok());
  EXPECT_FALSE(CheckChainedOperators(Chain("+", kMaxChainedOperators + 2)).ok());
  // Text the lexer rejects is left to the parser's error.
  EXPECT_TRUE(CheckChainedOperators("SELECT 'unterminated").ok());
  EXPECT_FALSE(Parse("SELECT 'unterminated").ok());
}

TEST(DeepStackTest, AChainParsesTheSameOnASmallThreadStack) {
  // The parse no longer depends on the caller's stack: a thread with
  // std::thread's default stack gets the same error as the main thread.
  Status status;
  std::thread([&] { status = Parse(Chain("+", 60'000)).status(); }).join();
  EXPECT_TRUE(status.IsInvalid()) << status;
  EXPECT_TRUE(Parse(Chain("+", 200)).ok());
}

}  // namespace
}  // namespace ferry::sql
