import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// base './' makes every asset URL relative, so the built site works from any sub-path (e.g. /lab/) on any static
// host, with no server code.
export default defineConfig({
  base: './',
  plugins: [svelte()],
  worker: { format: 'es' },
  // fengari (the Lua VM) reads an optional configuration from process.env when it loads; browsers have no process.
  define: { 'process.env.FENGARICONF': 'undefined' },
  // The xterm.js bundle and Redis's command docs make the main chunk about 550 kB; that is expected.
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1200 },
  server: { port: 5173, strictPort: false },
});
