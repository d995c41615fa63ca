// The web UI's build: plain ES modules + Preact (JSX through esbuild), the
// graph library bundled, hashed file names under assets/ (the gateway caches
// those for a year). No inline scripts or styles: the gateway's CSP forbids them.
import { defineConfig } from 'vite';

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes('node_modules/cytoscape') || id.includes('node_modules/cose-base') ||
              id.includes('node_modules/layout-base'))
            return 'graph';
        },
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:60072' } },
});
