import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// Built into dist/public, next to the compiled server, where the gateway
// loads it from (gateway/static-routes.ts). Kept apart from tsc's dist/web/
// (the stream library compiled for node tests).
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  plugins: [preact()],
  build: {
    outDir: new URL('../dist/public', import.meta.url).pathname,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 600,
  },
  server: { proxy: { '/v1': { target: 'http://127.0.0.1:8080', ws: true } } },
});
