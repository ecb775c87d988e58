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
 * recipe; archives are made and read without them) and iconv (names are kept as
 * bytes or converted by libarchive's own UTF-8/UTF-16 code; what is lost is explicit
 * conversion to or from legacy charsets: bsdtar's hdrcharset option, bsdunzip -I).
 */
import { defineRecipe } from 'rootfs-engine';
import { configureCommand, removeRmrfPaths, STATIC_LIBRARY_ARGS } from './autotools.ts';

interface CheckSuite {
  /** The test program is `<name>_test`, its test list `<dir>/test/list.h` in the object dir. */
  name: string;
  dir: string;
  /** The program under test (`-p`), for the suites of the programs. */
  program?: string;
  /** Tests left out: each fails for a feature this build leaves out. */
  skipped: readonly string[];
}

/**
 * libarchive_test's tests of names in legacy charsets (KOI8-R, CP866, CP1251, CP932,
 * EUC-JP), named one by one. With iconv off libarchive cannot convert them, and
 * musl's setlocale accepts any locale name (ru_RU.KOI8-R, ja_JP.eucJP, ...), so
 * these tests do not skip themselves as they do where the locale is missing: they
 * fail. The other 572 tests run.
 */
const CHARSET_TESTS = [
  ...['KOI8R_UTF8', 'CP1251_UTF8', 'Russian_Russia', 'EUCJP_UTF8', 'CP932_UTF8'].flatMap((c) => [`test_gnutar_filename_encoding_${c}`, `test_ustar_filename_encoding_${c}`]),
  ...['KOI8R', 'CP1251', 'EUCJP', 'CP932'].map((c) => `test_pax_filename_encoding_${c}`),
  ...['KOI8R', 'ru_RU_CP1251', 'Russian_Russia', 'EUCJP', 'CP932'].map((c) => `test_zip_filename_encoding_${c}`),
  ...['UTF8_eucJP', 'UTF8_KOI8R', 'UTF8_CP866', 'UTF8_CP932', 'CP866_CP1251_win', 'UTF8_CP1251'].flatMap((c) => [`test_read_format_cpio_filename_${c}`, `test_read_format_zip_filename_${c}`]),
  'test_read_format_gtar_filename_CP866_CP1251_win',
  'test_read_format_rar_unicode_CP932',
  'test_read_format_tar_filename',
  'test_read_format_ustar_filename',
] as const;

const CHECK_SUITES: readonly CheckSuite[] = [
  { name: 'libarchive', dir: 'libarchive', skipped: CHARSET_TESTS },
  { name: 'bsdtar', dir: 'tar', program: 'bsdtar', skipped: [] },
  { name: 'bsdcpio', dir: 'cpio', program: 'bsdcpio', skipped: [] },
  { name: 'bsdcat', dir: 'cat', program: 'bsdcat', skipped: [] },
  // test_I: `bsdunzip -I UTF-8` needs iconv; test_P: an AES-encrypted zip needs crypto.
  { name: 'bsdunzip', dir: 'unzip', program: 'bsdunzip', skipped: ['test_I', 'test_P'] },
];

/**
 * One suite run as `make check` would (its reference files from the source tree, the
 * program under test by absolute path: the tests run in their own temp dirs), but
 * with the test names given, all of list.h but the skipped ones.
 */
function suiteCommand(src: string, obj: string, suite: CheckSuite): string {
  const filter = suite.skipped.length > 0 ? ` | grep -vxF${suite.skipped.map((test) => ` -e ${test}`).join('')}` : '';
  const names = `$(sed -n 's/^DEFINE_TEST(\\(.*\\))$/\\1/p' ${suite.dir}/test/list.h${filter})`;
  const program = suite.program ? ` -p ${obj}/${suite.program}` : '';
  return `cd ${obj} && LRZIP=NOCONFIG ./${suite.name}_test${program} -r ${src}/${suite.dir}/test ${names}`;
}

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
    // SHA-256 as Homebrew's formula and other public recipes pin for that URL).
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
    check: (ctx) => [['make', ...CHECK_SUITES.map((suite) => `${suite.name}_test`)], ...CHECK_SUITES.map((suite) => suiteCommand(ctx.dirs.src, ctx.dirs.obj, suite))],
    install: (ctx) => [`make install DESTDIR=${ctx.dirs.dest}`, ...removeRmrfPaths(ctx.dirs.dest)],
  },
});
