/**
 * Expat, the stream-oriented XML parser: the static libexpat.a (with expat.h and
 * expat.pc) and the xmlwf checker. Built with CMake, as make-rootfs does.
 */
import { defineRecipe } from 'rootfs-engine';
import { cmakePhases } from './cmake.ts';

export const expat = defineRecipe({
  name: 'expat',
  version: '2.8.3',
  license: 'MIT',
  description: 'XML parser library and the xmlwf checker',
  homepage: 'https://libexpat.github.io/',
  source: {
    // Debian's orig tarball is GitHub's archive of the release tag (no generated
    // configure script: the CMake build needs none). Its SHA-256 matches the one
    // other projects pin for that archive URL. Trixie's 2.9.0 is listed in the
    // archive but its orig tarball is not served there; 2.8.3 is trixie-security's.
    urls: ['https://github.com/libexpat/libexpat/archive/refs/tags/R_2_8_3.tar.gz'],
    filename: 'libexpat-R_2_8_3.tar.gz',
    sha256: '533659a16e0184035a99fd8e783f1ad61a887a7bf8586a8681740b9d7ed42389',
    debian: { package: 'expat', version: '2.8.3-1~deb13u1' },
  },
  tools: ['clang', 'cmake', 'ninja'],
  phases: {
    ...cmakePhases(
      {
        EXPAT_SHARED_LIBS: 'OFF',
        EXPAT_BUILD_EXAMPLES: 'OFF',
        // The C test runner (runtests), for the check phase.
        EXPAT_BUILD_TESTS: 'ON',
        // xmlwf's manual page needs docbook2x.
        EXPAT_BUILD_DOCS: 'OFF',
      },
      // The tag archive holds the library in expat/, beside the repository's own files.
      'expat',
    ),
    check: (ctx) => [['ctest', '--test-dir', ctx.dirs.obj, '--output-on-failure']],
  },
});
