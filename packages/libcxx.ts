/**
 * The C++ runtime of a place: libc++, libc++abi and libunwind from the LLVM source,
 * static only, built against the place's musl with its compiler-rt builtins (never
 * libgcc), in one LLVM runtimes build. make-rootfs builds them inside its LLVM
 * (`llvm_build_targets := compiler-rt cxx unwind`); here they are their own node so
 * a place compiled by the host's clang gets a C++ library without building LLVM.
 *
 * libc++.a carries libc++abi and libunwind (the seed's
 * LIBCXX_STATICALLY_LINK_ABI_IN_STATIC_LIBRARY, plus the unwinder inside libc++abi):
 * `clang++ -stdlib=libc++ -static` needs nothing else, so the place's link flags
 * keep --unwindlib=none and C programs never need an unwinder. libunwind.a is
 * installed too, for C programs that unwind on purpose.
 */
import { defineRecipe, withJobserverSlots } from 'rootfs-engine';
import { rootfsOf } from '../sysroot/place.ts';
import { cmakeConfigureCommand } from './cmake.ts';
import { removeRmrfPaths } from './autotools.ts';
import { LLVM_VERSION, llvmSource } from './llvm-source.ts';

export const libcxx = defineRecipe({
  name: 'libcxx',
  version: LLVM_VERSION,
  // libc++, libc++abi and libunwind: Apache-2.0 with the LLVM exception, or the legacy NCSA/MIT licenses.
  license: 'Apache-2.0 WITH LLVM-exception OR NCSA OR MIT',
  description: 'libc++, libc++abi and libunwind (static C++ runtime)',
  homepage: 'https://libcxx.llvm.org/',
  // Only what the runtimes build of these three reads.
  source: { ...llvmSource, subset: ['libcxx', 'libcxxabi', 'libunwind', 'cmake', 'runtimes', 'llvm/cmake', 'llvm/utils/llvm-lit', 'llvm/utils/lit'] },
  tools: ['clang', 'cmake', 'ninja', 'python3'],
  // The place's CXXFLAGS select the libc++ this recipe builds (and -nostdinc++ hides
  // every C++ header): the runtimes build sets up its own include paths.
  env: (ctx) => {
    const { flags } = rootfsOf(ctx);
    return { CFLAGS: flags.cflags.join(' '), CXXFLAGS: flags.cflags.join(' '), LDFLAGS: flags.ldflags.join(' ') };
  },
  phases: {
    configure: (ctx) => {
      const { target } = rootfsOf(ctx);
      return [
        cmakeConfigureCommand(
          ctx,
          {
            CMAKE_C_COMPILER_TARGET: target.triple,
            CMAKE_CXX_COMPILER_TARGET: target.triple,
            CMAKE_ASM_COMPILER_TARGET: target.triple,
            // There is no C++ library to link a test program against yet.
            CMAKE_TRY_COMPILE_TARGET_TYPE: 'STATIC_LIBRARY',
            CMAKE_POSITION_INDEPENDENT_CODE: 'OFF',
            LLVM_ENABLE_RUNTIMES: 'libunwind;libcxxabi;libcxx',
            // Headers in usr/include/c++/v1 and libraries in usr/lib, where the place's flags look.
            LLVM_ENABLE_PER_TARGET_RUNTIME_DIR: 'OFF',
            LLVM_INCLUDE_TESTS: 'OFF',
            LIBUNWIND_ENABLE_SHARED: 'OFF',
            LIBUNWIND_USE_COMPILER_RT: 'ON',
            LIBUNWIND_INCLUDE_TESTS: 'OFF',
            LIBCXXABI_ENABLE_SHARED: 'OFF',
            LIBCXXABI_USE_COMPILER_RT: 'ON',
            LIBCXXABI_USE_LLVM_UNWINDER: 'ON',
            LIBCXXABI_ENABLE_STATIC_UNWINDER: 'ON',
            // libunwind's objects go into libc++abi.a, which goes into libc++.a: one archive to link.
            LIBCXXABI_STATICALLY_LINK_UNWINDER_IN_STATIC_LIBRARY: 'ON',
            // As the seed: libc++abi lives inside libc++.a, so its own archive is not installed.
            LIBCXXABI_INSTALL_LIBRARY: 'OFF',
            LIBCXXABI_INCLUDE_TESTS: 'OFF',
            LIBCXX_ENABLE_SHARED: 'OFF',
            LIBCXX_ENABLE_STATIC_ABI_LIBRARY: 'ON',
            LIBCXX_STATICALLY_LINK_ABI_IN_STATIC_LIBRARY: 'ON',
            LIBCXX_USE_COMPILER_RT: 'ON',
            // libc++ cannot detect musl (it has no version macro): its locale code needs telling.
            LIBCXX_HAS_MUSL_LIBC: 'ON',
            LIBCXX_INCLUDE_TESTS: 'OFF',
            // Benchmarks would pull in google-benchmark from third-party/, outside the subset.
            LIBCXX_INCLUDE_BENCHMARKS: 'OFF',
          },
          'runtimes',
        ),
      ];
    },
    // ninja 1.11 (Debian 12) is no jobserver client: it gets -j of the tokens free at its start.
    build: (ctx) => withJobserverSlots((jobs) => `ninja -j${jobs} -C ${ctx.dirs.obj}`),
    install: (ctx) => [`DESTDIR=${ctx.dirs.dest} ninja -C ${ctx.dirs.obj} install`, ...removeRmrfPaths(ctx.dirs.dest)],
  },
});
