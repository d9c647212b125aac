import { defineConfig } from 'vite';

// Preact via the automatic JSX runtime; no framework plugin needed.
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: { proxy: { '/ws': { target: 'ws://localhost:9000', ws: true } } },
});
