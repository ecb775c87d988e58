/**
 * The command line. Each command lives in its own module; this file wires them to
 * commander and turns every failure into one paragraph on stderr and an exit
 * status (2: bad input, 1: failed work, 130: interrupted). Stacks only with --debug.
 *
 * Command modules are imported when their command runs: every module costs a
 * round trip through tsx's loader hooks, and a no-op `run` should not pay for
 * `report` or `watch` (see docs/performance.md).
 */
import { Argument, Command, CommanderError, Option } from 'commander';
import { isEngineError } from '../errors.ts';
import type { RunOptions } from './run.ts';
import type { WatchCommandOptions } from './watch.ts';
import type { DoctorOptions } from './doctor.ts';
import type { SbomOptions } from './sbom.ts';
import type { CommandDefinition } from '../recipe.ts';
import type { VerifyOptions } from './verify.ts';
import { openSession, type GlobalOptions } from './session.ts';
import type { LogOptions } from './log.ts';
import type { ReportOptions } from './report.ts';
import { PROGRESS_MODES } from '../progress/choose.ts';

const VERSION = '0.1.0';

/** Global options that take a value, to find the command name in argv. */
const VALUE_OPTIONS = new Set(['-C', '--config', '-B', '--build-dir', '-t', '--target', '--toolchain', '--build-type', '--distfiles', '--cache-dir', '--cache-url']);

function commandName(argv: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (VALUE_OPTIONS.has(arg)) i += 1;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** The config named by -C/--config on the line, or found from the working directory. */
function explicitConfig(argv: readonly string[]): string | undefined {
  const configIndex = argv.findIndex((a) => a === '-C' || a === '--config');
  return configIndex >= 0 ? argv[configIndex + 1] : undefined;
}

/**
 * Options a config adds (`--image`, ...), global like --toolchain: places and recipes
 * get their values (see runOptions). Without a usable config there are none, and the
 * command itself reports what is wrong with the config.
 */
async function addConfigOptions(program: Command, argv: readonly string[]): Promise<void> {
  let session;
  try {
    session = await openSession({ config: explicitConfig(argv) });
  } catch {
    return;
  }
  for (const [name, definition] of Object.entries(session.config.options ?? {})) {
    if (program.options.some((o) => o.long === `--${name}`)) continue;
    program.option(`--${name} <value>`, definition.description, definition.default);
    VALUE_OPTIONS.add(`--${name}`);
  }
}

/**
 * Commands a config adds (`boot`, ...). The config is loaded only when the command
 * named on the line is not one of the engine's own.
 */
async function addConfigCommands(
  program: Command,
  argv: readonly string[],
  globals: (command: Command) => GlobalOptions,
  setStatus: (status: number) => void,
): Promise<void> {
  const name = commandName(argv);
  if (name === undefined || name === 'help' || program.commands.some((c) => c.name() === name)) return;
  const configIndex = argv.findIndex((a) => a === '-C' || a === '--config');
  const explicit = configIndex >= 0 ? argv[configIndex + 1] : undefined;
  let session;
  try {
    session = await openSession({ config: explicit });
  } catch {
    return; // No usable config: commander reports the unknown command.
  }
  for (const [commandName, definition] of Object.entries(session.config.commands ?? {})) {
    const command = program.command(commandName).description(definition.description);
    if (definition.arguments) command.arguments(definition.arguments);
    for (const option of definition.options ?? []) command.option(option.flags, option.description, option.default);
    command.action(async (...params: unknown[]) => {
      const self = params[params.length - 1] as Command;
      const args = self.args;
      const options = self.opts<Record<string, string | boolean | undefined>>();
      const opened = await openSession(globals(self));
      setStatus(
        await definition.run({
          args,
          options,
          globals: { ...globals(self) },
          config: opened.config,
          buildDir: opened.layout.root,
        }),
      );
    });
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  let status = 0;
  const program = new Command('rootfs-engine')
    .description('Build static musl + LLVM Linux systems from typed recipes, rebuilding only what changed.')
    .version(VERSION)
    .option('-C, --config <file>', 'config file (default: rootfs.config.ts in this folder or above)')
    .option('-B, --build-dir <dir>', 'build root (default: build/ beside the config)')
    .option('-t, --target <place>', 'place for goals given without @place: a stage or a target triple')
    .option('--toolchain <name>', 'toolchain profile for the places that accept one (e.g. host)')
    .option('--build-type <type>', 'Release, Debug, RelWithDebInfo or MinSizeRel', 'Release')
    .option('--distfiles <dir>', 'where downloaded source tarballs live (default: <build root>/src)')
    .option('--offline', 'never use the network; fail at once when a source is missing')
    .option('--allow-http', 'allow plain-HTTP downloads (still verified by SHA-256)')
    .option('--cache-dir <dir>', 'artifact cache directory (default: $XDG_CACHE_HOME/rootfs-engine/cache)')
    .option('--cache-url <url>', 'remote artifact cache (Bazel HTTP cache layout: /ac/, /cas/)')
    .option('--cache-read-only', 'download from the remote cache, never upload')
    .option('--no-cache', 'neither restore from nor store into the artifact cache')
    .option('--debug', 'show stack traces of errors')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .showHelpAfterError('(run with --help for usage)');

  const globals = (command: Command): GlobalOptions => command.optsWithGlobals<GlobalOptions>();

  program
    .command('run')
    .description('build the goals (recipes, named goals or recipe@place nodes)')
    .argument('<goal...>')
    .option('-j, --jobs <n>', 'jobs at once, nodes and the make/ninja jobs inside them together (default: number of cores)')
    .option('--max-heavy <n>', 'heavy nodes (recipe weight above 1, e.g. LLVM) at once (default: one per 8 GiB of available memory)')
    .option('--no-jobserver', 'no shared jobserver: every node gets MAKEFLAGS=-j<jobs> of its own (oversubscribes)')
    .option('--max-pressure <limits>', 'start no new node while Linux PSI pressure (some avg10, %) is above e.g. cpu=90,memory=20,io=50')
    .option('-k, --keep-going', 'after a failure, go on with everything that does not depend on it')
    .option('-n, --dry-run', 'print what would run and why, run nothing')
    .option('-v, --verbose', 'print every node and phase')
    .option('-q, --quiet', 'print only failures and the final line')
    .addOption(new Option('--progress <mode>', 'progress output: live view on a terminal, plain lines, or NDJSON events').choices([...PROGRESS_MODES]).default('auto'))
    .option('--trace <file>', 'write the run as a Chrome trace (open in Perfetto or chrome://tracing)')
    .action(async (goals: string[], _opts: unknown, command: Command) => {
      status = await (await import('./run.ts')).runCommand(goals, globals(command) as RunOptions);
    });
  program
    .command('check')
    .description("build the packages and run their own test suites (the check phase; the seed's check-<pkg>)")
    .argument('<node...>', 'recipe names (with --target) or recipe@place nodes')
    .option('-j, --jobs <n>', 'jobs at once, nodes and the make/ninja jobs inside them together (default: number of cores)')
    .option('-k, --keep-going', 'after a failure, go on with everything that does not depend on it')
    .option('-v, --verbose', 'print every node and phase')
    .option('-q, --quiet', 'print only failures and the final line')
    .addOption(new Option('--progress <mode>', 'progress output: live view on a terminal, plain lines, or NDJSON events').choices([...PROGRESS_MODES]).default('auto'))
    .action(async (nodes: string[], _opts: unknown, command: Command) => {
      status = await (await import('./run.ts')).runCommand(nodes, { ...(globals(command) as RunOptions), check: true });
    });
  program
    .command('watch')
    .description('build the goals, then rebuild what each edit of a recipe, patch or source tree affects (Ctrl-C stops)')
    .argument('<goal...>')
    .option('-j, --jobs <n>', 'nodes to run at once (default: number of cores)')
    .option('-k, --keep-going', 'after a failure, go on with everything that does not depend on it')
    .option('-v, --verbose', 'print every node and phase')
    .option('--debounce <ms>', 'quiet time after a change before rebuilding (default: 250)')
    .action(async (goals: string[], _opts: unknown, command: Command) => {
      status = await (await import('./watch.ts')).watchCommand(goals, globals(command) as WatchCommandOptions);
    });
  program
    .command('plan')
    .description('list every node that would run, in order, with the reason')
    .argument('<goal...>')
    .action(async (goals: string[], _opts: unknown, command: Command) => {
      status = await (await import('./plan.ts')).planCommand(goals, globals(command));
    });
  program
    .command('why')
    .description('explain the rebuild decision for one node, with before/after values')
    .argument('<node>')
    .action(async (node: string, _opts: unknown, command: Command) => {
      status = await (await import('./why.ts')).whyCommand(node, globals(command));
    });
  program
    .command('graph')
    .description('print the dependency graph of the goals')
    .argument('<goal...>')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['dot', 'json', 'mermaid']).default('dot'))
    .action(async (goals: string[], _opts: unknown, command: Command) => {
      status = await (await import('./graph.ts')).graphCommand(goals, globals(command) as GlobalOptions & { format?: string });
    });
  program
    .command('list')
    .description('list the recipes and goals of the config')
    .addOption(new Option('--names', 'only the names of recipes and goals, one a line (for shell completion)').hideHelp())
    .action(async (_opts: unknown, command: Command) => {
      status = await (await import('./list.ts')).listCommand(globals(command) as GlobalOptions & { names?: boolean });
    });
  program
    .command('show')
    .description('print a recipe as resolved for a place: source, deps, environment, commands')
    .argument('<recipe>', 'recipe name or recipe@place')
    .action(async (name: string, _opts: unknown, command: Command) => {
      status = await (await import('./show.ts')).showCommand(name, globals(command));
    });
  program
    .command('fetch')
    .description('download and verify every source the goals need, so the build can run offline')
    .argument('<goal...>')
    .action(async (goals: string[], _opts: unknown, command: Command) => {
      status = await (await import('./fetch.ts')).fetchCommand(goals, globals(command));
    });
  program
    .command('log')
    .description("print a node's log: every phase in order, or one phase; --follow tails it while the node runs")
    .argument('<node>', 'recipe name or recipe@place')
    .argument('[phase]', 'prepare, configure, build, check or install')
    .option('-f, --follow', 'keep printing while the log grows, until the node finishes')
    .action(async (node: string, phase: string | undefined, _opts: unknown, command: Command) => {
      status = await (await import('./log.ts')).logCommand(node, phase, globals(command) as LogOptions);
    });
  program
    .command('report')
    .description('write an HTML report of the last run: timeline, critical path, slowest nodes, cache hits, failures, graph')
    .option('-o, --out <file>', 'where to write it (default: report.html in the build root)')
    .action(async (_opts: unknown, command: Command) => {
      status = await (await import('./report.ts')).reportCommand(globals(command) as ReportOptions);
    });
  program
    .command('clean')
    .description('remove build products: of the given nodes, or all of them (sources are kept)')
    .argument('[node...]')
    .action(async (nodes: string[], _opts: unknown, command: Command) => {
      status = await (await import('./clean.ts')).cleanCommand(nodes, globals(command));
    });
  program
    .command('verify')
    .description('rebuild nodes without the cache in a fresh build root and compare their files with the recorded build')
    .argument('<node...>')
    .option('-j, --jobs <n>', 'nodes to run at once (default: number of cores)')
    .option('--keep', 'keep the temporary build root even when everything is reproducible')
    .option('-v, --verbose', 'print every node and phase')
    .action(async (nodes: string[], _opts: unknown, command: Command) => {
      status = await (await import('./verify.ts')).verifyCommand(nodes, globals(command) as VerifyOptions);
    });
  const cache = program.command('cache').description('inspect and trim the local artifact cache');
  cache
    .command('stats')
    .description('print the number of entries and the size of the cache')
    .action(async (_opts: unknown, command: Command) => {
      status = await (await import('./cache.ts')).cacheStatsCommand(globals(command));
    });
  cache
    .command('gc')
    .description('evict least recently used entries until the cache is under a size')
    .requiredOption('--max-size <size>', 'size to get under: bytes, or with a unit (500M, 10G)')
    .action(async (_opts: unknown, command: Command) => {
      status = await (await import('./cache.ts')).cacheGcCommand(globals(command) as GlobalOptions & { maxSize?: string });
    });

  program
    .command('doctor')
    .description('check the host prerequisites of the goals (default: every recipe) and print the apt-get line for what is missing')
    .argument('[goal...]')
    .option('--fix', 'run the apt-get line (asks first on a terminal)')
    .option('-y, --yes', 'with --fix: install without asking')
    .action(async (goals: string[], _opts: unknown, command: Command) => {
      // Loaded on use: every other command starts without these modules.
      const { doctorCommand } = await import('./doctor.ts');
      status = await doctorCommand(goals, globals(command) as DoctorOptions);
    });

  program
    .command('sbom')
    .description('write a software bill of materials of what a built goal (default: rootfs) installed, as SPDX 2.3 or CycloneDX 1.5 JSON')
    .argument('[goal...]')
    .addOption(new Option('-f, --format <format>', 'SBOM format').choices(['spdx', 'cyclonedx']).default('spdx'))
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .action(async (goals: string[], _opts: unknown, command: Command) => {
      const { sbomCommand } = await import('./sbom.ts');
      status = await sbomCommand(goals, globals(command) as SbomOptions);
    });

  program
    .command('completion')
    .description('print a shell completion script (source <(rootfs-engine completion bash))')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .action(async (shell: string, _opts: unknown, command: Command) => {
      // The config's own commands (boot...) complete too, when there is a config.
      let extra: Readonly<Record<string, CommandDefinition>> = {};
      try {
        extra = (await openSession(globals(command))).config.commands ?? {};
      } catch {
        extra = {};
      }
      const { bashScript, completionModel, zshScript } = await import('./completion.ts');
      const model = completionModel(program, extra);
      process.stdout.write(shell === 'zsh' ? zshScript(model) : bashScript(model));
    });

  const debug = argv.includes('--debug');
  try {
    await addConfigOptions(program, argv);
    await addConfigCommands(program, argv, globals, (value) => {
      status = value;
    });
    await program.parseAsync([...argv]);
    return status;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit through here with status 0; usage errors were printed.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (isEngineError(error)) {
      process.stderr.write(`rootfs-engine: ${error.message}\n`);
      if (debug && error.cause) process.stderr.write(`${String((error.cause as Error).stack ?? error.cause)}\n`);
      if (debug) process.stderr.write(`${error.stack ?? ''}\n`);
      return error.exitStatus;
    }
    const message = (error as Error)?.message ?? String(error);
    process.stderr.write(
      `rootfs-engine: internal error: ${message}. This is a bug in rootfs-engine, not in your config; run again with --debug and report the output.\n`,
    );
    if (debug) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    return 70;
  }
}
