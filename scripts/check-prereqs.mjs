#!/usr/bin/env node
// Checks the tools `npm test` needs beyond npm packages, and says exactly how to install a missing one.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const problems = [];

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  problems.push(`Node ${process.versions.node} is too old: Cluster Lab needs Node >= 20.19 (Vite 8).`);
}

function has(cmd, args = ['--version']) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

const server = has('redis-server');
if (!server) problems.push("redis-server not found: install it with 'apt-get install -y redis-server redis-tools'");
else if (!/v=7\.0\./.test(server)) problems.push(`redis-server is not 7.0.x (${server}); conformance tests compare against Redis 7.0.`);
if (!has('redis-cli')) problems.push("redis-cli not found: install it with 'apt-get install -y redis-tools'");
if (!has('redis-benchmark')) problems.push("redis-benchmark not found: install it with 'apt-get install -y redis-tools'");

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  problems.push(`Chromium not found at ${chromium}: install it with 'apt-get install -y chromium' (or set CHROMIUM_PATH).`);
}

if (problems.length > 0) {
  console.error('Missing prerequisites for the test suite:\n' + problems.map((p) => `  - ${p}`).join('\n'));
  process.exit(1);
}
console.log(`prerequisites ok: node ${process.versions.node}, ${server.split(' ').slice(0, 3).join(' ')}, ${chromium}`);
