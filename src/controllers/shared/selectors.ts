// Compiled label selectors of cached owners. Cached objects are immutable (an update replaces
// the object), so each is compiled once and the result kept as long as the object lives.
import type { LabelMatcher } from '../../api/selectors/labels.js';
import type { ObjectLike } from '../../client/client.js';
import { objectKey } from '../../informer/cache.js';
import type { Logger } from '../../log.js';

export class SelectorCache<T extends ObjectLike> {
  private readonly compiled = new WeakMap<T, LabelMatcher | undefined>();

  /** `compile` throws for an invalid selector; that is logged once per object, not retried. */
  constructor(
    private readonly compile: (owner: T) => LabelMatcher,
    private readonly log: Logger,
  ) {}

  /** The owner's selector; undefined when it is invalid. */
  of(owner: T): LabelMatcher | undefined {
    if (this.compiled.has(owner)) return this.compiled.get(owner);
    let selector: LabelMatcher | undefined;
    try {
      selector = this.compile(owner);
    } catch (err) {
      this.log.warn(`${objectKey(owner)}: invalid selector: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.compiled.set(owner, selector);
    return selector;
  }

  /** The `owners` whose valid, non-empty selector matches `labels`: who may adopt an orphan. */
  selecting(owners: readonly T[], labels: Record<string, string> | undefined): T[] {
    return owners.filter((o) => {
      const selector = this.of(o);
      return selector !== undefined && !selector.empty && selector.matches(labels);
    });
  }
}
