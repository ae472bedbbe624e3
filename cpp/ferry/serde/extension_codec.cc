#include "ferry/serde/extension_codec.h"

#include "ferry/serde/opaque_function.h"

namespace ferry {
namespace {

class ByName final : public ExtensionCodec {
 public:
  Result<std::optional<std::string>> EncodeScalar(const ScalarFunction& func) const override {
    if (const auto* opaque = dynamic_cast<const OpaqueScalarFunction*>(&func)) {
      return opaque->definition();
    }
    return std::nullopt;
  }
  Result<std::optional<std::string>> EncodeAggregate(const AggregateFunction&) const override {
    return std::nullopt;
  }
  Result<std::shared_ptr<const ScalarFunction>> DecodeScalar(const std::string&,
                                                             std::string_view) const override {
    return nullptr;
  }
  Result<std::shared_ptr<const AggregateFunction>> DecodeAggregate(
      const std::string&, std::string_view) const override {
    return nullptr;
  }
  Result<std::optional<std::string>> EncodeWindow(const WindowFunction&) const override {
    return std::nullopt;
  }
  Result<std::shared_ptr<const WindowFunction>> DecodeWindow(const std::string&,
                                                             std::string_view) const override {
    return nullptr;
  }
};

}  // namespace

std::shared_ptr<const ExtensionCodec> ByNameCodec() {
  static const auto codec = std::make_shared<const ByName>();
  return codec;
}

}  // namespace ferry
