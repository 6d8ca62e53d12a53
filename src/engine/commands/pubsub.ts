/**
 * Pub/Sub (pubsub.c): SUBSCRIBE, PSUBSCRIBE, their UNSUBSCRIBEs, PUBLISH and PUBSUB introspection. Messages go
 * into subscribers' reply buffers at once and leave with the next beforeSleep, like any reply; in RESP3 they
 * are push frames, in RESP2 plain arrays (which is why a RESP2 subscriber can run only a few commands).
 */
import { subcommandSyntaxError } from './errors.ts';
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import { globMatch } from '../keyspace/glob.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';

const subscriptionCount = (c: Client) => c.channels.size + c.patterns.size;

function confirm(c: Client, kind: string, name: string | null): void {
  c.reply.pushHeader(3);
  c.reply.bulk(kind);
  if (name === null) c.reply.nullBulk();
  else c.reply.bulk(name);
  c.reply.integer(subscriptionCount(c));
}

function subscribe(pattern: boolean) {
  return (c: Client, server: Server): void => {
    const mine = pattern ? c.patterns : c.channels;
    for (let i = 1; i < c.argv.length; i++) {
      const name = c.argv[i];
      if (!mine.has(name)) {
        mine.add(name);
        server.pubsub.add(pattern ? server.pubsub.patterns : server.pubsub.channels, name, c);
      }
      confirm(c, pattern ? 'psubscribe' : 'subscribe', name);
    }
  };
}

/** pubsubPublishMessage: deliver to this node's channel and pattern subscribers; returns how many got it. */
export function publishMessage(server: Server, channel: string, message: string): number {
  let receivers = 0;
  for (const sub of server.pubsub.channels.get(channel) ?? []) {
    sub.reply.pushHeader(3);
    sub.reply.bulk('message');
    sub.reply.bulk(channel);
    sub.reply.bulk(message);
    server.wakeForWrite(sub);
    receivers++;
  }
  for (const [pattern, subs] of server.pubsub.patterns) {
    if (!globMatch(pattern, channel)) continue;
    for (const sub of subs) {
      sub.reply.pushHeader(4);
      sub.reply.bulk('pmessage');
      sub.reply.bulk(pattern);
      sub.reply.bulk(channel);
      sub.reply.bulk(message);
      server.wakeForWrite(sub);
      receivers++;
    }
  }
  server.spend(receivers * COMMAND_COST_NS.perKey);
  return receivers;
}

export function unsubscribeAll(c: Client, server: Server, pattern: boolean, reply: boolean): void {
  const mine = pattern ? c.patterns : c.channels;
  const kind = pattern ? 'punsubscribe' : 'unsubscribe';
  if (mine.size === 0) {
    if (reply) confirm(c, kind, null);
    return;
  }
  for (const name of [...mine]) {
    mine.delete(name);
    server.pubsub.remove(pattern ? server.pubsub.patterns : server.pubsub.channels, name, c);
    if (reply) confirm(c, kind, name);
  }
}

function unsubscribe(pattern: boolean) {
  return (c: Client, server: Server): void => {
    if (c.argv.length === 1) return unsubscribeAll(c, server, pattern, true);
    const mine = pattern ? c.patterns : c.channels;
    for (let i = 1; i < c.argv.length; i++) {
      const name = c.argv[i];
      if (mine.delete(name)) server.pubsub.remove(pattern ? server.pubsub.patterns : server.pubsub.channels, name, c);
      confirm(c, pattern ? 'punsubscribe' : 'unsubscribe', name);
    }
  };
}

export const pubsubCommands: CommandDefinition[] = [
  { name: 'subscribe', summaryZh: '订阅频道', cost: () => COMMAND_COST_NS.o1, handler: subscribe(false) },
  { name: 'psubscribe', summaryZh: '按模式订阅频道', cost: () => COMMAND_COST_NS.o1, handler: subscribe(true) },
  { name: 'unsubscribe', summaryZh: '退订频道（不带参数时退订全部）', cost: () => COMMAND_COST_NS.o1, handler: unsubscribe(false) },
  { name: 'punsubscribe', summaryZh: '退订模式（不带参数时退订全部）', cost: () => COMMAND_COST_NS.o1, handler: unsubscribe(true) },
  {
    name: 'publish',
    summaryZh: '向频道发布消息，返回收到消息的客户端数',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const [, channel, message] = c.argv;
      const receivers = publishMessage(server, channel, message);
      // In cluster mode the message also goes to every other node over the bus (clusterPropagatePublish); the
      // reply counts only this node's receivers, as in Redis.
      server.bus?.broadcastPublish(channel, message);
      c.reply.integer(receivers);
    },
  },
  {
    name: 'pubsub|channels',
    summaryZh: '列出有订阅者的频道（可按模式过滤）',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      if (c.argv.length > 3) {
        return c.reply.error(subcommandSyntaxError(c.argv));
      }
      const names = [...server.pubsub.channels.keys()].filter((n) => c.argv.length === 2 || globMatch(c.argv[2], n));
      c.reply.arrayHeader(names.length);
      for (const n of names) c.reply.bulk(n);
    },
  },
  {
    name: 'pubsub|numsub',
    summaryZh: '返回各频道的订阅者数量',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      // A flat array of name, count pairs, in RESP3 too (Redis 7.0 does not send a map here).
      c.reply.arrayHeader((c.argv.length - 2) * 2);
      for (let i = 2; i < c.argv.length; i++) {
        c.reply.bulk(c.argv[i]);
        c.reply.integer(server.pubsub.channels.get(c.argv[i])?.size ?? 0);
      }
    },
  },
  {
    name: 'pubsub|numpat',
    summaryZh: '返回被订阅的模式数量',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => c.reply.integer(server.pubsub.patterns.size),
  },
];
