/**
 * pkgconf, the pkg-config implementation, also installed as pkg-config. Its
 * default search path is the target's own /usr/lib/pkgconfig and
 * /usr/share/pkgconfig.
 */
import { defineRecipe } from 'rootfs-engine';
import { configureCommand, removeRmrfPaths, STATIC_LIBRARY_ARGS } from './autotools.ts';

export const pkgconf = defineRecipe({
  name: 'pkgconf',
  version: '1.8.1',
  license: 'ISC',
  description: 'package compiler and linker metadata toolkit (pkg-config)',
  homepage: 'https://gitea.treehouse.systems/ariadne/pkgconf',
  source: {
    urls: ['https://distfiles.ariadne.space/pkgconf/pkgconf-1.8.1.tar.xz', 'https://distfiles.dereferenced.org/pkgconf/pkgconf-1.8.1.tar.xz'],
    sha256: '644361ada2942be05655d4452eb018791647c31bba429b287f1f68deb2dc6840',
    // Debian's orig tarball is byte-identical to the upstream release (checked
    // through Gentoo's published size and SHA-512, see docs/recipes.md).
    debian: { package: 'pkgconf', version: '1.8.1-4' },
  },
  tools: ['clang', 'make'],
  phases: {
    // Autotools rather than make-rootfs's meson: the release tarball ships a
    // generated configure, and libpkgconf stays static this way too.
    configure: (ctx) => [configureCommand(ctx, [...STATIC_LIBRARY_ARGS])],
    build: () => 'make',
    check: () => 'make check',
    install: (ctx) => [
      `make install DESTDIR=${ctx.dirs.dest}`,
      // As make-rootfs does: build systems call pkg-config by that name.
      `ln -sf pkgconf ${ctx.dirs.dest}/usr/bin/pkg-config`,
      ...removeRmrfPaths(ctx.dirs.dest),
    ],
  },
});
