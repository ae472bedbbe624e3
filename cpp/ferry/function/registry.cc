#include "ferry/function/registry.h"

#include <algorithm>
#include <cctype>

namespace ferry {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

template <typename Map>
std::vector<std::string> Keys(const Map& map) {
  std::vector<std::string> keys;
  keys.reserve(map.size());
  for (const auto& [key, _] : map) keys.push_back(key);
  return keys;
}

// Names sharing a prefix with the unknown one: a hint for typos.
std::string Suggest(const std::string& name, const std::vector<std::string>& candidates) {
  std::string out;
  for (const auto& candidate : candidates) {
    size_t common = 0;
    while (common < name.size() && common < candidate.size() && name[common] == candidate[common]) {
      ++common;
    }
    if (common >= 3 || (common >= 2 && name.size() <= 4)) {
      out += out.empty() ? candidate : ", " + candidate;
    }
  }
  return out.empty() ? "" : "; did you mean: " + out + "?";
}

}  // namespace

std::shared_ptr<FunctionRegistry> FunctionRegistry::MakeWithBuiltins() {
  return BuiltinFunctions().Clone();
}

std::shared_ptr<FunctionRegistry> FunctionRegistry::Clone() const {
  auto copy = std::make_shared<FunctionRegistry>();
  std::lock_guard lock(mutex_);
  copy->scalars_ = scalars_;
  copy->aggregates_ = aggregates_;
  copy->windows_ = windows_;
  return copy;
}

void FunctionRegistry::AddScalar(std::shared_ptr<const ScalarFunction> func) {
  std::lock_guard lock(mutex_);
  auto key = Lower(func->name());
  scalars_[key] = std::move(func);
}

void FunctionRegistry::AddAggregate(std::shared_ptr<const AggregateFunction> func) {
  std::lock_guard lock(mutex_);
  auto key = Lower(func->name());
  aggregates_[key] = std::move(func);
}

void FunctionRegistry::AddWindow(std::shared_ptr<const WindowFunction> func) {
  std::lock_guard lock(mutex_);
  auto key = Lower(func->name());
  windows_[key] = std::move(func);
}

Result<std::shared_ptr<const WindowFunction>> FunctionRegistry::GetWindow(
    const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = windows_.find(Lower(name));
  if (it != windows_.end()) return it->second;
  return Status::KeyError("unknown window function '", name, "'", Suggest(Lower(name), Keys(windows_)));
}

std::vector<std::string> FunctionRegistry::WindowNames() const {
  std::lock_guard lock(mutex_);
  return Keys(windows_);
}

Result<std::shared_ptr<const ScalarFunction>> FunctionRegistry::GetScalar(
    const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = scalars_.find(Lower(name));
  if (it != scalars_.end()) return it->second;
  if (aggregates_.count(Lower(name))) {
    return Status::TypeError("'", name, "' is an aggregate function, not a scalar function");
  }
  return Status::KeyError("unknown scalar function '", name, "'", Suggest(Lower(name), Keys(scalars_)));
}

Result<std::shared_ptr<const AggregateFunction>> FunctionRegistry::GetAggregate(
    const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = aggregates_.find(Lower(name));
  if (it != aggregates_.end()) return it->second;
  if (scalars_.count(Lower(name))) {
    return Status::TypeError("'", name, "' is a scalar function, not an aggregate function");
  }
  return Status::KeyError("unknown aggregate function '", name, "'",
                          Suggest(Lower(name), Keys(aggregates_)));
}

Status FunctionRegistry::Remove(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto key = Lower(name);
  if (scalars_.erase(key) + aggregates_.erase(key) + windows_.erase(key) == 0) {
    return Status::KeyError("no function named '", name, "' is registered");
  }
  return Status::OK();
}

std::vector<std::string> FunctionRegistry::ScalarNames() const {
  std::lock_guard lock(mutex_);
  return Keys(scalars_);
}

std::vector<std::string> FunctionRegistry::AggregateNames() const {
  std::lock_guard lock(mutex_);
  return Keys(aggregates_);
}

const FunctionRegistry& BuiltinFunctions() {
  static const FunctionRegistry* builtins = [] {
    auto* registry = new FunctionRegistry();
    for (auto& func : BuiltinScalarFunctions()) registry->AddScalar(std::move(func));
    for (auto& func : BuiltinAggregateFunctions()) registry->AddAggregate(std::move(func));
    for (auto& func : BuiltinWindowFunctions()) registry->AddWindow(std::move(func));
    return registry;
  }();
  return *builtins;
}

}  // namespace ferry
