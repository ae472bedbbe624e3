#pragma once

#include <string>

#include "ferry/common/status.h"
#include "pg_query/pg_query.pb.h"

namespace ferry::sql {

/// The statements of `text` as the PostgreSQL 15 parser (libpg_query) sees
/// them: its raw parse tree, as protobuf.
///
/// Thread-safe. A syntax error is Invalid naming the line and column and
/// showing the offending line with a caret under the position.
Result<pg_query::ParseResult> Parse(const std::string& text);

/// "line L, column C" of byte `offset` (0-based) in `text`, then the line
/// itself and a caret under that column; empty when offset is out of range.
std::string DescribePosition(const std::string& text, int offset);

}  // namespace ferry::sql
