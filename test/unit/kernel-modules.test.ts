/**
 * The module closure for an ext4 root: dependencies read from each module's .modinfo
 * (ELF64 and ELF32), dependencies first, built-in modules skipped, missing and
 * compressed modules refused by name. The fake modules are tiny relocatable objects
 * with a real .modinfo section, as the kernel's modpost writes it.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moduleClosure, readModinfo } from '../../stages/kernel-modules.ts';

const run = promisify(execFile);
let dir: string;
let modules: string;

async function fakeModule(rel: string, modinfo: readonly string[], bits: 32 | 64 = 64): Promise<void> {
  const file = path.join(modules, 'kernel', rel);
  await mkdir(path.dirname(file), { recursive: true });
  const c = `${file}.c`;
  const body = modinfo.map((entry, i) => `__attribute__((section(".modinfo"), used)) static const char info${i}[] = ${JSON.stringify(entry)};`).join('\n');
  await writeFile(c, `${body}\nint module_code(void) { return 0; }\n`);
  await run('cc', [bits === 64 ? '-m64' : '-m32', '-c', '-o', file, c]);
  await rm(c);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rfe-kmod-'));
  modules = path.join(dir, 'lib/modules/6.1.0-test');
  await fakeModule('fs/ext4/ext4.ko', ['license=GPL', 'softdep=pre: crypto-crc32c', 'depends=jbd2,mbcache,crc16', 'name=ext4']);
  await fakeModule('fs/jbd2/jbd2.ko', ['depends=', 'name=jbd2']);
  await fakeModule('fs/mbcache.ko', ['depends=', 'name=mbcache']);
  await fakeModule('lib/crc16.ko', ['depends=', 'name=crc16'], 32);
  await fakeModule('drivers/block/virtio_blk.ko', ['depends=virtio,virtio_ring', 'name=virtio_blk']);
  await fakeModule('drivers/virtio/virtio.ko', ['depends=virtio_ring', 'name=virtio']);
  await fakeModule('drivers/virtio/virtio_ring.ko', ['depends=', 'name=virtio_ring']);
  await fakeModule('crypto/crc32c_generic.ko', ['alias=crypto-crc32c', 'depends=', 'name=crc32c_generic']);
  await fakeModule('drivers/net/some-driver.ko', ['depends=', 'name=some_driver']);
  await writeFile(path.join(modules, 'modules.builtin'), 'kernel/drivers/virtio/virtio_pci.ko\nkernel/drivers/virtio/virtio_mmio.ko\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kernel modules for an ext4 root', () => {
  it('reads .modinfo of 64- and 32-bit modules', async () => {
    const ext4 = await readModinfo(path.join(modules, 'kernel/fs/ext4/ext4.ko'));
    expect(ext4.get('depends')).toEqual(['jbd2,mbcache,crc16']);
    expect(ext4.get('softdep')).toEqual(['pre: crypto-crc32c']);
    expect((await readModinfo(path.join(modules, 'kernel/lib/crc16.ko'))).get('name')).toEqual(['crc16']);
  });

  it('orders the closure dependencies first and skips built-in modules', async () => {
    const closure = await moduleClosure(modules, ['virtio_pci', 'virtio_mmio', 'virtio_blk', 'crc32c_generic', 'ext4']);
    expect(closure.map((m) => m.name)).toEqual(['virtio_ring', 'virtio', 'virtio_blk', 'crc32c_generic', 'jbd2', 'mbcache', 'crc16', 'ext4']);
    expect(closure.find((m) => m.name === 'ext4')!.file).toBe(path.join(modules, 'kernel/fs/ext4/ext4.ko'));
  });

  it('treats - and _ in module names alike', async () => {
    expect((await moduleClosure(modules, ['some_driver'])).map((m) => path.basename(m.file))).toEqual(['some-driver.ko']);
  });

  it('names a missing module and who needs it, and refuses compressed ones', async () => {
    await fakeModule('fs/needs-missing.ko', ['depends=nowhere', 'name=needs_missing']);
    await expect(moduleClosure(modules, ['needs-missing'])).rejects.toThrow(/kernel module nowhere \(needed by needs_missing\) is neither in .* nor built into the kernel/);
    await writeFile(path.join(modules, 'kernel/fs/xfs.ko.xz'), 'compressed');
    await expect(moduleClosure(modules, ['xfs'])).rejects.toThrow(/xfs is compressed/);
  });
});
