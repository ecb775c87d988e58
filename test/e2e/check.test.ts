/**
 * `rootfs-engine check`: a real package's own test suite (zlib's `make check`),
 * natively for x86_64 and through binfmt_misc + qemu-user for aarch64 (which
 * .ci/setup-debian.sh registers).
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { E2E_BUILD, engine } from '../helpers/e2e.ts';

describe.sequential('check zlib', { timeout: 30 * 60_000 }, () => {
  for (const triple of ['x86_64-linux-musl', 'aarch64-linux-musl']) {
    it(`runs zlib's test suite for ${triple}`, async () => {
      const check = await engine(['check', 'zlib', '--target', triple, '--toolchain', 'host']);
      expect(check.exitCode, `${check.stdout}\n${check.stderr}`).toBe(0);
      const log = path.join(E2E_BUILD, 'log', triple, 'zlib', 'check.log');
      expect(check.stdout).toContain(`The test suite of zlib@${triple} passed (log: ${log})`);
      // zlib's own programs ran and said so (example and minigzip, static and shared-less).
      expect(await fs.readFile(log, 'utf8')).toContain('*** zlib test OK ***');
    });
  }
});
