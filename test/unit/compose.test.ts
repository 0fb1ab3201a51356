import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { WORKER_NODE_OPTIONS } from '../../src/config.js';

const root = new URL('../../', import.meta.url);

// No container engine runs here, so the production layout is checked for structure.
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8'));

  it('runs Temporal on PostgreSQL, the Web UI, the worker and (on validator hosts) the agent', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['agent', 'postgresql', 'temporal', 'temporal-ui', 'worker']);
    expect(compose.services.agent.profiles).toEqual(['validator']);
    const temporal = compose.services.temporal;
    expect(temporal.environment.DB).toBe('postgres12');
    expect(temporal.environment.POSTGRES_SEEDS).toBe('postgresql');
    expect(temporal.depends_on.postgresql.condition).toBe('service_healthy');
    expect(compose.services['temporal-ui'].environment.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('builds the worker from the Dockerfile and points it at the server', () => {
    const worker = compose.services.worker;
    expect(worker.build).toBe('.');
    expect(worker.environment.TEMPORAL_ADDRESS).toBe('temporal:7233');
    const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toMatch(/CMD \["worker"\]/);
  });

  it('runs the agent with its keys mounted read-only and every setting the agent requires', async () => {
    const agent = compose.services.agent;
    expect(agent.command).toEqual(['agent']);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose's own variable syntax, not a template
    expect(agent.volumes).toContain('${VALIDATOR_KEYS_DIR:?set VALIDATOR_KEYS_DIR}:/run/validator-keys:ro');
    const { agentConfigSchema } = await import('../../src/agent/config.js');
    const required = Object.entries(agentConfigSchema.shape).filter(([, t]) => !t.safeParse(undefined).success).map(([k]) => k);
    const envName = (key: string) => `REGENESIS_AGENT_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
    for (const key of required) expect(agent.environment, envName(key)).toHaveProperty(envName(key));
    // The image has the node binary the agent is pointed at.
    expect(readFileSync(new URL('Dockerfile', root), 'utf8')).toContain(`AVALANCHEGO_BIN=${agent.environment.REGENESIS_AGENT_NODE_BINARY}`);
  });

  it('gives the worker a prebuilt workflow bundle and the measured heap cap', () => {
    const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
    const built = /RUN node bin\/regenesis\.js bundle --out (\S+)/.exec(dockerfile);
    expect(built, 'the image builds the workflow bundle').not.toBeNull();
    expect(dockerfile).toContain(`REGENESIS_WORKFLOW_BUNDLE=${built![1]}`);
    // The bench measures the worker with WORKER_NODE_OPTIONS: the image must run with the same.
    expect(dockerfile).toContain(`NODE_OPTIONS=${WORKER_NODE_OPTIONS}`);
  });

  it('publishes ports on loopback only and keeps secrets out of the file', () => {
    for (const service of Object.values<any>(compose.services)) {
      for (const port of service.ports ?? []) expect(String(port)).toMatch(/^127\.0\.0\.1:/);
    }
    const text = readFileSync(new URL('docker-compose.yml', root), 'utf8');
    expect(text).toMatch(/POSTGRES_PASSWORD: \$\{POSTGRES_PASSWORD:\?/);
  });
});
