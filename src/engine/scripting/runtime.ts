/**
 * Where the engine finds its Lua side. The Lua VM (fengari, about 90 KB of compressed JavaScript) is the
 * engine's one large dependency, and most nodes never run a script; so the engine holds no static import of it.
 * Loading lua-runtime.ts registers it here: Node hosts, tools and tests load it with the engine (lua-eager.ts),
 * a browser worker loads it on demand, before the first advance that may need it (src/hosts/lockstep/
 * node-service.ts). A node that needs Lua before any was registered is a host bug, and fails loudly.
 */
import type { LuaScripting } from './lua-scripting.ts';
import type { ScriptingNode } from './scripting.ts';

export interface LuaRuntime {
  createScripting(node: ScriptingNode): LuaScripting;
}

let registered: LuaRuntime | null = null;

export function registerLuaRuntime(runtime: LuaRuntime): void {
  registered = runtime;
}

export function luaRuntimeLoaded(): boolean {
  return registered !== null;
}

export function luaRuntime(): LuaRuntime {
  if (registered === null) {
    throw new Error('a node needs Lua but the Lua runtime is not loaded: its host must load src/engine/scripting/lua-runtime.ts first');
  }
  return registered;
}
