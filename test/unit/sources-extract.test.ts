import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEngineError } from '../../engine/errors.ts';
import { archiveTopDir, extractArchive } from '../../engine/sources/index.ts';
import { COMPRESSIONS, compress, listTree, makeTar, makeZip, tempDir, type Compression, type TarEntrySpec, type ZipEntrySpec } from './sources-helpers.ts';

let root: string;
/** A directory outside the destination that hostile archives aim at. */
let outside: string;

beforeAll(async () => {
  root = await tempDir();
  outside = path.join(root, 'outside');
  await fs.mkdir(outside);
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const good: TarEntrySpec[] = [
  { path: 'pkg-1.0/' },
  { path: 'pkg-1.0/configure', body: '#!/bin/sh\necho hi\n', mode: 0o755, mtime: new Date('2020-05-06T07:08:09Z') },
  { path: 'pkg-1.0/src/' },
  { path: 'pkg-1.0/src/main.c', body: 'int main(void){return 0;}\n' },
  { path: 'pkg-1.0/src/link.c', type: 'SymbolicLink', linkpath: 'main.c' },
  { path: 'pkg-1.0/up', type: 'SymbolicLink', linkpath: 'src/../configure' },
  { path: 'pkg-1.0/hard.c', type: 'Link', linkpath: 'pkg-1.0/src/main.c' },
  { path: 'pkg-1.0/suid', body: 'x', mode: 0o4755 },
];

async function writeArchive(name: string, data: Buffer): Promise<string> {
  const file = path.join(root, name);
  await fs.writeFile(file, data);
  return file;
}

describe('extractArchive: good archives', () => {
  for (const how of COMPRESSIONS) {
    it(`extracts tar.${how} with strip 1, keeping modes, mtimes and links`, async () => {
      const archive = await writeArchive(`good.tar.${how}`, compress(makeTar(good), how));
      const dest = path.join(root, `good-${how}`);
      const tmp = path.join(root, `tmp-good-${how}`);
      const r = await extractArchive(archive, dest, { tmpDir: tmp });
      expect(r.topDir).toBe('pkg-1.0');
      expect(await listTree(dest)).toEqual(['configure', 'hard.c', 'src', 'src/link.c', 'src/main.c', 'suid', 'up']);
      const st = await fs.stat(path.join(dest, 'configure'));
      expect(st.mode & 0o777).toBe(0o755);
      expect(st.mtime.toISOString()).toBe('2020-05-06T07:08:09.000Z');
      expect(await fs.readlink(path.join(dest, 'src/link.c'))).toBe('main.c');
      expect((await fs.stat(path.join(dest, 'hard.c'))).ino).toBe((await fs.stat(path.join(dest, 'src/main.c'))).ino);
      expect((await fs.stat(path.join(dest, 'suid'))).mode & 0o7000).toBe(0);
      expect(await fs.readdir(tmp)).toEqual([]);
    });
  }

  it('extracts a plain tar with strip 0 and reports no topDir for several top entries', async () => {
    const archive = await writeArchive('flat.tar', makeTar([{ path: 'a', body: '1' }, { path: 'b/c', body: '2' }]));
    const dest = path.join(root, 'flat');
    const r = await extractArchive(archive, dest, { strip: 0, tmpDir: path.join(root, 'tmp-flat') });
    expect(r.topDir).toBeUndefined();
    expect(await listTree(dest)).toEqual(['a', 'b', 'b/c']);
  });

  it('extracts a zip with strip 1', async () => {
    const archive = await writeArchive('good.zip', makeZip([
      { name: 'z-1/' },
      { name: 'z-1/a.txt', body: 'hello' },
      { name: 'z-1/run.sh', body: '#!/bin/sh\n', mode: 0o755 },
      { name: 'z-1/l', symlinkTo: 'a.txt' },
    ]));
    const dest = path.join(root, 'zip-good');
    const r = await extractArchive(archive, dest, { tmpDir: path.join(root, 'tmp-zip-good') });
    expect(r.topDir).toBe('z-1');
    expect(await listTree(dest)).toEqual(['a.txt', 'l', 'run.sh']);
    expect(await fs.readFile(path.join(dest, 'a.txt'), 'utf8')).toBe('hello');
    expect(await fs.readlink(path.join(dest, 'l'))).toBe('a.txt');
  });

  it('reports the top directory of an archive without extracting', async () => {
    const archive = await writeArchive('top.tar.xz', compress(makeTar(good), 'xz'));
    expect(await archiveTopDir(archive)).toBe('pkg-1.0');
  });

  it('refuses what is not an archive, and a non-empty destination', async () => {
    const html = await writeArchive('page.tar.gz', Buffer.from('<html>moved</html>'));
    await expect(extractArchive(html, path.join(root, 'x'), { tmpDir: path.join(root, 'tmp-x') })).rejects.toMatchObject({ code: 'UNSUPPORTED_ARCHIVE' });
    const archive = await writeArchive('g2.tar.gz', compress(makeTar(good), 'gz'));
    const dest = path.join(root, 'nonempty');
    await fs.mkdir(dest);
    await fs.writeFile(path.join(dest, 'f'), '');
    await expect(extractArchive(archive, dest, { tmpDir: path.join(root, 'tmp-x') })).rejects.toMatchObject({ code: 'EXTRACT_FAILED' });
  });

  it('names the apt package when a host decompressor is missing', async () => {
    const archive = await writeArchive('tool.tar.xz', compress(makeTar(good), 'xz'));
    const emptyBin = path.join(root, 'empty-bin');
    await fs.mkdir(emptyBin, { recursive: true });
    const saved = process.env.PATH;
    process.env.PATH = emptyBin;
    try {
      const err = await extractArchive(archive, path.join(root, 'tool'), { tmpDir: path.join(root, 'tmp-tool') }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'MISSING_TOOL' });
      expect((err as Error).message).toContain('apt-get install xz-utils');
    } finally {
      process.env.PATH = saved;
    }
    expect(await fs.readdir(path.join(root, 'tmp-tool'))).toEqual([]);
  });

  it('fails cleanly on a corrupt compressed stream', async () => {
    const data = compress(makeTar(good), 'xz');
    const archive = await writeArchive('corrupt.tar.xz', Buffer.concat([data.subarray(0, 60), Buffer.alloc(200, 7)]));
    const tmp = path.join(root, 'tmp-corrupt');
    const dest = path.join(root, 'corrupt');
    await expect(extractArchive(archive, dest, { tmpDir: tmp })).rejects.toMatchObject({ code: 'EXTRACT_FAILED' });
    expect(await fs.readdir(tmp)).toEqual([]);
    await expect(fs.access(dest)).rejects.toThrow();
  });
});

/** One archive per way of escaping; `outside` is filled in per test. */
function hostileTars(out: string): Record<string, TarEntrySpec[]> {
  const p = (e: TarEntrySpec[]) => [{ path: 'pkg/' }, { path: 'pkg/ok.c', body: 'ok' }, ...e];
  return {
    'absolute path': p([{ path: `${out}/abs-pwned`, body: 'x' }]),
    'dot-dot component': p([{ path: `pkg/../../../../../../../../..${out}/dotdot-pwned`, body: 'x' }]),
    'symlink to an absolute dir, then a write through it': p([
      { path: 'pkg/evil', type: 'SymbolicLink', linkpath: out },
      { path: 'pkg/evil/symlink-pwned', body: 'x' },
    ]),
    'symlink escaping with ..': p([
      { path: 'pkg/evil', type: 'SymbolicLink', linkpath: '../../../../../../../../../..' + out },
      { path: 'pkg/evil/rel-pwned', body: 'x' },
    ]),
    'symlink chain escaping only through another symlink': p([
      { path: 'pkg/d/' },
      { path: 'pkg/d/up', type: 'SymbolicLink', linkpath: '..' },
      { path: 'pkg/x', type: 'SymbolicLink', linkpath: 'd/up/..' },
    ]),
    'write through an in-tree symlink': p([
      { path: 'pkg/sub/' },
      { path: 'pkg/l', type: 'SymbolicLink', linkpath: 'sub' },
      { path: 'pkg/l/through', body: 'x' },
    ]),
    'hardlink to an absolute path': p([{ path: 'pkg/hl', type: 'Link', linkpath: `${out}/target` }]),
    'hardlink with ..': p([{ path: 'pkg/hl', type: 'Link', linkpath: `pkg/../../outside/target` }]),
    'hardlink to a stripped-away entry': p([{ path: 'pkg/hl', type: 'Link', linkpath: 'toplevel' }]),
    'character device': p([{ path: 'pkg/null', type: 'CharacterDevice' }]),
    'block device': p([{ path: 'pkg/sda', type: 'BlockDevice' }]),
    FIFO: p([{ path: 'pkg/fifo', type: 'FIFO' }]),
  };
}

describe('extractArchive: hostile archives are refused, nothing kept', () => {
  const kinds = Object.keys(hostileTars('/x'));
  for (const how of ['gz', 'xz', 'bz2', 'zst'] as Compression[]) {
    for (const kind of kinds) {
      it(`${kind} (tar.${how})`, async () => {
        await fs.writeFile(path.join(outside, 'target'), 'secret');
        const before = await listTree(root);
        const data = compress(makeTar(hostileTars(outside)[kind]!), how);
        const archive = path.join(outside, `..`, `hostile.tar.${how}`);
        await fs.writeFile(archive, data);
        const dest = path.join(root, 'work', 'dest');
        const tmp = path.join(root, 'work', 'tmp');
        await fs.mkdir(tmp, { recursive: true });
        const err: unknown = await extractArchive(archive, dest, { tmpDir: tmp }).catch((e: unknown) => e);
        expect(isEngineError(err), String(err)).toBe(true);
        expect((err as { code: string }).code).toBe('UNSAFE_ARCHIVE');
        expect((err as Error).message).toContain(archive);
        expect((err as Error).message).toMatch(/entry "/);
        // Nothing outside the destination changed, the destination was not made, the temp dir is empty.
        await fs.rm(archive);
        expect(await fs.readdir(tmp)).toEqual([]);
        await expect(fs.access(dest)).rejects.toThrow();
        await fs.rm(path.join(root, 'work'), { recursive: true });
        expect(await listTree(root)).toEqual(before);
        expect(await fs.readFile(path.join(outside, 'target'), 'utf8')).toBe('secret');
      });
    }
  }
});

describe('extractArchive: hostile zip archives', () => {
  const zips = (out: string): Record<string, ZipEntrySpec[]> => ({
    'absolute path': [{ name: 'z/' }, { name: `${out}/zip-abs-pwned`, body: 'x' }],
    'dot-dot component': [{ name: 'z/' }, { name: 'z/../../zip-dotdot-pwned', body: 'x' }],
    'symlink to outside': [{ name: 'z/' }, { name: 'z/evil', symlinkTo: out }],
    'write through a symlink': [{ name: 'z/' }, { name: 'z/sub/' }, { name: 'z/l', symlinkTo: 'sub' }, { name: 'z/l/f', body: 'x' }],
  });
  for (const kind of Object.keys(zips('/x'))) {
    it(kind, async () => {
      const before = await listTree(root);
      const archive = path.join(root, 'hostile.zip');
      await fs.writeFile(archive, makeZip(zips(outside)[kind]!));
      const dest = path.join(root, 'zwork', 'dest');
      const tmp = path.join(root, 'zwork', 'tmp');
      await fs.mkdir(tmp, { recursive: true });
      await expect(extractArchive(archive, dest, { tmpDir: tmp })).rejects.toMatchObject({ code: 'UNSAFE_ARCHIVE' });
      expect(await fs.readdir(tmp)).toEqual([]);
      await expect(fs.access(dest)).rejects.toThrow();
      await fs.rm(path.join(root, 'zwork'), { recursive: true });
      await fs.rm(archive);
      expect(await listTree(root)).toEqual(before);
    });
  }
});
