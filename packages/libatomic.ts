/**
 * libatomic.a from compiler-rt's atomic.c: the `__atomic_*` library routines that
 * clang calls where it cannot inline an atomic operation. On i386 that is every
 * 64-bit atomic on a value only 4-byte aligned (the i386 ABI's alignment of
 * `uint64_t`), which CPython's pyatomic.h uses: its configure then asks for
 * -latomic. GCC ships libatomic; LLVM puts these routines in the builtins when
 * COMPILER_RT_EXCLUDE_ATOMIC_BUILTIN is off, but ours leave them out (turning them
 * on would change the builtins, and with them every node, of every place), so this
 * recipe builds the one file on its own, for the places that need it.
 *
 * Operations too wide for the CPU go through a table of spin locks, as in GCC's
 * libatomic; that is only correct within one process, which is all a static
 * program has.
 */
import { defineRecipe } from 'rootfs-engine';
import { llvmSource } from './llvm-source.ts';

export const libatomic = defineRecipe({
  name: 'libatomic',
  version: '19.1.7',
  // compiler-rt's LICENSE.TXT, as for the builtins.
  license: 'Apache-2.0 WITH LLVM-exception OR NCSA OR MIT',
  description: "compiler-rt's __atomic_* routines as libatomic.a (for the places whose C code needs -latomic)",
  homepage: 'https://compiler-rt.llvm.org/',
  source: { ...llvmSource, subset: ['compiler-rt/lib/builtins'] },
  tools: ['clang', 'llvm-ar'],
  phases: {
    // The flags compiler-rt's own build gives its sources: no calls to memcpy and the
    // like through builtins, and nothing exported beyond the __atomic_* names.
    build: (ctx) => [
      `clang $CFLAGS -fno-builtin -fvisibility=hidden -c ${ctx.dirs.src}/compiler-rt/lib/builtins/atomic.c -o atomic.o`,
      'llvm-ar rcs libatomic.a atomic.o',
    ],
    install: (ctx) => [`install -D -m 644 libatomic.a ${ctx.dirs.dest}/usr/lib/libatomic.a`],
  },
});
