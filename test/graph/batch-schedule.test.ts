import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { runScheduled, type Step } from '../../src/graph/batch-schedule.js';
import { ValidationError } from '../../src/model/errors.js';

interface Answer {
  readonly id: string;
  readonly status: number;
}

/** Steps whose runs the test finishes by hand, in any order, logging when each starts and ends. */
class Steps {
  readonly log: string[] = [];
  private readonly finishers = new Map<string, (status: number) => void>();

  run(steps: readonly Step[]): Promise<Answer[]> {
    return runScheduled(steps, {
      run: (step) => new Promise<Answer>((resolve) => {
        this.log.push(`start ${step.id}`);
        this.finishers.set(step.id, (status) => {
          this.log.push(`end ${step.id}`);
          resolve({ id: step.id, status });
        });
      }),
      failed: (answer) => answer.status >= 400,
      skipped: (step, dependency) => ({ id: `${step.id} (after ${dependency})`, status: 424 }),
    });
  }

  get running(): string[] {
    return [...this.finishers.keys()];
  }

  /** Finishes a running step, then lets whatever that starts start. */
  async finish(id: string, status = 200): Promise<void> {
    const finish = this.finishers.get(id);
    assert.ok(finish, `${id} is not running (running: ${this.running.join(', ')})`);
    this.finishers.delete(id);
    finish(status);
    await nextTurn();
  }
}

const step = (id: string, ...dependsOn: string[]): Step => ({ id, dependsOn });

describe('runScheduled ($batch)', () => {
  test('independent steps all start at once; the answers keep the steps\' order, not the order they finished in', async () => {
    const s = new Steps();
    const done = s.run(['a', 'b', 'c', 'd'].map((id) => step(id)));
    await nextTurn();
    assert.deepEqual(s.running, ['a', 'b', 'c', 'd']);
    for (const id of ['c', 'a', 'd', 'b']) await s.finish(id);
    assert.deepEqual((await done).map((a) => a.id), ['a', 'b', 'c', 'd']);
  });

  test('a step starts only once every step it depends on has finished; the others do not wait for it', async () => {
    const s = new Steps();
    // x → y → z in a chain; w alone; v after both x and w (listed before them).
    const done = s.run([step('v', 'x', 'w'), step('z', 'y'), step('y', 'x'), step('x'), step('w')]);
    await nextTurn();
    assert.deepEqual(s.running, ['x', 'w']);
    await s.finish('x');
    assert.deepEqual(s.running, ['w', 'y'], 'v still waits for w');
    await s.finish('y');
    assert.deepEqual(s.running, ['w', 'z']);
    await s.finish('w');
    assert.deepEqual(s.running, ['z', 'v']);
    await s.finish('v');
    await s.finish('z');
    assert.deepEqual((await done).map((a) => a.id), ['v', 'z', 'y', 'x', 'w']);
    assert.deepEqual(s.log, ['start x', 'start w', 'end x', 'start y', 'end y', 'start z', 'end w', 'start v', 'end v', 'end z']);
  });

  test('dependants of a failed step are not run and answer for it, down the chain; a step whose dependencies succeeded runs', async () => {
    const s = new Steps();
    const done = s.run([step('a'), step('b', 'a'), step('c', 'b'), step('d', 'e', 'a'), step('e'), step('f', 'e')]);
    await nextTurn();
    await s.finish('e');
    await s.finish('a', 409);
    await s.finish('f');
    assert.deepEqual(await done, [
      { id: 'a', status: 409 }, { id: 'b (after a)', status: 424 }, { id: 'c (after b)', status: 424 },
      { id: 'd (after a)', status: 424 }, { id: 'e', status: 200 }, { id: 'f', status: 200 },
    ]);
    assert.ok(!s.log.some((l) => /start [bcd]/.test(l)), s.log.join(', '));
  });

  test('a cycle is refused before any step runs', async () => {
    const s = new Steps();
    await assert.rejects(s.run([step('a'), step('b', 'c'), step('c', 'd'), step('d', 'b')]), (err: unknown) =>
      err instanceof ValidationError && /dependsOn references form a cycle/.test(err.message));
    await assert.rejects(s.run([step('self', 'self')]), ValidationError);
    assert.deepEqual(s.log, []);
  });
});
