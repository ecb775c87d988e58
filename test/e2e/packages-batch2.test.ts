/**
 * The second batch of issue #7 (ncurses, libedit, libffi, mawk, pcre2, rsync), with the host
 * toolchain profile: each recipe builds static for x86_64-linux-musl and
 * aarch64-linux-musl, passes the ELF check, and does real work on the host
 * (x86_64) and under qemu-user (aarch64): its programs run, and the libraries
 * link into small static programs that use them.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { E2E_BUILD, engine, scratchDir } from '../helpers/e2e.ts';
import { checkLibedit, checkLibffi, checkMawk, checkNcursesLibrary, checkNcursesPrograms, checkPcre2, checkPlace, checkRsync, type CheckPlace } from '../helpers/package-checks.ts';
import { inspectElf } from '../../sysroot/elf.ts';
import { TARGETS } from '../../sysroot/targets.ts';

const BATCH = ['ncurses', 'libedit', 'libffi', 'mawk', 'pcre2', 'rsync'] as const;
type Package = (typeof BATCH)[number];
const TRIPLES = ['x86_64-linux-musl', 'aarch64-linux-musl'] as const;

/** Programs each recipe installs (all must be static executables for the target). */
const PROGRAMS: Record<Package, readonly string[]> = {
  ncurses: ['tic', 'infocmp', 'tput', 'tset', 'toe', 'tabs'],
  libedit: [],
  libffi: [],
  mawk: ['mawk'],
  pcre2: ['pcre2grep', 'pcre2test'],
  rsync: ['rsync'],
};

describe.sequential('host toolchain: issue #7 batch 2 (ncurses, libedit, libffi, mawk, pcre2, rsync)', { timeout: 60 * 60_000 }, () => {
  for (const triple of TRIPLES) {
    const target = TARGETS[triple]!;
    const out = path.join(E2E_BUILD, 'out', triple);
    const bin = (name: string): string => path.join(out, 'usr/bin', name);
    let place: CheckPlace;
    scratchDir(`batch2-${triple}-`, (dir) => {
      place = checkPlace(triple, dir);
    });

    it(`${triple}: builds ${BATCH.join(', ')} static`, async () => {
      // toybox first, so ncurses meets the toybox that owns clear and reset.
      const toybox = await engine(['run', 'toybox', '--target', triple, '--toolchain', 'host']);
      expect(toybox.exitCode, `${toybox.stdout}\n${toybox.stderr}`).toBe(0);
      const started = Date.now();
      const run = await engine(['run', ...BATCH, '--target', triple, '--toolchain', 'host'], undefined, 60 * 60_000);
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
      console.log(`batch 2 for ${triple}: ${Math.round((Date.now() - started) / 1000)} s (${run.stdout.match(/\d+ built, \d+ up to date/)?.[0] ?? 'no summary'})`);
      for (const name of BATCH) {
        for (const program of PROGRAMS[name]) {
          const elf = await inspectElf(bin(program));
          expect(elf?.machine, program).toBe(target.elfMachine);
          expect(elf?.type, program).toBe('exec');
          expect(elf?.interpreter, program).toBeUndefined();
          expect(elf?.needed, program).toEqual([]);
        }
      }
      for (const library of ['libncurses.a', 'libform.a', 'libmenu.a', 'libpanel.a', 'libedit.a', 'libffi.a', 'libpcre2-8.a', 'libpcre2-16.a', 'libpcre2-32.a', 'libpcre2-posix.a']) {
        expect((await fs.stat(path.join(out, 'usr/lib', library))).isFile(), library).toBe(true);
      }
      for (const shared of ['libncurses.so', 'libedit.so', 'libffi.so', 'libpcre2-8.so']) {
        await expect(fs.access(path.join(out, 'usr/lib', shared)), shared).rejects.toThrow();
      }
    });

    it(`${triple}: ncurses' tic compiles a terminfo entry that infocmp and tput read back`, async () => {
      await checkNcursesPrograms(place);
    });

    it(`${triple}: a static program linked against libncurses reads a terminal's capabilities`, async () => {
      await checkNcursesLibrary(place);
    });

    it(`${triple}: a static program linked against libedit tokenizes a line and keeps history`, async () => {
      await checkLibedit(place);
    });

    it(`${triple}: a static program calls a C function through libffi's ffi_call`, async () => {
      await checkLibffi(place);
    });

    it(`${triple}: mawk sums a column`, async () => {
      await checkMawk(place);
    });
    it(`${triple}: pcre2grep matches Perl-style patterns, with and without the JIT`, async () => {
      await checkPcre2(place);
    });

    it(`${triple}: rsync copies a directory tree locally, then only what changed`, async () => {
      await checkRsync(place);
    });
  }
});
