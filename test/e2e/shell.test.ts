/**
 * `rootfs-engine shell`: the stage-3 tree as `/` in user namespaces (the seed's
 * `make chroot`, without sudo): the host is not visible, the tree is read-only
 * and unchanged afterwards, exit statuses come through, and a host without
 * unshare gets an error that says what to install.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { E2E_BUILD, engine, STAGE3_CI_PACKAGES } from '../helpers/e2e.ts';
import { CLI, REPO, snapshotTree } from '../helpers/project.ts';

describe.sequential('shell', { timeout: 30 * 60_000 }, () => {
  it('runs commands with the stage-3 tree as / and leaves the tree as it was', async () => {
    const build = await engine(['run', 'stage3', '--toolchain', 'host', '--packages', STAGE3_CI_PACKAGES]);
    expect(build.exitCode, `${build.stdout}\n${build.stderr}`).toBe(0);
    const tree = path.join(E2E_BUILD, 'out', 'stage3');
    const before = await snapshotTree(tree);

    const script = [
      'echo "cwd=$(pwd)"',
      'echo root= $(ls /)',
      'echo "bin=$(readlink /bin)"',
      'echo "hostname=$(cat /etc/hostname)"',
      // Nothing of the host: not its LLVM, not its C library.
      'test -e /usr/lib/llvm-19 && echo "host llvm visible"',
      'test -e /usr/lib/x86_64-linux-gnu && echo "host libc visible"',
      'touch /usr/probe 2>/dev/null && echo "usr writable"',
      'echo scratch > /tmp/scratch && echo "tmp=$(cat /tmp/scratch)"',
      'echo "sum=$((6*7))"',
      'exit 7',
    ].join('\n');
    const inside = await engine(['shell', 'stage3', '--', 'sh', '-c', script]);
    expect(inside.exitCode, inside.stderr).toBe(7);
    expect(inside.stdout).toContain('cwd=/root');
    expect(inside.stdout).toMatch(/root=.*\bbin\b.*\bdev\b.*\betc\b.*\bproc\b.*\btmp\b.*\busr\b/);
    expect(inside.stdout).toContain('bin=usr/bin');
    expect(inside.stdout).toContain('hostname=rootfs');
    expect(inside.stdout).toContain('tmp=scratch');
    expect(inside.stdout).toContain('sum=42');
    expect(inside.stdout).not.toContain('visible');
    expect(inside.stdout).not.toContain('usr writable');

    expect(await snapshotTree(tree)).toEqual(before);
  });

  it('says what to install when unshare is missing', async () => {
    // A PATH with the few tools the CLI itself needs, and no unshare.
    const bin = await fs.mkdtemp(path.join(os.tmpdir(), 'no-unshare-'));
    try {
      for (const tool of ['sh', 'env']) await fs.symlink(`/usr/bin/${tool}`, path.join(bin, tool)).catch(() => fs.symlink(`/bin/${tool}`, path.join(bin, tool)));
      const result = await execa(process.execPath, [CLI, '--build-dir', E2E_BUILD, 'shell', 'stage3', '--', 'true'], {
        cwd: REPO,
        reject: false,
        stdin: 'ignore',
        env: { PATH: bin, NO_COLOR: '1' },
        extendEnv: false,
      });
      expect(result.exitCode).not.toBe(0);
      expect(String(result.stderr)).toMatch(/unshare command is missing \(Debian package util-linux\)/);
      expect(String(result.stderr)).not.toMatch(/\n\s+at /);
    } finally {
      await fs.rm(bin, { recursive: true, force: true });
    }
  });

  it('refuses a place that is neither a stage nor a target', async () => {
    const result = await engine(['shell', 'stage9', '--', 'true']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/shell needs a stage \(stage1, stage2, stage3, stage4\) or a target/);
  });
});
