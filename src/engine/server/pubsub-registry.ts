/**
 * Who listens to what (pubsub.c's server.pubsub_channels and server.pubsub_patterns). Subscriber sets keep
 * subscription order, which is the order PUBLISH delivers in.
 */
import type { ByteString } from '../types/bytes.ts';
import type { Client } from './client.ts';

export class PubSubRegistry {
  readonly channels = new Map<ByteString, Set<Client>>();
  readonly patterns = new Map<ByteString, Set<Client>>();

  add(map: Map<ByteString, Set<Client>>, name: ByteString, c: Client): void {
    let set = map.get(name);
    if (!set) map.set(name, (set = new Set()));
    set.add(c);
  }

  remove(map: Map<ByteString, Set<Client>>, name: ByteString, c: Client): void {
    const set = map.get(name);
    if (!set) return;
    set.delete(c);
    if (set.size === 0) map.delete(name);
  }
}
