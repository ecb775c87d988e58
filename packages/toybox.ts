/**
 * toybox: the command line utilities (ls, cat, sh, mount, ...), one static binary
 * with one link per command in /usr/bin. Toybox builds only inside its source
 * tree, so the build gets a private copy (make-rootfs's pkg_copy).
 */
import { readFileSync } from 'node:fs';
import { defineRecipe, withJobserverSlots } from 'rootfs-engine';

// Read at load time and written by the configure phase, so the fragment's content
// (not only its path) is part of the node key.
const configFragment = readFileSync(new URL('./files/toybox/config.fragment', import.meta.url), 'utf8');

export const toybox = defineRecipe({
  name: 'toybox',
  version: '0.8.9',
  license: '0BSD',
  description: 'command line utilities in one binary',
  homepage: 'https://landley.net/toybox/',
  source: {
    urls: ['https://landley.net/toybox/downloads/toybox-0.8.9.tar.gz'],
    sha256: '06913dde3de7139b40f947bd7f23869dfc8796e9c6ff39de02719f8b7b2d47ad',
    // Debian repacks it (+dfsg, recompressed), so its orig has its own checksum.
    debian: {
      package: 'toybox',
      version: '0.8.9+dfsg-1.1',
      sha256: '16fb5967531e88ca33b8c9142376987617ebe52e34e2b3f3a779603674b7d07c',
      topDir: 'toybox-0.8.9',
    },
    privateCopy: true,
  },
  tools: ['clang', 'make'],
  env: {
    // CC must be a bare command: toybox checks it with `command -v`.
    CC: 'clang',
    HOSTCC: 'clang',
    NOSTRIP: '1',
    CROSS_COMPILE: '',
  },
  phases: {
    configure: (ctx) => [
      ['sh', '-c', 'printf "%s" "$1" > config.fragment', 'sh', configFragment],
      `make -C ${ctx.dirs.src} defconfig KCONFIG_ALLCONFIG=${ctx.dirs.obj}/config.fragment`,
    ],
    // An empty TARGET: toybox's build misreads the variable when it is set. Its
    // scripts/make.sh runs $CPUS compilers itself (default nproc+1), not through
    // make's jobserver: CPUS is the number of tokens it could take.
    build: (ctx) => withJobserverSlots((jobs) => `CPUS=${jobs} make -C ${ctx.dirs.src} toybox TARGET=`),
    install: (ctx) => [
      `make -C ${ctx.dirs.src} install_flat PREFIX=${ctx.dirs.dest}/usr/bin TARGET=`,
      // With CONFIG_SH, toybox's shell also answers to "bash" and install_flat links
      // usr/bin/bash to it. The real bash recipe owns that path where both are built
      // (stage3, a target's default set), and two nodes may not own one path; toybox's
      // shell stays reachable as usr/bin/sh and usr/bin/toysh.
      `rm -f ${ctx.dirs.dest}/usr/bin/bash`,
      // The same for the GNU tools that share a name with a toybox command (the grep,
      // diffutils and wget recipes). toybox's wget (plain HTTP here) would otherwise
      // stop GNU wget from installing into a tree that has toybox.
      `rm -f ${ctx.dirs.dest}/usr/bin/grep ${ctx.dirs.dest}/usr/bin/egrep ${ctx.dirs.dest}/usr/bin/fgrep ${ctx.dirs.dest}/usr/bin/cmp ${ctx.dirs.dest}/usr/bin/wget`,
    ],
    check: (ctx) => `${ctx.dirs.src}/toybox echo toybox-ok`,
  },
});
