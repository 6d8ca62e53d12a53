/**
 * A scenario is everything needed to rebuild a lab exactly: the seed, the topology, the configuration every
 * node starts with, the network's links and the timed actions a learner (or a lesson, a test, a benchmark) took.
 * It is plain data: the UI records it, a permalink carries it, a test replays it, and the same builder
 * (build.ts) turns it into nodes for any host.
 */
import type { TimeUs } from '../engine/types/time.ts';
import type { LinkProfile } from '../hosts/network/virtual-network.ts';

export type Topology =
  /**
   * Redis Cluster nodes on consecutive ports from `basePort`: `masters` masters sharing the 16384 slots as
   * `redis-cli --cluster create` shares them, `replicasPerMaster` replicas each, then `emptyNodes` cluster
   * nodes that belong to no cluster yet. `formed: false` starts every node empty (the learner builds the cluster).
   */
  | { kind: 'cluster'; masters: number; replicasPerMaster: number; emptyNodes: number; basePort: number; formed: boolean }
  /** Independent standalone instances (Redlock needs five). */
  | { kind: 'standalone'; instances: number; basePort: number };

/** Something done to the lab at a virtual time: the unit of the scenario log. */
export type LabAction =
  /** kill -9 of the process listening on `node` ("ip:port"). */
  | { at: TimeUs; kind: 'kill'; node: string }
  /** The machine loses power: like kill, and unsynced file data is gone. */
  | { at: TimeUs; kind: 'crash'; node: string }
  /** A new process at the address; `keepData: false` starts it with an empty directory (no nodes.conf, no RDB/AOF). */
  | { at: TimeUs; kind: 'restart'; node: string; keepData: boolean }
  /** SIGSTOP / SIGCONT. */
  | { at: TimeUs; kind: 'pause'; node: string }
  | { at: TimeUs; kind: 'resume'; node: string }
  /** Split nodes into islands that cannot reach each other (client programs stay with the first island). */
  | { at: TimeUs; kind: 'partition'; islands: string[][] }
  /** One direction only: `from` can no longer reach `to`. */
  | { at: TimeUs; kind: 'block'; from: string; to: string }
  /** Lift every partition and block. */
  | { at: TimeUs; kind: 'heal' }
  /** Latency and loss of the link between two nodes (both directions). */
  | { at: TimeUs; kind: 'link'; a: string; b: string; latencyUs: number; loss: number }
  /** Step a machine's wall clock. */
  | { at: TimeUs; kind: 'clock-step'; node: string; deltaMs: number }
  /** Start a new (empty) node at the next free port of the topology. */
  | { at: TimeUs; kind: 'add-node'; node: string; clusterEnabled: boolean }
  /** A terminal opened with redis-cli -c connected to `node`; its lines are `type` actions with its number. */
  | { at: TimeUs; kind: 'open-terminal'; term: number; node: string }
  /** A terminal closed: its redis-cli exits and its connection closes. */
  | { at: TimeUs; kind: 'close-terminal'; term: number }
  /** A line typed into a terminal (terminal `term`, connected to `node`), Enter included. */
  | { at: TimeUs; kind: 'type'; term: number; text: string }
  /** Client load through a slot-caching cluster client; rate 0 stops it. */
  | { at: TimeUs; kind: 'load'; opsPerSec: number; readRatio: number; keys: number; hotKeyShare: number }
  /** Read back every key the load wrote and count the acknowledged writes the cluster no longer has. */
  | { at: TimeUs; kind: 'verify-writes' };

export type LabActionKind = LabAction['kind'];

export interface Scenario {
  version: 1;
  seed: number;
  topology: Topology;
  /** redis.conf parameters every node starts with. */
  config: Record<string, string>;
  /** The network's default link (latency, jitter, loss). */
  link: Partial<LinkProfile>;
  /** In time order. */
  actions: LabAction[];
}

export const DEFAULT_BASE_PORT = 7000;

/** The lab's presets, by name: what the sandbox offers and lessons start from. */
export const PRESETS = {
  /** The default: three masters, each with one replica, ports 7000-7005. */
  'cluster-3x2': clusterPreset(3, 1, 0),
  'cluster-3': clusterPreset(3, 0, 0),
  /** The seed's resharding example: four masters and one empty node to move slots to. */
  'cluster-4+1': clusterPreset(4, 0, 1),
  /** Five independent instances, for Redlock. */
  'standalone-5': {
    version: 1, seed: 1, topology: { kind: 'standalone', instances: 5, basePort: DEFAULT_BASE_PORT }, config: {}, link: { latencyUs: 200, jitterUs: 100 }, actions: [],
  },
} satisfies Record<string, Scenario>;

export type PresetName = keyof typeof PRESETS;
export const DEFAULT_PRESET: PresetName = 'cluster-3x2';

function clusterPreset(masters: number, replicasPerMaster: number, emptyNodes: number): Scenario {
  return {
    version: 1,
    seed: 1,
    topology: { kind: 'cluster', masters, replicasPerMaster, emptyNodes, basePort: DEFAULT_BASE_PORT, formed: true },
    // A short node timeout keeps a failover within a learner's attention span; real deployments use 15000.
    config: { 'cluster-node-timeout': '5000' },
    link: { latencyUs: 1000, jitterUs: 200 },
    actions: [],
  };
}

/** A fresh copy of a preset (scenarios are edited as the learner acts). */
export function preset(name: PresetName, seed = 1): Scenario {
  const s = structuredClone(PRESETS[name]) as Scenario;
  s.seed = seed;
  return s;
}
