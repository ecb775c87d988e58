import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_DEVICE, writeTar } from '../../sysroot/image/index.ts';
import { LONG_NAME, MTIME, describeTree, makeSampleTree, run, tempDir } from './image-helpers.ts';

let dir: string;
let treeA: string;
let treeB: string;

beforeAll(async () => {
  dir = await tempDir();
  treeA = path.join(dir, 'a');
  treeB = path.join(dir, 'b');
  await makeSampleTree(treeA, { hardlink: true, diskMtime: 1_600_000_000, owner: 1234 });
  await makeSampleTree(treeB, { reverse: true, diskMtime: 1_650_000_123 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const env = { ...process.env, TZ: 'UTC', LC_ALL: 'C' };

describe('writeTar', () => {
  it('lists with root/root, the fixed mtime, sorted names and the modes of the tree', async () => {
    const file = path.join(dir, 'list.tar');
    await writeTar(treeA, file, { mtime: MTIME });
    const { stdout } = await run('tar', ['-tvf', file], { env });
    const lines = stdout.trim().split('\n');
    for (const l of lines) expect(l).toMatch(/^\S+ root\/root\s+\d+ 2023-11-14 22:13 /);
    const names = lines.map((l) => l.replace(/^(\S+\s+){5}/, '').replace(/ -> .*$/, '').replace(/\/$/, ''));
    expect(names).toEqual([...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    expect(names).not.toContain('.');
    expect(names).toContain(`a/${LONG_NAME}`);
    const line = (name: string) => lines.find((l) => l.endsWith(` ${name}`) || l.includes(` ${name} -> `));
    expect(line('tmp/')).toMatch(/^drwxrwxrwt /);
    expect(line('empty/')).toMatch(/^drwx------ /);
    expect(line('usr/bin/suid')).toMatch(/^-rwsr-xr-x /);
    expect(line('etc/with space.conf')).toMatch(/^-rw-r----- root\/root\s+5 /);
    expect(line('bin')).toMatch(/^lrwxrwxrwx .* bin -> usr\/bin$/);
    // Hard links are independent files, not link entries.
    expect(line('usr/bin/hl2')).toMatch(/^-rwxr-xr-x root\/root\s+20 /);
  });

  it('has no atime/ctime or other host data, only the pax path a long name needs', async () => {
    const bytes = await readFile(path.join(dir, 'list.tar'));
    const text = bytes.toString('latin1');
    expect(text).not.toMatch(/atime=|ctime=|uid=|SCHILY|LIBARCHIVE/);
    expect(text).toContain(` path=a/${LONG_NAME}\n`);
    expect(text.match(/PaxHeader\//g)).toHaveLength(1);
    expect(bytes.length % 512).toBe(0);
  });

  it('extracts to the same tree', async () => {
    const out = path.join(dir, 'extracted');
    await mkdir(out);
    await run('tar', ['-xpf', path.join(dir, 'list.tar'), '-C', out, '--no-same-owner'], { env });
    expect(await describeTree(out)).toEqual(await describeTree(treeA));
  });

  it('gives byte-identical archives for trees made differently', async () => {
    const a = path.join(dir, 'repro-a.tar');
    const b = path.join(dir, 'repro-b.tar');
    await writeTar(treeA, a, { mtime: MTIME });
    await writeTar(treeB, b, { mtime: MTIME });
    expect((await readFile(a)).equals(await readFile(b))).toBe(true);
  });

  it('can carry device nodes as entries', async () => {
    const file = path.join(dir, 'dev.tar');
    await writeTar(treeA, file, { mtime: MTIME, extraEntries: [CONSOLE_DEVICE] });
    const { stdout } = await run('tar', ['-tvf', file], { env });
    expect(stdout).toMatch(/^crw------- root\/root\s+5,1 2023-11-14 22:13 dev\/console$/m);
    expect(stdout).toMatch(/^drwxr-xr-x root\/root\s+0 2023-11-14 22:13 dev\/$/m);
  });
});
