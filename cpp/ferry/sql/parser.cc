// The PostgreSQL parser as a library: libpg_query hands its parse tree out
// as protobuf bytes, which the C++ classes generated from the pg_query.proto
// it ships read back.

#include "ferry/sql/parser.h"

#include <google/protobuf/io/coded_stream.h>
#include <pg_query.h>

#include "ferry/sql/chain_guard.h"
#include "ferry/sql/deep_stack.h"

namespace ferry::sql {
namespace {

// Nesting protobuf accepts in the tree. The parser itself stops far deeper
// expressions with its own "stack depth limit exceeded" error; this is the
// limit on what is read back, and on how deep the binder recurses.
constexpr int kMaxTreeDepth = 600;

// libpg_query packs its tree into protobuf recursively, about 400 bytes of
// stack a level: 40,000 levels overflow an 8 MiB stack. Chains are bounded
// (chain_guard.h) and the parser's own stack stops other nesting at 10,000,
// but the caller's stack is unknown, so the parse runs on one sized from
// the text (a level takes at least two bytes), within a bound on the text.
constexpr size_t kMaxSqlTextBytes = 64u << 20;
constexpr size_t kParserStackBytes(size_t text_bytes) { return (8u << 20) + 256 * text_bytes; }

}  // namespace

std::string DescribePosition(const std::string& text, int offset) {
  if (offset < 0 || offset > static_cast<int>(text.size())) return "";
  int line = 1;
  size_t line_start = 0;
  for (int i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  size_t line_end = text.find('\n', line_start);
  if (line_end == std::string::npos) line_end = text.size();
  const int column = offset - static_cast<int>(line_start) + 1;
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + "\n  " +
         text.substr(line_start, line_end - line_start) + "\n  " + std::string(column - 1, ' ') + "^";
}

Result<pg_query::ParseResult> Parse(const std::string& text) {
  if (text.find('\0') != std::string::npos) {
    return Status::Invalid("SQL text contains a NUL byte");
  }
  if (text.size() > kMaxSqlTextBytes) {
    return Status::Invalid("SQL text of ", text.size(), " bytes exceeds the limit of ", kMaxSqlTextBytes);
  }
  FERRY_RETURN_NOT_OK(CheckChainedOperators(text));
  PgQueryProtobufParseResult result{};
  FERRY_RETURN_NOT_OK(RunOnDeepStack(
      kParserStackBytes(text.size()), [&] { result = pg_query_parse_protobuf(text.c_str()); },
      "the SQL parser"));
  struct Free {
    PgQueryProtobufParseResult* r;
    ~Free() { pg_query_free_protobuf_parse_result(*r); }
  } free_result{&result};
  if (result.error != nullptr) {
    std::string message = result.error->message ? result.error->message : "syntax error";
    // cursorpos counts from 1; 0 means the parser did not say where.
    const int cursor = result.error->cursorpos - 1;
    std::string where = DescribePosition(text, cursor >= 0 ? cursor : -1);
    if (where.empty()) return Status::Invalid("SQL syntax error: ", message);
    return Status::Invalid("SQL syntax error at ", where.substr(0, where.find('\n')), ": ", message,
                           where.substr(where.find('\n')));
  }
  pg_query::ParseResult tree;
  google::protobuf::io::CodedInputStream input(
      reinterpret_cast<const uint8_t*>(result.parse_tree.data),
      static_cast<int>(result.parse_tree.len));
  input.SetRecursionLimit(kMaxTreeDepth);
  if (!tree.ParseFromCodedStream(&input)) {
    return Status::Invalid("SQL statement nested too deeply (more than ", kMaxTreeDepth / 2,
                           " levels)");
  }
  return tree;
}

}  // namespace ferry::sql
