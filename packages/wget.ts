/**
 * GNU Wget, static, with the openssl recipe's TLS and the zlib recipe's
 * compression. make-rootfs's configure options, minus the ones for libraries no
 * recipe builds.
 *
 * Certificates: wget asks OpenSSL for its default locations (/etc/ssl/cert.pem,
 * /etc/ssl/certs/, or SSL_CERT_FILE); --ca-certificate names another bundle.
 */
import { defineRecipe } from 'rootfs-engine';
import { autotoolsPhases } from './autotools.ts';

export const wget = defineRecipe({
  name: 'wget',
  version: '1.25.0',
  license: 'GPL-3.0-or-later',
  description: 'GNU Wget, the non-interactive network downloader',
  homepage: 'https://www.gnu.org/software/wget/',
  source: {
    urls: ['https://ftp.gnu.org/gnu/wget/wget-1.25.0.tar.gz', 'https://ftpmirror.gnu.org/wget/wget-1.25.0.tar.gz'],
    sha256: '766e48423e79359ea31e41db9e5c289675947a7fcf2efdcedb726ac9d0da3784',
    // Debian's orig tarball is byte-identical to the upstream release (Debian ships
    // the GNU signature of it).
    debian: { package: 'wget', version: '1.25.0-2' },
  },
  deps: ['openssl', 'zlib'],
  tools: ['clang', 'make', 'pkg-config'],
  phases: {
    ...autotoolsPhases([
      '--sysconfdir=/etc',
      '--disable-silent-rules',
      // As make-rootfs: no one-time-password FTP, digest or NTLM authentication,
      // debug output, translations, IPv6, regular expressions or xattrs.
      '--disable-opie',
      '--disable-digest',
      '--disable-ntlm',
      '--disable-debug',
      '--disable-nls',
      '--disable-ipv6',
      '--disable-pcre2',
      '--disable-pcre',
      '--disable-xattr',
      // No IDN library (libidn2) in the place: no internationalised host names,
      // and so no need for libunistring (make-rootfs built the bundled copy).
      '--disable-iri',
      '--without-libpsl',
      '--with-ssl=openssl',
      '--with-openssl=yes',
      '--with-zlib',
      '--without-metalink',
      '--without-cares',
      '--without-libuuid',
    ]),
    check: () => 'make check',
  },
});
