/**
 * XZ Utils: xz, xzdec, lzmainfo and the static liblzma (with its header and .pc).
 */
import { defineRecipe } from 'rootfs-engine';
import { autotoolsPhases } from './autotools.ts';

export const xz = defineRecipe({
  name: 'xz',
  version: '5.8.1',
  license: '0BSD AND GPL-2.0-or-later AND LGPL-2.1-or-later',
  description: 'XZ Utils: LZMA/XZ compression tools and liblzma',
  homepage: 'https://tukaani.org/xz/',
  source: {
    urls: ['https://github.com/tukaani-project/xz/releases/download/v5.8.1/xz-5.8.1.tar.xz', 'https://tukaani.org/xz/xz-5.8.1.tar.xz'],
    sha256: '0b54f79df85912504de0b14aec7971e3f964491af1812d83447005807513cd9e',
    // Debian's orig tarball is byte-identical to the upstream release.
    debian: { package: 'xz-utils', version: '5.8.1-1+deb13u1' },
  },
  tools: ['clang', 'make'],
  phases: {
    ...autotoolsPhases([
      '--disable-shared',
      '--enable-static',
      // No lzma/unlzma/lzcat links: xz answers to those names only through them, and
      // make-rootfs leaves them out.
      '--disable-lzma-links',
      '--disable-doc',
      '--disable-nls',
      '--disable-silent-rules',
    ]),
    check: () => 'make check',
  },
});
