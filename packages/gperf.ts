/**
 * GNU gperf, the perfect hash function generator: written in C++, so it links the
 * place's libc++ (the libcxx recipe); the place's CXXFLAGS select it.
 */
import { defineRecipe } from 'rootfs-engine';
import { autotoolsPhases } from './autotools.ts';

export const gperf = defineRecipe({
  name: 'gperf',
  version: '3.2.1',
  license: 'GPL-3.0-or-later',
  description: 'perfect hash function generator',
  homepage: 'https://www.gnu.org/software/gperf/',
  source: {
    urls: ['https://ftp.gnu.org/gnu/gperf/gperf-3.2.1.tar.gz'],
    sha256: 'ed5ad317858e0a9badbbada70df40194002e16e8834ac24491307c88f96f9702',
    // Debian's orig tarball is byte-identical to the upstream release.
    debian: { package: 'gperf', version: '3.2.1-1' },
  },
  deps: ['libcxx'],
  tools: ['clang', 'make'],
  phases: {
    ...autotoolsPhases(['--disable-silent-rules']),
    check: () => 'make check',
  },
});
