/**
 * Two kinds of hashing, never mixed up:
 *  - Fingerprints (xxhash64, fast, not adversary-proof): node keys, output hashes,
 *    local source trees. Branded `Fingerprint`.
 *  - SHA-256: integrity of anything that came from outside (downloads, caches).
 *    Branded `Sha256`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import xxhash from 'xxhash-wasm';

export type Fingerprint = string & { readonly __brand: 'Fingerprint' };
export type Sha256 = string & { readonly __brand: 'Sha256' };

type XXHashApi = Awaited<ReturnType<typeof xxhash>>;
let api: XXHashApi | undefined;

/** Load the wasm module once; every other function here needs it. */
export async function initHashing(): Promise<void> {
  api ??= await xxhash();
}

function xx(): XXHashApi {
  if (!api) throw new Error('initHashing() must be awaited before hashing');
  return api;
}

export function fingerprintString(text: string): Fingerprint {
  return xx().h64ToString(text) as Fingerprint;
}

export function fingerprintBytes(bytes: Uint8Array): Fingerprint {
  return xx().h64Raw(bytes).toString(16).padStart(16, '0') as Fingerprint;
}

/** An incremental fingerprint, for callers that hash a stream along with other digests. */
export function fingerprintHasher(): { update(bytes: Uint8Array): void; digest(): Fingerprint } {
  const hasher = xx().create64();
  return {
    update: (bytes) => void hasher.update(bytes),
    digest: () => hasher.digest().toString(16).padStart(16, '0') as Fingerprint,
  };
}

export async function fingerprintFile(file: string): Promise<Fingerprint> {
  const hasher = fingerprintHasher();
  for await (const chunk of createReadStream(file)) hasher.update(chunk as Buffer);
  return hasher.digest();
}

export async function sha256File(file: string): Promise<Sha256> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex') as Sha256;
}

export function sha256String(text: string | Uint8Array): Sha256 {
  return createHash('sha256').update(text).digest('hex') as Sha256;
}

/** JSON with object keys sorted at every level, so equal values serialise equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, val: unknown) => {
    if (val && typeof val === 'object' && !Array.isArray(val)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(val).sort()) sorted[k] = (val as Record<string, unknown>)[k];
      return sorted;
    }
    return val;
  });
}
