import { defineConfig } from 'vite';

// Static assets served by each gateway under /console (same origin as the API, so no CORS and the
// session cookie just works). No inline script anywhere: the gateway's CSP forbids it.
export default defineConfig({
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The polyfill would be an inline script; every browser the console supports has modulepreload.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
});
