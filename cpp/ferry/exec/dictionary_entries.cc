#include "ferry/exec/dictionary_entries.h"

#include <algorithm>

#include <parquet/column_page.h>
#include <parquet/column_reader.h>
#include <parquet/exception.h>
#include <parquet/metadata.h>

namespace ferry {

namespace {
// Each sampled row group costs a seek and one small page read at
// registration; a handful sees every value of TPC-H's flag, mode, type
// and brand columns.
constexpr int kSampledRowGroups = 4;
}  // namespace

std::optional<double> DictionaryEntries(parquet::ParquetFileReader& reader, int leaf) {
  const auto metadata = reader.metadata();
  std::optional<double> entries;
  const int row_groups = std::min(kSampledRowGroups, metadata->num_row_groups());
  for (int g = 0; g < row_groups; ++g) {
    try {
      if (!metadata->RowGroup(g)->ColumnChunk(leaf)->has_dictionary_page()) return std::nullopt;
      auto pages = reader.RowGroup(g)->GetColumnPageReader(leaf);
      auto page = pages->NextPage();
      if (!page || page->type() != parquet::PageType::DICTIONARY_PAGE) return std::nullopt;
      const auto count = static_cast<const parquet::DictionaryPage&>(*page).num_values();
      entries = std::max(entries.value_or(0.0), static_cast<double>(count));
    } catch (const parquet::ParquetException&) {
      return std::nullopt;  // a damaged file fails when scanned, with its reason
    }
  }
  return entries;
}

}  // namespace ferry
