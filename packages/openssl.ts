/**
 * OpenSSL: the static libcrypto.a and libssl.a (with headers and .pc files) and the
 * `openssl` program. make-rootfs moved from LibreSSL to OpenSSL; the configure
 * options are its own, minus the ones OpenSSL 3 no longer knows (no-ssl2).
 *
 * OpenSSL's Configure is a Perl script, not autoconf: it takes CC, CFLAGS, LDFLAGS,
 * AR and RANLIB from the environment (the place's) and a target name per
 * architecture, which selects the assembler routines.
 *
 * Certificates: OPENSSLDIR is /etc/ssl, so the library looks for /etc/ssl/cert.pem
 * and /etc/ssl/certs/ (SSL_CERT_FILE and SSL_CERT_DIR override both); the
 * ca-certificates recipe installs Mozilla's CA bundle as /etc/ssl/cert.pem.
 */
import { defineRecipe, type Context } from 'rootfs-engine';
import { rootfsOf } from '../sysroot/place.ts';
import { removeRmrfPaths } from './autotools.ts';

/**
 * Configure's target for each of our targets, by the triple's architecture, and
 * for some a small target of our own (Configure's --config file) that inherits
 * OpenSSL's and changes what does not fit a static musl + clang place.
 */
interface OpensslTarget {
  name: string;
  /** Perl text of a Configure config file defining `name`. */
  config?: string;
  /** Extra -D options for Configure. */
  defines?: readonly string[];
}

/**
 * OpenSSL's 32-bit targets link with -latomic (GCC's libatomic), and Configure
 * turns linux-x86 into linux-x86-clang, which adds it too, when CC is clang. A
 * clang + compiler-rt place has no libatomic, and needs none here: for
 * -march=armv7-a and -march=pentium-m clang inlines every atomic up to 64 bits
 * (ldrexd/strexd, cmpxchg8b; libatomic is for cores before ARMv6K and i586). So
 * these are OpenSSL's targets with linux-generic32's libraries. Were a libcall
 * ever needed, the link would fail on an undefined __atomic_* symbol, not silently.
 */
function withoutLibatomic(base: string): OpensslTarget {
  const name = `${base}-no-libatomic`;
  return { name, config: `my %targets = ("${name}" => { inherit_from => [ "${base}" ], ex_libs => "-ldl -pthread" });\n` };
}

const OPENSSL_TARGETS: Readonly<Record<string, OpensslTarget>> = {
  x86_64: { name: 'linux-x86_64' },
  aarch64: { name: 'linux-aarch64' },
  // linux-armv4 is OpenSSL's one 32-bit ARM target: its assembler picks the
  // ARMv7/NEON code paths at run time, and -march=armv7-a comes from CFLAGS.
  armv7: withoutLibatomic('linux-armv4'),
  // linux-x86, not linux-generic32: its perlasm routines (AES-NI, SHA, SSE2 bignum)
  // are chosen at run time by CPUID, so a pentium-m baseline still gets them on
  // newer CPUs, where linux-generic32 would be C only. With no-shared the perlasm
  // is not PIC (absolute R_386_32 relocations), like the place's -fno-pic code.
  //
  // With threads (see ldflagsKeepingThreads), i386's lock-free checks and 64-bit
  // atomics in crypto/threads_pthread.c become __atomic_* library calls (a uint64_t
  // is only 4-byte aligned there), which need libatomic. BROKEN_CLANG_ATOMICS makes
  // OpenSSL use its mutex-based versions instead, as its own aix-clang target does
  // where libatomic is missing.
  i386: { ...withoutLibatomic('linux-x86'), defines: ['-DBROKEN_CLANG_ATOMICS'] },
};

/**
 * The place's LDFLAGS with `-static` spelled `--static` (the same clang option).
 * Configure disables threads (and PIC) when a word of LDFLAGS is exactly `-static`,
 * a guard for glibc's static pthreads; musl's are fine. Without threads, libcrypto
 * has no locking and OPENSSL_THREADS is undefined, which python's _ssl refuses.
 */
function ldflagsKeepingThreads(ctx: Context): string {
  return (ctx.env['LDFLAGS'] ?? '').split(/\s+/).map((flag) => (flag === '-static' ? '--static' : flag)).join(' ').trim();
}

function opensslTarget(ctx: Context): OpensslTarget {
  const { target } = rootfsOf(ctx);
  const arch = target.triple.split('-')[0] ?? '';
  const known = OPENSSL_TARGETS[arch];
  if (known === undefined) throw new Error(`openssl: no Configure target for ${target.triple} (known: ${Object.keys(OPENSSL_TARGETS).join(', ')})`);
  return known;
}

/**
 * Only apps/openssl: without this, the default PROGRAMS of OpenSSL 3 also links
 * its few hundred test programs against the static libraries. The check phase
 * builds them (its make has no such override).
 */
const ONLY_THE_OPENSSL_PROGRAM = 'PROGRAMS=apps/openssl';

export const openssl = defineRecipe({
  name: 'openssl',
  version: '3.5.7',
  license: 'Apache-2.0',
  description: 'TLS/SSL and cryptography library and the openssl tool',
  homepage: 'https://www.openssl.org/',
  source: {
    urls: ['https://github.com/openssl/openssl/releases/download/openssl-3.5.7/openssl-3.5.7.tar.gz', 'https://www.openssl.org/source/openssl-3.5.7.tar.gz'],
    sha256: 'a8c0d28a529ca480f9f36cf5792e2cd21984552a3c8e4aa11a24aa31aeac98e8',
    // Debian's orig tarball is the upstream release itself (Debian ships OpenSSL's
    // own signature of it, openssl_3.5.7.orig.tar.gz.asc).
    debian: { package: 'openssl', version: '3.5.7-1~deb13u2' },
  },
  tools: ['clang', 'make', 'perl'],
  phases: {
    configure: (ctx) => {
      const { name: target, config, defines = [] } = opensslTarget(ctx);
      const configFile = `${ctx.dirs.obj}/rootfs-engine-targets.conf`;
      return [
        ...(config === undefined ? [] : [`cat > ${configFile} <<'ROOTFS_ENGINE_EOF'\n${config}ROOTFS_ENGINE_EOF`]),
        [
          'env',
          `LDFLAGS=${ldflagsKeepingThreads(ctx)}`,
          'perl',
          `${ctx.dirs.src}/Configure`,
          ...(config === undefined ? [] : [`--config=${configFile}`]),
          target,
          '--prefix=/usr',
          // lib, not lib64 (linux-x86_64's default multilib suffix).
          '--libdir=lib',
          '--openssldir=/etc/ssl',
          'no-shared',
          // Static musl has no working dlopen: no loadable engines or providers
          // (implies no-module, so the legacy provider is built into libcrypto).
          'no-dso',
          'no-zlib',
          // 128-bit integer NIST curve code: x86_64 only, as in make-rootfs.
          ...(target === 'linux-x86_64' ? ['enable-ec_nistp_64_gcc_128'] : []),
          // As make-rootfs: no async jobs (musl has no makecontext), no compression,
          // and none of the rarely used or weak algorithms.
          'no-async',
          'no-comp',
          'no-idea',
          'no-mdc2',
          'no-rc5',
          'no-ec2m',
          'no-sm2',
          'no-sm4',
          'no-ssl3',
          'no-seed',
          'no-weak-ssl-ciphers',
          // The manual pages would be generated with pod2man; the image drops them anyway.
          'no-docs',
          '-Wa,--noexecstack',
          ...defines,
        ],
      ];
    },
    build: () => `make ${ONLY_THE_OPENSSL_PROGRAM}`,
    check: () => 'make test HARNESS_JOBS=2',
    install: (ctx) => [
      `make install_sw install_ssldirs ${ONLY_THE_OPENSSL_PROGRAM} DESTDIR=${ctx.dirs.dest}`,
      // c_rehash and the misc/ scripts (CA.pl, tsget.pl) are Perl, which the
      // image may not have; openssl.cnf.dist is a second copy of openssl.cnf.
      `rm -rf ${ctx.dirs.dest}/usr/bin/c_rehash ${ctx.dirs.dest}/etc/ssl/misc ${ctx.dirs.dest}/etc/ssl/openssl.cnf.dist ${ctx.dirs.dest}/etc/ssl/ct_log_list.cnf.dist`,
      ...removeRmrfPaths(ctx.dirs.dest),
    ],
  },
});
