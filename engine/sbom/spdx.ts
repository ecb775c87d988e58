/**
 * SPDX 2.3 (JSON) from an SBOM model: one package per node, one file element per
 * installed regular file (SHA-1 and SHA-256; SPDX requires SHA-1), one per patch,
 * and the relationships DESCRIBES (document -> goal packages), CONTAINS (package
 * -> its files), DEPENDS_ON (package -> package) and PATCH_APPLIED (patch -> package).
 */
import { createHash } from 'node:crypto';
import type { Sbom, SbomPackage } from './model.ts';
import { describeSource, documentUuid, isApplication, purlOf } from './common.ts';

function spdxId(...parts: string[]): string {
  return `SPDXRef-${parts.map((p) => p.replace(/[^A-Za-z0-9.-]+/g, '-')).join('-')}`;
}

const packageId = (pkg: SbomPackage): string => spdxId('Package', pkg.name, pkg.id.slice(pkg.name.length + 1));

/** SPDX 2.3 section 7.9: SHA-1 over the sorted SHA-1s of the package's files. */
function verificationCode(pkg: SbomPackage): string {
  return createHash('sha1')
    .update(pkg.files.map((f) => f.sha1).sort().join(''))
    .digest('hex');
}

export function toSpdx(sbom: Sbom): Record<string, unknown> {
  const packages: Record<string, unknown>[] = [];
  const files: Record<string, unknown>[] = [];
  const relationships: Record<string, unknown>[] = [];
  for (const root of sbom.roots) {
    const pkg = sbom.packages.find((p) => p.id === root);
    if (pkg) relationships.push({ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: packageId(pkg) });
  }
  for (const pkg of sbom.packages) {
    const id = packageId(pkg);
    const fileIds = pkg.files.map((_, index) => spdxId('File', pkg.name, pkg.id.slice(pkg.name.length + 1), String(index)));
    const source = pkg.source;
    packages.push({
      name: pkg.name,
      SPDXID: id,
      versionInfo: pkg.version,
      ...(pkg.homepage ? { homepage: pkg.homepage } : {}),
      ...(pkg.description ? { summary: pkg.description } : {}),
      downloadLocation: source?.urls[0] ?? 'NOASSERTION',
      ...(source?.tarball ? { packageFileName: source.tarball } : {}),
      ...(source?.sha256 ? { checksums: [{ algorithm: 'SHA256', checksumValue: source.sha256 }] } : {}),
      ...(source ? { sourceInfo: describeSource(pkg) } : {}),
      filesAnalyzed: pkg.files.length > 0,
      ...(pkg.files.length > 0 ? { packageVerificationCode: { packageVerificationCodeValue: verificationCode(pkg) }, hasFiles: fileIds } : {}),
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: pkg.license ?? 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      primaryPackagePurpose: isApplication(pkg) ? 'APPLICATION' : 'LIBRARY',
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purlOf(pkg) }],
    });
    pkg.files.forEach((file, index) => {
      files.push({
        fileName: `./${file.path}`,
        SPDXID: fileIds[index],
        checksums: [
          { algorithm: 'SHA1', checksumValue: file.sha1 },
          { algorithm: 'SHA256', checksumValue: file.sha256 },
        ],
      });
      relationships.push({ spdxElementId: id, relationshipType: 'CONTAINS', relatedSpdxElement: fileIds[index] });
    });
    pkg.patches.forEach((patch, index) => {
      const patchId = spdxId('Patch', pkg.name, pkg.id.slice(pkg.name.length + 1), String(index));
      files.push({
        fileName: `./patches/${pkg.name}/${patch.name}`,
        SPDXID: patchId,
        fileTypes: ['SOURCE'],
        checksums: [
          { algorithm: 'SHA1', checksumValue: patch.sha1 },
          { algorithm: 'SHA256', checksumValue: patch.sha256 },
        ],
      });
      relationships.push({ spdxElementId: patchId, relationshipType: 'PATCH_APPLIED', relatedSpdxElement: id });
    });
    for (const dep of pkg.dependsOn) {
      const other = sbom.packages.find((p) => p.id === dep);
      if (other) relationships.push({ spdxElementId: id, relationshipType: 'DEPENDS_ON', relatedSpdxElement: packageId(other) });
    }
  }
  const name = `${sbom.name}-${sbom.places.join('-')}`;
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name,
    documentNamespace: `https://spdx.org/spdxdocs/${name.replace(/[^A-Za-z0-9.-]+/g, '-')}-${documentUuid(sbom)}`,
    creationInfo: { created: sbom.created, creators: [`Tool: ${sbom.tool.name}-${sbom.tool.version}`] },
    packages,
    files,
    relationships,
  };
}
