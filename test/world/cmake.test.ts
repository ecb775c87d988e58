/**
 * CMake (issue #7), with the host toolchain profile: built fully static (with its
 * bundled third-party libraries, on the place's libc++) for x86_64-linux-musl and
 * cross for aarch64-linux-musl. Heavy (a cold build is tens of minutes on two
 * cores, after libcxx): only in `npm run test:world`.
 *
 * Proves: cmake, ctest and cpack are static executables of the right machine; the
 * installed cmake finds its modules (share/cmake, beside its bin/); on x86_64 it
 * configures a tiny C project with `-G Ninja` (the host's clang with the place's
 * flags, Debian's ninja), builds it, and its ctest runs the project's test; under
 * qemu-user (aarch64, where no compiler runs) its `-E` tools (sha256sum, tar) and
 * a `-P` script work, and it configures a language-less project for Ninja.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { E2E_BUILD, engine, expectOk, runIn } from '../helpers/e2e.ts';
import { inspectElf } from '../../sysroot/elf.ts';
import { deriveFlags } from '../../sysroot/flags.ts';
import { TARGETS } from '../../sysroot/targets.ts';
import { findHostToolchain } from '../../sysroot/toolchain.ts';

const TRIPLES = ['x86_64-linux-musl', 'aarch64-linux-musl'] as const;
const VERSION = '3.25.1';

const C_PROJECT = {
  'CMakeLists.txt': [
    'cmake_minimum_required(VERSION 3.20)',
    'project(tiny C)',
    'enable_testing()',
    'add_library(greet STATIC greet.c)',
    'add_executable(tiny main.c)',
    'target_link_libraries(tiny PRIVATE greet)',
    'add_test(NAME says_hello COMMAND tiny world)',
    'set_tests_properties(says_hello PROPERTIES PASS_REGULAR_EXPRESSION "hello, world")',
    '',
  ].join('\n'),
  'greet.c': '#include <stdio.h>\nvoid greet(const char *name) { printf("hello, %s\\n", name); }\n',
  'main.c': 'void greet(const char *name);\nint main(int argc, char **argv) { greet(argc > 1 ? argv[1] : "nobody"); return 0; }\n',
};

/** A -P script using strings, lists, math, regexes and files, with output that can be checked exactly. */
const SCRIPT = String.raw`
set(words gamma alpha beta)
list(SORT words)
list(JOIN words "," joined)
math(EXPR sum "6 * 7")
string(REGEX REPLACE "([a-z]+)-([0-9]+)" "\\2:\\1" swapped "cmake-325")
string(SHA256 digest "abc")
file(WRITE "${"$"}{OUT}/note.txt" "line one\nline two\n")
file(STRINGS "${"$"}{OUT}/note.txt" lines)
list(LENGTH lines count)
message(STATUS "script ${"$"}{joined} ${"$"}{sum} ${"$"}{swapped} ${"$"}{count} ${"$"}{digest}")
`;

describe.sequential('host toolchain: cmake, static', { timeout: 120 * 60_000 }, () => {
  const work: string[] = [];
  afterAll(async () => {
    for (const dir of work) await fs.rm(dir, { recursive: true, force: true });
  });

  for (const triple of TRIPLES) {
    const target = TARGETS[triple]!;
    const out = path.join(E2E_BUILD, 'out', triple);
    const cmake = path.join(out, 'usr/bin/cmake');
    let tmp = '';

    it(`${triple}: builds cmake ${VERSION}: cmake, ctest and cpack static, modules in share/cmake`, async () => {
      const started = Date.now();
      const run = await engine(['run', 'cmake', '--target', triple, '--toolchain', 'host'], undefined, 120 * 60_000);
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
      console.log(`cmake for ${triple}: ${Math.round((Date.now() - started) / 1000)} s (${run.stdout.match(/\d+ built, \d+ up to date/)?.[0] ?? 'no summary'})`);
      for (const program of ['cmake', 'ctest', 'cpack']) {
        const elf = await inspectElf(path.join(out, 'usr/bin', program));
        expect(elf?.machine, program).toBe(target.elfMachine);
        expect(elf?.type, program).toBe('exec');
        expect(elf?.interpreter, program).toBeUndefined();
        expect(elf?.needed, program).toEqual([]);
      }
      // No ccmake or cmake-gui (no curses, no Qt), and the modules without a version suffix.
      for (const absent of ['usr/bin/ccmake', 'usr/bin/cmake-gui']) await expect(fs.access(path.join(out, absent)), absent).rejects.toThrow();
      expect((await fs.stat(path.join(out, 'usr/share/cmake/Modules/CMakeDetermineCCompiler.cmake'))).isFile()).toBe(true);
      tmp = await fs.mkdtemp(path.join(os.tmpdir(), `cmake-${triple}-`));
      work.push(tmp);
    });

    it(`${triple}: cmake, ctest and cpack print their version`, async () => {
      expect(await expectOk(runIn(triple, cmake, ['--version']))).toMatch(new RegExp(`^cmake version ${VERSION.replaceAll('.', '\\.')}$`, 'm'));
      expect(await expectOk(runIn(triple, path.join(out, 'usr/bin/ctest'), ['--version']))).toMatch(new RegExp(`^ctest version ${VERSION.replaceAll('.', '\\.')}$`, 'm'));
      expect(await expectOk(runIn(triple, path.join(out, 'usr/bin/cpack'), ['--version']))).toMatch(new RegExp(`^cpack version ${VERSION.replaceAll('.', '\\.')}$`, 'm'));
    });

    it(`${triple}: cmake -E sha256sum and tar, and a -P script`, async () => {
      const data = path.join(tmp, 'data.txt');
      const content = 'rootfs-engine cmake\n'.repeat(500);
      await fs.writeFile(data, content);
      const sum = await expectOk(runIn(triple, cmake, ['-E', 'sha256sum', 'data.txt'], { cwd: tmp }));
      expect(sum.trim()).toBe(`${createHash('sha256').update(content).digest('hex')}  data.txt`);
      // The bundled libarchive with its zlib: a gzip tarball that GNU tar reads back.
      await expectOk(runIn(triple, cmake, ['-E', 'tar', 'czf', 'data.tar.gz', 'data.txt'], { cwd: tmp }));
      expect((await execa('tar', ['xzOf', path.join(tmp, 'data.tar.gz')])).stdout).toBe(content.trimEnd());
      expect((await expectOk(runIn(triple, cmake, ['-E', 'tar', 'tzf', 'data.tar.gz'], { cwd: tmp }))).trim()).toBe('data.txt');
      await fs.writeFile(path.join(tmp, 'script.cmake'), SCRIPT);
      const script = await expectOk(runIn(triple, cmake, [`-DOUT=${tmp}`, '-P', path.join(tmp, 'script.cmake')]));
      expect(script.trim()).toBe(`-- script alpha,beta,gamma 42 325:cmake 2 ${createHash('sha256').update('abc').digest('hex')}`);
    });

    it(`${triple}: configures a project without languages for Ninja`, async () => {
      const project = path.join(tmp, 'none');
      await fs.mkdir(project);
      await fs.writeFile(path.join(project, 'CMakeLists.txt'), 'cmake_minimum_required(VERSION 3.20)\nproject(none NONE)\nadd_custom_target(stamp ALL COMMAND ${CMAKE_COMMAND} -E touch stamp)\n');
      const configure = await expectOk(runIn(triple, cmake, ['-G', 'Ninja', '-DCMAKE_MAKE_PROGRAM=/usr/bin/ninja', '-S', project, '-B', path.join(project, 'build')]));
      expect(configure).toMatch(/-- Generating done/);
      const ninjaFile = await fs.readFile(path.join(project, 'build/build.ninja'), 'utf8');
      expect(ninjaFile).toContain('build stamp: phony CMakeFiles/stamp');
      expect(ninjaFile).toContain(`${cmake} -E touch stamp`);
    });
  }

  it('x86_64-linux-musl: configures, builds and tests a tiny C project with -G Ninja', async () => {
    const triple = 'x86_64-linux-musl';
    const out = path.join(E2E_BUILD, 'out', triple);
    const bin = (name: string): string => path.join(out, 'usr/bin', name);
    const toolchain = await findHostToolchain();
    const flags = deriveFlags({ target: TARGETS[triple]!, sysroot: out, resourceDir: path.join(out, 'usr/lib/clang-resource', toolchain.major), buildType: 'Release', stage1: false });
    const project = await fs.mkdtemp(path.join(os.tmpdir(), 'cmake-c-'));
    work.push(project);
    for (const [name, text] of Object.entries(C_PROJECT)) await fs.writeFile(path.join(project, name), text);
    const build = path.join(project, 'build');
    const configure = await expectOk(
      runIn(triple, bin('cmake'), [
        '-G', 'Ninja', '-S', project, '-B', build,
        '-DCMAKE_MAKE_PROGRAM=/usr/bin/ninja',
        `-DCMAKE_C_COMPILER=${path.join(toolchain.binDir, 'clang')}`,
        `-DCMAKE_C_FLAGS=${flags.cflags.join(' ')}`,
        `-DCMAKE_EXE_LINKER_FLAGS=${flags.ldflags.join(' ')}`,
        `-DCMAKE_AR=${path.join(toolchain.binDir, 'llvm-ar')}`,
        `-DCMAKE_RANLIB=${path.join(toolchain.binDir, 'llvm-ranlib')}`,
      ]),
    );
    expect(configure).toMatch(/-- Check for working C compiler: .*clang - skipped|-- Detecting C compiler ABI info - done/);
    expect(configure).toMatch(/-- Build files have been written to/);
    const built = await expectOk(runIn(triple, bin('cmake'), ['--build', build]));
    expect(built).toMatch(/Linking C executable tiny/);
    const tiny = path.join(build, 'tiny');
    const elf = await inspectElf(tiny);
    expect(elf?.interpreter).toBeUndefined();
    expect(await expectOk(runIn(triple, tiny, ['cmake']))).toBe('hello, cmake');
    const tested = await expectOk(runIn(triple, bin('ctest'), ['--test-dir', build]));
    expect(tested).toMatch(/100% tests passed, 0 tests failed out of 1/);
    // A second build is a no-op.
    expect(await expectOk(runIn(triple, bin('cmake'), ['--build', build]))).toMatch(/no work to do/);
  });
});
