#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/type.h>

#include "ferry/common/status.h"
#include "ferry/expr/expr.h"

namespace ferry {

/// `filter` as an Arrow compute expression over `schema`'s columns, when
/// every part of it has one (comparisons, AND/OR/NOT, IS [NOT] NULL,
/// BETWEEN of columns and literals); nullopt otherwise.
std::optional<arrow::compute::Expression> ToArrowPredicate(const Expr& filter,
                                                           const arrow::Schema& schema);

/// The row groups of the Parquet file at `path` whose column statistics
/// (min/max/null count) do not rule out `filters` (over the columns of
/// `schema`, the table's schema), in file order, each with its row count;
/// Arrow's dataset layer reads and compares the statistics. Filters with no
/// Arrow form, or that Arrow cannot evaluate on statistics, rule nothing
/// out. Fails only when the file's metadata cannot be read.
Result<std::vector<std::pair<int, int64_t>>> PruneRowGroups(
    const std::string& path, const std::shared_ptr<arrow::Schema>& schema,
    const std::vector<Expr>& filters);

}  // namespace ferry
