import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Integration files run two at a time on a 2-core machine; most of their time is spent waiting on
 * epochs, heartbeat timeouts and node start-up rather than on the CPU. Longest first (measured
 * seconds on that machine), so the two lanes finish together instead of one long file starting
 * last; the five-validator network files are kept apart in the order so they rarely overlap (two
 * such networks side by side leave each agent's answers seconds late on two cores).
 */
const SECONDS: Record<string, number> = {
  'test/integration/validatorMigration.test.ts': 400,
  'test/workflow/crashMatrix.test.ts': 310,
  'test/workflow/launch.test.ts': 125,
  'test/integration/cDelta.test.ts': 30,
  'test/integration/cliControl.test.ts': 95,
  'test/workflow/crash.test.ts': 115,
  'test/integration/avalanchego/supplyGap.test.ts': 88,
  'test/integration/emergencyMigration.test.ts': 105,
  'test/integration/avalanchego/primaryGenesis.test.ts': 70,
  // Its own five-validator network takes ~150 s; ranked here so it starts once validatorMigration's
  // and emergencyMigration's are gone (~90 s after the latter on this machine), not last and alone.
  'test/integration/freezeIsHalt.test.ts': 50,
  'test/workflow/nodeFaults.test.ts': 100,
  'test/integration/devOrphans.test.ts': 45,
  'test/integration/agentGenesisCheck.test.ts': 40,
  'test/integration/regenesis.geth.test.ts': 43,
  'test/integration/cli.test.ts': 40,
  'test/integration/avalanchego/corethRegenesis.test.ts': 37,
  'test/e2e/webui.test.ts': 36,
  'test/integration/evmExport.test.ts': 35,
  'test/integration/avalanchego/epochSources.test.ts': 33,
  'test/workflow/emergency.test.ts': 23,
  'test/workflow/serverRestart.test.ts': 20,
  'test/integration/regenesis.anvil.test.ts': 17,
  'test/workflow/secrets.test.ts': 10,
};

const seconds = (spec: TestSpecification): number => {
  const path = spec.moduleId.slice(spec.project.config.root.length + 1);
  return SECONDS[path] ?? 5;
};

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => seconds(b) - seconds(a));
  }
}
