// Types for the parts of node-red-node-test-helper 0.3.6 the node tests use (it ships none).
declare module "node-red-node-test-helper" {
  interface TestNode {
    id: string;
    type: string;
    on(event: string, listener: (...args: never[]) => void): void;
    receive(msg: Record<string, unknown>): void;
    [key: string]: unknown;
  }
  interface Helper {
    init(runtimePath: string, userSettings?: Record<string, unknown>): void;
    settings(userSettings: Record<string, unknown>): Record<string, unknown>;
    load(
      nodes: unknown,
      flow: readonly Record<string, unknown>[],
      credentials?: Record<string, Record<string, unknown>>,
    ): Promise<void>;
    unload(): Promise<void>;
    setFlows(
      flow: readonly Record<string, unknown>[],
      type?: string,
      credentials?: Record<string, unknown>,
    ): Promise<void>;
    getNode(id: string): TestNode;
    /** supertest against the admin app (node buttons' HTTP endpoints). */
    request(): { post(path: string): PromiseLike<{ status: number }> };
    startServer(): Promise<void>;
    stopServer(): Promise<void>;
  }
  const helper: Helper;
  export = helper;
}
