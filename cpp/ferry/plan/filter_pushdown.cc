// Filter pushdown: moves each conjunct of a filter as close to the scans
// as the semantics of the nodes it passes allow, so joins, aggregates and
// sorts see fewer rows. Filter pushdown never changes any node's output
// schema, so a node whose input changed is rebuilt by copying it.

#include <functional>

#include "ferry/common/overloaded.h"
#include "ferry/function/bind.h"
#include "ferry/plan/builder.h"
#include "ferry/plan/rewrite.h"
#include "ferry/plan/optimizer.h"

namespace ferry {
namespace {

using Conjuncts = std::vector<Expr>;

template <typename Node>
PlanPtr Rebuild(Node node, const PlanPtr& like) {
  return std::make_shared<const LogicalPlan>(LogicalPlan{std::move(node), like->schema});
}

// `plan` with the conjuncts applied by a filter on top (none: unchanged).
Result<PlanPtr> AddFilter(PlanPtr plan, const Conjuncts& conjuncts) {
  auto predicate = Conjoin(conjuncts);
  if (!predicate) return plan;
  return plan::Filter(std::move(plan), *predicate);
}

// A reference to column `index` of `schema` that resolves to it alone.
std::optional<Expr> ColumnOf(const arrow::Schema& schema, int index) {
  if (index < 0) return std::nullopt;
  const auto& name = schema.field(index)->name();
  if (schema.GetAllFieldIndices(name).size() != 1) return std::nullopt;
  return Col(name);
}

Result<PlanPtr> Push(const PlanPtr& plan, Conjuncts conjuncts);

// Pushes `conjuncts` (already rewritten for `input`) into `input`.
Result<PlanPtr> Input(const PlanPtr& input, Conjuncts conjuncts = {}) {
  return Push(input, std::move(conjuncts));
}

Result<PlanPtr> PushFilter(const FilterNode& n, Conjuncts conjuncts) {
  // The lower filter's conjuncts go first: they guarded the upper ones.
  Conjuncts down, stay;
  for (auto& conjunct : SplitConjunction(n.predicate)) {
    (IsVolatile(conjunct) ? stay : down).push_back(std::move(conjunct));
  }
  down.insert(down.end(), conjuncts.begin(), conjuncts.end());
  FERRY_ASSIGN_OR_RAISE(auto input, Input(n.input, std::move(down)));
  return AddFilter(std::move(input), stay);
}

// Through a projection: column references become the expressions behind them.
Result<PlanPtr> PushProjection(const PlanPtr& plan, const ProjectionNode& n, Conjuncts conjuncts) {
  Conjuncts down, stay;
  for (auto& conjunct : conjuncts) {
    auto rewritten = ReplaceColumns(conjunct, *plan->schema, [&](int index) -> std::optional<Expr> {
      return Unaliased(n.exprs[index]);
    });
    if (rewritten && !IsVolatile(*rewritten)) {
      down.push_back(std::move(*rewritten));
    } else {
      stay.push_back(std::move(conjunct));
    }
  }
  ProjectionNode copy = n;
  FERRY_ASSIGN_OR_RAISE(copy.input, Input(n.input, std::move(down)));
  return AddFilter(Rebuild(std::move(copy), plan), stay);
}

// Through an aggregate: only conjuncts on group keys, which keep or drop
// whole groups either way. A global aggregate yields a row even for no
// input, so nothing passes it.
Result<PlanPtr> PushAggregate(const PlanPtr& plan, const AggregateNode& n, Conjuncts conjuncts) {
  Conjuncts down, stay;
  for (auto& conjunct : conjuncts) {
    auto refs = ReferencedColumns(conjunct, *plan->schema);
    bool on_keys = refs && !refs->empty() && *refs->rbegin() < static_cast<int>(n.group_by.size());
    std::optional<Expr> rewritten;
    if (on_keys) {
      rewritten = ReplaceColumns(conjunct, *plan->schema, [&](int index) -> std::optional<Expr> {
        return Unaliased(n.group_by[index]);
      });
    }
    if (rewritten && !IsVolatile(*rewritten)) {
      down.push_back(std::move(*rewritten));
    } else {
      stay.push_back(std::move(conjunct));
    }
  }
  AggregateNode copy = n;
  FERRY_ASSIGN_OR_RAISE(copy.input, Input(n.input, std::move(down)));
  return AddFilter(Rebuild(std::move(copy), plan), stay);
}

// Through a window node: only conjuncts on columns every window partitions
// by, which remove whole partitions and so change no window's value.
Result<PlanPtr> PushWindow(const PlanPtr& plan, const WindowPlanNode& n, Conjuncts conjuncts) {
  const auto& input_schema = *n.input->schema;
  std::optional<std::set<int>> common;
  for (const auto& expr : n.window_exprs) {
    std::set<int> keys;
    for (const auto& key : expr.As<WindowNode>()->partition_by) {
      const auto* column = key.As<ColumnNode>();
      if (column == nullptr) continue;
      auto index = ResolveColumn(*column, input_schema);
      if (index.ok()) keys.insert(*index);
    }
    if (common) {
      std::set<int> both;
      for (int key : keys) {
        if (common->count(key)) both.insert(key);
      }
      keys = std::move(both);
    }
    common = std::move(keys);
  }
  Conjuncts down, stay;
  for (auto& conjunct : conjuncts) {
    auto refs = ReferencedColumns(conjunct, *plan->schema);
    bool on_keys = refs && !refs->empty() && common;
    for (int index : refs ? *refs : std::set<int>{}) on_keys = on_keys && common->count(index);
    std::optional<Expr> rewritten;
    if (on_keys) {
      rewritten = ReplaceColumns(conjunct, *plan->schema,
                                 [&](int index) { return ColumnOf(input_schema, index); });
    }
    if (rewritten) {
      down.push_back(std::move(*rewritten));
    } else {
      stay.push_back(std::move(conjunct));
    }
  }
  WindowPlanNode copy = n;
  FERRY_ASSIGN_OR_RAISE(copy.input, Input(n.input, std::move(down)));
  return AddFilter(Rebuild(std::move(copy), plan), stay);
}

// Into every input of a union, columns renamed by position.
Result<PlanPtr> PushUnion(const PlanPtr& plan, const UnionNode& n, Conjuncts conjuncts) {
  std::vector<Conjuncts> down(n.inputs.size());
  Conjuncts stay;
  for (auto& conjunct : conjuncts) {
    std::vector<Expr> rewritten;
    for (const auto& input : n.inputs) {
      auto one = ReplaceColumns(conjunct, *plan->schema,
                                [&](int index) { return ColumnOf(*input->schema, index); });
      if (!one) break;
      rewritten.push_back(std::move(*one));
    }
    if (rewritten.size() != n.inputs.size()) {
      stay.push_back(std::move(conjunct));
      continue;
    }
    for (size_t i = 0; i < rewritten.size(); ++i) down[i].push_back(std::move(rewritten[i]));
  }
  UnionNode copy = n;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    FERRY_ASSIGN_OR_RAISE(copy.inputs[i], Input(n.inputs[i], std::move(down[i])));
  }
  return AddFilter(Rebuild(std::move(copy), plan), stay);
}

enum class Side { kLeft, kRight };

// The join input column behind output column `index` on `side`, or -1. A
// coalesced key (right joins, and inner joins they became) always equals
// the right one (the left is NULL or equal), and in an inner join also the
// left one; floating keys are left out: the join matches -0.0 with 0.0,
// which a predicate may tell apart.
int SourceColumn(const JoinNode& n, int index, Side side) {
  const auto& column = n.output_columns[index];
  bool coalesced = column.left >= 0 && column.right >= 0;
  if (coalesced) {
    if (arrow::is_floating(n.right->schema->field(column.right)->type()->id())) return -1;
    if (n.type == JoinType::kInner) return side == Side::kLeft ? column.left : column.right;
    if (n.type == JoinType::kRight && side == Side::kRight) return column.right;
    return -1;
  }
  return side == Side::kLeft ? column.left : column.right;
}

// Whether `e` is NULL whenever the columns `padded` marks are NULL: such a
// column, a NULL literal, or an operator that passes NULL through (arithmetic,
// comparison, negation, cast) over one. A CASE qualifies when every value it
// can return does, whichever branch is taken: SQL's scalar subqueries bind to
// `CASE WHEN matched IS NULL THEN <value on no rows> ELSE value END` over a
// left join, and that is NULL on a padded row when the no-rows value is.
bool NullWhenPadded(const Expr& e, const arrow::Schema& schema,
                    const std::function<bool(int)>& padded) {
  auto recurse = [&](const Expr& inner) { return NullWhenPadded(inner, schema, padded); };
  if (const auto* column = e.As<ColumnNode>()) {
    auto index = ResolveColumn(*column, schema);
    return index.ok() && padded(*index);
  }
  if (const auto* l = e.As<LiteralNode>()) return l->value != nullptr && !l->value->is_valid;
  if (const auto* a = e.As<AliasNode>()) return recurse(a->expr);
  if (const auto* c = e.As<CastNode>()) return recurse(c->expr);
  if (const auto* n = e.As<NegativeNode>()) return recurse(n->expr);
  if (const auto* b = e.As<BinaryNode>()) {
    if (b->op == Operator::kAnd || b->op == Operator::kOr) return false;
    return recurse(b->left) || recurse(b->right);
  }
  if (const auto* c = e.As<CaseNode>()) {
    for (const auto& [when, then] : c->when_then) {
      if (!recurse(then)) return false;
    }
    return !c->otherwise || recurse(*c->otherwise);
  }
  return false;
}

// Whether `conjunct` is NULL or false whenever the columns `padded` marks
// are NULL: a comparison, BETWEEN, IN, LIKE or IS NOT NULL over a value that
// is then NULL (see NullWhenPadded).
bool RejectsNulls(const Expr& conjunct, const arrow::Schema& schema,
                  const std::function<bool(int)>& padded) {
  auto is_null = [&](const Expr& e) { return NullWhenPadded(e, schema, padded); };
  if (const auto* b = conjunct.As<BinaryNode>()) {
    bool comparison = b->op == Operator::kEq || b->op == Operator::kNotEq ||
                      b->op == Operator::kLt || b->op == Operator::kLtEq ||
                      b->op == Operator::kGt || b->op == Operator::kGtEq;
    return comparison && (is_null(b->left) || is_null(b->right));
  }
  if (const auto* n = conjunct.As<IsNullNode>()) return n->negated && is_null(n->expr);
  if (const auto* n = conjunct.As<BetweenNode>()) return is_null(n->expr);
  if (const auto* n = conjunct.As<InListNode>()) return is_null(n->expr);
  if (const auto* n = conjunct.As<LikeNode>()) return is_null(n->expr);
  return false;
}

// A left (right) join under a filter that drops every row it padded with
// NULLs is an inner join, whose both sides filters can enter. The schema
// (with the outer join's nullable columns) stays as it was.
std::optional<PlanPtr> AsInnerJoin(const PlanPtr& plan, const JoinNode& n,
                                   const Conjuncts& conjuncts) {
  if (n.type != JoinType::kLeft && n.type != JoinType::kRight) return std::nullopt;
  auto padded = [&](int index) {
    const auto& column = n.output_columns[index];
    return n.type == JoinType::kLeft ? column.left < 0 : column.right < 0;
  };
  for (const auto& conjunct : conjuncts) {
    if (!RejectsNulls(conjunct, *plan->schema, padded)) continue;
    JoinNode inner = n;
    inner.type = JoinType::kInner;
    return Rebuild(std::move(inner), plan);
  }
  return std::nullopt;
}

// Rewrites a conjunct already expressed over one join input to the other
// input through the equi-join keys (l = r means P(l) holds iff P(r) does),
// when it reads key columns only. Floating keys are left out: the join
// matches -0.0 with 0.0, which a predicate may tell apart.
std::optional<Expr> ThroughKeys(const Expr& conjunct, const JoinNode& n, Side from) {
  const auto& from_keys = from == Side::kLeft ? n.left_keys : n.right_keys;
  const auto& to_keys = from == Side::kLeft ? n.right_keys : n.left_keys;
  const auto& from_schema = *(from == Side::kLeft ? n.left : n.right)->schema;
  const auto& to_schema = *(from == Side::kLeft ? n.right : n.left)->schema;
  auto refs = ReferencedColumns(conjunct, from_schema);
  if (!refs || refs->empty()) return std::nullopt;
  return ReplaceColumns(conjunct, from_schema, [&](int index) -> std::optional<Expr> {
    for (size_t k = 0; k < from_keys.size(); ++k) {
      if (from_keys[k] != index) continue;
      if (arrow::is_floating(from_schema.field(index)->type()->id())) return std::nullopt;
      return ColumnOf(to_schema, to_keys[k]);
    }
    return std::nullopt;
  });
}

void SplitDisjunction(const Expr& expr, std::vector<Expr>* out) {
  const auto* binary = expr.As<BinaryNode>();
  if (binary != nullptr && binary->op == Operator::kOr) {
    SplitDisjunction(binary->left, out);
    SplitDisjunction(binary->right, out);
    return;
  }
  out->push_back(expr);
}

// What a disjunction of conjunctions over both join inputs says about one
// input alone: each disjunct's conjuncts that `on_side` can express over
// that input, OR-ed. `(a1 AND b1) OR (a2 AND b2)` implies `a1 OR a2`, so
// rows failing it can go before the join, while the whole condition stays
// above it (TPC-H Q19 filters part and lineitem this way). Nothing when a
// disjunct says nothing about the input.
std::optional<Expr> ImpliedOnSide(const Expr& conjunct,
                                  const std::function<std::optional<Expr>(const Expr&)>& on_side) {
  std::vector<Expr> disjuncts;
  SplitDisjunction(conjunct, &disjuncts);
  if (disjuncts.size() < 2 || IsVolatile(conjunct)) return std::nullopt;
  std::optional<Expr> implied;
  for (const auto& disjunct : disjuncts) {
    Conjuncts parts;
    for (const auto& part : SplitConjunction(disjunct)) {
      if (auto rewritten = on_side(part)) parts.push_back(std::move(*rewritten));
    }
    auto side_part = Conjoin(parts);
    if (!side_part) return std::nullopt;
    implied = implied ? Binary(*implied, Operator::kOr, *side_part) : *side_part;
  }
  return implied;
}

// Into the join inputs whose rows the join does not preserve against the
// other side: both for inner joins, the left for left/semi/anti joins, the
// right for right joins, none for full joins. A conjunct on the right
// columns of a left join stays above: it must see the NULLs the join adds
// (unless it rejects them: see AsInnerJoin).
Result<PlanPtr> PushJoin(const PlanPtr& plan, const JoinNode& n, Conjuncts conjuncts) {
  bool into_left = n.type == JoinType::kInner || n.type == JoinType::kLeft ||
                   n.type == JoinType::kLeftSemi || n.type == JoinType::kLeftAnti;
  bool into_right = n.type == JoinType::kInner || n.type == JoinType::kRight;
  Conjuncts left, right, stay;
  auto expr_on_side = [&](const Expr& expr, Side side) -> std::optional<Expr> {
    auto refs = ReferencedColumns(expr, *plan->schema);
    if (!refs || refs->empty()) return std::nullopt;
    const auto& schema = *(side == Side::kLeft ? n.left : n.right)->schema;
    return ReplaceColumns(expr, *plan->schema, [&](int index) {
      return ColumnOf(schema, SourceColumn(n, index, side));
    });
  };
  for (auto& conjunct : conjuncts) {
    auto on_side = [&](Side side) { return expr_on_side(conjunct, side); };
    auto refs = ReferencedColumns(conjunct, *plan->schema);
    std::optional<Expr> as_left, as_right;
    if (refs && !refs->empty()) {
      if (into_left) as_left = on_side(Side::kLeft);
      if (into_right && !as_left) as_right = on_side(Side::kRight);
    }
    if (as_left) {
      // The rows of the other side that could only match filtered-out
      // rows go too; for a left or anti join they are never output.
      if (n.type != JoinType::kFull) {
        if (auto copy = ThroughKeys(*as_left, n, Side::kLeft)) right.push_back(std::move(*copy));
      }
      left.push_back(std::move(*as_left));
    } else if (as_right) {
      if (auto copy = ThroughKeys(*as_right, n, Side::kRight)) left.push_back(std::move(*copy));
      right.push_back(std::move(*as_right));
    } else {
      for (Side side : {Side::kLeft, Side::kRight}) {
        if (!(side == Side::kLeft ? into_left : into_right)) continue;
        auto implied = ImpliedOnSide(conjunct, [&](const Expr& e) { return expr_on_side(e, side); });
        if (implied) (side == Side::kLeft ? left : right).push_back(std::move(*implied));
      }
      stay.push_back(std::move(conjunct));
    }
  }
  JoinNode copy = n;
  FERRY_ASSIGN_OR_RAISE(copy.left, Input(n.left, std::move(left)));
  FERRY_ASSIGN_OR_RAISE(copy.right, Input(n.right, std::move(right)));
  return AddFilter(Rebuild(std::move(copy), plan), stay);
}

Result<PlanPtr> Push(const PlanPtr& plan, Conjuncts conjuncts) {
  return std::visit(
      Overloaded{
          [&](const ScanNode&) { return AddFilter(plan, conjuncts); },
          [&](const FilterNode& n) { return PushFilter(n, std::move(conjuncts)); },
          [&](const ProjectionNode& n) { return PushProjection(plan, n, std::move(conjuncts)); },
          [&](const AggregateNode& n) { return PushAggregate(plan, n, std::move(conjuncts)); },
          [&](const WindowPlanNode& n) { return PushWindow(plan, n, std::move(conjuncts)); },
          [&](const UnionNode& n) { return PushUnion(plan, n, std::move(conjuncts)); },
          [&](const JoinNode& n) {
            if (auto inner = AsInnerJoin(plan, n, conjuncts)) {
              return PushJoin(*inner, *(*inner)->As<JoinNode>(), std::move(conjuncts));
            }
            return PushJoin(plan, n, std::move(conjuncts));
          },
          // Sorting and de-duplicating commute with filtering.
          [&](const SortPlanNode& n) -> Result<PlanPtr> {
            SortPlanNode copy = n;
            FERRY_ASSIGN_OR_RAISE(copy.input, Input(n.input, std::move(conjuncts)));
            return Rebuild(std::move(copy), plan);
          },
          [&](const DistinctNode& n) -> Result<PlanPtr> {
            DistinctNode copy = n;
            FERRY_ASSIGN_OR_RAISE(copy.input, Input(n.input, std::move(conjuncts)));
            return Rebuild(std::move(copy), plan);
          },
          // A limit picks its rows before the filter; filtering first picks others.
          [&](const LimitNode& n) -> Result<PlanPtr> {
            LimitNode copy = n;
            FERRY_ASSIGN_OR_RAISE(copy.input, Input(n.input));
            return AddFilter(Rebuild(std::move(copy), plan), conjuncts);
          },
      },
      plan->node);
}

}  // namespace

Result<PlanPtr> PushDownFilters(const PlanPtr& plan) { return Push(plan, {}); }

}  // namespace ferry
