#include "yara_scan.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#ifdef TOLLGATE_HAVE_YARA
#include <yara.h>
#endif

namespace tollgate::integrity {

#ifdef TOLLGATE_HAVE_YARA
struct YaraScanner::Impl {
  YR_RULES* rules = nullptr;
  ~Impl() {
    if (rules) yr_rules_destroy(rules);
    yr_finalize();  // reference-counted by libyara
  }
};

namespace {
struct CompileErrors {
  std::string first;
};
void onCompileError(int level, const char* file, int line, const YR_RULE*, const char* message,
                    void* user) {
  auto* e = static_cast<CompileErrors*>(user);
  if (level == YARA_ERROR_LEVEL_ERROR && e->first.empty())
    e->first = std::string(file ? file : "rules") + ":" + std::to_string(line) + ": " + message;
}
int onScan(YR_SCAN_CONTEXT*, int message, void* data, void* user) {
  if (message == CALLBACK_MSG_RULE_MATCHING) {
    auto* rule = static_cast<YR_RULE*>(data);
    static_cast<std::vector<std::string>*>(user)->push_back(rule->identifier);
  }
  return CALLBACK_CONTINUE;
}
}  // namespace

bool YaraScanner::available() { return true; }

Result<YaraScanner> YaraScanner::compile(const std::string& rulesFile) {
  if (yr_initialize() != ERROR_SUCCESS) return fail(ErrorCode::kInternal, "yr_initialize failed");
  auto impl = std::make_unique<Impl>();
  FILE* fp = std::fopen(rulesFile.c_str(), "r");
  if (!fp)
    return fail(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                std::string("cannot open YARA rules: ") + std::strerror(errno), rulesFile);
  // A directory opens for reading too; YARA's scanner would then report a bare "input in flex
  // scanner failed".
  struct stat st {};
  if (::fstat(::fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
    std::fclose(fp);
    return fail(ErrorCode::kInvalidInput, "YARA rules: not a regular file", rulesFile);
  }
  YR_COMPILER* compiler = nullptr;
  if (yr_compiler_create(&compiler) != ERROR_SUCCESS) {
    std::fclose(fp);
    return fail(ErrorCode::kInternal, "yr_compiler_create failed");
  }
  CompileErrors errs;
  yr_compiler_set_callback(compiler, onCompileError, &errs);
  int nerr = yr_compiler_add_file(compiler, fp, nullptr, rulesFile.c_str());
  std::fclose(fp);
  if (nerr > 0) {
    yr_compiler_destroy(compiler);
    return fail(ErrorCode::kInvalidInput, "YARA rules do not compile: " + errs.first, rulesFile);
  }
  int rc = yr_compiler_get_rules(compiler, &impl->rules);
  yr_compiler_destroy(compiler);
  if (rc != ERROR_SUCCESS) return fail(ErrorCode::kInternal, "yr_compiler_get_rules failed");
  return YaraScanner(std::move(impl));
}

Result<std::vector<std::string>> YaraScanner::scan(std::span<const std::byte> data) const {
  std::vector<std::string> out;
  int rc = yr_rules_scan_mem(impl_->rules, reinterpret_cast<const std::uint8_t*>(data.data()),
                             data.size(), SCAN_FLAGS_FAST_MODE, onScan, &out, 60);
  if (rc != ERROR_SUCCESS)
    return fail(ErrorCode::kLimit, "YARA scan failed (error " + std::to_string(rc) + ")");
  return out;
}
#else
struct YaraScanner::Impl {};
bool YaraScanner::available() { return false; }
Result<YaraScanner> YaraScanner::compile(const std::string&) {
  return fail(ErrorCode::kUnsupported,
              "this tollgate was built without libyara (install libyara-dev and rebuild)");
}
Result<std::vector<std::string>> YaraScanner::scan(std::span<const std::byte>) const {
  return std::vector<std::string>{};
}
#endif

YaraScanner::YaraScanner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
YaraScanner::YaraScanner(YaraScanner&&) noexcept = default;
YaraScanner::~YaraScanner() = default;

}  // namespace tollgate::integrity
