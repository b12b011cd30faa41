// Types of fabric.mjs for the TypeScript tests.
export interface Topology {
  readonly name: string;
  readonly dir: string;
  readonly nodes: Record<string, { readonly kind: 'frr' | 'nodebgp' | 'bridge'; readonly config?: string; readonly exec?: readonly string[] }>;
  readonly links: readonly [readonly [string, string], readonly [string, string]][];
}
export function loadTopology(name: string): Topology;
export class Lab {
  constructor(topology: Topology, prefix?: string);
  readonly topology: Topology;
  readonly prefix: string;
  readonly work: string;
  ns(node: string): string;
  inNs(node: string, cmd: string, args: string[], opts?: { allowFail?: boolean }): string;
  /** A command in a nodebgp node's container (its PATH): as the image's user, or as root as containerlab's exec lines run. */
  inContainer(node: string, cmd: string, args: string[], opts?: { allowFail?: boolean; asRoot?: boolean }): string;
  /** SIGTERM to a node's nodebgpd, wait for it to exit, start it again on the same file (a rollout). */
  restartNodebgpd(node: string): Promise<void>;
  stopNodebgpd(node: string): Promise<void>;
  startNodebgpd(node: string): void;
  up(): void;
  down(): void;
  vtysh(node: string, ...commands: string[]): string;
  frrJson(node: string, command: string): any;
  nodebgp(node: string, ...args: string[]): any;
  log(node: string, daemon?: string): string;
}
