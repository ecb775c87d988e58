/**
 * `rootfs-engine sbom [goal...] [--format spdx|cyclonedx] [--out FILE]`: a
 * software bill of materials of what a built goal (default `rootfs`) put into
 * its place's tree. See engine/sbom/model.ts for what is in it.
 */
import path from 'node:path';
import { planGraph } from '../build.ts';
import { EngineError } from '../errors.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { collectSbom, type Sbom } from '../sbom/model.ts';
import { isSpdxExpression } from '../sbom/license.ts';
import { toSpdx } from '../sbom/spdx.ts';
import { toCycloneDx } from '../sbom/cyclonedx.ts';
import { openSession, resolveGoals, type GlobalOptions } from './session.ts';
import { ENGINE_VERSION } from './version.ts';

export interface SbomOptions extends GlobalOptions {
  format?: string;
  out?: string;
}

const DEFAULT_GOAL = 'rootfs';

function runHint(goals: readonly string[], options: SbomOptions): string {
  const flags = [
    options.buildDir ? `-B ${options.buildDir}` : '',
    options.target ? `--target ${options.target}` : '',
    options.toolchain ? `--toolchain ${options.toolchain}` : '',
  ].filter(Boolean);
  return ['rootfs-engine run', ...goals, ...flags].join(' ');
}

export async function sbomCommand(goalArgs: readonly string[], options: SbomOptions): Promise<number> {
  const session = await openSession(options);
  const { config } = session;
  let goals = goalArgs;
  if (goals.length === 0) {
    if (!config.goals?.[DEFAULT_GOAL] && !config.recipes.some((r) => r.name === DEFAULT_GOAL)) {
      throw new EngineError('USAGE', `sbom describes a goal; the default one, "${DEFAULT_GOAL}", is not in ${config.file}. Name the goal: rootfs-engine sbom <goal>.`);
    }
    goals = [DEFAULT_GOAL];
  }
  const graph = await resolveGoals(session, goals);
  const hint = runHint(goals, options);
  const sbom: Sbom = await collectSbom({
    graph,
    context: session.context,
    layout: session.layout,
    distfilesDir: session.distfilesDir,
    configDir: path.dirname(config.file),
    name: goals.join('+'),
    runHint: hint,
    tool: { name: 'rootfs-engine', version: ENGINE_VERSION },
  });
  for (const pkg of sbom.packages) {
    if (pkg.license !== undefined && !isSpdxExpression(pkg.license)) {
      process.stderr.write(`rootfs-engine: ${pkg.id}: the recipe's license "${pkg.license}" is not an SPDX expression; it is left out of the SBOM. Fix the recipe's license field.\n`);
      pkg.license = undefined;
    }
  }
  const described = new Set(sbom.packages.map((p) => p.id));
  const stale = (await planGraph(graph, session.context)).filter((e) => described.has(e.id) && !e.fresh).map((e) => e.id);
  if (stale.length > 0) {
    process.stderr.write(
      `rootfs-engine: note: ${stale.join(', ')} changed since ${stale.length === 1 ? 'it was' : 'they were'} built; the SBOM describes what is installed now, from the last build. Run \`${hint}\` to bring it up to date.\n`,
    );
  }
  const document = options.format === 'cyclonedx' ? toCycloneDx(sbom) : toSpdx(sbom);
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (options.out) {
    const file = path.resolve(options.out);
    await writeFileAtomic(file, text);
    const files = sbom.packages.reduce((n, p) => n + p.files.length, 0);
    process.stderr.write(`Wrote ${file}: ${options.format === 'cyclonedx' ? 'CycloneDX 1.5' : 'SPDX 2.3'}, ${sbom.packages.length} packages, ${files} files.\n`);
  } else {
    process.stdout.write(text);
  }
  return 0;
}
