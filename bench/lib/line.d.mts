// Types of line.mjs for the TypeScript tests that drive the benchmark speaker.
export interface SpeakerEvent { readonly event: string; readonly at?: number; readonly [k: string]: unknown }
export interface Speaker {
  wait(pred: (e: SpeakerEvent) => boolean, ms: number): Promise<SpeakerEvent>;
  kill(): void;
}
export function peer(role: 'sender' | 'receiver' | 'stuck', ns: string, local: string, remote: string, asn: number, count: number): Speaker;
