#include "ferry/sql/grouping_sets.h"

#include <algorithm>
#include <set>

#include "ferry/plan/builder.h"

namespace ferry::sql {
namespace {

// Sets multiply: CUBE over more keys than this is refused, not enumerated.
constexpr size_t kMaxGroupingSets = 4096;

using Sets = std::vector<std::vector<int>>;

// GROUPING()'s value for one set: a bit per argument, the first the highest.
Expr GroupingValue(const GroupingCall& call, const std::vector<int>& set) {
  int32_t mask = 0;
  for (int key : call.keys) {
    mask = (mask << 1) | (std::find(set.begin(), set.end(), key) == set.end() ? 1 : 0);
  }
  return Alias(Lit(std::make_shared<arrow::Int32Scalar>(mask)), call.column);
}

}  // namespace

Result<GroupingSets> BindGroupBy(const google::protobuf::RepeatedPtrField<pg_query::Node>& clause,
                                 const std::function<Result<Expr>(const pg_query::Node&)>& bind_key) {
  GroupingSets out;
  auto key_index = [&](const pg_query::Node& node) -> Result<int> {
    FERRY_ASSIGN_OR_RAISE(auto key, bind_key(node));
    for (size_t i = 0; i < out.keys.size(); ++i) {
      if (out.keys[i].Equals(key)) return static_cast<int>(i);
    }
    out.keys.push_back(std::move(key));
    return static_cast<int>(out.keys.size()) - 1;
  };
  // One element of a set: an expression, or a parenthesized row of them.
  auto element = [&](const pg_query::Node& node) -> Result<std::vector<int>> {
    std::vector<int> indices;
    if (node.has_row_expr()) {
      for (const auto& arg : node.row_expr().args()) {
        FERRY_ASSIGN_OR_RAISE(auto i, key_index(arg));
        indices.push_back(i);
      }
    } else {
      FERRY_ASSIGN_OR_RAISE(auto i, key_index(node));
      indices.push_back(i);
    }
    return indices;
  };
  std::function<Result<Sets>(const pg_query::Node&)> sets_of = [&](const pg_query::Node& node) -> Result<Sets> {
    if (!node.has_grouping_set()) {
      FERRY_ASSIGN_OR_RAISE(auto one, element(node));
      return Sets{one};
    }
    out.plain = false;
    const auto& set = node.grouping_set();
    std::vector<std::vector<int>> elements;
    if (set.kind() != pg_query::GROUPING_SET_SETS) {
      for (const auto& item : set.content()) {
        FERRY_ASSIGN_OR_RAISE(auto e, element(item));
        elements.push_back(std::move(e));
      }
    }
    Sets result;
    switch (set.kind()) {
      case pg_query::GROUPING_SET_EMPTY:
        return Sets{{}};
      case pg_query::GROUPING_SET_SIMPLE: {
        std::vector<int> all;
        for (auto& e : elements) all.insert(all.end(), e.begin(), e.end());
        return Sets{all};
      }
      case pg_query::GROUPING_SET_ROLLUP: {
        std::vector<int> prefix;
        result.push_back(prefix);
        for (auto& e : elements) {
          prefix.insert(prefix.end(), e.begin(), e.end());
          result.push_back(prefix);
        }
        std::reverse(result.begin(), result.end());
        return result;
      }
      case pg_query::GROUPING_SET_CUBE: {
        if (elements.size() > 12) return Status::NotImplemented("CUBE over more than 12 elements");
        for (size_t mask = (size_t{1} << elements.size()); mask-- > 0;) {
          std::vector<int> subset;
          for (size_t i = 0; i < elements.size(); ++i) {
            if (mask & (size_t{1} << i)) subset.insert(subset.end(), elements[i].begin(), elements[i].end());
          }
          result.push_back(std::move(subset));
        }
        return result;
      }
      case pg_query::GROUPING_SET_SETS:
        for (const auto& item : set.content()) {
          FERRY_ASSIGN_OR_RAISE(auto inner, sets_of(item));
          for (auto& s : inner) result.push_back(std::move(s));
          if (result.size() > kMaxGroupingSets) return Status::NotImplemented("too many grouping sets");
        }
        return result;
      default:
        return Status::Invalid("unknown grouping set kind");
    }
  };
  Sets product{{}};
  for (const auto& node : clause) {
    FERRY_ASSIGN_OR_RAISE(auto factor, sets_of(node));
    Sets next;
    for (const auto& left : product) {
      for (const auto& right : factor) {
        std::vector<int> merged = left;
        merged.insert(merged.end(), right.begin(), right.end());
        next.push_back(std::move(merged));
        if (next.size() > kMaxGroupingSets) {
          return Status::NotImplemented("more than ", kMaxGroupingSets, " grouping sets");
        }
      }
    }
    product = std::move(next);
  }
  for (auto& set : product) {
    std::set<int> unique(set.begin(), set.end());
    set.assign(unique.begin(), unique.end());
  }
  out.sets = std::move(product);
  return out;
}

Result<PlanPtr> AggregateGroupingSets(const PlanPtr& input, const GroupingSets& sets,
                                      const std::vector<Expr>& aggregates, const std::vector<GroupingCall>& calls) {
  FERRY_ASSIGN_OR_RAISE(auto full, plan::Aggregate(input, sets.keys, aggregates));
  const auto& schema = *full->schema;
  if (sets.plain && calls.empty()) return full;
  if (sets.plain) {
    std::vector<Expr> columns;
    for (const auto& field : schema.fields()) columns.push_back(Col(field->name()));
    std::vector<int> every_key(sets.keys.size());
    for (size_t i = 0; i < every_key.size(); ++i) every_key[i] = static_cast<int>(i);
    for (const auto& call : calls) columns.push_back(GroupingValue(call, every_key));
    return plan::Project(full, columns);
  }
  const int num_keys = static_cast<int>(sets.keys.size());
  std::vector<PlanPtr> parts;
  for (const auto& set : sets.sets) {
    std::vector<Expr> keys;
    for (int i : set) keys.push_back(sets.keys[i]);
    FERRY_ASSIGN_OR_RAISE(auto aggregate, plan::Aggregate(input, keys, aggregates));
    std::vector<Expr> columns;
    for (int i = 0; i < num_keys; ++i) {
      const auto& field = schema.field(i);
      const bool grouped = std::find(set.begin(), set.end(), i) != set.end();
      columns.push_back(grouped ? Col(field->name())
                                : Alias(Cast(Lit(std::make_shared<arrow::NullScalar>()), field->type()),
                                        field->name()));
    }
    for (int j = num_keys; j < schema.num_fields(); ++j) columns.push_back(Col(schema.field(j)->name()));
    for (const auto& call : calls) columns.push_back(GroupingValue(call, set));
    FERRY_ASSIGN_OR_RAISE(auto shaped, plan::Project(aggregate, columns));
    parts.push_back(std::move(shaped));
  }
  if (parts.size() == 1) return parts[0];
  return plan::Union(parts);
}

}  // namespace ferry::sql
