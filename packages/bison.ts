/**
 * GNU bison (and its yacc wrapper and liby.a). bison runs m4 on its skeletons at
 * run time: the m4 recipe provides it on the target.
 *
 * Built without its manual, from either tarball: Debian's repack (+dfsg) drops
 * doc/bison.texi (GFDL), which the info rules need; the release binary and data
 * files are the same either way.
 */
import { defineRecipe } from 'rootfs-engine';
import { configureCommand, removeRmrfPaths } from './autotools.ts';

/**
 * Nothing built from the manual's source, which Debian's tarball lacks: no info
 * manual (RMRF_PATHS would drop it anyway), and the example grammars extracted
 * from it are the ones the release ships (examples/extracted.stamp).
 */
const NO_MANUAL = ['INFO_DEPS=', 'doc='];
/**
 * all-local post-processes the info manual (doc/bison.info.bak). `-o` marks it
 * old so make never tries; -o is not passed down to sub-makes, so it also goes
 * into AM_MAKEFLAGS, which every recursive call of automake's Makefiles carries.
 */
function noInfoPostProcess(src: string): string[] {
  const skip = `${src}/doc/bison.info.bak`;
  return ['-o', skip, `AM_MAKEFLAGS=-o ${skip}`];
}
/**
 * doc/version.texi's stamp still names doc/bison.texi as a prerequisite. An empty
 * one from 1970 in the build directory, which make's VPATH search finds before the
 * source tree's, satisfies it for either tarball and is older than every stamp.
 */
const OLD_TEXI_STUB = 'mkdir -p doc && touch -d @0 doc/bison.texi';

export const bison = defineRecipe({
  name: 'bison',
  version: '3.8.2',
  license: 'GPL-3.0-or-later WITH Bison-exception-2.2',
  description: 'GNU bison parser generator',
  homepage: 'https://www.gnu.org/software/bison/',
  source: {
    urls: ['https://ftp.gnu.org/gnu/bison/bison-3.8.2.tar.xz'],
    sha256: '9bba0214ccf7f1079c5d59210045227bcf619519840ebfa80cd3849cff5a5bf2',
    // Debian's repack: the GFDL manual sources removed.
    debian: {
      package: 'bison',
      version: '2:3.8.2+dfsg-1',
      sha256: 'dff8a3c96dd34121828f62a7fa49e1f7765815b89e59f564e8d2a9e71c177be5',
      topDir: 'bison-3.8.2',
    },
  },
  // configure checks that $M4 is a GNU m4 by running it on the build machine.
  tools: ['clang', 'make', '/usr/bin/m4'],
  phases: {
    configure: (ctx) => [
      configureCommand(ctx, [
        // The path bison execs at run time is compiled in from $M4: /usr/bin/m4,
        // where the m4 recipe installs it on the target (and where the build
        // machine's GNU m4 is, for configure's check). make-rootfs pins it too.
        'M4=/usr/bin/m4',
        '--disable-silent-rules',
        '--disable-assert',
        '--disable-nls',
      ]),
    ],
    build: (ctx) => [OLD_TEXI_STUB, ['make', ...NO_MANUAL, ...noInfoPostProcess(ctx.dirs.src)]],
    check: (ctx) => [OLD_TEXI_STUB, ['make', ...NO_MANUAL, ...noInfoPostProcess(ctx.dirs.src), 'check']],
    install: (ctx) => [['make', ...NO_MANUAL, ...noInfoPostProcess(ctx.dirs.src), 'install', `DESTDIR=${ctx.dirs.dest}`], ...removeRmrfPaths(ctx.dirs.dest)],
  },
});
