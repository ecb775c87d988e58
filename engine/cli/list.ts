/** `rootfs-engine list`: every recipe and goal of the config. */
import path from 'node:path';
import { openSession, type GlobalOptions } from './session.ts';

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
  process.stdout.write(`${'NAME'.padEnd(nameWidth)}  ${'VERSION'.padEnd(versionWidth)}  ${'LICENSE'.padEnd(licenseWidth)}  DESCRIPTION\n`);
  for (const recipe of recipes) {
    const where = path.relative(base, recipe.file);
    process.stdout.write(
      `${recipe.name.padEnd(nameWidth)}  ${recipe.version.padEnd(versionWidth)}  ${(recipe.license ?? '-').padEnd(licenseWidth)}  ${recipe.description ?? ''}${recipe.description ? ' ' : ''}(${where})\n`,
    );
  }
  const goals = Object.entries(session.config.goals ?? {});
  if (goals.length > 0) {
    process.stdout.write('\nGoals:\n');
    for (const [name, goal] of goals) process.stdout.write(`  ${name}${goal.description ? `  ${goal.description}` : ''}\n`);
  }
  return 0;
}
