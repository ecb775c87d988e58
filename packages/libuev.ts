/**
 * libuev, a small event loop library (epoll, timerfd, signalfd): one of finit's
 * dependencies. Static only.
 */
import { defineRecipe } from 'rootfs-engine';
import { autotoolsPhases, STATIC_LIBRARY_ARGS } from './autotools.ts';

export const libuev = defineRecipe({
  name: 'libuev',
  version: '2.4.1',
  license: 'MIT',
  description: 'lightweight event loop library',
  homepage: 'https://github.com/troglobit/libuev',
  source: {
    urls: ['https://github.com/troglobit/libuev/releases/download/v2.4.1/libuev-2.4.1.tar.xz'],
    sha256: '1d171c572ca48ddd6763f76c54e77d021d4ca7beb007610f7c1fec903511977b',
    // Debian's orig tarball is byte-identical to the upstream release.
    debian: { package: 'libuev', version: '2.4.1-1' },
  },
  tools: ['clang', 'make'],
  phases: autotoolsPhases([...STATIC_LIBRARY_ARGS, '--disable-doxygen-doc']),
});
