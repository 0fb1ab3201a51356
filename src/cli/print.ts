import type { RegenesisResult } from '../../workflows/messages.js';

export function printResult(result: RegenesisResult, options: { json: boolean; workflowId: string; uiUrl?: string }): void {
  if (options.json) {
    console.log(JSON.stringify({ workflowId: options.workflowId, ...result }));
    return;
  }
  const lines: string[] = [];
  if (result.status === 'RolledBack' || result.status === 'RollbackIncomplete') {
    const incomplete = result.status === 'RollbackIncomplete';
    lines.push(`Regenesis ${options.workflowId}: ${incomplete ? 'ROLLBACK INCOMPLETE' : 'ROLLED BACK'} in phase ${result.failedPhase}`);
    lines.push(`  reason: ${result.reason}`);
    lines.push(`  compensations run: ${result.compensations.join(', ') || 'none'}`);
    if (incomplete) {
      for (const f of result.failedCompensations) lines.push(`  NOT DONE — do by hand: ${f.name}: ${f.error}`);
      if (result.kept?.length) lines.push(`  kept (the way forward while the network is not restored): ${result.kept.join(', ')}`);
    }
  } else {
    const s = result.genesis.stats;
    lines.push(`Regenesis ${options.workflowId}: COMPLETED`);
    lines.push(
      `  freeze:     block ${result.freeze.height} (${result.freeze.hash})${result.freeze.epoch ? `, sealed epoch ${result.freeze.epoch.number}` : ''}`,
    );
    lines.push(`  state root: ${result.freeze.stateRoot}`);
    lines.push(`  exported:   ${s.accounts} accounts, ${s.contracts} contracts, ${s.storageSlots} storage slots, ${s.totalBalance} wei`);
    lines.push(`  genesis:    ${result.artifactsDir}/${result.genesis.path} (sha256 ${result.genesis.sha256})`);
    for (const c of result.verification.checks) lines.push(`  verify ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
    if (result.rehearsal) {
      lines.push(
        `  rehearsal:  ${result.rehearsal.primary ? 'avalanchego' : 'geth'} block 0 root ${result.rehearsal.block0Root} ${result.rehearsal.rootMatches ? 'matches' : 'DIFFERS'}, ${result.rehearsal.sampled} accounts sampled, ${result.rehearsal.mismatches.length} mismatches`,
      );
    }
    if (result.launch) {
      const l = result.launch;
      lines.push(`  approved:   by ${l.approvers.join(', ')}`);
      lines.push(
        `  ratified:   ${l.ratification.signers.length} validators, ${l.ratification.signedWeight}/${l.ratification.totalWeight} stake, aggregate BLS signature ${l.ratification.aggregateSignature.slice(0, 18)}…`,
      );
      lines.push(
        `  launched:   new network block 0 root ${l.newNetwork.block0Root ?? '(not checked: manual operator)'}; post-launch checks ${l.postVerify.ok ? 'passed' : 'FAILED'}`,
      );
      const t = l.newNetwork.transfers;
      if (t) lines.push(`  transfers:  accepted before the commit point: C-Chain ${t.cChain.txHash} (block ${t.cChain.block}), X-Chain ${t.xChain.txID}`);
    }
    lines.push(`  manifest:   ${result.artifactsDir}/${result.report.manifestPath} (${result.report.files} files, sha256 ${result.report.manifestSha256})`);
  }
  if (options.uiUrl) lines.push(`  Web UI:     ${options.uiUrl}/namespaces/default/workflows/${encodeURIComponent(options.workflowId)}`);
  console.log(lines.join('\n'));
}
