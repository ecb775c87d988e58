/**
 * The command line. Each command lives in its own module; this file wires them to
 * commander and turns every failure into one paragraph on stderr and an exit
 * status (2: bad input, 1: failed work, 130: interrupted). Stacks only with --debug.
 */
import { Command, CommanderError, Option } from 'commander';
import { isEngineError } from '../errors.ts';
import { runCommand, type RunOptions } from './run.ts';
import { planCommand } from './plan.ts';
import { whyCommand } from './why.ts';
import { graphCommand } from './graph.ts';
import { listCommand } from './list.ts';
import { showCommand } from './show.ts';
import { cleanCommand } from './clean.ts';
import { fetchCommand } from './fetch.ts';
import { cacheGcCommand, cacheStatsCommand } from './cache.ts';
import { verifyCommand, type VerifyOptions } from './verify.ts';
import { openSession, type GlobalOptions } from './session.ts';

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
    .option('-j, --jobs <n>', 'nodes to run at once (default: number of cores)')
    .option('-k, --keep-going', 'after a failure, go on with everything that does not depend on it')
    .option('-n, --dry-run', 'print what would run and why, run nothing')
    .option('-v, --verbose', 'print every node and phase')
    .action(async (goals: string[], _opts: unknown, command: Command) => {
      status = await runCommand(goals, globals(command) as RunOptions);
    });
  program
    .command('plan')
    .description('list every node that would run, in order, with the reason')
    .argument('<goal...>')
    .action(async (goals: string[], _opts: unknown, command: Command) => {
      status = await planCommand(goals, globals(command));
    });
  program
    .command('why')
    .description('explain the rebuild decision for one node, with before/after values')
    .argument('<node>')
    .action(async (node: string, _opts: unknown, command: Command) => {
      status = await whyCommand(node, globals(command));
    });
  program
    .command('graph')
    .description('print the dependency graph of the goals')
    .argument('<goal...>')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['dot', 'json', 'mermaid']).default('dot'))
    .action(async (goals: string[], _opts: unknown, command: Command) => {
      status = await graphCommand(goals, globals(command) as GlobalOptions & { format?: string });
    });
  program
    .command('list')
    .description('list the recipes and goals of the config')
    .action(async (_opts: unknown, command: Command) => {
      status = await listCommand(globals(command));
    });
  program
    .command('show')
    .description('print a recipe as resolved for a place: source, deps, environment, commands')
    .argument('<recipe>', 'recipe name or recipe@place')
    .action(async (name: string, _opts: unknown, command: Command) => {
      status = await showCommand(name, globals(command));
    });
  program
    .command('fetch')
    .description('download and verify every source the goals need, so the build can run offline')
    .argument('<goal...>')
    .action(async (goals: string[], _opts: unknown, command: Command) => {
      status = await fetchCommand(goals, globals(command));
    });
  program
    .command('clean')
    .description('remove build products: of the given nodes, or all of them (sources are kept)')
    .argument('[node...]')
    .action(async (nodes: string[], _opts: unknown, command: Command) => {
      status = await cleanCommand(nodes, globals(command));
    });
  program
    .command('verify')
    .description('rebuild nodes without the cache in a fresh build root and compare their files with the recorded build')
    .argument('<node...>')
    .option('-j, --jobs <n>', 'nodes to run at once (default: number of cores)')
    .option('--keep', 'keep the temporary build root even when everything is reproducible')
    .option('-v, --verbose', 'print every node and phase')
    .action(async (nodes: string[], _opts: unknown, command: Command) => {
      status = await verifyCommand(nodes, globals(command) as VerifyOptions);
    });
  const cache = program.command('cache').description('inspect and trim the local artifact cache');
  cache
    .command('stats')
    .description('print the number of entries and the size of the cache')
    .action(async (_opts: unknown, command: Command) => {
      status = await cacheStatsCommand(globals(command));
    });
  cache
    .command('gc')
    .description('evict least recently used entries until the cache is under a size')
    .requiredOption('--max-size <size>', 'size to get under: bytes, or with a unit (500M, 10G)')
    .action(async (_opts: unknown, command: Command) => {
      status = await cacheGcCommand(globals(command) as GlobalOptions & { maxSize?: string });
    });

  const debug = argv.includes('--debug');
  try {
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
