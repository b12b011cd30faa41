export interface ImageFacts {
  readonly uid: number;
  readonly gid: number;
  readonly caps: Record<string, string[]>;
  /** Per tool: 'p' (permitted only; the process makes them effective) or 'ep'. */
  readonly capFlags: Record<string, 'p' | 'ep'>;
  readonly entrypoint: string[];
}
export interface ImageLayout {
  readonly dir: string;
  readonly app: string;
  readonly bin: string;
  readonly node: string;
  readonly ip: string;
}
export function dockerfileFacts(file?: string): ImageFacts;
export function installImage(dir: string, facts?: ImageFacts): ImageLayout;
export function imageLayout(dir: string): ImageLayout;
export function asContainer(facts: ImageFacts, bounding: string[], image: Pick<ImageLayout, 'dir' | 'bin'>, env?: Record<string, string>): { prefix: string[]; env: Record<string, string> };
