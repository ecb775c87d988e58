import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { binfmtEntry, runsNatively, whyProgramsCannotRun } from '../../sysroot/run-programs.ts';
import { TARGETS } from '../../sysroot/targets.ts';

describe('can this machine run a target’s programs (for check)', () => {
  const aarch64 = TARGETS['aarch64-linux-musl']!;

  it('runs the build machine’s own and its 32-bit sibling natively', async () => {
    expect(await whyProgramsCannotRun(TARGETS['x86_64-linux-musl']!, 'x86_64-linux-musl', '/nonexistent')).toBeUndefined();
    expect(await whyProgramsCannotRun(TARGETS['i386-linux-musl']!, 'x86_64-linux-musl', '/nonexistent')).toBeUndefined();
    expect(runsNatively(TARGETS['i386-linux-musl']!, 'x86_64-linux-musl')).toBe(true);
    expect(runsNatively(TARGETS['armv7-linux-musleabihf']!, 'x86_64-linux-musl')).toBe(false);
    expect(runsNatively(TARGETS['armv7-linux-musleabihf']!, 'aarch64-linux-musl')).toBe(true);
    expect(runsNatively(TARGETS['x86_64-linux-musl']!, 'aarch64-linux-musl')).toBe(false);
  });

  it('needs an enabled binfmt_misc entry for a foreign target, and says how to register one', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'binfmt-'));
    try {
      expect(binfmtEntry(aarch64)).toBe('qemu-aarch64');
      const missing = await whyProgramsCannotRun(aarch64, 'x86_64-linux-musl', dir);
      expect(missing).toContain('aarch64-linux-musl programs cannot run on this x86_64-linux-musl machine');
      expect(missing).toContain(`cat /usr/lib/binfmt.d/qemu-aarch64.conf > ${dir}/register`);
      await fs.writeFile(path.join(dir, 'qemu-aarch64'), 'disabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\n');
      expect(await whyProgramsCannotRun(aarch64, 'x86_64-linux-musl', dir)).toContain('no enabled binfmt_misc entry');
      await fs.writeFile(path.join(dir, 'qemu-aarch64'), 'enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\n');
      expect(await whyProgramsCannotRun(aarch64, 'x86_64-linux-musl', dir)).toBeUndefined();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
