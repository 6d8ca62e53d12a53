/** worker_threads entry: the same node service as the browser's Web Worker, for Node tests and tools. */
import { parentPort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { createNodeService } from '../lockstep/node-service.ts';

if (!parentPort) throw new Error('node-worker-thread must run inside a worker thread');
Comlink.expose(createNodeService((value, buffers) => Comlink.transfer(value, buffers)), nodeEndpoint(parentPort));
