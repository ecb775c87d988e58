import { describe, expect, it } from 'vitest';
import { isSpdxExpression } from '../../engine/sbom/license.ts';
import { allRecipes } from '../../packages/index.ts';

describe('SPDX license expressions', () => {
  it.each([
    'MIT',
    '0BSD',
    'GPL-2.0+',
    'GPL-2.0-only WITH Linux-syscall-note',
    'Apache-2.0 WITH LLVM-exception OR NCSA OR MIT',
    '(MIT OR Apache-2.0) AND BSD-3-Clause',
    'LicenseRef-our-own',
  ])('accepts %s', (text) => {
    expect(isSpdxExpression(text)).toBe(true);
  });

  it.each(['', 'MIT OR', 'AND MIT', '(MIT', 'MIT)', 'MIT WITH', 'GPL v2', 'MIT OR OR ISC', 'WITH Linux-syscall-note', 'MIT/X11', 'MIT and ISC'])('refuses %j', (text) => {
    expect(isSpdxExpression(text)).toBe(false);
  });
});

describe('the licenses of our recipes', () => {
  // What each upstream's license files say; `list` and `sbom` print these.
  const expected: Record<string, string> = {
    musl: 'MIT',
    'linux-headers': 'GPL-2.0-only WITH Linux-syscall-note',
    'compiler-rt-builtins': 'Apache-2.0 WITH LLVM-exception OR NCSA OR MIT',
    llvm: 'Apache-2.0 WITH LLVM-exception OR NCSA',
    toybox: '0BSD',
    bash: 'GPL-3.0-or-later',
    libuev: 'MIT',
    libite: 'MIT AND ISC',
    rootfs: 'MIT',
    zlib: 'Zlib',
    xz: '0BSD AND GPL-2.0-or-later AND LGPL-2.1-or-later',
    make: 'GPL-3.0-or-later',
    grep: 'GPL-3.0-or-later',
    m4: 'GPL-3.0-or-later',
    diffutils: 'GPL-3.0-or-later',
    bc: 'GPL-3.0-or-later',
    bison: 'GPL-3.0-or-later WITH Bison-exception-2.2',
    flex: 'BSD-3-Clause-flex',
    pkgconf: 'ISC',
    ncurses: 'X11-distribute-modifications-variant',
    libedit: 'BSD-3-Clause',
    libffi: 'MIT',
    mawk: 'GPL-2.0-only',
    pcre2: 'BSD-3-Clause WITH PCRE2-exception',
    rsync: 'GPL-3.0-or-later',
    linux: 'GPL-2.0-only',
    finit: 'MIT',
    openssl: 'Apache-2.0',
    curl: 'curl',
    expat: 'MIT',
    git: 'GPL-2.0-only',
    wget: 'GPL-3.0-or-later',
    libcxx: 'Apache-2.0 WITH LLVM-exception OR NCSA OR MIT',
    gperf: 'GPL-3.0-or-later',
    ninja: 'Apache-2.0',
    perl: 'Artistic-1.0-Perl OR GPL-1.0-or-later',
    python: 'Python-2.0',
    cmake: 'BSD-3-Clause AND BSD-2-Clause AND MIT AND curl AND Zlib AND bzip2-1.0.6 AND 0BSD',
    'ca-certificates': 'MPL-2.0',
    meson: 'Apache-2.0',
    libarchive: 'BSD-2-Clause AND BSD-3-Clause AND (CC0-1.0 OR OpenSSL OR Apache-2.0)',
    libatomic: 'Apache-2.0 WITH LLVM-exception OR NCSA OR MIT',
  };

  it('every recipe declares one, as a valid SPDX expression', () => {
    expect(Object.fromEntries(allRecipes.map((r) => [r.name, r.license]))).toEqual(expected);
    for (const recipe of allRecipes) expect(isSpdxExpression(recipe.license ?? ''), recipe.name).toBe(true);
  });
});
