/**
 * fengari (a Lua VM written in JavaScript) ships no type declarations. We import its modules one by one (never
 * its index, which pulls in io/os and Node's fs) and treat each as an untyped module object: the typed surface
 * the engine relies on is `lua-vm.ts`.
 */
declare module 'fengari/src/lua.js' {
  const lua: any;
  export default lua;
}
declare module 'fengari/src/lauxlib.js' {
  const lauxlib: any;
  export default lauxlib;
}
declare module 'fengari/src/lualib.js' {
  const lualib: any;
  export default lualib;
}
declare module 'fengari/src/lobject.js' {
  const lobject: any;
  export default lobject;
}
declare module 'fengari/src/ldebug.js' {
  const ldebug: any;
  export default ldebug;
}
declare module 'fengari/src/llex.js' {
  const llex: any;
  export default llex;
}
declare module 'fengari/src/lstring.js' {
  const lstring: any;
  export default lstring;
}
declare module 'fengari/src/ltable.js' {
  const ltable: any;
  export default ltable;
}
