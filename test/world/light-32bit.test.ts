/**
 * Issue #7's light recipes on the 32-bit targets: m4, bc, bison, flex, pkgconf,
 * mawk, ncurses, libedit, libffi, pcre2, expat, rsync and gperf for i386-linux-musl and
 * armv7-linux-musleabihf (host toolchain profile). Each builds static, passes the
 * ELF check, and does the same real work as on x86_64 and aarch64 (the checks are
 * shared: test/helpers/package-checks.ts); the libraries link into small static
 * programs that use them. i386 programs run on the host's x86_64 kernel, armv7
 * ones under qemu-arm-static. Then gperf, which is C++ and so builds the place's
 * C++ runtime (libcxx) first. Together they take longer than an e2e test may
 * (about 14 minutes for both targets' light set, cold, plus libcxx), hence
 * test/world/.
 *
 * 32-bit is where time_t and off_t size, libffi's per-architecture call
 * trampolines (x86 sysv, ARM VFP hard-float) and pcre2's JIT code generator
 * (sljit's x86-32 and 32-bit ARM back ends) differ from the 64-bit targets.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { E2E_BUILD, engine, expectStaticElf, scratchDir } from '../helpers/e2e.ts';
import {
  checkBc,
  checkBison,
  checkExpat,
  checkFlex,
  checkGperf,
  checkLibedit,
  checkLibffi,
  checkM4,
  checkMawk,
  checkNcursesLibrary,
  checkNcursesPrograms,
  checkPcre2,
  checkPkgconf,
  checkPlace,
  checkRsync,
  type CheckPlace,
} from '../helpers/package-checks.ts';
import { TARGETS } from '../../sysroot/targets.ts';

const TRIPLES = ['i386-linux-musl', 'armv7-linux-musleabihf'] as const;
const LIGHT = ['m4', 'bc', 'bison', 'flex', 'pkgconf', 'mawk', 'ncurses', 'libedit', 'libffi', 'pcre2', 'expat', 'rsync'] as const;

/** Programs the set installs (each a static executable for the target). */
const PROGRAMS = ['m4', 'bc', 'dc', 'bison', 'flex', 'pkgconf', 'mawk', 'tic', 'infocmp', 'tput', 'tset', 'toe', 'tabs', 'pcre2grep', 'pcre2test', 'xmlwf', 'rsync'];
const LIBRARIES = ['libfl.a', 'libncurses.a', 'libform.a', 'libmenu.a', 'libpanel.a', 'libedit.a', 'libffi.a', 'libpcre2-8.a', 'libpcre2-16.a', 'libpcre2-32.a', 'libpcre2-posix.a', 'libexpat.a'];
const SHARED = ['libncurses.so', 'libedit.so', 'libffi.so', 'libpcre2-8.so', 'libexpat.so'];

const CHECKS: ReadonlyArray<readonly [string, (place: CheckPlace) => Promise<void>]> = [
  ['m4 expands a macro', checkM4],
  ['bc computes 2^100 and, with its math library, pi', checkBc],
  ['bison generates a parser from a tiny grammar', checkBison],
  ['flex generates a scanner', checkFlex],
  ["pkgconf finds zlib's .pc in the sysroot", checkPkgconf],
  ['mawk sums a column', checkMawk],
  ["ncurses' tic compiles a terminfo entry that infocmp and tput read back", checkNcursesPrograms],
  ["a static program linked against libncurses reads a terminal's capabilities", checkNcursesLibrary],
  ['a static program linked against libedit tokenizes a line and keeps history', checkLibedit],
  ["a static program calls a C function through libffi's ffi_call", checkLibffi],
  ['pcre2grep matches Perl-style patterns, with and without the JIT', checkPcre2],
  ['xmlwf checks XML, and a static program parses it with libexpat', checkExpat],
  ['rsync copies a directory tree locally, then only what changed', checkRsync],
];

/** The run's summary, and each node it built with its time (the cold figures of docs/stages.md). */
function summary(stdout: string): string {
  const counts = stdout.match(/\d+ built(, \d+ restored)?, \d+ up to date/)?.[0] ?? 'no summary';
  const times = [...stdout.matchAll(/\bdone {2}(\S+)@\S+ \(([^)]+)\)/g)].map(([, name, time]) => `${name} ${time}`);
  return times.length > 0 ? `${counts}: ${times.join(', ')}` : counts;
}


describe.sequential('host toolchain: the light recipes for the 32-bit targets (issue #7)', { timeout: 120 * 60_000 }, () => {
  for (const triple of TRIPLES) {
    const target = TARGETS[triple]!;
    const out = path.join(E2E_BUILD, 'out', triple);
    let place: CheckPlace;
    scratchDir(`light-32bit-${triple}-`, (dir) => {
      place = checkPlace(triple, dir);
    });

    it(`${triple}: builds ${LIGHT.join(', ')} static`, async () => {
      // toybox first, in its own run, so ncurses meets the toybox that owns clear and reset.
      const toybox = await engine(['run', 'toybox', '--target', triple, '--toolchain', 'host']);
      expect(toybox.exitCode, `${toybox.stdout}\n${toybox.stderr}`).toBe(0);
      const started = Date.now();
      const run = await engine(['run', ...LIGHT, '--target', triple, '--toolchain', 'host'], undefined, 120 * 60_000);
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
      console.log(`light set for ${triple}: ${Math.round((Date.now() - started) / 1000)} s (${summary(run.stdout)})`);
      for (const program of PROGRAMS) await expectStaticElf(target, path.join(out, 'usr/bin', program));
      for (const library of LIBRARIES) expect((await fs.stat(path.join(out, 'usr/lib', library))).isFile(), library).toBe(true);
      for (const shared of SHARED) await expect(fs.access(path.join(out, 'usr/lib', shared)), shared).rejects.toThrow();
    });

    for (const [title, check] of CHECKS) {
      it(`${triple}: ${title}`, async () => {
        await check(place);
      });
    }

    // gperf is C++: it pulls in the place's C++ runtime (libcxx), several minutes cold.
    it(`${triple}: builds gperf static on the place's libcxx`, async () => {
      const started = Date.now();
      const run = await engine(['run', 'gperf', '--target', triple, '--toolchain', 'host'], undefined, 120 * 60_000);
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
      console.log(`gperf for ${triple}: ${Math.round((Date.now() - started) / 1000)} s (${summary(run.stdout)})`);
      await expectStaticElf(target, path.join(out, 'usr/bin/gperf'));
      expect((await fs.stat(path.join(out, 'usr/lib/libc++.a'))).isFile()).toBe(true);
    });

    it(`${triple}: gperf generates a perfect hash that a static C program looks words up with`, async () => {
      await checkGperf(place);
    });
  }
});
