// comlink ships this adapter's types as node-adapter.d.ts next to the .mjs, which TypeScript does not pair up.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';
  export default function nodeEndpoint(nep: {
    on(event: 'message', listener: (data: unknown) => void): unknown;
    off(event: 'message', listener: (data: unknown) => void): unknown;
    postMessage(message: unknown, transfer?: readonly unknown[]): void;
    start?: () => void;
  }): Endpoint;
}
