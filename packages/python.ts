/**
 * CPython 3.13, one static executable with the standard library's extension
 * modules built in, and the pure-Python library in /usr/lib/python3.13.
 *
 * Built-in modules: configure is given MODULE_BUILDTYPE=static, which turns
 * Modules/Setup.stdlib's `*@MODULE_BUILDTYPE@*` line into `*static*`: every
 * module configure enables (its MODULE_<NAME>_STATE is "yes") is linked into the
 * interpreter, none is a shared object. make-rootfs (Python 3.9) copied a
 * hand-written Modules/Setup.local instead; 3.13 generates the list from what
 * configure found, so there is no Setup.local to keep in step with the release.
 * Modules whose library is missing (sqlite3, bz2, uuid, dbm, tkinter) are left
 * out. _ssl and _hashlib are built in against the openssl recipe's static
 * libssl.a and libcrypto.a; hashlib's md5, sha1, sha2, sha3 and blake2 also come
 * from the bundled HACL* code.
 *
 * Certificates: the ssl module's default verify paths are OpenSSL's (OPENSSLDIR
 * /etc/ssl: /etc/ssl/cert.pem and /etc/ssl/certs), which the ca-certificates
 * recipe fills; SSL_CERT_FILE and SSL_CERT_DIR override them.
 *
 * Cross-compiling CPython needs a Python of the same version on the build machine
 * (--with-build-python). That is this recipe built for the place whose target is
 * the build machine's own triple (x86_64-linux-musl here): a static musl binary
 * that runs on the build machine and finds its library from its own location. A
 * cross node depends on that node and configures with its interpreter.
 */
import path from 'node:path';
import { defineRecipe, type Context } from 'rootfs-engine';
import { rootfsOf } from '../sysroot/place.ts';
import { buildMachineTriple } from '../sysroot/targets.ts';
import { buildTriple, removeRmrfPaths } from './autotools.ts';

const VERSION = '3.13.5';
const MINOR = '3.13';

/** The build machine's python: the place that builds for it, and the interpreter it installs. */
const BUILD_PYTHON_PLACE = buildMachineTriple();

function isCross(ctx: Context): boolean {
  return rootfsOf(ctx).target.triple !== BUILD_PYTHON_PLACE;
}

function buildPython(ctx: Context): string {
  // Places' out trees are siblings (out/<place>), so the build machine's python is
  // found next to this place's sysroot.
  return path.join(path.dirname(ctx.dirs.out), BUILD_PYTHON_PLACE, 'usr', 'bin', `python${MINOR}`);
}

/** Where the target's interpreter finds other recipes' pure-Python packages. */
export const PYTHON_SITE_PACKAGES = `/usr/lib/python${MINOR}/site-packages`;

/**
 * A python of this recipe's version that runs on the build machine, for other
 * recipes' build steps (byte-compiling their modules for this place's python):
 * the place's own when its target is the build machine's, else the build
 * machine's place's, as for CPython's own cross build. `dep` is the node to depend on.
 */
export function pythonForBuild(ctx: Context): { dep: string; interpreter: string } {
  return isCross(ctx)
    ? { dep: `python@${BUILD_PYTHON_PLACE}`, interpreter: buildPython(ctx) }
    : { dep: 'python', interpreter: path.join(ctx.dirs.out, 'usr', 'bin', `python${MINOR}`) };
}

/**
 * What `check` runs: the test modules of the built-in extensions and the
 * interpreter's core, not the whole suite (hours under qemu). Tests that need the
 * C test modules (_testcapi, left out by --disable-test-modules) are skipped by
 * the suite itself.
 */
export const PYTHON_CHECK_TESTS = [
  'test_zlib', 'test_hashlib', 'test_json', 'test_pyexpat', 'test_xml_etree', 'test_ctypes', 'test_lzma',
  'test_decimal', 'test_struct', 'test_math', 'test_re', 'test_datetime', 'test_unicodedata', 'test_os',
] as const;

/**
 * Test cases `check` skips (regrtest's --ignore, matched against test ids), each a
 * known difference of a static musl interpreter, not a build fault (found by running
 * the list above on x86_64):
 * - ctypes cases that open libraries or look symbols up by name, or use
 *   ctypes.pythonapi: musl's static dlopen/dlsym always fail;
 * - musl's fma() returns +0.0 where the test expects -0.0 (test_fma_zero_result);
 * - musl has no locale-dependent byte case mapping (re's locale tests);
 * - musl's fpathconf() does not fail on a bad descriptor (test_fpathconf).
 */
export const PYTHON_CHECK_IGNORED = [
  'test_dlerror', 'test_python_api', 'test_values', 'test.test_ctypes.test_errno.Test.test_open',
  'test_fma_zero_result', 'test_locale_caching', 'test_locale_compiled', 'test_fpathconf',
] as const;

export const python = defineRecipe({
  name: 'python',
  version: VERSION,
  license: 'Python-2.0',
  description: 'the Python 3 interpreter and standard library',
  homepage: 'https://www.python.org/',
  source: {
    urls: [`https://www.python.org/ftp/python/${VERSION}/Python-${VERSION}.tar.xz`],
    // Debian's orig tarball is byte-identical to the upstream release: the same
    // SHA-256 as the official Docker images pin for Python-3.13.5.tar.xz.
    sha256: '93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640',
    debian: { package: 'python3.13', version: '3.13.5-2+deb13u5' },
    patches: ['files/python/ctypes-static-pythonapi.patch'],
  },
  deps: (ctx) => [
    'zlib', 'libffi', 'xz', 'ncurses', 'libedit', 'openssl',
    ...(isCross(ctx) ? [`python@${BUILD_PYTHON_PLACE}`] : []),
    // i386 aligns uint64_t to 4 bytes, so pyatomic.h's 64-bit atomics are library
    // calls there, and configure asks for -latomic (packages/libatomic.ts).
    ...(rootfsOf(ctx).target.triple.startsWith('i386-') ? ['libatomic'] : []),
  ],
  tools: ['clang', 'make', 'pkg-config'],
  phases: {
    configure: (ctx) => {
      const { target } = rootfsOf(ctx);
      const cross = isCross(ctx);
      return [
        [
          `${ctx.dirs.src}/configure`,
          // Native (the target is the build machine's): --build equal to --host keeps
          // autoconf out of cross mode, so the build runs its own ./python to freeze
          // modules and needs no other interpreter. Cross: the build machine's python.
          `--build=${cross ? buildTriple() : target.triple}`,
          `--host=${target.triple}`,
          '--prefix=/usr',
          '--disable-shared',
          '--without-ensurepip',
          // No _testcapi & co: several of them must be shared objects, and they are
          // only for CPython's own tests.
          '--disable-test-modules',
          // _decimal with the bundled libmpdec (3.13's default is a system one, which
          // no recipe builds).
          '--without-system-libmpdec',
          // The readline module on the libedit recipe; static linking needs the
          // terminal library too (libedit.pc lists it only as Libs.private).
          '--with-readline=editline',
          'LIBEDIT_LIBS=-ledit -lncurses',
          // The openssl recipe's static libraries in this place's sysroot, named
          // outright: without it configure's fallback search would try the build
          // machine's /usr (its headers, its libraries) when pkg-config fails.
          `--with-openssl=${ctx.dirs.out}/usr`,
          'MODULE_BUILDTYPE=static',
          ...(cross ? [`--with-build-python=${buildPython(ctx)}`] : []),
          // Answers configure cannot find out without running the target: Linux has
          // /dev/ptmx, no /dev/ptc; musl's getaddrinfo is fine (so IPv6 stays on).
          'ac_cv_file__dev_ptmx=yes',
          'ac_cv_file__dev_ptc=no',
          'ac_cv_buggy_getaddrinfo=no',
        ],
      ];
    },
    // LINKFORSHARED= drops -export-dynamic (make-rootfs's flag): nothing can be
    // loaded at run time to use the exported symbols. musl's default thread stack
    // (128 KiB) is too small for Python's recursion limit in threads: 1 MiB, as the seed.
    build: () => 'make LINKFORSHARED= EXTRA_CFLAGS=-DTHREAD_STACK_SIZE=0x100000',
    check: (ctx) => {
      const qemu = isCross(ctx) ? [rootfsOf(ctx).target.qemuUser] : [];
      return [[...qemu, './python', '-m', 'test', '--timeout=1800', ...PYTHON_CHECK_IGNORED.flatMap((test) => ['-i', test]), ...PYTHON_CHECK_TESTS]];
    },
    install: (ctx) => [
      // COMPILEALL_OPTS= compiles the library's .pyc files in one process: its
      // default -j0 starts a multiprocessing forkserver whose AF_UNIX socket, under
      // the node's TMPDIR deep in the build root, exceeds the 108-byte path limit
      // (make ignores the failure and installs no .pyc at all).
      `make install COMPILEALL_OPTS= LINKFORSHARED= EXTRA_CFLAGS=-DTHREAD_STACK_SIZE=0x100000 DESTDIR=${ctx.dirs.dest}`,
      `ln -sf python3 ${ctx.dirs.dest}/usr/bin/python`,
      ...removeRmrfPaths(ctx.dirs.dest),
    ],
  },
  timeout: { configure: 1800, build: 7200, check: 7200, install: 3600 },
  weight: 4,
});
