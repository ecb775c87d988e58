/**
 * The shape check of a loaded config. TypeScript checks configs written in TS at
 * edit time, but the CLI loads them without type checking (and users may write
 * JavaScript), so the shape is checked again here with zod and reported in terms
 * of the config: which recipe, which field, what was expected.
 */
import { z } from 'zod';
import { EngineError } from '../errors.ts';
import { PHASES, type Config } from '../recipe.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const fn = z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', { message: 'expected a function' });
const stringMap = z.record(z.string(), z.string());

const debian = z.object({ package: z.string().min(1), version: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(), topDir: z.string().optional() });
const urlSource = z
  .object({
    urls: z.array(z.string().url()).min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits (a SHA-256)'),
    filename: z.string().min(1).optional(),
    strip: z.number().int().min(0).optional(),
    subset: z.array(z.string().min(1)).optional(),
    patches: z.array(z.string()).optional(),
    debian: debian.optional(),
    privateCopy: z.boolean().optional(),
  })
  .strict();
const pathSource = z.object({ path: z.string().min(1), patches: z.array(z.string()).optional(), privateCopy: z.boolean().optional() }).strict();

const phases = z.object(Object.fromEntries(PHASES.map((p) => [p, fn.optional()])) as Record<(typeof PHASES)[number], z.ZodOptional<typeof fn>>).strict();

export const recipeSchema = z
  .object({
    name: z.string().regex(NAME, 'letters, digits and . _ + - only, starting with a letter or digit'),
    version: z.string().min(1),
    license: z.string().optional(),
    description: z.string().optional(),
    homepage: z.string().optional(),
    source: z.union([urlSource, pathSource]).optional(),
    deps: z.union([z.array(z.string().min(1)), fn]).optional(),
    tools: z.array(z.string().min(1)).optional(),
    env: z.union([stringMap, fn]).optional(),
    phases,
    timeout: z.object(Object.fromEntries(PHASES.map((p) => [p, z.number().positive().optional()]))).strict().optional(),
    weight: z.number().positive().optional(),
    resumable: z.boolean().optional(),
    cacheable: z.boolean().optional(),
    file: z.string(),
  })
  .passthrough();

const place = z
  .object({
    name: z.string().regex(NAME),
    description: z.string().optional(),
    env: stringMap.optional(),
    deps: z.array(z.string()).optional(),
    toolchainNodes: z.array(z.string()).optional(),
    facts: z.record(z.string(), z.unknown()).optional(),
    toolchain: fn.optional(),
    checkInstall: fn.optional(),
    canRunPrograms: fn.optional(),
    toolNodes: fn.optional(),
    sandbox: z.object({ description: z.string(), available: fn.optional(), wrap: fn, hostPath: fn }).strict().optional(),
    requirements: z.array(z.object({ kind: z.enum(['tool', 'probe']) }).passthrough()).optional(),
    hostPackages: stringMap.optional(),
  })
  .strict();

const configSchema = z
  .object({
    recipes: z.array(z.unknown()),
    places: z.union([z.array(place), fn]).optional(),
    defaultPlace: z.string().regex(NAME).optional(),
    goals: z.record(z.string(), z.object({ description: z.string().optional(), nodes: fn }).strict()).optional(),
    buildDir: z.string().optional(),
    mirrors: z.array(z.string().url()).optional(),
    options: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), z.object({ description: z.string(), default: z.string().optional(), readByGoals: z.array(z.string()).optional() }).strict()).optional(),
    commands: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), z.object({ description: z.string(), arguments: z.string().optional(), options: z.array(z.object({ flags: z.string(), description: z.string(), default: z.string().optional() })).optional(), run: fn, requirements: fn.optional() }).strict()).optional(),
    cache: z.object({ dir: z.string().min(1).optional(), url: z.string().url().optional(), readOnly: z.boolean().optional() }).strict().optional(),
    knownBuilds: z.record(z.string(), z.array(z.string())).optional(),
    file: z.string().optional(),
  })
  .strict();

function formatIssues(error: z.ZodError, prefix: string): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${prefix}${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`)
    .join('; ');
}

function invalid(file: string, detail: string): EngineError {
  return new EngineError('CONFIG_INVALID', `The config ${file} is not valid: ${detail}. Fix it and run again; nothing was built.`);
}

export function validateConfig(value: unknown, file: string): Config {
  if (value === undefined) {
    throw invalid(file, 'it has no default export (write `export default defineConfig({ recipes: [...] })`)');
  }
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) throw invalid(file, formatIssues(parsed.error, ''));
  const seen = new Map<string, string>();
  parsed.data.recipes.forEach((recipe, index) => {
    const label = typeof (recipe as { name?: unknown })?.name === 'string' ? `recipes[${index}] (${(recipe as { name: string }).name})` : `recipes[${index}]`;
    const result = recipeSchema.safeParse(recipe);
    if (!result.success) {
      const hint = typeof recipe === 'object' && recipe !== null && !('file' in recipe) ? ' (declare recipes with defineRecipe)' : '';
      throw invalid(file, formatIssues(result.error, `${label}.`) + hint);
    }
    const other = seen.get(result.data.name);
    if (other) throw invalid(file, `two recipes are named "${result.data.name}" (${other} and ${result.data.file}); names must be unique`);
    seen.set(result.data.name, result.data.file);
  });
  const config = value as Config;
  return config.file ? config : { ...config, file };
}
