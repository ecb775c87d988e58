/**
 * libite ("lite"), the BSD/Linux helper functions finit is written against
 * (strlcpy, fmkpath, tempfile, ...). Static only.
 */
import { defineRecipe } from 'rootfs-engine';
import { autotoolsPhases, STATIC_LIBRARY_ARGS } from './autotools.ts';

export const libite = defineRecipe({
  name: 'libite',
  version: '2.6.1',
  license: 'MIT AND ISC',
  description: 'frog DNA: helper functions missing from the C library',
  homepage: 'https://github.com/troglobit/libite',
  source: {
    urls: ['https://github.com/troglobit/libite/releases/download/v2.6.1/libite-2.6.1.tar.xz'],
    sha256: '0185c3e76874c5821825deaf17cd45e81ce49aaa424e09de5f3665243c59026b',
    // Debian's orig tarball is byte-identical to the upstream release.
    debian: { package: 'libite', version: '2.6.1-1' },
  },
  tools: ['clang', 'make'],
  phases: autotoolsPhases([...STATIC_LIBRARY_ARGS, '--disable-doxygen-doc']),
});
