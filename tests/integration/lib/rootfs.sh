# Cached Debian root file systems for integration tests and benchmarks.
#
#   source "$TOLLGATE_SOURCE_DIR/tests/integration/lib/rootfs.sh"
#   root=$(tollgate_rootfs_bookworm) || exit 1     # path of a bookworm minbase root
#
# tollgate_rootfs_bookworm prints the path of a `debootstrap --variant=minbase bookworm` root kept
# at "$TOLLGATE_BUILD_DIR/cache/rootfs-bookworm" (TOLLGATE_BUILD_DIR defaults to ./build). It is
# made once (a few minutes, needs root and deb.debian.org or $TOLLGATE_DEBIAN_MIRROR) and reused
# afterwards: the root is built in a temporary sibling directory and renamed into place only when
# debootstrap succeeded, so a half-made root is never seen, and concurrent callers serialise on a
# lock file. Treat the cached root as read-only: copy it (cp -a) before changing anything.
#
# Progress goes to stderr; stdout carries only the path. Returns non-zero when the root cannot be
# made (not root, no debootstrap, no network).

tollgate_rootfs_bookworm() {
  local build=${TOLLGATE_BUILD_DIR:-$PWD/build}
  local cache=$build/cache
  local dest=$cache/rootfs-bookworm
  local mirror=${TOLLGATE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
  if [ -x "$dest/usr/bin/dpkg" ] && [ -f "$dest/var/lib/dpkg/status" ]; then
    printf '%s\n' "$dest"
    return 0
  fi
  mkdir -p "$cache" || return 1
  (
    # One builder at a time; the others wait and then find the finished root.
    exec 9>"$cache/rootfs-bookworm.lock"
    flock 9 || exit 1
    if [ -x "$dest/usr/bin/dpkg" ] && [ -f "$dest/var/lib/dpkg/status" ]; then exit 0; fi
    if [ "$(id -u)" != 0 ]; then
      echo "rootfs: debootstrap needs root to create $dest" >&2
      exit 1
    fi
    if ! command -v debootstrap >/dev/null; then
      echo "rootfs: installing debootstrap" >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null || exit 1
    fi
    # Removes a half-made root: first anything debootstrap left mounted in it (proc, sys).
    discard() {
      local d=$1
      awk -v d="$d/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
        while read -r m; do umount -l "$m" 2>/dev/null || true; done
      rm -rf --one-file-system "$d" "$d.log"
    }
    # Leftovers of an interrupted earlier attempt (we hold the lock: nobody is using them).
    local old
    for old in "$cache"/.rootfs-bookworm.*; do
      [ -d "$old" ] && discard "$old"
    done
    local tmp
    tmp=$(mktemp -d "$cache/.rootfs-bookworm.XXXXXX") || exit 1
    trap 'discard "$tmp"' EXIT
    echo "rootfs: debootstrap --variant=minbase bookworm $tmp $mirror (once; a few minutes)" >&2
    if ! debootstrap --variant=minbase bookworm "$tmp" "$mirror" >"$tmp.log" 2>&1; then
      echo "rootfs: debootstrap failed; last lines of $tmp.log:" >&2
      tail -n 20 "$tmp.log" >&2
      exit 1
    fi
    rm -f "$tmp.log"
    rm -rf "$dest"
    mv "$tmp" "$dest" || exit 1
    trap - EXIT
    # mktemp made the directory 0700; a root file system's / is 0755.
    chmod 0755 "$dest"
  ) || return 1
  printf '%s\n' "$dest"
}
