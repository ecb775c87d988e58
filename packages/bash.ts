/**
 * GNU bash, static, with its bundled readline and termcap (no curses): the
 * seed's TARGET_PKGS shell. Built out of tree in autoconf's cross mode.
 *
 * Unlike make-rootfs, no usr/bin/sh -> bash link is installed: toybox's sh owns
 * usr/bin/sh in the same places, and two nodes may not own one path.
 */
import { defineRecipe } from 'rootfs-engine';
import { rootfsOf } from '../sysroot/place.ts';
import { hostFlags } from '../sysroot/flags.ts';
import { configureCommand, removeRmrfPaths } from './autotools.ts';

/**
 * What autoconf cannot find out in cross mode (it runs no test program), with
 * the values a probe configure measured by running static musl programs on the
 * host (docs/notes/host-toolchain.md f). Without them bash takes its "cross
 * compiling -- defaulting to" guesses, several of them wrong for musl: no
 * process substitution (named pipes "missing"), WEXITSTATUS at the wrong offset,
 * no %a in printf, real-time signals "unusable", sbrk thought usable (musl's
 * refuses non-zero increments). With these, config.h equals the probe's. The
 * last four match the defaults and are pinned for clarity.
 */
const CROSS_CACHE = [
  'bash_cv_wexitstatus_offset=8',
  'bash_cv_getcwd_malloc=yes',
  'bash_cv_printf_a_format=yes',
  'bash_cv_sys_named_pipes=present',
  'bash_cv_unusable_rtsigs=no',
  'bash_cv_ulimit_maxfds=yes',
  'bash_cv_func_sbrk=no',
  'ac_cv_func_chown_works=yes',
  'ac_cv_func_strcoll_works=yes',
  'bash_cv_func_sigsetjmp=present',
  'bash_cv_job_control_missing=present',
  'bash_cv_dev_fd=standard',
  'bash_cv_dev_stdin=present',
];

export const bash = defineRecipe({
  name: 'bash',
  version: '5.2.37',
  license: 'GPL-3.0-or-later',
  description: 'GNU Bourne Again SHell',
  homepage: 'https://www.gnu.org/software/bash/',
  source: {
    urls: ['https://ftp.gnu.org/gnu/bash/bash-5.2.37.tar.gz'],
    sha256: '9599b22ecd1d5787ad7d3b7bf0c59f312b3396d1e281175dd1f8a4014da621ff',
    // Debian recompresses it (GNU ships only .tar.gz for 5.2.37): same tree, its own checksum.
    debian: {
      package: 'bash',
      version: '5.2.37-2',
      sha256: '370704c9c859f4060b7df19055e43bb9b5fa09d887699cf6ba87885c5485d36a',
      topDir: 'bash-5.2.37',
    },
  },
  tools: ['clang', 'make'],
  phases: {
    configure: (ctx) => {
      const host = hostFlags(rootfsOf(ctx).buildType);
      return [
        configureCommand(ctx, [
          // mkbuiltins, mksignames... run on the build machine: plain host clang and flags.
          'CC_FOR_BUILD=clang',
          `CFLAGS_FOR_BUILD=${host.cflags.join(' ')}`,
          `LDFLAGS_FOR_BUILD=${host.ldflags.join(' ')}`,
          '--disable-nls',
          '--enable-readline',
          '--enable-static-link',
          '--without-bash-malloc',
          '--without-curses',
          '--without-installed-readline',
          ...CROSS_CACHE,
        ]),
      ];
    },
    // The bundled termcap (used because of --without-curses) calls write() without
    // <unistd.h>, an error since clang 16 (lib/termcap/tparam.c). Relaxed at make
    // time only: in configure's CFLAGS it could change the outcome of its tests.
    build: () => 'make CFLAGS="$CFLAGS -Wno-error=implicit-function-declaration"',
    install: (ctx) => [
      `make install DESTDIR=${ctx.dirs.dest}`,
      // bashbug mails bug reports through a local MTA: nothing a rootfs has.
      `rm -f ${ctx.dirs.dest}/usr/bin/bashbug`,
      ...removeRmrfPaths(ctx.dirs.dest),
    ],
  },
});
