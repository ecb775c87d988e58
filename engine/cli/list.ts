/**
 * `rootfs-engine list`: every recipe and goal of the config, with whether the
 * recipe has a test suite (`check`) and the places it is known to build for: the
 * config's knownBuilds (a whole-world run elsewhere) and the places with a
 * successful build in this build root.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { openSession, type GlobalOptions } from './session.ts';

/** recipe -> places with a build record in this build root. */
async function builtHere(stateDir: string): Promise<Map<string, string[]>> {
  const built = new Map<string, string[]>();
  const nodesDir = path.join(stateDir, 'nodes');
  const places = await fs.readdir(nodesDir).catch(() => [] as string[]);
  for (const place of places.sort()) {
    for (const file of await fs.readdir(path.join(nodesDir, place)).catch(() => [] as string[])) {
      if (!file.endsWith('.json')) continue;
      const recipe = file.slice(0, -'.json'.length);
      built.set(recipe, [...(built.get(recipe) ?? []), place]);
    }
  }
  return built;
}

export async function listCommand(options: GlobalOptions & { names?: boolean }): Promise<number> {
  const session = await openSession(options);
  if (options.names) {
    // For shell completion: recipes and named goals, one a line.
    const names = [...new Set([...session.config.recipes.map((r) => r.name), ...Object.keys(session.config.goals ?? {})])].sort();
    process.stdout.write(names.map((n) => `${n}\n`).join(''));
    return 0;
  }
  const recipes = [...session.config.recipes].sort((a, b) => a.name.localeCompare(b.name));
  const nameWidth = Math.max(4, ...recipes.map((r) => r.name.length));
  const versionWidth = Math.max(7, ...recipes.map((r) => r.version.length));
  const licenseWidth = Math.max(7, ...recipes.map((r) => (r.license ?? '-').length));
  const base = path.dirname(session.config.file);
  const here = await builtHere(session.layout.stateDir);
  const known = session.config.knownBuilds ?? {};
  process.stdout.write(`${'NAME'.padEnd(nameWidth)}  ${'VERSION'.padEnd(versionWidth)}  ${'LICENSE'.padEnd(licenseWidth)}  CHECK  DESCRIPTION\n`);
  for (const recipe of recipes) {
    const where = path.relative(base, recipe.file);
    const check = recipe.phases?.check ? 'yes' : '-';
    process.stdout.write(
      `${recipe.name.padEnd(nameWidth)}  ${recipe.version.padEnd(versionWidth)}  ${(recipe.license ?? '-').padEnd(licenseWidth)}  ${check.padEnd(5)}  ${recipe.description ?? ''}${recipe.description ? ' ' : ''}(${where})\n`,
    );
    const knownPlaces = known[recipe.name] ?? [];
    const herePlaces = here.get(recipe.name) ?? [];
    if (knownPlaces.length > 0) process.stdout.write(`${' '.repeat(nameWidth + 2)}known to build for: ${knownPlaces.join(' ')}\n`);
    if (herePlaces.length > 0) process.stdout.write(`${' '.repeat(nameWidth + 2)}built here for: ${herePlaces.join(' ')}\n`);
  }
  const goals = Object.entries(session.config.goals ?? {});
  if (goals.length > 0) {
    process.stdout.write('\nGoals:\n');
    for (const [name, goal] of goals) process.stdout.write(`  ${name}${goal.description ? `  ${goal.description}` : ''}\n`);
  }
  return 0;
}
