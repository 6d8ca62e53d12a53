/** English text for the UI. Every key here exists in zh-CN.ts too (a unit test checks). */
export const en = {
  title: 'Cluster Lab',
  tagline: 'Redis at scale, running in your browser',
  language: 'Language',
  play: 'Play',
  pause: 'Pause',
  step: 'Step',
  stepTitle: 'Advance to the next event window (one round of messages)',
  plusSecond: '+1 s',
  plusSecondTitle: 'Advance virtual time by one second',
  speed: 'Speed',
  clock: 'Virtual time',
  paused: 'paused',
  lagging: 'running at {achieved}× — the workers cannot keep up with {speed}×',
  terminal: 'Terminal',
  node: 'Node',
  nodeRole: 'standalone master, in a Web Worker',
  clients: 'Connected clients',
  keys: 'Keys (db0)',
  commands: 'Commands processed',
  loopIterations: 'Event loop iterations',
  cronRuns: 'serverCron runs',
  loading: 'Starting the node in a Web Worker…',
  failed: 'Something went wrong: {message}. Reload the page to start again.',
  cliExited: '(redis-cli exited. Press Enter to start it again.)',
  footer:
    'Each node is a TypeScript model of Redis 7.0 with its own event loop, running in its own Web Worker. Time is virtual: pause it, step it, speed it up. Replies match a real Redis 7.0 byte for byte for the commands implemented so far.',
  pausedNote: 'The clock is paused: a command you type advances it just enough for the reply to arrive.',
};

export type Messages = typeof en;
