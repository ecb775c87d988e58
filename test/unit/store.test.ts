import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { initHashing } from '../../engine/hash.ts';
import { scanManifest, outputHashOf } from '../../engine/store/manifest.ts';
import { buildOwnershipIndex, mergeIntoOutput } from '../../engine/store/merge.ts';
import { acquireLock } from '../../engine/store/lock.ts';
import { EngineError } from '../../engine/errors.ts';
import { REPO } from '../helpers/project.ts';

let dir: string;
beforeAll(async () => {
  await initHashing();
});
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rootfs-store-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function stage(name: string, files: Record<string, string>): Promise<string> {
  const root = path.join(dir, 'stage', name);
  for (const [rel, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    if (text.startsWith('->')) await fs.symlink(text.slice(2).trim(), path.join(root, rel));
    else await fs.writeFile(path.join(root, rel), text);
  }
  await fs.mkdir(root, { recursive: true });
  return root;
}

describe('manifests', () => {
  it('record type, mode, size, hash and link target; the output hash follows content only', async () => {
    const root = await stage('a', { 'usr/bin/tool': '#!/bin/sh\n', 'usr/bin/alias': '-> tool' });
    await fs.chmod(path.join(root, 'usr/bin/tool'), 0o755);
    const manifest = await scanManifest(root);
    expect(manifest.map((e) => [e.path, e.type])).toEqual([
      ['usr', 'dir'],
      ['usr/bin', 'dir'],
      ['usr/bin/alias', 'symlink'],
      ['usr/bin/tool', 'file'],
    ]);
    expect(manifest[3]).toMatchObject({ mode: 0o755, size: 10 });
    expect(manifest[2]).toMatchObject({ target: 'tool' });
    const later = new Date(Date.now() + 10_000);
    await fs.utimes(path.join(root, 'usr/bin/tool'), later, later);
    expect(outputHashOf(await scanManifest(root))).toBe(outputHashOf(manifest));
    await fs.chmod(path.join(root, 'usr/bin/tool'), 0o700);
    expect(outputHashOf(await scanManifest(root))).not.toBe(outputHashOf(manifest));
  });
});

describe('merging into the output tree', () => {
  it('refuses a path owned by another node and writes nothing', async () => {
    const out = path.join(dir, 'out');
    const a = await stage('a', { 'etc/conf': 'a' });
    const b = await stage('b', { 'etc/conf': 'b', 'etc/other': 'b' });
    const index = buildOwnershipIndex([]);
    await mergeIntoOutput({ nodeId: 'a@x', stagingDir: a, outDir: out, manifest: await scanManifest(a), previous: undefined, index });
    const error = await mergeIntoOutput({ nodeId: 'b@x', stagingDir: b, outDir: out, manifest: await scanManifest(b), previous: undefined, index }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('MANIFEST_CONFLICT');
    expect((error as EngineError).message).toContain('etc/conf (already installed by a@x)');
    expect(await fs.readFile(path.join(out, 'etc/conf'), 'utf8')).toBe('a');
    await expect(fs.access(path.join(out, 'etc/other'))).rejects.toThrow();
  });

  it('removes what the new manifest dropped and never writes through a symlink', async () => {
    const out = path.join(dir, 'out');
    const first = await stage('v1', { 'usr/lib/old.a': 'old', 'usr/lib/keep.a': 'keep', 'usr/share/doc/x': 'doc' });
    const index = buildOwnershipIndex([]);
    const m1 = await scanManifest(first);
    await mergeIntoOutput({ nodeId: 'p@x', stagingDir: first, outDir: out, manifest: m1, previous: undefined, index });
    // A symlink planted where the next version installs a file must be replaced, not followed.
    await fs.writeFile(path.join(dir, 'victim'), 'safe');
    await fs.rm(path.join(out, 'usr/lib/keep.a'));
    await fs.symlink(path.join(dir, 'victim'), path.join(out, 'usr/lib/keep.a'));
    const second = await stage('v2', { 'usr/lib/keep.a': 'keep2' });
    await mergeIntoOutput({ nodeId: 'p@x', stagingDir: second, outDir: out, manifest: await scanManifest(second), previous: m1, index });
    await expect(fs.access(path.join(out, 'usr/lib/old.a'))).rejects.toThrow();
    await expect(fs.access(path.join(out, 'usr/share'))).rejects.toThrow();
    expect(await fs.readFile(path.join(out, 'usr/lib/keep.a'), 'utf8')).toBe('keep2');
    expect(await fs.readFile(path.join(dir, 'victim'), 'utf8')).toBe('safe');
    expect(index.has('usr/lib/old.a')).toBe(false);
  });
});

describe('atomic state', () => {
  it('a process killed while rewriting a record leaves the old or the new record, never a torn one', async () => {
    const target = path.join(dir, 'state', 'record.json');
    const writer = execa(process.execPath, ['--import', 'tsx', path.join(REPO, 'test/helpers/state-writer.ts'), target], { cwd: REPO, reject: false });
    // Let it rewrite the record many times, then kill it without warning.
    for (let i = 0; i < 100; i += 1) {
      if (await fs.access(target).then(() => true, () => false)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300));
    writer.kill('SIGKILL');
    await writer;
    const parsed = JSON.parse(await fs.readFile(target, 'utf8')) as { n: number; payload: string };
    expect(parsed.payload).toHaveLength(200_000);
    expect(parsed.n).toBeGreaterThan(0);
  });
});

describe('the build lock', () => {
  it('names the holder, and takes over a stale lock', async () => {
    const stateDir = path.join(dir, 'state');
    await fs.mkdir(stateDir, { recursive: true });
    const holder = execa('sleep', ['30']);
    await fs.writeFile(path.join(stateDir, 'lock'), `${holder.pid}\n`);
    const error = await acquireLock(stateDir).catch((e: unknown) => e);
    holder.kill();
    await holder.catch(() => undefined);
    expect((error as EngineError).code).toBe('LOCKED');
    expect((error as EngineError).message).toContain(`pid ${holder.pid}`);
    await fs.writeFile(path.join(stateDir, 'lock'), '999999\n');
    const taken = await acquireLock(stateDir);
    expect((await fs.readFile(path.join(stateDir, 'lock'), 'utf8')).trim()).toBe(String(process.pid));
    await taken.release();
  });
});
