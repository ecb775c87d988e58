/**
 * Why a node is not fresh. One typed value drives both the decision to rebuild and
 * the sentence a user reads in `plan`, `why` and the progress output.
 */
import type { KeyInputs } from '../store/state.ts';

export interface InputChange {
  input: string;
  before: string | undefined;
  after: string | undefined;
}

export type NotFreshReason =
  | { kind: 'never-built' }
  | { kind: 'engine-changed'; change: InputChange }
  | { kind: 'recipe-changed'; changes: InputChange[] }
  | { kind: 'env-changed'; changes: InputChange[] }
  | { kind: 'source-changed'; changes: InputChange[]; files: string[] }
  | { kind: 'dependency-changed'; changes: InputChange[] }
  | { kind: 'dependency-pending'; deps: string[] }
  | { kind: 'toolchain-changed'; change: InputChange }
  | { kind: 'build-type-changed'; change: InputChange };

function classify(input: string): 'engine' | 'source' | 'dependency' | 'toolchain' | 'buildType' | 'recipe' | 'env' {
  if (input === 'engine.format') return 'engine';
  if (input === 'buildType') return 'buildType';
  if (input.startsWith('env.')) return 'env';
  if (input.startsWith('source.') || input.startsWith('patch.')) return 'source';
  if (input.startsWith('dep.')) return 'dependency';
  if (input === 'toolchain') return 'toolchain';
  return 'recipe';
}

/** Compare the inputs of the last build with the current ones; empty when equal. */
export function diffInputs(
  before: KeyInputs,
  after: KeyInputs,
  files?: { before?: Record<string, string>; after?: Record<string, string> },
): NotFreshReason[] {
  const changes: InputChange[] = [];
  for (const input of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (before[input] !== after[input]) changes.push({ input, before: before[input], after: after[input] });
  }
  changes.sort((a, b) => a.input.localeCompare(b.input));
  const reasons: NotFreshReason[] = [];
  const of = (k: ReturnType<typeof classify>): InputChange[] => changes.filter((c) => classify(c.input) === k);
  const engine = of('engine')[0];
  if (engine) reasons.push({ kind: 'engine-changed', change: engine });
  const toolchain = of('toolchain')[0];
  if (toolchain) reasons.push({ kind: 'toolchain-changed', change: toolchain });
  const buildType = of('buildType')[0];
  if (buildType) reasons.push({ kind: 'build-type-changed', change: buildType });
  const recipe = of('recipe');
  if (recipe.length > 0) reasons.push({ kind: 'recipe-changed', changes: recipe });
  const env = of('env');
  if (env.length > 0) reasons.push({ kind: 'env-changed', changes: env });
  const source = of('source');
  if (source.length > 0) reasons.push({ kind: 'source-changed', changes: source, files: changedFiles(files?.before, files?.after) });
  const deps = of('dependency');
  if (deps.length > 0) reasons.push({ kind: 'dependency-changed', changes: deps });
  return reasons;
}

function changedFiles(before: Record<string, string> | undefined, after: Record<string, string> | undefined): string[] {
  if (!before || !after) return [];
  const out: string[] = [];
  for (const file of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (before[file] === after[file]) continue;
    out.push(before[file] === undefined ? `${file} (added)` : after[file] === undefined ? `${file} (removed)` : file);
  }
  return out.sort();
}

function fieldName(input: string): string {
  if (input.startsWith('phase.')) return `phases.${input.slice('phase.'.length)}`;
  if (input.startsWith('recipe.')) return input.slice('recipe.'.length);
  return input;
}

function shorten(value: string | undefined, max = 160): string {
  if (value === undefined) return '(none)';
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/**
 * The before/after lines of one change. Long values (a phase's commands, a
 * toolchain identity) are cut around the part that differs, so the change is
 * visible even when it sits in the middle of a long command line.
 */
export function beforeAfter(label: string, change: InputChange, max: number): string[] {
  const { before, after } = change;
  if (before === undefined || after === undefined || (before.length <= max && after.length <= max)) {
    return [`  ${label}:`, `    before: ${shorten(before, max)}`, `    after:  ${shorten(after, max)}`];
  }
  let prefix = 0;
  while (prefix < before.length && prefix < after.length && before[prefix] === after[prefix]) prefix += 1;
  let suffix = 0;
  while (suffix < before.length - prefix && suffix < after.length - prefix && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) suffix += 1;
  const context = 40;
  const cut = (value: string): string => {
    const start = Math.max(0, prefix - context);
    const end = Math.min(value.length, value.length - suffix + context);
    return `${start > 0 ? '…' : ''}${shorten(value.slice(start, end), max)}${end < value.length ? '…' : ''}`;
  };
  return [`  ${label} (differs from character ${prefix + 1}):`, `    before: ${cut(before)}`, `    after:  ${cut(after)}`];
}

/** One line per reason, for plan and progress. */
export function describeReason(reason: NotFreshReason): string {
  switch (reason.kind) {
    case 'never-built':
      return 'never built';
    case 'engine-changed':
      return `engine build format changed (${reason.change.before ?? 'none'} -> ${reason.change.after ?? 'none'})`;
    case 'recipe-changed':
      return `recipe changed (${reason.changes.map((c) => fieldName(c.input)).join(', ')})`;
    case 'env-changed':
      return `environment changed (${reason.changes.map((c) => c.input.slice('env.'.length)).join(', ')}; set by the recipe or its place)`;
    case 'source-changed': {
      const what = reason.files.length > 0 ? reason.files.slice(0, 5).join(', ') + (reason.files.length > 5 ? `, +${reason.files.length - 5} more` : '') : reason.changes.map((c) => c.input).join(', ');
      return `source changed (${what})`;
    }
    case 'dependency-changed':
      return `dependency output changed (${reason.changes.map((c) => c.input.slice('dep.'.length)).join(', ')})`;
    case 'dependency-pending':
      return `dependency will be rebuilt first (${reason.deps.join(', ')}); runs unless its output comes out unchanged`;
    case 'toolchain-changed':
      return 'toolchain changed';
    case 'build-type-changed':
      return `build type changed (${reason.change.before ?? 'none'} -> ${reason.change.after ?? 'none'})`;
    default: {
      const unreachable: never = reason;
      return String(unreachable);
    }
  }
}

/** Before/after detail lines, for `why`. */
export function detailReason(reason: NotFreshReason): string[] {
  switch (reason.kind) {
    case 'never-built':
    case 'dependency-pending':
      return [];
    case 'engine-changed':
    case 'toolchain-changed':
    case 'build-type-changed':
      return beforeAfter(reason.change.input, reason.change, 400);
    case 'recipe-changed':
    case 'env-changed':
    case 'source-changed':
    case 'dependency-changed': {
      const lines: string[] = [];
      for (const change of reason.changes) lines.push(...beforeAfter(fieldName(change.input), change, 160));
      if (reason.kind === 'source-changed') for (const file of reason.files) lines.push(`  file: ${file}`);
      return lines;
    }
    default: {
      const unreachable: never = reason;
      return [String(unreachable)];
    }
  }
}
