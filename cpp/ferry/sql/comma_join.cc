// FROM a, b, c WHERE ...: the items are joined on the WHERE conjuncts that
// connect them (equalities as hash keys), never as a cross product filtered
// afterwards, which is how TPC-H and most hand-written SQL spell joins.

#include <atomic>
#include <set>

#include "ferry/sql/binder_internal.h"

namespace ferry::sql {
namespace {

bool IsColumnEquality(const Expr& expr) {
  const auto* eq = expr.As<BinaryNode>();
  return eq != nullptr && eq->op == Operator::kEq && eq->left.As<ColumnNode>() &&
         eq->right.As<ColumnNode>();
}

bool IsNumeric(const arrow::DataType& type) {
  return arrow::is_integer(type.id()) || arrow::is_floating(type.id());
}

}  // namespace

Result<std::vector<Expr>> AlignKeyTypes(PlanPtr* left, PlanPtr* right, std::vector<Expr> on) {
  static std::atomic<int64_t> next{0};
  std::vector<Expr> left_extra, right_extra;
  for (auto& conjunct : on) {
    if (!IsColumnEquality(conjunct)) continue;
    const auto* eq = conjunct.As<BinaryNode>();
    // Sides as the join condition sees them (JoinFilterSchema: a right
    // name the left already has ends in "_right").
    const auto filter_schema = JoinFilterSchema(*(*left)->schema, *(*right)->schema);
    const int num_left = (*left)->schema->num_fields();
    int a = filter_schema->GetFieldIndex(eq->left.As<ColumnNode>()->name);
    int b = filter_schema->GetFieldIndex(eq->right.As<ColumnNode>()->name);
    if (a < 0 || b < 0 || (a < num_left) == (b < num_left)) continue;
    if (a > b) std::swap(a, b);
    const std::string lname = filter_schema->field(a)->name();
    const std::string rname = filter_schema->field(b)->name();
    const auto lf = (*left)->schema->field(a);
    const auto rf = (*right)->schema->field(b - num_left);
    if (lf->type()->Equals(*rf->type()) || !IsNumeric(*lf->type()) || !IsNumeric(*rf->type())) continue;
    const bool floating = arrow::is_floating(lf->type()->id()) || arrow::is_floating(rf->type()->id());
    auto common = floating ? arrow::float64() : arrow::int64();
    const std::string id = "__sqc" + std::to_string(next++);
    Expr l = Col(lname), r = Col(rname);
    if (!lf->type()->Equals(*common)) {
      left_extra.push_back(Alias(Cast(l, common), id + "l"));
      l = Col(id + "l");
    }
    if (!rf->type()->Equals(*common)) {
      right_extra.push_back(Alias(Cast(Col(rf->name()), common), id + "r"));
      r = Col(id + "r");
    }
    conjunct = Binary(l, Operator::kEq, r);
  }
  auto extend = [](PlanPtr* plan, std::vector<Expr> extra) -> Status {
    if (extra.empty()) return Status::OK();
    std::vector<Expr> columns;
    for (const auto& field : (*plan)->schema->fields()) columns.push_back(Col(field->name()));
    for (auto& e : extra) columns.push_back(std::move(e));
    FERRY_ASSIGN_OR_RAISE(*plan, plan::Project(*plan, std::move(columns)));
    return Status::OK();
  };
  FERRY_RETURN_NOT_OK(extend(left, std::move(left_extra)));
  FERRY_RETURN_NOT_OK(extend(right, std::move(right_extra)));
  return on;
}

Result<Relation> CrossJoin(const std::vector<Relation>& items) {
  Relation out = items.at(0);
  for (size_t i = 1; i < items.size(); ++i) {
    const int offset = out.plan->schema->num_fields();
    FERRY_ASSIGN_OR_RAISE(out.plan, plan::JoinOn(out.plan, items[i].plan, JoinType::kInner, {}));
    for (const auto& column : items[i].scope.Shifted(offset).columns) out.scope.columns.push_back(column);
  }
  return out;
}

Result<std::vector<Relation>> QueryBinder::BindFromItems(
    const google::protobuf::RepeatedPtrField<pg_query::Node>& from, const OuterScope* outer,
    std::vector<Expr>* lateral, std::map<int, PaddedLateral>* padded) {
  std::vector<Relation> items;
  for (const auto& node : from) {
    if (IsLateral(node) && !items.empty()) {
      FERRY_ASSIGN_OR_RAISE(auto prior, CrossJoin(items));
      std::vector<Expr> on;
      std::optional<LateralPadding> padding;
      FERRY_ASSIGN_OR_RAISE(auto item, BindLateral(node, prior, &on, &padding));
      if (padding) {
        padded->emplace(static_cast<int>(items.size()), PaddedLateral{std::move(on), std::move(*padding)});
      } else {
        lateral->insert(lateral->end(), on.begin(), on.end());
      }
      items.push_back(std::move(item));
      continue;
    }
    FERRY_ASSIGN_OR_RAISE(auto item, BindTableRef(node, outer));
    items.push_back(std::move(item));
  }
  return items;
}

Result<Relation> JoinItems(const std::vector<Relation>& items, const Relation& cross,
                           std::vector<Expr>* conjuncts, const std::map<int, PaddedLateral>& padded) {
  // Every item takes the names its columns have in the cross join, so names
  // are unique across items and stay valid whatever the join order.
  std::vector<PlanPtr> plans;
  std::map<std::string, int> item_of;  // column name -> item
  int offset = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const int count = items[i].plan->schema->num_fields();
    std::vector<std::string> names;
    for (int j = 0; j < count; ++j) {
      names.push_back(cross.plan->schema->field(offset + j)->name());
      item_of[names.back()] = static_cast<int>(i);
    }
    FERRY_ASSIGN_OR_RAISE(auto plan, RenameColumns(items[i].plan, names));
    plans.push_back(std::move(plan));
    offset += count;
  }
  auto items_read = [&](const Expr& e) {
    std::set<std::string> names;
    CollectColumnNames(e, &names);
    std::set<int> read;
    for (const auto& name : names) {
      if (auto it = item_of.find(name); it != item_of.end()) read.insert(it->second);
    }
    return read;
  };
  std::vector<std::set<int>> uses;  // items each conjunct reads
  for (const auto& conjunct : *conjuncts) uses.push_back(items_read(conjunct));
  std::vector<bool> used(conjuncts->size(), false);
  std::set<int> joined = {0};
  PlanPtr plan = plans[0];
  // Whether conjunct c can join item k onto `joined`.
  auto connects = [&](size_t c, int k) {
    if (used[c] || !uses[c].count(k) || uses[c].size() < 2 || padded.count(k)) return false;
    for (int item : uses[c]) {
      if (item != k && !joined.count(item)) return false;
    }
    return true;
  };
  // A padded item joins once everything its own conditions and computed
  // columns read has.
  auto ready = [&](int k) {
    std::vector<Expr> reads = padded.at(k).on;
    for (const auto& e : padded.at(k).padding.computed) {
      if (e) reads.push_back(*e);
    }
    for (const auto& e : reads) {
      for (int item : items_read(e)) {
        if (item != k && !joined.count(item)) return false;
      }
    }
    return true;
  };
  while (joined.size() < items.size()) {
    int next = -1;
    for (int k = 0; k < static_cast<int>(items.size()) && next < 0; ++k) {
      if (joined.count(k)) continue;
      if (padded.count(k)) {
        if (ready(k)) next = k;
        continue;
      }
      for (size_t c = 0; c < conjuncts->size(); ++c) {
        if (connects(c, k)) {
          next = k;
          break;
        }
      }
    }
    if (next < 0) {  // nothing connects: a cross join with the first left
      for (int k = 0; next < 0 && k < static_cast<int>(items.size()); ++k) {
        if (!joined.count(k) && !padded.count(k)) next = k;
      }
    }
    if (next < 0) return Status::Invalid("LATERAL items reading each other cannot be joined");
    if (padded.count(next)) {
      // Padded at once: conditions joining later items read its padded values.
      PlanPtr right = plans[next];
      FERRY_ASSIGN_OR_RAISE(auto on, AlignKeyTypes(&plan, &right, padded.at(next).on));
      const auto& padding = padded.at(next).padding;
      FERRY_ASSIGN_OR_RAISE(plan, plan::JoinOn(plan, right, padding.every_outer_row ? JoinType::kLeft
                                                                                     : JoinType::kInner, on));
      int offset = 0;
      for (int i = 0; i < next; ++i) offset += items[i].plan->schema->num_fields();
      std::vector<std::string> names;
      for (int j = 0; j < items[next].plan->schema->num_fields(); ++j) {
        names.push_back(cross.plan->schema->field(offset + j)->name());
      }
      FERRY_ASSIGN_OR_RAISE(plan, PadLateral(plan, padding, names));
      joined.insert(next);
      continue;
    }
    // Equalities only when there are some: the other conditions stay in
    // WHERE, above the joins, so the joins keep plain keys (projection
    // pushdown prunes the inputs of joins without a filter).
    bool has_equality = false;
    for (size_t c = 0; c < conjuncts->size(); ++c) {
      has_equality = has_equality || (connects(c, next) && IsColumnEquality((*conjuncts)[c]));
    }
    std::vector<Expr> on;
    for (size_t c = 0; c < conjuncts->size(); ++c) {
      if (connects(c, next) && (!has_equality || IsColumnEquality((*conjuncts)[c]))) {
        on.push_back((*conjuncts)[c]);
        used[c] = true;
      }
    }
    PlanPtr right = plans[next];
    FERRY_ASSIGN_OR_RAISE(on, AlignKeyTypes(&plan, &right, std::move(on)));
    FERRY_ASSIGN_OR_RAISE(plan, plan::JoinOn(plan, right, JoinType::kInner, on));
    joined.insert(next);
  }
  std::vector<Expr> rest;
  for (size_t c = 0; c < conjuncts->size(); ++c) {
    if (!used[c]) rest.push_back((*conjuncts)[c]);
  }
  *conjuncts = std::move(rest);
  Relation out{plan, cross.scope};
  for (auto& column : out.scope.columns) {
    column.index = plan->schema->GetFieldIndex(cross.plan->schema->field(column.index)->name());
  }
  return out;
}

}  // namespace ferry::sql
