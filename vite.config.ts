import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

/**
 * fengari (the Lua VM) runs on Node and in browsers and picks its code paths at run time with
 * `typeof process`, and reads an optional configuration from process.env.FENGARICONF when it loads. In the
 * browser both are settled here, in fengari's own files only: there is no process, and no configuration. Its
 * Node paths (os.platform(), fs, tmp, child_process, readline-sync) become dead code the bundler drops, and no
 * global `process` is defined for the page (a `define` of process.env.* makes Vite's dev server create one,
 * which sent fengari down its Node paths and broke `npm start`).
 */
function fengariInTheBrowser(): Plugin {
  return {
    name: 'cluster-lab:fengari-in-the-browser',
    transform: {
      filter: { id: /[\\/]node_modules[\\/]fengari[\\/]src[\\/][a-z]+\.js$/ },
      handler(code) {
        return code.replaceAll('process.env.FENGARICONF', 'undefined').replaceAll('typeof process', '"undefined"');
      },
    },
  };
}

/**
 * The browser loads the Lua runtime only when a node first needs it (src/engine/scripting/runtime.ts): the
 * engine's eager import of it (lua-eager.ts, for Node) becomes an empty module, and the node's worker loads
 * lua-runtime.ts on demand (src/hosts/lockstep/node-service.ts), as a separate chunk.
 */
function luaOnDemand(): Plugin {
  const EMPTY = '\0cluster-lab:lua-eager';
  return {
    name: 'cluster-lab:lua-on-demand',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source === './lua-eager.ts' && importer !== undefined && /[\\/]src[\\/]engine[\\/]scripting[\\/]/.test(importer)) return EMPTY;
      return null;
    },
    load(id) {
      return id === EMPTY ? 'export {};' : null;
    },
  };
}

const browserPlugins = (): Plugin[] => [fengariInTheBrowser(), luaOnDemand()];

// base './' makes every asset URL relative, so the built site works from any sub-path (e.g. /lab/) on any static
// host, with no server code.
export default defineConfig({
  base: './',
  plugins: [svelte(), ...browserPlugins()],
  // Workers are bundled with their own plugins in a build (the dev server uses the ones above).
  worker: { format: 'es', plugins: browserPlugins },
  // The dev server pre-bundles dependencies (fengari is CommonJS) with its own bundler, which needs the same
  // treatment. It finds them by crawling from index.html, which does not reach the node worker nor the Lua
  // runtime it imports on demand: without these entries the first script would find fengari not yet bundled, and
  // the dev server would bundle it then and reload the page.
  optimizeDeps: {
    entries: ['index.html', 'src/hosts/worker/node-worker.ts', 'src/engine/scripting/lua-runtime.ts'],
    rolldownOptions: { plugins: [fengariInTheBrowser()] },
  },
  // The xterm.js bundle and Redis's command docs make the main chunk about 550 kB; that is expected.
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1200 },
  server: { port: 5173, strictPort: false },
});
