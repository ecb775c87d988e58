/**
 * Watch mode: build the goals, then rebuild what a change affects.
 *
 *                 change                 250 ms quiet
 *   watching ──────────────► debouncing ─────────────► reloading
 *      ▲                       ▲    │ more changes        │ config + graph +
 *      │ last run ends         └────┘ (timer restarts)    │ fresh source keys
 *      │                                                  ▼
 *   building ◄────────────────────────────────────── superseding
 *      │  a change while building: debouncing → reloading → superseding again
 *
 * Superseding: every run in progress stops starting nodes. Each node still
 * building is checked against the new graph: if its key would differ now (its
 * recipe, a file of its source tree, a patch, a dependency changed) it is
 * cancelled (its whole process group is killed); otherwise it goes on. A new run
 * starts at once; it waits for each node an older run still holds, then finds it
 * fresh (it went on) or rebuilds it (it was cancelled). So an unaffected node
 * builds once, and an affected one restarts with its new inputs.
 *
 * The runs share one state store and merge queue (see NodeControl in build.ts),
 * so they see each other's records and merges as one run would.
 */
import path from 'node:path';
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import { BuildContext, PlaceMergeQueue, buildGraph, createJobserver, planGraph, type BuildResult, type NodeControl } from '../build.ts';
import type { Jobserver } from '../exec/jobserver.ts';
import { isEngineError } from '../errors.ts';
import type { EngineEvent } from '../events.ts';
import type { NodeId } from '../graph/node-id.ts';
import { resolveGraph, type ResolvedGraph } from '../graph/resolve.ts';
import type { Layout } from '../layout.ts';
import type { Config } from '../recipe.ts';
import type { NodeKey, StateStore } from '../store/state.ts';
import { loadFreshConfig, withoutLoaderMarks } from './fresh-config.ts';
import { isInside, makeIgnore, watchSetOf, type WatchSet } from './inputs.ts';

export interface WatchOptions {
  configFile: string;
  goals: readonly string[];
  target?: string;
  toolchain?: string;
  buildType?: string;
  layout: Layout;
  distfilesDir: string;
  state: StateStore;
  jobs: number;
  keepGoing: boolean;
  debounceMs: number;
  /** --allow-http: plain-HTTP downloads (still verified by SHA-256). */
  allowHttp: boolean;
  /** Ctrl-C: cancels every run. */
  signal: AbortSignal;
  /** Status and progress lines. */
  write: (line: string) => void;
  /** Consumer of every run's engine events (the plain reporter, say). */
  reporter: () => (event: EngineEvent) => void;
  /** Runs before each build (fetching sources); a thrown error fails that build. */
  beforeBuild?: (config: Config, resolved: ResolvedGraph) => Promise<void>;
}

interface Generation {
  config: Config;
  resolved: ResolvedGraph;
  context: BuildContext;
}

interface Run {
  superseded: boolean;
  done: Promise<void>;
}

interface Claim {
  run: Run;
  key?: NodeKey;
  controller: AbortController;
  released: Promise<void>;
  release: () => void;
}

/** What chokidar is asked to watch: each tree, and the directory of each single file. */
function watchRoots(set: WatchSet): Set<string> {
  return new Set([...set.trees, ...[...set.files].map((file) => path.dirname(file))]);
}

export interface LastResult {
  text: string;
  ok: boolean;
}

export class WatchSession {
  private watcher: FSWatcher | undefined;
  private watchSet: WatchSet = { files: new Set(), trees: new Set() };
  /** Directories of the single files watched. */
  private parents = new Set<string>();
  private readonly claims = new Map<NodeId, Claim>();
  private readonly runs = new Set<Run>();
  private readonly merges: PlaceMergeQueue;
  private current: Generation | undefined;
  private changed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private processing: Promise<void> = Promise.resolve();
  private last: LastResult = { text: 'none yet', ok: true };
  private readonly ignore: (file: string) => boolean;
  private closed = false;
  private jobserver: Jobserver | undefined;
  private configBroken = false;
  private starting: Promise<void> = Promise.resolve();

  constructor(private readonly options: WatchOptions) {
    this.merges = new PlaceMergeQueue(options.state);
    this.ignore = makeIgnore([options.layout.root, options.distfilesDir]);
  }

  /** Whether a run is in progress (Ctrl-C then means "interrupted"). */
  get building(): boolean {
    return this.runs.size > 0;
  }

  /** Load, build once, start watching. Throws when the first load fails (nothing to watch yet). */
  start(): Promise<void> {
    this.starting = this.begin();
    return this.starting;
  }

  private async begin(): Promise<void> {
    const generation = await this.load(undefined);
    if (!generation.ok) throw generation.error;
    if (this.closed) return;
    // Single files are watched through their directory: an editor or git that
    // replaces a file (a new inode) would otherwise end the watch on it.
    this.watcher = chokidarWatch([...watchRoots(this.watchSet)], {
      ignoreInitial: true,
      ignored: (file: string) => this.ignore(file) || !this.wanted(file),
    });
    this.watcher.on('all', (_event, file) => this.onChange(file));
    this.watcher.on('error', (error) => this.options.write(`[watch] watcher error: ${(error as Error).message}`));
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
    if (this.closed) {
      await this.watcher.close();
      return;
    }
    await this.launch(generation.value);
  }

  /** Stop watching and wait for every run to end (cancel them first with the signal). */
  async close(): Promise<void> {
    this.closed = true;
    await this.starting.catch(() => undefined);
    if (this.timer) clearTimeout(this.timer);
    await this.watcher?.close();
    await this.processing.catch(() => undefined);
    await Promise.all([...this.runs].map((run) => run.done));
    this.jobserver?.close();
    this.jobserver = undefined;
  }

  /** Whether a path is one of the watched files, a directory holding one, or inside a tree. */
  private wanted(file: string): boolean {
    const { files, trees } = this.watchSet;
    if (files.has(file) || this.parents.has(file)) return true;
    for (const tree of trees) if (isInside(file, tree)) return true;
    return false;
  }

  private onChange(file: string): void {
    if (this.closed || this.ignore(file) || this.parents.has(file)) return;
    this.changed.add(file);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const batch = this.changed;
      this.changed = new Set();
      this.processing = this.processing.then(() => this.onBatch(batch)).catch((error: unknown) => {
        this.options.write(`[watch] internal error: ${(error as Error).message}`);
      });
    }, this.options.debounceMs);
  }

  private async onBatch(batch: Set<string>): Promise<void> {
    if (this.closed || this.options.signal.aborted) return;
    const shown = [...batch].slice(0, 5).map((file) => path.relative(process.cwd(), file) || file);
    this.options.write(`[watch] change: ${shown.join(', ')}${batch.size > 5 ? ` (+${batch.size - 5} more)` : ''}`);
    // Only a change to a tree leaves the config as it was (unless the last load
    // failed: the tree edit must not quietly build with an older config).
    const treesOnly = [...batch].every((file) => [...this.watchSet.trees].some((tree) => file.startsWith(tree + path.sep)));
    const generation = await this.load(treesOnly && !this.configBroken ? this.current : undefined);
    this.configBroken = !generation.ok;
    if (!generation.ok) {
      const message = isEngineError(generation.error) ? generation.error.message : String((generation.error as Error)?.message ?? generation.error);
      this.options.write(`[watch] config error: ${message}`);
      this.last = { text: 'config error (fix it and save: the next good edit rebuilds)', ok: false };
      if (!this.building) this.idle();
      return;
    }
    await this.launch(generation.value);
  }

  /**
   * A generation: the config (fresh, or the current one when only source trees
   * changed), its graph, and a context that computes source keys anew.
   */
  private async load(reuse: Generation | undefined): Promise<{ ok: true; value: Generation } | { ok: false; error: unknown }> {
    const { options } = this;
    const context = new BuildContext(options.layout, options.distfilesDir, options.state);
    if (reuse) return { ok: true, value: { config: reuse.config, resolved: reuse.resolved, context } };
    const loaded = await loadFreshConfig(options.configFile, async (config) => ({
      config,
      resolved: withoutLoaderMarks(await resolveGraph({
        config,
        goals: options.goals,
        target: options.target,
        buildType: options.buildType,
        options: { toolchain: options.toolchain, target: options.target },
      })),
    }));
    // A failed load still names the modules it reached: the fix is among them.
    const next = await watchSetOf(loaded, loaded.value?.resolved, this.ignore);
    if (!loaded.value) for (const file of this.watchSet.files) next.files.add(file);
    if (!loaded.value) for (const tree of this.watchSet.trees) next.trees.add(tree);
    this.updateWatcher(next);
    if (!loaded.value) return { ok: false, error: loaded.error };
    return { ok: true, value: { ...loaded.value, context } };
  }

  private updateWatcher(next: WatchSet): void {
    const before = watchRoots(this.watchSet);
    const after = watchRoots(next);
    this.watchSet = next;
    this.parents = new Set([...next.files].map((file) => path.dirname(file)));
    if (!this.watcher) return;
    const added = [...after].filter((p) => !before.has(p));
    const removed = [...before].filter((p) => !after.has(p));
    if (added.length > 0) this.watcher.add(added);
    if (removed.length > 0) this.watcher.unwatch(removed);
  }

  private watchedCount(): number {
    const watched = this.watcher?.getWatched() ?? {};
    let count = 0;
    for (const [dir, names] of Object.entries(watched)) {
      for (const name of names) {
        const file = path.join(dir, name);
        if (!this.ignore(file) && !this.parents.has(file) && this.wanted(file)) count += 1;
      }
    }
    return count;
  }

  private idle(): void {
    this.options.write(
      `[watch] watching ${this.watchedCount()} paths (${this.watchSet.files.size} files, ${this.watchSet.trees.size} source trees); last build: ${this.last.text}. Edit a file to rebuild, Ctrl-C to stop.`,
    );
  }

  /** Supersede the runs in progress and start one on `generation`. */
  private async launch(generation: Generation): Promise<void> {
    this.current = generation;
    for (const run of this.runs) run.superseded = true;
    await this.cancelAffected(generation);
    if (this.options.signal.aborted) return;
    const run: Run = { superseded: false, done: Promise.resolve() };
    this.runs.add(run);
    this.options.write(`[watch] building ${generation.resolved.nodes.size} nodes for ${this.options.goals.join(' ')}`);
    run.done = this.runBuild(run, generation).then(
      (result) => this.finished(run, result),
      (error: unknown) => this.finished(run, undefined, error),
    );
  }

  /** Cancel the nodes in progress whose key the change affects. */
  private async cancelAffected(generation: Generation): Promise<void> {
    const building = [...this.claims].filter(([, claim]) => claim.key !== undefined);
    if (building.length === 0) return;
    let keys: Map<NodeId, NodeKey | undefined>;
    try {
      const plan = await planGraph(generation.resolved, generation.context);
      keys = new Map(plan.map((entry) => [entry.id, entry.evaluation.key]));
    } catch {
      keys = new Map(); // Keys cannot be computed (a source tree vanished): cancel them all.
    }
    for (const [id, claim] of building) {
      if (keys.get(id) === claim.key) continue;
      this.options.write(`[watch] cancel ${id}: its inputs changed; it restarts with the new ones`);
      claim.controller.abort();
    }
  }

  private async runBuild(run: Run, generation: Generation): Promise<BuildResult> {
    const { options } = this;
    await options.beforeBuild?.(generation.config, generation.resolved);
    const report = options.reporter();
    return buildGraph(generation.resolved, generation.context, {
      layout: options.layout,
      jobs: options.jobs,
      keepGoing: options.keepGoing,
      signal: options.signal,
      onEvent: (event) => {
        // A superseded run's summary and skips would read as failures; its nodes still report.
        if ((event.type === 'run-end' || event.type === 'node-skipped') && run.superseded) return;
        report(event);
      },
      sourceOptions: { distfilesDir: options.distfilesDir, mirrors: generation.config.mirrors ?? [], offline: false, allowHttp: options.allowHttp },
      control: this.control(run),
      // One token pool for every run of the session: runs overlap when an edit
      // supersedes one, and make under either must share --jobs.
      jobserver: (this.jobserver ??= createJobserver(options.jobs)),
    });
  }

  private control(run: Run): NodeControl {
    return {
      merges: this.merges,
      claim: async (id) => {
        for (;;) {
          const held = this.claims.get(id);
          if (held) {
            await held.released;
            continue;
          }
          if (run.superseded || this.options.signal.aborted) return undefined;
          // --jobs holds across runs: nodes older runs still hold take slots too.
          const claims = [...this.claims.values()];
          const others = claims.filter((claim) => claim.run !== run);
          const mine = claims.length - others.length;
          if (others.length === 0 || others.length + mine < this.options.jobs) break;
          await Promise.race(others.map((claim) => claim.released));
        }
        let release = (): void => undefined;
        const released = new Promise<void>((resolve) => {
          release = resolve;
        });
        const claim: Claim = { run, controller: new AbortController(), released, release };
        this.claims.set(id, claim);
        return claim.controller.signal;
      },
      building: (id, key) => {
        const claim = this.claims.get(id);
        if (!claim) return;
        claim.key = key;
        // Looked at before a change superseded its run: its key may be stale.
        if (run.superseded) claim.controller.abort();
      },
      release: (id) => {
        const claim = this.claims.get(id);
        if (claim?.run !== run) return;
        this.claims.delete(id);
        claim.release();
      },
    };
  }

  private finished(run: Run, result: BuildResult | undefined, error?: unknown): void {
    this.runs.delete(run);
    if (!run.superseded) {
      if (error !== undefined) {
        const message = isEngineError(error) ? error.message : String((error as Error)?.message ?? error);
        this.options.write(`[watch] build failed before it started: ${message}`);
        this.last = { text: 'failed', ok: false };
      } else if (result) {
        for (const failure of result.failures) {
          this.options.write(failure.message);
          if (failure.tail.length > 0) this.options.write(`--- last ${failure.tail.length} lines of ${failure.logFile} ---\n${failure.tail.join('\n')}\n---`);
        }
        const c = result.counts;
        const summary = `${c.built} built, ${c.fresh} up to date${c.failed ? `, ${c.failed} failed` : ''}`;
        this.last = result.interrupted
          ? { text: `interrupted (${summary})`, ok: false }
          : { text: `${result.ok ? 'ok' : 'FAILED'} (${summary}) at ${new Date().toTimeString().slice(0, 8)}`, ok: result.ok };
      }
    }
    if (this.runs.size === 0 && !this.closed && !this.options.signal.aborted) this.idle();
  }
}
