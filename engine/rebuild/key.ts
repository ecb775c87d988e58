/**
 * Node keys. A key is the fingerprint of a flat map of named inputs; everything
 * that can change a node's output is one entry:
 *
 *   engine.format           bumped when the engine changes how it builds
 *   recipe.name, recipe.version
 *   phase.<name>            the resolved commands of each phase
 *   env.<VAR>               the node's whole environment
 *   source.*, patch.<file>  source checksum, local tree fingerprint, patch contents
 *   dep.<node>              output hash of each dependency
 *   toolchain               the place's toolchain identity
 *
 * Keeping the inputs (not only their hash) in the node record is what lets `plan`
 * and `why` name the input that changed. Paths inside commands are tokens (see
 * layout.ts), so the key does not depend on where the build root is.
 */
import { canonicalJson, fingerprintString } from '../hash.ts';
import { PHASES } from '../recipe.ts';
import type { ResolvedNode } from '../graph/resolve.ts';
import type { NodeId } from '../graph/node-id.ts';
import type { KeyInputs, NodeKey } from '../store/state.ts';
import type { OutputHash } from '../store/manifest.ts';

/** Bump when a change to the engine must rebuild everything. */
export const ENGINE_FORMAT = '1';

export interface KeyContext {
  /** Output hash of every dependency, as built (or recorded) in this run. */
  depOutputs: ReadonlyMap<NodeId, OutputHash>;
  /** Source inputs (see sources.ts). */
  sourceInputs: Readonly<Record<string, string>>;
  /** Toolchain identity of the node's place, if the place declares one. */
  toolchain: string | undefined;
}

export function keyInputs(node: ResolvedNode, context: KeyContext): KeyInputs {
  const inputs: KeyInputs = {
    'engine.format': ENGINE_FORMAT,
    'recipe.name': node.recipe.name,
    'recipe.version': node.recipe.version,
    'place': node.place.name,
    'buildType': node.context.buildType,
  };
  for (const phase of PHASES) {
    // The check phase tests what was built; it cannot change the output.
    if (phase !== 'check' && node.phases[phase].length > 0) inputs[`phase.${phase}`] = canonicalJson(node.phases[phase]);
  }
  for (const [name, value] of Object.entries(node.env)) inputs[`env.${name}`] = value;
  for (const [name, value] of Object.entries(context.sourceInputs)) inputs[name] = value;
  for (const dep of node.deps) {
    const output = context.depOutputs.get(dep);
    if (output === undefined) throw new Error(`internal: output of ${dep} unknown while keying ${node.id}`);
    inputs[`dep.${dep}`] = output;
  }
  if (context.toolchain !== undefined) inputs['toolchain'] = context.toolchain;
  return inputs;
}

export function keyOf(inputs: KeyInputs): NodeKey {
  return fingerprintString(canonicalJson(inputs)) as NodeKey;
}
