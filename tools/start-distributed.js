#!/usr/bin/env node
// `npm run start:distributed`: every service as its own process over NATS (NATS_URL, default
// nats://127.0.0.1:4222): the service apps (apps/<service>, one service each, as their containers
// run them), from the build in dist/. Each service keeps its own stores: EventStoreDB and MongoDB
// when EVENTSTORE_URL / MONGO_URL are set, otherwise SQLite files under DATA_DIR/<service>.
// Ctrl-C stops them all.
const { spawn } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const services = ['gateway', 'identity', 'clients', 'billing', 'messaging', 'scheduling', 'notifications'];
const env = {
  ...process.env,
  CLIENTELE_PROFILE: 'distributed',
  CLIENTELE_EVENT_STORE: process.env.CLIENTELE_EVENT_STORE ?? (process.env.EVENTSTORE_URL ? 'eventstoredb' : 'sqlite'),
  CLIENTELE_DOCUMENT_STORE: process.env.CLIENTELE_DOCUMENT_STORE ?? (process.env.MONGO_URL ? 'mongodb' : 'sqlite'),
  CLIENTELE_MAIL: process.env.CLIENTELE_MAIL ?? (process.env.SENDGRID_API_KEY ? 'sendgrid' : 'dev-mailbox'),
};

const children = services.map((service) => {
  const child = spawn(process.execPath, ['-r', './tools/register-paths.js', `dist/apps/${service}/src/main.js`], {
    cwd: root,
    // Each app hosts its own service anyway; named, as the compose files name it, so a
    // CLIENTELE_SERVICES left in the shell cannot make it refuse to start.
    env: { ...env, CLIENTELE_SERVICES: service },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${service}] `.padEnd(16);
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream.on('data', (chunk) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop();
      for (const line of lines) process.stdout.write(`${prefix}${line}\n`);
    });
  }
  child.on('exit', (code, signal) => {
    process.stdout.write(`${prefix}exited (${signal ?? code})\n`);
    if (!stopping) stop(code ?? 1);
  });
  return child;
});

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 10_000).unref();
  Promise.all(children.map((child) => new Promise((done) => (child.exitCode !== null ? done() : child.on('exit', done))))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
