#include "ferry/sql/scope.h"

namespace ferry::sql {

Result<std::optional<int>> Scope::Find(const std::optional<std::string>& qualifier,
                                       const std::string& name) const {
  std::optional<int> found;
  std::string sources;  // where the name is found, for the ambiguity error
  bool ambiguous = false;
  for (const auto& column : columns) {
    if (column.name != name) continue;
    if (qualifier ? column.qualifier != *qualifier : column.qualified_only) continue;
    ambiguous = ambiguous || (found && *found != column.index);
    sources += (sources.empty() ? "" : " or ") + (column.qualifier.empty() ? "" : column.qualifier + ".") + name;
    found = column.index;
  }
  if (ambiguous) {
    return Status::Invalid("column reference '", name, "' is ambiguous (", sources,
                           "): qualify it with a table name");
  }
  return found;
}

bool Scope::HasQualifier(const std::string& qualifier) const {
  for (const auto& column : columns) {
    if (column.qualifier == qualifier) return true;
  }
  return false;
}

std::vector<std::string> Scope::Candidates() const {
  std::vector<std::string> out;
  for (const auto& column : columns) {
    out.push_back(column.name);
    if (!column.qualifier.empty()) out.push_back(column.qualifier + "." + column.name);
  }
  return out;
}

Scope Scope::Shifted(int offset) const {
  Scope out = *this;
  for (auto& column : out.columns) column.index += offset;
  return out;
}

}  // namespace ferry::sql
