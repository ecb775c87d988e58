import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { makeProject, type TestProject } from '../helpers/project.ts';
import { compress, makeTar, sha256 } from '../unit/sources-helpers.ts';

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`));
const spdxId = z.string().regex(/^SPDXRef-[A-Za-z0-9.-]+$/);

/** The fields SPDX 2.3 requires (and the ones we promise), as zod schemas. */
const spdxChecksum = z.object({ algorithm: z.enum(['SHA1', 'SHA224', 'SHA256', 'SHA384', 'SHA512', 'MD5']), checksumValue: z.string().regex(/^[0-9a-f]+$/) });
const spdxDocument = z.object({
  spdxVersion: z.literal('SPDX-2.3'),
  dataLicense: z.literal('CC0-1.0'),
  SPDXID: z.literal('SPDXRef-DOCUMENT'),
  name: z.string().min(1),
  documentNamespace: z.string().url().refine((u) => !u.includes('#')),
  creationInfo: z.object({ created: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), creators: z.array(z.string().regex(/^(Tool|Person|Organization): .+/)).min(1) }),
  packages: z.array(
    z.object({
      SPDXID: spdxId,
      name: z.string().min(1),
      versionInfo: z.string().min(1),
      downloadLocation: z.string().min(1),
      filesAnalyzed: z.boolean(),
      packageVerificationCode: z.object({ packageVerificationCodeValue: hex(40) }).optional(),
      hasFiles: z.array(spdxId).optional(),
      licenseConcluded: z.string(),
      licenseDeclared: z.string(),
      copyrightText: z.string(),
      checksums: z.array(spdxChecksum).optional(),
      packageFileName: z.string().optional(),
      sourceInfo: z.string().optional(),
      homepage: z.string().url().optional(),
      summary: z.string().optional(),
      primaryPackagePurpose: z.enum(['APPLICATION', 'LIBRARY']),
      externalRefs: z.array(z.object({ referenceCategory: z.literal('PACKAGE-MANAGER'), referenceType: z.literal('purl'), referenceLocator: z.string().startsWith('pkg:generic/') })),
    }),
  ),
  files: z.array(z.object({ SPDXID: spdxId, fileName: z.string().startsWith('./'), fileTypes: z.array(z.literal('SOURCE')).optional(), checksums: z.array(spdxChecksum).refine((c) => c.some((x) => x.algorithm === 'SHA1')) })),
  relationships: z.array(z.object({ spdxElementId: spdxId, relationshipType: z.enum(['DESCRIBES', 'CONTAINS', 'DEPENDS_ON', 'PATCH_APPLIED']), relatedSpdxElement: spdxId })),
});
type SpdxDocument = z.infer<typeof spdxDocument>;

/** The fields CycloneDX 1.5 requires (and the ones we promise). */
const cdxHash = z.object({ alg: z.enum(['MD5', 'SHA-1', 'SHA-256', 'SHA-384', 'SHA-512', 'SHA3-256', 'SHA3-384', 'SHA3-512', 'BLAKE2b-256', 'BLAKE2b-384', 'BLAKE2b-512', 'BLAKE3']), content: z.string().regex(/^([a-fA-F0-9]{32}|[a-fA-F0-9]{40}|[a-fA-F0-9]{64}|[a-fA-F0-9]{96}|[a-fA-F0-9]{128})$/) });
const cdxFile = z.object({ type: z.literal('file'), 'bom-ref': z.string(), name: z.string().startsWith('/'), hashes: z.array(cdxHash).min(1) }).strict();
const cdxComponent = z.object({
  type: z.enum(['application', 'library', 'framework', 'container', 'platform', 'operating-system', 'device', 'device-driver', 'firmware', 'file', 'machine-learning-model', 'data']),
  'bom-ref': z.string(),
  name: z.string().min(1),
  version: z.string().min(1),
  licenses: z.array(z.object({ expression: z.string() }).strict()).max(1).optional(),
  purl: z.string().startsWith('pkg:'),
  externalReferences: z.array(z.object({ type: z.enum(['website', 'distribution']), url: z.string(), comment: z.string().optional(), hashes: z.array(cdxHash).optional() })).optional(),
  pedigree: z.object({ patches: z.array(z.object({ type: z.enum(['unofficial', 'monkey', 'backport', 'cherry-pick']), diff: z.object({ url: z.string() }) })) }).optional(),
  properties: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
  components: z.array(cdxFile).optional(),
  description: z.string().optional(),
});
const cdxDocument = z.object({
  bomFormat: z.literal('CycloneDX'),
  specVersion: z.literal('1.5'),
  serialNumber: z.string().regex(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
  version: z.literal(1),
  metadata: z.object({ timestamp: z.string().datetime(), tools: z.object({ components: z.array(z.object({ type: z.string(), name: z.string(), version: z.string() })) }), component: z.object({ type: z.string(), 'bom-ref': z.string(), name: z.string() }).passthrough() }),
  components: z.array(cdxComponent),
  dependencies: z.array(z.object({ ref: z.string(), dependsOn: z.array(z.string()) })),
});
type CdxDocument = z.infer<typeof cdxDocument>;

interface RecordFile {
  manifest: Array<{ path: string; type: string }>;
}

/** Every regular file each node's record says it installed, with its SHA-256 read from out/. */
async function installedFiles(project: TestProject, place: string): Promise<Map<string, Map<string, string>>> {
  const dir = path.join(project.buildDir, 'state', 'nodes', place);
  const out = new Map<string, Map<string, string>>();
  for (const name of (await fs.readdir(dir)).filter((n) => n.endsWith('.json'))) {
    const record = JSON.parse(await fs.readFile(path.join(dir, name), 'utf8')) as RecordFile;
    const files = new Map<string, string>();
    for (const entry of record.manifest.filter((e) => e.type === 'file')) {
      files.set(entry.path, sha256(await fs.readFile(path.join(project.buildDir, 'out', place, entry.path))));
    }
    out.set(name.slice(0, -'.json'.length), files);
  }
  return out;
}

function spdxPackage(doc: SpdxDocument, name: string) {
  const pkg = doc.packages.find((p) => p.name === name);
  if (!pkg) throw new Error(`no package ${name}`);
  return pkg;
}

describe('sbom of the basic fixture', () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await makeProject('basic');
  });
  afterAll(async () => {
    await project.remove();
  });

  it('before a build: says to run the goal first', async () => {
    const result = await project.cli('sbom', 'all');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^rootfs-engine: There is nothing to describe yet: all has not been built in .*\. Run `rootfs-engine run all` first, then sbom again\.$/);
    const unnamed = await project.cli('sbom');
    expect(unnamed.exitCode).toBe(2);
    expect(unnamed.stderr).toContain('the default one, "rootfs", is not in');
  });

  it('SPDX 2.3: every package, every installed file with its checksum, the relationships; byte-identical twice', async () => {
    expect((await project.cli('run', 'all')).exitCode).toBe(0);
    const first = await project.cli('sbom', 'all', '--out', 'a.spdx.json');
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/Wrote .*a\.spdx\.json: SPDX 2\.3, 3 packages, 4 files\./);
    expect((await project.cli('sbom', 'all', '-o', 'b.spdx.json')).exitCode).toBe(0);
    const text = await project.read('a.spdx.json');
    expect(await project.read('b.spdx.json')).toBe(text);
    const stdout = await project.cli('sbom', 'all');
    expect(`${stdout.stdout}\n`).toBe(text);

    const doc = spdxDocument.parse(JSON.parse(text));
    const ids = [...doc.packages.map((p) => p.SPDXID), ...doc.files.map((f) => f.SPDXID)];
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of doc.relationships) {
      for (const id of [r.spdxElementId, r.relatedSpdxElement]) if (id !== 'SPDXRef-DOCUMENT') expect(ids).toContain(id);
    }
    expect(doc.packages.map((p) => [p.name, p.versionInfo, p.licenseDeclared])).toEqual([
      ['hello', '1.0', 'MIT'],
      ['libgreet', '1.0', 'MIT'],
      ['motd', '1.0', 'CC0-1.0'],
    ]);
    const rel = (type: string) => doc.relationships.filter((r) => r.relationshipType === type).map((r) => `${r.spdxElementId} ${r.relatedSpdxElement}`);
    expect(rel('DESCRIBES').sort()).toEqual([`SPDXRef-DOCUMENT ${spdxPackage(doc, 'hello').SPDXID}`, `SPDXRef-DOCUMENT ${spdxPackage(doc, 'motd').SPDXID}`]);
    expect(rel('DEPENDS_ON')).toEqual([`${spdxPackage(doc, 'hello').SPDXID} ${spdxPackage(doc, 'libgreet').SPDXID}`]);

    const installed = await installedFiles(project, 'host');
    for (const [recipe, files] of installed) {
      const pkg = spdxPackage(doc, recipe);
      expect(pkg.hasFiles).toHaveLength(files.size);
      const listed = new Map(
        doc.files.filter((f) => pkg.hasFiles!.includes(f.SPDXID)).map((f) => [f.fileName.slice(2), f.checksums.find((c) => c.algorithm === 'SHA256')!.checksumValue]),
      );
      expect(listed).toEqual(files);
      for (const fileId of pkg.hasFiles!) expect(rel('CONTAINS')).toContain(`${pkg.SPDXID} ${fileId}`);
      // SPDX 2.3 section 7.9, recomputed independently.
      const sha1s = doc.files.filter((f) => pkg.hasFiles!.includes(f.SPDXID)).map((f) => f.checksums.find((c) => c.algorithm === 'SHA1')!.checksumValue);
      expect(pkg.packageVerificationCode!.packageVerificationCodeValue).toBe(createHash('sha1').update(sha1s.sort().join('')).digest('hex'));
    }
    expect([...installed.values()].reduce((n, f) => n + f.size, 0)).toBe(4);
  });

  it('CycloneDX 1.5: components with nested files, licenses and dependencies; byte-identical twice', async () => {
    const a = await project.cli('sbom', 'all', '--format', 'cyclonedx');
    const b = await project.cli('sbom', 'all', '-f', 'cyclonedx');
    expect(a.exitCode, a.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    // The official CycloneDX 1.5 JSON schema (strict), as the CycloneDX library ships it.
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot5);
    expect(await validator.validate(a.stdout)).toBeNull();
    const doc: CdxDocument = cdxDocument.parse(JSON.parse(a.stdout));
    const refs = [doc.metadata.component['bom-ref'], ...doc.components.flatMap((c) => [c['bom-ref'], ...(c.components ?? []).map((f) => f['bom-ref'])])];
    expect(new Set(refs).size).toBe(refs.length);
    for (const dep of doc.dependencies) for (const ref of [dep.ref, ...dep.dependsOn]) expect(refs).toContain(ref);
    expect(doc.dependencies).toContainEqual({ ref: 'hello@host', dependsOn: ['libgreet@host'] });
    expect(doc.dependencies).toContainEqual({ ref: doc.metadata.component['bom-ref'], dependsOn: ['hello@host', 'motd@host'] });
    expect(doc.components.map((c) => [c.name, c.type, c.licenses?.[0]?.expression])).toEqual([
      ['hello', 'application', 'MIT'],
      ['libgreet', 'library', 'MIT'],
      ['motd', 'library', 'CC0-1.0'],
    ]);
    for (const [recipe, files] of await installedFiles(project, 'host')) {
      const component = doc.components.find((c) => c.name === recipe)!;
      const listed = new Map((component.components ?? []).map((f) => [f.name.slice(1), f.hashes.find((h) => h.alg === 'SHA-256')!.content]));
      expect(listed).toEqual(files);
    }
  });

  it('refuses to vouch for an installed file changed after the build', async () => {
    const motd = [...(await installedFiles(project, 'host')).get('motd')!.keys()][0]!;
    await fs.appendFile(path.join(project.buildDir, 'out', 'host', motd), 'tampered\n');
    const result = await project.cli('sbom', 'all');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/installed by motd@host, was changed after the build/);
  });
});

describe('sbom of tarball sources: patches and the apt provider\'s repack', () => {
  let project: TestProject;
  const upstream = compress(makeTar([{ path: 'bar-1.0/' }, { path: 'bar-1.0/a', body: 'bar\n' }]), 'gz');
  const fooUpstream = compress(makeTar([{ path: 'foo-1.0/' }, { path: 'foo-1.0/a', body: 'upstream\n' }]), 'gz');
  const fooRepack = compress(makeTar([{ path: 'foo-1.0/' }, { path: 'foo-1.0/a', body: 'one\n' }]), 'xz');
  const patch = '--- a/a\n+++ b/a\n@@ -1 +1 @@\n-one\n+two\n';
  beforeAll(async () => {
    project = await makeProject();
    await fs.mkdir(project.path('build', 'src'), { recursive: true });
    await fs.writeFile(project.path('build', 'src', 'bar-1.0.tar.gz'), upstream);
    // What the apt provider leaves in distfiles: Debian's repack, under Debian's own name.
    await fs.writeFile(project.path('build', 'src', 'foo_1.0+dfsg.orig.tar.xz'), fooRepack);
    await project.write('foo.patch', patch);
    await project.write(
      'rootfs.config.ts',
      `import { defineConfig, defineRecipe } from 'rootfs-engine';
const copy = (name: string) => (ctx: { dirs: { src: string; dest: string } }) => 'install -D -m644 ' + ctx.dirs.src + '/a ' + ctx.dirs.dest + '/usr/share/' + name + '/a';
export default defineConfig({ recipes: [
  defineRecipe({ name: 'bar', version: '1.0', license: 'BSD-2-Clause', homepage: 'https://bar.example/',
    source: { urls: ['https://example.invalid/bar-1.0.tar.gz'], sha256: '${sha256(upstream)}' }, phases: { install: copy('bar') } }),
  defineRecipe({ name: 'foo', version: '1.0', license: 'GPL-2.0-or-later WITH Classpath-exception-2.0 OR MIT', deps: ['bar'],
    source: { urls: ['https://example.invalid/foo-1.0.tar.gz'], sha256: '${sha256(fooUpstream)}', patches: ['foo.patch'],
      debian: { package: 'foo', version: '1:1.0+dfsg-2', sha256: '${sha256(fooRepack)}' } },
    phases: { install: copy('foo') } }),
] });
`,
    );
  });
  afterAll(async () => {
    await project.remove();
  });

  it('names the tarball really used, its SHA-256, and each patch with its SHA-256', async () => {
    const run = await project.cli('--offline', 'run', 'foo');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(await project.read('build/out/host/usr/share/foo/a')).toBe('two\n');

    const spdx = spdxDocument.parse(JSON.parse((await project.cli('sbom', 'foo')).stdout));
    const foo = spdxPackage(spdx, 'foo');
    expect(foo).toMatchObject({
      downloadLocation: 'https://example.invalid/foo-1.0.tar.gz',
      packageFileName: 'foo_1.0+dfsg.orig.tar.xz',
      checksums: [{ algorithm: 'SHA256', checksumValue: sha256(fooRepack) }],
      licenseDeclared: 'GPL-2.0-or-later WITH Classpath-exception-2.0 OR MIT',
    });
    expect(foo.sourceInfo).toContain("Debian's repacked orig tarball foo_1.0+dfsg.orig.tar.xz (source package foo 1:1.0+dfsg-2");
    expect(foo.sourceInfo).toContain(`foo.patch (sha256 ${sha256(patch)})`);
    const patchFile = spdx.files.find((f) => f.fileName === './patches/foo/foo.patch')!;
    expect(patchFile.checksums).toContainEqual({ algorithm: 'SHA256', checksumValue: sha256(patch) });
    expect(spdx.relationships).toContainEqual({ spdxElementId: patchFile.SPDXID, relationshipType: 'PATCH_APPLIED', relatedSpdxElement: foo.SPDXID });
    expect(spdxPackage(spdx, 'bar')).toMatchObject({ packageFileName: 'bar-1.0.tar.gz', checksums: [{ algorithm: 'SHA256', checksumValue: sha256(upstream) }], homepage: 'https://bar.example/' });

    const cdx = cdxDocument.parse(JSON.parse((await project.cli('sbom', 'foo', '--format', 'cyclonedx')).stdout));
    const fooComponent = cdx.components.find((c) => c.name === 'foo')!;
    expect(fooComponent.externalReferences).toContainEqual(expect.objectContaining({ type: 'distribution', hashes: [{ alg: 'SHA-256', content: sha256(fooRepack) }] }));
    expect(fooComponent.properties).toContainEqual({ name: 'rootfs-engine:source:tarball', value: 'foo_1.0+dfsg.orig.tar.xz' });
    expect(fooComponent.properties).toContainEqual({ name: 'rootfs-engine:patch:foo.patch:sha256', value: sha256(patch) });
    expect(fooComponent.pedigree?.patches).toEqual([{ type: 'unofficial', diff: { url: 'patches/foo/foo.patch' } }]);
  });
});
