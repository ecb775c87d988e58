/**
 * Ninja, the build tool CMake and meson generate for. 1.13 is the first ninja that
 * is a GNU make jobserver client (fifo form only): run without -j under the
 * engine, it draws its jobs from the engine's pool (docs/performance.md). Written
 * in C++: it links the place's libc++ (the libcxx recipe).
 */
import { defineRecipe } from 'rootfs-engine';
import { cmakePhases } from './cmake.ts';

export const ninja = defineRecipe({
  name: 'ninja',
  version: '1.13.2',
  license: 'Apache-2.0',
  description: 'small build system with a focus on speed',
  homepage: 'https://ninja-build.org/',
  source: {
    urls: ['https://github.com/ninja-build/ninja/archive/refs/tags/v1.13.2.tar.gz'],
    sha256: '974d6b2f4eeefa25625d34da3cb36bdcebe7fbce40f4c16ac0835fd1c0cbae17',
    // Debian's orig tarball (sid; trixie has 1.12) is byte-identical to GitHub's tag archive
    // (the same SHA-256 as Buildroot's and Homebrew's pins of v1.13.2).
    debian: { package: 'ninja-build', version: '1.13.2-1' },
  },
  deps: ['libcxx'],
  tools: ['clang', 'cmake', 'ninja'],
  phases: {
    ...cmakePhases({
      // ninja's unit tests need googletest, which its CMakeLists downloads when missing.
      BUILD_TESTING: 'OFF',
    }),
    // ninja's own end-to-end suite (output_test.py) runs the built ninja; the unit
    // tests are off with BUILD_TESTING (see above).
    check: (ctx) => `cd ${ctx.dirs.obj} && python3 ${ctx.dirs.src}/misc/output_test.py`,
  },
});
