/**
 * Options a config declares (`options: { image: ... }`) are accepted on the command
 * line, reach place resolvers and recipes, and, when a recipe puts them in its
 * commands, rebuild exactly the nodes that use them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, type TestProject } from '../helpers/project.ts';

describe('config-declared options', () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await makeProject();
    await project.write(
      'rootfs.config.ts',
      `import { defineConfig, defineRecipe } from 'rootfs-engine';
const plain = defineRecipe({ name: 'plain', version: '1', phases: { build: () => 'echo plain > out.txt' } });
const flavoured = defineRecipe({
  name: 'flavoured',
  version: '1',
  deps: ['plain'],
  phases: { build: (ctx) => \`echo "flavour=\${ctx.options['flavour'] ?? 'none'} size=\${ctx.options['cup-size']} place=$SEEN" > \${ctx.dirs.build}/flavour.txt\` },
});
export default defineConfig({
  recipes: [plain, flavoured],
  places: (name, request) => (name === 'host' ? { name, env: { SEEN: request.options['cup-size'] ?? '' }, facts: {} } : undefined),
  options: {
    flavour: { description: 'which flavour' },
    'cup-size': { description: 'cup size', default: 'medium' },
  },
});
`,
    );
  });
  afterAll(async () => {
    await project.remove();
  });

  const flavourFile = (): Promise<string> => readFile(path.join(project.dir, 'build', 'flavour.txt'), 'utf8');

  it('are listed in --help', async () => {
    const help = await project.cli('--help');
    expect(help.stdout).toMatch(/--flavour <value>\s+which flavour/);
    expect(help.stdout).toMatch(/--cup-size <value>\s+cup size \(default: "medium"\)/);
  });

  it('reach recipes by name, with their defaults', async () => {
    const first = await project.cli('run', 'flavoured');
    expect(first.exitCode, first.stderr).toBe(0);
    expect(await flavourFile()).toBe('flavour=none size=medium place=medium\n');
    const second = await project.cli('run', 'flavoured', '--flavour', 'mint', '--cup-size', 'large');
    expect(second.exitCode, second.stderr).toBe(0);
    expect(await flavourFile()).toBe('flavour=mint size=large place=large\n');
  });

  it('rebuild only the nodes whose commands use them', async () => {
    const plan = await project.cli('plan', 'flavoured', '--flavour', 'lemon', '--cup-size', 'large');
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/run\s+flavoured@host\s+recipe changed/);
    expect(plan.stdout).toMatch(/fresh\s+plain@host/);
    const same = await project.cli('plan', 'flavoured', '--flavour', 'mint', '--cup-size', 'large');
    expect(same.stdout).toMatch(/fresh\s+flavoured@host/);
    // A place that reads an option changes every node of the place with it.
    const place = await project.cli('plan', 'flavoured', '--flavour', 'mint', '--cup-size', 'small');
    expect(place.stdout).toMatch(/run\s+plain@host\s+environment changed/);
  });

  it('are shown resolved by show', async () => {
    const shown = await project.cli('show', 'flavoured', '--flavour', 'cherry');
    expect(shown.exitCode, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('flavour=cherry size=medium');
    expect(shown.stdout).toContain('SEEN=medium');
  });

  it('are refused when the config does not declare them', async () => {
    const result = await project.cli('run', 'flavoured', '--colour', 'red');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("unknown option '--colour'");
  });
});
