// A subplan computed once for several readers travels once: its first
// reader carries it, later readers its number; the receiver shares it too.

#include "ferry/serde/physical_serde_test_fixture.h"

namespace ferry {
namespace {

namespace pb = ferry::v1;
using namespace ferry::testing;  // NOLINT: the fixture and its helpers

// The shared subplan readers of `node`'s tree, depth first.
void Readers(pb::ExecNode* node, std::vector<pb::SharedSubplanExecNode*>* out) {
  if (node->has_shared_subplan()) out->push_back(node->mutable_shared_subplan());
  // Every ExecNode below, whatever operator holds it.
  std::function<void(google::protobuf::Message*)> walk = [&](google::protobuf::Message* message) {
    const auto* r = message->GetReflection();
    std::vector<const google::protobuf::FieldDescriptor*> set;
    r->ListFields(*message, &set);
    for (const auto* field : set) {
      if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
      const int n = field->is_repeated() ? r->FieldSize(*message, field) : 1;
      for (int i = 0; i < n; ++i) {
        auto* child = field->is_repeated() ? r->MutableRepeatedMessage(message, field, i)
                                           : r->MutableMessage(message, field);
        if (auto* exec = dynamic_cast<pb::ExecNode*>(child)) {
          Readers(exec, out);
        } else {
          walk(child);
        }
      }
    }
  };
  if (node->has_shared_subplan()) {
    if (node->shared_subplan().has_input()) Readers(node->mutable_shared_subplan()->mutable_input(), out);
    return;
  }
  walk(node);
}

class SharedSubplanSerdeTest : public PhysicalSerdeTest {
 protected:
  // Keys whose sum of v is the largest: the per-key sums read twice.
  Result<DataFrame> TopKeys() {
    auto sums = big_->Aggregate({Col("k")}, {Alias(Agg("sum", {Col("v")}), "total")});
    auto top = sums->Aggregate({}, {Alias(Agg("max", {Col("total")}), "top")});
    return sums->JoinOn(*top, JoinType::kInner, {Eq(Col("total"), Col("top"))});
  }
};

TEST_F(SharedSubplanSerdeTest, TheSubplanTravelsOnceAndIsSharedOnArrival) {
  auto plan = TopKeys()->CreatePhysicalPlan().ValueOrDie();
  ASSERT_NE(ExplainPhysical(*plan).find("reader 2 of 2"), std::string::npos) << ExplainPhysical(*plan);
  auto decoded = ExpectRoundTrip(plan);
  ASSERT_NE(decoded, nullptr);
  EXPECT_NE(ExplainPhysical(*decoded).find("SharedSubplanExec: reader 2 of 2"), std::string::npos);
  auto message = Parsed(sender_->EncodeExecutionPlan(*plan).ValueOrDie());
  std::vector<pb::SharedSubplanExecNode*> readers;
  Readers(message.mutable_root(), &readers);
  ASSERT_EQ(readers.size(), 2u);
  EXPECT_EQ(readers[0]->id(), readers[1]->id());
  EXPECT_TRUE(readers[0]->has_input());
  EXPECT_FALSE(readers[1]->has_input());
  // Key kj holds v = j and j + 90000 for j < 45000 (v NULL where
  // v % 7 == 3): k44999 and k44998 lose one of theirs, so k44997's
  // 44997 + 134997 is the largest sum.
  auto rows = PlanRows(*decoded);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], "k44997|179994|179994");
}

TEST_F(SharedSubplanSerdeTest, ReadersOutOfOrderAreRefused) {
  auto message = Parsed(sender_->EncodeExecutionPlan(*TopKeys()->CreatePhysicalPlan().ValueOrDie()).ValueOrDie());
  std::vector<pb::SharedSubplanExecNode*> readers;
  Readers(message.mutable_root(), &readers);
  ASSERT_EQ(readers.size(), 2u);
  // The second reader carries the subplan again.
  auto twice = message;
  std::vector<pb::SharedSubplanExecNode*> twice_readers;
  Readers(twice.mutable_root(), &twice_readers);
  *twice_readers[1]->mutable_input() = twice_readers[0]->input();
  auto result = Decode(Framed(twice));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("carried twice"), std::string::npos) << result.status().ToString();
  // No reader carries it.
  readers[0]->clear_input();
  result = Decode(Framed(message));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("before the reader that carries it"), std::string::npos)
      << result.status().ToString();
}

}  // namespace
}  // namespace ferry
