// Which local process owns a client connection: /proc/net/tcp{,6} gives the socket inode of the
// client's end, /proc/PID/fd links name the socket, /proc/PID/exe the executable.
#include <arpa/inet.h>
#include <dirent.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <cstring>
#include <fstream>
#include <string>

#include "tollgate/egress/proxy.h"

namespace tollgate::egress {
namespace {

// Address bytes of a textual IPv4/IPv6 address (IPv4 as a v4-mapped v6 address too).
struct AddrBytes {
  std::array<unsigned char, 16> b{};
  bool v6 = false;
};

std::optional<AddrBytes> toBytes(const std::string& text) {
  AddrBytes a;
  if (inet_pton(AF_INET, text.c_str(), a.b.data()) == 1) return a;
  if (inet_pton(AF_INET6, text.c_str(), a.b.data()) == 1) {
    a.v6 = true;
    return a;
  }
  return std::nullopt;
}

// "0100007F:1F90" (v4) or 32 hex digits (v6, four host-order words) and a hex port.
std::optional<std::pair<AddrBytes, std::uint16_t>> parseProcAddr(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto hex = s.substr(0, colon);
  unsigned port = 0;
  auto ps = s.substr(colon + 1);
  if (std::from_chars(ps.data(), ps.data() + ps.size(), port, 16).ec != std::errc{})
    return std::nullopt;
  AddrBytes a;
  if (hex.size() != 8 && hex.size() != 32) return std::nullopt;
  a.v6 = hex.size() == 32;
  for (std::size_t w = 0; w < hex.size() / 8; ++w) {
    std::uint32_t v = 0;
    auto part = hex.substr(w * 8, 8);
    if (std::from_chars(part.data(), part.data() + 8, v, 16).ec != std::errc{})
      return std::nullopt;
    // The kernel prints each 32-bit word in host (little-endian) order.
    std::memcpy(a.b.data() + w * 4, &v, 4);
  }
  return std::pair{a, static_cast<std::uint16_t>(port)};
}

bool same(const AddrBytes& proc, const AddrBytes& want) {
  if (proc.v6 == want.v6) return std::memcmp(proc.b.data(), want.b.data(), want.v6 ? 16 : 4) == 0;
  // A v4 client seen in tcp6 as ::ffff:a.b.c.d.
  const AddrBytes& v6 = proc.v6 ? proc : want;
  const AddrBytes& v4 = proc.v6 ? want : proc;
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(v6.b.data(), kMapped, 12) == 0 &&
         std::memcmp(v6.b.data() + 12, v4.b.data(), 4) == 0;
}

std::string socketInode(const std::string& procRoot, const Endpoint& client,
                        const Endpoint& server) {
  auto c = toBytes(client.host), s = toBytes(server.host);
  if (!c || !s) return {};
  for (const char* file : {"/net/tcp", "/net/tcp6"}) {
    std::ifstream in(procRoot + file);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
      std::array<std::string_view, 10> col{};
      std::size_t n = 0, i = 0;
      std::string_view v(line);
      while (n < col.size() && i < v.size()) {
        while (i < v.size() && v[i] == ' ') ++i;
        std::size_t j = v.find(' ', i);
        if (j == std::string_view::npos) j = v.size();
        col[n++] = v.substr(i, j - i);
        i = j;
      }
      if (n < 10) continue;
      auto local = parseProcAddr(col[1]), remote = parseProcAddr(col[2]);
      if (!local || !remote) continue;
      if (local->second == client.port && remote->second == server.port &&
          same(local->first, *c) && same(remote->first, *s))
        return std::string(col[9]);
    }
  }
  return {};
}

}  // namespace

ProcessInfo findProcess(const Endpoint& client, const Endpoint& server,
                        const std::string& procRoot) {
  ProcessInfo info;
  std::string inode = socketInode(procRoot, client, server);
  if (inode.empty() || inode == "0") return info;
  std::string want = "socket:[" + inode + "]";
  DIR* proc = ::opendir(procRoot.c_str());
  if (!proc) return info;
  std::array<char, 256> link{};
  while (dirent* e = ::readdir(proc)) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    std::string fdDir = procRoot + "/" + e->d_name + "/fd";
    DIR* fds = ::opendir(fdDir.c_str());
    if (!fds) continue;
    bool found = false;
    while (dirent* f = ::readdir(fds)) {
      if (f->d_name[0] == '.') continue;
      std::string path = fdDir + "/" + f->d_name;
      ssize_t n = ::readlink(path.c_str(), link.data(), link.size());
      if (n > 0 && std::string_view(link.data(), static_cast<std::size_t>(n)) == want) {
        found = true;
        break;
      }
    }
    ::closedir(fds);
    if (found) {
      info.pid = std::strtoll(e->d_name, nullptr, 10);
      std::array<char, 4096> exe{};
      std::string exeLink = procRoot + "/" + e->d_name + "/exe";
      ssize_t n = ::readlink(exeLink.c_str(), exe.data(), exe.size() - 1);
      if (n > 0) info.exe.assign(exe.data(), static_cast<std::size_t>(n));
      break;
    }
  }
  ::closedir(proc);
  return info;
}

}  // namespace tollgate::egress
