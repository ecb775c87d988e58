/**
 * musl, the C library: static only. The dynamic loader is not installed on
 * purpose ("no dynamic loader, no shared libraries").
 */
import { defineRecipe } from 'rootfs-engine';
import { rootfsOf } from '../sysroot/place.ts';

export const musl = defineRecipe({
  name: 'musl',
  version: '1.2.5',
  license: 'MIT',
  description: 'C standard library',
  homepage: 'https://musl.libc.org/',
  source: {
    urls: ['https://musl.libc.org/releases/musl-1.2.5.tar.gz'],
    sha256: 'a9a118bbe84d8764da0ea0d28b3ab3fae8477fc7e4085d90102b8596fc7c75e4',
    // Debian's orig tarball is byte-identical to the upstream release.
    debian: { package: 'musl', version: '1.2.5-3.1~deb13u1' },
  },
  tools: ['clang', 'llvm-ar', 'llvm-ranlib', 'make'],
  // The place's flags assume a finished sysroot; musl is what starts one.
  env: { CFLAGS: '', LDFLAGS: '' },
  phases: {
    configure: (ctx) => {
      const { target } = rootfsOf(ctx);
      // musl brings its own headers and needs no builtins to build a static libc,
      // so it builds before the place's compiler-rt (LIBCC empty).
      return [
        [
          `${ctx.dirs.src}/configure`,
          '--prefix=/usr',
          `--target=${target.triple}`,
          '--disable-shared',
          `CC=clang --target=${target.triple}`,
          `CFLAGS=-pipe -O2 ${target.archFlags.join(' ')}`,
          'AR=llvm-ar',
          'RANLIB=llvm-ranlib',
          'LIBCC=',
        ],
      ];
    },
    build: () => 'make',
    install: (ctx) => `make install-libs install-headers DESTDIR=${ctx.dirs.dest}`,
  },
});
