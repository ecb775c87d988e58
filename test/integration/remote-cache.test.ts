import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { builtNodes, makeProject, restoredNodes, snapshotTree, type TestProject } from '../helpers/project.ts';
import { startCacheServer, type CacheServer } from '../helpers/cache-server.ts';

describe('the remote artifact cache (Bazel HTTP layout)', () => {
  let server: CacheServer;
  const projects: TestProject[] = [];
  const project = async (): Promise<TestProject> => {
    const made = await makeProject('basic');
    projects.push(made);
    return made;
  };
  beforeEach(async () => {
    server = await startCacheServer();
  });
  afterEach(async () => {
    await server.close();
    for (const made of projects.splice(0)) await made.remove();
  });

  it('uploads entries and blobs, and a fresh build root with an empty local cache restores from it', async () => {
    const first = await project();
    const run = await first.cli('--cache-url', server.url, 'run', 'all');
    expect(run.exitCode, run.stderr).toBe(0);
    const names = [...server.store.keys()];
    expect(names.filter((n) => n.startsWith('/ac/'))).toHaveLength(3);
    expect(names.filter((n) => n.startsWith('/cas/'))).toHaveLength(4);
    for (const name of names.filter((n) => n.startsWith('/cas/'))) {
      expect(createHash('sha256').update(server.store.get(name)!).digest('hex')).toBe(name.slice('/cas/'.length));
    }
    for (const name of names) expect(name).toMatch(/^\/(ac|cas)\/[0-9a-f]{64}$/);

    const second = await project();
    const restored = await second.cli('--cache-url', server.url, 'run', 'all');
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(restored.stderr).toBe('');
    expect(builtNodes(restored.stdout)).toEqual([]);
    expect(restoredNodes(restored.stdout, 'remote')).toEqual(['hello@host', 'libgreet@host', 'motd@host']);
    expect(await snapshotTree(second.path('build/out'))).toEqual(await snapshotTree(first.path('build/out')));
    expect((await execa(second.path('build/out/host/usr/bin/hello'), ['remote'])).stdout).toBe('Hello, remote!');

    // Copied into the local cache on the way: after clean it comes from there.
    expect((await second.cli('clean')).exitCode).toBe(0);
    const local = await second.cli('--cache-url', server.url, 'run', 'all');
    expect(restoredNodes(local.stdout, 'local')).toEqual(['hello@host', 'libgreet@host', 'motd@host']);
  });

  it('rejects wrong bytes from the server with a warning and builds locally', async () => {
    const first = await project();
    expect((await first.cli('--cache-url', server.url, 'run', 'all')).exitCode).toBe(0);
    server.tamper = true;
    const second = await project();
    const run = await second.cli('--cache-url', server.url, 'run', 'all');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/warning: The remote cache http:\/\/127\.0\.0\.1:\d+\/cache sent wrong bytes for a file of (hello|libgreet|motd)@host/);
    expect(restoredNodes(run.stdout, 'remote')).toEqual([]);
    expect(builtNodes(run.stdout)).toEqual(['hello@host', 'libgreet@host', 'motd@host']);
    expect(await snapshotTree(second.path('build/out'))).toEqual(await snapshotTree(first.path('build/out')));
    expect(await fs.readdir(second.path('.xdg-cache/rootfs-engine/cache/tmp'))).toEqual([]);
  });

  it('builds locally with one warning when the server is down', async () => {
    const url = server.url;
    await server.close();
    const first = await project();
    const run = await first.cli('--cache-url', url, 'run', 'all');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(builtNodes(run.stdout)).toEqual(['hello@host', 'libgreet@host', 'motd@host']);
    const warnings = run.stderr.split('\n').filter((line) => line.startsWith('warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/The remote cache http:\/\/127\.0\.0\.1:\d+\/cache is not usable \(ECONNREFUSED/);
    server = await startCacheServer(); // for afterEach
  });

  it('never uploads in read-only mode, but still downloads', async () => {
    const first = await project();
    const readOnly = await first.cli('--cache-url', server.url, '--cache-read-only', 'run', 'all');
    expect(readOnly.exitCode, readOnly.stderr).toBe(0);
    expect(server.requests.filter((r) => r.method === 'PUT')).toEqual([]);
    expect(server.store.size).toBe(0);

    // Upload from a writer, then a read-only client gets it.
    expect((await first.cli('clean')).exitCode).toBe(0);
    await fs.rm(first.cacheHome, { recursive: true });
    expect((await first.cli('--cache-url', server.url, 'run', 'all')).exitCode).toBe(0);
    const puts = server.requests.filter((r) => r.method === 'PUT').length;
    expect(puts).toBe(7);
    const second = await project();
    await second.edit('rootfs.config.ts', (text) => text.replace('recipes: [libgreet, hello, motd],', `recipes: [libgreet, hello, motd],\n  cache: { url: '${server.url}', readOnly: true },`));
    const run = await second.cli('run', 'all');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(restoredNodes(run.stdout, 'remote')).toEqual(['hello@host', 'libgreet@host', 'motd@host']);
    expect(server.requests.filter((r) => r.method === 'PUT').length).toBe(puts);
  });
});
