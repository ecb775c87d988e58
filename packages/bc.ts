/**
 * GNU bc and dc, the arbitrary precision calculators.
 *
 * bc compiles its own math library (libmath.b) into bc/libmath.h at build time
 * by running a first bc ("fbc"), and the release tarball does not ship the
 * result. A target fbc cannot run on the build machine, so the recipe configures
 * bc a second time for the build machine, generates libmath.h there (the bytecode
 * text does not depend on the architecture) and gives it to the target build,
 * which is told (`make -o libmath.h`) not to regenerate it.
 */
import { defineRecipe } from 'rootfs-engine';
import { rootfsOf } from '../sysroot/place.ts';
import { hostFlags } from '../sysroot/flags.ts';
import { configureCommand, removeRmrfPaths } from './autotools.ts';

/** The target build: lib/ first, then bc/ with the build machine's libmath.h kept, then dc/ (docs skipped). */
const KEEP_LIBMATH = ['-o', 'libmath.h'];

export const bc = defineRecipe({
  name: 'bc',
  version: '1.07.1',
  license: 'GPL-3.0-or-later',
  description: 'GNU bc and dc calculators',
  homepage: 'https://www.gnu.org/software/bc/',
  source: {
    urls: ['https://ftp.gnu.org/gnu/bc/bc-1.07.1.tar.gz'],
    sha256: '62adfca89b0a1c0164c2cdca59ca210c1d44c3ffc46daf9931cf4942664cb02a',
    // Debian's orig tarball is byte-identical to the upstream release.
    debian: { package: 'bc', version: '1.07.1-4' },
  },
  // configure insists on a working lex (it runs it once; the scanner itself ships
  // generated); bc/fix-libmath_h edits the generated header with ed.
  tools: ['clang', 'make', 'flex', 'ed'],
  phases: {
    configure: (ctx) => {
      const host = hostFlags(rootfsOf(ctx).buildType);
      return [
        'mkdir -p build-machine',
        [
          'sh',
          '-c',
          // The build machine's own compiler, headers and libc, not the place's.
          'cd build-machine && exec env CC=clang CPP="clang -E" CFLAGS="$1" LDFLAGS="$2" "$3/configure" --disable-silent-rules',
          'sh',
          host.cflags.join(' '),
          host.ldflags.join(' '),
          ctx.dirs.src,
        ],
        configureCommand(ctx, [
          '--disable-silent-rules',
          // The scanner needs no yywrap from a lex library. Without this, configure
          // links -lfl whenever the flex recipe happens to be in the sysroot first.
          'ac_cv_lib_lex=none needed',
        ]),
      ];
    },
    build: () => [
      'make -C build-machine/lib',
      'make -C build-machine/bc libmath.h',
      'cp build-machine/bc/libmath.h bc/libmath.h',
      'make -C lib',
      ['make', '-C', 'bc', ...KEEP_LIBMATH],
      'make -C dc',
    ],
    install: (ctx) => [
      // install-am's own targets, not `install`: that runs them in a sub-make, which
      // -o does not reach.
      ['make', '-C', 'bc', ...KEEP_LIBMATH, 'install-exec-am', 'install-data-am', `DESTDIR=${ctx.dirs.dest}`],
      `make -C dc install DESTDIR=${ctx.dirs.dest}`,
      ...removeRmrfPaths(ctx.dirs.dest),
    ],
  },
});
