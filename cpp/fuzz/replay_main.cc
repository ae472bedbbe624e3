// Replays a fuzz target without libFuzzer, so any compiler's test build
// runs it (ctest fuzz_replay_*): every file of a corpus directory, then a
// fixed number of deterministic mutations of them (the same inputs on
// every run, so a failure reproduces). A crash, sanitizer report or broken
// invariant fails the test; the input at fault is written next to the
// binary as replay-failure-<target>.bin before each run, so it survives
// the crash and can be fed to the libFuzzer binary. The file stays open
// and is overwritten in place: truncating and closing it for every input
// makes ext4 flush it to disk each time (auto_da_alloc), 3 ms an input.
//
// Usage: fuzz_replay_<target> CORPUS_DIR... [-mutations=N] [-seed=N]
// (several directories, as libFuzzer takes them: the committed seeds and
// those generated into the build directory).

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// splitmix64: a tiny, well-known generator; fixed seed, fixed sequence.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_;
};

// One of libFuzzer's basic mutations, picked at random. `other` is another
// seed to splice from.
void MutateOnce(std::string* bytes, const std::string& other, Random* random) {
  static const unsigned char kInteresting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x10, 0x12, 0x1a, 0x22};
  const size_t size = bytes->size();
  switch (random->Below(8)) {
    case 0:  // flip a bit
      if (size > 0) (*bytes)[random->Below(size)] ^= static_cast<char>(1u << random->Below(8));
      break;
    case 1:  // an interesting byte (protobuf tags, varint edges)
      if (size > 0) {
        (*bytes)[random->Below(size)] =
            static_cast<char>(kInteresting[random->Below(sizeof kInteresting)]);
      }
      break;
    case 2:  // insert a random byte
      bytes->insert(bytes->begin() + static_cast<std::ptrdiff_t>(random->Below(size + 1)),
                    static_cast<char>(random->Next()));
      break;
    case 3:  // erase a short range
      if (size > 0) {
        const size_t at = random->Below(size);
        bytes->erase(at, 1 + random->Below(std::min<size_t>(8, size - at)));
      }
      break;
    case 4:  // truncate
      bytes->resize(random->Below(size + 1));
      break;
    case 5:  // duplicate a range in place
      if (size > 0) {
        const size_t at = random->Below(size);
        const std::string part = bytes->substr(at, 1 + random->Below(std::min<size_t>(32, size - at)));
        bytes->insert(random->Below(size + 1), part);
      }
      break;
    case 6:  // a huge varint where a length or count may be
      if (size > 0) bytes->replace(random->Below(size), 1, "\xff\xff\xff\xff\x0f", 5);
      break;
    default:  // splice: our head, the other seed's tail
      if (!other.empty()) {
        *bytes = bytes->substr(0, random->Below(size + 1)) + other.substr(random->Below(other.size()));
      }
      break;
  }
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

int main(int argc, char** argv) {
  long mutations = 2000;
  uint64_t seed = 20261129;
  std::vector<std::filesystem::path> files;
  int directories = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("-mutations=", 0) == 0) {
      mutations = std::stol(arg.substr(11));
      continue;
    }
    if (arg.rfind("-seed=", 0) == 0) {
      seed = std::stoull(arg.substr(6));
      continue;
    }
    std::error_code error;
    const size_t before = files.size();
    for (const auto& entry : std::filesystem::directory_iterator(arg, error)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    // A missing or empty directory is a broken set-up, not an empty corpus.
    if (error || files.size() == before) {
      std::cerr << argv[0] << ": no corpus files in " << arg << "\n";
      return 2;
    }
    ++directories;
  }
  if (directories == 0) {
    std::cerr << "usage: " << argv[0] << " CORPUS_DIR... [-mutations=N] [-seed=N]\n";
    return 2;
  }
  std::sort(files.begin(), files.end());  // directory order varies; runs must not
  std::vector<std::string> seeds;
  for (const auto& file : files) seeds.push_back(ReadFile(file));

  const std::string failure_path =
      (std::filesystem::path(argv[0]).parent_path() /
       ("replay-failure-" + std::filesystem::path(argv[0]).filename().string() + ".bin"))
          .string();
  const int failure_fd = ::open(failure_path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (failure_fd < 0) {
    std::cerr << argv[0] << ": cannot write " << failure_path << "\n";
    return 2;
  }
  auto run = [&](const std::string& input) {
    // Written before the run, removed at the end: after a crash it holds
    // the input at fault.
    if (::pwrite(failure_fd, input.data(), input.size(), 0) != static_cast<ssize_t>(input.size()) ||
        ::ftruncate(failure_fd, static_cast<off_t>(input.size())) != 0) {
      std::cerr << argv[0] << ": cannot write " << failure_path << "\n";
      std::exit(2);
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  };
  for (const auto& input : seeds) run(input);
  Random random(seed);
  for (long i = 0; i < mutations; ++i) {
    std::string input = seeds[static_cast<size_t>(i) % seeds.size()];
    const std::string& other = seeds[random.Below(seeds.size())];
    for (size_t n = 1 + random.Below(4); n > 0; --n) MutateOnce(&input, other, &random);
    run(input);
  }
  ::close(failure_fd);
  std::error_code error;
  std::filesystem::remove(failure_path, error);
  std::cout << argv[0] << ": " << seeds.size() << " corpus inputs and " << mutations
            << " mutations, no failure\n";
  return 0;
}
