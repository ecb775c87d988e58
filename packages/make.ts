/**
 * GNU make 4.4.x: 4.4 is the first make with the named-pipe jobserver
 * (`--jobserver-style=fifo`), which sharing one pool of job slots between the
 * engine and nested builds relies on, so the bootstrap needs at least 4.4.
 *
 * Built without its manual, from either tarball: Debian's repack (make-dfsg)
 * drops doc/ entirely (GFDL) but keeps the generated configure, which still lists
 * doc/Makefile. Both trees give the same install this way.
 */
import { defineRecipe } from 'rootfs-engine';
import { configureCommand, removeRmrfPaths } from './autotools.ts';

/** Every file configure generates except doc/Makefile (config.status honours CONFIG_FILES). */
const CONFIG_FILES = 'build.cfg tests/config-flags.pm Makefile lib/Makefile po/Makefile.in';
/**
 * No make.1 (RMRF_PATHS would drop the manual anyway). The top directory's own
 * targets (`*-am`) are used after lib/ instead of the recursive ones, which would
 * enter doc/: lib/ holds gnulib, po/ has nothing to do with --disable-nls.
 */
const NO_MAN = 'man_MANS=';

export const make = defineRecipe({
  name: 'make',
  version: '4.4.1',
  license: 'GPL-3.0-or-later',
  description: 'GNU make',
  homepage: 'https://www.gnu.org/software/make/',
  source: {
    urls: ['https://ftp.gnu.org/gnu/make/make-4.4.1.tar.gz'],
    sha256: 'dd16fb1d67bfab79a72f5e8390735c49e3e8e70b4945a15ab1f81ddb78658fb3',
    // Debian's make-dfsg orig: doc/ removed, recompressed to .tar.xz.
    debian: {
      package: 'make-dfsg',
      version: '4.4.1-2',
      sha256: '3b16b00ea1079af9f8096bbc71ff7cc00c249fc6a862003da3c42308a0adb0fe',
      topDir: 'make-4.4.1',
    },
  },
  tools: ['clang', 'make'],
  phases: {
    configure: (ctx) => [
      [
        'env',
        `CONFIG_FILES=${CONFIG_FILES}`,
        ...configureCommand(ctx, [
          '--disable-nls',
          '--disable-silent-rules',
          // Guile scripting would need libguile in the sysroot; make-rootfs leaves it out too.
          '--without-guile',
          // musl's glob has no GNU interface (GLOB_ALTDIRFUNC...): make must use its
          // bundled glob. configure finds that out too (no <gnu-versions.h>); pinned
          // as make-rootfs does.
          'make_cv_sys_gnu_glob=no',
        ]),
      ],
    ],
    build: () => ['make -C lib', ['make', NO_MAN, 'all-am']],
    check: () => ['make -C lib', ['make', NO_MAN, 'check-am']],
    install: (ctx) => [['make', NO_MAN, 'install-am', `DESTDIR=${ctx.dirs.dest}`], ...removeRmrfPaths(ctx.dirs.dest)],
  },
});
