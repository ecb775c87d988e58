// Prints the key of a fixed node; key.test.ts runs it twice in separate processes.
import { initHashing } from '../../engine/hash.ts';
import { defineRecipe } from '../../engine/recipe.ts';
import { resolveNode } from '../../engine/graph/resolve.ts';
import { keyInputs, keyOf } from '../../engine/rebuild/key.ts';

await initHashing();
const recipe = defineRecipe({ name: 'pkg', version: '1', env: { B: '2', A: '1' }, phases: { build: () => ['make', ['make', 'install']] } });
const node = resolveNode(recipe, { name: 'host', definition: { name: 'host' } }, 'Release');
process.stdout.write(keyOf(keyInputs(node, { depOutputs: new Map(), sourceInputs: {}, toolchain: undefined })));
