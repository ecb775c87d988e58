/**
 * Where each recipe is known to build: the places whose last attempt succeeded in
 * the whole-world run recorded in world-results.json (written by
 * `npm run world:report`, never by hand). The config gives it to `list`.
 */
import { readFileSync } from 'node:fs';

interface WorldResultsFile {
  results: Record<string, Record<string, { status: 'ok' | 'failed' }>>;
}

export function knownBuilds(): Record<string, string[]> {
  let world: WorldResultsFile;
  try {
    world = JSON.parse(readFileSync(new URL('./world-results.json', import.meta.url), 'utf8')) as WorldResultsFile;
  } catch {
    // A checkout without the file (or a broken one) simply knows of no builds.
    return {};
  }
  return Object.fromEntries(
    Object.entries(world.results).map(([recipe, places]) => [recipe, Object.entries(places).filter(([, r]) => r.status === 'ok').map(([place]) => place)]),
  );
}
