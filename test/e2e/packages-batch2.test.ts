/**
 * The second batch of issue #7 (ncurses, libedit, libffi, mawk, pcre2, rsync), with the host
 * toolchain profile: each recipe builds static for x86_64-linux-musl and
 * aarch64-linux-musl, passes the ELF check, and does real work on the host
 * (x86_64) and under qemu-user (aarch64): its programs run, and the libraries
 * link into small static programs that use them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileStatic, E2E_BUILD, engine, expectOk, runIn } from '../helpers/e2e.ts';
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
    let work = '';
    // Made before any step, so a failed build never leaves a later step writing into the
    // current directory (the repository, in a test run).
    beforeAll(async () => {
      work = await fs.mkdtemp(path.join(os.tmpdir(), `batch2-${triple}-`));
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
      expect((await expectOk(runIn(triple, bin('tic'), ['-V']))).trim()).toBe('ncurses 6.4.20221231');
      // The installed database (compiled at install time by the build machine's tic).
      const database = { TERMINFO: path.join(out, 'usr/share/terminfo') };
      expect(await expectOk(runIn(triple, bin('infocmp'), ['-1', 'vt100'], { env: database }))).toContain('vt100|vt100-am|DEC VT100 (w/advanced video),');
      // The target tic itself compiles a new entry into a fresh database.
      await fs.writeFile(path.join(work, 'rfs.ti'), 'rfs-term|rootfs-engine test terminal,\n\tam, cols#132, lines#43,\n\tclear=\\E[H\\E[2J, bel=^G,\n');
      const own = path.join(work, 'terminfo');
      await expectOk(runIn(triple, bin('tic'), ['-x', '-o', own, 'rfs.ti'], { cwd: work }));
      const described = await expectOk(runIn(triple, bin('infocmp'), ['-1', '-A', own, 'rfs-term']));
      expect(described).toContain('rfs-term|rootfs-engine test terminal,');
      expect(described).toContain('cols#132,');
      expect((await expectOk(runIn(triple, bin('tput'), ['-T', 'rfs-term', 'lines'], { env: { TERMINFO: own } }))).trim()).toBe('43');
    });

    it(`${triple}: a static program linked against libncurses reads a terminal's capabilities`, async () => {
      const source = path.join(work, 'terms.c');
      await fs.writeFile(
        source,
        [
          '#include <stdio.h>',
          '#include <curses.h>',
          '#include <term.h>',
          'int main(void) {',
          '  int err = 0;',
          '  if (setupterm("vt100", 1, &err) != OK) return 1;',
          '  printf("%d %d %s\\n", tigetnum("cols"), tigetnum("lines"), curses_version());',
          '  return 0;',
          '}',
        ].join('\n'),
      );
      const program = await compileStatic(target, out, source, ['-lncurses']);
      const stdout = await expectOk(runIn(triple, program, [], { env: { TERMINFO: path.join(out, 'usr/share/terminfo') } }));
      expect(stdout.trim()).toBe('80 24 ncurses 6.4.20221231');
    });

    it(`${triple}: a static program linked against libedit tokenizes a line and keeps history`, async () => {
      const source = path.join(work, 'edit.c');
      await fs.writeFile(
        source,
        [
          '#include <stdio.h>',
          '#include <histedit.h>',
          'int main(void) {',
          '  Tokenizer *tok = tok_init(NULL);',
          '  int argc = 0; const char **argv = NULL;',
          '  if (tok_str(tok, "cp \'a file\' \\"b c\\" d", &argc, &argv) != 0) return 1;',
          '  for (int i = 0; i < argc; i++) printf("[%s]", argv[i]);',
          '  HistEvent ev; History *h = history_init();',
          '  history(h, &ev, H_SETSIZE, 10);',
          '  history(h, &ev, H_ENTER, "first");',
          '  history(h, &ev, H_ENTER, "second");',
          '  history(h, &ev, H_GETSIZE);',
          '  int size = ev.num;',
          '  history(h, &ev, H_FIRST);',
          '  printf(" %d %s\\n", size, ev.str);',
          '  history_end(h); tok_end(tok);',
          '  return 0;',
          '}',
        ].join('\n'),
      );
      const program = await compileStatic(target, out, source, ['-ledit', '-lncurses']);
      expect((await expectOk(runIn(triple, program, []))).trim()).toBe('[cp][a file][b c][d] 2 second');
      expect(await fs.readFile(path.join(out, 'usr/lib/pkgconfig/libedit.pc'), 'utf8')).toContain('Version: 3.1');
    });

    it(`${triple}: a static program calls a C function through libffi's ffi_call`, async () => {
      const source = path.join(work, 'ffi.c');
      await fs.writeFile(
        source,
        [
          '#include <stdio.h>',
          '#include <ffi.h>',
          'static double scale(int n, double factor, long offset) { return n * factor + offset; }',
          'int main(void) {',
          '  ffi_cif cif;',
          '  ffi_type *types[3] = { &ffi_type_sint, &ffi_type_double, &ffi_type_slong };',
          '  if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 3, &ffi_type_double, types) != FFI_OK) return 1;',
          '  int n = 7; double factor = 1.5; long offset = 100;',
          '  void *values[3] = { &n, &factor, &offset };',
          '  double result = 0;',
          '  ffi_call(&cif, FFI_FN(scale), &result, values);',
          '  printf("%.1f\\n", result);',
          '  return 0;',
          '}',
        ].join('\n'),
      );
      const program = await compileStatic(target, out, source, ['-lffi']);
      expect((await expectOk(runIn(triple, program, []))).trim()).toBe('110.5');
    });

    it(`${triple}: mawk sums a column`, async () => {
      expect((await expectOk(runIn(triple, bin('mawk'), ['-W', 'version']))).split('\n')[0]).toContain('mawk 1.3.4 20200120');
      await fs.writeFile(path.join(work, 'sales.txt'), 'north 10\nsouth 32\nnorth 5\n');
      const program = '{ sum[$1] += $2 } END { printf "north %d south %d of %d, %s\\n", sum["north"], sum["south"], NR, toupper(substr($1, 1, 3)) }';
      expect((await expectOk(runIn(triple, bin('awk'), [program, 'sales.txt'], { cwd: work }))).trim()).toBe('north 15 south 32 of 3, NOR');
      expect(await fs.readlink(bin('awk'))).toBe('mawk');
    });
    it(`${triple}: pcre2grep matches Perl-style patterns, with and without the JIT`, async () => {
      expect(await expectOk(runIn(triple, bin('pcre2grep'), ['--version']))).toContain('pcre2grep version 10.42');
      await fs.writeFile(path.join(work, 'log.txt'), 'id=17 user=ann\nid=x user=bob\nid=204 user=Cém\n');
      // A lookbehind and \\d, which neither POSIX grep dialect has; -o prints the match only.
      const pattern = '(?<=id=)\\d+(?= user=\\p{Lu})';
      expect(await expectOk(runIn(triple, bin('pcre2grep'), ['-o', '-u', pattern, 'log.txt'], { cwd: work }))).toBe('204');
      expect(await expectOk(runIn(triple, bin('pcre2grep'), ['--no-jit', '-c', '(?i)USER=[a-z]{3}$', 'log.txt'], { cwd: work }))).toBe('2');
      expect((await runIn(triple, bin('pcre2grep'), ['-q', 'id=\\d{4}', 'log.txt'], { cwd: work })).exitCode).toBe(1);
      // The library reports its JIT built in for this architecture (pcre2test -C
      // prints a yes/no feature as 1/0 and exits with that value).
      const jit = await runIn(triple, bin('pcre2test'), ['-C', 'jit']);
      expect([jit.stdout.trim(), jit.exitCode]).toEqual(['1', 1]);
    });

    it(`${triple}: rsync copies a directory tree locally, then only what changed`, async () => {
      expect((await expectOk(runIn(triple, bin('rsync'), ['--version']))).split('\n')[0]).toMatch(/^rsync {2}version 3\.2\.7 {2}protocol version 31$/);
      const from = path.join(work, 'from');
      const to = path.join(work, 'to');
      await fs.mkdir(path.join(from, 'sub'), { recursive: true });
      await fs.writeFile(path.join(from, 'a.txt'), 'alpha\n');
      await fs.writeFile(path.join(from, 'sub', 'b.txt'), 'beta\n'.repeat(1000));
      await fs.symlink('a.txt', path.join(from, 'link'));
      await expectOk(runIn(triple, bin('rsync'), ['-a', `${from}/`, `${to}/`]));
      expect(await fs.readFile(path.join(to, 'sub', 'b.txt'), 'utf8')).toBe('beta\n'.repeat(1000));
      expect(await fs.readlink(path.join(to, 'link'))).toBe('a.txt');
      await fs.writeFile(path.join(from, 'a.txt'), 'alpha, changed\n');
      const second = await expectOk(runIn(triple, bin('rsync'), ['-a', '-i', '-z', `${from}/`, `${to}/`]));
      // Only a.txt is transferred again (itemized as a changed file), compressed with zlib.
      expect(second.trim().split('\n')).toEqual([expect.stringMatching(/^>f\.s[t.]\.{6} a\.txt$/)]);
      expect(await fs.readFile(path.join(to, 'a.txt'), 'utf8')).toBe('alpha, changed\n');
    });
  }
});
