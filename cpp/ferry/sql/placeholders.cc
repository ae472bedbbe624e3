// Placeholders are found with libpg_query's scanner rather than by looking
// for '$': it knows strings, dollar quotes, comments and quoted names. It
// reads `$name` as a '$' token followed, with no gap, by a name (PostgreSQL
// itself has only `$1`), so named placeholders are renumbered for the
// parser, and padded to their length so that positions in later error
// messages stay right.

#include "ferry/sql/placeholders.h"

#include <pg_query.h>

#include <charconv>
#include <set>
#include <vector>

#include "ferry/sql/parser.h"
#include "pg_query/pg_query.pb.h"

namespace ferry::sql {
namespace {

constexpr int kDollarToken = '$';  // the scanner's token for a lone '$' (not in its enum)
constexpr size_t kMaxScannedBytes = 64u << 20;  // the parser refuses longer text

struct Found {
  int start = 0, end = 0;
  std::string name;  // after the '$'
  bool numbered = false;
};

std::string At(const std::string& text, int offset) {
  const std::string where = DescribePosition(text, offset);
  return where.empty() ? "" : " at " + where.substr(0, where.find('\n'));
}

// The placeholders of `text` in order; nullopt when the scanner rejects it.
std::optional<std::vector<Found>> Scan(const std::string& text) {
  PgQueryScanResult result = pg_query_scan(text.c_str());
  struct Free {
    PgQueryScanResult* r;
    ~Free() { pg_query_free_scan_result(*r); }
  } free_result{&result};
  if (result.error != nullptr) return std::nullopt;
  pg_query::ScanResult scan;
  if (!scan.ParseFromArray(result.pbuf.data, static_cast<int>(result.pbuf.len))) return std::nullopt;
  std::vector<Found> found;
  const auto& tokens = scan.tokens();
  for (int i = 0; i < tokens.size(); ++i) {
    const auto& token = tokens[i];
    if (token.token() == pg_query::PARAM) {
      found.push_back({token.start(), token.end(), text.substr(token.start() + 1, token.end() - token.start() - 1), true});
      continue;
    }
    if (static_cast<int>(token.token()) != kDollarToken || i + 1 == tokens.size()) continue;
    const auto& next = tokens[i + 1];
    const bool word = (next.token() == pg_query::IDENT && text[next.start()] != '"') ||
                      next.keyword_kind() != pg_query::NO_KEYWORD;
    if (next.start() != token.end() || !word) continue;
    found.push_back({token.start(), next.end(), text.substr(next.start(), next.end() - next.start()), false});
    ++i;
  }
  return found;
}

std::string Listed(const std::vector<Found>& found) {
  std::set<std::string> names;
  std::string out;
  for (const auto& f : found) {
    if (names.insert(f.name).second) out += (out.empty() ? "$" : ", $") + f.name;
  }
  return out;
}

}  // namespace

Result<PlaceholderText> ResolvePlaceholders(const std::string& text, const StatementParams& params) {
  PlaceholderText out{text, {}};
  if (text.find('$') == std::string::npos && params.empty()) return out;
  // The parser reports these; the scanner would read a NUL as the end.
  if (text.find('\0') != std::string::npos || text.size() > kMaxScannedBytes) return out;
  auto found = Scan(text);
  if (!found) return out;

  int next_number = 0;
  for (const auto& f : *found) {
    if (!f.numbered) continue;
    int number = 0;
    auto [end, error] = std::from_chars(f.name.data(), f.name.data() + f.name.size(), number);
    if (error != std::errc()) return Status::Invalid("placeholder $", f.name, " is out of range", At(text, f.start));
    next_number = std::max(next_number, number + 1);
  }
  std::set<std::string> used;
  std::map<std::string, int> numbers;  // named placeholder -> its number for the parser
  std::string rewritten;
  int copied = 0;
  for (const auto& f : *found) {
    rewritten += text.substr(copied, f.start - copied);
    copied = f.end;
    const std::string written = "$" + f.name;
    used.insert(f.name);
    if (auto it = params.texts.find(f.name); it != params.texts.end()) {
      rewritten += it->second;
      continue;
    }
    if (params.tables.count(f.name)) {
      rewritten += "\"" + written + "\"";
      continue;
    }
    auto value = params.values.find(f.name);
    if (value == params.values.end()) {
      return Status::Invalid("no value for placeholder ", written, At(text, f.start),
                             params.empty() ? "; pass it in param_values" : "; param_values has no '" + f.name + "'");
    }
    if (value->second.As<LiteralNode>() == nullptr) {
      return Status::TypeError("the value for placeholder ", written, " must be a literal, not ",
                               value->second.ToString());
    }
    int number = 0;
    if (f.numbered) {
      std::from_chars(f.name.data(), f.name.data() + f.name.size(), number);
      rewritten += text.substr(f.start, f.end - f.start);
    } else {
      auto [it, added] = numbers.emplace(f.name, next_number);
      if (added) ++next_number;
      number = it->second;
      std::string spelled = "$" + std::to_string(number);
      if (spelled.size() < written.size()) spelled.resize(written.size(), ' ');
      rewritten += spelled;
    }
    out.values.emplace(number, Placeholder{written, value->second});
  }
  rewritten += text.substr(copied);

  auto check_used = [&](const std::string& name, const char* where) -> Status {
    if (used.count(name)) return Status::OK();
    const std::string listed = Listed(*found);
    return Status::Invalid(where, " '", name, "' has no placeholder $", name, " in the query",
                           listed.empty() ? " (it has none)" : " (it has " + listed + ")");
  };
  for (const auto& [name, _] : params.values) FERRY_RETURN_NOT_OK(check_used(name, "parameter"));
  for (const auto& [name, _] : params.texts) FERRY_RETURN_NOT_OK(check_used(name, "named parameter"));
  for (const auto& [name, _] : params.tables) FERRY_RETURN_NOT_OK(check_used(name, "named parameter"));
  out.text = std::move(rewritten);
  return out;
}

}  // namespace ferry::sql
