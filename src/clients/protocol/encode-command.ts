/** Encodes commands as RESP multibulk requests: the engine's encoder, shared with every client program. */
export { encodeCommand, encodePipeline } from '../../engine/resp/encode-request.ts';
