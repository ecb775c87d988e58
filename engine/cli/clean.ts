/**
 * `rootfs-engine clean [node...]`: with nodes, remove exactly what each installed
 * (per its manifest) plus its object, staging and log directories and its record;
 * without, remove every build product but keep downloaded sources.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../errors.ts';
import { defaultPlaceOf } from '../graph/resolve.ts';
import { parseNodeRef } from '../graph/node-id.ts';
import { removeDropped } from '../store/merge.ts';
import { acquireLock } from '../store/lock.ts';
import { openSession, type GlobalOptions } from './session.ts';

export async function cleanCommand(nodes: string[], options: GlobalOptions): Promise<number> {
  const session = await openSession(options);
  const { layout, context, config } = session;
  const lock = await acquireLock(layout.stateDir);
  try {
    if (nodes.length === 0) {
      for (const dir of ['obj', 'stage', 'out', 'log', 'tmp', path.join('state', 'nodes')]) {
        await fs.rm(path.join(layout.root, dir), { recursive: true, force: true });
      }
      process.stdout.write(`Removed every build product under ${layout.root} (downloaded sources in ${layout.srcDir} are kept).\n`);
      return 0;
    }
    for (const ref of nodes) {
      const { recipe, place } = parseNodeRef(ref, options.target ?? defaultPlaceOf(config));
      const record = await context.state.read(place, recipe);
      const known = config.recipes.some((r) => r.name === recipe);
      if (!record && !known) {
        throw new EngineError('UNKNOWN_NODE', `Nothing to clean for "${ref}": no recipe has that name and nothing was built under it.`);
      }
      if (record) await removeDropped(layout.outDir(place), record.manifest, new Set());
      await fs.rm(layout.objDir(place, recipe), { recursive: true, force: true });
      await fs.rm(layout.stageDir(place, recipe), { recursive: true, force: true });
      await fs.rm(layout.logDir(place, recipe), { recursive: true, force: true });
      await context.state.remove(place, recipe);
      const files = record ? record.manifest.filter((e) => e.type !== 'dir').length : 0;
      process.stdout.write(`Cleaned ${recipe}@${place}${record ? ` (${files} installed file${files === 1 ? '' : 's'} removed)` : ' (it was not built)'}.\n`);
    }
    return 0;
  } finally {
    await lock.release();
  }
}
