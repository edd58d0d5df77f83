import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The console is served by the Go binary; `npm run dev` proxies the API to a running one.
export default defineConfig({
  plugins: [svelte()],
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', sourcemap: false, target: 'es2022' },
  server: { proxy: { '/api': 'http://127.0.0.1:8470' } },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
