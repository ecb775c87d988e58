/**
 * The public recipe model: what a recipe, a place and a config are.
 *
 * A recipe is a plain typed object. Its phases are functions of a Context that
 * return commands; the engine resolves them once per node, hashes the result into
 * the node key, and runs them. Recipes never run anything themselves, which is
 * what lets `plan`, `show` and the key see exactly what a build will do.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** A shell command line (run by /bin/sh -c) or an argv vector (run directly). */
export type Command = string | readonly string[];

export const PHASES = ['prepare', 'configure', 'build', 'check', 'install'] as const;
export type PhaseName = (typeof PHASES)[number];

/**
 * What a phase returns: one shell line, or a list of commands (shell lines or
 * argv vectors). A single argv must be wrapped: `[['make', 'install']]`; a flat
 * list of strings is a list of shell lines.
 */
export type PhaseResult = string | readonly Command[] | undefined | null | false;
export type Phase = (ctx: Context) => PhaseResult;

/** `name` (same place as the dependent) or `name@place`. */
export type DepRef = string;

/** A Debian source package that carries the same (or a repacked) tarball. */
export interface DebianSource {
  /** Source package name, e.g. `musl` or `make-dfsg`. */
  package: string;
  /** Full Debian version, e.g. `1.2.5-3`. */
  version: string;
  /**
   * SHA-256 of Debian's orig tarball when it is not byte-identical to upstream
   * (a +dfsg repack). Accepted only from the apt provider.
   */
  sha256?: string;
  /** Top-level directory inside Debian's orig tarball, when it differs. */
  topDir?: string;
}

/** An upstream release tarball, pinned by SHA-256. */
export interface UrlSource {
  urls: readonly string[];
  sha256: string;
  /** File name in the distfiles directory; defaults to the last URL segment. */
  filename?: string;
  /** Leading path components to drop when extracting (default 1). */
  strip?: number;
  /**
   * Extract only these paths of the tree (after strip), e.g. `['compiler-rt', 'cmake']`
   * out of the whole LLVM source: minutes less for a big archive.
   */
  subset?: readonly string[];
  /** Patch files (paths relative to the recipe file), applied in order with -p1. */
  patches?: readonly string[];
  debian?: DebianSource;
  /** Give the build its own writable copy of the tree (make-rootfs's pkg_copy). */
  privateCopy?: boolean;
}

/** A local source tree, fingerprinted by content. */
export interface PathSource {
  /** Directory, relative to the recipe file or absolute. */
  path: string;
  patches?: readonly string[];
  privateCopy?: boolean;
}

export type Source = UrlSource | PathSource;

export function isPathSource(source: Source): source is PathSource {
  return 'path' in source;
}

/**
 * Facts a place carries for recipes (target triple facts, stage number...).
 * Generic on purpose: sysroot/ augments this interface with its own fields.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface PlaceFacts {
  [key: string]: unknown;
}

export interface NodeDirs {
  /** Root of the build directory. */
  build: string;
  /** The (read-only unless privateCopy) source tree; undefined when there is no source. */
  src: string;
  /** The node's own object directory; the working directory of every phase. */
  obj: string;
  /** The staging directory the install phase writes into (also $DESTDIR). */
  dest: string;
  /** The place's installed tree (out/<place>): the sysroot of this place. */
  out: string;
}

export interface Context {
  readonly recipe: { readonly name: string; readonly version: string };
  /** Place name: a stage (`stage1`) or a target triple. */
  readonly place: string;
  readonly facts: Readonly<PlaceFacts>;
  readonly dirs: Readonly<NodeDirs>;
  /** The place's environment (CC, CFLAGS, PATH...), before the recipe's own env. */
  readonly env: Readonly<Record<string, string>>;
  /** Build configuration name (Release, Debug, ...) chosen for the run. */
  readonly buildType: string;
  /**
   * The run's options, as places get them (PlaceRequest.options): the engine's
   * (`toolchain`, `target`, `buildType`) and the ones the config declares (`image`...),
   * by name; undefined when not given. A recipe that reads one puts it in its
   * commands, which makes it part of the node key.
   */
  readonly options: Readonly<Record<string, string | undefined>>;
}

export interface RecipeInput {
  name: string;
  version: string;
  license?: string;
  description?: string;
  homepage?: string;
  source?: Source;
  /** Libraries and headers that must be installed in the place before this builds. */
  deps?: readonly DepRef[] | ((ctx: Context) => readonly DepRef[]);
  /** Programs that must be on PATH at build time (checked before the node runs). */
  tools?: readonly string[];
  env?: Readonly<Record<string, string>> | ((ctx: Context) => Readonly<Record<string, string>>);
  phases: Partial<Record<PhaseName, Phase>>;
  /** Per-phase time limits in seconds. */
  timeout?: Partial<Record<PhaseName, number>>;
  /** Relative cost for the scheduler (default 1); LLVM declares more. */
  weight?: number;
  /**
   * Keep the object directory of an interrupted attempt with the same key and let
   * the build resume in it. Only for build tools that never trust a half-written
   * output (ninja); make-based builds start clean.
   */
  resumable?: boolean;
  /**
   * Whether the artifact cache may store and restore this node (default true).
   * Set false for a recipe whose results live outside its staged install (images
   * written beside the build root, say): the cache could not bring those back.
   */
  cacheable?: boolean;
}

export interface Recipe extends Readonly<RecipeInput> {
  /** Absolute path of the file that defined the recipe (for messages and relative paths). */
  readonly file: string;
}

/**
 * Where a definition was written: the file of the caller of `fn`. Raw call sites
 * are read instead of a formatted stack, which is costly under source maps and
 * matters for configs with thousands of recipes.
 */
function callerFile(fn: (...args: never[]) => unknown): string {
  const original = Error.prepareStackTrace;
  let sites: NodeJS.CallSite[] = [];
  try {
    Error.prepareStackTrace = (_error, stack) => stack;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, fn);
    sites = (holder.stack as NodeJS.CallSite[] | undefined) ?? [];
  } finally {
    Error.prepareStackTrace = original;
  }
  for (const site of sites) {
    const name = site.getFileName();
    if (!name) continue;
    return name.startsWith('file://') ? fileURLToPath(name) : name;
  }
  return path.join(process.cwd(), '<unknown>');
}

/** Declare a recipe. The returned object remembers the file it was defined in. */
export function defineRecipe(input: RecipeInput): Recipe {
  return Object.freeze({ ...input, file: callerFile(defineRecipe) });
}

/**
 * Something the build host must have, declared by a place or a config command so
 * that `rootfs-engine doctor` can check it before a build needs it.
 */
export type HostRequirement = HostToolRequirement | HostProbeRequirement;

export interface HostToolRequirement {
  kind: 'tool';
  /** Program name, looked up on the place's PATH (or the engine's PATH for commands). */
  tool: string;
  /** Where to look instead (colon-separated), when only one directory will do. */
  searchPath?: string;
  /** Why it is needed, for people: `the host LLVM`, `boot`. */
  purpose: string;
  /** Debian package that provides it. */
  debianPackage?: string;
  /** Missing optional requirements are reported but do not fail `doctor`. */
  optional?: boolean;
}

export interface HostProbeRequirement {
  kind: 'probe';
  /** What is checked, e.g. `unprivileged user namespaces`. */
  name: string;
  purpose: string;
  /** Resolves to what was found; rejects (or returns ok: false) with what is wrong. */
  probe: () => Promise<{ ok: boolean; detail: string }>;
  debianPackage?: string;
  /** What to do when no package fixes it. */
  hint?: string;
  optional?: boolean;
}

/** Everything a node of a place gets from the place. */
export interface PlaceDefinition {
  name: string;
  description?: string;
  /** Environment for every node of the place (merged under the recipe's own env). */
  env?: Readonly<Record<string, string>>;
  /**
   * The place's base: nodes every node of the place depends on (its C library and
   * headers, say), except the nodes these themselves need, which would make a cycle.
   */
  deps?: readonly DepRef[];
  /** Nodes that provide the place's toolchain: every node of the place depends on them. */
  toolchainNodes?: readonly DepRef[];
  /**
   * Checks a node's staged install before it is merged (e.g. "every ELF is static").
   * Returns one line per problem; any problem fails the node and nothing is merged.
   */
  checkInstall?: (install: InstallCheckInput) => readonly string[] | Promise<readonly string[]>;
  /**
   * Whether this machine can run the place's programs, as a test suite does
   * (`rootfs-engine check`): undefined when it can, else a message for people
   * saying why not and how to make it possible (qemu-user with binfmt_misc, say).
   */
  canRunPrograms?: () => Promise<string | undefined>;
  /**
   * The nodes that provide a recipe's `tools` in this place, when they are built by
   * the run rather than found on the build machine (stage4 runs the programs of the
   * stage3 tree): each node of the place depends on the providers of its own tools.
   * Tools without a provider are looked up as usual.
   */
  toolNodes?: (tools: readonly string[]) => readonly DepRef[];
  /**
   * Runs the place's phase commands somewhere other than the build machine's own
   * root (stage4 builds with the stage3 tree as `/`). Paths in commands, their cwd
   * and env are the same inside and out; the sandbox decides what else is there.
   */
  sandbox?: CommandSandbox;
  facts?: PlaceFacts;
  /**
   * The identity of the toolchain (compiler versions, resolved paths). It is part of
   * every node key of the place. Called at most once per run.
   */
  toolchain?: () => string | Promise<string>;
  /** What the host must have beyond the recipes' own `tools` (checked by `doctor`). */
  requirements?: readonly HostRequirement[];
  /** Debian package of each program the place's recipes may list in `tools` (for `doctor`). */
  hostPackages?: Readonly<Record<string, string>>;
}

/** One phase command, as the engine would run it on the build machine. */
export interface SandboxRequest {
  argv: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string>>;
  /**
   * Host directories the command uses (the build root, the source tree): the sandbox
   * must show them at their own paths, writable.
   */
  sharedDirs: readonly string[];
  /** Real paths for the engine's path tokens (a place definition holds token paths). */
  realPath: (text: string) => string;
}

export interface SandboxedCommand {
  /** What the engine runs on the build machine instead. */
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Called after the command has exited. */
  cleanup?: () => Promise<void>;
}

export interface CommandSandbox {
  /** For people: where commands run, e.g. `inside out/stage3 (user namespaces)`. */
  description: string;
  /** Refuses (an EngineError for people) when the sandbox cannot work on this machine. */
  available?: () => Promise<void>;
  wrap: (request: SandboxRequest) => Promise<SandboxedCommand>;
  /**
   * Where a path inside is found on the build machine, for the engine's check of a
   * recipe's tools before anything runs; undefined when it is nowhere.
   */
  hostPath: (insidePath: string, realPath: (text: string) => string) => string | undefined;
}

export interface InstallCheckInput {
  recipe: Recipe;
  /** The staging directory (DESTDIR) holding the node's install. */
  stagingDir: string;
  /** Regular files of the install, relative to stagingDir. */
  files: readonly string[];
}

export interface PlaceRequest {
  /** Options given on the command line (`--toolchain host`, `buildType`, ...). */
  readonly options: Readonly<Record<string, string | undefined>>;
  /**
   * The place is resolved to be inspected (`doctor`), not built: return it even when
   * the host lacks what building needs, and report that through `requirements`.
   */
  readonly inspect?: boolean;
  /** Where things live, as paths that are valid inside commands and environments. */
  readonly dirs: {
    readonly build: string;
    /** The installed tree (sysroot) of a place. */
    out(place: string): string;
  };
}

export type PlaceResolver = (
  name: string,
  request: PlaceRequest,
) => PlaceDefinition | undefined | Promise<PlaceDefinition | undefined>;

export interface GoalDefinition {
  description?: string;
  /** Node references the goal stands for; `place` is --target, or the config's default place. */
  nodes: (request: PlaceRequest & { place: string }) => readonly DepRef[];
}

/**
 * An option a config adds to the command line (`image` -> `--image <value>`), for
 * every command; its value reaches places (PlaceRequest.options) and recipes
 * (ctx.options) under its name.
 */
export interface OptionDefinition {
  description: string;
  default?: string;
  /**
   * The named goals that read it, when nothing else does (`--packages`): given on a
   * line that names none of them, it would do nothing, so that line is refused with
   * a usage error.
   */
  readByGoals?: readonly string[];
}

/** What a config-provided command is given when it runs. */
export interface CommandContext {
  /** Positional arguments after the command name. */
  args: readonly string[];
  /** Its own options, by their long name (`--kernel FILE` -> options.kernel). */
  options: Readonly<Record<string, string | boolean | undefined>>;
  /** The global options (--target, --toolchain, --build-dir ...). */
  globals: Readonly<Record<string, string | boolean | undefined>>;
  config: Config;
  /** The build root, resolved. */
  buildDir: string;
}

/**
 * A command a config adds to the CLI (`rootfs-engine boot`, say): the engine
 * parses its arguments and options and prints its errors like its own.
 */
export interface CommandDefinition {
  description: string;
  /** Positional arguments in commander syntax, e.g. `[node]` or `<file...>`. */
  arguments?: string;
  options?: ReadonlyArray<{ flags: string; description: string; default?: string }>;
  run: (context: CommandContext) => number | Promise<number>;
  /** What the command needs on the host, given the global options (checked by `doctor`). */
  requirements?: (globals: Readonly<Record<string, string | boolean | undefined>>) => readonly HostRequirement[];
}

export interface ConfigInput {
  recipes: readonly Recipe[];
  /** Named places, or a function that resolves a place name (e.g. any known triple). */
  places?: readonly PlaceDefinition[] | PlaceResolver;
  /** Place used when no --target is given (default `host`). */
  defaultPlace?: string;
  goals?: Readonly<Record<string, GoalDefinition>>;
  /** Build root, relative to the config file (default `build`). */
  buildDir?: string;
  /** Base URLs tried before a recipe's own URLs (Buildroot's BR2_PRIMARY_SITE). */
  mirrors?: readonly string[];
  /** Extra CLI commands (name -> definition). */
  commands?: Readonly<Record<string, CommandDefinition>>;
  /** Extra CLI options (name -> definition), given to places and recipes. */
  options?: Readonly<Record<string, OptionDefinition>>;
  /** The artifact cache (see docs/cache.md); command-line options override it. */
  cache?: CacheSettings;
  /**
   * Places each recipe is known to build for, from a run elsewhere (a CI's whole
   * world, say): `list` shows them beside the places built in this build root.
   */
  knownBuilds?: Readonly<Record<string, readonly string[]>>;
}

export interface CacheSettings {
  /** Local cache directory, relative to the config file (default `$XDG_CACHE_HOME/rootfs-engine/cache`). */
  dir?: string;
  /** Remote cache base URL in the layout of Bazel's HTTP cache (`/ac/`, `/cas/`). */
  url?: string;
  /** Never upload to the remote cache (for clients that are not trusted to write). */
  readOnly?: boolean;
}

export interface Config extends Readonly<ConfigInput> {
  readonly file: string;
}

export function defineConfig(input: ConfigInput): Config {
  return Object.freeze({ ...input, file: callerFile(defineConfig) });
}
