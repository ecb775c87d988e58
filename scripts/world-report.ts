/**
 * `npm run world:report`: the last result of every package on every target in a
 * build root (by default the e2e/world tests' one), written to
 * packages/world-results.json (read by `rootfs-engine list`, through
 * packages/known-builds.ts) and docs/packages.md. Generated, never edited by hand.
 *
 * A node's result is what its build root says: its record (the last successful
 * build: key, version, duration, time) and its logs. Logs written after the
 * record mean the last attempt failed; their tail is the excerpt.
 *
 *   tsx scripts/world-report.ts [BUILD_ROOT...]
 *
 * With several build roots (the world split across machines or worktrees), each
 * package and place takes the newest result among them.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allRecipes } from '../packages/index.ts';
import { TARGETS } from '../sysroot/targets.ts';
import { STAGES } from '../stages/places.ts';
import type { NodeRecord } from '../engine/store/state.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PLACES = [...Object.keys(TARGETS), ...STAGES];
/** `check` runs on an existing build: its log says nothing about the build. */
const BUILD_LOGS = ['prepare.log', 'configure.log', 'build.log', 'install.log'];

export interface NodeResult {
  status: 'ok' | 'failed';
  /** The version of the last successful build (absent when there was none). */
  version?: string;
  key?: string;
  buildSeconds?: number;
  finishedAt?: string;
  /** When the result was reached (the record's time, or the failed log's). */
  at: string;
  /** The failed attempt: its phase log's last lines. */
  failedPhase?: string;
  excerpt?: string[];
}

export interface WorldResults {
  generatedAt: string;
  /** package -> place -> result; places never attempted are absent. */
  results: Record<string, Record<string, NodeResult>>;
}

async function readRecord(root: string, place: string, recipe: string): Promise<NodeRecord | undefined> {
  const text = await fs.readFile(path.join(root, 'state', 'nodes', place, `${recipe}.json`), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as NodeRecord);
}

/** The newest build log of a node, when it is newer than `after` (ms). */
async function newerLog(root: string, place: string, recipe: string, after: number): Promise<{ phase: string; file: string; mtime: number } | undefined> {
  let newest: { phase: string; file: string; mtime: number } | undefined;
  for (const name of BUILD_LOGS) {
    const file = path.join(root, 'log', place, recipe, name);
    const stat = await fs.stat(file).catch(() => undefined);
    if (stat && stat.mtimeMs > after && (!newest || stat.mtimeMs > newest.mtime)) newest = { phase: name.replace(/\.log$/, ''), file, mtime: stat.mtimeMs };
  }
  return newest;
}

export async function collectResults(root: string): Promise<WorldResults> {
  const results: WorldResults['results'] = {};
  for (const recipe of allRecipes) {
    for (const place of PLACES) {
      const record = await readRecord(root, place, recipe.name);
      // A second of slack: the install log is closed just before the record is written.
      const failed = await newerLog(root, place, recipe.name, record ? Date.parse(record.finishedAt) + 1000 : 0);
      if (!record && !failed) continue;
      const result: NodeResult = { status: failed ? 'failed' : 'ok', at: failed ? new Date(failed.mtime).toISOString() : record!.finishedAt };
      if (record) {
        result.version = record.inputs['recipe.version'];
        result.key = record.key;
        result.buildSeconds = Math.round(record.durationMs / 100) / 10;
        result.finishedAt = record.finishedAt;
      }
      if (failed) {
        const lines = (await fs.readFile(failed.file, 'utf8')).trimEnd().split('\n');
        result.failedPhase = failed.phase;
        result.excerpt = lines.slice(-8).map((line) => line.slice(0, 200));
      }
      (results[recipe.name] ??= {})[place] = result;
    }
  }
  return { generatedAt: new Date().toISOString(), results };
}

/** Several build roots' results: per package and place, the newest. */
export function mergeResults(worlds: readonly WorldResults[]): WorldResults {
  const results: WorldResults['results'] = {};
  for (const world of worlds) {
    for (const [recipe, places] of Object.entries(world.results)) {
      for (const [place, result] of Object.entries(places)) {
        const seen = results[recipe]?.[place];
        if (!seen || Date.parse(result.at) > Date.parse(seen.at)) (results[recipe] ??= {})[place] = result;
      }
    }
  }
  return { generatedAt: new Date().toISOString(), results };
}

export function renderMarkdown(world: WorldResults, roots: readonly string[] = []): string {
  const recipes = [...allRecipes].sort((a, b) => a.name.localeCompare(b.name));
  const targets = Object.keys(TARGETS);
  const out: string[] = [
    '# Packages: the last whole-world result',
    '',
    '<!-- Generated by `npm run world:report` (scripts/world-report.ts) from the e2e/world build root. Do not edit. -->',
    '',
    `Generated ${world.generatedAt.replace(/\.\d+Z$/, 'Z')} from the build root${roots.length === 1 ? '' : 's'} of the last \`npm test\` / \`npm run test:world\` on the`,
    `project machine (host toolchain profile)${roots.length > 0 ? `: ${roots.map((r) => `\`${r}\``).join(', ')}` : ''}. Each cell: the result of the last attempt, the`,
    'build time of the last successful build (cold, as measured; a build restored from the',
    'artifact cache keeps its original time), and the first characters of its key.',
    '"-" means not attempted in that build root.',
    '',
    `| package | version | ${targets.join(' | ')} |`,
    `|---|---|${targets.map(() => '---').join('|')}|`,
  ];
  for (const recipe of recipes) {
    const row = world.results[recipe.name] ?? {};
    const cells = targets.map((place) => {
      const r = row[place];
      if (!r) return '-';
      const stale = r.version && r.version !== recipe.version ? ` (built ${r.version})` : '';
      const built = r.key ? `${r.buildSeconds} s, \`${r.key.slice(0, 8)}\`${stale}` : '';
      return r.status === 'ok' ? `ok, ${built}` : `**failed** (${r.failedPhase})${built ? `; last ok: ${built}` : ''}`;
    });
    out.push(`| ${recipe.name} | ${recipe.version} | ${cells.join(' | ')} |`);
  }
  const stages = STAGES.filter((s) => recipes.some((r) => world.results[r.name]?.[s]));
  if (stages.length > 0) {
    out.push('', '## The stages', '', `| package | ${stages.join(' | ')} |`, `|---|${stages.map(() => '---').join('|')}|`);
    for (const recipe of recipes) {
      const row = world.results[recipe.name] ?? {};
      if (!stages.some((s) => row[s])) continue;
      out.push(`| ${recipe.name} | ${stages.map((s) => (row[s] ? (row[s]!.status === 'ok' ? `ok, ${row[s]!.buildSeconds} s` : '**failed**') : '-')).join(' | ')} |`);
    }
  }
  const failures = recipes.flatMap((recipe) => Object.entries(world.results[recipe.name] ?? {}).filter(([, r]) => r.status === 'failed').map(([place, r]) => ({ recipe, place, r })));
  if (failures.length > 0) {
    out.push('', '## Failures', '');
    for (const { recipe, place, r } of failures) {
      out.push(`### ${recipe.name}@${place} (${r.failedPhase})`, '', '```', ...(r.excerpt ?? []), '```', '');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

async function main(): Promise<void> {
  const cache = process.env['ROOTFS_ENGINE_TEST_CACHE'] ?? path.join(os.tmpdir(), 'rootfs-engine-test-cache');
  const roots = (process.argv.length > 2 ? process.argv.slice(2) : [path.join(cache, 'e2e-build')]).map((r) => path.resolve(r));
  for (const root of roots) {
    if (!(await fs.stat(path.join(root, 'state')).catch(() => undefined))) {
      process.stderr.write(`world-report: ${root} is not a build root (no state/ in it). Run \`npm run test:world\` first, or pass the build roots to report on.\n`);
      process.exit(2);
    }
  }
  const world = mergeResults(await Promise.all(roots.map((root) => collectResults(root))));
  await fs.writeFile(path.join(REPO, 'packages', 'world-results.json'), `${JSON.stringify(world, null, 2)}\n`);
  await fs.writeFile(path.join(REPO, 'docs', 'packages.md'), renderMarkdown(world, roots));
  const counts = Object.values(world.results).flatMap((row) => Object.values(row));
  process.stdout.write(
    `world-report: ${counts.filter((r) => r.status === 'ok').length} ok, ${counts.filter((r) => r.status === 'failed').length} failed, from ${roots.join(', ')}; wrote packages/world-results.json and docs/packages.md\n`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
