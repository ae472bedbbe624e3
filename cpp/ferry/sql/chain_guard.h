#pragma once

#include <string>

#include "ferry/common/status.h"

namespace ferry::sql {

/// Operators, joins and set operations one statement may chain along a
/// path of its tree (parentheses nest paths; a comma starts a new chain of
/// operators, not of joins or set operations).
inline constexpr int kMaxChainedOperators = 4000;

/// Refuses, from the statement's tokens and before libpg_query builds its
/// tree, a statement chaining more than kMaxChainedOperators. Left-nested
/// chains ("1+1+...+1", "... UNION SELECT ... UNION ...", "JOIN ... JOIN")
/// are the one way a parse tree grows without the parser's own depth
/// limit, and libpg_query packs that tree recursively in time quadratic in
/// its depth: 200,000 terms took minutes and overflowed the stack. Such a
/// statement is at least 4000/12 levels deep (a dozen precedence levels),
/// past the binder's 300-level limit, so no statement that binds is
/// refused. Invalid naming the limit; OK for text the lexer rejects (the
/// parser reports that).
Status CheckChainedOperators(const std::string& text);

}  // namespace ferry::sql
