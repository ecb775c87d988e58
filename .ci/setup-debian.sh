#!/usr/bin/env bash
# Installs what rootfs-engine needs on a Debian 12 (bookworm) host, as root:
# the host toolchain profile (clang-19, lld-19, llvm-19), build tools, qemu for
# running and booting foreign targets, and deb-src entries for the apt source
# provider, and zsh (completion tests). Idempotent; used by the README's commands and by CI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then exec sudo bash "$0" "$@"; fi
  echo "setup-debian.sh: run it as root (installing packages needs root)" >&2
  exit 1
fi

# An index that fails to download (a mirror mid-sync, a foreign architecture's
# security index) must not stop us: apt-get install below fails clearly if a
# package we need is really missing.
# Boot tests download Debian's kernel packages of the targets' architectures.
for arch in arm64 armhf i386; do dpkg --add-architecture "$arch"; done
apt-get update -o Acquire::Retries=3 || echo "setup-debian.sh: apt-get update reported errors; going on with the package lists it has" >&2
apt-get install -y --no-install-recommends -o Acquire::Retries=3 \
  ca-certificates gcc libc6-dev make patch file \
  xz-utils bzip2 zstd unzip gzip cpio openssl \
  clang-19 lld-19 llvm-19 libclang-rt-19-dev \
  bison flex bc m4 ed rsync cmake ninja-build python3 perl libelf-dev \
  qemu-user-static qemu-system-x86 qemu-system-arm e2fsprogs meson \
  pkgconf \
  chromium zsh skopeo

bash "$here/apt-sources.sh"

# nginx (its WebDAV module takes PUT) is the remote artifact cache of
# test/integration/remote-cache-nginx.test.ts, which starts its own instance on
# 127.0.0.1; the system service the package may start is not used.
apt-get install -y --no-install-recommends -o Acquire::Retries=3 nginx

# `rootfs-engine check` of a foreign target runs the test suite's programs through
# binfmt_misc and qemu-user (test/e2e/check.test.ts). Debian registers the entries
# at boot through systemd, which a container does not run: register them here.
binfmt=/proc/sys/fs/binfmt_misc
if mountpoint -q "$binfmt" || mount -t binfmt_misc binfmt_misc "$binfmt" 2>/dev/null; then
  for entry in qemu-aarch64 qemu-arm; do
    [ -e "$binfmt/$entry" ] || cat "/usr/lib/binfmt.d/$entry.conf" >"$binfmt/register" \
      || echo "setup-debian.sh: could not register $entry with binfmt_misc" >&2
  done
else
  echo "setup-debian.sh: binfmt_misc is not available; check of foreign targets will say so" >&2
fi
