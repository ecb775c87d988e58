/**
 * Mozilla's CA certificates (the trust store of Firefox and NSS) as one PEM
 * bundle where the openssl recipe looks for it: OPENSSLDIR is /etc/ssl, so
 * /etc/ssl/cert.pem, which libssl (and so curl, wget, git and python's ssl)
 * loads as the default CA file. /etc/ssl/certs/ca-certificates.crt, Debian's
 * name for the same bundle, is a symlink to it for programs that hard-code
 * that path.
 *
 * The source is Debian's ca-certificates package: it is Debian-native (no
 * upstream release besides Debian's own tarball), and carries mozilla/certdata.txt
 * from NSS with its converter, mozilla/certdata2pem.py. Only the certificates
 * NSS trusts to identify TLS servers (CKA_TRUST_SERVER_AUTH is
 * CKT_NSS_TRUSTED_DELEGATOR) and not on Debian's blacklist are converted, as
 * Debian's own package does. Nothing is compiled, so the bundle is the same for
 * every target and cheap to build.
 */
import { defineRecipe } from 'rootfs-engine';

const VERSION = '20250419';

/** certdata.txt's marker of a CA that NSS trusts for TLS server authentication. */
const SERVER_AUTH_TRUST = 'CKA_TRUST_SERVER_AUTH CK_TRUST CKT_NSS_TRUSTED_DELEGATOR';

export const caCertificates = defineRecipe({
  name: 'ca-certificates',
  version: VERSION,
  // The bundle is Mozilla's data (MPL-2.0); Debian's converter script is only run
  // at build time and is not installed.
  license: 'MPL-2.0',
  description: "Mozilla's trusted CA certificates as a PEM bundle (/etc/ssl/cert.pem)",
  homepage: 'https://packages.debian.org/trixie/ca-certificates',
  source: {
    // A native Debian package: its tarball in Debian's pool IS the upstream release,
    // so the SHA-256 below is both Debian's (trixie's .dsc lists it) and upstream's.
    // The apt provider only knows orig tarballs (NAME_VERSION.orig.tar.*), which a
    // native package has none of: this file comes from the URL (or distfiles).
    urls: [`https://deb.debian.org/debian/pool/main/c/ca-certificates/ca-certificates_${VERSION}.tar.xz`],
    sha256: '33b44ef78653ecd3f0f2f13e5bba6be466be2e7da72182f737912b81798ba5d2',
    debian: { package: 'ca-certificates', version: VERSION },
    // certdata2pem.py imports python3-cryptography only to warn about expired
    // certificates: without it, the converter needs nothing but python3's stdlib.
    patches: ['files/ca-certificates/certdata2pem-stdlib-only.patch'],
  },
  tools: ['python3', 'openssl'],
  phases: {
    build: (ctx) => [
      // The converter reads certdata.txt and blacklist.txt from, and writes one
      // NAME.crt per CA into, the current directory: a directory of its own.
      'rm -rf certs && mkdir certs',
      `cp ${ctx.dirs.src}/mozilla/certdata.txt ${ctx.dirs.src}/mozilla/blacklist.txt certs/`,
      `cd certs && python3 ${ctx.dirs.src}/mozilla/certdata2pem.py > ../certdata2pem.log`,
      // One bundle, in a fixed (byte) order of the names, so it is reproducible.
      `cd certs && printf '%s\\0' *.crt | LC_ALL=C sort -z | xargs -0 cat > ../cert.pem`,
    ],
    // No test suite of its own: every CA of certdata.txt that NSS trusts for TLS
    // servers is in the bundle, and each certificate is one the build machine's
    // openssl parses and accepts as a trust anchor (expiry aside: time passes).
    check: () => [
      `test "$(grep -c 'BEGIN CERTIFICATE' cert.pem)" -eq "$(grep -c '${SERVER_AUTH_TRUST}' certs/certdata.txt)"`,
      `cd certs && for crt in *.crt; do openssl verify -no_check_time -CAfile ../cert.pem "$crt" > /dev/null || exit 1; done`,
    ],
    install: (ctx) => [
      `install -D -m 644 cert.pem ${ctx.dirs.dest}/etc/ssl/cert.pem`,
      `mkdir -p ${ctx.dirs.dest}/etc/ssl/certs`,
      `ln -sf ../cert.pem ${ctx.dirs.dest}/etc/ssl/certs/ca-certificates.crt`,
    ],
  },
});
