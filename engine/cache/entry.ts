/**
 * Cache entries: what the artifact cache keeps per node key, in the layout of
 * Bazel's caches. An action entry (AC) maps a key to the manifest of the node's
 * staged install; the content of each file is a blob in the content-addressed
 * store (CAS), named by its SHA-256.
 *
 * Action entry (format 1), JSON:
 *   format       1; an entry of another format is a miss
 *   key          the node key it was stored under (checked on restore)
 *   id           `recipe@place` of the node that stored it (for people)
 *   outputHash   the node's output hash: the fingerprint of `files` without `sha256`
 *   files        the manifest (store/manifest.ts), each regular file with its `sha256`
 *   durationMs   wall time of the build that produced it (scheduling weights)
 *   phaseDurationsMs, createdAt
 *
 * The AC name of a key is sha256("rootfs-engine-ac/1\0" + key): Bazel's /ac/ wants
 * a SHA-256-looking hex name, and the prefix keeps our names apart from the
 * actions of other tools sharing one server.
 */
import { z } from 'zod';
import { sha256String, type Sha256 } from '../hash.ts';
import { outputHashOf, type Manifest, type OutputHash } from '../store/manifest.ts';
import type { NodeKey } from '../store/state.ts';

export const CACHE_FORMAT = 1;

export interface CacheFile {
  path: string;
  type: 'dir' | 'file' | 'symlink';
  mode: number;
  size?: number;
  hash?: string;
  target?: string;
  sha256?: string;
}

export interface CacheEntry {
  format: number;
  key: NodeKey;
  id: string;
  outputHash: OutputHash;
  files: CacheFile[];
  durationMs: number;
  phaseDurationsMs?: Record<string, number>;
  createdAt: string;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** Paths a manifest may hold: relative, no `..`, no empty or `.` parts. */
function isSafeRelativePath(value: string): boolean {
  if (value.length === 0 || value.startsWith('/') || value.includes('\0')) return false;
  return value.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

const fileSchema = z
  .object({
    path: z.string().refine(isSafeRelativePath, 'an unsafe path'),
    type: z.enum(['dir', 'file', 'symlink']),
    mode: z.number().int().min(0).max(0o7777),
    size: z.number().int().min(0).optional(),
    hash: z.string().optional(),
    target: z.string().optional(),
    sha256: z.string().regex(SHA256).optional(),
  })
  .strict()
  .refine((file) => file.type !== 'file' || (file.sha256 !== undefined && file.size !== undefined && file.hash !== undefined), 'a file without size, hash or sha256')
  .refine((file) => file.type !== 'symlink' || file.target !== undefined, 'a symlink without target');

const entrySchema = z
  .object({
    format: z.literal(CACHE_FORMAT),
    key: z.string().min(1),
    id: z.string(),
    outputHash: z.string().min(1),
    files: z.array(fileSchema),
    durationMs: z.number().min(0),
    phaseDurationsMs: z.record(z.string(), z.number()).optional(),
    createdAt: z.string(),
  })
  .strict();

export function acNameOf(key: NodeKey): Sha256 {
  return sha256String(`rootfs-engine-ac/${CACHE_FORMAT}\0${key}`);
}

/** The manifest an entry describes (what `scanManifest` gives for its restored install). */
export function manifestOf(entry: CacheEntry): Manifest {
  return entry.files.map(({ sha256: _sha, ...rest }) => rest as Manifest[number]);
}

/**
 * Parse and check an entry read from disk or a server. Returns a sentence saying
 * what is wrong with it instead, when it cannot be trusted to describe `key`.
 */
export function parseEntry(text: string, key: NodeKey): CacheEntry | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'it is not JSON';
  }
  const parsed = entrySchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `it is not a format-${CACHE_FORMAT} entry (${issue ? `${issue.path.join('.') || 'top level'}: ${issue.message}` : 'bad shape'})`;
  }
  const entry = parsed.data as CacheEntry;
  if (entry.key !== key) return `it was stored for key ${entry.key}`;
  const dirs = new Set<string>();
  const seen = new Set<string>();
  for (const file of entry.files) {
    // Restoring writes every path below its parent: a parent that is not a listed
    // directory (a symlink, say) could lead a write out of the staging directory.
    const parent = file.path.includes('/') ? file.path.slice(0, file.path.lastIndexOf('/')) : undefined;
    if (parent !== undefined && !dirs.has(parent)) return `${file.path} is listed before (or without) its directory`;
    if (seen.has(file.path)) return `${file.path} is listed twice`;
    seen.add(file.path);
    if (file.type === 'dir') dirs.add(file.path);
  }
  if (outputHashOf(manifestOf(entry)) !== entry.outputHash) return 'its file list does not match its output hash';
  return entry;
}

/** Distinct blobs of an entry, with their sizes. */
export function blobsOf(entry: CacheEntry): Map<Sha256, number> {
  const blobs = new Map<Sha256, number>();
  for (const file of entry.files) if (file.type === 'file') blobs.set(file.sha256 as Sha256, file.size ?? 0);
  return blobs;
}

export function isSha256(value: string): value is Sha256 {
  return SHA256.test(value);
}
