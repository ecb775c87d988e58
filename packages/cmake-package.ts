/**
 * CMake itself, as a static program for the place (packages/cmake.ts is the
 * helper other CMake recipes use, not this). Built by the build machine's CMake
 * with cmakePhases, not by CMake's ./bootstrap: bootstrap compiles a first cmake
 * and runs it, which a cross build cannot do, while the host's CMake in its cross
 * mode runs no target program (the two try_run checks are answered below).
 *
 * Every third-party library is CMake's bundled copy (libuv, libarchive with its
 * zlib, bzip2, liblzma and zstd, curl, nghttp2, expat, jsoncpp, librhash), as
 * Kitware's release binaries are built: nothing to find in the sysroot but musl
 * and libc++ (the libcxx recipe; the place's CXXFLAGS select it). make-rootfs
 * used system copies of most of them; bundled ones keep this recipe's dependency
 * list to the C++ runtime, which the stage-3 set (#7) must have anyway.
 */
import { defineRecipe } from 'rootfs-engine';
import { cmakePhases } from './cmake.ts';

export const cmake = defineRecipe({
  name: 'cmake',
  version: '3.25.1',
  // CMake's own BSD-3-Clause, and the bundled libraries linked into its programs:
  // libarchive (BSD-2-Clause), libuv, expat, jsoncpp, nghttp2 (MIT), curl, zlib,
  // bzip2, librhash (0BSD) and zstd (BSD-3-Clause); liblzma is public domain.
  license: 'BSD-3-Clause AND BSD-2-Clause AND MIT AND curl AND Zlib AND bzip2-1.0.6 AND 0BSD',
  description: 'cross-platform build system generator (cmake, ctest, cpack)',
  homepage: 'https://cmake.org/',
  source: {
    // Bookworm's orig tarball is byte-identical to Kitware's release (the same
    // SHA-256 as Homebrew's and spack's pins). Trixie's 3.31.6 would be preferred,
    // but its orig tarball is not served by the archive this project can reach (404).
    urls: ['https://github.com/Kitware/CMake/releases/download/v3.25.1/cmake-3.25.1.tar.gz', 'https://cmake.org/files/v3.25/cmake-3.25.1.tar.gz'],
    sha256: '1c511d09516af493694ed9baf13c55947a36389674d657a2d5e0ccedc6b291d8',
    debian: { package: 'cmake', version: '3.25.1-1' },
  },
  deps: ['libcxx'],
  tools: ['clang', 'cmake', 'ninja'],
  phases: cmakePhases({
    // make-rootfs's data and doc dirs: modules in /usr/share/cmake, without the version suffix.
    CMAKE_DATA_DIR: 'share/cmake',
    CMAKE_DOC_DIR: 'share/doc/cmake',
    // The test drivers would be built into the default target, and the suite is not run
    // (see the missing check phase below).
    BUILD_TESTING: 'OFF',
    // No ccmake (it needs ncurses' libform) and no cmake-gui (Qt).
    BUILD_CursesDialog: 'OFF',
    BUILD_QtDialog: 'OFF',
    // The bundled curl without TLS: file(DOWNLOAD), ExternalProject and ctest's
    // submission work over http only. With OpenSSL (our openssl recipe) CMake's
    // cold build would wait for openssl's, which is longer than CMake's own.
    CMAKE_USE_OPENSSL: 'OFF',
    // curl's configure runs a poll() test program unless a toolchain file is given; in
    // CMake's cross mode that try_run cannot run. musl's poll() is fine.
    HAVE_POLL_FINE: '1',
  }),
  // No check phase: CMake's suite (Tests/, >600 ctest cases) needs BUILD_TESTING, which
  // builds dozens of test drivers into CMake's own build, and most cases configure and
  // build sample projects with a native compiler for the build machine, which the
  // place's static musl cmake is not set up for; no quick subset exists that a
  // cross build could run. test/world/cmake.test.ts runs the installed program instead.
});
