import { describe, expect, it } from 'vitest';
import { promises as fs, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collectResults, mergeResults, renderMarkdown } from '../../scripts/world-report.ts';

async function writeRecord(root: string, place: string, recipe: string, finishedAt: Date, version: string): Promise<void> {
  const dir = path.join(root, 'state', 'nodes', place);
  await fs.mkdir(dir, { recursive: true });
  const record = { format: 1, id: `${recipe}@${place}`, key: 'abcdef0123456789', inputs: { 'recipe.version': version }, outputHash: 'x', manifest: [], durationMs: 12_345, finishedAt: finishedAt.toISOString() };
  await fs.writeFile(path.join(dir, `${recipe}.json`), JSON.stringify(record));
}

async function writeLog(root: string, place: string, recipe: string, phase: string, text: string, at: Date): Promise<void> {
  const dir = path.join(root, 'log', place, recipe);
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${phase}.log`);
  await fs.writeFile(file, text);
  utimesSync(file, at, at);
}

describe('world report', () => {
  it('says ok, failed (with the failed phase and its log tail) or nothing, per package and place', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'world-report-'));
    try {
      const built = new Date('2026-11-26T01:00:00Z');
      // zlib: built for x86_64; its logs are older than its record.
      await writeLog(root, 'x86_64-linux-musl', 'zlib', 'build', 'cc ...\n', new Date(built.getTime() - 5000));
      await writeRecord(root, 'x86_64-linux-musl', 'zlib', built, '1.3.1');
      // xz: built once, then a later attempt failed in configure.
      await writeRecord(root, 'aarch64-linux-musl', 'xz', built, '5.6.4');
      await writeLog(root, 'aarch64-linux-musl', 'xz', 'configure', `${Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n')}\nconfigure: error: no C compiler\n`, new Date(built.getTime() + 60_000));
      // make: never succeeded.
      await writeLog(root, 'i386-linux-musl', 'make', 'build', 'error: boom\n', built);
      // A check log after the record is not a failed build.
      await writeLog(root, 'x86_64-linux-musl', 'zlib', 'check', 'FAIL\n', new Date(built.getTime() + 60_000));

      const world = await collectResults(root);
      expect(world.results['zlib']).toEqual({ 'x86_64-linux-musl': { status: 'ok', at: built.toISOString(), version: '1.3.1', key: 'abcdef0123456789', buildSeconds: 12.3, finishedAt: built.toISOString() } });
      expect(world.results['xz']!['aarch64-linux-musl']).toMatchObject({ status: 'failed', failedPhase: 'configure', version: '5.6.4' });
      expect(world.results['xz']!['aarch64-linux-musl']!.excerpt).toHaveLength(8);
      expect(world.results['xz']!['aarch64-linux-musl']!.excerpt!.at(-1)).toBe('configure: error: no C compiler');
      expect(world.results['make']).toEqual({ 'i386-linux-musl': { status: 'failed', at: built.toISOString(), failedPhase: 'build', excerpt: ['error: boom'] } });
      expect(world.results['bash']).toBeUndefined();

      const markdown = renderMarkdown(world);
      expect(markdown).toMatch(/\| zlib \| 1\.3\.1 \| ok, 12\.3 s, `abcdef01` \| - \| - \| - \|/);
      expect(markdown).toContain('| **failed** (configure); last ok: 12.3 s, `abcdef01`');
      expect(markdown).toContain('### make@i386-linux-musl (build)');
      expect(markdown).toContain('Do not edit.');
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('takes, per package and place, the newest result of several build roots', () => {
    const older = { generatedAt: '', results: { zlib: { x: { status: 'failed' as const, at: '2026-11-26T01:00:00.000Z', failedPhase: 'build' } }, xz: { x: { status: 'ok' as const, at: '2026-11-26T03:00:00.000Z' } } } };
    const newer = { generatedAt: '', results: { zlib: { x: { status: 'ok' as const, at: '2026-11-26T02:00:00.000Z' } }, xz: { x: { status: 'failed' as const, at: '2026-11-26T02:00:00.000Z' } } } };
    const merged = mergeResults([older, newer]);
    expect(merged.results['zlib']!['x']!.status).toBe('ok');
    expect(merged.results['xz']!['x']!.status).toBe('ok');
  });
});
