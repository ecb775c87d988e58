/**
 * The LLVM recipe's CMake configure for stage1 (llvm profile: the host compiler
 * builds it), on the real LLVM 19.1.7 source. A full build takes hours on two
 * cores and is not run here (docs/stages.md has the figures and how to run it).
 */
import { describe, expect, it } from 'vitest';
import { promises as fs, openSync, closeSync } from 'node:fs';
import path from 'node:path';
import { E2E_BUILD } from '../helpers/e2e.ts';
import { REPO } from '../helpers/project.ts';
import { openSession, resolveGoals } from '../../engine/cli/session.ts';
import { materializeSource } from '../../engine/source-tree.ts';
import { runCommand } from '../../engine/exec/process.ts';
import { substituteTokens } from '../../engine/layout.ts';
import type { NodeId } from '../../engine/graph/node-id.ts';

describe('llvm recipe', { timeout: 30 * 60_000 }, () => {
  it('configures LLVM 19.1.7 for stage1 with CMake', async () => {
    const session = await openSession({ config: path.join(REPO, 'rootfs.config.ts'), buildDir: E2E_BUILD, toolchain: 'llvm' });
    const resolved = await resolveGoals(session, ['llvm@stage1']);
    const node = resolved.nodes.get('llvm@stage1' as NodeId)!;
    expect(node.deps).toEqual(['musl@stage1', 'linux-headers@stage1', 'compiler-rt-builtins@stage1']);
    const { layout } = session;
    const objDir = path.join(E2E_BUILD, 'tmp', 'llvm-configure-test');
    await fs.rm(objDir, { recursive: true, force: true });
    await fs.mkdir(objDir, { recursive: true });
    const srcDir = await materializeSource(node, {
      layout,
      objDir,
      tmpDir: objDir,
      distfilesDir: layout.srcDir,
      mirrors: [],
      offline: false,
      allowHttp: false,
    });
    const real = (text: string): string => substituteTokens(text, layout.root, srcDir).split(layout.objDir('stage1', 'llvm')).join(objDir);
    const env = Object.fromEntries(Object.entries(node.env).map(([k, v]) => [k, real(v)]));
    const logFile = path.join(objDir, 'configure.log');
    const fd = openSync(logFile, 'w');
    const started = Date.now();
    try {
      for (const command of node.phases.configure) {
        const resolvedCommand = typeof command === 'string' ? real(command) : command.map(real);
        const outcome = await runCommand({ command: resolvedCommand, cwd: objDir, env, logFd: fd, signal: new AbortController().signal });
        const log = await fs.readFile(logFile, 'utf8');
        expect(outcome, log.slice(-4000)).toEqual({ kind: 'ok' });
      }
    } finally {
      closeSync(fd);
    }
    console.log(`llvm@stage1 configure: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const cache = await fs.readFile(path.join(objDir, 'CMakeCache.txt'), 'utf8');
    expect(cache).toContain('LLVM_DEFAULT_TARGET_TRIPLE:STRING=x86_64-linux-musl');
    expect(cache).toContain('LLVM_ENABLE_RUNTIMES:STRING=compiler-rt;libunwind;libcxxabi;libcxx');
    await fs.access(path.join(objDir, 'build.ninja'));
  });
});
