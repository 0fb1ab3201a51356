import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'yaml';
import { WORKER_NODE_OPTIONS } from '../../src/config.js';
import { objectStoreConfigFromEnv } from '../../src/artifacts/objectStoreConfig.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const all = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].map((m) => m[1]!);

const compose = parse(read('docker-compose.yml'));
const services = compose.services;
const serverConfig = read('deploy/temporal/config.yaml');
const serverScript = read('scripts/cluster/server.sh');
const uiConfig = read('deploy/temporal-ui/config.yaml');
const uiScript = read('scripts/cluster/ui.sh');
const bootstrap = read('scripts/bootstrap.sh');
/** The frontend port config.yaml falls back to: what compose leaves unset and publishes. */
const frontendPort = /grpcPort: \{\{ default "(\d+)" \(env "TEMPORAL_FRONTEND_PORT"\) \}\}/.exec(serverConfig)![1];
/** The processes of the coordinator (they read src/temporal/connectionConfig.ts) and the other clients. */
const COORDINATOR = ['worker', 'agent'];
const CLIENTS = [...COORDINATOR, 'temporal-namespace', 'temporal-ui'];

/** What an operator sets for compose's required variables (`${X:?}`): `x` where any value does. */
const OPERATOR_SETS: Record<string, string> = { REGENESIS_S3_ENDPOINT: 'http://10.0.0.5:7070' };

/** A value as compose would see it: `${X:-default}` at its default, `${X:?}` as the operator sets it. */
function interpolated(value: unknown): string {
  return String(value)
    .replace(/\$\{\w+:-([^}]*)\}/g, '$1')
    .replace(/\$\{(\w+):\?[^}]*\}/g, (_, name: string) => OPERATOR_SETS[name] ?? 'x');
}

/** The file a service's `/run/secrets/NAME` path is, checked to be one the service mounts. */
function secretFile(service: string, path: string): string {
  const name = /^\/run\/secrets\/([\w-]+)$/.exec(path)?.[1];
  expect(name, `${service}: ${path} is a compose secret`).toBeDefined();
  expect(services[service].secrets, `${service} mounts ${name}`).toContain(name);
  return basename(interpolated(compose.secrets[name!].file));
}

/** A bootstrap pin (`NAME=v1.2.3`) without its `v`. */
function pinned(name: string): string {
  return new RegExp(`^${name}=v(\\S+)`, 'm').exec(bootstrap)![1]!;
}

// No container engine runs here, so the production layout is checked for structure, and against
// the files scripts/cluster.sh runs (which `npm run test:cluster` runs for real).
describe('docker-compose.yml', () => {
  it('runs Temporal on PostgreSQL, the Web UI, the object store, the workers and (on validator hosts) the agent', () => {
    expect(Object.keys(services).sort()).toEqual([
      'agent',
      'object-store',
      'object-store-bucket',
      'postgresql',
      'temporal',
      'temporal-namespace',
      'temporal-schema',
      'temporal-ui',
      'worker',
    ]);
    expect(services.agent.profiles).toEqual(['validator']);
    expect(all(serverConfig, /pluginName: "(\w+)"/g)).toEqual(['postgres12', 'postgres12']);
    expect(services.temporal.environment.TEMPORAL_PG_HOST).toBe('postgresql');
    expect(services['temporal-schema'].depends_on.postgresql.condition).toBe('service_healthy');
    expect(services.temporal.depends_on['temporal-schema'].condition).toBe('service_completed_successfully');
    expect(services['temporal-ui'].environment.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('runs the server, its schemas and its namespace from the files scripts/cluster.sh runs', () => {
    for (const name of ['temporal', 'temporal-schema', 'temporal-namespace']) {
      expect(services[name].volumes, name).toContain('./deploy/temporal:/etc/temporal/config:ro');
      expect(services[name].image, name).toBe(`regenesis-temporal:${pinned('TEMPORAL_SERVER_VERSION')}`);
    }
    expect(services.temporal.command.join(' ')).toContain('--config /etc/temporal/config --env config --allow-no-auth start');
    expect(serverScript).toContain('--config "$ROOT/deploy/temporal" --env config --allow-no-auth start');
    expect(services['temporal-schema'].command).toEqual(['bash', '/etc/temporal/config/schema.sh']);
    expect(read('scripts/cluster/postgres.sh')).toContain('bash "$ROOT/deploy/temporal/schema.sh"');
    expect(services['temporal-namespace'].command).toEqual(['bash', '/etc/temporal/config/namespace.sh']);
    expect(serverScript).toContain('bash "$ROOT/deploy/temporal/namespace.sh"');
  });

  it('runs the Web UI server from the template scripts/cluster.sh runs it from, with every variable it reads', () => {
    const ui = services['temporal-ui'];
    expect(ui.volumes).toEqual(['./deploy/temporal-ui:/etc/temporal-ui/config:ro']);
    expect(ui.command.join(' ')).toBe('temporal-ui-server --root / --config /etc/temporal-ui/config --env config start');
    expect(uiScript).toContain('"$TEMPORAL_UI_SERVER" --root / --config "$ROOT/deploy/temporal-ui" --env config start');
    // The UI server renders the file only when it says so in its first lines.
    expect(uiConfig.split('\n')[0]).toBe('# enable-template');
    const reads = [...new Set(all(uiConfig, /env "(\w+)"/g))];
    expect(reads).toEqual(expect.arrayContaining(['TEMPORAL_ADDRESS', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA', 'TEMPORAL_UI_PORT']));
    // The cluster script gives it what `cluster.sh env` gives every client, and its own bind address and port.
    const printEnv = /^print_env\(\) \{\n([\s\S]*?)\n\}/m.exec(serverScript)![1]!;
    const startUi = /^start_ui\(\) \{\n([\s\S]*?)\n\}/m.exec(uiScript)![1]!;
    expect(startUi).toContain('eval "$(print_env)"');
    for (const name of reads) {
      expect(name in ui.environment, `compose sets ${name}`).toBe(true);
      expect(printEnv.includes(name) || new RegExp(`export [^\\n]*\\b${name}\\b`).test(startUi), `cluster.sh sets ${name}`).toBe(true);
    }
    // It checks the frontend's certificate against the CA (the UI server skips that unless told).
    expect(uiConfig).toMatch(/^ {2}enableHostVerification: true$/m);
    const port = /^port: \{\{ default "(\d+)" \(env "TEMPORAL_UI_PORT"\) \}\}$/m.exec(uiConfig)![1];
    expect(ui.environment.TEMPORAL_UI_PORT).toBe(port);
    expect(ui.ports).toEqual([`127.0.0.1:8233:${port}`]);
    expect(ui.environment.TEMPORAL_TLS_SERVER_NAME).toBe('temporal');
  });

  it('sets every variable the server configuration reads without a default, and every one the cluster script sets', () => {
    const temporal = services.temporal;
    const setHere = (name: string) => name in temporal.environment || temporal.command.join(' ').includes(`${name}=`);
    const withoutDefault = all(serverConfig, /\{\{ env "(\w+)" \}\}/g);
    for (const name of withoutDefault) expect(setHere(name), `compose sets ${name}`).toBe(true);
    const serverEnv = /^server_env\(\) \{\n([\s\S]*?)\n\}/m.exec(serverScript)![1]!;
    for (const name of all(serverEnv, /\b(TEMPORAL_\w+)=/g)) expect(setHere(name), `compose sets ${name} as cluster.sh does`).toBe(true);
    expect(temporal.environment.TEMPORAL_TLS_REQUIRE_CLIENT_AUTH).toBe('true');
    expect(secretFile('temporal', temporal.environment.TEMPORAL_TLS_SERVER_CERT)).toBe('server.pem');
    expect(secretFile('temporal', temporal.environment.TEMPORAL_TLS_SERVER_KEY)).toBe('server.key');
    expect(secretFile('temporal', temporal.environment.TEMPORAL_TLS_SERVER_CA)).toBe('ca.pem');
  });

  it('gives every client the TLS variables connectionConfig.ts reads, with the files cluster.sh issues', () => {
    const read_ = all(read('src/temporal/connectionConfig.ts'), /^\s+(TEMPORAL_\w+):/gm);
    expect(read_).toEqual(expect.arrayContaining(['TEMPORAL_ADDRESS', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA']));
    // What `cluster.sh env` gives a client: the same three files.
    expect(serverScript).toMatch(/TEMPORAL_TLS_CERT "\$TLS\/client\.pem" TEMPORAL_TLS_KEY "\$TLS\/client\.key" TEMPORAL_TLS_CA "\$TLS\/ca\.pem"/);
    for (const name of CLIENTS) {
      const env = services[name].environment;
      expect(secretFile(name, env.TEMPORAL_TLS_CERT)).toBe('client.pem');
      expect(secretFile(name, env.TEMPORAL_TLS_KEY)).toBe('client.key');
      expect(secretFile(name, env.TEMPORAL_TLS_CA)).toBe('ca.pem');
      expect(services[name].secrets, `${name} never sees the server key`).not.toContain('temporal-server-key');
    }
    for (const name of COORDINATOR) {
      for (const variable of Object.keys(services[name].environment).filter((v) => v.startsWith('TEMPORAL_'))) {
        expect(read_, `${name}: ${variable} is read by connectionConfig.ts`).toContain(variable);
      }
    }
    // Clients dial `temporal` (or name it, from another host): the server's certificate carries it.
    expect(read('scripts/cluster/tls.sh')).toMatch(/subjectAltName=[^"]*DNS:temporal/);
    expect(services.agent.environment.TEMPORAL_TLS_SERVER_NAME).toBe('temporal');
  });

  it('agrees on ports: the frontend of config.yaml, the object store of the workers', () => {
    expect(services.temporal.ports).toEqual([`127.0.0.1:${frontendPort}:${frontendPort}`]);
    for (const name of CLIENTS.filter((n) => n !== 'agent')) expect(services[name].environment.TEMPORAL_ADDRESS, name).toBe(`temporal:${frontendPort}`);
    expect(services.temporal.healthcheck.test).toContain(`temporal:${frontendPort}`);
    const store = services['object-store'];
    const port = store.command[store.command.indexOf('--port') + 1].split(':').pop();
    expect(store.ports).toEqual([`127.0.0.1:${port}:${port}`]);
    expect(services.worker.environment.REGENESIS_S3_ENDPOINT).toBe(`http://object-store:${port}`);
    expect(services['object-store-bucket'].environment.AWS_ENDPOINT_URL).toBe(`http://object-store:${port}`);
  });

  it('builds the server, the Web UI and the object store at the versions the bootstrap builds for the tests', () => {
    const temporalImage = read('deploy/temporal/Dockerfile');
    expect(temporalImage).toContain(`ARG TEMPORAL_SERVER_VERSION=v${pinned('TEMPORAL_SERVER_VERSION')}`);
    expect(temporalImage).toContain(`ARG TEMPORAL_CLI_VERSION=v${pinned('TEMPORAL_VERSION')}`);
    expect(read('deploy/object-store/Dockerfile')).toContain(`ARG VERSITYGW_VERSION=v${pinned('VERSITYGW_VERSION')}`);
    expect(read('deploy/temporal-ui/Dockerfile')).toContain(`ARG TEMPORAL_UI_VERSION=v${pinned('TEMPORAL_UI_VERSION')}`);
    expect(services['temporal-ui'].image).toBe(`regenesis-temporal-ui:${pinned('TEMPORAL_UI_VERSION')}`);
    expect(services['object-store'].image).toBe(`regenesis-object-store:${pinned('VERSITYGW_VERSION')}`);
  });

  it('runs two workers, each on a disk of its own, sharing runs through the object store the agents read', () => {
    const worker = services.worker;
    expect(worker.deploy.replicas).toBe(2);
    // An anonymous volume: one per replica, nothing shared between workers but the object store.
    expect(worker.volumes).toEqual(['/var/lib/regenesis']);
    expect(worker.environment.REGENESIS_ARTIFACTS_DIR.startsWith('/var/lib/regenesis/')).toBe(true);
    for (const name of ['worker', 'agent']) {
      const env = Object.fromEntries(Object.entries(services[name].environment).map(([k, v]) => [k, interpolated(v)]));
      expect(objectStoreConfigFromEnv(env)?.bucket, name).toBe(interpolated(services.worker.environment.REGENESIS_S3_BUCKET));
    }
  });

  it('builds the worker from the Dockerfile and points it at the server', () => {
    const worker = services.worker;
    expect(worker.build).toBe('.');
    expect(worker.environment.TEMPORAL_ADDRESS).toBe('temporal:7233');
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toMatch(/CMD \["worker"\]/);
  });

  it('runs the agent with its keys mounted read-only and every setting the agent requires', async () => {
    const agent = services.agent;
    expect(agent.command).toEqual(['agent']);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose's own variable syntax, not a template
    expect(agent.volumes).toContain('${VALIDATOR_KEYS_DIR:?set VALIDATOR_KEYS_DIR}:/run/validator-keys:ro');
    const { agentConfigSchema } = await import('../../src/agent/config.js');
    const required = Object.entries(agentConfigSchema.shape)
      .filter(([, t]) => !t.safeParse(undefined).success)
      .map(([k]) => k);
    const envName = (key: string) => `REGENESIS_AGENT_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
    for (const key of required) expect(agent.environment, envName(key)).toHaveProperty(envName(key));
    // The image has the node binary the agent is pointed at.
    expect(read('Dockerfile')).toContain(`AVALANCHEGO_BIN=${agent.environment.REGENESIS_AGENT_NODE_BINARY}`);
  });

  it('gives the worker a prebuilt workflow bundle and the measured heap cap', () => {
    const dockerfile = read('Dockerfile');
    const built = /RUN node bin\/regenesis\.js bundle --out (\S+)/.exec(dockerfile);
    expect(built, 'the image builds the workflow bundle').not.toBeNull();
    expect(dockerfile).toContain(`REGENESIS_WORKFLOW_BUNDLE=${built![1]}`);
    // The bench measures the worker with WORKER_NODE_OPTIONS: the image must run with the same.
    expect(dockerfile).toContain(`NODE_OPTIONS=${WORKER_NODE_OPTIONS}`);
  });

  it('publishes ports on loopback only and keeps secrets out of the file', () => {
    for (const service of Object.values<any>(services)) {
      for (const port of service.ports ?? []) expect(String(port)).toMatch(/^127\.0\.0\.1:/);
    }
    const text = read('docker-compose.yml');
    expect(text).toMatch(/POSTGRES_PASSWORD: \$\{POSTGRES_PASSWORD:\?/);
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      for (const line of text.split('\n').filter((l) => l.trim().startsWith(`${name}:`))) expect(line).toContain(`\${${name}:?`);
    }
  });
});
