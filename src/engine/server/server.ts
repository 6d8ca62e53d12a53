/**
 * What a command handler may ask of the node it runs on. Handlers see this interface, never the node's host
 * plumbing, so the same handler runs unchanged in every host.
 */
import type { Database } from '../keyspace/database.ts';
import type { ServerConfig } from '../config/config.ts';
import type { Client } from './client.ts';
import type { Prng } from '../random/prng.ts';
import type { PubSubRegistry } from './pubsub-registry.ts';

export interface Server {
  readonly config: ServerConfig;
  readonly dbs: Database[];
  /** The node's random source (RANDOMKEY, SPOP, ...), seeded by the host. */
  readonly rng: Prng;
  /** The node's wall clock in unix milliseconds (virtual: injected epoch plus virtual time, plus any skew). */
  nowMs(): number;
  /** When the node started, unix ms. */
  startedAtMs(): number;
  /** The same wall clock in microseconds (TIME). */
  unixTimeUs(): number;
  /** Charge extra virtual CPU time to the running command. */
  spend(ns: number): void;
  /** SWAPDB: exchange two databases' contents; clients keep their selected index. */
  swapDatabases(a: number, b: number): void;
  /** Who is subscribed to what. */
  readonly pubsub: PubSubRegistry;
  /** Another client got output (a published message): write it in the next beforeSleep. */
  wakeForWrite(c: Client): void;
  /** Park a client on keys until `state.serve()` succeeds or its deadline passes (blockForKeys). */
  block(c: Client, state: import('./client.ts').BlockedState): void;
  /** A list key received data: blocked clients on it get a chance after the current command (signalKeyAsReady). */
  signalKeyAsReady(db: number, key: string): void;
  /** CONFIG RESETSTAT. */
  resetStats(): void;
  /** Count a change to the data set (server.dirty), for save points and replication later. */
  markDirty(count?: number): void;
  /** The client is finished: write what is pending, then close its connection. */
  closeAfterReply(c: Client, reason?: CloseReason): void;
}

/** Why the server closes a client after its pending reply. */
export type CloseReason = 'quit' | 'protocol-error' | 'security';
