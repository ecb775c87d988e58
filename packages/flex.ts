/**
 * flex, the scanner generator, with libfl.a and FlexLexer.h. flex runs m4 at run
 * time: the m4 recipe provides it on the target.
 */
import { defineRecipe } from 'rootfs-engine';
import { configureCommand, removeRmrfPaths } from './autotools.ts';

export const flex = defineRecipe({
  name: 'flex',
  version: '2.6.4',
  license: 'BSD-3-Clause-flex',
  description: 'fast lexical analyser generator',
  homepage: 'https://github.com/westes/flex',
  source: {
    urls: ['https://github.com/westes/flex/releases/download/v2.6.4/flex-2.6.4.tar.gz'],
    sha256: 'e87aae032bf07c26f85ac0ed3250998c37621d95f8bd748b31f15b33c45ee995',
    // Debian's orig tarball is byte-identical to the upstream release.
    debian: { package: 'flex', version: '2.6.4-8.2' },
  },
  tools: ['clang', 'make', '/usr/bin/m4'],
  phases: {
    configure: (ctx) => [
      configureCommand(ctx, [
        // The m4 flex execs at run time is compiled in from this path: /usr/bin/m4,
        // where the m4 recipe installs it on the target.
        'ac_cv_path_M4=/usr/bin/m4',
        // AC_FUNC_MALLOC/REALLOC cannot run their test in cross mode and assume the
        // worst, which makes flex call rpl_malloc/rpl_realloc that it never defines.
        // musl's malloc(0) and realloc(p, 0) return non-null pointers.
        'ac_cv_func_malloc_0_nonnull=yes',
        'ac_cv_func_realloc_0_nonnull=yes',
        '--disable-silent-rules',
        '--disable-nls',
        '--disable-shared',
        '--enable-static',
        // No stage1flex: bootstrapping runs the just-built (target) flex on scan.l,
        // impossible when cross-compiling; the release's generated scan.c is used.
        '--disable-bootstrap',
      ]),
    ],
    // Only src/ (flex, libfl.a, FlexLexer.h): doc/ would regenerate flex.1 by running
    // the target flex through help2man, and RMRF_PATHS drops the manuals anyway.
    build: () => 'make -C src',
    check: () => 'make check',
    install: (ctx) => [`make -C src install DESTDIR=${ctx.dirs.dest}`, ...removeRmrfPaths(ctx.dirs.dest)],
  },
});
