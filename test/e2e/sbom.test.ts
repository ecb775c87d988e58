/**
 * The SBOM of a real target package set (musl, Linux headers, compiler-rt
 * builtins, toybox, bash, finit with libite and libuev, grep, diffutils for x86_64), built with the host toolchain in the shared
 * e2e build root: every installed file is listed with the SHA-256 of the file in
 * out/, and sources fetched through the apt provider name Debian's tarball.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { E2E_BUILD, engine } from '../helpers/e2e.ts';

const TRIPLE = 'x86_64-linux-musl';
const ARGS = ['--target', TRIPLE, '--toolchain', 'host'];

interface SpdxDoc {
  packages: Array<{ name: string; SPDXID: string; packageFileName?: string; sourceInfo?: string; checksums?: Array<{ checksumValue: string }>; hasFiles?: string[]; licenseDeclared: string }>;
  files: Array<{ SPDXID: string; fileName: string; checksums: Array<{ algorithm: string; checksumValue: string }> }>;
}

describe('sbom of a built target package set', () => {
  it('lists every package and installed file, with checksums of the real files', async () => {
    const run = await engine(['run', 'install', ...ARGS]);
    expect(run.exitCode, run.stderr).toBe(0);
    const spdx = await engine(['sbom', 'install', ...ARGS]);
    expect(spdx.exitCode, spdx.stderr).toBe(0);
    const doc = JSON.parse(spdx.stdout) as SpdxDoc;
    expect(doc.packages.map((p) => p.name)).toEqual(['bash', 'ca-certificates', 'compiler-rt-builtins', 'diffutils', 'finit', 'grep', 'libite', 'libuev', 'linux-headers', 'musl', 'toybox']);
    const files = new Map(doc.files.map((f) => [f.SPDXID, f]));
    for (const pkg of doc.packages) {
      expect(pkg.licenseDeclared).not.toBe('NOASSERTION');
      expect(pkg.checksums?.[0]?.checksumValue).toMatch(/^[0-9a-f]{64}$/);
      const record = JSON.parse(await fs.readFile(path.join(E2E_BUILD, 'state', 'nodes', TRIPLE, `${pkg.name}.json`), 'utf8')) as { manifest: Array<{ path: string; type: string }> };
      const installed = record.manifest.filter((e) => e.type === 'file').map((e) => e.path);
      expect(pkg.hasFiles?.map((id) => files.get(id)!.fileName.slice(2)).sort()).toEqual(installed.sort());
      // The distfile the build used: upstream, or Debian's repack fetched through apt.
      if (pkg.packageFileName?.includes('.orig.tar.')) expect(pkg.sourceInfo).toContain("Debian's repacked orig tarball");
    }
    const toybox = doc.packages.find((p) => p.name === 'toybox')!;
    const binary = toybox.hasFiles!.map((id) => files.get(id)!).find((f) => f.fileName.endsWith('/toybox'))!;
    const bytes = await fs.readFile(path.join(E2E_BUILD, 'out', TRIPLE, binary.fileName));
    expect(binary.checksums.find((c) => c.algorithm === 'SHA256')!.checksumValue).toBe(createHash('sha256').update(bytes).digest('hex'));

    const again = await engine(['sbom', 'install', ...ARGS]);
    expect(again.stdout).toBe(spdx.stdout);
    const cdx = await engine(['sbom', 'install', ...ARGS, '--format', 'cyclonedx']);
    expect(cdx.exitCode, cdx.stderr).toBe(0);
    const bom = JSON.parse(cdx.stdout) as { components: Array<{ name: string; components?: unknown[] }> };
    expect(bom.components.map((c) => [c.name, c.components?.length ?? 0])).toEqual(doc.packages.map((p) => [p.name, p.hasFiles?.length ?? 0]));
  });
});
