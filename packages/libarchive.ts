/**
 * libarchive: the static libarchive.a (with archive.h, archive_entry.h and
 * libarchive.pc) and its programs bsdtar, bsdcpio, bsdcat and bsdunzip.
 *
 * Built with autotools, not with make-rootfs's CMake: --disable-shared gives a
 * static library only, whereas libarchive's CMake build always builds and installs
 * the shared library beside the static one.
 *
 * Compression: gzip through the zlib recipe; xz, lzma and lzip through the xz
 * recipe's liblzma; compress (.Z), uuencode and every archive format are
 * libarchive's own code. Off, each for want of a recipe here: bzip2 and zstd
 * (make-rootfs has them; archives using them need the external bzip2/zstd
 * program, which libarchive runs when it is on PATH), lz4, lzo2 and libb2. Also
 * off as in make-rootfs: a crypto library (openssl, nettle, mbedtls: mtree and
 * xar digests and AES-encrypted zip need one; the openssl recipe would make this
 * small library wait for the heaviest build of the set), xar (libxml2 or expat:
 * a macOS installer format), ACLs and extended attributes (no libacl/libattr
 * recipe; archives are made and read without them) and iconv (musl's iconv lacks
 * most legacy code pages: names are stored as the bytes they are).
 */
import { defineRecipe } from 'rootfs-engine';
import { configureCommand, removeRmrfPaths, STATIC_LIBRARY_ARGS } from './autotools.ts';

export const libarchive = defineRecipe({
  name: 'libarchive',
  version: '3.7.4',
  license: 'BSD-2-Clause AND BSD-3-Clause AND (CC0-1.0 OR OpenSSL OR Apache-2.0)',
  description: 'multi-format archive library with bsdtar, bsdcpio, bsdcat and bsdunzip',
  homepage: 'https://www.libarchive.org/',
  source: {
    urls: ['https://www.libarchive.de/downloads/libarchive-3.7.4.tar.xz', 'https://github.com/libarchive/libarchive/releases/download/v3.7.4/libarchive-3.7.4.tar.xz'],
    sha256: 'f887755c434a736a609cbd28d87ddbfbe9d6a3bb5b703c22c02f6af80a802735',
    // Debian's orig tarball is byte-identical to the upstream release (the same
    // SHA-256 as Homebrew's and Bitcoin Core's depends pin for it).
    debian: { package: 'libarchive', version: '3.7.4-4+deb13u1' },
  },
  deps: ['zlib', 'xz'],
  tools: ['clang', 'make'],
  phases: {
    configure: (ctx) => [
      configureCommand(ctx, [
        ...STATIC_LIBRARY_ARGS,
        '--with-zlib',
        '--with-lzma',
        '--without-bz2lib',
        '--without-zstd',
        '--without-lz4',
        '--without-lzo2',
        '--without-libb2',
        '--without-openssl',
        '--without-nettle',
        '--without-mbedtls',
        '--without-xml2',
        '--without-expat',
        '--without-iconv',
        '--disable-acl',
        '--disable-xattr',
        // musl's regex, never libpcre2-posix from the sysroot (make-rootfs's
        // ENABLE_PCREPOSIX=OFF): bsdtar -s and --include patterns only need POSIX regex.
        '--enable-posix-regex-lib=libc',
      ]),
    ],
    build: () => 'make',
    // The five suites (libarchive_test, bsdtar_test, bsdcpio_test, bsdcat_test,
    // bsdunzip_test), each reading its reference archives from the source tree.
    check: () => 'make check',
    install: (ctx) => [`make install DESTDIR=${ctx.dirs.dest}`, ...removeRmrfPaths(ctx.dirs.dest)],
  },
});
