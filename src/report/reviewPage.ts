import type {
  FreezePoint,
  GenesisManifest,
  PChainExport,
  PrimaryGenesisManifest,
  RehearsalReport,
  SupplyGap,
  VerificationReport,
  XChainExport,
} from '../manifests.js';

/** What the review page shows: the report a run publishes before approval (reports/regenesis.json). */
export interface ReviewInput {
  plan: { name: string; chainId: number; launch?: LaunchTerms };
  /** The old network's EVM chain ID, as its node reported it at preflight. */
  sourceChainId?: number;
  freeze: FreezePoint;
  genesis: GenesisManifest;
  verification: VerificationReport;
  rehearsal: RehearsalReport | null;
  pChain?: PChainExport;
  xChain?: XChainExport;
  primaryGenesis?: PrimaryGenesisManifest;
}

/** What an approver of a launch agrees to besides the genesis: how the network is halted and how far the final state may move. */
export interface LaunchTerms {
  operator: 'agents' | 'local' | 'manual';
  approvalsRequired: number;
  /** Agents operator: 2 when the old network is halted after the approval and its final state launched. */
  stages?: 1 | 2;
  headsSettleSeconds?: number;
  deltaLimits?: { accountsChanged: number; validatorSetMayChange: boolean };
}

interface Bar {
  label: string;
  /** Exact decimal amount (what the page prints and the test reads). */
  amount: string;
  /** What the bar's length compares: amounts in one unit. */
  value: bigint;
}

/**
 * The page approvers read before they approve: one self-contained HTML file (no script, no network
 * access, inline SVG charts) written beside the report it renders. Every figure carries a
 * `data-figure` name so a test can hold the page to the report's numbers.
 */
export function renderReviewPage(report: ReviewInput): string {
  const approved = report.primaryGenesis ?? report.genesis;
  const sections = [
    section('What you approve', [
      row('Genesis sha256', code(approved.sha256), 'genesis.sha256'),
      row('File', code(approved.path), 'genesis.path'),
      `<p>Approve with <code>regenesis approve &lt;workflow ID&gt; --approver &lt;your name&gt; --genesis-sha256 ${esc(approved.sha256)} --key-file &lt;your approver key&gt;</code>,
       or stop the run with <code>regenesis abort &lt;workflow ID&gt; --reason &lt;why&gt;</code> (<code>regenesis status</code> shows the workflow ID).</p>`,
    ]),
    section('Freeze point', [
      row('Block', esc(String(report.freeze.height)), 'freeze.height'),
      row('Block hash', code(report.freeze.hash), 'freeze.hash'),
      row('Block time', esc(new Date(report.freeze.timestamp * 1000).toISOString()), 'freeze.time'),
      ...(report.freeze.epoch
        ? [
            row('Sealed epoch', esc(String(report.freeze.epoch.number)), 'freeze.epoch'),
            row('P-Chain height', esc(String(report.freeze.epoch.pChainHeight ?? '—')), 'freeze.pChainHeight'),
          ]
        : []),
    ]),
    section('State roots', [
      row('Source C-Chain at the freeze', code(report.freeze.stateRoot), 'freeze.stateRoot'),
      row('New C-Chain genesis', code(report.genesis.stateRoot), 'genesis.stateRoot'),
      ...(report.rehearsal ? [row('Rehearsal node block 0', code(report.rehearsal.block0Root), 'rehearsal.block0Root')] : []),
    ]),
    ...(report.plan.launch ? [launchSection(report.plan.launch, report)] : []),
    supplySection(report),
    ...(report.primaryGenesis ? [validatorsSection(report.primaryGenesis)] : []),
    section('Verification', [
      `<table><tr><th>Check</th><th>Result</th><th>Detail</th></tr>${report.verification.checks
        .map(
          (c) =>
            `<tr data-check="${esc(c.name)}"><td>${esc(c.name)}</td><td class="${c.ok ? 'ok' : 'fail'}">${c.ok ? 'ok' : 'FAILED'}</td><td>${esc(c.detail)}</td></tr>`,
        )
        .join('')}</table>`,
      report.rehearsal
        ? `<p data-figure="rehearsal.result">Rehearsal: ${report.rehearsal.ok ? 'the node booted from this genesis serves the exported state' : 'FAILED'} (${report.rehearsal.sampled} accounts sampled, ${report.rehearsal.mismatches.length} mismatches).</p>`
        : '<p data-figure="rehearsal.result">No rehearsal in this plan.</p>',
    ]),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Review: regenesis ${esc(report.plan.name)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2rem;max-width:64rem}code{font-size:12px;word-break:break-all}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
.ok{color:#176f2c}.fail{color:#b00020;font-weight:bold}svg text{font:12px system-ui,sans-serif}</style></head>
<body><h1>Review: regenesis <span data-figure="plan.name">${esc(report.plan.name)}</span></h1>
<p>New chain ID <span data-figure="plan.chainId">${report.plan.chainId}</span>. Read this page, then approve the genesis by its sha256 — nothing on the network changes before that.</p>
${sections.join('\n')}
</body></html>
`;
}

function supplySection(report: ReviewInput): string {
  const g = report.primaryGenesis;
  if (!g) {
    // A bare EVM genesis: one native asset, on one chain.
    return section('Supply', [
      row('C-Chain balances (wei)', esc(report.genesis.stats.totalBalance), 'supply.c'),
      row('Accounts', esc(String(report.genesis.stats.accounts)), 'accounts.c'),
    ]);
  }
  // One unit for the chart: nAVAX (C-Chain wei / 1e9; the C-Chain's 18 decimals against P/X's 9).
  const cNano = BigInt(report.genesis.stats.totalBalance) / 1_000_000_000n;
  const bars: Bar[] = [
    { label: 'P-Chain UTXOs', amount: g.carried.pChainUtxos, value: BigInt(g.carried.pChainUtxos) },
    { label: 'X-Chain UTXOs', amount: g.carried.xChainUtxos, value: BigInt(g.carried.xChainUtxos) },
    { label: 'Staked', amount: g.carried.staked, value: BigInt(g.carried.staked) },
    { label: 'C-Chain balances', amount: cNano.toString(), value: cNano },
  ];
  const moved = g.carried.movedToX;
  return section(`Supply of ${g.assetID.slice(0, 12)}… (nAVAX) and where it sits`, [
    barChart(bars, 'supply'),
    nanoRow('Allocated on X', g.allocated.xChain, 'allocated.x'),
    nanoRow('Allocated on P', g.allocated.pChain, 'allocated.p'),
    nanoRow('Allocated as stake', g.allocated.staked, 'allocated.staked'),
    row('C-Chain balances (wei)', esc(report.genesis.stats.totalBalance), 'supply.c'),
    ...(moved ? [nanoRow('Moved from P to X (stakeOwnerBalances: move-to-x)', moved, 'movedToX')] : []),
    ...(report.pChain?.currentSupply ? [nanoRow('Source P-Chain current supply', report.pChain.currentSupply, 'source.currentSupply')] : []),
    ...supplyGapRows(report.verification.supplyGap),
  ]);
}

/** The export against the node's own supply: each term, so approvers see what the gap is made of. */
function supplyGapRows(gap: SupplyGap | undefined): string[] {
  if (!gap) return [];
  if (!gap.judged) return [row("Gap to the node's supply", esc(gap.detail), 'supplyGap.detail')];
  return [
    row("Potential rewards (in the node's supply, not minted yet)", esc(gap.potentialRewards!), 'supplyGap.potentialRewards'),
    row("C-Chain genesis allocation (outside the P-Chain's supply)", esc(gap.cChainGenesis ?? 'not served by the node'), 'supplyGap.cChainGenesis'),
    row('Fees burned on P / X', esc(gap.burnedFees ? `${gap.burnedFees.P} / ${gap.burnedFees.X}` : 'not counted (no discovery)'), 'supplyGap.burnedFees'),
    row('Exported (P + X + staked + C)', esc(gap.exported!), 'supplyGap.exported'),
    row(`Gap to the node's supply (limit ${gap.maxGap})`, esc(gap.gap!), 'supplyGap.gap'),
    ...(gap.missingOwners && gap.missingOwners.length > 0
      ? [
          row(
            'Largest owners not exported',
            esc(gap.missingOwners.map((o) => `${o.address} (P ${o.pChain}, X ${o.xChain})`).join(', ')),
            'supplyGap.missingOwners',
          ),
        ]
      : []),
    ...gap.otherAssets.map((o) => row(`${o.chain}-Chain ${o.assetID}`, esc(o.why), `supplyGap.other.${o.assetID}`)),
  ];
}

function validatorsSection(g: PrimaryGenesisManifest): string {
  const old: Bar[] = g.previousStake.map((v) => ({ label: v.nodeID, amount: v.weight, value: BigInt(v.weight) }));
  const next: Bar[] = g.stakers.map((v) => ({ label: v.nodeID, amount: v.weight, value: BigInt(v.weight) }));
  return section(`Validators: ${old.length} old, ${next.length} new (network ${g.networkID}, ${g.mode})`, [
    '<h3>Old stake at the epoch</h3>',
    barChart(old, 'old'),
    '<h3>New initial stakers</h3>',
    barChart(next, 'new'),
  ]);
}

/** Horizontal bars scaled to the largest value; each labelled with its exact amount. */
function barChart(bars: Bar[], name: string): string {
  const max = bars.reduce((m, b) => (b.value > m ? b.value : m), 1n);
  const height = 22 * bars.length + 8;
  const rows = bars.map((b, i) => {
    const width = Number((b.value * 400n) / max);
    const y = 4 + 22 * i;
    // Labels wide enough for a whole NodeID; the amount in AVAX, the exact nAVAX in data-amount.
    return `<g data-${name}="${esc(b.label)}"><text x="0" y="${y + 14}">${esc(short(b.label))}</text><rect x="330" y="${y}" width="${width}" height="16" fill="#3b6fd4"></rect><text x="${336 + width}" y="${y + 14}" data-amount="${esc(b.amount)}">${esc(avax(b.amount))}</text></g>`;
  });
  return `<svg role="img" aria-label="${esc(name)}" width="920" height="${height}">${rows.join('')}</svg>`;
}

function section(title: string, body: string[]): string {
  return `<section><h2>${esc(title)}</h2>${body.join('\n')}</section>`;
}

function row(label: string, valueHtml: string, figure: string): string {
  return `<p>${esc(label)}: <span data-figure="${figure}">${valueHtml}</span></p>`;
}

function code(text: string): string {
  return `<code>${esc(text)}</code>`;
}

function short(label: string): string {
  return label.length > 48 ? `${label.slice(0, 47)}…` : label;
}

/** An exact nAVAX amount, named, with its AVAX reading beside it for the eye. */
function nanoRow(label: string, nano: string, figure: string): string {
  return `<p>${esc(label)}: <span data-figure="${figure}">${esc(nano)}</span> nAVAX (${esc(avax(nano))})</p>`;
}

/** nAVAX as AVAX with thousands separators: 310000000000000000 → "310,000,000 AVAX". */
export function avax(nano: string): string {
  if (!/^-?\d+$/.test(nano)) return nano;
  const negative = nano.startsWith('-');
  const digits = (negative ? nano.slice(1) : nano).padStart(10, '0');
  const whole = digits
    .slice(0, -9)
    .replace(/^0+(?=\d)/, '')
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = digits.slice(-9).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''} AVAX`;
}

/**
 * How the network changes hands once approved: by whom, whether the old network's last state is
 * carried (two stages) or the freeze's (one), how far the final state may move without another
 * approval, what the downtime is made of, and the EVM chain IDs on either side.
 */
function launchSection(launch: LaunchTerms, report: ReviewInput): string {
  const twoStage = launch.operator === 'agents' && launch.stages === 2;
  const limits = launch.deltaLimits;
  const sameChainId = report.sourceChainId === report.plan.chainId;
  return section('The launch you approve', [
    row('Operator', esc(`${launch.operator} (${launch.approvalsRequired} approval(s) required)`), 'launch.operator'),
    twoStage
      ? `<p data-figure="launch.stages">Two stages: right after the last approval every validator of the old network is halted through its agent; the genesis launched is this one plus everything the old network accepted up to its halt (exported as a delta, verified against the halted chain and checked by each validator against its own node). Nothing accepted before the halt is dropped.</p>`
      : `<p data-figure="launch.stages">One stage: the state at the freeze above is launched; anything the old network accepts after the freeze is not carried.</p>`,
    ...(twoStage && limits
      ? [
          row(
            'Delta limits (beyond them you are asked to approve the final genesis)',
            esc(
              `≤ ${limits.accountsChanged.toLocaleString('en-US')} C-Chain accounts changed; validator set ${limits.validatorSetMayChange ? 'may' : 'may not'} change`,
            ),
            'launch.deltaLimits',
          ),
          row(
            'Expected downtime',
            esc(
              `heads settle ${launch.headsSettleSeconds ?? 5}s + delta export + final genesis + verify + ratification + start; 16–20 s measured on five local validators with a small state (docs/PERFORMANCE.md)`,
            ),
            'launch.downtime',
          ),
        ]
      : []),
    // The figures come from a primary rehearsal: without one the status has none to show.
    ...(launch.operator === 'agents' && report.rehearsal?.primary
      ? [
          `<p data-figure="launch.readiness">Whether every validator's host can start this genesis (its memory once its old node halts, against what the rehearsal node needed; the rehearsal's start time against the health timeout) is in the run's status, with any warning: <code>regenesis status &lt;workflow ID&gt;</code> or the run's details in the Web UI. Those figures differ from run to run, so this page does not hold them.</p>`,
        ]
      : []),
    row('EVM chain ID', esc(`${report.sourceChainId ?? 'unknown'} → ${report.plan.chainId}`), 'launch.chainIds'),
    ...(sameChainId
      ? [
          '<p class="fail" data-figure="launch.chainIdReused">The new C-Chain keeps the old EVM chain ID: a transaction signed for one is valid on the other for as long as both accept transactions. The old network must never be resumed after the commit point.</p>',
        ]
      : []),
  ]);
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
