#include "ferry/function/call_type_memo_internal.h"

#include <functional>
#include <string_view>
#include <mutex>
#include <unordered_map>

#include <arrow/compare.h>
#include <arrow/scalar.h>

namespace ferry::internal {
namespace {

constexpr size_t kCapacity = 4096;

// Exact equality: -0.0 and 0.0, or NaNs, are different constants here.
const arrow::EqualOptions& ExactScalars() {
  static const auto options = arrow::EqualOptions::Defaults().signed_zeros_equal(false);
  return options;
}

size_t HashCall(const std::string& function, const std::vector<PhysicalExprPtr>& args) {
  size_t hash = std::hash<std::string>{}(function);
  for (const auto& arg : args) {
    auto constant = arg->constant();
    size_t part = constant ? constant->hash() : static_cast<size_t>(arg->type()->id());
    hash ^= part + 0x9e3779b97f4a7c15ULL + (hash << 6) + (hash >> 2);
  }
  return hash;
}

// Only calls whose key is small are kept: a constant or options object
// can hold a large array (is_in's value set), which the memo would keep
// alive however few entries it has.
constexpr int64_t kMaxConstantBytes = 256;

bool SmallKey(const std::vector<PhysicalExprPtr>& args,
              const arrow::compute::FunctionOptions* options) {
  if (options != nullptr && options->type_name() != std::string_view("CastOptions")) return false;
  for (const auto& arg : args) {
    auto constant = arg->constant();
    if (constant == nullptr) continue;
    const auto& type = *constant->type;
    if (!constant->is_valid || arrow::is_fixed_width(type.id())) continue;
    if (!arrow::is_base_binary_like(type.id())) return false;
    if (static_cast<const arrow::BaseBinaryScalar&>(*constant).value->size() > kMaxConstantBytes) {
      return false;
    }
  }
  return true;
}

bool SameOptions(const arrow::compute::FunctionOptions* a, const arrow::compute::FunctionOptions* b) {
  if (a == nullptr || b == nullptr) return a == b;
  return a->Equals(*b);
}

}  // namespace

bool ArrowCallTypeMemo::SameCall(const Entry& entry, const std::string& function,
                                 const std::vector<PhysicalExprPtr>& args,
                                 const arrow::compute::FunctionOptions* options) {
  if (entry.function != function || entry.args.size() != args.size() ||
      !SameOptions(entry.options.get(), options)) {
    return false;
  }
  for (size_t i = 0; i < args.size(); ++i) {
    auto constant = args[i]->constant();
    const auto& probed = entry.args[i];
    if ((constant == nullptr) != (probed.constant == nullptr)) return false;
    if (constant ? !constant->Equals(*probed.constant, ExactScalars())
                 : !args[i]->type()->Equals(*probed.type, /*check_metadata=*/true)) {
      return false;
    }
  }
  return true;
}

ArrowCallTypeMemo& ArrowCallTypeMemo::Instance() {
  // Never destroyed: bindings may still bind while statics are torn down.
  static auto* memo = new ArrowCallTypeMemo();
  return *memo;
}

std::shared_ptr<arrow::DataType> ArrowCallTypeMemo::Find(
    const std::string& function, const std::vector<PhysicalExprPtr>& args,
    const arrow::compute::FunctionOptions* options) {
  if (!SmallKey(args, options)) return nullptr;
  const size_t hash = HashCall(function, args);
  std::lock_guard lock(mutex_);
  auto [begin, end] = entries_.equal_range(hash);
  for (auto it = begin; it != end; ++it) {
    if (SameCall(it->second, function, args, options)) return it->second.type;
  }
  return nullptr;
}

void ArrowCallTypeMemo::Insert(const std::string& function, const std::vector<PhysicalExprPtr>& args,
                               std::shared_ptr<arrow::compute::FunctionOptions> options,
                               std::shared_ptr<arrow::DataType> type) {
  if (!SmallKey(args, options.get())) return;
  Entry entry{function, std::move(options), {}, std::move(type)};
  for (const auto& arg : args) entry.args.push_back({arg->type(), arg->constant()});
  const size_t hash = HashCall(function, args);
  std::lock_guard lock(mutex_);
  if (entries_.size() >= kCapacity) entries_.clear();
  entries_.emplace(hash, std::move(entry));
}

size_t ArrowCallTypeMemo::size() {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace ferry::internal
