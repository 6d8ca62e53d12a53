/** The Lua side of scripting, registered with the engine when this module loads (see runtime.ts). */
import { registerLuaRuntime } from './runtime.ts';
import { LuaScripting } from './lua-scripting.ts';

registerLuaRuntime({ createScripting: (node) => new LuaScripting(node) });
