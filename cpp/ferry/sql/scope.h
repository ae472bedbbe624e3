#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ferry/common/status.h"
#include "ferry/plan/logical_plan.h"

namespace ferry::sql {

/// The columns SQL names see in a FROM clause: each a (qualifier, name) pair
/// pointing at a column of the plan being built. Plans only append columns
/// as joins are added, so an index stays valid while the plan grows.
struct Scope {
  struct Column {
    std::string qualifier;  // table name or alias; "" for none
    std::string name;
    int index;  // in the plan's schema
    /// Reachable only qualified, and left out of `*` (the right copy of a
    /// USING/NATURAL join key).
    bool qualified_only = false;
  };
  std::vector<Column> columns;

  /// The column `qualifier.name` (or plain `name`) stands for; nullopt when
  /// none; Invalid when several match.
  Result<std::optional<int>> Find(const std::optional<std::string>& qualifier,
                                  const std::string& name) const;
  bool HasQualifier(const std::string& qualifier) const;
  /// Every name a user could have meant, for suggestions ("t.a", "a").
  std::vector<std::string> Candidates() const;
  /// The columns of this scope shifted by `offset` (the right side of a join).
  Scope Shifted(int offset) const;
};

/// A plan and the names SQL sees in it.
struct Relation {
  PlanPtr plan;
  Scope scope;
};

}  // namespace ferry::sql
