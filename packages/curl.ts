/**
 * curl and the static libcurl.a, with the openssl recipe's TLS and the zlib
 * recipe's compression. The feature set is make-rootfs's: HTTP(S), FTP(S) and
 * file:// with authentication, no proxies, cookies or the rarer protocols.
 *
 * Certificates: curl reads /etc/ssl/cert.pem and /etc/ssl/certs/ (the openssl
 * recipe's OPENSSLDIR), where the ca-certificates recipe installs its bundle;
 * --cacert, CURL_CA_BUNDLE or SSL_CERT_FILE name another (docs/stages.md).
 */
import { defineRecipe } from 'rootfs-engine';
import { configureCommand, removeRmrfPaths, STATIC_LIBRARY_ARGS } from './autotools.ts';

export const curl = defineRecipe({
  name: 'curl',
  version: '8.14.1',
  license: 'curl',
  description: 'URL transfer tool and library (HTTP, HTTPS, FTP)',
  homepage: 'https://curl.se/',
  source: {
    urls: ['https://curl.se/download/curl-8.14.1.tar.gz', 'https://github.com/curl/curl/releases/download/curl-8_14_1/curl-8.14.1.tar.gz'],
    sha256: '6766ada7101d292b42b8b15681120acd68effa4a9660935853cf6d61f0d984d4',
    // Debian's orig tarball is byte-identical to the upstream release (Debian ships
    // curl's own signature of it).
    debian: { package: 'curl', version: '8.14.1-2+deb13u7' },
  },
  deps: ['openssl', 'zlib'],
  tools: ['clang', 'make', 'pkg-config'],
  phases: {
    configure: (ctx) => [
      configureCommand(ctx, [
        ...STATIC_LIBRARY_ARGS,
        '--disable-debug',
        '--enable-optimize',
        '--disable-curldebug',
        // As make-rootfs: the system resolver in a thread, not c-ares.
        '--disable-ares',
        '--enable-http',
        '--enable-ftp',
        '--enable-file',
        // As make-rootfs: none of the rarer protocols, no proxies.
        '--disable-ldap',
        '--disable-ldaps',
        '--disable-rtsp',
        '--disable-proxy',
        '--disable-dict',
        '--disable-telnet',
        '--disable-tftp',
        '--disable-pop3',
        '--disable-imap',
        '--disable-smb',
        '--disable-smtp',
        '--disable-gopher',
        '--disable-mqtt',
        '--disable-ipfs',
        // The built-in manual and the man pages (both generated with perl scripts).
        '--disable-manual',
        '--disable-docs',
        '--disable-libcurl-option',
        '--disable-verbose',
        '--disable-sspi',
        // make-rootfs's --disable-crypto-auth, as curl 8 spells it: only basic and
        // bearer authentication remain.
        '--disable-digest-auth',
        '--disable-kerberos-auth',
        '--disable-negotiate-auth',
        '--disable-aws',
        '--disable-ntlm',
        '--disable-tls-srp',
        '--enable-unix-sockets',
        '--disable-cookies',
        '--enable-http-auth',
        '--disable-doh',
        '--disable-mime',
        '--disable-dateparse',
        '--disable-netrc',
        '--disable-dnsshuffle',
        '--disable-alt-svc',
        // The openssl and zlib recipes' static libraries (found with pkg-config in
        // the place's sysroot), and no other TLS or compression library.
        '--with-openssl',
        '--with-zlib',
        '--without-brotli',
        '--without-zstd',
        '--with-default-ssl-backend=openssl',
        '--without-gnutls',
        '--without-mbedtls',
        '--without-wolfssl',
        '--without-bearssl',
        '--without-rustls',
        // Where the target finds certificates (the openssl recipe's OPENSSLDIR); a
        // cross build cannot probe the target for them, and must not take the build
        // machine's.
        '--with-ca-bundle=/etc/ssl/cert.pem',
        '--with-ca-path=/etc/ssl/certs',
        '--without-ca-fallback',
        '--without-libpsl',
        '--without-libssh',
        '--without-libssh2',
        '--without-librtmp',
        '--without-libidn2',
        '--without-libgsasl',
        '--without-nghttp2',
        '--without-ngtcp2',
        '--without-nghttp3',
        '--without-quiche',
        '--without-zsh-functions-dir',
        '--without-fish-functions-dir',
      ]),
    ],
    build: () => 'make',
    check: () => 'make -C tests nonflaky-test',
    install: (ctx) => [
      `make install DESTDIR=${ctx.dirs.dest}`,
      // As make-rootfs: curl-config prints the build machine's sysroot paths.
      `rm -f ${ctx.dirs.dest}/usr/bin/curl-config`,
      ...removeRmrfPaths(ctx.dirs.dest),
    ],
  },
});
