#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/common/status.h"
#include "ferry/function/aggregate_function.h"
#include "ferry/function/scalar_function.h"
#include "ferry/function/window_function.h"

namespace ferry {

class PayloadKeyring;

/// Turns user-defined functions into definition bytes and back.
///
/// A session carries a stack of codecs (the Python UDF codec over the
/// core's by-name codec). Encoding: a codec returns definition bytes for a
/// function it owns, or nullopt to let the function travel by name.
/// Decoding: a codec returns the function its bytes describe, nullptr when
/// the bytes are not its own (the caller then resolves the name in the
/// receiver's registry), or an error when they are its own but unusable.
/// Thread-safe and immutable.
class ExtensionCodec {
 public:
  virtual ~ExtensionCodec() = default;
  virtual Result<std::optional<std::string>> EncodeScalar(const ScalarFunction& func) const = 0;
  virtual Result<std::optional<std::string>> EncodeAggregate(const AggregateFunction& func) const = 0;
  virtual Result<std::shared_ptr<const ScalarFunction>> DecodeScalar(
      const std::string& name, std::string_view definition) const = 0;
  virtual Result<std::shared_ptr<const AggregateFunction>> DecodeAggregate(
      const std::string& name, std::string_view definition) const = 0;
  virtual Result<std::optional<std::string>> EncodeWindow(const WindowFunction& func) const = 0;
  virtual Result<std::shared_ptr<const WindowFunction>> DecodeWindow(
      const std::string& name, std::string_view definition) const = 0;
  /// The keys this codec signs and verifies payloads with (frame_signing.h);
  /// null, the default, when it has none. The session signs and verifies
  /// whole plan envelopes with the same keys (envelope_signing.h).
  virtual std::shared_ptr<const PayloadKeyring> payload_keys() const { return nullptr; }
};

/// The core's codec: every function travels by name. It re-encodes opaque
/// functions (definitions a Python-free process kept without reading)
/// verbatim; everything else it names, for the receiver's registry.
std::shared_ptr<const ExtensionCodec> ByNameCodec();

}  // namespace ferry
