// aedes-persistence-level ships no types. Its async class is the aedes-persistence interface aedes 1.x
// calls; the bridge only constructs it (on an abstract-level database) and destroys it.
declare module "aedes-persistence-level/asyncPersistence.js" {
  class AsyncLevelPersistence {
    /** An abstract-level database (classic-level here). */
    constructor(db: object);
    setup(broker: unknown): Promise<void>;
    destroy(): Promise<void>;
  }
  export = AsyncLevelPersistence;
}
