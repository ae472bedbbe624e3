#pragma once

namespace ferry {

/// Combines lambdas into one visitor for std::visit over node variants.
template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace ferry
