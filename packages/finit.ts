/**
 * finit, the init system of the images (PID 1, as /sbin/init): fast, small, with
 * a built-in getty and `initctl` to control it. Static, against libite and libuev.
 * Its configuration, /etc/finit.conf and /etc/finit.d/, is in the etc skeleton
 * (packages/files/rootfs/etc), as make-rootfs keeps it in pkg/etc.
 *
 * No `check` phase: finit's own suite (test/, `make check`) cannot run here. It
 * builds its test root around a prebuilt busybox-x86_64 that it downloads from
 * github.com (unreachable from this project's machines, and x86_64 only), lints
 * its scripts with shellcheck, reads `initctl -j` output with jq, and needs the
 * testserv plugin. What the suite would show, finit booting as PID 1 and running
 * services, is what test/e2e/boot.test.ts checks under qemu on every target.
 */
import { defineRecipe } from 'rootfs-engine';
import { configureCommand, removeRmrfPaths } from './autotools.ts';

/**
 * finit's `make install` links reboot, halt and poweroff to initctl, beside
 * shutdown and suspend. toybox installs the first three in the same usr/bin, and
 * two nodes may not own one path: toybox keeps them. Its poweroff and reboot
 * (without -f) signal PID 1 (SIGUSR2, SIGTERM), which finit answers with the same
 * orderly shutdown as `initctl poweroff` and `initctl reboot`; its halt sends SIGUSR1,
 * which finit 4.x no longer takes as halt (docs/images.md, Limitations).
 */
const TOYBOX_OWNS = ['reboot', 'halt', 'poweroff'];

export const finit = defineRecipe({
  name: 'finit',
  version: '4.14',
  license: 'MIT',
  description: 'fast init for Linux systems',
  homepage: 'https://troglobit.com/projects/finit/',
  source: {
    urls: ['https://github.com/troglobit/finit/releases/download/4.14/finit-4.14.tar.gz'],
    // The SHA-256 of Debian's orig tarball (finit_4.14.orig.tar.gz of sid's 4.14-1,
    // 1,573,092 bytes, the release tarball with its generated configure). No published
    // checksum of upstream's finit-4.14.tar.gz could be found (Buildroot's and Infix's
    // hash files pin other releases), so byte-identity is unconfirmed: this pins these
    // bytes, and a download from the URL is used only if it is exactly the same file.
    sha256: '7c128119129324050ff7e5b56d0f33fa152fe254d035c0d0c6f72dc75d6786f3',
    // Only sid carries finit 4.14; trixie's 4.12 and bookworm's 4.2 origs are 404.
    debian: { package: 'finit', version: '4.14-1' },
  },
  deps: ['libuev', 'libite'],
  tools: ['clang', 'make', 'pkg-config'],
  phases: {
    configure: (ctx) => [
      configureCommand(ctx, [
        // make-rootfs's flags that finit 4.x still has. Its --enable-emergency-shell,
        // --enable-fallback-shell and --enable-progress are gone in 4.x (rescue mode
        // and the progress output are built in).
        // sbin is a link to usr/bin in the images: /sbin/init must land in usr/bin.
        '--sbindir=/usr/bin',
        '--sysconfdir=/etc',
        '--localstatedir=/var',
        '--disable-silent-rules',
        // Static: the ENABLE_STATIC build links the plugins into finit itself
        // (plugins/libplug.la) and compiles out dlopen() and the external plugin
        // path, which a static musl binary could not use anyway. So no plugin is
        // ever loaded at run time, and --disable-shared needs no --disable-*-plugin.
        '--disable-shared',
        '--enable-static',
        '--without-pic',
        '--disable-doc',
        '--disable-contrib',
        // The hotplug plugin only installs a 10-hotplug.conf that starts udevd or mdev;
        // the images have neither, and the kernel's devtmpfs populates /dev.
        '--disable-hotplug-plugin',
        // A completion file for a directory RMRF_PATHS deletes (usr/share/bash-completion).
        '--without-bash-completion-dir',
      ]),
    ],
    build: () => 'make',
    install: (ctx) => [
      `make install DESTDIR=${ctx.dirs.dest}`,
      `rm -f ${TOYBOX_OWNS.map((name) => `${ctx.dirs.dest}/usr/bin/${name}`).join(' ')}`,
      ...removeRmrfPaths(ctx.dirs.dest),
    ],
  },
});
