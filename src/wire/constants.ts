// IANA numbers used on the BGP-4 wire. Role: one place for every code point the codec knows.
// Must not import anything. RFC 4271, 4760, 5492, 6793, 7606, 7911, 8654, 9072, and the IANA registries.

export const MARKER_LENGTH = 16;
export const HEADER_LENGTH = 19;
/** RFC 4271 4.1: the largest message without RFC 8654 extended messages. */
export const MAX_MESSAGE_LENGTH = 4096;
/** RFC 8654: the largest message once both sides advertised the Extended Message capability. */
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535;
export const BGP_VERSION = 4;
/** RFC 6793: the 2-octet placeholder for a 4-octet AS number. */
export const AS_TRANS = 23456;

export const MessageType = {
  OPEN: 1,
  UPDATE: 2,
  NOTIFICATION: 3,
  KEEPALIVE: 4,
  ROUTE_REFRESH: 5,
} as const;
export type MessageTypeCode = (typeof MessageType)[keyof typeof MessageType];

/** NOTIFICATION error codes, RFC 4271 4.5 plus RFC 6608 (FSM) and RFC 7313 (ROUTE-REFRESH). */
export const ErrorCode = {
  MESSAGE_HEADER: 1,
  OPEN_MESSAGE: 2,
  UPDATE_MESSAGE: 3,
  HOLD_TIMER_EXPIRED: 4,
  FSM: 5,
  CEASE: 6,
  ROUTE_REFRESH: 7,
} as const;

export const HeaderSubcode = {
  CONNECTION_NOT_SYNCHRONIZED: 1,
  BAD_MESSAGE_LENGTH: 2,
  BAD_MESSAGE_TYPE: 3,
} as const;

export const OpenSubcode = {
  UNSPECIFIC: 0,
  UNSUPPORTED_VERSION: 1,
  BAD_PEER_AS: 2,
  BAD_BGP_IDENTIFIER: 3,
  UNSUPPORTED_OPTIONAL_PARAMETER: 4,
  UNACCEPTABLE_HOLD_TIME: 6,
  UNSUPPORTED_CAPABILITY: 7,
  ROLE_MISMATCH: 11,
} as const;

export const UpdateSubcode = {
  MALFORMED_ATTRIBUTE_LIST: 1,
  UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE: 2,
  MISSING_WELL_KNOWN_ATTRIBUTE: 3,
  ATTRIBUTE_FLAGS_ERROR: 4,
  ATTRIBUTE_LENGTH_ERROR: 5,
  INVALID_ORIGIN_ATTRIBUTE: 6,
  INVALID_NEXT_HOP_ATTRIBUTE: 8,
  OPTIONAL_ATTRIBUTE_ERROR: 9,
  INVALID_NETWORK_FIELD: 10,
  MALFORMED_AS_PATH: 11,
} as const;

/** RFC 6608: which state received the unexpected message. */
export const FsmSubcode = {
  UNSPECIFIED: 0,
  OPEN_SENT: 1,
  OPEN_CONFIRM: 2,
  ESTABLISHED: 3,
} as const;

/** RFC 4486, RFC 8538 (hard reset), RFC 9384 (BFD down). */
export const CeaseSubcode = {
  MAX_PREFIXES_REACHED: 1,
  ADMINISTRATIVE_SHUTDOWN: 2,
  PEER_DECONFIGURED: 3,
  ADMINISTRATIVE_RESET: 4,
  CONNECTION_REJECTED: 5,
  OTHER_CONFIGURATION_CHANGE: 6,
  CONNECTION_COLLISION_RESOLUTION: 7,
  OUT_OF_RESOURCES: 8,
  HARD_RESET: 9,
  BFD_DOWN: 10,
} as const;

export const RouteRefreshSubcode = {
  INVALID_MESSAGE_LENGTH: 1,
} as const;

/** RFC 7313: the ROUTE-REFRESH message subtype, carried in the old Reserved octet. */
export const RouteRefreshSubtype = {
  NORMAL: 0,
  BEGINNING_OF_ROUTE_REFRESH: 1,
  END_OF_ROUTE_REFRESH: 2,
} as const;

export const AttrType = {
  ORIGIN: 1,
  AS_PATH: 2,
  NEXT_HOP: 3,
  MULTI_EXIT_DISC: 4,
  LOCAL_PREF: 5,
  ATOMIC_AGGREGATE: 6,
  AGGREGATOR: 7,
  COMMUNITIES: 8,
  ORIGINATOR_ID: 9,
  CLUSTER_LIST: 10,
  MP_REACH_NLRI: 14,
  MP_UNREACH_NLRI: 15,
  EXTENDED_COMMUNITIES: 16,
  AS4_PATH: 17,
  AS4_AGGREGATOR: 18,
  LARGE_COMMUNITIES: 32,
  ONLY_TO_CUSTOMER: 35,
} as const;

export const AttrFlag = {
  OPTIONAL: 0x80,
  TRANSITIVE: 0x40,
  PARTIAL: 0x20,
  EXTENDED_LENGTH: 0x10,
} as const;

export const Origin = { IGP: 0, EGP: 1, INCOMPLETE: 2 } as const;
export type OriginCode = (typeof Origin)[keyof typeof Origin];

export const AsPathSegmentType = {
  AS_SET: 1,
  AS_SEQUENCE: 2,
  AS_CONFED_SEQUENCE: 3,
  AS_CONFED_SET: 4,
} as const;
export type AsPathSegmentTypeCode = (typeof AsPathSegmentType)[keyof typeof AsPathSegmentType];

export const OptionalParameterType = {
  CAPABILITIES: 2,
  /** RFC 9072: marks the extended optional parameters length form. */
  EXTENDED_LENGTH: 255,
} as const;

export const CapabilityCode = {
  MULTIPROTOCOL: 1,
  ROUTE_REFRESH: 2,
  EXTENDED_NEXT_HOP: 5,
  EXTENDED_MESSAGE: 6,
  ROLE: 9,
  GRACEFUL_RESTART: 64,
  FOUR_OCTET_AS: 65,
  ADD_PATH: 69,
  ENHANCED_ROUTE_REFRESH: 70,
  LONG_LIVED_GRACEFUL_RESTART: 71,
  FQDN: 73,
  /** The pre-standard route refresh code that older peers still send. */
  ROUTE_REFRESH_OLD: 128,
} as const;

export const Afi = { IPV4: 1, IPV6: 2 } as const;
export type AfiCode = (typeof Afi)[keyof typeof Afi];
export const Safi = { UNICAST: 1, MULTICAST: 2 } as const;

/** RFC 1997, RFC 8326, RFC 9494, RFC 7999 well-known communities. */
export const WellKnownCommunity = {
  GRACEFUL_SHUTDOWN: 0xffff0000,
  ACCEPT_OWN: 0xffff0001,
  LLGR_STALE: 0xffff0006,
  NO_LLGR: 0xffff0007,
  BLACKHOLE: 0xffff029a,
  NO_EXPORT: 0xffffff01,
  NO_ADVERTISE: 0xffffff02,
  NO_EXPORT_SUBCONFED: 0xffffff03,
  NO_PEER: 0xffffff04,
} as const;

/** RFC 9234 BGP roles. */
export const BgpRole = {
  PROVIDER: 0,
  RS: 1,
  RS_CLIENT: 2,
  CUSTOMER: 3,
  PEER: 4,
} as const;
