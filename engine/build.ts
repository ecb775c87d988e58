/**
 * The builder: decides, per node, whether it is fresh (key equals the key of its
 * last successful build) and otherwise runs its phases, stages its install,
 * records a manifest, merges it into the place's output tree and writes the node
 * record. The scheduler (schedule/) decides the order; this module decides what
 * one node does.
 *
 * Early cutoff falls out of the keys: a dependent's key contains the output hash
 * of each dependency, so a rebuild that produced byte-identical output leaves the
 * dependents' keys, and therefore the dependents, untouched.
 */
import { promises as fs, openSync, closeSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineError } from './errors.ts';
import type { EngineEvent, EventSink, RunCounts } from './events.ts';
import { topologicalOrder, type ResolvedGraph, type ResolvedNode } from './graph/resolve.ts';
import type { NodeId } from './graph/node-id.ts';
import { Layout, substituteTokens } from './layout.ts';
import { PHASES, type Command, type PhaseName } from './recipe.ts';
import { keyInputs, keyOf } from './rebuild/key.ts';
import { diffInputs, type NotFreshReason } from './rebuild/reasons.ts';
import { SourceInputCache } from './rebuild/source-inputs.ts';
import { schedule, type IdleWait, type NodeOutcome } from './schedule/scheduler.ts';
import { runCommand } from './exec/process.ts';
import { findOnPath } from './exec/host-tools.ts';
import { Jobserver, makeNeedsPipeForm } from './exec/jobserver.ts';
import { defaultMaxHeavy, pressureGate, type PressureLimits } from './schedule/pressure.ts';
import { outputHashOf, scanManifest, type Manifest, type OutputHash } from './store/manifest.ts';
import { buildOwnershipIndex, findConflicts, mergeIntoOutput, type OwnershipIndex } from './store/merge.ts';
import { StateStore, STATE_FORMAT, type KeyInputs, type NodeKey, type NodeRecord } from './store/state.ts';
import { existingSourceDir, materializeSource } from './source-tree.ts';
import type { ArtifactCache } from './cache/artifact-cache.ts';

/** Phases `run` executes; `check` runs only when asked for. */
export const BUILD_PHASES: readonly PhaseName[] = PHASES.filter((p) => p !== 'check');

const ATTEMPT_MARKER = '.rootfs-engine-attempt';
/** Written when every build phase of an attempt succeeded: its object dir holds a whole build of that key. */
const BUILT_MARKER = '.rootfs-engine-built';

export interface BuildSettings {
  layout: Layout;
  jobs: number;
  /**
   * false: no jobserver; every node gets MAKEFLAGS=-j<jobs> of its own, as before
   * (up to jobs x jobs processes). For comparison and for tools that misbehave.
   * A Jobserver: use that pool and leave it open (watch mode shares one between
   * the runs it overlaps, so --jobs holds across them).
   */
  jobserver?: boolean | Jobserver;
  /** Heavy nodes (declared weight above 1) allowed at once; default from available memory. */
  maxHeavy?: number;
  /** Do not start new nodes while Linux PSI pressure is above these (avg10, percent). */
  maxPressure?: PressureLimits;
  keepGoing: boolean;
  signal: AbortSignal;
  onEvent: EventSink;
  /** Options for sources (distfiles dir, mirrors, offline...). */
  sourceOptions: SourceOptionsForBuild;
  /** The artifact cache (engine/cache/); absent with --no-cache. */
  cache?: ArtifactCache;
  /** Per-node control for runs that overlap in one build root (watch mode). */
  control?: NodeControl;
  /**
   * Nodes whose `check` phase (their own test suite) runs too (`rootfs-engine
   * check`). Such a node is never restored from the cache: a fresh one whose
   * object dir still holds its build runs the check phase there; any other is
   * built, and checked between build and install.
   */
  check?: ReadonlySet<NodeId>;
}

/**
 * Lets a caller run several builds of one build root at once and cancel single
 * nodes (watch mode: a change supersedes a run while some of its nodes go on).
 * Builds sharing a control must share its merge queue and their context's state
 * store, so that they see each other's records and merges.
 */
export interface NodeControl {
  /**
   * Called before a node is looked at. Resolves, once no other build holds the
   * node, to a signal that cancels this node alone; or to undefined when the run
   * must not start it (it was superseded). Every claim is followed by a release.
   */
  claim(id: NodeId): Promise<AbortSignal | undefined>;
  /** The node is about to build with this key (it was not fresh). */
  building(id: NodeId, key: NodeKey): void;
  release(id: NodeId): void;
  merges: PlaceMergeQueue;
}

export interface SourceOptionsForBuild {
  distfilesDir: string;
  mirrors: readonly string[];
  offline: boolean;
  allowHttp: boolean;
}

export interface NodeFailure {
  id: NodeId;
  phase: string;
  message: string;
  logFile?: string;
  tail: string[];
}

export interface BuildResult {
  ok: boolean;
  interrupted: boolean;
  counts: RunCounts;
  failures: NodeFailure[];
  durationMs: number;
}

/** What the engine knows about a node before running anything. */
export interface NodeEvaluation {
  id: NodeId;
  /** undefined when a dependency will rebuild first (its output is not known yet). */
  key: NodeKey | undefined;
  inputs: KeyInputs | undefined;
  record: NodeRecord | undefined;
  fresh: boolean;
  reasons: NotFreshReason[];
  sourceFiles?: Record<string, string>;
}

/** Shared per-run caches: toolchain identities, source inputs, the state store. */
export class BuildContext {
  readonly state: StateStore;
  readonly sources: SourceInputCache;
  private readonly toolchains = new Map<string, Promise<string | undefined>>();

  constructor(
    readonly layout: Layout,
    distfilesDir: string = layout.srcDir,
    /** A store shared with other builds of the same root (watch mode). */
    state?: StateStore,
  ) {
    this.state = state ?? new StateStore(layout.stateDir);
    this.sources = new SourceInputCache(layout.stateDir, distfilesDir);
  }

  toolchainOf(node: ResolvedNode): Promise<string | undefined> {
    let pending = this.toolchains.get(node.place.name);
    if (!pending) {
      const identify = node.place.definition.toolchain;
      pending = identify ? Promise.resolve(identify()) : Promise.resolve(undefined);
      this.toolchains.set(node.place.name, pending);
    }
    return pending;
  }

  /**
   * Key and freshness of a node, given the output hashes its dependencies have now.
   * A dependency missing from `depOutputs` is one that will rebuild first.
   */
  async evaluate(node: ResolvedNode, depOutputs: ReadonlyMap<NodeId, OutputHash>): Promise<NodeEvaluation> {
    const record = await this.state.read(node.place.name, node.recipe.name);
    const pending = node.deps.filter((dep) => !depOutputs.has(dep));
    if (pending.length > 0) {
      const reasons: NotFreshReason[] = record ? [{ kind: 'dependency-pending', deps: pending }] : [{ kind: 'never-built' }];
      return { id: node.id, key: undefined, inputs: undefined, record, fresh: false, reasons };
    }
    const source = await this.sources.get(node.recipe);
    const inputs = keyInputs(node, { depOutputs, sourceInputs: source.inputs, toolchain: await this.toolchainOf(node) });
    // The key is a function of the inputs: equal inputs need no canonical JSON and
    // no hash (most nodes of a no-op run).
    if (record && sameInputs(record.inputs, inputs)) {
      return { id: node.id, key: record.key, inputs, record, fresh: true, reasons: [], sourceFiles: source.files };
    }
    const key = keyOf(inputs);
    if (record && record.key === key) {
      return { id: node.id, key, inputs, record, fresh: true, reasons: [], sourceFiles: source.files };
    }
    const reasons: NotFreshReason[] = record
      ? diffInputs(record.inputs, inputs, { before: record.sourceFiles, after: source.files })
      : [{ kind: 'never-built' }];
    return { id: node.id, key, inputs, record, fresh: false, reasons, sourceFiles: source.files };
  }
}

function sameInputs(a: KeyInputs, b: KeyInputs): boolean {
  let count = 0;
  for (const name in a) {
    if (a[name] !== b[name]) return false;
    count += 1;
  }
  return count === Object.keys(b).length;
}

export interface PlanEntry {
  id: NodeId;
  fresh: boolean;
  reasons: NotFreshReason[];
  evaluation: NodeEvaluation;
}

/** What `run` would do, in dependency order, without running anything. */
export async function planGraph(resolved: ResolvedGraph, context: BuildContext): Promise<PlanEntry[]> {
  const outputs = new Map<NodeId, OutputHash>();
  const entries: PlanEntry[] = [];
  for (const id of topologicalOrder(resolved)) {
    const node = resolved.nodes.get(id)!;
    const evaluation = await context.evaluate(node, outputs);
    if (evaluation.fresh && evaluation.record) outputs.set(id, evaluation.record.outputHash);
    entries.push({ id, fresh: evaluation.fresh, reasons: evaluation.reasons, evaluation });
  }
  return entries;
}

function tailOf(text: string, lines = 20): string[] {
  const all = text.replace(/\s+$/, '').split('\n');
  return all.slice(Math.max(0, all.length - lines));
}

async function readTail(file: string): Promise<string[]> {
  try {
    const handle = await fs.open(file, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, 64 * 1024);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return tailOf(buffer.toString('utf8'));
    } finally {
      await handle.close();
    }
  } catch {
    return [];
  }
}

function describeCommand(command: Command): string {
  return typeof command === 'string' ? command : command.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Serialises merges per output tree: conflict checks must see each other's writes. */
export class PlaceMergeQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly indexes = new Map<string, Promise<OwnershipIndex>>();

  constructor(private readonly state: StateStore) {}

  index(place: string): Promise<OwnershipIndex> {
    let pending = this.indexes.get(place);
    if (!pending) {
      pending = this.state.readPlace(place).then((records) => buildOwnershipIndex(records));
      this.indexes.set(place, pending);
    }
    return pending;
  }

  run<T>(place: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(place) ?? Promise.resolve();
    const next = previous.then(task, task);
    this.tails.set(place, next.catch(() => undefined));
    return next;
  }
}

/**
 * Which nodes of the run are still to finish. A node whose install takes over a
 * path another node of the same run still owns from an earlier build (a file that
 * moved from one package to another) waits for that node to rebuild and let the
 * path go, instead of failing on a conflict that is about to disappear.
 */
class RunTracker {
  private readonly pending = new Map<NodeId, { promise: Promise<void>; resolve: () => void }>();
  private readonly waiting = new Map<NodeId, readonly NodeId[]>();

  constructor(private readonly resolved: ResolvedGraph) {
    for (const id of resolved.nodes.keys()) {
      let resolve = (): void => undefined;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.pending.set(id, { promise, resolve });
    }
  }

  finish(id: NodeId): void {
    this.pending.get(id)?.resolve();
    this.pending.delete(id);
  }

  finishAll(): void {
    for (const id of [...this.pending.keys()]) this.finish(id);
  }

  /** Whether `a` needs `b`, directly or through other nodes. */
  private dependsOn(a: NodeId, b: NodeId): boolean {
    const seen = new Set<NodeId>();
    const stack = [a];
    while (stack.length > 0) {
      const current = stack.pop()!;
      for (const dep of this.resolved.nodes.get(current)?.deps ?? []) {
        if (dep === b) return true;
        if (!seen.has(dep)) {
          seen.add(dep);
          stack.push(dep);
        }
      }
    }
    return false;
  }

  /** Whether `a` is (transitively) waiting for `b` to finish. */
  private waitsFor(a: NodeId, b: NodeId): boolean {
    const seen = new Set<NodeId>();
    const stack = [a];
    while (stack.length > 0) {
      for (const next of this.waiting.get(stack.pop()!) ?? []) {
        if (next === b) return true;
        if (!seen.has(next)) {
          seen.add(next);
          stack.push(next);
        }
      }
    }
    return false;
  }

  /** Owners worth waiting for: still to finish, and not waiting (or depending) on `id` themselves. */
  ownersToAwait(id: NodeId, owners: Iterable<string>): NodeId[] {
    const out: NodeId[] = [];
    for (const owner of new Set(owners) as Set<NodeId>) {
      if (this.pending.has(owner) && !this.dependsOn(owner, id) && !this.waitsFor(owner, id)) out.push(owner);
    }
    return out;
  }

  async await(id: NodeId, owners: readonly NodeId[]): Promise<void> {
    this.waiting.set(id, owners);
    try {
      await Promise.all(owners.map((owner) => this.pending.get(owner)?.promise));
    } finally {
      this.waiting.delete(id);
    }
  }
}

export async function buildGraph(resolved: ResolvedGraph, context: BuildContext, settings: BuildSettings): Promise<BuildResult> {
  const started = Date.now();
  const emit = (event: EngineEvent): void => settings.onEvent(event);
  const { layout } = settings;
  const order = topologicalOrder(resolved);
  const deps = new Map<NodeId, NodeId[]>(order.map((id) => [id, resolved.nodes.get(id)!.deps]));
  const weights = new Map<NodeId, number>();
  // Records are read concurrently: at thousands of nodes, one await per file in
  // turn dominated a no-op run.
  const records = await Promise.all(order.map((id) => context.state.read(resolved.nodes.get(id)!.place.name, resolved.nodes.get(id)!.recipe.name)));
  const known = records.filter((r) => r !== undefined).map((r) => r.durationMs);
  // Never-built nodes count as an average node times their declared weight; a
  // recorded duration already says what the node costs.
  const average = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : 1;
  const heavy = new Set<NodeId>();
  order.forEach((id, index) => {
    const weight = resolved.nodes.get(id)!.recipe.weight ?? 1;
    if (weight > 1) heavy.add(id);
    weights.set(id, records[index]?.durationMs ?? average * weight);
  });
  const outputs = new Map<NodeId, OutputHash>();
  const failures: NodeFailure[] = [];
  const counts: RunCounts = { total: order.length, fresh: 0, built: 0, restored: 0, failed: 0, skipped: 0, cancelled: 0 };
  const cacheWrites: Array<Promise<void>> = [];
  const merges = settings.control?.merges ?? new PlaceMergeQueue(context.state);
  const tracker = new RunTracker(resolved);
  const sharedJobserver = settings.jobserver instanceof Jobserver ? settings.jobserver : undefined;
  const jobserver = sharedJobserver ?? (settings.jobserver === false ? undefined : createJobserver(settings.jobs));
  emit({ type: 'run-start', total: order.length, jobs: settings.jobs, goals: resolved.goals, time: Date.now() });

  const runOne = async (id: NodeId, slot: number, idle: IdleWait): Promise<NodeOutcome> => {
    try {
      const control = settings.control;
      if (!control) return await runTracked(id, slot, undefined, idle);
      const nodeSignal = await control.claim(id);
      try {
        if (!nodeSignal) {
          counts.skipped += 1;
          return 'cancelled';
        }
        return await runTracked(id, slot, nodeSignal, idle);
      } finally {
        control.release(id);
      }
    } finally {
      tracker.finish(id);
    }
  };

  const runTracked = async (id: NodeId, slot: number, nodeSignal: AbortSignal | undefined, idle: IdleWait): Promise<NodeOutcome> => {
    const node = resolved.nodes.get(id)!;
    const fail = (phase: NodeFailure['phase'], message: string, logFile: string | undefined, tail: string[]): NodeOutcome => {
      failures.push({ id, phase, message, logFile, tail });
      counts.failed += 1;
      emit({ type: 'node-failed', id, phase: phase as PhaseName, message, logFile, tail, slot, time: Date.now() });
      return 'failed';
    };
    let evaluation: NodeEvaluation;
    try {
      evaluation = await context.evaluate(node, outputs);
    } catch (error) {
      return fail('setup', (error as Error).message, undefined, []);
    }
    const checking = settings.check?.has(id) === true;
    // A node to check counts as fresh only while its object dir still holds that build.
    const fresh = evaluation.fresh && evaluation.record !== undefined && (!checking || (await holdsBuildOf(layout.objDir(node.place.name, node.recipe.name), evaluation.key!)));
    if (checking && fresh) {
      const token = jobserver ? await jobserver.acquire(settings.signal) : { implicit: true };
      if (!token) {
        counts.cancelled += 1;
        emit({ type: 'node-cancelled', id, time: Date.now() });
        return 'cancelled';
      }
      let checked: ExecuteResult;
      try {
        checked = await executeNode(node, evaluation, layout, settings, emit, merges, context, tracker, { jobserver, commandsDone: () => undefined, idle }, 'check-only');
      } finally {
        jobserver?.release(token);
      }
      if (checked.kind === 'cancelled') {
        counts.cancelled += 1;
        emit({ type: 'node-cancelled', id, time: Date.now() });
        return 'cancelled';
      }
      if (checked.kind === 'failed') return fail(checked.phase, checked.message, checked.logFile, checked.tail);
    }
    if (fresh && evaluation.record) {
      outputs.set(id, evaluation.record.outputHash);
      counts.fresh += 1;
      emit({ type: 'node-fresh', id, time: Date.now() });
      return 'ok';
    }
    // Artifact cache: a stored build of this key is restored instead of built.
    const cache = settings.cache && node.recipe.cacheable !== false ? settings.cache : undefined;
    if (cache && !checking) {
      const restoreStarted = Date.now();
      const stageDir = layout.stageDir(node.place.name, node.recipe.name);
      const restored = await cache.restore(id, evaluation.key!, stageDir);
      if (restored) {
        const timing = { durationMs: restored.buildDurationMs, phaseDurationsMs: restored.phaseDurationsMs ?? {} };
        const merged = await mergeStaged(node, evaluation, restored.manifest, stageDir, timing, layout, merges, context, tracker, idle);
        if (merged.kind === 'failed') return fail(merged.phase, merged.message, undefined, []);
        outputs.set(id, restored.outputHash);
        counts.restored += 1;
        emit({ type: 'node-restored', id, from: restored.from, durationMs: Date.now() - restoreStarted, slot, time: Date.now() });
        return 'ok';
      }
    }
    // A node that runs commands holds one jobserver token; make under it reads more.
    const token = jobserver ? await jobserver.acquire(nodeSignal ? AbortSignal.any([settings.signal, nodeSignal]) : settings.signal) : { implicit: true };
    if (!token) {
      counts.cancelled += 1;
      emit({ type: 'node-cancelled', id, time: Date.now() });
      return 'cancelled';
    }
    let released = false;
    const releaseToken = (): void => {
      if (released) return;
      released = true;
      jobserver?.release(token);
    };
    emit({ type: 'node-start', id, reasons: evaluation.reasons, slot, time: Date.now() });
    settings.control?.building(id, evaluation.key!);
    const nodeSettings = nodeSignal ? { ...settings, signal: AbortSignal.any([settings.signal, nodeSignal]) } : settings;
    let result: ExecuteResult;
    try {
      result = await executeNode(node, evaluation, layout, nodeSettings, emit, merges, context, tracker, { jobserver, commandsDone: releaseToken, idle }, checking ? 'build-and-check' : 'build');
    } finally {
      releaseToken();
    }
    if (result.kind === 'cancelled') {
      counts.cancelled += 1;
      emit({ type: 'node-cancelled', id, time: Date.now() });
      return 'cancelled';
    }
    if (result.kind === 'failed') return fail(result.phase, result.message, result.logFile, result.tail);
    if (result.kind === 'checked') throw new Error(`${id}: a build returned a check-only result`);
    outputs.set(id, result.outputHash);
    if (cache) {
      const stageDir = layout.stageDir(node.place.name, node.recipe.name);
      // In the background: dependents need not wait for the copy into the cache.
      cacheWrites.push(cache.store({ id, key: evaluation.key!, stageDir, manifest: result.manifest, outputHash: result.outputHash, durationMs: result.durationMs, phaseDurationsMs: result.phaseDurationsMs }));
    }
    counts.built += 1;
    emit({ type: 'node-done', id, durationMs: result.durationMs, outputChanged: result.outputChanged, slot, time: Date.now() });
    return 'ok';
  };

  const { outcomes } = await schedule<NodeId>({
    deps,
    weights,
    concurrency: settings.jobs,
    keepGoing: settings.keepGoing,
    signal: settings.signal,
    run: runOne,
    heavy: { ids: heavy, max: settings.maxHeavy ?? defaultMaxHeavy(settings.jobs) },
    mayStart: settings.maxPressure ? pressureGate(settings.maxPressure) : undefined,
    onBlocked: (id, blockedBy) => {
      tracker.finish(id);
      counts.skipped += 1;
      emit({ type: 'node-skipped', id, blockedBy, time: Date.now() });
    },
  }).finally(() => {
    if (!sharedJobserver) jobserver?.close();
  });
  tracker.finishAll();
  await Promise.all(cacheWrites);
  const interrupted = settings.signal.aborted;
  for (const outcome of outcomes.values()) if (outcome === 'not-started') counts.skipped += 1;
  const ok = !interrupted && failures.length === 0 && counts.cancelled === 0;
  const durationMs = Date.now() - started;
  emit({ type: 'run-end', ok, interrupted, counts, durationMs, time: Date.now() });
  return { ok, interrupted, counts, failures, durationMs };
}

type ExecuteResult =
  | { kind: 'ok'; outputHash: OutputHash; durationMs: number; outputChanged: boolean; manifest: Manifest; phaseDurationsMs: Record<string, number> }
  | { kind: 'failed'; phase: NodeFailure['phase']; message: string; logFile?: string; tail: string[] }
  | { kind: 'checked'; durationMs: number }
  | { kind: 'cancelled' };

async function prepareObjectDir(objDir: string, key: NodeKey, resumable: boolean): Promise<void> {
  const marker = path.join(objDir, ATTEMPT_MARKER);
  const previous = await fs.readFile(marker, 'utf8').catch(() => undefined);
  // Resuming is only safe for tools that never trust a half-written output (ninja);
  // everyone else starts from an empty object directory.
  if (!(resumable && previous === key)) await fs.rm(objDir, { recursive: true, force: true });
  await fs.mkdir(objDir, { recursive: true });
  await fs.writeFile(marker, key);
}

/** Whether an object dir holds a whole, successful build of this key (for a check without a rebuild). */
async function holdsBuildOf(objDir: string, key: NodeKey): Promise<boolean> {
  const built = await fs.readFile(path.join(objDir, BUILT_MARKER), 'utf8').catch(() => undefined);
  return built === key;
}

/**
 * What executeNode does: build (the phases `run` executes), build with the check
 * phase between build and install, or only run the check phase in the object dir
 * of a build that is already there (nothing is staged or merged then).
 */
type ExecuteMode = 'build' | 'build-and-check' | 'check-only';

async function executeNode(
  node: ResolvedNode,
  evaluation: NodeEvaluation,
  layout: Layout,
  settings: BuildSettings,
  emit: EventSink,
  merges: PlaceMergeQueue,
  context: BuildContext,
  tracker: RunTracker,
  jobs: { jobserver: Jobserver | undefined; commandsDone: () => void; idle: IdleWait },
  mode: ExecuteMode = 'build',
): Promise<ExecuteResult> {
  const started = Date.now();
  const { place } = node;
  const recipe = node.recipe;
  const key = evaluation.key!;
  const objDir = layout.objDir(place.name, recipe.name);
  const stageDir = layout.stageDir(place.name, recipe.name);
  const logDir = layout.logDir(place.name, recipe.name);
  const tmpDir = path.join(layout.tmpDir, place.name, recipe.name);

  let srcDir = '';
  if (mode === 'check-only') {
    try {
      await fs.mkdir(logDir, { recursive: true });
      await fs.rm(tmpDir, { recursive: true, force: true });
      await fs.mkdir(tmpDir, { recursive: true });
      srcDir = await existingSourceDir(node, objDir, { layout, tmpDir, ...settings.sourceOptions });
    } catch (error) {
      return { kind: 'failed', phase: 'setup', message: (error as Error).message, tail: [] };
    }
  } else try {
    await fs.mkdir(logDir, { recursive: true });
    await fs.rm(path.join(objDir, BUILT_MARKER), { force: true });
    await prepareObjectDir(objDir, key, recipe.resumable === true);
    await fs.rm(stageDir, { recursive: true, force: true });
    await fs.mkdir(stageDir, { recursive: true });
    await fs.rm(tmpDir, { recursive: true, force: true });
    await fs.mkdir(tmpDir, { recursive: true });
    srcDir = await materializeSource(node, { layout, objDir, tmpDir, ...settings.sourceOptions });
  } catch (error) {
    return { kind: 'failed', phase: 'setup', message: (error as Error).message, tail: [] };
  }

  const real = (text: string): string => substituteTokens(text, layout.root, srcDir);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(node.env)) env[name] = real(value);
  env['HOME'] ??= objDir;
  env['TMPDIR'] = tmpDir;
  // Parallelism inside a node is not part of the key (keyInputs reads node.env,
  // not this copy): it must not change the output. No CMAKE_BUILD_PARALLEL_LEVEL:
  // `cmake --build` would turn it into a `-jN` that makes make leave the jobserver.
  if (jobs.jobserver) {
    env['MAKEFLAGS'] = jobs.jobserver.makeflags(makeNeedsPipeForm(env['PATH'] ?? ''));
  } else {
    env['MAKEFLAGS'] = `-j${settings.jobs}`;
    env['CMAKE_BUILD_PARALLEL_LEVEL'] = String(settings.jobs);
  }

  const sandbox = place.definition.sandbox;
  if (sandbox?.available) {
    try {
      await sandbox.available();
    } catch (error) {
      return { kind: 'failed', phase: 'setup', message: (error as Error).message, tail: [] };
    }
  }
  const missing: string[] = [];
  const hostPath = sandbox ? (inside: string): string | undefined => sandbox.hostPath(inside, real) : undefined;
  for (const tool of recipe.tools ?? []) if (!(await findOnPath(tool, env['PATH'] ?? '', hostPath))) missing.push(tool);
  if (missing.length > 0 && sandbox) {
    return {
      kind: 'failed',
      phase: 'setup',
      message: `${node.id} needs ${missing.join(', ')} on PATH (${env['PATH']}) ${sandbox.description}, and ${missing.length === 1 ? 'it is' : 'they are'} not there. Build the node${missing.length === 1 ? '' : 's'} that install${missing.length === 1 ? 's it' : ' them'} there first, or leave this recipe out of ${place.name}; nothing was built.`,
      tail: [],
    };
  }
  if (missing.length > 0) {
    return {
      kind: 'failed',
      phase: 'setup',
      message: `${node.id} needs ${missing.join(', ')} on PATH (${env['PATH']}), and ${missing.length === 1 ? 'it is' : 'they are'} not there. Install ${missing.length === 1 ? 'it' : 'them'} (\`rootfs-engine doctor ${node.id}\`, with this run's options, names their Debian packages; \`--fix\` installs them) and run again.`,
      tail: [],
    };
  }

  const phaseDurations: Record<string, number> = {};
  const phases = mode === 'check-only' ? (['check'] as const) : mode === 'build-and-check' ? PHASES : BUILD_PHASES;
  for (const phase of phases) {
    if (phase === 'check' && node.phases.check.length === 0) {
      return {
        kind: 'failed',
        phase: 'check',
        message: `${node.id} has no check phase: its recipe (${recipe.file}) declares no test suite to run. Add \`phases.check\` to the recipe to make \`rootfs-engine check\` run one.`,
        tail: [],
      };
    }
    if (phase === 'install' && mode !== 'check-only') await fs.writeFile(path.join(objDir, BUILT_MARKER), key);
    const commands = node.phases[phase];
    if (commands.length === 0) continue;
    const logFile = layout.logFile(place.name, recipe.name, phase);
    const phaseStart = Date.now();
    emit({ type: 'phase-start', id: node.id, phase, time: phaseStart });
    const fd = openSync(logFile, 'w');
    const timeoutSeconds = recipe.timeout?.[phase];
    const deadline = timeoutSeconds === undefined ? undefined : phaseStart + timeoutSeconds * 1000;
    let outcome: Awaited<ReturnType<typeof runCommand>> = { kind: 'ok' };
    let failedCommand = '';
    try {
      for (const command of commands) {
        const resolvedCommand: Command = typeof command === 'string' ? real(command) : command.map(real);
        writeSync(fd, `$ ${describeCommand(resolvedCommand)}\n`);
        // The limit is for the whole phase: each command gets what is left of it.
        let sandboxed: Awaited<ReturnType<NonNullable<typeof sandbox>['wrap']>> | undefined;
        try {
          sandboxed = sandbox
            ? await sandbox.wrap({
                argv: typeof resolvedCommand === 'string' ? ['/bin/sh', '-c', resolvedCommand] : resolvedCommand,
                cwd: objDir,
                env,
                sharedDirs: [...new Set([layout.root, srcDir].filter((dir) => dir !== ''))],
                realPath: real,
              })
            : undefined;
        } catch (error) {
          outcome = { kind: 'spawn-error', message: `${sandbox?.description ?? 'the sandbox'}: ${(error as Error).message}` };
          failedCommand = describeCommand(resolvedCommand);
          break;
        }
        try {
          outcome = await runCommand({
            command: sandboxed ? sandboxed.argv : resolvedCommand,
            cwd: objDir,
            env: sandboxed ? { ...sandboxed.env } : env,
            logFd: fd,
            timeoutMs: deadline === undefined ? undefined : Math.max(1, deadline - Date.now()),
            signal: settings.signal,
            inheritFds: jobs.jobserver ? [jobs.jobserver.childFd, jobs.jobserver.childFd] : [],
          });
        } finally {
          await sandboxed?.cleanup?.();
        }
        if (outcome.kind !== 'ok') {
          failedCommand = describeCommand(resolvedCommand);
          break;
        }
      }
    } finally {
      closeSync(fd);
    }
    phaseDurations[phase] = Date.now() - phaseStart;
    emit({ type: 'phase-end', id: node.id, phase, durationMs: phaseDurations[phase]!, time: Date.now() });
    if (outcome.kind === 'ok') continue;
    if (outcome.kind === 'cancelled') return { kind: 'cancelled' };
    const tail = await readTail(logFile);
    const what =
      outcome.kind === 'timeout'
        ? `timed out: the ${phase} phase may take ${timeoutSeconds} s (timeout.${phase} of the recipe)`
        : outcome.kind === 'spawn-error'
          ? `could not start: ${outcome.message}`
          : outcome.signal
            ? `was killed by ${outcome.signal}`
            : `exited with status ${outcome.exitCode}`;
    return {
      kind: 'failed',
      phase,
      message:
        phase === 'check'
          ? `The test suite of ${node.id} failed: \`${failedCommand}\` ${what}. Its full log is ${logFile}. The build itself succeeded${mode === 'check-only' ? ' and stays installed' : ' but was not installed'}.`
          : `The ${phase} phase of ${node.id} failed: \`${failedCommand}\` ${what}. Its full log is ${logFile}. Outputs of earlier builds are untouched.`,
      logFile,
      tail,
    };
  }
  if (mode === 'check-only') return { kind: 'checked', durationMs: Date.now() - started };

  // No more commands: the token goes back before the merge, which may wait for
  // another node of this run (a path changing owners) that needs a token itself.
  jobs.commandsDone();
  let manifest;
  try {
    manifest = await scanManifest(stageDir);
  } catch (error) {
    return { kind: 'failed', phase: 'merge', message: `${node.id} staged something that cannot be installed: ${(error as Error).message}.`, tail: [] };
  }
  const check = place.definition.checkInstall;
  if (check) {
    let problems: readonly string[];
    try {
      problems = await check({ recipe, stagingDir: stageDir, files: manifest.filter((e) => e.type === 'file').map((e) => e.path) });
    } catch (error) {
      problems = [`the install check itself failed: ${(error as Error).message}`];
    }
    if (problems.length > 0) {
      const shown = problems.slice(0, 20).map((p) => `  ${p}`);
      if (problems.length > 20) shown.push(`  ... and ${problems.length - 20} more`);
      return {
        kind: 'failed',
        phase: 'merge',
        message: `${node.id} installed files that ${place.name} does not accept, so nothing was merged (the install is kept in ${stageDir} for inspection):\n${shown.join('\n')}\nFix the recipe's flags or install phase and run again.`,
        tail: [],
      };
    }
  }
  const outputHash = outputHashOf(manifest);
  const merged = await mergeStaged(node, evaluation, manifest, stageDir, { durationMs: Date.now() - started, phaseDurationsMs: phaseDurations }, layout, merges, context, tracker, jobs.idle);
  if (merged.kind === 'failed') return merged;
  await fs.rm(tmpDir, { recursive: true, force: true }).catch(() => undefined);
  return {
    kind: 'ok',
    outputHash,
    durationMs: Date.now() - started,
    outputChanged: evaluation.record?.outputHash !== outputHash,
    manifest,
    phaseDurationsMs: phaseDurations,
  };
}

/**
 * Merge a staged install (built, or restored from the artifact cache) into the
 * place's output tree and write the node's record, in the place's merge queue.
 */
async function mergeStaged(
  node: ResolvedNode,
  evaluation: NodeEvaluation,
  manifest: Manifest,
  stageDir: string,
  timing: { durationMs: number; phaseDurationsMs: Record<string, number> },
  layout: Layout,
  merges: PlaceMergeQueue,
  context: BuildContext,
  tracker: RunTracker,
  idle: IdleWait,
): Promise<{ kind: 'ok' } | { kind: 'failed'; phase: 'merge'; message: string; tail: string[] }> {
  const { place, recipe } = node;
  const key = evaluation.key!;
  const outputHash = outputHashOf(manifest);
  const previous = evaluation.record;
  try {
    // A path still owned by a node this run is about to rebuild: let that node go first.
    for (;;) {
      const conflicts = findConflicts(node.id, manifest, await merges.index(place.name));
      const owners = tracker.ownersToAwait(node.id, conflicts.map((c) => c.owner));
      if (owners.length === 0) break;
      // Idle: the owner may not have started yet, and needs a place in the pool.
      await idle(tracker.await(node.id, owners));
    }
    await merges.run(place.name, async () => {
      const index = await merges.index(place.name);
      await mergeIntoOutput({
        nodeId: node.id,
        stagingDir: stageDir,
        outDir: layout.outDir(place.name),
        manifest,
        previous: previous?.manifest,
        index,
      });
      await context.state.write(place.name, recipe.name, {
        format: STATE_FORMAT,
        id: node.id,
        key,
        inputs: evaluation.inputs!,
        sourceFiles: evaluation.sourceFiles,
        outputHash,
        manifest,
        durationMs: timing.durationMs,
        phaseDurationsMs: timing.phaseDurationsMs,
        finishedAt: new Date().toISOString(),
      });
    });
  } catch (error) {
    if (error instanceof EngineError) return { kind: 'failed', phase: 'merge', message: error.message, tail: [] };
    return { kind: 'failed', phase: 'merge', message: `Merging ${node.id} into ${layout.outDir(place.name)} failed: ${(error as Error).message}.`, tail: [] };
  }
  return { kind: 'ok' };
}

export function createJobserver(jobs: number): Jobserver {
  try {
    return Jobserver.create(os.tmpdir(), jobs);
  } catch (error) {
    throw new EngineError(
      'JOBSERVER_FAILED',
      `Could not create the jobserver's named pipe in ${os.tmpdir()}: ${(error as Error).message}. Point TMPDIR at a directory on a file system that allows named pipes (mkfifo), or run with --no-jobserver. Nothing was built.`,
    );
  }
}

export function defaultJobs(): number {
  return Math.max(1, os.availableParallelism());
}
