/**
 * The system-level peer of `command-embedded` (issue 23): the AddClient a team would write instead
 * of Clientele's event-sourced one. NestJS on Fastify, one table row per client in SQLite
 * (better-sqlite3, WAL, synchronous=FULL: one fsync per acknowledged add, as our stores), the
 * account's rules as SQL:
 *
 * - e-mail unique per account, case-insensitively: a UNIQUE index on (account_id, lower(email));
 * - the seat limit: the INSERT ... SELECT only inserts while the account's active clients are fewer
 *   than its limit, inside a BEGIN IMMEDIATE transaction (the count and the insert see the same
 *   state under the write lock, so two requests cannot both take the last seat). Every client type
 *   takes a seat, as in Clientele (architecture.md's client-type policy; the roster counts every
 *   active member whatever its type).
 *
 * What it shares with the gateway, so that the comparison is about what happens behind the HTTP
 * edge and not about the edge: the same Fastify adapter and body limit, the gateway's JSON parser
 * (nesting limit) and security headers, the gateway's DTO class (`AddClientBody`, same
 * class-validator decorators) behind the gateway's own `validationPipe()`, the domain's
 * `validateNewClient` (trimming, offline_no_login), the same HS256 verification (`verifyJwt`) plus
 * a per-request session check (the gateway asks identity for the staff member's access epoch; here
 * one indexed SELECT), and the same problem+json answers (`problemOf`). The answer is the same
 * ClientProfile, with Location and ETag.
 *
 * What it does not do, and Clientele does: keep the history (events), a separate read model kept by
 * a projection (which the answer waits for), an outbox for other services, the personal data
 * sealed under a per-client key (crypto-erasure on deletion), idempotency keys.
 */
import 'reflect-metadata';
import type { AccessTokenClaims } from '@clientele/identity/contracts';
import { ClientsErrors } from '@clientele/clients/contracts';
import { initialAppAccess, validateNewClient } from '@clientele/clients/domain';
import { verifyJwt } from '@clientele/platform/auth';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import {
  ArgumentsHost,
  Body,
  CanActivate,
  Catch,
  Controller,
  ExceptionFilter,
  ExecutionContext,
  HttpCode,
  HttpException,
  Inject,
  Injectable,
  Module,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { NestFactory } from '@nestjs/core';
import Database from 'better-sqlite3';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
// The gateway's own pieces, imported by path (the package index would bring the whole gateway).
import { AddClientBody } from '../../libs/gateway/http/src/clients/clients.dto';
import { GatewayErrors } from '../../libs/gateway/http/src/http/gateway-errors';
import { parseJsonBody } from '../../libs/gateway/http/src/http/json-body';
import { PROBLEM_CONTENT_TYPE, Problem, problem, problemOf } from '../../libs/gateway/http/src/http/problem';
import { addSecurityHeaders } from '../../libs/gateway/http/src/http/security-headers';
import { validationPipe } from '../../libs/gateway/http/src/http/validation';

/** The gateway's body limit (gateway.module.ts BODY_LIMIT_BYTES; not imported: that module pulls in every controller). */
const BODY_LIMIT_BYTES = 1024 * 1024;

export const PEER_SCHEMA = `
CREATE TABLE IF NOT EXISTS accounts (
  id TEXT PRIMARY KEY,
  seat_limit INTEGER
);
CREATE TABLE IF NOT EXISTS staff (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  role TEXT NOT NULL CHECK (role IN ('admin', 'coach')),
  access_epoch INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS clients (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  email TEXT NOT NULL,
  phone TEXT,
  type TEXT NOT NULL CHECK (type IN ('full_access', 'full_access_one_way', 'offline')),
  status TEXT NOT NULL CHECK (status IN ('active', 'pending')),
  coach_id TEXT NOT NULL REFERENCES staff(id),
  source_kind TEXT NOT NULL,
  app_access TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL
);
-- E-mail unique per account, case-insensitively (api.md: 409 email_taken).
CREATE UNIQUE INDEX IF NOT EXISTS clients_account_email ON clients (account_id, lower(email));
-- The seat count, and the list's default order (a team would have it for GET /clients).
CREATE INDEX IF NOT EXISTS clients_account_status ON clients (account_id, status);
CREATE INDEX IF NOT EXISTS clients_account_name ON clients (account_id, last_name, first_name);
`;

/** The peer's store: one SQLite file with our stores' durability. */
export class PeerStore {
  readonly db: Database.Database;
  private readonly staffStatement: Database.Statement;
  private readonly insertStatement: Database.Statement;
  private readonly seatLimitStatement: Database.Statement;
  private readonly addTransaction: (row: ClientRow) => boolean;

  constructor(filename: string) {
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    // Every acknowledged add is on disk (one fsync of the WAL per commit), as in SqliteEventStore.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(PEER_SCHEMA);
    this.staffStatement = this.db.prepare('SELECT account_id AS accountId, access_epoch AS epoch FROM staff WHERE id = ?');
    this.seatLimitStatement = this.db.prepare('SELECT seat_limit AS seatLimit FROM accounts WHERE id = ?');
    // The seat rule in the write itself: no row unless the account has a free seat.
    this.insertStatement = this.db.prepare(`
      INSERT INTO clients (id, account_id, first_name, last_name, email, phone, type, status, coach_id, source_kind, app_access, created_at, updated_at, version)
      SELECT @id, a.id, @firstName, @lastName, @email, @phone, @type, 'active', @coachId, 'manual', @appAccess, @createdAt, @createdAt, 1
      FROM accounts a
      WHERE a.id = @accountId
        AND (a.seat_limit IS NULL OR (SELECT count(*) FROM clients c WHERE c.account_id = a.id AND c.status = 'active') < a.seat_limit)`);
    const insert = this.insertStatement;
    const add = this.db.transaction((row: ClientRow) => insert.run(row).changes === 1);
    this.addTransaction = (row) => add.immediate(row);
  }

  /** The staff member's account and access epoch, or undefined (removed). */
  staff(userId: string): { accountId: string; epoch: number } | undefined {
    return this.staffStatement.get(userId) as { accountId: string; epoch: number } | undefined;
  }

  /** Adds the client; throws email_taken or seat_limit_reached. */
  add(row: ClientRow): void {
    let added: boolean;
    try {
      added = this.addTransaction(row);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw ClientsErrors.emailTaken();
      throw error;
    }
    if (!added) {
      const { seatLimit } = this.seatLimitStatement.get(row.accountId) as { seatLimit: number };
      throw ClientsErrors.seatLimitReached(seatLimit);
    }
  }

  /** Set-up, not timed: an account and its admin. */
  openAccount(seatLimit: number | null): { accountId: string; adminId: string } {
    const accountId = randomUUID();
    const adminId = randomUUID();
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO accounts (id, seat_limit) VALUES (?, ?)').run(accountId, seatLimit);
      this.db.prepare(`INSERT INTO staff (id, account_id, role, access_epoch) VALUES (?, ?, 'admin', 0)`).run(adminId, accountId);
    })();
    return { accountId, adminId };
  }

  close(): void {
    this.db.close();
  }
}

interface ClientRow {
  id: string;
  accountId: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
  type: string;
  coachId: string;
  appAccess: string;
  createdAt: string;
}

interface Actor {
  id: string;
  role: 'admin' | 'coach';
  accountId: string;
  capabilities: string[];
}

export const PEER_STORE = Symbol('PEER_STORE');
export const PEER_JWT_SECRET = Symbol('PEER_JWT_SECRET');

/** The gateway's JwtAuthGuard, for the one staff route: a verified token, then the session's epoch. */
@Injectable()
class PeerAuthGuard implements CanActivate {
  constructor(
    @Inject(PEER_STORE) private readonly store: PeerStore,
    @Inject(PEER_JWT_SECRET) private readonly secret: string,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { actor?: Actor }>();
    const header = request.headers.authorization;
    const token = typeof header === 'string' && /^Bearer [^\s]+$/i.test(header) ? header.slice(7) : null;
    if (!token) throw new AppError(ErrorCodes.unauthorized, 'Sign in and send the access token as "Authorization: Bearer <token>".');
    const verified = await verifyJwt<AccessTokenClaims>(token, this.secret);
    if (!verified.ok) throw new AppError(ErrorCodes.unauthorized, 'The access token is not valid or has expired; sign in again.');
    const { sub, role, acc, caps, ver } = verified.claims;
    if (role !== 'admin' && role !== 'coach') throw new AppError(ErrorCodes.forbidden, 'This is for the business staff, not for clients.');
    // Access ends at once (sign-out, password change, removal), as in the gateway: the epoch is checked on every request.
    const staff = this.store.staff(sub);
    if (!staff || staff.accountId !== acc || staff.epoch !== (typeof ver === 'number' ? ver : 0)) {
      throw new AppError(ErrorCodes.unauthorized, 'This session has ended (signed out, password changed or access removed); sign in again.');
    }
    request.actor = { id: sub, role, accountId: acc, capabilities: Array.isArray(caps) ? caps : [] };
    return true;
  }
}

@Controller('api/v1/clients')
class PeerClientsController {
  constructor(@Inject(PEER_STORE) private readonly store: PeerStore) {}

  @Post()
  @HttpCode(201)
  add(@Body() body: AddClientBody, @Req() request: FastifyRequest & { actor: Actor }, @Res({ passthrough: true }) reply: FastifyReply) {
    const actor = request.actor;
    if (actor.role !== 'admin' && !actor.capabilities.includes('create_clients')) {
      throw new AppError(ErrorCodes.forbidden, 'Adding clients needs the create_clients permission; ask an administrator.');
    }
    const input = validateNewClient(body);
    // The bench adds clients for the caller; another coach would be one more indexed SELECT on staff.
    if (body.coachId !== undefined && body.coachId !== actor.id) {
      const coach = this.store.staff(body.coachId);
      if (actor.role !== 'admin') throw new AppError(ErrorCodes.forbidden, 'A coach adds clients for themselves; only an administrator can choose another coach.');
      if (!coach || coach.accountId !== actor.accountId) {
        throw new AppError(ErrorCodes.validationFailed, 'The chosen coach is not a staff member of this business.', [
          { field: 'coachId', message: 'is not a staff member of this account' },
        ]);
      }
    }
    const coachId = body.coachId ?? actor.id;
    const id = randomUUID();
    const createdAt = new Date().toISOString();
    const appAccess = initialAppAccess(input.type, input.sendInvitation);
    this.store.add({ id, accountId: actor.accountId, firstName: input.firstName, lastName: input.lastName, email: input.email, phone: input.phone, type: input.type, coachId, appAccess, createdAt });
    void reply.header('location', `/api/v1/clients/${id}`).header('etag', '"1"');
    return {
      id,
      firstName: input.firstName,
      lastName: input.lastName,
      email: input.email,
      phone: input.phone,
      type: input.type,
      status: 'active',
      coachId,
      createdAt,
      lastActivityAt: null,
      source: { kind: 'manual' },
      appAccess,
      notes: [],
      notesTotal: 0,
      kpis: { messagesFromCoach: 0, messagesFromClient: 0, lastMessageAt: null, purchases: 0, totalSpent: null },
      updatedAt: createdAt,
      version: 1,
    };
  }
}

/** The gateway's ProblemFilter, for what this app can throw. */
@Catch()
class PeerProblemFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const body = toProblem(exception);
    if (body.status === 401) void reply.header('www-authenticate', 'Bearer');
    void reply.status(body.status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
  }
}

function toProblem(exception: unknown): Problem {
  if (exception instanceof AppError) return problemOf(exception);
  if (exception instanceof HttpException && exception.getStatus() < 500) {
    const status = exception.getStatus();
    if (status === 404) return problemOf(GatewayErrors.noRoute());
    return problem(ErrorCodes.validationFailed, exception.message);
  }
  const fastifyStatus = (exception as { statusCode?: unknown })?.statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    return fastifyStatus === 413 ? problemOf(GatewayErrors.bodyTooLarge()) : problem(ErrorCodes.validationFailed, (exception as Error).message);
  }
  process.stderr.write(`peer: unhandled error: ${(exception as Error)?.stack ?? String(exception)}\n`);
  return problemOf(GatewayErrors.internal());
}

/** The peer's HTTP app on 127.0.0.1 (a free port), over `store`, checking tokens signed with `secret`. */
export async function startPeerApp(store: PeerStore, secret: string): Promise<NestFastifyApplication> {
  @Module({
    controllers: [PeerClientsController],
    providers: [
      { provide: PEER_STORE, useValue: store },
      { provide: PEER_JWT_SECRET, useValue: secret },
      { provide: APP_GUARD, useClass: PeerAuthGuard },
      { provide: APP_FILTER, useClass: PeerProblemFilter },
    ],
  })
  class PeerModule {}

  const app = await NestFactory.create<NestFastifyApplication>(PeerModule, new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES }), { logger: false, bodyParser: false });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  addSecurityHeaders(fastify);
  app.useGlobalPipes(validationPipe());
  await app.listen(0, '127.0.0.1');
  return app;
}
