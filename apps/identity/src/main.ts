import 'reflect-metadata';
import { runProcess } from '@clientele/host';

/**
 * The identity service (accounts, staff, client app access and credentials) as a process of its own, talking to the others over NATS:
 * what its container runs (deploy/Dockerfile, target `identity`) and what `npm run start:distributed`
 * starts. Replicas of it share the work (docs/SCALING.md). apps/standalone hosts every service in one process.
 */
runProcess({ service: 'identity' });
