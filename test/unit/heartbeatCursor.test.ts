import { MockActivityEnvironment } from '@temporalio/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { heartbeatingCursor } from '../../activities/heartbeat.js';

describe('heartbeatingCursor', () => {
  it('hands work the previous attempt’s cursor, and every beat, periodic ones too, carries the latest cursor', async () => {
    const env = new MockActivityEnvironment({ heartbeatDetails: { next: 7 } });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const seen = await env.run(() =>
      heartbeatingCursor<{ next: number }, { next: number } | undefined>(async (resume, checkpoint) => {
        await sleep(30);
        checkpoint({ next: 9 });
        await sleep(50);
        return resume;
      }, 10),
    );
    expect(seen).toEqual({ next: 7 });
    expect(beats[0]).toEqual({ next: 7 });
    expect(beats).toContainEqual({ next: 9 });
    // No beat after the checkpoint goes back to the old cursor or to nothing.
    expect(beats.slice(beats.findIndex((b) => (b as { next: number }).next === 9)).every((b) => (b as { next: number } | undefined)?.next === 9)).toBe(true);
    expect(beats.length).toBeGreaterThan(3);
  });
});
