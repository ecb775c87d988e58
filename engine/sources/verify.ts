/**
 * SHA-256 of files in the distfiles directory, with a sidecar cache so a second
 * check of a 150 MB tarball does not re-hash it.
 *
 * The sidecar `<file>.sha256` is in `sha256sum -c` format (its second line is a
 * `#` comment, which sha256sum ignores) and records the size, mtime (ns) and inode
 * the hash was computed for. Any change to those re-hashes. This is a cache
 * against accidents, not against an adversary who can write the distfiles dir:
 * such a person could replace the tarball and its sidecar alike.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sha256File, type Sha256 } from '../hash.ts';
import { writeFileAtomic } from './fsutil.ts';

export function sidecarPath(file: string): string {
  return `${file}.sha256`;
}

interface StatKey {
  size: bigint;
  mtimeNs: bigint;
  ino: bigint;
}

async function statKey(file: string): Promise<StatKey | undefined> {
  try {
    const st = await fs.stat(file, { bigint: true });
    if (!st.isFile()) return undefined;
    return { size: st.size, mtimeNs: st.mtimeNs, ino: st.ino };
  } catch {
    return undefined;
  }
}

async function readSidecar(file: string, key: StatKey): Promise<Sha256 | undefined> {
  let text: string;
  try {
    text = await fs.readFile(sidecarPath(file), 'utf8');
  } catch {
    return undefined;
  }
  const hash = /^([0-9a-f]{64}) {2}/.exec(text)?.[1];
  const meta = /^# size=(\d+) mtimeNs=(\d+) ino=(\d+)$/m.exec(text);
  if (!hash || !meta) return undefined;
  if (BigInt(meta[1]!) !== key.size || BigInt(meta[2]!) !== key.mtimeNs || BigInt(meta[3]!) !== key.ino) return undefined;
  return hash as Sha256;
}

/** Record a hash we just computed (or verified while downloading) for `file`. */
export async function writeSidecar(file: string, sha256: Sha256): Promise<void> {
  const key = await statKey(file);
  if (!key) return;
  const text = `${sha256}  ${path.basename(file)}\n# size=${key.size} mtimeNs=${key.mtimeNs} ino=${key.ino}\n`;
  try {
    await writeFileAtomic(sidecarPath(file), text);
  } catch {
    // A read-only distfiles dir (shared, mounted) still works, just without the cache.
  }
}

export interface FileHash {
  sha256: Sha256;
  /** False when the sidecar answered and nothing was read. */
  hashed: boolean;
}

/** SHA-256 of `file`, or undefined when it does not exist (or is not a regular file). */
export async function cachedSha256(file: string): Promise<FileHash | undefined> {
  const key = await statKey(file);
  if (!key) return undefined;
  const cached = await readSidecar(file, key);
  if (cached) return { sha256: cached, hashed: false };
  const sha256 = await sha256File(file);
  // Only trust the hash for the stat we saw before reading; if the file changed
  // while we read it, the sidecar will not match next time and we hash again.
  const after = await statKey(file);
  if (after && after.size === key.size && after.mtimeNs === key.mtimeNs && after.ino === key.ino) {
    await writeSidecar(file, sha256);
  }
  return { sha256, hashed: true };
}
