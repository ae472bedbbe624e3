#pragma once

#include <memory>
#include <string>

#include "ferry/function/scalar_function.h"

namespace ferry {

/// A scalar function known only by its name and definition bytes: what a
/// Python-free process keeps of an inline UDF. Re-encodes byte-for-byte;
/// binding it fails, naming the function, since it cannot run here.
class OpaqueScalarFunction final : public ScalarFunction {
 public:
  OpaqueScalarFunction(std::string name, std::string definition)
      : name_(std::move(name)), definition_(std::move(definition)) {}

  const std::string& name() const override { return name_; }
  const std::string& definition() const { return definition_; }
  Result<PhysicalExprPtr> Bind(const std::vector<Expr>& args,
                               std::vector<PhysicalExprPtr> bound) const override;

 private:
  std::string name_;
  std::string definition_;
};

}  // namespace ferry
