// test_paths.h: where tests find the source tree, the build tree and the shared corpus.
#ifndef SOMA_TESTS_UTIL_TEST_PATHS_H_
#define SOMA_TESTS_UTIL_TEST_PATHS_H_

#include <optional>
#include <string>

namespace soma::testing {

/// The repository root (SOMA_SOURCE_DIR, set by ctest).
std::string SourceDir();
/// The build folder (SOMA_BINARY_DIR); binaries are in bin/, the plugin in lib/.
std::string BinaryDir();
/// Path of `file_name` inside the handed corpus next to the repository
/// (../shared/corpus/handed), or nullopt when the corpus is absent, as on a user's clone.
std::optional<std::string> CorpusFile(const std::string& file_name);

}  // namespace soma::testing

/// Skips the current test with a message when the corpus file is absent; otherwise declares
/// `var` as its path.
#define SOMA_CORPUS_FILE_OR_SKIP(var, file_name)                                    \
  const auto var##_optional = ::soma::testing::CorpusFile(file_name);               \
  if (!var##_optional) {                                                            \
    GTEST_SKIP() << "corpus file " << (file_name)                                   \
                 << " not found next to the repository (../shared/corpus/handed)"; \
  }                                                                                 \
  const std::string var = *var##_optional

#endif  // SOMA_TESTS_UTIL_TEST_PATHS_H_
