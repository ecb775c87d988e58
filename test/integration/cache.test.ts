import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { builtNodes, CLI, makeProject, restoredNodes, snapshotTree, type TestProject } from '../helpers/project.ts';

/** The cache's action entries, by node id. */
async function entries(cacheDir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const ac = path.join(cacheDir, 'ac');
  for (const shard of await fs.readdir(ac).catch(() => [] as string[])) {
    for (const name of await fs.readdir(path.join(ac, shard))) {
      const file = path.join(ac, shard, name);
      out.set((JSON.parse(await fs.readFile(file, 'utf8')) as { id: string }).id, file);
    }
  }
  return out;
}

describe('the local artifact cache', () => {
  let project: TestProject;
  let cacheDir: string;
  beforeEach(async () => {
    project = await makeProject('basic');
    cacheDir = path.join(project.cacheHome, 'rootfs-engine', 'cache');
  });
  afterEach(async () => {
    await project.remove();
  });

  it('restores every node after clean, runs no phase, and gives byte-identical outputs', async () => {
    const first = await project.cli('run', 'all');
    expect(first.exitCode, first.stderr).toBe(0);
    expect(builtNodes(first.stdout)).toEqual(['hello@host', 'libgreet@host', 'motd@host']);
    const built = await snapshotTree(project.path('build/out'));
    expect((await entries(cacheDir)).size).toBe(3);

    expect((await project.cli('clean')).exitCode).toBe(0);
    const again = await project.cli('run', 'all');
    expect(again.exitCode, again.stderr).toBe(0);
    expect(builtNodes(again.stdout)).toEqual([]);
    expect(restoredNodes(again.stdout)).toEqual(['hello@host', 'libgreet@host', 'motd@host']);
    expect(again.stdout).toMatch(/0 built, 3 restored, 0 up to date, 0 failed/);
    expect(again.stderr).toBe('');
    // No phase ran: a phase always leaves its log file.
    await expect(fs.access(project.path('build/log'))).rejects.toThrow();
    expect(await snapshotTree(project.path('build/out'))).toEqual(built);
    expect((await execa(project.path('build/out/host/usr/bin/hello'), ['cache'])).stdout).toBe('Hello, cache!');

    // The records were written: the next run finds everything up to date.
    const third = await project.cli('run', 'all');
    expect(third.stdout).toMatch(/0 built, 3 up to date, 0 failed/);
    const why = await project.cli('why', 'hello');
    expect(why.stdout).toContain('hello@host is up to date');
  });

  it('restores the older build when a change is undone, and early cutoff still works', async () => {
    expect((await project.cli('run', 'all')).exitCode).toBe(0);
    const original = await snapshotTree(project.path('build/out'));
    await project.edit('hello/hello.c', (text) => text.replace('"world"', '"planet"'));
    const changed = await project.cli('run', 'all');
    expect(builtNodes(changed.stdout)).toEqual(['hello@host']);
    expect((await execa(project.path('build/out/host/usr/bin/hello'))).stdout).toBe('Hello, planet!');

    await project.edit('hello/hello.c', (text) => text.replace('"planet"', '"world"'));
    const back = await project.cli('run', 'all');
    expect(back.exitCode, back.stderr).toBe(0);
    expect(builtNodes(back.stdout)).toEqual([]);
    expect(restoredNodes(back.stdout)).toEqual(['hello@host']);
    expect((await execa(project.path('build/out/host/usr/bin/hello'))).stdout).toBe('Hello, world!');
    expect(await snapshotTree(project.path('build/out'))).toEqual(original);

    // A comment in libgreet: rebuilt (never cached with that key), output identical,
    // so hello stays up to date instead of being restored or rebuilt.
    await project.edit('libgreet/greet.c', (text) => `/* a comment */\n${text}`);
    const cutoff = await project.cli('run', 'all', '-v');
    expect(builtNodes(cutoff.stdout)).toEqual(['libgreet@host']);
    expect(restoredNodes(cutoff.stdout)).toEqual([]);
    expect(cutoff.stdout).toMatch(/up to date\s+hello@host/);
  });

  it('discards a corrupt blob with a warning and rebuilds the node correctly', async () => {
    expect((await project.cli('run', 'all')).exitCode).toBe(0);
    const built = await snapshotTree(project.path('build/out'));
    const entry = JSON.parse(await fs.readFile((await entries(cacheDir)).get('motd@host')!, 'utf8')) as { files: Array<{ path: string; sha256?: string }> };
    const motd = entry.files.find((f) => f.path === 'etc/motd')!;
    const blob = path.join(cacheDir, 'cas', motd.sha256!.slice(0, 2), motd.sha256!);
    await fs.chmod(blob, 0o644);
    await fs.writeFile(blob, 'poisoned\n');

    expect((await project.cli('clean')).exitCode).toBe(0);
    const run = await project.cli('run', 'all');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/warning: The cached build of motd@host is corrupt \(etc\/motd: blob [0-9a-f]{64} has other content\)/);
    expect(builtNodes(run.stdout)).toEqual(['motd@host']);
    expect(restoredNodes(run.stdout)).toEqual(['hello@host', 'libgreet@host']);
    expect(await snapshotTree(project.path('build/out'))).toEqual(built);
    expect(await project.read('build/out/host/etc/motd')).not.toContain('poisoned');

    // The rebuild stored a good entry again.
    expect((await project.cli('clean')).exitCode).toBe(0);
    const after = await project.cli('run', 'all');
    expect(restoredNodes(after.stdout)).toEqual(['hello@host', 'libgreet@host', 'motd@host']);
    expect(after.stderr).toBe('');
  });

  it('rebuilds a node whose blob is missing', async () => {
    expect((await project.cli('run', 'all')).exitCode).toBe(0);
    const entry = JSON.parse(await fs.readFile((await entries(cacheDir)).get('hello@host')!, 'utf8')) as { files: Array<{ path: string; sha256?: string }> };
    const sha = entry.files.find((f) => f.path === 'usr/bin/hello')!.sha256!;
    await fs.rm(path.join(cacheDir, 'cas', sha.slice(0, 2), sha));
    expect((await project.cli('clean')).exitCode).toBe(0);
    const run = await project.cli('run', 'all');
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toMatch(/hello@host is corrupt \(usr\/bin\/hello: its blob [0-9a-f]{64} is missing\)/);
    expect(builtNodes(run.stdout)).toEqual(['hello@host']);
    expect((await execa(project.path('build/out/host/usr/bin/hello'))).stdout).toBe('Hello, world!');
  });

  it('gc evicts the least recently used entries first, down to the size given', async () => {
    expect((await project.cli('run', 'all')).exitCode).toBe(0);
    const byId = await entries(cacheDir);
    // Make every entry old, then use hello and libgreet (a restore touches them).
    const old = new Date(Date.now() - 3 * 86400_000);
    for (const file of byId.values()) await fs.utimes(file, old, old);
    expect((await project.cli('clean')).exitCode).toBe(0);
    expect(restoredNodes((await project.cli('run', 'hello')).stdout)).toEqual(['hello@host', 'libgreet@host']);

    const stats = await project.cli('cache', 'stats');
    const total = Number(/\((\d+) bytes\)/.exec(stats.stdout)![1]);
    expect(stats.stdout).toMatch(/3 entries, 4 blobs/);
    const gc = await project.cli('cache', 'gc', '--max-size', String(total - 1));
    expect(gc.exitCode, gc.stderr).toBe(0);
    expect(gc.stdout).toMatch(/evicted 1 entry/);
    expect([...(await entries(cacheDir)).keys()].sort()).toEqual(['hello@host', 'libgreet@host']);
    const after = Number(/\((\d+) bytes\)/.exec((await project.cli('cache', 'stats')).stdout)![1]);
    expect(after).toBeLessThan(total);

    expect((await project.cli('clean')).exitCode).toBe(0);
    const run = await project.cli('run', 'all');
    expect(builtNodes(run.stdout)).toEqual(['motd@host']);
    expect(restoredNodes(run.stdout)).toEqual(['hello@host', 'libgreet@host']);
  });

  it('gc with a limit of 0 empties the cache', async () => {
    expect((await project.cli('run', 'motd')).exitCode).toBe(0);
    // Outside any project, with --cache-dir: entries are read and kept under the limit.
    const outside = await execa(process.execPath, [CLI, '--cache-dir', cacheDir, 'cache', 'gc', '--max-size', '1G'], { cwd: os.tmpdir(), reject: false });
    expect(outside.exitCode, outside.stderr).toBe(0);
    expect(outside.stdout).toMatch(/evicted 0 entries .* 1 entry left/);
    expect((await project.cli('cache', 'gc', '--max-size', '0')).stdout).toMatch(/evicted 1 entry .* -> 0 B \(limit 0 B\), 0 entries left/);
    const left = (await fs.readdir(cacheDir, { recursive: true })).filter((name) => /[0-9a-f]{64}/.test(name));
    expect(left).toEqual([]);
  });

  it('is shared by two build roots through --cache-dir, and --no-cache ignores it', async () => {
    const shared = path.join(project.dir, 'shared-cache');
    expect((await project.cli('--cache-dir', shared, 'run', 'all')).exitCode).toBe(0);
    const other = await makeProject('basic');
    try {
      const run = await other.cli('--cache-dir', shared, 'run', 'all');
      expect(run.exitCode, run.stderr).toBe(0);
      expect(restoredNodes(run.stdout)).toEqual(['hello@host', 'libgreet@host', 'motd@host']);
      expect(await snapshotTree(other.path('build/out'))).toEqual(await snapshotTree(project.path('build/out')));

      expect((await other.cli('clean')).exitCode).toBe(0);
      const uncached = await other.cli('--cache-dir', shared, '--no-cache', 'run', 'all');
      expect(builtNodes(uncached.stdout)).toEqual(['hello@host', 'libgreet@host', 'motd@host']);
    } finally {
      await other.remove();
    }
    // Nothing went to the default cache.
    expect((await entries(cacheDir)).size).toBe(0);
  });

  it('takes writes from two build roots at once', async () => {
    const shared = path.join(project.dir, 'shared-cache');
    const other = await makeProject('basic');
    try {
      const [one, two] = await Promise.all([project.cli('--cache-dir', shared, 'run', 'all'), other.cli('--cache-dir', shared, 'run', 'all')]);
      expect(one.exitCode, one.stderr).toBe(0);
      expect(two.exitCode, two.stderr).toBe(0);
      expect(one.stderr + two.stderr).toBe('');
      expect((await entries(shared)).size).toBe(3);
      expect(await fs.readdir(path.join(shared, 'tmp'))).toEqual([]);
      expect((await other.cli('clean')).exitCode).toBe(0);
      const restored = await other.cli('--cache-dir', shared, 'run', 'all');
      expect(restored.stderr).toBe('');
      expect(restoredNodes(restored.stdout)).toEqual(['hello@host', 'libgreet@host', 'motd@host']);
      expect(await snapshotTree(other.path('build/out'))).toEqual(await snapshotTree(project.path('build/out')));
    } finally {
      await other.remove();
    }
  });

  it('builds with one warning when the cache cannot be written', async () => {
    await project.write('not-a-dir', 'a file where the cache should be\n');
    const run = await project.cli('--cache-dir', project.path('not-a-dir'), 'run', 'all');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(builtNodes(run.stdout)).toEqual(['hello@host', 'libgreet@host', 'motd@host']);
    const warnings = run.stderr.split('\n').filter((line) => line.startsWith('warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/Storing \S+ in the artifact cache .*not-a-dir failed .*Nothing more is stored this run\./);
  });

  it('takes its directory from the config, and a recipe can opt out', async () => {
    await project.edit('rootfs.config.ts', (text) =>
      text
        .replace("recipes: [libgreet, hello, motd],", "recipes: [libgreet, hello, motd],\n  cache: { dir: './from-config' },")
        .replace("description: 'message of the day (data only)',", "description: 'message of the day (data only)',\n  cacheable: false,"),
    );
    expect((await project.cli('run', 'all')).exitCode).toBe(0);
    const configured = await entries(project.path('from-config'));
    expect([...configured.keys()].sort()).toEqual(['hello@host', 'libgreet@host']);
    expect((await project.cli('clean')).exitCode).toBe(0);
    const run = await project.cli('run', 'all');
    expect(builtNodes(run.stdout)).toEqual(['motd@host']);
    expect(restoredNodes(run.stdout)).toEqual(['hello@host', 'libgreet@host']);

    await project.edit('rootfs.config.ts', (text) => text.replace("cache: { dir: './from-config' }", "cache: { dir: './x', readOnly: 'yes' }"));
    const bad = await project.cli('run', 'all');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('cache.readOnly');
  });
});
