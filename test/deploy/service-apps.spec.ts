import { SERVICES } from '@clientele/platform/config';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCompose, root } from '../production/compose-environment';

/**
 * Issue 20, item 11: every deployable service is an Nx app of its own (apps/<service>), built by
 * `nx build <service>`, shipped as the deploy/Dockerfile target of the same name, and that target is
 * what every compose file runs for the service. These files are read, not run (no Docker engine
 * here); the apps themselves run in every suite of separate processes (test/support/deployments.ts).
 */
const read = (file: string) => readFileSync(join(root, file), 'utf8');

interface Stage {
  name: string;
  from: string;
  lines: string[];
}

/** deploy/Dockerfile's stages, in order, each with its instructions. */
function dockerfileStages(): Stage[] {
  const stages: Stage[] = [];
  for (const line of read('deploy/Dockerfile').split('\n').map((l) => l.trim())) {
    const from = /^FROM\s+(\S+)\s+AS\s+(\S+)$/i.exec(line);
    if (from) stages.push({ name: from[2], from: from[1], lines: [] });
    else if (line && !line.startsWith('#')) stages.at(-1)?.lines.push(line);
  }
  return stages;
}

const commandOf = (stage: Stage) => {
  const cmd = stage.lines.find((line) => line.startsWith('CMD '));
  return cmd ? (JSON.parse(cmd.slice(4)) as string[]) : undefined;
};

interface ComposeBuild {
  context: string;
  dockerfile: string;
  target?: string;
}

describe('an Nx app per deployable service (issue 20)', () => {
  const stages = dockerfileStages();

  it.each(SERVICES)('%s: a thin main.ts that hosts that one service, and an nx build target', (service) => {
    const main = read(`apps/${service}/src/main.ts`);
    expect(main).toContain(`runProcess({ service: '${service}' });`);
    // Thin: the host does the work; the app only says which service it is.
    expect(main.match(/^import .*$/gm)).toEqual(["import 'reflect-metadata';", "import { runProcess } from '@clientele/host';"]);
    const project = JSON.parse(read(`apps/${service}/project.json`));
    expect(project).toMatchObject({ name: service, projectType: 'application', tags: expect.arrayContaining(['type:app']) });
    expect(project.targets.build.options.command).toBe(`tsc -p apps/${service}/tsconfig.app.json`);
    expect(JSON.parse(read(`apps/${service}/tsconfig.app.json`))).toMatchObject({ extends: '../../tsconfig.build.json', files: ['src/main.ts'] });
  });

  it('has a deploy/Dockerfile target per service, running its app, and standalone as the default (last) target', () => {
    for (const service of [...SERVICES, 'standalone']) {
      const stage = stages.find((s) => s.name === service);
      expect({ service, from: stage?.from }).toEqual({ service, from: 'runtime' });
      expect(commandOf(stage!)).toEqual(['node', '-r', './tools/register-paths.js', `dist/apps/${service}/src/main.js`]);
      // Its own app goes into its image, no other app's.
      const apps = stage!.lines.filter((line) => line.startsWith('COPY') && line.includes('dist/apps/'));
      expect(apps).toEqual([`COPY --from=build /app/dist/apps/${service} ./dist/apps/${service}`]);
    }
    expect(stages.at(-1)?.name).toBe('standalone');
    // Those that serve HTTP also get the web app.
    for (const stage of stages.filter((s) => s.from === 'runtime')) {
      expect({ stage: stage.name, web: stage.lines.some((line) => line.includes('dist/web')) }).toEqual({ stage: stage.name, web: ['gateway', 'standalone'].includes(stage.name) });
    }
  });

  it.each(['docker-compose.yml', 'deploy/compose.postgres.yml'])('%s runs every service from its own Dockerfile target', (file) => {
    const compose = readCompose(file);
    const images = new Set<string>();
    for (const service of SERVICES) {
      const definition = compose.services[service] as { build?: ComposeBuild; image?: string; environment?: Record<string, string> };
      expect({ service, build: definition.build }).toEqual({ service, build: { context: expect.any(String), dockerfile: 'deploy/Dockerfile', target: service } });
      expect(existsSync(join(root, file, '..', definition.build!.context, 'deploy/Dockerfile'))).toBe(true);
      expect(definition.image).toMatch(new RegExp(`^clientele/${service}:`));
      images.add(definition.image!);
      // The app hosts its service whatever the setting says; the setting stays, saying so to a reader.
      expect(definition.environment?.CLIENTELE_SERVICES).toBe(service);
    }
    expect(images.size).toBe(SERVICES.length);
  });

  it('npm run start:distributed starts the service apps from the build', () => {
    const script = read('tools/start-distributed.js');
    expect(script).toContain("'dist/apps/${service}/src/main.js'".replace(/'/g, '`'));
    expect(script).not.toContain('apps/standalone');
    expect(JSON.parse(read('package.json')).scripts['start:distributed']).toMatch(/^npm run build && node tools\/start-distributed\.js$/);
  });
});
