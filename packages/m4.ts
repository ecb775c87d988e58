/**
 * GNU m4, the macro processor: bison and flex run it at run time, autoconf at build time.
 */
import { defineRecipe } from 'rootfs-engine';
import { autotoolsPhases } from './autotools.ts';

export const m4 = defineRecipe({
  name: 'm4',
  version: '1.4.19',
  license: 'GPL-3.0-or-later',
  description: 'GNU m4 macro processor',
  homepage: 'https://www.gnu.org/software/m4/',
  source: {
    urls: ['https://ftp.gnu.org/gnu/m4/m4-1.4.19.tar.xz'],
    sha256: '63aede5c6d33b6d9b13511cd0be2cac046f2e70fd0a07aa9573a04a82783af96',
    // Debian's orig tarball is byte-identical to the upstream release.
    debian: { package: 'm4', version: '1.4.19-8' },
  },
  tools: ['clang', 'make'],
  phases: {
    ...autotoolsPhases([
      '--disable-silent-rules',
      // gnulib's assert module: no assertion code in the release binary (make-rootfs's choice).
      '--disable-assert',
      '--disable-nls',
    ]),
    // make-rootfs's check-m4, less checks/198.sysval: it expects `/bin/sh -c 'kill -9 $$'`
    // to say nothing on stderr, and Debian's /bin/sh (dash) prints "Killed" (the host's
    // own glibc m4 shows the same). The list is the Makefile's own glob, filtered.
    check: () => [['make', 'check', 'DOC_CHECKS=$(filter-out %/198.sysval,$(wildcard $(srcdir)/[0-9][0-9][0-9].*))']],
  },
});
