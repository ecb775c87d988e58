/**
 * The C++ runtime of a place (libcxx: libc++, libc++abi, libunwind) and the C++
 * packages on it (gperf, ninja), with the host toolchain profile, for
 * every target (x86_64 and i386 on the host, aarch64 and armv7 under qemu). The runtime's cold build takes
 * several minutes on two cores, hence test/world/.
 *
 * Proves: the place's flags (CXXFLAGS + LDFLAGS, as every C++ recipe gets them)
 * link a static C++ program using iostream, exceptions and std::thread that runs
 * on the host and under qemu-user; gperf generates a working hash; our ninja 1.13
 * builds, and under the engine it draws its jobs from the engine's jobserver.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { E2E_BUILD, engine, expectOk, runIn } from '../helpers/e2e.ts';
import { makeProject, type TestProject } from '../helpers/project.ts';
import { inspectElf } from '../../sysroot/elf.ts';
import { deriveFlags, type Flags } from '../../sysroot/flags.ts';
import { TARGETS } from '../../sysroot/targets.ts';
import { findHostToolchain } from '../../sysroot/toolchain.ts';
import { peakConcurrency } from '../helpers/concurrency.ts';
import { checkGperf, checkPlace } from '../helpers/package-checks.ts';

const TRIPLES = ['x86_64-linux-musl', 'aarch64-linux-musl', 'i386-linux-musl', 'armv7-linux-musleabihf'] as const;

const CXX_PROGRAM = `
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

static int parse(const std::string &text) {
  if (text.empty()) throw std::invalid_argument("empty input");
  return std::stoi(text);
}

int main() {
  std::vector<int> results(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; i++) threads.emplace_back([&results, i] { results[i] = i * i; });
  for (auto &thread : threads) thread.join();
  int sum = 0;
  for (int value : results) sum += value;
  std::cout << "threads " << sum << std::endl;
  try {
    parse("");
  } catch (const std::exception &error) {
    std::cout << "caught " << error.what() << std::endl;
  }
  try {
    throw 42;
  } catch (int value) {
    std::cout << "int " << value + parse("1") << std::endl;
  }
  return 0;
}
`;


/** A build.ninja of `count` edges, each sleeping between a start and an end line in `log`. */
function slowBuildNinja(log: string, count: number, seconds: number): string {
  const lines = ['rule slow', `  command = echo "start $$(date +%s%N)" >> ${log}; sleep ${seconds}; echo "end $$(date +%s%N)" >> ${log}; touch $out`, ''];
  for (let i = 0; i < count; i++) lines.push(`build out${i}: slow`);
  return `${lines.join('\n')}\n`;
}

describe.sequential('host toolchain: the C++ runtime (libcxx) and the C++ packages gperf and ninja', { timeout: 90 * 60_000 }, () => {
  const work: string[] = [];
  afterAll(async () => {
    for (const dir of work) await fs.rm(dir, { recursive: true, force: true });
  });

  for (const triple of TRIPLES) {
    const target = TARGETS[triple]!;
    const out = path.join(E2E_BUILD, 'out', triple);
    const bin = (name: string): string => path.join(out, 'usr/bin', name);
    let flags: Flags;
    let binDir = '';
    let tmp = '';

    it(`${triple}: builds libcxx (static, no shared library), then gperf and ninja on it`, async () => {
      const toolchain = await findHostToolchain();
      binDir = toolchain.binDir;
      flags = deriveFlags({ target, sysroot: out, resourceDir: path.join(out, 'usr/lib/clang-resource', toolchain.major), buildType: 'Release', stage1: false });
      for (const packages of [['libcxx'], ['gperf', 'ninja']]) {
        const started = Date.now();
        const run = await engine(['run', ...packages, '--target', triple, '--toolchain', 'host'], undefined, 90 * 60_000);
        expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
        console.log(`${packages.join(', ')} for ${triple}: ${Math.round((Date.now() - started) / 1000)} s (${run.stdout.match(/\d+ built, \d+ up to date/)?.[0] ?? 'no summary'})`);
      }
      for (const file of ['usr/include/c++/v1/iostream', 'usr/include/c++/v1/__config_site', 'usr/include/c++/v1/cxxabi.h', 'usr/lib/libc++.a', 'usr/lib/libunwind.a']) {
        expect((await fs.stat(path.join(out, file))).isFile(), file).toBe(true);
      }
      for (const shared of ['libc++.so', 'libc++abi.so', 'libunwind.so', 'libc++abi.a']) {
        await expect(fs.access(path.join(out, 'usr/lib', shared)), shared).rejects.toThrow();
      }
      for (const program of ['gperf', 'ninja']) {
        const elf = await inspectElf(bin(program));
        expect(elf?.machine, program).toBe(target.elfMachine);
        expect(elf?.type, program).toBe('exec');
        expect(elf?.interpreter, program).toBeUndefined();
        expect(elf?.needed, program).toEqual([]);
      }
      tmp = await fs.mkdtemp(path.join(os.tmpdir(), `cxx-${triple}-`));
      work.push(tmp);
    });

    it(`${triple}: clang++ with the place's flags links a static program using iostream, exceptions and std::thread`, async () => {
      const source = path.join(tmp, 'hello.cc');
      const program = path.join(tmp, 'hello');
      await fs.writeFile(source, CXX_PROGRAM);
      // As autotools and CMake link C++: CXXFLAGS, then LDFLAGS.
      const compile = await execa(path.join(binDir, 'clang++'), [...flags.cxxflags, source, '-o', program, ...flags.ldflags], { reject: false });
      expect(compile.exitCode, compile.stderr).toBe(0);
      expect(compile.stderr).toBe('');
      const elf = await inspectElf(program);
      expect(elf?.machine).toBe(target.elfMachine);
      expect(elf?.interpreter).toBeUndefined();
      expect(elf?.needed).toEqual([]);
      expect(await expectOk(runIn(triple, program, []))).toBe('threads 14\ncaught empty input\nint 43');
    });

    it(`${triple}: gperf ${'3.2.1'} generates a perfect hash that a static C program looks words up with`, async () => {
      await checkGperf(checkPlace(triple, tmp));
    });

    it(`${triple}: ninja 1.13.2 builds a tiny build.ninja, and a no-op second time`, async () => {
      expect((await expectOk(runIn(triple, bin('ninja'), ['--version']))).trim()).toBe('1.13.2');
      const project = path.join(tmp, 'ninja-project');
      await fs.mkdir(project);
      await fs.writeFile(path.join(project, 'in.txt'), 'hello\n');
      await fs.writeFile(
        path.join(project, 'build.ninja'),
        ['rule upper', '  command = tr a-z A-Z < $in > $out', 'rule join', '  command = cat $in > $out', 'build up.txt: upper in.txt', 'build all.txt: join up.txt in.txt', ''].join('\n'),
      );
      const first = await expectOk(runIn(triple, bin('ninja'), ['-C', project]));
      expect(first).toMatch(/\[2\/2\]/);
      expect(await fs.readFile(path.join(project, 'all.txt'), 'utf8')).toBe('HELLO\nhello\n');
      expect(await expectOk(runIn(triple, bin('ninja'), ['-C', project]))).toMatch(/no work to do/);
    });
  }

  describe('our ninja 1.13 under the engine', () => {
    const ninja = path.join(E2E_BUILD, 'out', 'x86_64-linux-musl', 'usr/bin/ninja');
    let project: TestProject | undefined;
    afterAll(async () => {
      await project?.remove();
    });

    it('draws its jobs from the engine jobserver: never more than --jobs 2 edges at once, and 2 in parallel', async () => {
      project = await makeProject();
      const edges = 8;
      for (const name of ['pool', 'own']) {
        await project.write(`${name}/build.ninja`, slowBuildNinja(project.path(`${name}.log`), edges, 0.4));
      }
      // `pool`: as a recipe runs ninja (no -j). `own`: with -j8, which makes ninja ignore the jobserver.
      const recipes = [
        `defineRecipe({ name: 'pool', version: '1', phases: { build: () => withFifoJobserver(${JSON.stringify(`${ninja} -C ${project.path('pool')}`)}) } })`,
        `defineRecipe({ name: 'own', version: '1', deps: ['pool'], phases: { build: () => withFifoJobserver(${JSON.stringify(`${ninja} -j8 -C ${project.path('own')}`)}) } })`,
      ];
      await project.write('rootfs.config.ts', `import { defineConfig, defineRecipe, withFifoJobserver } from 'rootfs-engine';\nexport default defineConfig({ recipes: [\n  ${recipes.join(',\n  ')}\n] });\n`);
      const run = await project.cli('run', 'own', '--jobs', '2');
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
      const pool = await fs.readFile(project.path('pool.log'), 'utf8');
      expect(pool.trim().split('\n')).toHaveLength(edges * 2);
      expect(peakConcurrency(pool)).toBe(2);
      // Why recipes never pass -j to ninja: an explicit -j turns its jobserver client off.
      expect(peakConcurrency(await fs.readFile(project.path('own.log'), 'utf8'))).toBeGreaterThan(2);
    });
  });
});
