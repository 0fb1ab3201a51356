import { defaultPayloadConverter } from '@temporalio/common';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { LocalArtifactStore } from '../../src/artifacts/store.js';
import { EXPORT_PARTITION_ACTIVITY, exportCursorOf, type ExportCursor } from '../../src/contract/exportProgress.js';

const cursor: ExportCursor = {
  next: `0x${'4'.repeat(64)}`,
  bytes: 4096,
  stats: { accounts: 12, contracts: 2, storageSlots: 40, totalBalance: '1000000000000000000', codeBytes: 512 },
};

describe('the export partition heartbeat, as the activity writes it and watch reads it', () => {
  it('is registered under the name watch looks for', () => {
    const activities = createActivities({ store: new LocalArtifactStore(tmpdir()), devnetRoot: tmpdir() });
    expect(Object.keys(activities)).toContain(EXPORT_PARTITION_ACTIVITY);
  });

  it('reads back the cursor it beat, through the payload Temporal keeps', () => {
    const payload = defaultPayloadConverter.toPayload(cursor);
    expect(exportCursorOf(defaultPayloadConverter.fromPayload(payload))).toEqual(cursor);
  });

  it('refuses anything that is not a whole cursor, so no resume or bar is built from it', () => {
    const refused: unknown[] = [
      undefined,
      null,
      'cursor',
      { ...cursor, next: 'not a key' },
      { ...cursor, next: '0x1234' },
      { ...cursor, bytes: '4096' },
      { next: cursor.next, bytes: cursor.bytes },
      { ...cursor, stats: { accounts: 12 } },
      { ...cursor, stats: { ...cursor.stats, totalBalance: 10 } },
    ];
    for (const details of refused) expect(exportCursorOf(details)).toBeUndefined();
  });
});
