/**
 * CycloneDX 1.5 (JSON) from an SBOM model: one component per node, its installed
 * files as nested `file` components with SHA-1 and SHA-256, the source tarball as
 * a `distribution` reference with its SHA-256, patches under `pedigree`, and the
 * dependency graph under `dependencies`, rooted at the goal (metadata.component).
 */
import type { Sbom, SbomPackage } from './model.ts';
import { describeSource, documentUuid, isApplication, purlOf } from './common.ts';

function component(pkg: SbomPackage): Record<string, unknown> {
  const source = pkg.source;
  const references: Record<string, unknown>[] = [];
  if (pkg.homepage) references.push({ type: 'website', url: pkg.homepage });
  if (source?.kind === 'tarball' && source.urls[0]) {
    references.push({
      type: 'distribution',
      url: source.urls[0],
      comment: describeSource(pkg),
      ...(source.sha256 ? { hashes: [{ alg: 'SHA-256', content: source.sha256 }] } : {}),
    });
  }
  const properties: Array<{ name: string; value: string }> = [];
  if (source?.tarball) properties.push({ name: 'rootfs-engine:source:tarball', value: source.tarball });
  if (source?.sha256) properties.push({ name: 'rootfs-engine:source:sha256', value: source.sha256 });
  if (source?.debianRepack) properties.push({ name: 'rootfs-engine:source:debian', value: `${source.debianRepack.package} ${source.debianRepack.version}` });
  if (source?.localPath) properties.push({ name: 'rootfs-engine:source:local', value: source.localPath });
  for (const patch of pkg.patches) properties.push({ name: `rootfs-engine:patch:${patch.name}:sha256`, value: patch.sha256 });
  return {
    type: isApplication(pkg) ? 'application' : 'library',
    'bom-ref': pkg.id,
    name: pkg.name,
    version: pkg.version,
    ...(pkg.description ? { description: pkg.description } : {}),
    ...(pkg.license ? { licenses: [{ expression: pkg.license }] } : {}),
    purl: purlOf(pkg),
    ...(references.length > 0 ? { externalReferences: references } : {}),
    ...(pkg.patches.length > 0 ? { pedigree: { patches: pkg.patches.map((p) => ({ type: 'unofficial', diff: { url: `patches/${pkg.name}/${p.name}` } })) } } : {}),
    ...(properties.length > 0 ? { properties } : {}),
    ...(pkg.files.length > 0
      ? {
          components: pkg.files.map((file) => ({
            type: 'file',
            'bom-ref': `${pkg.id}:/${file.path}`,
            name: `/${file.path}`,
            hashes: [
              { alg: 'SHA-1', content: file.sha1 },
              { alg: 'SHA-256', content: file.sha256 },
            ],
          })),
        }
      : {}),
  };
}

export function toCycloneDx(sbom: Sbom): Record<string, unknown> {
  const rootRef = `goal:${sbom.name}@${sbom.places.join(',')}`;
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${documentUuid(sbom)}`,
    version: 1,
    metadata: {
      timestamp: sbom.created,
      tools: { components: [{ type: 'application', name: sbom.tool.name, version: sbom.tool.version }] },
      component: { type: 'application', 'bom-ref': rootRef, name: sbom.name, description: `${sbom.name} for ${sbom.places.join(', ')}` },
    },
    components: sbom.packages.map(component),
    dependencies: [{ ref: rootRef, dependsOn: sbom.roots }, ...sbom.packages.map((pkg) => ({ ref: pkg.id, dependsOn: pkg.dependsOn }))],
  };
}
