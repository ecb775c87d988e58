/**
 * The named goals of our config and `--packages`: `stage3` stands for make-rootfs's
 * whole stage-3 set, `install` for a target's image set, and `--packages` replaces
 * the goal's own set (the seed's STAGE3_PKGS= / TARGET_PKGS=) without touching the
 * stages before it. A name that is no recipe is the user's mistake: exit 2, a message.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO } from '../helpers/project.ts';

interface GraphJson {
  nodes: Array<{ id: string }>;
}

describe('stage goals and --packages', { timeout: 120_000 }, () => {
  let buildDir = '';
  beforeAll(async () => {
    buildDir = await fs.mkdtemp(path.join(os.tmpdir(), 'goals-test-'));
  });
  afterAll(async () => {
    await fs.rm(buildDir, { recursive: true, force: true });
  });

  const cli = async (...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> => {
    const result = await execa(process.execPath, [CLI, '-C', path.join(REPO, 'rootfs.config.ts'), '-B', buildDir, '--toolchain', 'host', ...args], {
      reject: false,
      stdin: 'ignore',
      env: { NO_COLOR: '1', XDG_CACHE_HOME: path.join(buildDir, '.xdg-cache') },
    });
    return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
  };
  const nodesOf = async (...args: string[]): Promise<string[]> => {
    const result = await cli('graph', ...args, '--format', 'json');
    expect(result.exitCode, result.stderr).toBe(0);
    return (JSON.parse(result.stdout) as GraphJson).nodes.map((node) => node.id).sort();
  };

  it('stage3 is the whole stage-3 set of make-rootfs, on top of stage1 and stage2', async () => {
    const nodes = await nodesOf('stage3');
    for (const name of ['bash', 'bison', 'cmake', 'curl', 'diffutils', 'flex', 'gperf', 'grep', 'libedit', 'm4', 'make', 'mawk', 'ncurses', 'ninja', 'perl', 'pkgconf', 'python', 'rsync', 'toybox', 'xz', 'meson', 'libarchive']) {
      expect(nodes, name).toContain(`${name}@stage3`);
    }
    expect(nodes).toContain('toybox@stage2');
    expect(nodes).toContain('toybox@stage1');
    expect(nodes.every((id) => /@stage[123]$/.test(id)), nodes.join(' ')).toBe(true);
  });

  it('--packages replaces what the goal\'s own stage builds and keeps the earlier stages', async () => {
    const nodes = await nodesOf('stage3', '--packages', 'make, zlib');
    const stage3 = nodes.filter((id) => id.endsWith('@stage3'));
    expect(stage3).toEqual(['compiler-rt-builtins@stage3', 'linux-headers@stage3', 'make@stage3', 'musl@stage3', 'zlib@stage3']);
    expect(nodes).toContain('toybox@stage2');
    // A package's dependencies still come with it.
    expect(await nodesOf('stage3', '--packages', 'curl')).toEqual(expect.arrayContaining(['openssl@stage3', 'zlib@stage3', 'curl@stage3']));
  });

  it('install builds the target image set, or the --packages list', async () => {
    const defaults = await nodesOf('install', '--target', 'aarch64-linux-musl');
    for (const name of ['bash', 'toybox', 'finit', 'ca-certificates']) expect(defaults).toContain(`${name}@aarch64-linux-musl`);
    const chosen = await nodesOf('install', '--target', 'aarch64-linux-musl', '--packages', 'xz');
    expect(chosen).toEqual(['compiler-rt-builtins@aarch64-linux-musl', 'linux-headers@aarch64-linux-musl', 'musl@aarch64-linux-musl', 'xz@aarch64-linux-musl']);
  });

  it('an empty list or a name that is no recipe is a usage error that says what to do', async () => {
    const empty = await cli('plan', 'stage3', '--packages', ' , ');
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toMatch(/--packages " , " names no package for the goal "stage3"\. Give a comma-separated list/);
    const typo = await cli('plan', 'stage3', '--packages', 'bash,pyhton');
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toMatch(/The goal "stage3" names "pyhton", which is not a recipe of .*rootfs\.config\.ts\. Did you mean "python"\?/);
    expect(typo.stderr).not.toMatch(/\n\s+at /);
    // On a line without a goal that reads it, --packages would do nothing: refused.
    const unused = await cli('plan', 'bash', '--packages', 'make');
    expect(unused.exitCode).toBe(2);
    expect(unused.stderr).toMatch(/--packages only changes what the goals stage1, stage2, stage3, stage4, bootstrap, install build, and this line names none of them \(bash\)/);
  });
});
