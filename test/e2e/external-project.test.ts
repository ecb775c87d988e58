/**
 * A user's project (fixtures/external-project) cross-compiles its own program
 * against our musl recipe, imported from 'rootfs-engine/packages', and runs it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { E2E_BUILD, engine } from '../helpers/e2e.ts';
import { installExternalProject } from '../helpers/project.ts';
import { inspectElf } from '../../sysroot/elf.ts';

describe('external project', { timeout: 30 * 60_000 }, () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('builds hello-static for aarch64 against our musl and runs it under qemu-user', async () => {
    dir = await installExternalProject();

    // Shares the end-to-end build root, so musl and friends come from earlier runs.
    const run = await engine(['run', 'hello-static', '--target', 'aarch64-linux-musl', '--toolchain', 'host'], dir);
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
    const hello = path.join(E2E_BUILD, 'out/aarch64-linux-musl/usr/bin/hello');
    const elf = await inspectElf(hello);
    expect(elf?.machineName).toBe('aarch64');
    expect(elf?.interpreter).toBeUndefined();
    expect(elf?.needed).toEqual([]);
    const out = await execa('qemu-aarch64-static', [hello]);
    expect(out.stdout).toBe('hello from aarch64, static musl');
  });
});
