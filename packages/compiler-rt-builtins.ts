/**
 * compiler-rt's builtins and crtbegin/crtend for one place, installed as a clang
 * resource directory inside the place's sysroot (usr/lib/clang/<major>): the
 * place's CFLAGS point -resource-dir there, so no link ever reaches for the
 * host's libgcc or the host's compiler-rt. make-rootfs's `make builtins`.
 */
import { defineRecipe, withJobserverSlots } from 'rootfs-engine';
import { rootfsOf } from '../sysroot/place.ts';
import { llvmSource } from './llvm-source.ts';

export const compilerRtBuiltins = defineRecipe({
  name: 'compiler-rt-builtins',
  version: '19.1.7',
  // compiler-rt's LICENSE.TXT: Apache-2.0 with the LLVM exception, or the legacy NCSA or MIT licenses for older code.
  license: 'Apache-2.0 WITH LLVM-exception OR NCSA OR MIT',
  description: 'compiler-rt builtins and crt files',
  homepage: 'https://compiler-rt.llvm.org/',
  // Only what a runtimes build of compiler-rt reads: 54 MB instead of 2.3 GB.
  source: { ...llvmSource, subset: ['compiler-rt', 'cmake', 'runtimes', 'llvm/cmake', 'llvm/utils/llvm-lit', 'llvm/utils/lit'] },
  deps: ['musl', 'linux-headers'],
  // The runtimes build runs Python scripts; the clean PATH finds the system's python3.
  tools: ['clang', 'cmake', 'ninja', 'python3'],
  // The place's flags point -resource-dir at what this recipe builds: not yet usable.
  env: { CFLAGS: '', CXXFLAGS: '', LDFLAGS: '' },
  phases: {
    configure: (ctx) => {
      const facts = rootfsOf(ctx);
      const triple = facts.target.triple;
      const arch = facts.target.archFlags.join(' ');
      return [
        [
          'cmake',
          '-G',
          'Ninja',
          '-S',
          `${ctx.dirs.src}/runtimes`,
          '-B',
          ctx.dirs.obj,
          '-DCMAKE_BUILD_TYPE=Release',
          `-DCMAKE_INSTALL_PREFIX=/${facts.resourceDirInstallPath}`,
          '-DCMAKE_C_COMPILER=clang',
          '-DCMAKE_CXX_COMPILER=clang++',
          '-DCMAKE_ASM_COMPILER=clang',
          `-DCMAKE_C_COMPILER_TARGET=${triple}`,
          `-DCMAKE_CXX_COMPILER_TARGET=${triple}`,
          `-DCMAKE_ASM_COMPILER_TARGET=${triple}`,
          `-DCMAKE_C_FLAGS=${arch}`,
          `-DCMAKE_CXX_FLAGS=${arch}`,
          `-DCMAKE_ASM_FLAGS=${arch}`,
          '-DCMAKE_AR=' + `${facts.toolchain.binDir}/llvm-ar`,
          '-DCMAKE_RANLIB=' + `${facts.toolchain.binDir}/llvm-ranlib`,
          '-DCMAKE_NM=' + `${facts.toolchain.binDir}/llvm-nm`,
          `-DCMAKE_SYSROOT=${facts.sysroot}`,
          // Nothing can be linked yet: these are the libraries links will need.
          '-DCMAKE_TRY_COMPILE_TARGET_TYPE=STATIC_LIBRARY',
          '-DLLVM_ENABLE_RUNTIMES=compiler-rt',
          '-DLLVM_ENABLE_PER_TARGET_RUNTIME_DIR=OFF',
          '-DLLVM_INCLUDE_TESTS=OFF',
          '-DCOMPILER_RT_INCLUDE_TESTS=OFF',
          '-DCOMPILER_RT_DEFAULT_TARGET_ONLY=ON',
          '-DCOMPILER_RT_BUILD_BUILTINS=ON',
          '-DCOMPILER_RT_BUILD_CRT=ON',
          '-DCOMPILER_RT_BUILD_SANITIZERS=OFF',
          '-DCOMPILER_RT_BUILD_XRAY=OFF',
          '-DCOMPILER_RT_BUILD_LIBFUZZER=OFF',
          '-DCOMPILER_RT_BUILD_PROFILE=OFF',
          '-DCOMPILER_RT_BUILD_MEMPROF=OFF',
          '-DCOMPILER_RT_BUILD_ORC=OFF',
          '-DCOMPILER_RT_BUILD_GWP_ASAN=OFF',
          '-DCOMPILER_RT_BUILD_CTX_PROFILE=OFF',
          `-DCOMPILER_RT_INSTALL_PATH=/${facts.resourceDirInstallPath}`,
        ],
      ];
    },
    // ninja 1.11 (Debian 12) is no jobserver client: it gets -j of the tokens free at its start.
    build: (ctx) => withJobserverSlots((jobs) => `ninja -j${jobs} -C ${ctx.dirs.obj}`),
    install: (ctx) => {
      const facts = rootfsOf(ctx);
      const resourceDir = `${ctx.dirs.dest}/${facts.resourceDirInstallPath}`;
      return [
        `DESTDIR=${ctx.dirs.dest} ninja -C ${ctx.dirs.obj} install`,
        // clang's own headers (stddef.h, arm_neon.h, ...) complete the resource dir.
        `mkdir -p ${resourceDir} && cp -R "$(clang -print-resource-dir)/include" ${resourceDir}/include`,
      ];
    },
  },
});
