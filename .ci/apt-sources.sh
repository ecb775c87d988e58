#!/bin/sh
# Add deb-src entries for Debian bookworm, trixie and sid (unstable: finit and
# ninja 1.13 exist only there) so the sources apt provider
# (`apt-get source --download-only NAME=VERSION`) can fetch orig tarballs.
# Idempotent: rewrites one file we own and runs apt-get update.
# Usage: .ci/apt-sources.sh            (as root)
#        ROOTFS_ENGINE_DEBIAN_MIRROR=http://mirror/debian .ci/apt-sources.sh
set -eu

list=/etc/apt/sources.list.d/rootfs-engine-src.list
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt-sources.sh: apt-get not found; not a Debian/Ubuntu host, nothing to do" >&2
  exit 0
fi

# Reuse the mirror the host already uses (deb822 `URIs:` or one-line `deb URL`),
# so a host behind a proxy or a local mirror keeps working; fall back to deb.debian.org.
mirror="${ROOTFS_ENGINE_DEBIAN_MIRROR:-}"
if [ -z "$mirror" ]; then
  mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)\/*[[:space:]]*$/\1/p' | head -n1)
fi
if [ -z "$mirror" ]; then
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\/debian\)\/*[[:space:]].*/\2/p' \
    | grep -v -- '-security' | head -n1)
fi
mirror="${mirror:-http://deb.debian.org/debian}"

signed=""
[ -f "$keyring" ] && signed="[signed-by=$keyring] "

tmp="$list.tmp.$$"
{
  echo "# Managed by rootfs-engine .ci/apt-sources.sh: source packages for the apt provider."
  echo "deb-src ${signed}${mirror} bookworm main"
  echo "deb-src ${signed}${mirror} trixie main"
  echo "deb-src ${signed}${mirror} sid main"
} >"$tmp"
mv -f "$tmp" "$list"

# Refresh only our list: a broken unrelated source (a mirror mid-sync, a foreign
# architecture) must not fail CI, and other lists' indexes are kept as they are.
apt-get update -o Acquire::Retries=3 \
  -o Dir::Etc::sourcelist="$list" -o Dir::Etc::sourceparts=- \
  -o APT::Get::List-Cleanup=0 >/dev/null
for suite in bookworm trixie sid; do
  if ! ls /var/lib/apt/lists/*_dists_${suite}_main_source_Sources* >/dev/null 2>&1; then
    echo "apt-sources.sh: no source index for $suite after apt-get update" >&2
    exit 1
  fi
done
echo "apt-sources.sh: deb-src for bookworm, trixie and sid from $mirror in $list"
