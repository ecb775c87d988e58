/** Heavy nodes (recipe weight above 1) and the run options that limit node starts. */
import { afterEach, describe, expect, it } from 'vitest';
import { makeProject, type TestProject } from '../helpers/project.ts';

function config(log: string, nodes: Record<string, number | undefined>): string {
  const recipes = Object.entries(nodes).map(
    ([name, weight]) =>
      `defineRecipe({ name: '${name}', version: '1',${weight === undefined ? '' : ` weight: ${weight},`} phases: { build: () => 'echo "${name} start $(date +%s%N)" >> ${log}; sleep 0.6; echo "${name} end $(date +%s%N)" >> ${log}' } })`,
  );
  return `import { defineConfig, defineRecipe } from 'rootfs-engine';\nexport default defineConfig({ recipes: [\n  ${recipes.join(',\n  ')}\n] });\n`;
}

/** name -> [start, end] in ns. */
function intervals(text: string): Map<string, [bigint, bigint]> {
  const result = new Map<string, [bigint, bigint]>();
  for (const line of text.trim().split('\n')) {
    const [name, kind, time] = line.split(' ');
    const entry = result.get(name!) ?? [0n, 0n];
    entry[kind === 'start' ? 0 : 1] = BigInt(time!);
    result.set(name!, entry);
  }
  return result;
}

const overlap = (a: [bigint, bigint], b: [bigint, bigint]): boolean => a[0] < b[1] && b[0] < a[1];

describe('scheduling options', () => {
  let project: TestProject;
  afterEach(async () => {
    await project?.remove();
  });

  it('runs heavy nodes one at a time under --max-heavy 1 while light nodes run beside them', async () => {
    project = await makeProject();
    const log = project.path('nodes.log');
    await project.write('rootfs.config.ts', config(log, { big1: 50, big2: 50, big3: 50, small: undefined }));
    const run = await project.cli('run', 'big1', 'big2', 'big3', 'small', '--jobs', '3', '--max-heavy', '1');
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const spans = intervals(await project.read('nodes.log'));
    const heavy = ['big1', 'big2', 'big3'].map((name) => spans.get(name)!);
    expect(overlap(heavy[0]!, heavy[1]!) || overlap(heavy[0]!, heavy[2]!) || overlap(heavy[1]!, heavy[2]!)).toBe(false);
    expect(heavy.some((span) => overlap(span, spans.get('small')!))).toBe(true);
  });

  it('runs heavy nodes together when allowed', async () => {
    project = await makeProject();
    const log = project.path('nodes.log');
    await project.write('rootfs.config.ts', config(log, { big1: 50, big2: 50 }));
    const run = await project.cli('run', 'big1', 'big2', '--jobs', '2', '--max-heavy', '2');
    expect(run.exitCode).toBe(0);
    const spans = intervals(await project.read('nodes.log'));
    expect(overlap(spans.get('big1')!, spans.get('big2')!)).toBe(true);
  });

  it('refuses bad --max-heavy and --max-pressure values with a usage error', async () => {
    project = await makeProject();
    await project.write('rootfs.config.ts', config(project.path('nodes.log'), { x: undefined }));
    const heavy = await project.cli('run', 'x', '--max-heavy', '0');
    expect(heavy.exitCode).toBe(2);
    expect(heavy.stderr).toContain('--max-heavy wants a whole number of at least 1');
    const pressure = await project.cli('run', 'x', '--max-pressure', 'disk=3');
    expect(pressure.exitCode).toBe(2);
    expect(pressure.stderr).toContain('"disk=3" is not RESOURCE=PERCENT');
    const ok = await project.cli('run', 'x', '--max-pressure', 'cpu=100,memory=100,io=100');
    expect(ok.exitCode).toBe(0);
  });
});
