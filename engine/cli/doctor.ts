/**
 * `rootfs-engine doctor [goal...] [--fix] [--yes]`: the host prerequisites of the
 * goals (all recipes when none is given), one line per check, then the apt-get
 * line that installs what is missing. `--fix` runs that line: after a y/N
 * question on a terminal, at once with --yes, and never unasked without a terminal.
 */
import { createInterface } from 'node:readline/promises';
import { execa } from 'execa';
import { EngineError } from '../errors.ts';
import { resolveGraph } from '../graph/resolve.ts';
import { findOnPath } from '../exec/host-tools.ts';
import { missingPackages, requiredMissing, runChecks, type DoctorCheck } from '../doctor/checks.ts';
import { openSession, type GlobalOptions } from './session.ts';

export interface DoctorOptions extends GlobalOptions {
  fix?: boolean;
  yes?: boolean;
}

/** Where doctor talks to a person; tests replace the terminal. */
export interface DoctorIo {
  out: (text: string) => void;
  /** Whether a person can answer a question. */
  interactive: boolean;
  ask: (question: string) => Promise<string>;
}

const terminalIo: DoctorIo = {
  out: (text) => process.stdout.write(text),
  // Someone at a keyboard can answer, even with the report piped into a file;
  // the question goes to stderr so that it is seen then.
  interactive: process.stdin.isTTY === true,
  ask: async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  },
};

function needs(check: DoctorCheck): string {
  const shown = check.neededBy.slice(0, 4).join(', ');
  return check.neededBy.length > 4 ? `${shown} and ${check.neededBy.length - 4} more` : shown;
}

function formatChecks(checks: readonly DoctorCheck[]): string {
  const label = (c: DoctorCheck): string => (c.status === 'ok' ? 'ok' : c.status === 'from-build' ? 'built' : c.optional ? 'missing?' : 'MISSING');
  const what = (c: DoctorCheck): string => {
    if (c.status !== 'missing') return c.found ?? '';
    const pkg = c.debianPackage ? `Debian package ${c.debianPackage}` : 'no Debian package';
    return `${c.optional ? 'optional; ' : ''}${pkg}${c.found ? `; ${c.found}` : ''}`;
  };
  const nameWidth = Math.max(...checks.map((c) => c.name.length));
  const whatWidth = Math.min(60, Math.max(...checks.map((c) => what(c).length)));
  return checks
    .map((c) => {
      const line = `${label(c).padEnd(8)} ${c.name.padEnd(nameWidth)}  ${what(c).padEnd(whatWidth)}  for ${needs(c)}`;
      return c.hint && c.status === 'missing' ? `${line}\n${' '.repeat(9)}${c.hint}` : line;
    })
    .join('\n');
}

function aptLine(packages: readonly string[]): string {
  return `apt-get install -y ${packages.join(' ')}`;
}

async function confirm(io: DoctorIo, options: DoctorOptions, line: string): Promise<boolean> {
  if (options.yes) return true;
  if (!io.interactive) {
    throw new EngineError(
      'USAGE',
      `doctor --fix would run \`${line}\`, but there is no terminal to ask whether it may. Run it again with --yes to install without asking, or run that line yourself.`,
    );
  }
  const answer = await io.ask(`Run \`${line}\` now? [y/N] `);
  return /^y(es)?$/i.test(answer.trim());
}

async function install(packages: readonly string[]): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  const searchPath = process.env['PATH'] ?? '';
  const aptGet = await findOnPath('apt-get', searchPath);
  if (!aptGet) throw new EngineError('MISSING_TOOL', `doctor --fix needs apt-get, which is not on PATH: this is not a Debian-like system. Install the packages above with this system's package manager.`);
  const sudo = asRoot ? undefined : await findOnPath('sudo', searchPath);
  if (!asRoot && !sudo) throw new EngineError('MISSING_TOOL', `Installing packages needs root, and sudo is not on PATH. Run \`${aptLine(packages)}\` as root.`);
  const argv = [...(sudo ? [aptGet] : []), 'install', '-y', ...packages];
  const result = await execa(sudo ?? aptGet, argv, { stdio: 'inherit', reject: false, env: { DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.exitCode !== 0) {
    throw new EngineError(
      'MISSING_TOOL',
      `\`${aptLine(packages)}\` failed with status ${String(result.exitCode)}. If apt could not find a package, run \`apt-get update\` first (on Debian 12, \`bash .ci/setup-debian.sh\` also adds what the project needs), then run doctor again.`,
    );
  }
}

export async function doctorCommand(goals: readonly string[], options: DoctorOptions, io: DoctorIo = terminalIo): Promise<number> {
  const session = await openSession(options);
  const wanted = goals.length > 0 ? goals : session.config.recipes.map((r) => r.name);
  const graph = await resolveGraph({
    config: session.config,
    goals: wanted,
    target: options.target,
    buildType: options.buildType,
    options: { toolchain: options.toolchain, target: options.target },
    inspect: true,
  });
  const globals = { ...options, target: options.target ?? session.config.defaultPlace };
  const check = (): Promise<DoctorCheck[]> => runChecks({ config: session.config, graph, buildRoot: session.layout.root, globals });
  const places = [...new Set([...graph.nodes.values()].map((n) => n.place.name))].sort();
  io.out(`Host prerequisites for ${goals.length > 0 ? goals.join(' ') : 'every recipe'} (places: ${places.join(', ')}):\n`);
  let checks = await check();
  io.out(`${formatChecks(checks)}\n`);
  const packages = missingPackages(checks);
  const failing = requiredMissing(checks);
  if (packages.length > 0) io.out(`\nTo install what is missing (as root):\n  ${aptLine(packages)}\n`);
  const unfixable = failing.filter((c) => !c.debianPackage);
  if (!options.fix) {
    io.out(failing.length > 0 ? `\n${failing.length} required ${failing.length === 1 ? 'check fails' : 'checks fail'}: ${failing.map((c) => c.name).join(', ')}.\n` : '\nEverything required is there.\n');
    return failing.length > 0 ? 1 : 0;
  }
  if (packages.length === 0) {
    io.out(unfixable.length > 0 ? `\nNothing apt can install fixes ${unfixable.map((c) => c.name).join(', ')}; see the hints above.\n` : '\nNothing to install.\n');
    return failing.length > 0 ? 1 : 0;
  }
  if (!(await confirm(io, options, aptLine(packages)))) {
    io.out('Nothing installed.\n');
    return failing.length > 0 ? 1 : 0;
  }
  await install(packages);
  io.out('\nChecking again:\n');
  checks = await check();
  io.out(`${formatChecks(checks)}\n`);
  const still = requiredMissing(checks);
  io.out(still.length > 0 ? `\n${still.length} required ${still.length === 1 ? 'check still fails' : 'checks still fail'}: ${still.map((c) => c.name).join(', ')}.\n` : '\nEverything required is there.\n');
  return still.length > 0 ? 1 : 0;
}
