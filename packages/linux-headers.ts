/**
 * The Linux kernel's UAPI headers, installed into the sysroot (headers_install,
 * built out of tree so the extracted kernel source stays shared and clean).
 */
import { defineRecipe } from 'rootfs-engine';
import { rootfsOf } from '../sysroot/place.ts';

export const linuxSource = {
  urls: ['https://cdn.kernel.org/pub/linux/kernel/v6.x/linux-6.12.107.tar.xz'],
  sha256: 'a5f8c5be3fde2d6d9ca14e9631642cf1f44487143f11059da730dcd5892e307a',
  // Debian's orig is a repack (a few non-free files excluded), so it has its own
  // checksum, accepted only from the apt provider.
  debian: {
    package: 'linux',
    version: '6.12.107-1',
    sha256: 'efc76d3c78a5d65f42724118c437d11db1c9f6309a5f024ee9a8b1978fdc6919',
    topDir: 'linux-6.12.107',
  },
} as const;

export const linuxHeaders = defineRecipe({
  name: 'linux-headers',
  version: '6.12.107',
  license: 'GPL-2.0-only WITH Linux-syscall-note',
  description: 'Linux kernel headers for user space',
  homepage: 'https://www.kernel.org/',
  // headers_install reads only these: 148 MB of the 1.6 GB tree.
  source: {
    ...linuxSource,
    subset: ['Makefile', 'scripts', 'include', 'arch/x86', 'arch/arm64', 'arch/arm', 'arch/riscv', 'usr', 'tools/include', 'tools/arch', 'tools/scripts'],
  },
  deps: ['musl'],
  // headers_install copies the tree with rsync (since Linux 6.x).
  tools: ['clang', 'make', 'rsync'],
  phases: {
    build: (ctx) => {
      const { target } = rootfsOf(ctx);
      return [
        [
          'make',
          '-C',
          ctx.dirs.src,
          `O=${ctx.dirs.obj}`,
          `ARCH=${target.linuxArch}`,
          'LLVM=1',
          'HOSTCC=clang',
          `INSTALL_HDR_PATH=${ctx.dirs.obj}/staged`,
          'headers_install',
        ],
        `find ${ctx.dirs.obj}/staged/include \\( -name .install -o -name ..install.cmd \\) -delete`,
      ];
    },
    install: (ctx) => `mkdir -p ${ctx.dirs.dest}/usr/include && cp -R ${ctx.dirs.obj}/staged/include/. ${ctx.dirs.dest}/usr/include/`,
  },
});
