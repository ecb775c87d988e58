/**
 * LLVM: clang, lld, the binutils replacements, and the runtimes (compiler-rt,
 * libunwind, libc++abi, libc++), with make-rootfs's CMake options adapted to
 * LLVM 19 (the runtimes moved from LLVM_ENABLE_PROJECTS to LLVM_ENABLE_RUNTIMES;
 * LLVM_ENABLE_TERMINFO and LIBCXXABI_ENABLE_PIC no longer exist; several new
 * compiler-rt parts default to ON and are switched off).
 *
 * One recipe, one variant per place:
 *   stage1   built by the host compiler against the host C/C++ libraries (it is
 *            not portable, as in make-rootfs), with -U_FORTIFY_SOURCE;
 *   stage2+  built by the previous stage's clang, fully static, against the
 *            previous stage's sysroot (its musl and LLVM runtimes);
 * Every variant targets its place's triple by default and defaults to lld,
 * compiler-rt, libunwind and libc++, so what it compiles needs nothing from GCC.
 *
 * A full build takes hours on two cores: the recipe is resumable (ninja never
 * trusts a half-written output), so an interrupted build continues where it was.
 */
import { defineRecipe, withJobserverSlots, type Context } from 'rootfs-engine';
import { rootfsOf } from '../sysroot/place.ts';
import { LLVM_VERSION, llvmSource } from './llvm-source.ts';

function cmakeOptions(ctx: Context): string[] {
  const facts = rootfsOf(ctx);
  const { target } = facts;
  const stage1 = facts.stage === 'stage1';
  const opts: Record<string, string> = {
    CMAKE_BUILD_TYPE: facts.buildType,
    CMAKE_INSTALL_PREFIX: '/usr',
    CMAKE_INSTALL_LIBDIR: 'lib',
    CMAKE_SKIP_RPATH: 'ON',
    CMAKE_C_COMPILER: 'clang',
    CMAKE_CXX_COMPILER: 'clang++',
    CMAKE_ASM_COMPILER: 'clang',
    LLVM_ENABLE_PROJECTS: 'clang;lld',
    LLVM_ENABLE_RUNTIMES: 'compiler-rt;libunwind;libcxxabi;libcxx',
    LLVM_DEFAULT_TARGET_TRIPLE: target.triple,
    LLVM_TARGETS_TO_BUILD: target.llvmTarget,
    LLVM_ENABLE_BINDINGS: 'OFF',
    LLVM_ENABLE_LIBEDIT: 'OFF',
    LLVM_ENABLE_LIBPFM: 'OFF',
    LLVM_ENABLE_LIBXML2: 'OFF',
    LLVM_ENABLE_ZLIB: 'OFF',
    LLVM_ENABLE_ZSTD: 'OFF',
    LLVM_ENABLE_Z3_SOLVER: 'OFF',
    LLVM_ENABLE_LTO: 'OFF',
    LLVM_ENABLE_PLUGINS: 'OFF',
    LLVM_INCLUDE_TESTS: 'OFF',
    LLVM_INCLUDE_EXAMPLES: 'OFF',
    LLVM_INCLUDE_BENCHMARKS: 'OFF',
    LLVM_INCLUDE_DOCS: 'OFF',
    LLVM_INSTALL_BINUTILS_SYMLINKS: 'ON',
    LLVM_ENABLE_PER_TARGET_RUNTIME_DIR: 'OFF',
    CLANG_DEFAULT_LINKER: 'lld',
    CLANG_DEFAULT_OBJCOPY: 'llvm-objcopy',
    CLANG_DEFAULT_CXX_STDLIB: 'libc++',
    CLANG_DEFAULT_RTLIB: 'compiler-rt',
    CLANG_DEFAULT_UNWINDLIB: 'libunwind',
    CLANG_ENABLE_ARCMT: 'OFF',
    CLANG_ENABLE_STATIC_ANALYZER: 'OFF',
    CLANG_PLUGIN_SUPPORT: 'OFF',
    CMAKE_DISABLE_FIND_PACKAGE_Backtrace: 'ON',
    CMAKE_DISABLE_FIND_PACKAGE_Git: 'ON',
    COMPILER_RT_BUILD_BUILTINS: 'ON',
    COMPILER_RT_BUILD_CRT: 'ON',
    COMPILER_RT_BUILD_SANITIZERS: 'OFF',
    COMPILER_RT_BUILD_XRAY: 'OFF',
    COMPILER_RT_BUILD_LIBFUZZER: 'OFF',
    COMPILER_RT_BUILD_PROFILE: 'OFF',
    COMPILER_RT_BUILD_MEMPROF: 'OFF',
    COMPILER_RT_BUILD_ORC: 'OFF',
    COMPILER_RT_BUILD_GWP_ASAN: 'OFF',
    COMPILER_RT_BUILD_CTX_PROFILE: 'OFF',
    COMPILER_RT_INCLUDE_TESTS: 'OFF',
    COMPILER_RT_DEFAULT_TARGET_ONLY: 'ON',
    COMPILER_RT_USE_BUILTINS_LIBRARY: 'ON',
    LIBUNWIND_ENABLE_SHARED: 'OFF',
    LIBUNWIND_USE_COMPILER_RT: 'ON',
    LIBCXXABI_ENABLE_SHARED: 'OFF',
    LIBCXXABI_USE_COMPILER_RT: 'ON',
    LIBCXXABI_USE_LLVM_UNWINDER: 'ON',
    LIBCXXABI_ENABLE_STATIC_UNWINDER: 'ON',
    LIBCXX_ENABLE_SHARED: 'OFF',
    LIBCXX_ENABLE_STATIC_ABI_LIBRARY: 'ON',
    LIBCXX_USE_COMPILER_RT: 'ON',
    LIBCXX_HAS_MUSL_LIBC: 'ON',
    // The runtimes are compiled by the new clang for the place's musl triple: they
    // build against the place's own musl sysroot, never the host's C library.
    RUNTIMES_CMAKE_ARGS: [`-DCMAKE_SYSROOT=${facts.sysroot}`, '-DCMAKE_POSITION_INDEPENDENT_CODE=OFF'].join(';'),
  };
  if (!stage1) {
    // A static toolchain, linked against the previous stage's libraries.
    Object.assign(opts, {
      LLVM_ENABLE_PIC: 'OFF',
      LLVM_ENABLE_LIBCXX: 'ON',
      LLVM_BUILD_STATIC: 'ON',
      CMAKE_SYSROOT: facts.toolchainSysroot ?? facts.sysroot,
    });
  }
  return Object.entries(opts).map(([name, value]) => `-D${name}=${value}`);
}

/** Compile and link flags: host defaults for stage1, static against the previous stage otherwise. */
function llvmEnv(ctx: Context): Record<string, string> {
  const facts = rootfsOf(ctx);
  if (facts.stage === 'stage1') {
    // make-rootfs: libc++abi would otherwise pull in glibc's __fprintf_chk.
    return { CFLAGS: '-U_FORTIFY_SOURCE', CXXFLAGS: '-U_FORTIFY_SOURCE', LDFLAGS: '' };
  }
  const sysroot = facts.toolchainSysroot ?? facts.sysroot;
  const common = [`--target=${facts.target.triple}`, `--sysroot=${sysroot}`, '--gcc-toolchain=/nonexistent', ...facts.target.archFlags];
  return {
    CFLAGS: [...common, '-pipe', '-fno-pic', '-fno-pie'].join(' '),
    CXXFLAGS: [...common, '-pipe', '-fno-pic', '-fno-pie', '-stdlib=libc++'].join(' '),
    LDFLAGS: [...common, '-static', '-fuse-ld=lld', '-rtlib=compiler-rt', '--unwindlib=libunwind', '-stdlib=libc++', '-Wl,-no-pie', '-Wl,--gc-sections'].join(' '),
  };
}

export const llvm = defineRecipe({
  name: 'llvm',
  version: LLVM_VERSION,
  // Every subproject offers Apache-2.0 with the LLVM exception or the legacy NCSA license
  // (compiler-rt and libc++ add MIT as a third choice, which the AND of all of them drops).
  license: 'Apache-2.0 WITH LLVM-exception OR NCSA',
  description: 'clang, lld, LLVM tools and runtimes (compiler-rt, libunwind, libc++)',
  homepage: 'https://llvm.org/',
  source: llvmSource,
  deps: (ctx) => {
    const { stage } = rootfsOf(ctx);
    const index = stage ? Number(stage.slice('stage'.length)) : 0;
    // The previous stage's libraries are what a static LLVM links against.
    return index >= 2 ? [`musl@stage${index - 1}`, `linux-headers@stage${index - 1}`, `compiler-rt-builtins@stage${index - 1}`] : [];
  },
  tools: ['clang', 'cmake', 'ninja', 'python3'],
  env: llvmEnv,
  weight: 50,
  resumable: true,
  phases: {
    configure: (ctx) => [['cmake', '-G', 'Ninja', '-S', `${ctx.dirs.src}/llvm`, '-B', ctx.dirs.obj, ...cmakeOptions(ctx)]],
    // ninja 1.11 (Debian 12) is no jobserver client: it gets -j of the tokens free at
    // its start (ninja >= 1.13 would read the fifo in MAKEFLAGS itself).
    build: (ctx) => withJobserverSlots((jobs) => `ninja -j${jobs} -C ${ctx.dirs.obj}`),
    install: (ctx) => `DESTDIR=${ctx.dirs.dest} ninja -C ${ctx.dirs.obj} install`,
  },
});
