/** `rootfs-engine show <recipe>`: the recipe as resolved for one place. */
import { EngineError } from '../errors.ts';
import { defaultPlaceOf, placeRequest, resolveSingle } from '../graph/resolve.ts';
import { substituteTokens } from '../layout.ts';
import { isPathSource, PHASES, type Command } from '../recipe.ts';
import { closest } from 'fastest-levenshtein';
import { openSession, runOptions, type GlobalOptions } from './session.ts';
import { localTreeOf } from '../rebuild/source-inputs.ts';

function render(command: Command): string {
  return typeof command === 'string' ? command : JSON.stringify(command);
}

export async function showCommand(name: string, options: GlobalOptions): Promise<number> {
  const session = await openSession(options);
  const { config, layout } = session;
  const [recipeName, placeName] = name.includes('@') ? name.split('@', 2) : [name, options.target ?? defaultPlaceOf(config)];
  const recipe = config.recipes.find((r) => r.name === recipeName);
  if (!recipe) {
    const hint = config.recipes.length > 0 ? ` Did you mean "${closest(recipeName!, config.recipes.map((r) => r.name))}"?` : '';
    throw new EngineError('UNKNOWN_NODE', `No recipe is named "${recipeName}".${hint} Run \`rootfs-engine list\`.`);
  }
  const buildType = options.buildType ?? 'Release';
  const request = placeRequest({ ...runOptions(session), buildType });
  const node = await resolveSingle(config, recipe, placeName!, request, buildType);
  const place = node.place;
  // Where ctx.dirs.src will point: a private copy in the object dir, the local tree, or the shared extracted tree.
  const srcShown = !recipe.source
    ? ''
    : recipe.source.privateCopy || (isPathSource(recipe.source) && (recipe.source.patches?.length ?? 0) > 0)
      ? `${layout.objDir(place.name, recipe.name)}/.src`
      : isPathSource(recipe.source)
        ? localTreeOf(recipe)!
        : `${layout.srcDir}/<extracted ${recipe.name}-${recipe.version}>`;
  const real = (text: string): string => substituteTokens(text, layout.root, srcShown);
  const out: string[] = [];
  out.push(`${recipe.name} ${recipe.version}${recipe.license ? `  (${recipe.license})` : ''}`);
  if (recipe.description) out.push(recipe.description);
  out.push(`defined in: ${recipe.file}`);
  out.push(`node:       ${node.id}${place.definition.description ? `  (${place.definition.description})` : ''}`);
  if (recipe.source) {
    if (isPathSource(recipe.source)) out.push(`source:     local tree ${localTreeOf(recipe)}`);
    else {
      out.push(`source:     ${recipe.source.urls.join(' ')}`);
      out.push(`  sha256:   ${recipe.source.sha256}`);
      if (recipe.source.debian) out.push(`  debian:   ${recipe.source.debian.package} ${recipe.source.debian.version}`);
    }
    for (const patch of recipe.source.patches ?? []) out.push(`  patch:    ${patch}`);
  } else out.push('source:     (none)');
  out.push(`deps:       ${node.deps.length > 0 ? node.deps.join(', ') : '(none)'}`);
  if (recipe.tools?.length) out.push(`tools:      ${recipe.tools.join(', ')}`);
  out.push('environment:');
  for (const [key, value] of Object.entries(node.env).sort(([a], [b]) => a.localeCompare(b))) out.push(`  ${key}=${real(value)}`);
  for (const phase of PHASES) {
    const commands = node.phases[phase];
    if (commands.length === 0) continue;
    out.push(`${phase}:`);
    for (const command of commands) out.push(`  ${real(render(command))}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
