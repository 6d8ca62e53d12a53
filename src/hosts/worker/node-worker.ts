/// <reference lib="webworker" />
/** Web Worker entry: hosts one Redis node and exposes it to the main thread through Comlink. */
import * as Comlink from 'comlink';
import { createNodeService } from '../lockstep/node-service.ts';

Comlink.expose(createNodeService((value, buffers) => Comlink.transfer(value, buffers)));
