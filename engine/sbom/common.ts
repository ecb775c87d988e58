/** Pieces both SBOM formats share: purls, source descriptions, a content-derived document id. */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../hash.ts';
import type { Sbom, SbomPackage } from './model.ts';

/** A generic package URL: our recipes come from no package registry. */
export function purlOf(pkg: SbomPackage): string {
  const enc = (text: string): string => encodeURIComponent(text).replace(/%40/g, '@');
  const download = pkg.source?.urls[0];
  return `pkg:generic/${enc(pkg.name)}@${enc(pkg.version)}${download ? `?download_url=${encodeURIComponent(download)}` : ''}`;
}

/** Programs go into bin/ or sbin/; anything else (headers, libraries, data) counts as a library. */
export function isApplication(pkg: SbomPackage): boolean {
  return pkg.files.some((f) => /(^|\/)s?bin\//.test(f.path));
}

export function describeSource(pkg: SbomPackage): string {
  const source = pkg.source;
  if (!source) return '';
  const parts: string[] = [];
  if (source.kind === 'local') parts.push(`built from the local tree ${source.localPath}`);
  else if (source.debianRepack) {
    parts.push(
      `built from Debian's repacked orig tarball ${source.tarball} (source package ${source.debianRepack.package} ${source.debianRepack.version}, fetched with apt), not the upstream ${source.urls[0] ?? ''}`,
    );
  } else parts.push(`built from ${source.tarball}`);
  if (pkg.patches.length > 0) parts.push(`with patches ${pkg.patches.map((p) => `${p.name} (sha256 ${p.sha256})`).join(', ')}`);
  return parts.join(' ');
}

/** An RFC 4122 (version 5 style) UUID derived from the SBOM's content: same build, same id. */
export function documentUuid(sbom: Sbom): string {
  const hex = createHash('sha256').update(canonicalJson(sbom)).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
