/**
 * Sources: fetch, verify, extract and patch package sources, safely and offline.
 *
 * WHERE A TARBALL COMES FROM. A recipe pins upstream URLs and the upstream
 * SHA-256. The fetcher looks, in order, and verifies every candidate before use:
 *   1. the distfiles directory (default build/src, or --distfiles DIR; files are
 *      named as upstream names them, or `source.filename`; shareable between
 *      build roots and machines);
 *   2. the config's mirrors, each as `<base>/<filename>` (Buildroot's
 *      BR2_PRIMARY_SITE);
 *   3. the recipe's URLs;
 *   4. the apt provider, when the recipe names `debian: { package, version }`.
 * A file with the wrong SHA-256 from one place does not stop the search: the next
 * place is tried, and only when nothing matches does the fetch fail, listing every
 * attempt with the expected and actual SHA-256. Nothing unverified is kept.
 *
 * DOWNLOADS. HTTPS only (plain HTTP with `allowHttp`), redirects followed (at most
 * 10), an idle timeout (30 s), 3 retries with backoff for dropped connections,
 * truncation, 5xx and 429; 404s are not retried. Bytes go to a temp file and are
 * hashed while they arrive; a verified file is renamed into distfiles.
 * Next to each verified file a `<file>.sha256` sidecar (sha256sum format) records
 * the hash with the file's size, mtime and inode, so checking a 150 MB tarball
 * again costs a stat, not a re-hash. Any change to the file re-hashes it.
 *
 * THE APT PROVIDER. For hosts with a Debian or Ubuntu archive and no (or a
 * restricted) internet connection. It runs
 *     apt-get source --download-only NAME=VERSION
 * in a fresh temp dir and takes Debian's orig tarball (`NAME_UPSTREAM.orig.tar.*`).
 * It needs a `deb-src` line for the suite that carries the version (.ci/apt-sources.sh
 * adds bookworm, trixie and sid). apt-get's exit status is ignored on purpose: it exits
 * 100 when only the Debian patch tarball is missing while the orig arrived intact;
 * the orig file and its SHA-256 decide.
 *   - Most orig tarballs are byte-identical to upstream (musl's is): they pass the
 *     upstream SHA-256 and are stored under the upstream name, as if downloaded.
 *   - For a repack (`+dfsg`: files removed for licensing, often recompressed) the
 *     recipe pins a second SHA-256, `debian.sha256`, accepted ONLY from this
 *     provider. The file is stored under Debian's name (e.g.
 *     toybox_0.8.9+dfsg.orig.tar.xz) so it can never pass for the upstream file,
 *     and the result says `debian.repacked: true`, which tarball was used and its
 *     top-level directory (`debian.topDir` in the recipe is checked against it).
 *     Later runs, offline ones included, find that file in distfiles again.
 *
 * OFFLINE. With `offline: true` nothing touches the network or apt. If a file is
 * missing, the error lists every missing file, its SHA-256, its URLs and where to
 * put it. `missingSources()` gives the same list up front (for `--offline` and
 * `fetch`).
 *
 * EXTRACTION. tar.gz/.tgz, tar.xz, tar.bz2, tar.zst, plain tar and zip, recognised
 * by content. The tar layer is the `tar` npm package; gzip uses node:zlib; the
 * other decompressors are host tools streamed into the tar parser:
 *     xz    -> package xz-utils      bzip2 -> package bzip2
 *     zstd  -> package zstd          zip   -> `unzip`, package unzip
 *     patches -> `patch`, package patch
 * (`doctor` should check them.) Extraction writes into a temp dir and renames it
 * into place only when the whole archive passed. The whole archive is refused,
 * with the entry named, and nothing of it is kept, for: absolute paths, `..`
 * components, symlinks that are absolute or resolve outside the tree (also via
 * chains of symlinks), any entry whose parent path goes through a symlink,
 * hardlinks to absolute, `..`, stripped-away or symlink targets, device nodes and
 * FIFOs. Owners are not restored and setuid/setgid bits are dropped.
 * `strip` (default 1) drops leading path components.
 *
 * PATCHES apply in order with `patch -p1 --batch --forward`; a failure names the
 * patch and shows the rejected hunks. Patch contents are part of the tree key.
 *
 * SHARED TREES. An extracted, patched tree is keyed by (archive SHA-256, strip,
 * patch contents), built in a temp dir, renamed into place, made read-only and
 * shared by every stage and target (builds are out of tree). A recipe that writes
 * into its source gets `privateCopy()` (a reflink copy where the filesystem can).
 *
 * LOCAL TREES (`source: { path }`) are fingerprinted by content with a stat cache
 * (size, mtime ns, inode, mode); an unchanged tree is not read again. Modes and
 * symlink targets count; only `.git` directories are skipped.
 */
export { fetchSource, missingSources, missingError, distfileName, type MissingSource } from './distfiles/fetch.ts';
export { debianOrigNames, debianUpstreamVersion } from './apt.ts';
export { downloadFile, DownloadError, type DownloadOptions, type DownloadResult } from './download.ts';
export { extractArchive, archiveTopDir, detectFormat, type ArchiveFormat, type ExtractOptions, type ExtractResult } from './extract.ts';
export { applyPatches } from './patch.ts';
export { fingerprintTree, type TreeFingerprint, type TreeFingerprintOptions } from './tree-fingerprint.ts';
export { prepareSourceTree, privateCopy, type PrepareSourceOptions, type PreparedTree } from './prepare.ts';
export { obtainSourceTree, obtainSourceTreeDetailed, type ObtainOptions, type ObtainedTree } from './tree.ts';
export { cachedSha256, sidecarPath } from './verify.ts';
export type { FetchAttempt, FetchedDebianInfo, FetchedSource, FetchOptions, FetchOrigin, FetchProgress } from './types.ts';
