import { JsonLogger } from '@clientele/platform/logging';
import { Controller, Get, Module } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProblemFilter } from '../http/problem.filter';
import { WEB_APP_ROUTES, serveWebApp, wantsAppPage } from './web-app';

@Controller('api/v1')
class PingController {
  @Get('ping')
  ping() {
    return { pong: true };
  }
}

@Module({ controllers: [PingController], providers: [{ provide: APP_FILTER, useValue: new ProblemFilter(new JsonLogger('error')) }] })
class TinyGatewayModule {}

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const INDEX = '<!doctype html><title>Clientele</title><div id="root"></div>';
const ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>';

describe('the web app served by the gateway', () => {
  let app: NestFastifyApplication;
  let webDir: string;

  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'clientele-web-app-spec-'));
    mkdirSync(join(webDir, 'assets'));
    writeFileSync(join(webDir, 'index.html'), INDEX);
    writeFileSync(join(webDir, 'assets', 'main-abc.js'), 'console.log(1)');
    writeFileSync(join(webDir, 'favicon.svg'), ICON);
    app = await NestFactory.create<NestFastifyApplication>(TinyGatewayModule, new FastifyAdapter(), { logger: false });
    await serveWebApp(app, webDir);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
    rmSync(webDir, { recursive: true, force: true });
  });

  const get = (url: string, accept = HTML) => app.getHttpAdapter().getInstance().inject({ method: 'GET', url, headers: { accept } });

  it('answers every route the app draws with its page and 200, the links of mails already sent (/login, /messages) included', async () => {
    for (const route of WEB_APP_ROUTES) {
      const answer = await get(route.replace(/[*]|:\w+/, 'some-id'));
      expect({ route, status: answer.statusCode, type: answer.headers['content-type'] }).toEqual({ route, status: 200, type: 'text/html; charset=utf-8' });
    }
    expect(WEB_APP_ROUTES).toEqual(expect.arrayContaining(['/login', '/messages', '/staff', '/settings']));
  });

  it('answers a page the app does not know with the app (which draws "page not found") and 404, not a JSON document', async () => {
    for (const url of ['/nope', '/a/b/c', '/login/extra', '/clients/1/2', '/nope?x=1']) {
      const answer = await get(url);
      expect({ url, status: answer.statusCode, type: answer.headers['content-type'], body: answer.body }).toEqual({ url, status: 404, type: 'text/html; charset=utf-8', body: INDEX });
      expect(answer.headers['cache-control']).toBe('no-cache');
    }
  });

  it('keeps problem+json for the API, its documents and assets, even when a browser asks for them', async () => {
    for (const url of ['/api/v1/nope', '/api', '/docs/nope', '/health/nope', '/metrics', '/assets/missing.js']) {
      const answer = await get(url);
      expect({ url, status: answer.statusCode, type: answer.headers['content-type'] }).toEqual({ url, status: 404, type: 'application/problem+json; charset=utf-8' });
      expect(JSON.parse(answer.body)).toMatchObject({ status: 404, code: 'not_found' });
    }
    expect((await get('/api/v1/ping')).json()).toEqual({ pong: true });
    expect((await get('/assets/main-abc.js')).statusCode).toBe(200);
  });

  it('keeps problem+json for a caller that does not ask for HTML (a script, curl, fetch)', async () => {
    for (const accept of ['application/json', '*/*', '']) {
      const answer = await get('/nope', accept);
      expect({ accept, status: answer.statusCode, type: answer.headers['content-type'] }).toEqual({ accept, status: 404, type: 'application/problem+json; charset=utf-8' });
    }
    const post = await app.getHttpAdapter().getInstance().inject({ method: 'POST', url: '/nope', headers: { accept: HTML } });
    expect({ status: post.statusCode, code: JSON.parse(post.body).code }).toEqual({ status: 404, code: 'not_found' });
  });

  it('answers /favicon.ico with the icon, for the pages that are not the app (the app inlines it)', async () => {
    const answer = await get('/favicon.ico', 'image/avif,image/webp,image/*,*/*;q=0.8');
    expect({ status: answer.statusCode, type: answer.headers['content-type'], body: answer.body }).toEqual({ status: 200, type: 'image/svg+xml', body: ICON });
  });

  it('tells a page request from the others', () => {
    const request = (method: string, url: string, accept?: string) => ({ method, url, headers: accept === undefined ? {} : { accept } });
    expect(wantsAppPage(request('GET', '/nope', HTML))).toBe(true);
    expect(wantsAppPage(request('HEAD', '/nope', HTML))).toBe(true);
    expect(wantsAppPage(request('GET', '/nope'))).toBe(false);
    expect(wantsAppPage(request('DELETE', '/nope', HTML))).toBe(false);
    expect(wantsAppPage(request('GET', '/API/v1/x', HTML))).toBe(false);
    expect(wantsAppPage(request('GET', '/docs-json', HTML))).toBe(false);
    expect(wantsAppPage(request('GET', '/apiary', HTML))).toBe(true);
  });
});
