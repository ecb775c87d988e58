/**
 * zlib, the deflate compression library: static only (libz.a, zlib.h, zlib.pc).
 * zlib's configure is its own script, not autoconf: it takes the compiler and
 * flags from the environment (CC, CFLAGS, AR, RANLIB: the place's) and knows
 * no --build/--host.
 */
import { defineRecipe } from 'rootfs-engine';
import { removeRmrfPaths } from './autotools.ts';

export const zlib = defineRecipe({
  name: 'zlib',
  version: '1.3.1',
  license: 'Zlib',
  description: 'deflate compression library',
  homepage: 'https://zlib.net/',
  source: {
    urls: ['https://zlib.net/fossils/zlib-1.3.1.tar.gz', 'https://github.com/madler/zlib/releases/download/v1.3.1/zlib-1.3.1.tar.gz'],
    sha256: '9a93b2b7dfdac77ceba5a558a580e74667dd6fede4585b91eefb60f03b72df23',
    // Debian repacks it (contrib/ code with unclear licences removed): its own checksum.
    debian: {
      package: 'zlib',
      version: '1:1.3.dfsg+really1.3.1-1+deb13u1',
      sha256: '60dd315c07f616887caa029408308a018ace66e3d142726a97db164b3b8f69fb',
      topDir: 'zlib-1.3.1',
    },
  },
  tools: ['clang', 'make'],
  phases: {
    // Run out of tree: zlib's configure writes Makefile, zconf.h and its log into
    // the current directory and reads the sources from the script's own directory.
    configure: (ctx) => [[`${ctx.dirs.src}/configure`, '--prefix=/usr', '--static']],
    // Only the library: the default target also links example programs nobody installs.
    build: () => 'make libz.a',
    check: () => 'make check',
    install: (ctx) => [`make install DESTDIR=${ctx.dirs.dest}`, ...removeRmrfPaths(ctx.dirs.dest)],
  },
});
