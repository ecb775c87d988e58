/**
 * Apply a recipe's patches to an extracted tree, in order, with the host
 * `patch -p1 --batch --forward` (package patch). A failing patch is an error
 * naming the patch file and showing the rejected hunks, so the user can see
 * what no longer applies without re-running anything.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { EngineError } from '../errors.ts';
import { findExecutable, TOOL_PACKAGES } from './fsutil.ts';

const MAX_REJECT_TEXT = 4000;

async function rejectText(tree: string, output: string): Promise<string> {
  // patch names its reject files: "saving rejects to file foo.c.rej".
  const files = [...output.matchAll(/saving rejects? to file (.+?\.rej)\s*$/gm)].map((m) => m[1]!);
  const parts: string[] = [];
  for (const f of files) {
    const abs = path.resolve(tree, f);
    const text = await fs.readFile(abs, 'utf8').catch(() => '');
    if (text) parts.push(`--- rejected hunk(s) in ${f}:\n${text.trimEnd()}`);
  }
  const joined = parts.join('\n');
  return joined.length > MAX_REJECT_TEXT ? `${joined.slice(0, MAX_REJECT_TEXT)}\n[... truncated]` : joined;
}

/** Apply `patches` (paths; relative ones resolve from the cwd) to `tree` in order. */
export async function applyPatches(tree: string, patches: readonly string[]): Promise<void> {
  if (patches.length === 0) return;
  if (!(await findExecutable('patch'))) {
    throw new EngineError(
      'MISSING_TOOL',
      `Applying patches to ${tree} needs the host tool "patch", which is not on PATH. Install it (Debian/Ubuntu: apt-get install ${TOOL_PACKAGES.patch}).`,
    );
  }
  for (const [i, p] of patches.entries()) {
    const patchFile = path.resolve(p);
    try {
      await fs.access(patchFile);
    } catch {
      throw new EngineError('PATCH_FAILED', `Patch ${i + 1} of ${patches.length}, ${patchFile}, cannot be read. Check source.patches (paths are relative to the recipe file).`);
    }
    const r = await execa('patch', ['-p1', '--batch', '--forward', '--no-backup-if-mismatch', '-i', patchFile], {
      cwd: tree,
      reject: false,
      stdin: 'ignore',
      all: true,
      env: { LC_ALL: 'C' },
    });
    if (r.exitCode === 0) continue;
    const output = String(r.all ?? '').trim();
    const rejects = await rejectText(tree, output);
    throw new EngineError(
      'PATCH_FAILED',
      `Patch ${i + 1} of ${patches.length}, ${patchFile}, does not apply to the source tree ${tree} (patch -p1 exit ${r.exitCode ?? 'signal'}). ` +
        'Usually the patch was written for another version of the source: refresh it against this version, or drop it if upstream already has the change.\n' +
        `patch said:\n${output.slice(0, 2000)}` +
        (rejects ? `\n${rejects}` : ''),
    );
  }
}
