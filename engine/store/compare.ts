/**
 * Comparing two manifests of one node file by file: what `verify` reports when a
 * rebuild did not reproduce the recorded output.
 */
import type { Manifest, ManifestEntry } from './manifest.ts';

export interface FileDifference {
  path: string;
  /** What differs, for people: "content differs (1204 -> 1210 bytes)", "missing in the rebuild" ... */
  what: string;
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

function describe(before: ManifestEntry, after: ManifestEntry): string[] {
  if (before.type !== after.type) return [`was a ${before.type}, is a ${after.type} in the rebuild`];
  const out: string[] = [];
  if (before.type === 'file' && before.hash !== after.hash) {
    out.push(before.size === after.size ? `content differs (same size, ${after.size} bytes)` : `content differs (${before.size} -> ${after.size} bytes)`);
  }
  if (before.type === 'symlink' && before.target !== after.target) out.push(`symlink target ${before.target} -> ${after.target}`);
  if (before.mode !== after.mode) out.push(`mode ${octal(before.mode)} -> ${octal(after.mode)}`);
  return out;
}

/** Every path whose type, content, mode or link target differs, or that only one side has; sorted by path. */
export function compareManifests(recorded: Manifest, rebuilt: Manifest): FileDifference[] {
  const before = new Map(recorded.map((entry) => [entry.path, entry]));
  const after = new Map(rebuilt.map((entry) => [entry.path, entry]));
  const differences: FileDifference[] = [];
  for (const [file, entry] of before) {
    const other = after.get(file);
    if (!other) differences.push({ path: file, what: 'missing in the rebuild' });
    else for (const what of describe(entry, other)) differences.push({ path: file, what });
  }
  for (const file of after.keys()) if (!before.has(file)) differences.push({ path: file, what: 'only in the rebuild' });
  return differences.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
