#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "temp_dir.h"
#include "tollgate/util/diagnostics.h"
#include "tollgate/util/file.h"
#include "tollgate/util/hash.h"
#include "tollgate/util/parallel.h"
#include "tollgate/util/result.h"
#include "tollgate/util/strings.h"
#include "tollgate/util/walk.h"

namespace tollgate {
namespace {

using testing::TempDir;

TEST(Error, DescribeNamesContextAndOffset) {
  Error e{ErrorCode::kInvalidInput, "bad magic", "/x/y.bin", 12};
  EXPECT_EQ(e.describe(), "/x/y.bin at byte 12: bad magic");
  Error gone{ErrorCode::kIo, "gone", {}, Error::kNoOffset};
  EXPECT_EQ(gone.describe(), "gone");
  EXPECT_EQ(e.within("image.tar").context, "image.tar: /x/y.bin");
  EXPECT_EQ(exitCodeFor(ErrorCode::kInternal), 3);
  EXPECT_EQ(exitCodeFor(ErrorCode::kInvalidInput), 2);
}

TEST(Strings, TrimSplitLower) {
  EXPECT_EQ(trim("  a b \t\n"), "a b");
  EXPECT_EQ(trim("   "), "");
  auto parts = split("a,,b,", ',');
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[0], "a");
  EXPECT_EQ(parts[1], "");
  EXPECT_EQ(parts[3], "");
  EXPECT_EQ(toLower("MiXeD-1"), "mixed-1");
}

TEST(Strings, PrintableEscapesControlAndInvalidUtf8) {
  EXPECT_EQ(printable("ok\x01\xff"), "ok?\\xff");
  EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_TRUE(isValidUtf8("caf\xc3\xa9"));
  EXPECT_FALSE(isValidUtf8("\xc0\xaf"));      // overlong
  EXPECT_FALSE(isValidUtf8("\xed\xa0\x80"));  // surrogate
  EXPECT_EQ(printable(std::string(300, 'a'), 10), std::string(10, 'a') + "...");
}

// FIPS 180-2 test vectors.
TEST(Hash, Sha256KnownVectors) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 h;
  std::string million(1000000, 'a');
  h.update(std::string_view(million).substr(0, 333333));
  h.update(std::string_view(million).substr(333333));
  EXPECT_EQ(h.hexDigest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Hash, FdHashUsesSmallBufferCorrectly) {
  TempDir d;
  auto p = d.write("f", "abc");
  UniqueFd fd(::open(p.c_str(), O_RDONLY));
  std::byte buf[2];
  auto r = sha256Fd(fd.get(), buf, p.string());
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(*r, sha256Hex("abc"));
}

TEST(File, ReadFileHonoursLimit) {
  TempDir d;
  auto p = d.write("big", std::string(100, 'x'));
  EXPECT_EQ(readFile(p)->size(), 100u);
  auto r = readFile(p, 10);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kLimit);
  auto missing = readFile(d.path() / "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().describe().find("nope"), std::string::npos);
}

TEST(File, ReadFileRefusesFifoWithoutBlocking) {
  TempDir d;
  auto p = d.path() / "fifo";
  ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0);
  auto r = readFile(p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
}

TEST(File, WriteFileAtomicReplacesWhole) {
  TempDir d;
  auto p = d.path() / "out.json";
  ASSERT_TRUE(writeFileAtomic(p, "first"));
  ASSERT_TRUE(writeFileAtomic(p, "second"));
  EXPECT_EQ(*readFile(p), "second");
  // No temporary files left behind.
  int n = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(d.path())) ++n;
  EXPECT_EQ(n, 1);
  auto bad = writeFileAtomic(d.path() / "no/such/dir/x", "x");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kIo);
}

TEST(File, AtomicFileWritesPiecesAndKeepsTheOldFileUntilCommit) {
  TempDir d;
  auto p = d.path() / "out.json";
  ASSERT_TRUE(writeFileAtomic(p, "old"));
  {
    auto f = AtomicFile::create(p);
    ASSERT_TRUE(f);
    f->write("new ");
    f->write("");
    f->write("content");
    EXPECT_EQ(*readFile(p), "old");  // not yet in place
    ASSERT_TRUE(f->commit());
  }
  EXPECT_EQ(*readFile(p), "new content");
  {
    auto f = AtomicFile::create(p);
    ASSERT_TRUE(f);
    f->write("abandoned");
    // Destroyed without commit: a failed run leaves the old file and no temporary.
  }
  EXPECT_EQ(*readFile(p), "new content");
  int n = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(d.path())) ++n;
  EXPECT_EQ(n, 1);
  // A device is written directly.
  auto null = AtomicFile::create("/dev/null");
  ASSERT_TRUE(null);
  null->write("discarded");
  EXPECT_TRUE(null->commit());
}

TEST(RootDir, ResolveStaysInsideRoot) {
  TempDir d;
  d.write("usr/lib/x86_64-linux-gnu/libc.so.6", "elf");
  d.symlink("usr/lib", "lib");
  d.symlink("/usr/lib/x86_64-linux-gnu/libc.so.6", "abs-link");
  d.symlink("../../../../../etc/passwd", "usr/escape");
  d.symlink("/", "usr/lib/root-link");
  d.write("etc/passwd", "inside");
  auto root = RootDir::open(d.path());
  ASSERT_TRUE(root);
  EXPECT_EQ(*root->resolve("/lib/x86_64-linux-gnu/libc.so.6"),
            "/usr/lib/x86_64-linux-gnu/libc.so.6");
  EXPECT_EQ(*root->resolve("/abs-link"), "/usr/lib/x86_64-linux-gnu/libc.so.6");
  // ".." and absolute targets are clamped at the root, like chroot.
  EXPECT_EQ(*root->resolve("/usr/escape"), "/etc/passwd");
  EXPECT_EQ(*root->readFile("/usr/escape"), "inside");
  EXPECT_EQ(*root->resolve("/usr/lib/root-link/etc/passwd"), "/etc/passwd");
  EXPECT_EQ(*root->resolve("/"), "/");
  EXPECT_EQ(root->resolve("/missing/x").error().code, ErrorCode::kNotFound);
}

TEST(RootDir, SymlinkLoopIsAnErrorNotAHang) {
  TempDir d;
  d.symlink("b", "a");
  d.symlink("a", "b");
  d.symlink("self", "self");
  auto root = RootDir::open(d.path());
  ASSERT_TRUE(root);
  EXPECT_EQ(root->resolve("/a").error().code, ErrorCode::kLimit);
  EXPECT_EQ(root->resolve("/self/x").error().code, ErrorCode::kLimit);
  EXPECT_FALSE(root->readFile("/a"));
}

TEST(RootDir, OpenMissingRootFails) {
  auto r = RootDir::open("/nonexistent-tollgate-root");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

std::vector<std::string> paths(const std::vector<FileEntry>& es) {
  std::vector<std::string> out;
  for (const auto& e : es) out.push_back(e.path);
  return out;
}

TEST(Walk, RecordsSymlinksWithoutFollowing) {
  TempDir d;
  d.write("a/b/file", "x");
  d.symlink("..", "a/b/up");     // loop back
  d.symlink("/", "a/rootlink");  // would escape if followed
  d.symlink("/etc", "a/etclink");
  d.symlink("loop2", "loop1");
  d.symlink("loop1", "loop2");
  auto root = RootDir::open(d.path());
  Diagnostics diag;
  auto r = walkTree(*root, WalkOptions{.excludes = {}, .threads = 2}, diag);
  ASSERT_TRUE(r);
  EXPECT_EQ(paths(*r), (std::vector<std::string>{"/a", "/a/b", "/a/b/file", "/a/b/up", "/a/etclink",
                                                 "/a/rootlink", "/loop1", "/loop2"}));
  const auto& up = (*r)[3];
  EXPECT_EQ(up.type, EntryType::kSymlink);
  EXPECT_EQ(up.linkTarget, "..");
  EXPECT_EQ(diag.count(), 0u);
}

TEST(Walk, ExcludesAndFileTypes) {
  TempDir d;
  d.write("keep/x", "1");
  d.write("skip/y", "2");
  d.write("skipper/z", "3");
  auto exe = d.write("keep/tool", "#!/bin/sh\n");
  ::chmod(exe.c_str(), 0755);
  ::mkfifo((d.path() / "keep/fifo").c_str(), 0600);
  auto root = RootDir::open(d.path());
  Diagnostics diag;
  auto r = walkTree(*root, WalkOptions{.excludes = {"/skip"}}, diag);
  ASSERT_TRUE(r);
  EXPECT_EQ(paths(*r), (std::vector<std::string>{"/keep", "/keep/fifo", "/keep/tool", "/keep/x",
                                                 "/skipper", "/skipper/z"}));
  EXPECT_EQ((*r)[1].type, EntryType::kOther);
  EXPECT_TRUE((*r)[2].isExecutable());
  EXPECT_FALSE((*r)[3].isExecutable());
  EXPECT_EQ((*r)[3].size, 1u);
}

TEST(Walk, UnreadableDirectoryIsAWarning) {
  if (::geteuid() == 0)
    GTEST_SKIP() << "root reads every directory; covered by the integration test";
  TempDir d;
  d.write("locked/secret", "x");
  ::chmod((d.path() / "locked").c_str(), 0);
  auto root = RootDir::open(d.path());
  Diagnostics diag;
  auto r = walkTree(*root, WalkOptions{}, diag);
  ASSERT_TRUE(r);
  ASSERT_EQ(diag.count(), 1u);
  EXPECT_EQ(diag.warnings()[0].where, "/locked");
}

TEST(Walk, ManyFilesInParallelAreAllSeenOnce) {
  TempDir d;
  for (int i = 0; i < 50; ++i)
    for (int j = 0; j < 20; ++j) d.write("d" + std::to_string(i) + "/f" + std::to_string(j), "x");
  auto root = RootDir::open(d.path());
  Diagnostics diag;
  auto r = walkTree(*root, WalkOptions{.excludes = {}, .threads = 4}, diag);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size(), 50u + 50u * 20u);
  EXPECT_TRUE(std::is_sorted(r->begin(), r->end(),
                             [](const auto& a, const auto& b) { return a.path < b.path; }));
}

TEST(Parallel, VisitsEveryIndexOnce) {
  std::vector<std::atomic<int>> hits(1000);
  parallelFor(
      hits.size(), 4,
      [&](unsigned worker, std::size_t i) {
        EXPECT_LT(worker, 4u);
        hits[i].fetch_add(1);
      },
      7);
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
}

TEST(Diagnostics, SortedAndDeduplicated) {
  Diagnostics d;
  d.warn("/b", "x");
  d.warn("/a", "y");
  d.warn("/b", "x");
  d.warn(Error{ErrorCode::kInvalidInput, "bad", "/c", 4});
  auto w = d.warnings();
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].where, "/a");
  EXPECT_EQ(w[2].what, "at byte 4: bad");
}

}  // namespace
}  // namespace tollgate
