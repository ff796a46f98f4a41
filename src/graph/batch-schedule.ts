/**
 * When each request of a JSON batch runs. Graph runs the requests of a batch in any order, in parallel, unless
 * `dependsOn` sequences them (https://learn.microsoft.com/graph/json-batching): here each request starts as soon as
 * every request it depends on has answered. So independent requests run together — twenty PATCHes reach the store in
 * one turn and share one commit, where one after another they would wait for twenty — and a dependant sees the
 * effects of what it depends on.
 */
import { ValidationError } from '../model/errors.js';

export interface Step {
  readonly id: string;
  readonly dependsOn: readonly string[];
}

export interface Schedule<S extends Step, R> {
  /** Runs one step whose dependencies have all succeeded. */
  readonly run: (step: S) => Promise<R>;
  readonly failed: (result: R) => boolean;
  /** The answer of a step that is not run because `dependency` (the first failed one it names) failed. */
  readonly skipped: (step: S, dependency: string) => R;
}

/**
 * Every step's result, in the steps' order (whatever order they finished in). Ids are unique and every dependency
 * names a step (the caller has checked); a cycle is refused before anything runs.
 */
export async function runScheduled<S extends Step, R>(steps: readonly S[], schedule: Schedule<S, R>): Promise<R[]> {
  assertAcyclic(steps);
  const byId = new Map(steps.map((s) => [s.id, s]));
  const started = new Map<string, Promise<R>>();
  const start = (step: S): Promise<R> => {
    let result = started.get(step.id);
    if (!result) {
      result = startAfter(step, step.dependsOn.map((id) => start(byId.get(id)!)), schedule);
      started.set(step.id, result);
    }
    return result;
  };
  return Promise.all(steps.map(start));
}

async function startAfter<S extends Step, R>(step: S, dependencies: Promise<R>[], schedule: Schedule<S, R>): Promise<R> {
  const results = await Promise.all(dependencies);
  const failed = results.findIndex((r) => schedule.failed(r));
  return failed >= 0 ? schedule.skipped(step, step.dependsOn[failed]!) : schedule.run(step);
}

/** Kahn's algorithm: steps are taken off while some step has all its dependencies taken; what is left is a cycle. */
function assertAcyclic(steps: readonly Step[]): void {
  const done = new Set<string>();
  let progress = true;
  while (progress && done.size < steps.length) {
    progress = false;
    for (const s of steps) {
      if (!done.has(s.id) && s.dependsOn.every((d) => done.has(d))) {
        done.add(s.id);
        progress = true;
      }
    }
  }
  if (done.size < steps.length) throw new ValidationError('Invalid batch request: the dependsOn references form a cycle.');
}
