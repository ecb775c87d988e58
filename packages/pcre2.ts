/**
 * PCRE2, Perl-compatible regular expressions: static libpcre2-8/16/32.a and
 * libpcre2-posix.a with their .pc files, pcre2grep and pcre2test.
 */
import { defineRecipe } from 'rootfs-engine';
import { configureCommand, removeRmrfPaths, STATIC_LIBRARY_ARGS } from './autotools.ts';

export const pcre2 = defineRecipe({
  name: 'pcre2',
  version: '10.42',
  license: 'BSD-3-Clause WITH PCRE2-exception',
  description: 'Perl-compatible regular expression library',
  homepage: 'https://www.pcre.org/',
  source: {
    urls: ['https://github.com/PCRE2Project/pcre2/releases/download/pcre2-10.42/pcre2-10.42.tar.gz'],
    sha256: 'c33b418e3b936ee3153de2c61cc638e7e4fe3156022a5c77d0711bcbb9d64f1f',
    // Debian's orig tarball is byte-identical to the upstream release (bookworm's;
    // no public pin of trixie's 10.46 orig was found).
    debian: { package: 'pcre2', version: '10.42-1' },
  },
  tools: ['clang', 'make'],
  phases: {
    // Autotools rather than make-rootfs's CMake (the release ships a generated
    // configure); the same features: 8, 16 and 32-bit libraries, JIT, Unicode, no
    // compression or line-editing libraries. pcre2grep is built (make-rootfs skips it).
    configure: (ctx) => [
      configureCommand(ctx, [
        ...STATIC_LIBRARY_ARGS,
        '--enable-pcre2-16',
        '--enable-pcre2-32',
        '--enable-jit',
        '--enable-unicode',
        '--enable-pcre2grep-jit',
        '--disable-pcre2grep-libz',
        '--disable-pcre2grep-libbz2',
        '--disable-pcre2test-libedit',
        '--disable-pcre2test-libreadline',
      ]),
    ],
    build: () => 'make',
    check: () => 'make check',
    install: (ctx) => [`make install DESTDIR=${ctx.dirs.dest}`, ...removeRmrfPaths(ctx.dirs.dest)],
  },
});
