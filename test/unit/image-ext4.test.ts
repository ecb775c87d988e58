import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_DEVICE, findE2fsTool, walkTree, defaultExt4SizeMiB, writeExt4 } from '../../sysroot/image/index.ts';
import { LONG_NAME, LONG_TARGET, MTIME, has, makeSampleTree, run, tempDir } from './image-helpers.ts';

const haveE2fs = (await has('mke2fs')) && (await has('debugfs')) && (await has('e2fsck'));
let dir: string;
let shmDir: string | undefined;
let treeA: string;
let treeB: string;
let imgA: string;
let debugfs: string;

const env = { ...process.env, TZ: 'UTC', LC_ALL: 'C' };
const dbg = async (img: string, cmd: string): Promise<string> => (await run(debugfs, ['-R', cmd, img], { env })).stdout;

beforeAll(async () => {
  if (!haveE2fs) return;
  debugfs = await findE2fsTool('debugfs');
  dir = await tempDir();
  treeA = path.join(dir, 'a');
  // tmpfs lists a directory in reverse creation order where ext4 uses hash order: tree B
  // there shows the image does not depend on readdir() order.
  shmDir = await mkdtemp('/dev/shm/rfe-image-').catch(() => undefined);
  treeB = path.join(shmDir ?? dir, 'b');
  // Tree A is owned by uid/gid 1234 when the tests run as root: what a non-root builder's
  // files look like to mke2fs -d.
  await makeSampleTree(treeA, { hardlink: true, diskMtime: 1_600_000_000, owner: 1234 });
  await makeSampleTree(treeB, { reverse: true, diskMtime: 1_650_000_123 });
  imgA = path.join(dir, 'a.ext4');
  await writeExt4(treeA, imgA, { mtime: MTIME, extraEntries: [CONSOLE_DEVICE] });
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  if (shmDir) await rm(shmDir, { recursive: true, force: true });
});

describe.skipIf(!haveE2fs)('writeExt4', () => {
  it('passes e2fsck -fn', async () => {
    const e2fsck = await findE2fsTool('e2fsck');
    const { stdout } = await run(e2fsck, ['-fn', imgA], { env });
    expect(stdout).toMatch(/clean|files/);
  });

  it('is sized from the content with headroom', async () => {
    const expected = defaultExt4SizeMiB(await walkTree(treeA));
    expect(expected).toBeGreaterThanOrEqual(17);
    expect((await stat(imgA)).size).toBe(expected * 1024 * 1024);
  });

  it('holds the tree with root owners, the modes and SOURCE_DATE_EPOCH times', async () => {
    const root = await dbg(imgA, 'ls -l /');
    const rows = root.trim().split('\n').filter((l) => l.trim());
    for (const name of ['a', 'a-b', 'bin', 'dev', 'empty', 'etc', 'tmp', 'usr', 'lost+found']) {
      expect(rows.some((r) => r.trim().endsWith(` ${name}`))).toBe(true);
    }
    // ls -l columns: inode, mode, (links), uid, gid, size, date, name
    for (const r of rows) expect(r).toMatch(/^\s*\d+\s+\d+\s+\(\d+\)\s+0\s+0\s/);
    const etc = await dbg(imgA, 'ls -l /etc');
    expect(etc).toMatch(/100640 \(1\)\s+0\s+0\s+5 14-Nov-2023 22:13 with space\.conf/);
    expect(await dbg(imgA, 'ls -l /tmp')).toMatch(/41777 \(2\)\s+0\s+0/);
    expect(await dbg(imgA, 'cat "/etc/with space.conf"')).toBe('a b c');
    expect(await dbg(imgA, `cat /a/${LONG_NAME}`)).toBe('long name\n');
    const suid = await dbg(imgA, 'stat /usr/bin/suid');
    expect(suid).toMatch(/Mode:\s+04755/);
    expect(suid).toMatch(/User:\s+0\s+Group:\s+0/);
    for (const f of ['ctime', 'atime', 'mtime', 'crtime']) expect(suid).toMatch(new RegExp(`${f}: 0x6553f100:00000000`));
    expect(await dbg(imgA, 'stat /usr/bin/hl2')).toMatch(/Links: 1 /);
    // A target too long for the inode ("slow" symlink) lives in a data block.
    const slow = await dbg(imgA, 'stat /a/slow-link');
    expect(slow).toMatch(/Type: symlink/);
    expect(slow).toMatch(new RegExp(`Size: ${LONG_TARGET.length}\\b`));
    expect(slow).toMatch(/EXTENTS:/);
    expect(await dbg(imgA, 'stat /usr/bin/sh')).toMatch(/Fast link dest: "prog"/);
  });

  it('creates /dev/console without root', async () => {
    const con = await dbg(imgA, 'stat /dev/console');
    expect(con).toMatch(/Type: character special/);
    expect(con).toMatch(/Mode:\s+0600/);
    expect(con).toMatch(/User:\s+0\s+Group:\s+0/);
    expect(con).toMatch(/Device major\/minor number: 05:01/);
  });

  it('gives byte-identical images for trees made differently, at different times', async () => {
    const imgB = path.join(dir, 'b.ext4');
    // A different wall-clock second, so anything mke2fs or debugfs took from the clock shows.
    await new Promise((r) => setTimeout(r, 1100));
    await writeExt4(treeB, imgB, { mtime: MTIME, extraEntries: [CONSOLE_DEVICE] });
    expect((await readFile(imgA)).equals(await readFile(imgB))).toBe(true);
  });

  it('takes a given size and UUID, and fails clearly when the content does not fit', async () => {
    const img = path.join(dir, 'sized.ext4');
    const uuid = '0e8d5a6c-1f2b-4c3d-8e4f-5a6b7c8d9e0f';
    await writeExt4(treeA, img, { mtime: MTIME, sizeMiB: 24, uuid });
    expect((await stat(img)).size).toBe(24 * 1024 * 1024);
    expect(await dbg(img, 'stats')).toContain(`Filesystem UUID:          ${uuid}`);
    await expect(writeExt4(treeA, path.join(dir, 'bad.ext4'), { mtime: MTIME, sizeMiB: 0 })).rejects.toThrow(/size/);
  });
});
