import 'reflect-metadata';
import { runProcess } from '@clientele/host';

/**
 * `npm start`: every Clientele service in one process (the embedded default), or the services
 * named by CLIENTELE_SERVICES when they run apart over NATS. A deployed service runs its own app
 * instead (apps/<service>, one service each).
 */
runProcess();
