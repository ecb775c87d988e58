import { afterAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { installExternalProject } from '../helpers/project.ts';

describe('a user project that depends on rootfs-engine by path', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('installs with npm and builds its own recipe with `npx rootfs-engine run`', async () => {
    dir = await installExternalProject();
    const env = { XDG_CACHE_HOME: path.join(dir, '.xdg-cache') };
    const run = await execa('npx', ['rootfs-engine', 'run', 'wc-lite'], { cwd: dir, reject: false, env });
    expect(run.exitCode, run.stderr).toBe(0);
    const wc = await execa(path.join(dir, 'build/out/host/usr/bin/wc-lite'), { input: 'one two\nthree\n' });
    expect(wc.stdout).toBe('2 3 14');
    const again = await execa('npx', ['rootfs-engine', 'run', 'wc-lite'], { cwd: dir, env });
    expect(again.stdout).toContain('0 built, 1 up to date');
  });
});
