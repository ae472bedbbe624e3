#pragma once

#include <memory>
#include <optional>
#include <vector>

#include <arrow/type.h>

#include "ferry/exec/execution_plan.h"
#include "ferry/expr/expr.h"
#include "ferry/function/physical_expr.h"

namespace ferry {

/// Filters a scan evaluates on the dictionaries of its dictionary-encoded
/// string columns, once per distinct value instead of once per row, before
/// the strings are ever decoded (TPC-H Q19's `l_shipmode IN (...)`, Q12's,
/// Q2's `p_type LIKE '%BRASS'`).

/// The one string column of `schema` that `filter` reads, when `filter` is
/// built only of that column, literals, comparisons, AND/OR/NOT, IS [NOT]
/// NULL, IN lists, BETWEEN and LIKE: its value for a row then depends on
/// the row's string alone. nullopt otherwise (function calls, UDFs
/// included, are never taken).
std::optional<int> DictionaryFilterColumn(const Expr& filter, const arrow::Schema& schema);

/// A filter over one column, bound to a one-column batch of that column's
/// values.
struct DictionaryFilter {
  int column;                  // in the batches the stream reads
  PhysicalExprPtr predicate;   // over {column's field, as its value type}
};

/// Binds `filter` (DictionaryFilterColumn gave `column` of `schema`) over
/// the one column it reads, renumbered to `batch_column`.
Result<DictionaryFilter> BindDictionaryFilter(const Expr& filter, const arrow::Schema& schema,
                                              int column, int batch_column);

/// A stream of `input`'s rows that pass every filter in `filters` (NULL
/// counts as false), with every dictionary column decoded to its value
/// type so batches match `schema`. Each filter's column must be a
/// dictionary column in every batch; batches with no rows left are skipped.
StreamPtr MakeDictionaryFilterStream(StreamPtr input, std::vector<DictionaryFilter> filters,
                                     std::shared_ptr<arrow::Schema> schema);

}  // namespace ferry
