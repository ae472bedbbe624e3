// Close-name hints for unknown tables, columns and functions.

#include <algorithm>
#include <cctype>

#include "ferry/sql/catalog.h"

namespace ferry::sql {
namespace {

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string SuggestNames(const std::string& name, const std::vector<std::string>& candidates) {
  // Close: a third of the name's letters wrong at most (one for short names).
  const size_t limit = std::max<size_t>(1, name.size() / 3);
  std::vector<std::pair<size_t, std::string>> close;
  for (const auto& candidate : candidates) {
    if (candidate.size() > 200) continue;
    const size_t distance = EditDistance(name.substr(0, 200), candidate);
    if (distance <= limit) close.emplace_back(distance, candidate);
  }
  if (close.empty()) return "";
  std::stable_sort(close.begin(), close.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (size_t i = 0; i < close.size() && i < 5; ++i) {
    out += (i == 0 ? "" : ", ") + close[i].second;
  }
  return "; did you mean: " + out + "?";
}

}  // namespace ferry::sql
