#include "ferry/serde/opaque_function.h"

#include "ferry/serde/inline_frame.h"

namespace ferry {

Result<PhysicalExprPtr> OpaqueScalarFunction::Bind(const std::vector<Expr>&,
                                                   std::vector<PhysicalExprPtr>) const {
  auto frame = ParseInlineFrame(definition_);
  std::string what = frame.ok() && frame->has_value()
                         ? "an inline " + FrameFamilyDescription((*frame)->family)
                         : "a function with an unreadable definition";
  return Status::NotImplemented("function '", name_, "' is ", what,
                                " that this process cannot run; decode it in a Python "
                                "session with UDF inlining enabled, or register '",
                                name_, "' here");
}

}  // namespace ferry
