/**
 * The whole stage4 goal with the host toolchain profile (issue #4): every node
 * built inside the stage3 tree, with stage3's programs (its cmake, ninja and
 * python build the compiler-rt builtins), the host clang as its native compiler.
 * Heavy: it needs libcxx, cmake, ninja, openssl and python in stage3 first, so it
 * runs only from `npm run test:world`.
 *
 * Proves: `run stage4` builds, a second run does nothing, every installed ELF is
 * static x86_64 (the place's check, and again here), and stage4's toybox, bash and
 * make run: bash runs a script through make.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { E2E_BUILD, engine, expectOk, runIn } from '../helpers/e2e.ts';
import { inspectElf } from '../../sysroot/elf.ts';

const TRIPLE = 'x86_64-linux-musl';

describe('stage4, whole goal (host toolchain profile)', { timeout: 240 * 60_000 }, () => {
  it('builds the stage4 goal inside stage3, then has nothing to do', async () => {
    const run = await engine(['run', 'stage4', '--toolchain', 'host'], undefined, 240 * 60_000);
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
    const second = await engine(['run', 'stage4', '--toolchain', 'host']);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toMatch(/0 built/);
  });

  it("installs static x86_64 programs that run: toybox, bash, make", async () => {
    const bin = path.join(E2E_BUILD, 'out', 'stage4', 'usr', 'bin');
    for (const name of ['toybox', 'bash', 'make']) {
      const elf = await inspectElf(path.join(bin, name));
      expect(elf?.machineName, name).toBe('x86_64');
      expect(elf?.interpreter, name).toBeUndefined();
      expect(elf?.needed, name).toEqual([]);
    }
    // The builtins stage4 built with stage3's cmake, ninja and python.
    await fs.access(path.join(E2E_BUILD, 'out', 'stage4', 'usr', 'lib', 'clang-resource', '19', 'lib', 'linux', 'libclang_rt.builtins-x86_64.a'));

    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'rootfs-stage4-'));
    try {
      await fs.writeFile(path.join(work, 'Makefile'), `all:\n\t${path.join(bin, 'bash')} -c 'for i in 1 2 3; do printf "%s" $$i; done; echo'\n`);
      const made = await expectOk(runIn(TRIPLE, path.join(bin, 'make'), ['-s', '-C', work]));
      expect(made.trim()).toBe('123');
      expect(await expectOk(runIn(TRIPLE, path.join(bin, 'toybox'), ['echo', 'stage4-toybox']))).toBe('stage4-toybox');
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  });
});
