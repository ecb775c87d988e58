/**
 * Meson itself, for the place's python (packages/meson.ts is the helper other
 * Meson recipes use, not this). Meson is pure Python: the mesonbuild package goes
 * into the target's site-packages and /usr/bin/meson is a script run by the
 * target's /usr/bin/python3. It generates for ninja (the ninja recipe), which it
 * finds on PATH (or in $NINJA) when it runs, not when it is built.
 *
 * make-rootfs ran `setup.py install` with setuptools (its own recipe). Our python
 * has neither pip nor setuptools (--without-ensurepip, and no setuptools recipe),
 * and the build machine's setuptools belongs to another Python version, so the
 * install is what setuptools would do for this package, by hand: the mesonbuild
 * tree (its package data included: setup.cfg lists only files of that tree), the
 * console script of setup.cfg's entry point `mesonbuild.mesonmain:main`. No man page
 * (make-rootfs purges /usr/share/man from every install) and no .dist-info: nothing
 * reads Meson's distribution metadata.
 *
 * The modules are byte-compiled by a python of the same version that runs on the
 * build machine (this place's own, or the build machine's place's when cross),
 * with hash-checked .pyc files: they stay valid whatever the files' mtimes become
 * in the artifact cache or an image, and the same sources give the same bytes.
 *
 * 1.0.1, not trixie's 1.7.0: trixie's (and sid's) orig tarball is not served by
 * the archive this project can reach (404), bookworm's is. 1.0.1 predates Python
 * 3.12's removal of distutils, which only its python module (`import('python')`)
 * used; the patch makes that module use sysconfig alone when distutils is missing,
 * as Meson 1.2 and later do. Nothing else of 1.0.1 uses a module Python 3.13 removed.
 */
import path from 'node:path';
import { defineRecipe } from 'rootfs-engine';
import { rootfsOf } from '../sysroot/place.ts';
import { runsNatively } from '../sysroot/run-programs.ts';
import { PYTHON_SITE_PACKAGES, pythonForBuild } from './python.ts';

const VERSION = '1.0.1';

/** The console script setuptools would write for `meson = mesonbuild.mesonmain:main`, on the target's python. */
const ENTRY_SCRIPT = ['#!/usr/bin/python3', 'import sys', 'from mesonbuild.mesonmain import main', 'sys.exit(main())', ''].join('\n');

/**
 * The part of Meson's unit tests (run_unittests.py) that `check` runs: the
 * classes that test Meson's own code (version comparison, option and machine-file
 * parsing, the TAP parser, its data tables) with no compiler. The rest configures
 * and builds the sample projects of `test cases/` with C, C++, Fortran, Rust, Vala
 * and more, which the place's static interpreter (no compilers for the build
 * machine in a cross place, minutes per class under qemu) is not set up for.
 */
export const MESON_CHECK_CLASSES = ['InternalTests', 'DataTests', 'TAPParserTests'] as const;

export const meson = defineRecipe({
  name: 'meson',
  version: VERSION,
  license: 'Apache-2.0',
  description: 'the Meson build system (meson), run by the target python, generating for ninja',
  homepage: 'https://mesonbuild.com/',
  source: {
    urls: [`https://github.com/mesonbuild/meson/releases/download/${VERSION}/meson-${VERSION}.tar.gz`],
    // Bookworm's orig tarball is byte-identical to the GitHub release (the same
    // SHA-256 as published pins of that release URL; the team's notes on Debian's origs).
    sha256: 'd926b730de6f518728cc7c57bc5e701667bae0c3522f9e369427b2cc7839d3c1',
    debian: { package: 'meson', version: '1.0.1-5' },
    patches: ['files/meson/python-module-without-distutils.patch'],
  },
  // The target's python is what runs Meson (and what `check` runs); a cross place
  // also needs the build machine's for byte-compiling.
  deps: (ctx) => [...new Set(['python', pythonForBuild(ctx).dep])],
  // run_unittests.py (check) refuses to start without a ninja on PATH.
  tools: ['ninja'],
  phases: {
    build: (ctx) => {
      const site = PYTHON_SITE_PACKAGES;
      return [
        'rm -rf mesonbuild && cp -R ' + path.join(ctx.dirs.src, 'mesonbuild') + ' mesonbuild',
        'find mesonbuild -name __pycache__ -prune -exec rm -rf {} +',
        // Single process (compileall's default -j1): its worker pool's socket, under
        // the node's deep TMPDIR, would exceed the AF_UNIX path limit (see python.ts).
        // -d: tracebacks name the installed files. PYTHONDONTWRITEBYTECODE keeps the
        // interpreter's own imports from writing into its sysroot.
        [
          'env', 'PYTHONDONTWRITEBYTECODE=1', pythonForBuild(ctx).interpreter, '-m', 'compileall', '-q',
          '--invalidation-mode', 'checked-hash', '-d', `${site}/mesonbuild`, 'mesonbuild',
        ],
        `printf '%s' '${ENTRY_SCRIPT}' > meson`,
      ];
    },
    // Meson's internal unit tests, run by the place's own python (under qemu-user
    // for a foreign target) from the source tree, where run_unittests.py is.
    check: (ctx) => {
      const { target } = rootfsOf(ctx);
      const qemu = runsNatively(target) ? [] : [target.qemuUser];
      return [
        [
          'env', 'PYTHONDONTWRITEBYTECODE=1', ...qemu, path.join(ctx.dirs.out, 'usr', 'bin', 'python3'),
          path.join(ctx.dirs.src, 'run_unittests.py'), ...MESON_CHECK_CLASSES,
        ],
      ];
    },
    install: (ctx) => [
      `mkdir -p ${ctx.dirs.dest}${PYTHON_SITE_PACKAGES}`,
      `cp -R mesonbuild ${ctx.dirs.dest}${PYTHON_SITE_PACKAGES}/`,
      `install -D -m 755 meson ${ctx.dirs.dest}/usr/bin/meson`,
    ],
  },
});
