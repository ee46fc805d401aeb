import 'reflect-metadata';
import { runProcess } from '@clientele/host';

/**
 * The gateway service (the HTTP API and the coach web app) as a process of its own, talking to the others over NATS:
 * what its container runs (deploy/Dockerfile, target `gateway`) and what `npm run start:distributed`
 * starts. Replicas of it share the work (docs/SCALING.md). apps/standalone hosts every service in one process.
 */
runProcess({ service: 'gateway' });
