/** The LLVM 19.1.7 source release, shared by the llvm and compiler-rt recipes. */
import type { UrlSource } from 'rootfs-engine';

export const LLVM_VERSION = '19.1.7';

export const llvmSource: UrlSource = {
  urls: [`https://github.com/llvm/llvm-project/releases/download/llvmorg-${LLVM_VERSION}/llvm-project-${LLVM_VERSION}.src.tar.xz`],
  sha256: '82401fea7b79d0078043f7598b835284d6650a75b93e64b6f761ea7b63097501',
  // Debian builds its own orig tarball of the same release (same tree, other bytes).
  debian: {
    package: 'llvm-toolchain-19',
    version: '1:19.1.7-3',
    sha256: 'ae498f3bc58ae2d9f64ef5f0c035c4240152bf015a5b7738b15c22e93bdc97ce',
    topDir: 'llvm-toolchain-19_19.1.7',
  },
};
