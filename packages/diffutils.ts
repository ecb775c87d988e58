/**
 * GNU diffutils: diff, diff3, sdiff, cmp. Where it is built, its cmp replaces
 * toybox's (packages/toybox.ts).
 */
import { defineRecipe } from 'rootfs-engine';
import { autotoolsPhases } from './autotools.ts';

export const diffutils = defineRecipe({
  name: 'diffutils',
  version: '3.10',
  license: 'GPL-3.0-or-later',
  description: 'GNU diff, diff3, sdiff and cmp',
  homepage: 'https://www.gnu.org/software/diffutils/',
  source: {
    urls: ['https://ftp.gnu.org/gnu/diffutils/diffutils-3.10.tar.xz'],
    sha256: '90e5e93cc724e4ebe12ede80df1634063c7a855692685919bfe60b556c9bd09e',
    // Debian's orig tarball is byte-identical to the upstream release.
    debian: { package: 'diffutils', version: '1:3.10-4' },
  },
  tools: ['clang', 'make'],
  phases: {
    ...autotoolsPhases(['--disable-silent-rules', '--disable-nls']),
    check: () => 'make check',
  },
});
