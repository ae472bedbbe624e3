#pragma once

#include <set>

#include "ferry/dist/stage_planner.h"

namespace ferry {

/// The stages whose outputs `stage` reads only by slice, with task t
/// reading slice t of each of their task outputs and nothing else of them.
/// A distributed executor hands such a task just that slice of each
/// producer's output instead of whole outputs, which is what keeps a
/// shuffle from moving N times its bytes across machines.
///
/// Conservative: a stage input counts only when every leaf reading it
/// reads by slice and its partitions line up one to one with the task's
/// (no union or other operator renumbering partitions on the way).
std::set<int> SlicedInputs(const Stage& stage);

}  // namespace ferry
