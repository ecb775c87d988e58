/**
 * Shared fixtures for the image writer tests: a small tree that exercises every entry
 * kind the writers handle, buildable in two different ways (creation order, on-disk
 * mtimes, hard links vs copies, owners) that must nevertheless give identical images.
 */
import { execFile } from 'node:child_process';
import { chmod, link, lutimes, mkdir, mkdtemp, readdir, readFile, readlink, lstat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);
export const MTIME = 1_700_000_000; // 2023-11-14 22:13:20 UTC
export const LONG_NAME = `long-${'x'.repeat(110)}.txt`;
export const LONG_TARGET = `../../${'t'.repeat(70)}/target`;

export async function tempDir(prefix = 'rfe-image-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function has(tool: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool} || test -x /sbin/${tool}`]);
    return true;
  } catch {
    return false;
  }
}

interface Item {
  rel: string;
  kind: 'dir' | 'file' | 'symlink';
  mode?: number;
  content?: string;
  target?: string;
}

const ITEMS: Item[] = [
  { rel: 'usr', kind: 'dir', mode: 0o755 },
  { rel: 'usr/bin', kind: 'dir', mode: 0o755 },
  { rel: 'usr/bin/prog', kind: 'file', mode: 0o755, content: '#!/bin/sh\necho prog\n' },
  { rel: 'usr/bin/suid', kind: 'file', mode: 0o4755, content: 'setuid binary stand-in' },
  { rel: 'usr/bin/hl1', kind: 'file', mode: 0o755, content: 'hard-linked content\n' },
  { rel: 'usr/bin/sh', kind: 'symlink', target: 'prog' },
  { rel: 'bin', kind: 'symlink', target: 'usr/bin' },
  { rel: 'etc', kind: 'dir', mode: 0o755 },
  { rel: 'etc/passwd', kind: 'file', mode: 0o644, content: 'root:x:0:0:root:/root:/bin/sh\n' },
  { rel: 'etc/shadow', kind: 'file', mode: 0o600, content: 'root:*:19000::::::\n' },
  { rel: 'etc/with space.conf', kind: 'file', mode: 0o640, content: 'a b c' },
  { rel: 'etc/empty-file', kind: 'file', mode: 0o644, content: '' },
  { rel: 'a', kind: 'dir', mode: 0o755 },
  { rel: 'a/b', kind: 'dir', mode: 0o750 },
  { rel: 'a/b/c', kind: 'dir', mode: 0o755 },
  { rel: 'a/b/c/deep.txt', kind: 'file', mode: 0o444, content: 'x'.repeat(5000) + '\n' },
  { rel: `a/${LONG_NAME}`, kind: 'file', mode: 0o644, content: 'long name\n' },
  { rel: 'a/slow-link', kind: 'symlink', target: LONG_TARGET },
  { rel: 'a-b', kind: 'file', mode: 0o644, content: 'sorts before a/ in C order\n' },
  { rel: 'empty', kind: 'dir', mode: 0o700 },
  { rel: 'tmp', kind: 'dir', mode: 0o1777 },
];

export interface Variant {
  /** Create entries in reverse order (different readdir order and inode numbers). */
  reverse?: boolean;
  /** usr/bin/hl2 as a hard link of hl1 instead of a copy. */
  hardlink?: boolean;
  /** On-disk mtime of every entry. */
  diskMtime?: number;
  /** Chown everything to this uid/gid (only when running as root): a non-root builder. */
  owner?: number;
}

/** Builds the sample tree in `root` (which must not exist). */
export async function makeSampleTree(root: string, v: Variant = {}): Promise<void> {
  await mkdir(root);
  const dirs = ITEMS.filter((i) => i.kind === 'dir');
  const others = ITEMS.filter((i) => i.kind !== 'dir');
  if (v.reverse) others.reverse();
  for (const d of v.reverse ? [...dirs].sort((a, b) => a.rel.split('/').length - b.rel.split('/').length || (a.rel < b.rel ? 1 : -1)) : dirs) {
    await mkdir(path.join(root, d.rel));
  }
  for (const i of others) {
    const p = path.join(root, i.rel);
    if (i.kind === 'symlink') await symlink(i.target ?? '', p);
    else await writeFile(p, i.content ?? '');
  }
  const hl1 = path.join(root, 'usr/bin/hl1');
  const hl2 = path.join(root, 'usr/bin/hl2');
  if (v.hardlink) await link(hl1, hl2);
  else {
    await writeFile(hl2, await readFile(hl1));
    await chmod(hl2, 0o755);
  }
  for (const i of ITEMS) if (i.mode !== undefined) await chmod(path.join(root, i.rel), i.mode);
  await chmod(root, 0o755);
  if (v.owner !== undefined && process.getuid?.() === 0) {
    for (const p of await allPaths(root)) await run('chown', ['-h', `${v.owner}:${v.owner}`, p]);
    // chown clears setuid: put it back.
    await chmod(path.join(root, 'usr/bin/suid'), 0o4755);
  }
  if (v.diskMtime !== undefined) {
    const t = new Date(v.diskMtime * 1000);
    for (const p of (await allPaths(root)).reverse()) await lutimes(p, t, t);
  }
}

async function allPaths(root: string): Promise<string[]> {
  const out: string[] = [root];
  const walk = async (d: string): Promise<void> => {
    for (const name of await readdir(d)) {
      const p = path.join(d, name);
      out.push(p);
      if ((await lstat(p)).isDirectory()) await walk(p);
    }
  };
  await walk(root);
  return out;
}

/** Every relative path of a tree, C-sorted, with what distinguishes it: type, mode, content or target. */
export async function describeTree(root: string, skip: (rel: string) => boolean = () => false): Promise<string[]> {
  const lines: string[] = [];
  for (const p of await allPaths(root)) {
    const rel = path.relative(root, p) || '.';
    if (skip(rel)) continue;
    const st = await lstat(p);
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isDirectory()) lines.push(`${rel} dir ${mode}`);
    else if (st.isSymbolicLink()) lines.push(`${rel} -> ${await readlink(p)}`);
    else lines.push(`${rel} file ${mode} ${(await readFile(p)).toString('base64')}`);
  }
  return lines.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

export interface NewcEntry {
  name: string;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  filesize: number;
  rdevmajor: number;
  rdevminor: number;
  data: Buffer;
}

/** A strict newc reader (magic, 4-byte alignment) to check fields cpio -tv does not show. */
export function parseNewc(buf: Buffer): NewcEntry[] {
  const out: NewcEntry[] = [];
  let off = 0;
  for (;;) {
    if (off % 4 !== 0) throw new Error(`header at unaligned offset ${off}`);
    const magic = buf.toString('ascii', off, off + 6);
    if (magic !== '070701') throw new Error(`bad magic ${JSON.stringify(magic)} at ${off}`);
    const f = (i: number): number => parseInt(buf.toString('ascii', off + 6 + i * 8, off + 14 + i * 8), 16);
    const namesize = f(11);
    const name = buf.toString('utf8', off + 110, off + 110 + namesize - 1);
    if (buf[off + 110 + namesize - 1] !== 0) throw new Error(`name of ${name} not NUL-terminated`);
    let dataOff = off + 110 + namesize;
    dataOff += (4 - (dataOff % 4)) % 4;
    const filesize = f(6);
    const e: NewcEntry = {
      name, ino: f(0), mode: f(1), uid: f(2), gid: f(3), nlink: f(4), mtime: f(5), filesize,
      rdevmajor: f(9), rdevminor: f(10), data: buf.subarray(dataOff, dataOff + filesize),
    };
    out.push(e);
    off = dataOff + filesize;
    off += (4 - (off % 4)) % 4;
    if (name === 'TRAILER!!!') {
      if (off !== buf.length) throw new Error(`${buf.length - off} bytes after the trailer`);
      return out;
    }
  }
}
