// BFD wire constants (RFC 5880 4.1, RFC 5881 4). IANA numbers as `as const` objects.
// Must not import rib, api, daemon, pino or prom-client.

/** RFC 5881 4: single-hop control packets go to this UDP port. */
export const BFD_CONTROL_PORT = 3784;
/** RFC 5881 4: the source port is taken from this range, one per session. */
export const SOURCE_PORT_MIN = 49152;
export const SOURCE_PORT_MAX = 65535;
/** RFC 5881 5: single-hop packets are sent with TTL / hop limit 255 and must arrive with it. */
export const SINGLE_HOP_TTL = 255;

export const BFD_VERSION = 1;
/** A control packet without the authentication section. */
export const CONTROL_PACKET_LENGTH = 24;

/** RFC 5880 4.1 State (Sta). */
export const BfdState = {
  ADMIN_DOWN: 0,
  DOWN: 1,
  INIT: 2,
  UP: 3,
} as const;
export type BfdStateCode = (typeof BfdState)[keyof typeof BfdState];

export const BFD_STATE_NAMES = ['AdminDown', 'Down', 'Init', 'Up'] as const;
export type BfdStateName = (typeof BFD_STATE_NAMES)[number];

/** RFC 5880 4.1 Diagnostic (Diag). */
export const BfdDiag = {
  NONE: 0,
  CONTROL_DETECTION_TIME_EXPIRED: 1,
  ECHO_FUNCTION_FAILED: 2,
  NEIGHBOR_SIGNALED_SESSION_DOWN: 3,
  FORWARDING_PLANE_RESET: 4,
  PATH_DOWN: 5,
  CONCATENATED_PATH_DOWN: 6,
  ADMINISTRATIVELY_DOWN: 7,
  REVERSE_CONCATENATED_PATH_DOWN: 8,
} as const;
export type BfdDiagCode = (typeof BfdDiag)[keyof typeof BfdDiag];

/** Diagnostic codes as the kebab-case words used in logs, the API and metrics. */
export const BFD_DIAG_NAMES = [
  'none',
  'control-detection-time-expired',
  'echo-function-failed',
  'neighbor-signaled-session-down',
  'forwarding-plane-reset',
  'path-down',
  'concatenated-path-down',
  'administratively-down',
  'reverse-concatenated-path-down',
] as const;

export function diagName(code: number): string {
  return BFD_DIAG_NAMES[code] ?? `diag-${code}`;
}

/** RFC 5880 6.8.3: while not Up, DesiredMinTxInterval is at least one second. */
export const SLOW_TX_US = 1_000_000;
