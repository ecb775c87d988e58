/**
 * mawk, Mike Brennan's awk (maintained by Thomas Dickey), also installed as awk.
 */
import { defineRecipe } from 'rootfs-engine';
import { configureCommand, removeRmrfPaths } from './autotools.ts';

export const mawk = defineRecipe({
  name: 'mawk',
  version: '1.3.4-20200120',
  license: 'GPL-2.0-only',
  description: 'pattern scanning and text processing language (awk)',
  homepage: 'https://invisible-island.net/mawk/',
  source: {
    urls: ['https://invisible-mirror.net/archives/mawk/mawk-1.3.4-20200120.tgz'],
    sha256: '7fd4cd1e1fae9290fe089171181bbc6291dfd9bca939ca804f0ddb851c8b8237',
    // Debian's orig tarball is byte-identical to the upstream release (bookworm's;
    // only the name differs). Trixie's 20250131 has no upstream hash published
    // that could be checked against it.
    debian: { package: 'mawk', version: '1.3.4.20200120-3.1' },
  },
  tools: ['clang', 'make'],
  phases: {
    configure: (ctx) => [configureCommand(ctx, [])],
    build: () => 'make',
    check: () => 'make check',
    install: (ctx) => [
      `make install DESTDIR=${ctx.dirs.dest}`,
      // As make-rootfs: scripts call it awk.
      `ln -sf mawk ${ctx.dirs.dest}/usr/bin/awk`,
      ...removeRmrfPaths(ctx.dirs.dest),
    ],
  },
});
