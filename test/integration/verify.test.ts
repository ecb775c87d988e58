import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { builtNodes, makeProject, type TestProject } from '../helpers/project.ts';

// A recipe that is not reproducible: it installs the build time and random bytes.
const STAMP = `
export const stamp = defineRecipe({
  name: 'stamp',
  version: '1.0',
  deps: ['libgreet'],
  phases: {
    install: (ctx) => [
      \`mkdir -p \${ctx.dirs.dest}/usr/share/stamp\`,
      \`date +%s%N > \${ctx.dirs.dest}/usr/share/stamp/built-at\`,
      \`echo constant > \${ctx.dirs.dest}/usr/share/stamp/same\`,
      \`ln -s same \${ctx.dirs.dest}/usr/share/stamp/link\`,
    ],
  },
});
`;

describe('verify', () => {
  let project: TestProject;
  beforeEach(async () => {
    project = await makeProject('basic');
    await project.edit('rootfs.config.ts', (text) =>
      text.replace('export default defineConfig', `${STAMP}\nexport default defineConfig`).replace('recipes: [libgreet, hello, motd]', 'recipes: [libgreet, hello, motd, stamp]'),
    );
  });
  afterEach(async () => {
    await project.remove();
  });

  it('passes for reproducible nodes, rebuilding them without the cache', async () => {
    expect((await project.cli('run', 'all')).exitCode).toBe(0);
    const verify = await project.cli('verify', 'hello', 'motd');
    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);
    // The verified nodes really build; their dependency comes from the cache.
    expect(builtNodes(verify.stdout)).toEqual(['hello@host', 'motd@host']);
    expect(verify.stdout).toMatch(/restored\s+libgreet@host \(from the local cache/);
    expect(verify.stdout).toMatch(/hello@host: reproducible \(1 file identical to its build of .* in /);
    expect(verify.stdout).toMatch(/motd@host: reproducible/);
    const root = /without the cache in (\S+)/.exec(verify.stdout)![1]!;
    await expect(fs.access(root)).rejects.toThrow(); // removed when all is well
    // The build root itself was not touched.
    const again = await project.cli('run', 'all');
    expect(again.stdout).toMatch(/0 built, 3 up to date/);
  });

  it('names the file that differs in a node that embeds the build time', async () => {
    expect((await project.cli('run', 'stamp')).exitCode).toBe(0);
    const verify = await project.cli('verify', 'stamp');
    expect(verify.exitCode).toBe(1);
    expect(verify.stdout).toContain('stamp@host: NOT reproducible: 1 difference from its build of');
    expect(verify.stdout).toMatch(/usr\/share\/stamp\/built-at: content differs \(same size, \d+ bytes\)/);
    expect(verify.stdout).not.toMatch(/usr\/share\/stamp\/same:/);
    expect(verify.stderr).toContain('1 node is not reproducible.');
    const root = /without the cache in (\S+)/.exec(verify.stdout)![1]!;
    try {
      expect(await fs.readFile(`${root}/stage/host/stamp/usr/share/stamp/same`, 'utf8')).toBe('constant\n');
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('compares with the cached build after clean, and says when there is nothing to compare with', async () => {
    expect((await project.cli('run', 'stamp')).exitCode).toBe(0);
    expect((await project.cli('clean')).exitCode).toBe(0);
    const verify = await project.cli('verify', 'stamp');
    expect(verify.exitCode).toBe(1);
    expect(verify.stdout).toMatch(/stamp@host: NOT reproducible: 1 difference from the local artifact cache's build of/);
    expect(verify.stdout).toMatch(/usr\/share\/stamp\/built-at: content differs/);
    await fs.rm(/without the cache in (\S+)/.exec(verify.stdout)![1]!, { recursive: true, force: true });

    // Never built and not in the cache: nothing to compare with.
    const never = await project.cli('--no-cache', 'verify', 'motd');
    expect(never.exitCode).toBe(1);
    expect(never.stdout).toMatch(/motd@host: nothing to compare with: it was never built in .* run `rootfs-engine run motd@host` first/);
    await fs.rm(/without the cache in (\S+)/.exec(never.stdout)![1]!, { recursive: true, force: true });
  });
});
