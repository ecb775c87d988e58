/**
 * One real use of each package's installed programs or libraries, for a place
 * (target triple) of the e2e build root: the package tests of every target share
 * these, so a check proves the same thing on x86_64, aarch64, i386 and armv7.
 * Each check writes its inputs into the place's work directory, under names no
 * other check uses, and runs the target's programs through runIn (natively or
 * under qemu-user).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { TARGETS, type TargetInfo } from '../../sysroot/targets.ts';
import { compileStatic, E2E_BUILD, expectOk, runIn } from './e2e.ts';

/** A target's installed tree in the e2e build root, and a scratch directory for its checks. */
export interface CheckPlace {
  triple: string;
  target: TargetInfo;
  /** The place's output tree (its sysroot): E2E_BUILD/out/<triple>. */
  out: string;
  work: string;
}

export function checkPlace(triple: string, work: string): CheckPlace {
  return { triple, target: TARGETS[triple]!, out: path.join(E2E_BUILD, 'out', triple), work };
}

function bin(place: CheckPlace, name: string): string {
  return path.join(place.out, 'usr/bin', name);
}

export async function checkM4(place: CheckPlace): Promise<void> {
  const { triple, work } = place;
  expect(await expectOk(runIn(triple, bin(place, 'm4'), ['--version']))).toContain('m4 (GNU M4) 1.4.19');
  await fs.writeFile(path.join(work, 'greet.m4'), "define(`greet', `hello, $1')dnl\ngreet(`world') eval(6*7)\n");
  expect(await expectOk(runIn(triple, bin(place, 'm4'), ['greet.m4'], { cwd: work }))).toBe('hello, world 42');
}

export async function checkBc(place: CheckPlace): Promise<void> {
  const { triple, work } = place;
  expect(await expectOk(runIn(triple, bin(place, 'bc'), ['--version']))).toContain('bc 1.07.1');
  await fs.writeFile(path.join(work, 'power.bc'), '2^100\n');
  expect((await expectOk(runIn(triple, bin(place, 'bc'), ['-q', 'power.bc'], { cwd: work }))).trim()).toBe('1267650600228229401496703205376');
  // a() comes from libmath.b, compiled into bc/libmath.h on the build machine.
  await fs.writeFile(path.join(work, 'pi.bc'), 'scale=20\n4*a(1)\n');
  expect((await expectOk(runIn(triple, bin(place, 'bc'), ['-q', '-l', 'pi.bc'], { cwd: work }))).trim()).toBe('3.14159265358979323844');
  expect((await expectOk(runIn(triple, bin(place, 'dc'), ['-e', '2 100 ^ p']))).trim()).toBe('1267650600228229401496703205376');
}

export async function checkBison(place: CheckPlace): Promise<void> {
  const { triple, work, out } = place;
  expect(await expectOk(runIn(triple, bin(place, 'bison'), ['--version']))).toContain('bison (GNU Bison) 3.8.2');
  await fs.writeFile(
    path.join(work, 'sum.y'),
    ['%{', '#include <stdio.h>', 'int yylex(void); void yyerror(const char *s);', '%}', '%token NUM', '%%', 'sum: sum NUM { $$ = $1 + $2; printf("%d\\n", $$); } | NUM ;', '%%'].join('\n'),
  );
  // Its skeletons from this place's tree (the compiled-in /usr/share/bison is the
  // target's path); m4 is the build machine's /usr/bin/m4.
  await expectOk(runIn(triple, bin(place, 'bison'), ['-d', '-o', 'sum.c', 'sum.y'], { cwd: work, env: { BISON_PKGDATADIR: path.join(out, 'usr/share/bison') } }));
  const parser = await fs.readFile(path.join(work, 'sum.c'), 'utf8');
  expect(parser).toContain('Bison implementation for Yacc-like parsers in C');
  expect(parser).toContain('yyparse (void)');
  expect(parser).toContain('{ yyval = yyvsp[-1] + yyvsp[0]; printf("%d\\n", yyval); }');
  expect(await fs.readFile(path.join(work, 'sum.h'), 'utf8')).toContain('NUM = 258');
}

export async function checkFlex(place: CheckPlace): Promise<void> {
  const { triple, work, out } = place;
  expect((await expectOk(runIn(triple, bin(place, 'flex'), ['--version']))).trim()).toBe('flex 2.6.4');
  await fs.writeFile(path.join(work, 'words.l'), '%option noyywrap\n%%\n[a-z]+ { printf("WORD(%s)", yytext); }\n%%\n');
  await expectOk(runIn(triple, bin(place, 'flex'), ['-o', 'words.c', 'words.l'], { cwd: work }));
  const scanner = await fs.readFile(path.join(work, 'words.c'), 'utf8');
  expect(scanner).toContain('#define FLEX_SCANNER');
  expect(scanner).toContain('printf("WORD(%s)", yytext);');
  expect(scanner).toMatch(/int yylex \(void\)/);
  for (const file of ['usr/lib/libfl.a', 'usr/include/FlexLexer.h']) {
    expect((await fs.stat(path.join(out, file))).isFile(), file).toBe(true);
  }
}

/** pkgconf finds zlib's .pc in the place's tree (zlib must be built there). */
export async function checkPkgconf(place: CheckPlace): Promise<void> {
  const { triple, out } = place;
  expect((await expectOk(runIn(triple, bin(place, 'pkgconf'), ['--version']))).trim()).toBe('1.8.1');
  expect(await fs.readlink(bin(place, 'pkg-config'))).toBe('pkgconf');
  const env = { PKG_CONFIG_LIBDIR: path.join(out, 'usr/lib/pkgconfig'), PKG_CONFIG_SYSROOT_DIR: out };
  expect((await expectOk(runIn(triple, bin(place, 'pkgconf'), ['--modversion', 'zlib'], { env }))).trim()).toBe('1.3.1');
  expect((await expectOk(runIn(triple, bin(place, 'pkgconf'), ['--libs', 'zlib'], { env }))).trim()).toMatch(/(^|\s)-lz$/);
  expect((await runIn(triple, bin(place, 'pkgconf'), ['--exists', 'no-such-package'], { env })).exitCode).toBe(1);
}

/** ncurses' tic compiles a terminfo entry that infocmp and tput read back. */
export async function checkNcursesPrograms(place: CheckPlace): Promise<void> {
  const { triple, work, out } = place;
  expect((await expectOk(runIn(triple, bin(place, 'tic'), ['-V']))).trim()).toBe('ncurses 6.4.20221231');
  // The installed database (compiled at install time by the build machine's tic).
  const database = { TERMINFO: path.join(out, 'usr/share/terminfo') };
  expect(await expectOk(runIn(triple, bin(place, 'infocmp'), ['-1', 'vt100'], { env: database }))).toContain('vt100|vt100-am|DEC VT100 (w/advanced video),');
  // The target tic itself compiles a new entry into a fresh database.
  await fs.writeFile(path.join(work, 'rfs.ti'), 'rfs-term|rootfs-engine test terminal,\n\tam, cols#132, lines#43,\n\tclear=\\E[H\\E[2J, bel=^G,\n');
  const own = path.join(work, 'terminfo');
  await expectOk(runIn(triple, bin(place, 'tic'), ['-x', '-o', own, 'rfs.ti'], { cwd: work }));
  const described = await expectOk(runIn(triple, bin(place, 'infocmp'), ['-1', '-A', own, 'rfs-term']));
  expect(described).toContain('rfs-term|rootfs-engine test terminal,');
  expect(described).toContain('cols#132,');
  expect((await expectOk(runIn(triple, bin(place, 'tput'), ['-T', 'rfs-term', 'lines'], { env: { TERMINFO: own } }))).trim()).toBe('43');
}

/** A static program linked against libncurses reads a terminal's capabilities. */
export async function checkNcursesLibrary(place: CheckPlace): Promise<void> {
  const { triple, work, out, target } = place;
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
}

/** A static program linked against libedit tokenizes a line and keeps history. */
export async function checkLibedit(place: CheckPlace): Promise<void> {
  const { triple, work, out, target } = place;
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
}

/** A static program calls a C function through libffi's ffi_call (int, double and long arguments). */
export async function checkLibffi(place: CheckPlace): Promise<void> {
  const { triple, work, out, target } = place;
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
}

/** mawk sums a column, and awk is its link. */
export async function checkMawk(place: CheckPlace): Promise<void> {
  const { triple, work } = place;
  expect((await expectOk(runIn(triple, bin(place, 'mawk'), ['-W', 'version']))).split('\n')[0]).toContain('mawk 1.3.4 20200120');
  await fs.writeFile(path.join(work, 'sales.txt'), 'north 10\nsouth 32\nnorth 5\n');
  const program = '{ sum[$1] += $2 } END { printf "north %d south %d of %d, %s\\n", sum["north"], sum["south"], NR, toupper(substr($1, 1, 3)) }';
  expect((await expectOk(runIn(triple, bin(place, 'awk'), [program, 'sales.txt'], { cwd: work }))).trim()).toBe('north 15 south 32 of 3, NOR');
  expect(await fs.readlink(bin(place, 'awk'))).toBe('mawk');
}

/** pcre2grep matches Perl-style patterns, with and without the JIT, which is built in. */
export async function checkPcre2(place: CheckPlace): Promise<void> {
  const { triple, work } = place;
  expect(await expectOk(runIn(triple, bin(place, 'pcre2grep'), ['--version']))).toContain('pcre2grep version 10.42');
  await fs.writeFile(path.join(work, 'log.txt'), 'id=17 user=ann\nid=x user=bob\nid=204 user=Cém\n');
  // A lookbehind and \\d, which neither POSIX grep dialect has; -o prints the match only.
  const pattern = '(?<=id=)\\d+(?= user=\\p{Lu})';
  expect(await expectOk(runIn(triple, bin(place, 'pcre2grep'), ['-o', '-u', pattern, 'log.txt'], { cwd: work }))).toBe('204');
  expect(await expectOk(runIn(triple, bin(place, 'pcre2grep'), ['--no-jit', '-c', '(?i)USER=[a-z]{3}$', 'log.txt'], { cwd: work }))).toBe('2');
  expect((await runIn(triple, bin(place, 'pcre2grep'), ['-q', 'id=\\d{4}', 'log.txt'], { cwd: work })).exitCode).toBe(1);
  // The library reports its JIT built in for this architecture (pcre2test -C
  // prints a yes/no feature as 1/0 and exits with that value).
  const jit = await runIn(triple, bin(place, 'pcre2test'), ['-C', 'jit']);
  expect([jit.stdout.trim(), jit.exitCode]).toEqual(['1', 1]);
}

/** rsync copies a directory tree locally, then only what changed (compressed with zlib). */
export async function checkRsync(place: CheckPlace): Promise<void> {
  const { triple, work } = place;
  const rsync = bin(place, 'rsync');
  expect((await expectOk(runIn(triple, rsync, ['--version']))).split('\n')[0]).toMatch(/^rsync {2}version 3\.2\.7 {2}protocol version 31$/);
  const from = path.join(work, 'from');
  const to = path.join(work, 'to');
  await fs.mkdir(path.join(from, 'sub'), { recursive: true });
  await fs.writeFile(path.join(from, 'a.txt'), 'alpha\n');
  await fs.writeFile(path.join(from, 'sub', 'b.txt'), 'beta\n'.repeat(1000));
  await fs.symlink('a.txt', path.join(from, 'link'));
  await expectOk(runIn(triple, rsync, ['-a', `${from}/`, `${to}/`]));
  expect(await fs.readFile(path.join(to, 'sub', 'b.txt'), 'utf8')).toBe('beta\n'.repeat(1000));
  expect(await fs.readlink(path.join(to, 'link'))).toBe('a.txt');
  await fs.writeFile(path.join(from, 'a.txt'), 'alpha, changed\n');
  const second = await expectOk(runIn(triple, rsync, ['-a', '-i', '-z', `${from}/`, `${to}/`]));
  // Only a.txt is transferred again (itemized as a changed file), compressed with zlib.
  expect(second.trim().split('\n')).toEqual([expect.stringMatching(/^>f\.s[t.]\.{6} a\.txt$/)]);
  expect(await fs.readFile(path.join(to, 'a.txt'), 'utf8')).toBe('alpha, changed\n');
}

/** xmlwf checks XML, and a static program parses it with libexpat. */
export async function checkExpat(place: CheckPlace): Promise<void> {
  const { triple, work, out, target } = place;
  await fs.writeFile(path.join(work, 'good.xml'), '<?xml version="1.0"?>\n<list><item n="1">one</item><item n="2">två</item></list>\n');
  await fs.writeFile(path.join(work, 'bad.xml'), '<list><item>one</list>\n');
  expect(await expectOk(runIn(triple, bin(place, 'xmlwf'), ['good.xml'], { cwd: work }))).toBe('');
  // xmlwf reports a well-formedness error on stdout (its exit status is 2 since 2.4.1).
  const bad = await runIn(triple, bin(place, 'xmlwf'), ['bad.xml'], { cwd: work });
  expect(bad.stdout).toMatch(/^bad\.xml:1:\d+: mismatched tag$/m);
  const source = path.join(work, 'count.c');
  await fs.writeFile(
    source,
    [
      '#include <stdio.h>',
      '#include <string.h>',
      '#include <expat.h>',
      'static int items, depth, deepest;',
      'static void XMLCALL start(void *data, const XML_Char *name, const XML_Char **attrs) {',
      '  (void)data; (void)attrs;',
      '  if (strcmp(name, "item") == 0) items++;',
      '  if (++depth > deepest) deepest = depth;',
      '}',
      'static void XMLCALL end(void *data, const XML_Char *name) { (void)data; (void)name; depth--; }',
      'int main(void) {',
      '  const char *doc = "<a><b><item/><item/></b><item/></a>";',
      '  XML_Parser p = XML_ParserCreate(NULL);',
      '  XML_SetElementHandler(p, start, end);',
      '  if (XML_Parse(p, doc, (int)strlen(doc), 1) != XML_STATUS_OK) return 1;',
      '  XML_ParserFree(p);',
      '  printf("%d %d %s\\n", items, deepest, XML_ExpatVersion());',
      '  return 0;',
      '}',
    ].join('\n'),
  );
  const program = await compileStatic(target, out, source, ['-lexpat']);
  expect((await expectOk(runIn(triple, program, []))).trim()).toBe('3 3 expat_2.8.3');
  expect(await fs.readFile(path.join(out, 'usr/lib/pkgconfig/expat.pc'), 'utf8')).toContain('Version: 2.8.3');
}

/** gperf generates a perfect hash that a static C program looks words up with. */
export async function checkGperf(place: CheckPlace): Promise<void> {
  const { triple, work, out, target } = place;
  expect(await expectOk(runIn(triple, bin(place, 'gperf'), ['--version']))).toMatch(/^GNU gperf 3\.2\.1$/m);
  const keywords = path.join(work, 'keywords.gperf');
  await fs.writeFile(keywords, '%%\nbreak\ncase\ncontinue\nreturn\nwhile\n%%\n');
  const generated = await expectOk(runIn(triple, bin(place, 'gperf'), ['-L', 'ANSI-C', keywords]));
  expect(generated).toContain('in_word_set');
  const source = path.join(work, 'lookup.c');
  await fs.writeFile(
    source,
    `#include <stdio.h>\n#include <string.h>\n${generated}\nint main(int argc, char **argv) { for (int i = 1; i < argc; i++) printf("%s=%d\\n", argv[i], in_word_set(argv[i], strlen(argv[i])) != 0); return 0; }\n`,
  );
  const program = await compileStatic(target, out, source, []);
  expect(await expectOk(runIn(triple, program, ['while', 'for', 'return']))).toBe('while=1\nfor=0\nreturn=1');
}
