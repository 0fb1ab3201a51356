import type { Plan } from '../../src/plan/index.js';
import { compensation, operator, postLaunch } from '../activities.js';
import type { RegenesisRun } from '../state.js';
import { ratifyByDeclaredValidators } from './declaredRatification.js';
import { assertServesExport, type OperatorFlow } from './operatorFlow.js';

type LocalOperator = Extract<NonNullable<Plan['launch']>['operator'], { kind: 'local' }>;

/**
 * A geth devnet the worker runs itself (REGENESIS_DEVNET_ROOT): halted, relaunched from the genesis
 * and read back over its RPC; ratification by the declared validators.
 */
export function localFlow(run: RegenesisRun, op: LocalOperator): OperatorFlow {
  const { network } = op;
  let newRpcUrl: string | undefined;
  return {
    ratify: (prepared) => ratifyByDeclaredValidators(run, prepared),
    async migrate() {
      run.saga.add('resume-old-network', () => compensation.resumeOldNetwork({ network }));
      await operator.haltOldNetwork({ network });
    },
    async start(prepared) {
      run.saga.add('discard-new-network', () => compensation.discardNewNetwork({ network }));
      const { path: genesisPath, sha256: genesisSha256 } = prepared.genesis;
      newRpcUrl = (await operator.launchNewNetwork({ network, runKey: run.runKey, genesisPath, genesisSha256 })).rpcUrl;
    },
    async postVerify(prepared) {
      const checked = await postLaunch.postVerifyNetwork({
        runKey: run.runKey,
        rpcUrl: newRpcUrl!,
        expectedRoot: prepared.freeze.stateRoot,
        samplesPath: prepared.verification.samplesPath,
      });
      assertServesExport(checked);
      return { newNetwork: { rpcUrl: newRpcUrl, block0Root: checked.block0Root }, postVerify: { ok: checked.ok, mismatches: checked.mismatches } };
    },
  };
}
