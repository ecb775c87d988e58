/**
 * ncurses, the terminal handling library (libncurses.a, libform/menu/panel.a),
 * with tic, infocmp, tput, tset, toe, tabs and the terminfo database in
 * /usr/share/terminfo. Narrow-character build, as make-rootfs's.
 *
 * ncurses compiles a few generators (make_hash, make_keys) and runs them while
 * building: those are built by the build machine's own compiler (--with-build-*).
 * Installing the terminfo database runs tic; in cross mode ncurses's run_tic.sh
 * runs the `tic` on PATH instead of the one it built: the build machine's
 * (/usr/bin/tic, Debian's ncurses-bin), which writes the same portable entries.
 */
import { defineRecipe } from 'rootfs-engine';
import { rootfsOf } from '../sysroot/place.ts';
import { hostFlags } from '../sysroot/flags.ts';
import { configureCommand, removeRmrfPaths } from './autotools.ts';

export const ncurses = defineRecipe({
  name: 'ncurses',
  version: '6.4',
  license: 'X11-distribute-modifications-variant',
  description: 'terminal handling library and terminfo database',
  homepage: 'https://invisible-island.net/ncurses/',
  source: {
    urls: ['https://ftp.gnu.org/gnu/ncurses/ncurses-6.4.tar.gz', 'https://invisible-mirror.net/archives/ncurses/ncurses-6.4.tar.gz'],
    sha256: '6931283d9ac87c5073f30b6290c4c75f21632bb4fc3603ac8100812bed248159',
    // Debian's orig tarball is byte-identical to the upstream release. Bookworm's:
    // trixie's 6.5+20250216 is one of the author's weekly patch snapshots, with no
    // published upstream tarball to pin.
    debian: { package: 'ncurses', version: '6.4-4' },
  },
  tools: ['clang', 'make', '/usr/bin/tic'],
  phases: {
    configure: (ctx) => {
      const host = hostFlags(rootfsOf(ctx).buildType);
      return [
        configureCommand(ctx, [
          '--sysconfdir=/etc',
          // C only: the host profile has no C++ runtime, and no Ada.
          '--without-ada',
          '--without-cxx',
          '--without-cxx-binding',
          '--without-manpages',
          '--without-tests',
          '--without-progs-tests',
          // As make-rootfs: no .pc files (libedit and others find -lncurses by linking).
          '--without-pkg-config',
          '--disable-pc-files',
          // The generators run at build time are built for the build machine.
          '--with-build-cc=clang',
          `--with-build-cflags=${host.cflags.join(' ')}`,
          `--with-build-ldflags=${host.ldflags.join(' ')}`,
          '--without-debug',
          '--without-shared',
          '--with-normal',
          '--without-dlsym',
          // libncurses.a, not libncursest.a: --with-pthread would add the "t" suffix.
          '--disable-lib-suffixes',
          '--disable-rpath-hack',
          // captoinfo and infotocap as symbolic links to tic.
          '--enable-symlinks',
          '--with-pthread',
          '--without-develop',
        ]),
      ];
    },
    build: () => 'make',
    install: (ctx) => [
      // `install -s` runs the build machine's strip, which knows no other
      // architecture's ELF files: llvm-strip does.
      ['make', 'install', `DESTDIR=${ctx.dirs.dest}`, 'INSTALL_PROG=/usr/bin/install -c -s --strip-program=llvm-strip'],
      // toybox owns clear and reset in the place (reset would be a link to tset).
      `rm -f ${ctx.dirs.dest}/usr/bin/clear ${ctx.dirs.dest}/usr/bin/reset`,
      ...removeRmrfPaths(ctx.dirs.dest),
    ],
  },
});
