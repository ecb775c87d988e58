import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_DEVICE, writeCpioNewc } from '../../sysroot/image/index.ts';
import { LONG_NAME, LONG_TARGET, MTIME, describeTree, has, makeSampleTree, parseNewc, run, tempDir } from './image-helpers.ts';

const haveCpio = await has('cpio');
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

const extra = [CONSOLE_DEVICE];

describe('writeCpioNewc', () => {
  it('writes a newc archive in C path order with root owners, fixed mtimes and sequential inodes', async () => {
    const file = path.join(dir, 'fields.cpio');
    await writeCpioNewc(treeA, file, { mtime: MTIME, gzip: false, extraEntries: extra });
    const entries = parseNewc(await readFile(file));
    const names = entries.map((e) => e.name);
    expect(names[0]).toBe('.');
    expect(names.at(-1)).toBe('TRAILER!!!');
    const body = names.slice(1, -1);
    expect(body).toEqual([...body].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    // "a-b" sorts before "a/..." in byte order ('-' < '/'), and "dev" is implied by dev/console.
    expect(body.indexOf('a-b')).toBeLessThan(body.indexOf('a/b'));
    expect(body).toContain('dev');
    expect(body).toContain('etc/with space.conf');
    for (const [i, e] of entries.slice(0, -1).entries()) {
      expect(e.ino).toBe(i + 1);
      expect([e.uid, e.gid, e.mtime]).toEqual([0, 0, MTIME]);
    }
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get('usr/bin/suid')?.mode).toBe(0o104755);
    expect(byName.get('tmp')?.mode).toBe(0o041777);
    expect(byName.get('empty')?.mode).toBe(0o040700);
    expect(byName.get('a/b/c/deep.txt')?.data.length).toBe(5001);
    // Hard links in the tree are separate files with their own data.
    expect(byName.get('usr/bin/hl1')?.nlink).toBe(1);
    expect(byName.get('usr/bin/hl2')?.data.toString()).toBe('hard-linked content\n');
    const link = byName.get('a/slow-link');
    expect(link?.mode).toBe(0o120777);
    expect(link?.data.toString()).toBe(LONG_TARGET);
    const con = byName.get('dev/console');
    expect([con?.mode, con?.rdevmajor, con?.rdevminor, con?.filesize]).toEqual([0o020600, 5, 1, 0]);
    expect(byName.get('dev')?.mode).toBe(0o040755);
    // 2 + subdirectories: a has b; "." has usr, etc, a, empty, tmp, dev.
    expect(byName.get('a')?.nlink).toBe(3);
    expect(byName.get('.')?.nlink).toBe(8);
  });

  it.skipIf(!haveCpio)('is read back by GNU cpio -itv with root owners, the mtime and the console device', async () => {
    const file = path.join(dir, 'list.cpio');
    await writeCpioNewc(treeA, file, { mtime: MTIME, gzip: false, extraEntries: extra });
    const { stdout } = await run('sh', ['-c', `cpio -itv --quiet < "${file}"`], { env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } });
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(parseNewc(await readFile(file)).length - 1);
    for (const l of lines) {
      expect(l).toMatch(/^\S+\s+\d+\s+root\s+root\s/);
      expect(l).toContain('Nov 14  2023');
    }
    const line = (name: string) => lines.find((l) => l.endsWith(` ${name}`) || l.includes(` ${name} -> `));
    expect(line('dev/console')).toMatch(/^crw-------\s+1\s+root\s+root\s+5,\s+1 /);
    expect(line('tmp')).toMatch(/^drwxrwxrwt /);
    expect(line('usr/bin/suid')).toMatch(/^-rwsr-xr-x /);
    expect(line('etc/with space.conf')).toMatch(/^-rw-r----- .* 5 Nov 14  2023 etc\/with space.conf$/);
    expect(line('usr/bin/sh')).toMatch(/^lrwxrwxrwx .* usr\/bin\/sh -> prog$/);
    expect(line(`a/${LONG_NAME}`)).toBeDefined();
  });

  it.skipIf(!haveCpio)('extracts with cpio -idm to the same tree', async () => {
    const file = path.join(dir, 'extract.cpio');
    await writeCpioNewc(treeB, file, { mtime: MTIME, gzip: false, extraEntries: extra });
    const out = path.join(dir, 'extracted');
    await mkdir(out);
    // dev/console is left out: creating it needs root, and the archive fields are checked above.
    await run('sh', ['-c', `cpio -idm --quiet --no-absolute-filenames -f 'dev/console' < "${file}"`], { cwd: out });
    const skipDev = (rel: string) => rel === 'dev' || rel.startsWith('dev/');
    expect(await describeTree(out, skipDev)).toEqual(await describeTree(treeB));
    expect((await stat(path.join(out, 'etc/passwd'))).mtimeMs).toBe(MTIME * 1000);
  });

  it('gzips at level 9 with a fixed header, decompressing to the plain archive', async () => {
    const plain = path.join(dir, 'plain.cpio');
    const gz = path.join(dir, 'rootfs.cpio.gz');
    await writeCpioNewc(treeA, plain, { mtime: MTIME, gzip: false, extraEntries: extra });
    await writeCpioNewc(treeA, gz, { mtime: MTIME, gzip: true, extraEntries: extra });
    const bytes = await readFile(gz);
    expect([...bytes.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]);
    expect(bytes.readUInt32LE(4)).toBe(0); // MTIME
    expect(bytes[8]).toBe(2); // XFL: maximum compression
    expect(bytes[9]).toBe(3); // OS: Unix, whatever zlib was built for
    expect(gunzipSync(bytes).equals(await readFile(plain))).toBe(true);
    await run('gzip', ['-t', gz]);
  });

  it('gives byte-identical archives for trees made differently (order, mtimes, hard links, owners)', async () => {
    for (const gzip of [false, true]) {
      const a = path.join(dir, `repro-a-${gzip}`);
      const b = path.join(dir, `repro-b-${gzip}`);
      await writeCpioNewc(treeA, a, { mtime: MTIME, gzip, extraEntries: extra });
      await writeCpioNewc(treeB, b, { mtime: MTIME, gzip, extraEntries: extra });
      expect((await readFile(a)).equals(await readFile(b))).toBe(true);
    }
  });

  it('replaces the file atomically and leaves no temporary file behind', async () => {
    const out = path.join(dir, 'atomic');
    await mkdir(out);
    const file = path.join(out, 'x.cpio');
    await writeCpioNewc(treeA, file, { mtime: MTIME, gzip: false });
    await writeCpioNewc(treeA, file, { mtime: MTIME + 1, gzip: false });
    expect(parseNewc(await readFile(file))[0]?.mtime).toBe(MTIME + 1);
    await expect(writeCpioNewc(path.join(dir, 'missing'), path.join(out, 'y.cpio'), { mtime: MTIME, gzip: false })).rejects.toThrow();
    await expect(writeCpioNewc(treeA, path.join(out, 'z.cpio'), { mtime: -1, gzip: false })).rejects.toThrow(/mtime/);
    expect(await readdir(out)).toEqual(['x.cpio']);
  });
});
