// DataFusion's CREATE EXTERNAL TABLE, which PostgreSQL's grammar does not
// have, read as a ferry extension before the parser sees the text:
//   CREATE [OR REPLACE] [UNBOUNDED] EXTERNAL TABLE [IF NOT EXISTS] name
//     STORED AS PARQUET|CSV [WITH HEADER ROW] [DELIMITER 'c']
//     [OPTIONS ('has_header' 'true', 'delimiter' ';', ...)] LOCATION 'path'
// Clauses may come in any order after the name.

#include <algorithm>
#include <cctype>

#include "ferry/sql/statement.h"

namespace ferry::sql {
namespace {

struct Token {
  enum class Kind { kWord, kString, kPunct } kind;
  std::string text;  // words lower-cased; strings unquoted
};

Result<std::vector<Token>> Tokenize(const std::string& text) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = text[i];
    if (std::isspace(c)) {
      ++i;
    } else if (c == '\'' || c == '"') {
      std::string value;
      size_t j = i + 1;
      for (;; ++j) {
        if (j >= text.size()) return Status::Invalid("unterminated quoted text in CREATE EXTERNAL TABLE");
        if (text[j] == static_cast<char>(c)) {
          if (j + 1 < text.size() && text[j + 1] == static_cast<char>(c)) {
            value += text[++j];
            continue;
          }
          break;
        }
        value += text[j];
      }
      out.push_back({c == '\'' ? Token::Kind::kString : Token::Kind::kWord, value});
      i = j + 1;
    } else if (std::isalnum(c) || c == '_') {
      size_t j = i;
      while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_' || text[j] == '.')) ++j;
      std::string word = text.substr(i, j - i);
      std::transform(word.begin(), word.end(), word.begin(), [](unsigned char ch) { return std::tolower(ch); });
      out.push_back({Token::Kind::kWord, word});
      i = j;
    } else {
      out.push_back({Token::Kind::kPunct, std::string(1, static_cast<char>(c))});
      ++i;
    }
  }
  while (!out.empty() && out.back().kind == Token::Kind::kPunct && out.back().text == ";") out.pop_back();
  return out;
}

bool IsTrue(const std::string& value) {
  std::string v = value;
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return v == "true" || v == "1" || v == "yes";
}

}  // namespace

Result<std::optional<CreateExternalTableStatement>> ParseCreateExternalTable(const std::string& text) {
  // Cheap test first: most statements are not this one.
  std::string head = text.substr(0, 200);
  std::transform(head.begin(), head.end(), head.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (head.find("external") == std::string::npos) return std::nullopt;
  FERRY_ASSIGN_OR_RAISE(auto tokens, Tokenize(text));
  size_t pos = 0;
  auto word = [&](const char* w) {
    if (pos < tokens.size() && tokens[pos].kind == Token::Kind::kWord && tokens[pos].text == w) {
      ++pos;
      return true;
    }
    return false;
  };
  CreateExternalTableStatement out;
  if (!word("create")) return std::nullopt;
  if (word("or")) {
    if (!word("replace")) return std::nullopt;
    out.or_replace = true;
  }
  word("unbounded");
  if (!word("external")) return std::nullopt;
  if (!word("table")) return Status::Invalid("CREATE EXTERNAL TABLE: expected TABLE after EXTERNAL");
  if (word("if")) {
    if (!word("not") || !word("exists")) return Status::Invalid("CREATE EXTERNAL TABLE: expected IF NOT EXISTS");
    out.if_not_exists = true;
  }
  if (pos >= tokens.size() || tokens[pos].kind != Token::Kind::kWord) {
    return Status::Invalid("CREATE EXTERNAL TABLE: expected a table name");
  }
  out.name = tokens[pos++].text;
  if (pos < tokens.size() && tokens[pos].text == "(") {
    return Status::NotImplemented("CREATE EXTERNAL TABLE with column definitions is not supported: ",
                                  "the schema is read from the files");
  }
  auto string_value = [&](const char* what) -> Result<std::string> {
    if (pos >= tokens.size() || tokens[pos].kind != Token::Kind::kString) {
      return Status::Invalid("CREATE EXTERNAL TABLE: expected a quoted ", what);
    }
    return tokens[pos++].text;
  };
  while (pos < tokens.size()) {
    if (word("stored")) {
      if (!word("as") || pos >= tokens.size()) return Status::Invalid("CREATE EXTERNAL TABLE: expected STORED AS <format>");
      out.format = tokens[pos++].text;
      if (out.format != "parquet" && out.format != "csv") {
        return Status::NotImplemented("CREATE EXTERNAL TABLE: format '", out.format,
                                      "' is not supported (PARQUET or CSV)");
      }
    } else if (word("location")) {
      FERRY_ASSIGN_OR_RAISE(out.location, string_value("location"));
    } else if (word("with")) {
      if (!word("header") || !word("row")) return Status::Invalid("CREATE EXTERNAL TABLE: expected WITH HEADER ROW");
      out.has_header = true;
    } else if (word("delimiter")) {
      FERRY_ASSIGN_OR_RAISE(auto delimiter, string_value("delimiter"));
      if (delimiter.size() != 1) return Status::Invalid("CSV delimiter must be one character");
      out.delimiter = delimiter[0];
    } else if (word("options")) {
      if (pos >= tokens.size() || tokens[pos++].text != "(") return Status::Invalid("OPTIONS needs ( ... )");
      while (pos < tokens.size() && tokens[pos].text != ")") {
        const std::string key = tokens[pos++].text;
        if (pos >= tokens.size()) break;
        const std::string value = tokens[pos++].text;
        if (key == "has_header" || key == "format.has_header") {
          out.has_header = IsTrue(value);
        } else if (key == "delimiter" || key == "format.delimiter") {
          if (value.size() != 1) return Status::Invalid("CSV delimiter must be one character");
          out.delimiter = value[0];
        } else {
          return Status::NotImplemented("CREATE EXTERNAL TABLE option '", key, "' is not supported");
        }
        if (pos < tokens.size() && tokens[pos].text == ",") ++pos;
      }
      if (pos >= tokens.size()) return Status::Invalid("OPTIONS ( ... ) is not closed");
      ++pos;
    } else {
      return Status::Invalid("CREATE EXTERNAL TABLE: unexpected '", tokens[pos].text, "'");
    }
  }
  if (out.format.empty()) return Status::Invalid("CREATE EXTERNAL TABLE needs STORED AS PARQUET|CSV");
  if (out.location.empty()) return Status::Invalid("CREATE EXTERNAL TABLE needs LOCATION '<path>'");
  return out;
}

}  // namespace ferry::sql
