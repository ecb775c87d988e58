import { describe, expect, it } from 'vitest';
import { defineConfig, defineRecipe, type Config } from '../../engine/recipe.ts';
import { resolveGraph, topologicalOrder } from '../../engine/graph/resolve.ts';
import { EngineError } from '../../engine/errors.ts';

const r = (name: string, deps: string[] = []) => defineRecipe({ name, version: '1', deps, phases: {} });

async function resolveError(config: Config, goals: string[]): Promise<EngineError> {
  try {
    await resolveGraph({ config, goals });
  } catch (error) {
    if (error instanceof EngineError) return error;
    throw error;
  }
  throw new Error('expected resolveGraph to fail');
}

describe('graph resolution', () => {
  it('orders dependencies first', async () => {
    const config = defineConfig({ recipes: [r('app', ['lib', 'data']), r('lib', ['libc']), r('libc'), r('data')] });
    const resolved = await resolveGraph({ config, goals: ['app'] });
    const order = topologicalOrder(resolved);
    expect(order.indexOf('libc@host' as never)).toBeLessThan(order.indexOf('lib@host' as never));
    expect(order.indexOf('lib@host' as never)).toBeLessThan(order.indexOf('app@host' as never));
    expect(order).toHaveLength(4);
  });

  it('reports a cycle as a closed path with the file of every member', async () => {
    const config = defineConfig({ recipes: [r('a', ['b']), r('b', ['c']), r('c', ['a']), r('d', ['a'])] });
    const error = await resolveError(config, ['d']);
    expect(error.code).toBe('CYCLE');
    expect(error.message).toContain('a@host -> b@host -> c@host -> a@host');
    expect(error.message).toContain(`b@host is defined in ${import.meta.filename}`);
  });

  it('reports a self-dependency through a place as a cycle', async () => {
    const config = defineConfig({ recipes: [r('cc', ['cc@other'])], places: [{ name: 'host' }, { name: 'other', deps: ['cc@host'] }] });
    const error = await resolveError(config, ['cc']);
    expect(error.code).toBe('CYCLE');
    expect(error.message).toContain('cc@host -> cc@other -> cc@host');
  });

  it('names the recipe that asked for an unknown dependency and suggests a name', async () => {
    const config = defineConfig({ recipes: [r('openssl'), r('curl', ['openssll'])] });
    const error = await resolveError(config, ['curl']);
    expect(error.code).toBe('UNKNOWN_DEP');
    expect(error.message).toContain('Recipe curl');
    expect(error.message).toContain('Did you mean "openssl"?');
  });

  it('adds the place\'s deps to every node of the place', async () => {
    const config = defineConfig({
      recipes: [r('toolchain'), r('pkg')],
      places: [{ name: 'host' }, { name: 'stage2', deps: ['toolchain@host'] }],
    });
    const resolved = await resolveGraph({ config, goals: ['pkg'], target: 'stage2' });
    expect(resolved.nodes.get('pkg@stage2' as never)?.deps).toEqual(['toolchain@host']);
  });

  it('gives the base deps to every node but those the base itself needs', async () => {
    const config = defineConfig({
      recipes: [r('libc'), r('headers', ['libc']), r('builtins', ['libc', 'headers']), r('app'), r('cc')],
      places: [{ name: 'host' }, { name: 'target', deps: ['libc', 'headers', 'builtins'], toolchainNodes: ['cc@host'] }],
    });
    const resolved = await resolveGraph({ config, goals: ['app'], target: 'target' });
    const deps = (id: string) => resolved.nodes.get(id as never)?.deps;
    expect(deps('app@target')).toEqual(['cc@host', 'libc@target', 'headers@target', 'builtins@target']);
    expect(deps('headers@target')).toEqual(['libc@target', 'cc@host']);
    expect(deps('libc@target')).toEqual(['cc@host']);
  });

  it('rejects an unknown place', async () => {
    const config = defineConfig({ recipes: [r('pkg')], places: [{ name: 'host' }] });
    const error = await resolveError(config, ['pkg@mars']);
    expect(error.code).toBe('UNKNOWN_PLACE');
    expect(error.message).toContain('Known places: host');
  });
});
