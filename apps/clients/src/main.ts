import 'reflect-metadata';
import { runProcess } from '@clientele/host';

/**
 * The clients service (the client roster) as a process of its own, talking to the others over NATS:
 * what its container runs (deploy/Dockerfile, target `clients`) and what `npm run start:distributed`
 * starts. Replicas of it share the work (docs/SCALING.md). apps/standalone hosts every service in one process.
 */
runProcess({ service: 'clients' });
