/**
 * GNU grep (grep, egrep, fgrep). Where it is built it replaces toybox's grep:
 * toybox leaves those names to it (packages/toybox.ts).
 */
import { defineRecipe } from 'rootfs-engine';
import { autotoolsPhases } from './autotools.ts';

export const grep = defineRecipe({
  name: 'grep',
  version: '3.11',
  license: 'GPL-3.0-or-later',
  description: 'GNU grep',
  homepage: 'https://www.gnu.org/software/grep/',
  source: {
    urls: ['https://ftp.gnu.org/gnu/grep/grep-3.11.tar.xz'],
    sha256: '1db2aedde89d0dea42b16d9528f894c8d15dae4e190b59aecc78f5a951276eab',
    // Debian's orig tarball is byte-identical to the upstream release.
    debian: { package: 'grep', version: '3.11-4' },
  },
  tools: ['clang', 'make'],
  phases: {
    ...autotoolsPhases([
      '--disable-silent-rules',
      // gnulib's assert module: no assertion code in the release binary (make-rootfs's choice).
      '--disable-assert',
      '--disable-nls',
      // -P needs libpcre2, which no recipe provides yet.
      '--disable-perl-regexp',
    ]),
    // make-rootfs's check-grep.
    check: () => 'make check',
  },
});
