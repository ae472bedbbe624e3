#include "ferry/sql/chain_guard.h"

#include <vector>

#include <pg_query.h>

#include "pg_query/pg_query.pb.h"

namespace ferry::sql {
namespace {

enum class TokenRole { kOperator, kClause, kOpen, kClose, kSeparator, kOther };

TokenRole RoleOf(pg_query::Token token) {
  switch (token) {
    case pg_query::ASCII_37:  // %
    case pg_query::ASCII_42:  // *
    case pg_query::ASCII_43:  // +
    case pg_query::ASCII_45:  // -
    case pg_query::ASCII_46:  // . (field selection)
    case pg_query::ASCII_47:  // /
    case pg_query::ASCII_58:  // : (array slices)
    case pg_query::ASCII_60:  // <
    case pg_query::ASCII_61:  // =
    case pg_query::ASCII_62:  // >
    case pg_query::ASCII_91:  // [ (subscripts)
    case pg_query::ASCII_94:  // ^
    case pg_query::Op:
    case pg_query::TYPECAST:
    case pg_query::LESS_EQUALS:
    case pg_query::GREATER_EQUALS:
    case pg_query::NOT_EQUALS:
    case pg_query::IS:
    case pg_query::ISNULL:
    case pg_query::NOTNULL:
    case pg_query::COLLATE:
    case pg_query::AT:
    case pg_query::LIKE:
    case pg_query::ILIKE:
    case pg_query::SIMILAR:
      return TokenRole::kOperator;
    case pg_query::UNION:
    case pg_query::INTERSECT:
    case pg_query::EXCEPT:
    case pg_query::JOIN:
      return TokenRole::kClause;
    case pg_query::ASCII_40:
      return TokenRole::kOpen;
    case pg_query::ASCII_41:
      return TokenRole::kClose;
    case pg_query::ASCII_44:  // ,
    case pg_query::ASCII_59:  // ;
      return TokenRole::kSeparator;
    default:
      return TokenRole::kOther;
  }
}

}  // namespace

Status CheckChainedOperators(const std::string& text) {
  PgQueryScanResult scanned = pg_query_scan(text.c_str());
  struct Free {
    PgQueryScanResult* r;
    ~Free() { pg_query_free_scan_result(*r); }
  } free_scanned{&scanned};
  pg_query::ScanResult tokens;
  if (scanned.error != nullptr ||
      !tokens.ParseFromArray(scanned.pbuf.data, static_cast<int>(scanned.pbuf.len))) {
    return Status::OK();
  }
  // Per open parenthesis: the chains outside it.
  struct Level {
    int operators = 0;
    int clauses = 0;
  };
  std::vector<Level> outer;
  Level here;
  int outside = 0;  // sum of the outer levels' chains
  for (const auto& token : tokens.tokens()) {
    switch (RoleOf(token.token())) {
      case TokenRole::kOperator:
        ++here.operators;
        break;
      case TokenRole::kClause:
        ++here.clauses;
        break;
      case TokenRole::kOpen:
        outer.push_back(here);
        outside += here.operators + here.clauses;
        here = Level{};
        break;
      case TokenRole::kClose:
        if (outer.empty()) break;  // unbalanced: the parser says so
        here = outer.back();
        outer.pop_back();
        outside -= here.operators + here.clauses;
        break;
      case TokenRole::kSeparator:
        here.operators = 0;
        break;
      case TokenRole::kOther:
        break;
    }
    if (outside + here.operators + here.clauses > kMaxChainedOperators) {
      return Status::Invalid("SQL statement nested too deeply: more than ", kMaxChainedOperators,
                             " operators, joins or set operations chained along one path (near byte ",
                             token.start(), ")");
    }
  }
  return Status::OK();
}

}  // namespace ferry::sql
