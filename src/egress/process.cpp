// Which local process owns a client connection: the kernel's sock_diag netlink interface (else
// /proc/net/tcp{,6}) gives the socket inode of the client's end, /proc/PID/fd links name the
// socket, /proc/PID/exe the executable.
#include <arpa/inet.h>
#include <dirent.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <unordered_map>

#include "tollgate/egress/proxy.h"
#include "tollgate/util/c_handle.h"

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
    if (std::from_chars(part.data(), part.data() + 8, v, 16).ec != std::errc{}) return std::nullopt;
    // The kernel prints each 32-bit word in host (little-endian) order.
    std::memcpy(a.b.data() + w * 4, &v, 4);
  }
  return std::pair{a, static_cast<std::uint16_t>(port)};
}

// Canonical key of a connection: both ends as v4-mapped-or-v6 bytes and ports.
std::string connKey(const AddrBytes& a, std::uint16_t ap, const AddrBytes& b, std::uint16_t bp) {
  auto norm = [](const AddrBytes& x) {
    std::array<unsigned char, 16> o{};
    if (x.v6) return x.b;
    o[10] = o[11] = 0xff;
    std::memcpy(o.data() + 12, x.b.data(), 4);
    return o;
  };
  auto na = norm(a), nb = norm(b);
  std::string k(reinterpret_cast<const char*>(na.data()), 16);
  k.append(reinterpret_cast<const char*>(nb.data()), 16);
  k.push_back(static_cast<char>(ap >> 8));
  k.push_back(static_cast<char>(ap & 0xff));
  k.push_back(static_cast<char>(bp >> 8));
  k.push_back(static_cast<char>(bp & 0xff));
  return k;
}

// Every TCP connection of /proc/net/tcp{,6}: key -> socket inode.
std::unordered_map<std::string, std::string> tcpTable(const std::string& procRoot) {
  std::unordered_map<std::string, std::string> out;
  for (const char* file : {"/net/tcp", "/net/tcp6"}) {
    std::ifstream in(procRoot + file);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
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
      out.emplace(connKey(local->first, local->second, remote->first, remote->second),
                  std::string(col[9]));
    }
  }
  return out;
}

// The socket inode of the one TCP connection from `a` to `b`, asked of the kernel by its 4-tuple
// (NETLINK_SOCK_DIAG, an exact lookup): microseconds, where /proc/net/tcp lists every socket of
// the host (thousands on a busy proxy host, milliseconds to generate and parse). nullopt when
// the kernel cannot answer (no sock_diag, a sandbox): the caller falls back to the table.
std::optional<std::string> sockDiagInode(const AddrBytes& a, std::uint16_t ap, const AddrBytes& b,
                                         std::uint16_t bp) {
  if (a.v6 != b.v6) return std::nullopt;
  UniqueFd fd(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (!fd) return std::nullopt;
  timeval tv{0, 200000};  // the kernel answers at once; never wait long on it
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  struct {
    nlmsghdr nlh;
    inet_diag_req_v2 req;
  } msg{};
  msg.nlh.nlmsg_len = sizeof msg;
  msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST;
  msg.req.sdiag_family = a.v6 ? AF_INET6 : AF_INET;
  msg.req.sdiag_protocol = IPPROTO_TCP;
  msg.req.idiag_states = ~0u;
  msg.req.id.idiag_sport = htons(ap);
  msg.req.id.idiag_dport = htons(bp);
  std::memcpy(msg.req.id.idiag_src, a.b.data(), a.v6 ? 16 : 4);
  std::memcpy(msg.req.id.idiag_dst, b.b.data(), b.v6 ? 16 : 4);
  msg.req.id.idiag_cookie[0] = msg.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd.get(), &msg, sizeof msg, 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) != static_cast<ssize_t>(sizeof msg))
    return std::nullopt;
  alignas(nlmsghdr) std::array<char, 8192> buf{};
  ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
  if (n < static_cast<ssize_t>(sizeof(nlmsghdr))) return std::nullopt;
  const auto* h = reinterpret_cast<const nlmsghdr*>(buf.data());
  if (!NLMSG_OK(h, static_cast<unsigned>(n))) return std::nullopt;
  if (h->nlmsg_type == NLMSG_ERROR) {
    // ENOENT: the kernel knows no such connection (closed already): "0", as the table says.
    const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
    if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(nlmsgerr)) && e->error == -ENOENT) return "0";
    return std::nullopt;
  }
  if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || h->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg)))
    return std::nullopt;
  const auto* d = static_cast<const inet_diag_msg*>(NLMSG_DATA(h));
  return std::to_string(d->idiag_inode);
}

std::string exeOf(const std::string& procRoot, std::int64_t pid) {
  std::array<char, 4096> exe{};
  std::string link = procRoot + "/" + std::to_string(pid) + "/exe";
  ssize_t n = ::readlink(link.c_str(), exe.data(), exe.size() - 1);
  return n > 0 ? std::string(exe.data(), static_cast<std::size_t>(n)) : std::string();
}

// Every socket inode of every process: one walk of /proc/PID/fd.
std::unordered_map<std::string, std::int64_t> socketOwners(const std::string& procRoot) {
  std::unordered_map<std::string, std::int64_t> owners;
  UniqueDir proc(::opendir(procRoot.c_str()));
  if (!proc) return owners;
  std::array<char, 256> link{};
  while (dirent* e = ::readdir(proc.get())) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    std::string fdDir = procRoot + "/" + e->d_name + "/fd";
    UniqueDir fds(::opendir(fdDir.c_str()));
    if (!fds) continue;
    std::int64_t pid = std::strtoll(e->d_name, nullptr, 10);
    while (dirent* f = ::readdir(fds.get())) {
      if (f->d_name[0] == '.') continue;
      std::string path = fdDir + "/" + f->d_name;
      ssize_t n = ::readlink(path.c_str(), link.data(), link.size());
      std::string_view l(link.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
      if (l.size() > 9 && l.substr(0, 8) == "socket:[" && l.back() == ']')
        owners.emplace(std::string(l.substr(8, l.size() - 9)), pid);
    }
  }
  return owners;
}

}  // namespace

ProcessInfo findProcess(const Endpoint& client, const Endpoint& server,
                        const std::string& procRoot) {
  // One read of the TCP table and one walk of /proc: a cache used once.
  ProcessCache once(procRoot);
  return once.find(client, server);
}

ProcessInfo ProcessCache::find(const Endpoint& client, const Endpoint& server) {
  ProcessInfo info;
  auto c = toBytes(client.host), sv = toBytes(server.host);
  if (!c || !sv) return info;
  std::string key = connKey(*c, client.port, *sv, server.port);
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  // The socket inode comes from the kernel (sock_diag) when it answers, else from the TCP
  // table. A burst of new connections costs one walk of /proc (and one table read), not one
  // each: both are re-read (at most every 20 ms, waiting for the next turn) only for a
  // connection or inode not seen yet.
  std::string inode;
  if (auto conn = conns_.find(key); conn != conns_.end()) {
    inode = conn->second;
  } else if (auto asked = procRoot_ == "/proc" ? sockDiagInode(*c, client.port, *sv, server.port)
                                               : std::nullopt) {
    inode = std::move(*asked);  // not cached: the kernel answers each connection in microseconds
  } else {
    if (now - lastTable_ < std::chrono::milliseconds(20))
      std::this_thread::sleep_until(lastTable_ + std::chrono::milliseconds(20));
    conns_ = tcpTable(procRoot_);
    lastTable_ = now = std::chrono::steady_clock::now();
    if (auto found = conns_.find(key); found != conns_.end()) inode = found->second;
  }
  if (inode.empty() || inode == "0") return info;
  auto it = owners_.find(inode);
  if (it == owners_.end()) {
    if (now - lastWalk_ < std::chrono::milliseconds(20))
      std::this_thread::sleep_until(lastWalk_ + std::chrono::milliseconds(20));
    owners_ = socketOwners(procRoot_);
    lastWalk_ = std::chrono::steady_clock::now();
    it = owners_.find(inode);
  }
  if (it == owners_.end()) return info;
  info.pid = it->second;
  info.exe = exeOf(procRoot_, info.pid);
  return info;
}

}  // namespace tollgate::egress
