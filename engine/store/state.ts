/**
 * The build state: one JSON record per node that has ever been built successfully,
 * at state/nodes/<place>/<recipe>.json. A record is written atomically (atomic.ts)
 * only after the node's outputs are merged, so a crash at any point leaves the last
 * good record and the next run redoes exactly the nodes whose record is missing or
 * whose key differs.
 *
 * Record (format 1):
 *   id           node id, `recipe@place`
 *   key          the node key (fingerprint of `inputs`)
 *   inputs       flat map input-name -> value or fingerprint; diffing two of these
 *                explains a rebuild (`plan`, `why`)
 *   sourceFiles  for local source trees: relpath -> fingerprint (to name changed files)
 *   outputHash   fingerprint of the manifest
 *   manifest     see manifest.ts
 *   durationMs   wall time of the last build (scheduling priorities, ETA)
 *   finishedAt   ISO time
 */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomic.ts';
import type { Manifest, OutputHash } from './manifest.ts';
import type { Fingerprint } from '../hash.ts';

export const STATE_FORMAT = 1;

export type NodeKey = Fingerprint & { readonly __key: true };
export type KeyInputs = Record<string, string>;

export interface NodeRecord {
  format: number;
  id: string;
  key: NodeKey;
  inputs: KeyInputs;
  sourceFiles?: Record<string, string>;
  outputHash: OutputHash;
  manifest: Manifest;
  durationMs: number;
  phaseDurationsMs?: Record<string, number>;
  finishedAt: string;
}

export class StateStore {
  readonly dir: string;
  private readonly cache = new Map<string, NodeRecord | undefined>();

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'nodes');
  }

  fileOf(place: string, recipe: string): string {
    return path.join(this.dir, place, `${recipe}.json`);
  }

  async read(place: string, recipe: string): Promise<NodeRecord | undefined> {
    const file = this.fileOf(place, recipe);
    if (this.cache.has(file)) return this.cache.get(file);
    let record: NodeRecord | undefined;
    try {
      // Sync on purpose: records are small, and thousands of reads through the
      // thread pool cost 3-10x more than plain reads on a no-op run.
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as NodeRecord;
      // A record from another format is treated as absent: the node rebuilds.
      record = parsed.format === STATE_FORMAT ? parsed : undefined;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
      record = undefined;
    }
    this.cache.set(file, record);
    return record;
  }

  async write(place: string, recipe: string, record: NodeRecord): Promise<void> {
    const file = this.fileOf(place, recipe);
    await writeFileAtomic(file, JSON.stringify(record));
    this.cache.set(file, record);
  }

  async remove(place: string, recipe: string): Promise<void> {
    const file = this.fileOf(place, recipe);
    await fs.rm(file, { force: true });
    this.cache.set(file, undefined);
  }

  /** Every record of one place (for the ownership index of its output tree). */
  async readPlace(place: string): Promise<NodeRecord[]> {
    let names: string[];
    try {
      names = await fs.readdir(path.join(this.dir, place));
    } catch {
      return [];
    }
    const records: NodeRecord[] = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const record = await this.read(place, name.slice(0, -'.json'.length));
      if (record) records.push(record);
    }
    return records;
  }

  async places(): Promise<string[]> {
    try {
      return (await fs.readdir(this.dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch {
      return [];
    }
  }
}
