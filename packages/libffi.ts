/**
 * libffi, the foreign function interface library: static libffi.a, ffi.h,
 * ffitarget.h and libffi.pc.
 */
import { defineRecipe } from 'rootfs-engine';
import { configureCommand, removeRmrfPaths, STATIC_LIBRARY_ARGS } from './autotools.ts';

export const libffi = defineRecipe({
  name: 'libffi',
  version: '3.4.4',
  license: 'MIT',
  description: 'portable foreign function interface library',
  homepage: 'https://sourceware.org/libffi/',
  source: {
    urls: ['https://github.com/libffi/libffi/releases/download/v3.4.4/libffi-3.4.4.tar.gz'],
    sha256: 'd66c56ad259a82cf2a9dfc408b32bf5da52371500b84745f7fb8b645712df676',
    // Debian's orig tarball is byte-identical to the upstream release. Bookworm's:
    // trixie's 3.4.8 orig is a git tag archive without the generated configure.
    debian: { package: 'libffi', version: '3.4.4-1' },
  },
  tools: ['clang', 'make'],
  phases: {
    configure: (ctx) => [
      configureCommand(ctx, [
        ...STATIC_LIBRARY_ARGS,
        // No -march=native style tuning for the build machine's CPU.
        '--enable-portable-binary',
        '--disable-docs',
        // /usr/lib, not /usr/lib64 or /usr/lib/../lib64.
        '--disable-multi-os-directory',
        // No static trampolines (new in 3.4, absent from make-rootfs's 3.3): tramp.c
        // calls open_temp_exec_file without a declaration, an error for current
        // clang. Closures then use the classic mmap'd trampolines.
        '--disable-exec-static-tramp',
      ]),
    ],
    build: () => 'make',
    install: (ctx) => [`make install DESTDIR=${ctx.dirs.dest}`, ...removeRmrfPaths(ctx.dirs.dest)],
  },
});
