/**
 * Kernel modules a distribution kernel needs to mount an ext4 root on a virtio disk,
 * in load order. Debian builds virtio, virtio_blk and ext4 as modules, so booting the
 * ext4 image takes a small initramfs that loads them first (boot-initramfs.ts).
 *
 * Dependencies come from each module's .modinfo section (`depends=`), read here from
 * the ELF file so no host kmod/depmod is needed (the modules are for another
 * architecture, and the package ships no modules.dep: depmod runs at install).
 * Soft dependencies name aliases (ext4 and jbd2: `softdep=pre: crypto-crc32c`), which
 * would need the whole alias table; the one they need is listed explicitly instead.
 */
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import fg from 'fast-glob';

/**
 * What mounting /dev/vda as ext4 needs: both virtio transports (PCI on x86 and
 * arm64 -M virt's PCIe, MMIO for the rest), the disk driver, the filesystem and the
 * CRC32C implementation its journal asks for by alias.
 */
export const EXT4_ROOT_MODULES = ['virtio_pci', 'virtio_mmio', 'virtio_blk', 'crc32c_generic', 'ext4'] as const;

export interface KernelModule {
  name: string;
  /** Absolute path of the .ko file. */
  file: string;
}

/** Module names use - and _ interchangeably. */
function canonical(name: string): string {
  return name.replace(/-/g, '_');
}

/** Reads the key=value strings of a module's .modinfo section (little-endian ELF32/ELF64). */
export async function readModinfo(file: string): Promise<Map<string, string[]>> {
  const fh = await open(file, 'r');
  try {
    const ident = Buffer.alloc(64);
    await fh.read(ident, 0, 64, 0);
    if (ident.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file} is not an ELF file (a compressed module?)`);
    if (ident[5] !== 1) throw new Error(`${file}: only little-endian modules are supported`);
    const is64 = ident[4] === 2;
    const shoff = is64 ? Number(ident.readBigUInt64LE(0x28)) : ident.readUInt32LE(0x20);
    const shentsize = ident.readUInt16LE(is64 ? 0x3a : 0x2e);
    const shnum = ident.readUInt16LE(is64 ? 0x3c : 0x30);
    const shstrndx = ident.readUInt16LE(is64 ? 0x3e : 0x32);
    const headers = Buffer.alloc(shentsize * shnum);
    await fh.read(headers, 0, headers.length, shoff);
    const section = (i: number): { name: number; offset: number; size: number } => {
      const h = headers.subarray(i * shentsize);
      return is64
        ? { name: h.readUInt32LE(0), offset: Number(h.readBigUInt64LE(0x18)), size: Number(h.readBigUInt64LE(0x20)) }
        : { name: h.readUInt32LE(0), offset: h.readUInt32LE(0x10), size: h.readUInt32LE(0x14) };
    };
    const read = async (offset: number, size: number): Promise<Buffer> => {
      const buf = Buffer.alloc(size);
      await fh.read(buf, 0, size, offset);
      return buf;
    };
    const names = section(shstrndx);
    const strtab = await read(names.offset, names.size);
    const info = new Map<string, string[]>();
    for (let i = 0; i < shnum; i += 1) {
      const s = section(i);
      const end = strtab.indexOf(0, s.name);
      if (strtab.toString('latin1', s.name, end) !== '.modinfo') continue;
      for (const entry of (await read(s.offset, s.size)).toString('utf8').split('\0')) {
        const eq = entry.indexOf('=');
        if (eq <= 0) continue;
        const key = entry.slice(0, eq);
        info.set(key, [...(info.get(key) ?? []), entry.slice(eq + 1)]);
      }
    }
    return info;
  } finally {
    await fh.close();
  }
}

/**
 * The modules `wanted` needs from `modulesDir` (/lib/modules/<version>), dependencies
 * first. A wanted module that is built into the kernel (modules.builtin) is skipped;
 * one that is neither a file nor built in is an error.
 */
export async function moduleClosure(modulesDir: string, wanted: readonly string[]): Promise<KernelModule[]> {
  const files = new Map<string, string>();
  for (const rel of await fg('kernel/**/*.ko', { cwd: modulesDir })) files.set(canonical(path.basename(rel, '.ko')), path.join(modulesDir, rel));
  const builtin = new Set(
    (await readFile(path.join(modulesDir, 'modules.builtin'), 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => canonical(path.basename(line, '.ko'))),
  );
  const order: KernelModule[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = async (raw: string, requiredBy: string | undefined): Promise<void> => {
    const name = canonical(raw);
    if (state.get(name) === 'done' || builtin.has(name)) return;
    if (state.get(name) === 'visiting') throw new Error(`kernel modules depend on each other in a cycle through ${name}`);
    const file = files.get(name);
    if (!file) {
      const compressed = (await fg(`kernel/**/${raw}.ko.*`, { cwd: modulesDir })).length > 0;
      throw new Error(
        compressed
          ? `kernel module ${raw} is compressed in ${modulesDir}; only uncompressed .ko modules can be loaded by the boot initramfs`
          : `kernel module ${raw}${requiredBy ? ` (needed by ${requiredBy})` : ''} is neither in ${modulesDir} nor built into the kernel`,
      );
    }
    state.set(name, 'visiting');
    const deps = ((await readModinfo(file)).get('depends') ?? []).flatMap((d) => d.split(',')).filter(Boolean);
    for (const dep of deps) await visit(dep, name);
    state.set(name, 'done');
    order.push({ name, file });
  };
  for (const name of wanted) await visit(name, undefined);
  return order;
}
