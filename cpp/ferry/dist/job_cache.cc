#include "ferry/dist/job_cache.h"

#include <openssl/evp.h>

namespace ferry {

Result<std::string> Sha256(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    return Status::UnknownError("SHA-256 failed in libcrypto");
  }
  return std::string(reinterpret_cast<const char*>(digest), length);
}

Result<std::shared_ptr<const StagePlan>> JobCache::Get(std::string_view bytes,
                                                       const std::shared_ptr<const void>& session,
                                                       const Decoder& decode) {
  FERRY_ASSIGN_OR_RAISE(auto digest, Sha256(bytes));
  auto matches = [&](const Entry& entry) {
    if (entry.digest != digest || entry.has_session != (session != nullptr)) return false;
    if (session == nullptr) return true;
    return !entry.session.expired() && !entry.session.owner_before(session) &&
           !session.owner_before(entry.session);
  };
  auto lookup = [&]() -> std::shared_ptr<const StagePlan> {
    std::lock_guard lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (matches(*it)) {
        entries_.splice(entries_.begin(), entries_, it);
        return it->plan;
      }
    }
    return nullptr;
  };
  if (auto hit = lookup()) return hit;
  std::lock_guard decoding(decoding_);
  if (auto hit = lookup()) return hit;  // decoded while this task waited
  FERRY_ASSIGN_OR_RAISE(auto plan, decode());
  auto shared = std::make_shared<const StagePlan>(std::move(plan));
  std::lock_guard lock(mutex_);
  entries_.push_front(Entry{std::move(digest), session != nullptr, session, shared});
  if (entries_.size() > capacity_) entries_.pop_back();
  return shared;
}

}  // namespace ferry
