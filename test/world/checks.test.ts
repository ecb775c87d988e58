/**
 * The packages' own test suites (make-rootfs's `check-<pkg>`) for the recipes that
 * gained a `check` phase with the whole stage-3 set: grep, diffutils, m4, xz and
 * rsync, for x86_64-linux-musl with the host toolchain. Each suite builds its package
 * from source first (a restored build has no object directory to test), so this is
 * a world test: about 15 minutes cold on two cores.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { E2E_BUILD, engine } from '../helpers/e2e.ts';

const TRIPLE = 'x86_64-linux-musl';
/** What each suite's log says when it ran, so a suite that ran no test cannot pass here. */
const RAN: Record<string, RegExp> = {
  grep: /^# PASS: +[1-9]\d*$/m,
  diffutils: /^# PASS: +[1-9]\d*$/m,
  m4: /^# PASS: +[1-9]\d*$/m,
  xz: /^# PASS: +[1-9]\d*$/m,
  rsync: /^\s*[1-9]\d* passed$/m,
};

describe('the check phases of the stage-3 set', { timeout: 120 * 60_000 }, () => {
  it('runs each suite and reports it passed', async () => {
    const names = Object.keys(RAN);
    const result = await engine(['check', ...names, '--target', TRIPLE, '--toolchain', 'host', '-k'], undefined, 120 * 60_000);
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
    for (const name of names) {
      expect(result.stdout, name).toContain(`The test suite of ${name}@${TRIPLE} passed`);
      const log = await fs.readFile(path.join(E2E_BUILD, 'log', TRIPLE, name, 'check.log'), 'utf8');
      expect(log, `${name}: ${log.slice(-2000)}`).toMatch(RAN[name]!);
      expect(log, name).not.toMatch(/^# FAIL: +[1-9]/m);
    }
  });
});
