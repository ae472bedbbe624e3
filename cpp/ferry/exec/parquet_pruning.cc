#include "ferry/exec/parquet_pruning.h"

#include <arrow/dataset/file_parquet.h>
#include <arrow/filesystem/localfs.h>
#include <parquet/metadata.h>

#include "ferry/common/overloaded.h"
#include "ferry/function/bind.h"

namespace ferry {

namespace cp = arrow::compute;

std::optional<cp::Expression> ToArrowPredicate(const Expr& filter, const arrow::Schema& schema) {
  using Out = std::optional<cp::Expression>;
  auto to = [&](const Expr& e) { return ToArrowPredicate(e, schema); };
  return std::visit(
      Overloaded{
          [&](const ColumnNode& n) -> Out {
            auto index = ResolveColumn(n, schema);
            if (!index.ok()) return std::nullopt;
            return cp::field_ref(schema.field(*index)->name());
          },
          [&](const LiteralNode& n) -> Out { return cp::literal(n.value); },
          [&](const BinaryNode& n) -> Out {
            auto left = to(n.left), right = to(n.right);
            if (!left || !right) return std::nullopt;
            if (n.op == Operator::kAnd) return cp::and_(*left, *right);
            if (n.op == Operator::kOr) return cp::or_(*left, *right);
            const char* name = ComparisonFunction(n.op);
            if (!name) return std::nullopt;
            return cp::call(name, {*left, *right});
          },
          [&](const NotNode& n) -> Out {
            auto inner = to(n.expr);
            if (!inner) return std::nullopt;
            return cp::not_(*inner);
          },
          [&](const IsNullNode& n) -> Out {
            auto inner = to(n.expr);
            if (!inner) return std::nullopt;
            return n.negated ? cp::is_valid(*inner) : cp::is_null(*inner);
          },
          [&](const BetweenNode& n) -> Out {
            auto value = to(n.expr), low = to(n.low), high = to(n.high);
            if (!value || !low || !high) return std::nullopt;
            auto inside = cp::and_(cp::greater_equal(*value, *low), cp::less_equal(*value, *high));
            return n.negated ? cp::not_(inside) : inside;
          },
          [&](const auto&) -> Out { return std::nullopt; },
      },
      filter.node().value);
}

Result<std::vector<std::pair<int, int64_t>>> PruneRowGroups(
    const std::string& path, const std::shared_ptr<arrow::Schema>& schema,
    const std::vector<Expr>& filters) {
  std::vector<cp::Expression> predicates;
  for (const auto& filter : filters) {
    if (auto predicate = ToArrowPredicate(filter, *schema)) predicates.push_back(*predicate);
  }
  auto format = std::make_shared<arrow::dataset::ParquetFileFormat>();
  arrow::dataset::FileSource source(path, std::make_shared<arrow::fs::LocalFileSystem>());
  // The file's own schema: the table's may differ (view columns read as
  // utf8), and statistics are compared in the file's types.
  FERRY_ASSIGN_OR_RAISE(auto file_fragment, format->MakeFragment(source, cp::literal(true)));
  auto fragment = std::static_pointer_cast<arrow::dataset::ParquetFileFragment>(file_fragment);
  FERRY_RETURN_NOT_OK(fragment->EnsureCompleteMetadata());
  FERRY_ASSIGN_OR_RAISE(auto physical_schema, fragment->ReadPhysicalSchema());
  const auto& metadata = *fragment->metadata();
  std::vector<int> kept(metadata.num_row_groups());
  for (size_t i = 0; i < kept.size(); ++i) kept[i] = static_cast<int>(i);
  // Pruning only ever saves work (the filter above decides the rows), so
  // a predicate Arrow cannot bind or evaluate on statistics prunes nothing.
  if (!predicates.empty()) {
    auto bound = cp::and_(predicates).Bind(*physical_schema);
    if (bound.ok()) {
      auto subset = fragment->Subset(*bound);
      if (subset.ok()) {
        kept = std::static_pointer_cast<arrow::dataset::ParquetFileFragment>(*subset)->row_groups();
      }
    }
  }
  std::vector<std::pair<int, int64_t>> out;
  for (int row_group : kept) out.emplace_back(row_group, metadata.RowGroup(row_group)->num_rows());
  return out;
}

}  // namespace ferry
