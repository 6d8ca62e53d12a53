/**
 * Loads the Lua side together with the engine, as Node hosts, tools and tests want it. The browser build
 * replaces this module with an empty one (vite.config.ts), and its node workers load lua-runtime.ts when a
 * node first needs Lua (src/hosts/lockstep/node-service.ts).
 */
import './lua-runtime.ts';
