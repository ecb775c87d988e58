/**
 * rsync, the file synchronisation tool, with the zlib recipe's libz.a.
 */
import { defineRecipe } from 'rootfs-engine';
import { configureCommand, removeRmrfPaths } from './autotools.ts';

export const rsync = defineRecipe({
  name: 'rsync',
  version: '3.2.7',
  license: 'GPL-3.0-or-later',
  description: 'fast incremental file transfer',
  homepage: 'https://rsync.samba.org/',
  source: {
    urls: ['https://rsync.samba.org/ftp/rsync/src/rsync-3.2.7.tar.gz', 'https://download.samba.org/pub/rsync/src/rsync-3.2.7.tar.gz'],
    sha256: '4e7d9d3f6ed10878c58c5fb724a67dacf4b6aac7340b13e488fb2dc41346f2bb',
    // Debian's orig tarball is byte-identical to the upstream release (bookworm's;
    // trixie's 3.5.0+ds1 is a repack whose upstream hash could not be checked).
    debian: { package: 'rsync', version: '3.2.7-1+deb12u6' },
  },
  deps: ['zlib'],
  tools: ['clang', 'make'],
  phases: {
    configure: (ctx) => [
      configureCommand(ctx, [
        '--sysconfdir=/etc',
        // The rolling-checksum SIMD code is C++ (no C++ runtime in the host profile);
        // the assembler MD5 and checksum code is x86_64 only.
        '--disable-roll-simd',
        '--disable-md5-asm',
        '--disable-roll-asm',
        '--disable-debug',
        // The manual pages would need a Markdown converter (python3 + cmarkgfm).
        '--disable-md2man',
        // As make-rootfs: no IPv6, ACL or xattr support.
        '--disable-ipv6',
        '--disable-acl-support',
        '--disable-xattr-support',
        // No recipe provides these libraries yet; rsync's own MD4/MD5 are used.
        '--disable-openssl',
        '--disable-xxhash',
        '--disable-zstd',
        '--disable-lz4',
        '--with-included-popt',
        // The zlib recipe's libz.a, not the copy rsync ships.
        '--with-included-zlib=no',
        // configure cannot run its test programs when cross-compiling (and --build is
        // never --host here) and then assumes the worst. Linux's answers: link() makes a
        // hard link to a symlink or a device node itself, and mknod makes FIFOs and
        // sockets. Without them `rsync -H` copies linked symlinks apart (its own
        // testsuite's "itemize" fails).
        'rsync_cv_can_hardlink_symlink=yes',
        'rsync_cv_can_hardlink_special=yes',
        'rsync_cv_MKNOD_CREATES_FIFOS=yes',
        'rsync_cv_MKNOD_CREATES_SOCKETS=yes',
      ]),
    ],
    build: () => 'make',
    // rsync's testsuite/ (runtests.py drives the built rsync through local transfers).
    check: () => 'make check',
    install: (ctx) => [`make install DESTDIR=${ctx.dirs.dest}`, ...removeRmrfPaths(ctx.dirs.dest)],
  },
});
