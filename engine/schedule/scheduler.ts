/**
 * The scheduler: which ready node starts next. It knows nothing about builds; it
 * is given a DAG (node -> dependencies), a weight per node (recorded duration) and
 * a function that runs one node. Ready nodes wait in a p-queue ordered by
 * longest remaining path (the node's own weight plus the heaviest chain of nodes
 * waiting on it), so the critical path starts as early as possible.
 */
import PQueue from 'p-queue';

export type NodeOutcome = 'ok' | 'failed' | 'cancelled';

/**
 * Given to a running node: it wraps a wait during which the node does no work
 * (waiting for another node to finish first), and lends the node's place in the
 * pool to others meanwhile. Without it, nodes that all wait for one that has not
 * started yet would hold every place, and that one could never start.
 */
export type IdleWait = <T>(wait: Promise<T>) => Promise<T>;

export interface ScheduleInput<Id extends string> {
  /** Every node to run, with its dependencies (all of them inside this set). */
  deps: ReadonlyMap<Id, readonly Id[]>;
  /** Expected duration per node; missing entries use the mean of the known ones (or 1). */
  weights: ReadonlyMap<Id, number>;
  concurrency: number;
  keepGoing: boolean;
  signal: AbortSignal;
  run: (id: Id, slot: number, idle: IdleWait) => Promise<NodeOutcome>;
  /** Told when a node will not run because a dependency failed. */
  onBlocked?: (id: Id, blockedBy: Id) => void;
  /**
   * Nodes that must not run together beyond `max` at once (memory-hungry ones,
   * e.g. LLVM). A heavy node that finds `max` heavy nodes running waits, and
   * lighter ready nodes go ahead of it.
   */
  heavy?: { ids: ReadonlySet<Id>; max: number };
  /**
   * Asked before a node starts; while it resolves false (e.g. the system is under
   * memory or CPU pressure) no new node starts, unless none is running.
   */
  mayStart?: () => boolean;
}

export interface ScheduleResult<Id extends string> {
  outcomes: Map<Id, NodeOutcome | 'blocked' | 'not-started'>;
}

export function remainingPathLengths<Id extends string>(deps: ReadonlyMap<Id, readonly Id[]>, weights: ReadonlyMap<Id, number>): Map<Id, number> {
  const known = [...weights.values()];
  const fallback = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : 1;
  const dependents = new Map<Id, Id[]>();
  for (const id of deps.keys()) dependents.set(id, []);
  for (const [id, list] of deps) for (const dep of list) dependents.get(dep)?.push(id);
  const memo = new Map<Id, number>();
  // Iterative post-order, so a 10,000-node chain does not overflow the stack.
  for (const root of deps.keys()) {
    if (memo.has(root)) continue;
    const stack: Array<[Id, boolean]> = [[root, false]];
    while (stack.length > 0) {
      const [id, expanded] = stack.pop()!;
      if (memo.has(id)) continue;
      const after = dependents.get(id) ?? [];
      if (!expanded) {
        stack.push([id, true]);
        for (const next of after) if (!memo.has(next)) stack.push([next, false]);
        continue;
      }
      let longest = 0;
      for (const next of after) longest = Math.max(longest, memo.get(next) ?? 0);
      memo.set(id, (weights.get(id) ?? fallback) + longest);
    }
  }
  return memo;
}

export async function schedule<Id extends string>(input: ScheduleInput<Id>): Promise<ScheduleResult<Id>> {
  const { deps, signal } = input;
  const priority = remainingPathLengths(deps, input.weights);
  const outcomes = new Map<Id, NodeOutcome | 'blocked' | 'not-started'>();
  const waiting = new Map<Id, number>();
  const dependents = new Map<Id, Id[]>();
  for (const [id, list] of deps) {
    waiting.set(id, list.length);
    for (const dep of list) {
      const arr = dependents.get(dep) ?? [];
      arr.push(id);
      dependents.set(dep, arr);
    }
  }
  const queue = new PQueue({ concurrency: Math.max(1, input.concurrency) });
  const freeSlots: number[] = Array.from({ length: Math.max(1, input.concurrency) }, (_, i) => input.concurrency - 1 - i);
  let stopped = false;
  // Places lent by idle nodes get slot numbers of their own, after the regular ones.
  let nextLentSlot = Math.max(1, input.concurrency);
  // Lent places taken back while someone was using them: the next freed slot is dropped.
  let slotDebt = 0;
  const releaseSlot = (slot: number): void => {
    if (slotDebt > 0) slotDebt -= 1;
    else freeSlots.push(slot);
  };
  const idle: IdleWait = async (wait) => {
    queue.concurrency += 1;
    freeSlots.push(nextLentSlot++);
    running -= 1;
    try {
      return await wait;
    } finally {
      running += 1;
      if (freeSlots.length > 0) freeSlots.pop();
      else slotDebt += 1;
      queue.concurrency -= 1;
    }
  };
  const heavyIds = input.heavy?.ids ?? new Set<Id>();
  const maxHeavy = Math.max(1, input.heavy?.max ?? Number.POSITIVE_INFINITY);
  let runningHeavy = 0;
  let running = 0;
  /** Ready nodes held back (heavy limit or pressure), started again when a node ends. */
  const deferred: Id[] = [];
  let retryTimer: NodeJS.Timeout | undefined;

  const block = (id: Id, cause: Id): void => {
    const stack: Id[] = [id];
    while (stack.length > 0) {
      const current = stack.pop()!;
      if (outcomes.has(current)) continue;
      outcomes.set(current, 'blocked');
      input.onBlocked?.(current, cause);
      for (const next of dependents.get(current) ?? []) stack.push(next);
    }
  };

  const enqueue = (id: Id): void => {
    void queue.add(
      async () => {
        if (stopped || signal.aborted) return;
        const heavy = heavyIds.has(id);
        if ((heavy && runningHeavy >= maxHeavy) || (running > 0 && input.mayStart && !input.mayStart())) {
          deferred.push(id);
          // Pressure eases without any node ending: look again shortly.
          if (!(heavy && runningHeavy >= maxHeavy)) retryTimer ??= setTimeout(retryDeferred, 250);
          return;
        }
        const slot = freeSlots.pop() ?? 0;
        let outcome: NodeOutcome;
        running += 1;
        if (heavy) runningHeavy += 1;
        try {
          outcome = await input.run(id, slot, idle);
        } finally {
          releaseSlot(slot);
          running -= 1;
          if (heavy) runningHeavy -= 1;
        }
        outcomes.set(id, outcome);
        if (deferred.length > 0 && !stopped) enqueueAll(deferred.splice(0));
        if (outcome === 'ok') {
          const ready: Id[] = [];
          for (const next of dependents.get(id) ?? []) {
            const left = (waiting.get(next) ?? 1) - 1;
            waiting.set(next, left);
            if (left === 0) ready.push(next);
          }
          if (!stopped) enqueueAll(ready);
        } else {
          for (const next of dependents.get(id) ?? []) block(next, id);
          if (outcome === 'cancelled' || !input.keepGoing) {
            stopped = true;
            queue.clear();
          }
        }
      },
      { priority: priority.get(id) ?? 0 },
    );
  };

  // p-queue starts an item at once when a slot is free, so the order of adding
  // matters as much as the priority: add the most urgent first.
  const enqueueAll = (ids: Id[]): void => {
    ids.sort((a, b) => (priority.get(b) ?? 0) - (priority.get(a) ?? 0));
    for (const id of ids) enqueue(id);
  };

  const retryDeferred = (): void => {
    retryTimer = undefined;
    if (!stopped && !signal.aborted && deferred.length > 0) enqueueAll(deferred.splice(0));
  };

  const onAbort = (): void => {
    stopped = true;
    queue.clear();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  enqueueAll([...waiting].filter(([, count]) => count === 0).map(([id]) => id));
  // Deferred nodes wait for a running one to end (or the pressure timer); the
  // queue can be idle in between.
  while (true) {
    await queue.onIdle();
    if (deferred.length === 0 || stopped || signal.aborted) break;
    if (retryTimer === undefined) retryDeferred();
    else await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (retryTimer) clearTimeout(retryTimer);
  signal.removeEventListener('abort', onAbort);
  for (const id of deps.keys()) if (!outcomes.has(id)) outcomes.set(id, 'not-started');
  return { outcomes };
}
