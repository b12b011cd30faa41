// The pure FSM as a table: every state x every event -> next state and the NOTIFICATION sent (if
// any), plus the actions that matter for each RFC 4271 8.2.2 row.
import t from 'tap';
import {
  type FsmAction, type FsmConfig, type FsmEvent, type FsmEventType, type NegotiatedSession, type SessionState, type StateName,
  initialState, transition,
} from '../../src/fsm/index.js';
import { makeContext } from '../../src/wire/index.js';

const negotiated: NegotiatedSession = {
  peerAs: 65010, peerId: 2, ibgp: false, holdTime: 90, keepaliveTime: 30, afiSafis: [0x101], as4: true, extendedMessage: false,
  routeRefresh: true, enhancedRouteRefresh: false, tx: makeContext(), rx: makeContext(), peerCapabilities: [],
};
const open = { type: 'open' as const, version: 4, myAs: 65010, holdTime: 90, bgpId: 2, params: [] };
const badOpen = { ...open, myAs: 65099 };

function cfg(over: Partial<FsmConfig> = {}): FsmConfig {
  return {
    connectRetryTime: 120, delayOpenTime: 0, largeHoldTime: 240, idleHoldTime: 1, idleHoldMaxTime: 60, sendHoldTime: 480, stableTime: 60,
    checkOpen: (o) => (o.myAs === 65010 ? { ok: true, negotiated } : { ok: false, error: { code: 2, subcode: 2, data: Buffer.alloc(0) } }),
    ...over,
  };
}

const err = (code: number, subcode: number) => ({ code, subcode, data: Buffer.alloc(0) });
const EVENTS: Record<FsmEventType, FsmEvent> = {
  ManualStart: { type: 'ManualStart' },
  ManualStop: { type: 'ManualStop' },
  AutomaticStart: { type: 'AutomaticStart' },
  AutomaticStop: { type: 'AutomaticStop', subcode: 1, reason: 'max-prefix' },
  ConnectRetryTimer_Expires: { type: 'ConnectRetryTimer_Expires' },
  HoldTimer_Expires: { type: 'HoldTimer_Expires' },
  KeepaliveTimer_Expires: { type: 'KeepaliveTimer_Expires' },
  DelayOpenTimer_Expires: { type: 'DelayOpenTimer_Expires' },
  IdleHoldTimer_Expires: { type: 'IdleHoldTimer_Expires' },
  SendHoldTimer_Expires: { type: 'SendHoldTimer_Expires' },
  StableTimer_Expires: { type: 'StableTimer_Expires' },
  Tcp_CR_Acked: { type: 'Tcp_CR_Acked' },
  TcpConnectionConfirmed: { type: 'TcpConnectionConfirmed' },
  TcpConnectionFails: { type: 'TcpConnectionFails' },
  BGPOpen: { type: 'BGPOpen', open },
  BGPHeaderErr: { type: 'BGPHeaderErr', error: err(1, 2) },
  BGPOpenMsgErr: { type: 'BGPOpenMsgErr', error: err(2, 6) },
  OpenCollisionDump: { type: 'OpenCollisionDump' },
  NotifMsgVerErr: { type: 'NotifMsgVerErr', notification: { type: 'notification', code: 2, subcode: 1, data: Buffer.alloc(0) } },
  NotifMsg: { type: 'NotifMsg', notification: { type: 'notification', code: 6, subcode: 2, data: Buffer.alloc(0) } },
  KeepAliveMsg: { type: 'KeepAliveMsg' },
  UpdateMsg: { type: 'UpdateMsg', update: { type: 'update', withdrawn: { afi: 1, addPath: false, words: new Uint32Array(0) }, attributes: null, nlri: { afi: 1, addPath: false, words: new Uint32Array(0) } } },
  UpdateMsgErr: { type: 'UpdateMsgErr', error: err(3, 1) },
  RouteRefreshMsg: { type: 'RouteRefreshMsg', refresh: { type: 'route-refresh', afi: 1, safi: 1, subtype: 0 } },
  BfdUp: { type: 'BfdUp' },
  BfdDown: { type: 'BfdDown' },
  CollisionAdopt: { type: 'CollisionAdopt' },
};

const base = { ...initialState(false), enabled: true };
const STATES: Record<string, SessionState> = {
  Idle: base,
  Connect: { ...base, name: 'Connect' },
  Active: { ...base, name: 'Active' },
  OpenSent: { ...base, name: 'OpenSent' },
  OpenConfirm: { ...base, name: 'OpenConfirm', negotiated },
  Established: { ...base, name: 'Established', negotiated },
};

type Row = [StateName, string | null]; // next state, NOTIFICATION "code/subcode" or null
const idle = (n: string | null = null): Row => ['Idle', n];
const FSM = (s: StateName): Row => ['Idle', `5/${{ OpenSent: 1, OpenConfirm: 2, Established: 3 }[s as 'OpenSent'] ?? 0}`];

/** Expected rows; events not listed for a state are "any other event". */
const TABLE: Record<string, Partial<Record<FsmEventType, Row>> & { other: Row }> = {
  Idle: {
    ManualStart: ['Connect', null], AutomaticStart: ['Connect', null], IdleHoldTimer_Expires: ['Connect', null],
    BfdUp: ['Idle', null], BfdDown: ['Idle', null],
    other: ['Idle', null],
  },
  Connect: {
    ManualStart: ['Connect', null], AutomaticStart: ['Connect', null], ManualStop: idle(), AutomaticStop: idle(),
    ConnectRetryTimer_Expires: ['Connect', null], DelayOpenTimer_Expires: ['Connect', null],
    Tcp_CR_Acked: ['OpenSent', null], TcpConnectionConfirmed: ['OpenSent', null], TcpConnectionFails: ['Active', null],
    BGPHeaderErr: idle('1/2'), BGPOpenMsgErr: idle('2/6'), NotifMsgVerErr: idle(), NotifMsg: idle(),
    BfdUp: ['Connect', null], BfdDown: ['Connect', null], CollisionAdopt: ['Connect', null],
    other: idle(),
  },
  Active: {
    ManualStart: ['Active', null], AutomaticStart: ['Active', null], ManualStop: idle(), AutomaticStop: idle(),
    ConnectRetryTimer_Expires: ['Connect', null], DelayOpenTimer_Expires: ['Active', null],
    Tcp_CR_Acked: ['OpenSent', null], TcpConnectionConfirmed: ['OpenSent', null], TcpConnectionFails: ['Active', null],
    BGPHeaderErr: idle('1/2'), BGPOpenMsgErr: idle('2/6'), NotifMsgVerErr: idle(), NotifMsg: idle(),
    BfdUp: ['Connect', null], BfdDown: ['Active', null], CollisionAdopt: ['Active', null],
    other: idle(),
  },
  OpenSent: {
    ManualStart: ['OpenSent', null], AutomaticStart: ['OpenSent', null], ManualStop: idle('6/2'), AutomaticStop: idle('6/1'),
    HoldTimer_Expires: idle('4/0'), SendHoldTimer_Expires: idle(), TcpConnectionFails: ['Active', null], BGPOpen: ['OpenConfirm', null],
    BGPHeaderErr: idle('1/2'), BGPOpenMsgErr: idle('2/6'), OpenCollisionDump: idle('6/7'), NotifMsgVerErr: idle(), NotifMsg: idle(),
    BfdUp: ['OpenSent', null], BfdDown: ['OpenSent', null], CollisionAdopt: ['OpenSent', null],
    other: FSM('OpenSent'),
  },
  OpenConfirm: {
    ManualStart: ['OpenConfirm', null], AutomaticStart: ['OpenConfirm', null], ManualStop: idle('6/2'), AutomaticStop: idle('6/1'),
    HoldTimer_Expires: idle('4/0'), SendHoldTimer_Expires: idle(), KeepaliveTimer_Expires: ['OpenConfirm', null], TcpConnectionFails: idle(),
    BGPHeaderErr: idle('1/2'), BGPOpenMsgErr: idle('2/6'), OpenCollisionDump: idle('6/7'), NotifMsgVerErr: idle(), NotifMsg: idle(),
    KeepAliveMsg: ['Established', null], BfdUp: ['OpenConfirm', null], BfdDown: idle('6/10'), CollisionAdopt: ['OpenSent', null],
    other: FSM('OpenConfirm'),
  },
  Established: {
    ManualStart: ['Established', null], AutomaticStart: ['Established', null], ManualStop: idle('6/2'), AutomaticStop: idle('6/1'),
    HoldTimer_Expires: idle('4/0'), SendHoldTimer_Expires: idle('8/0'), KeepaliveTimer_Expires: ['Established', null],
    StableTimer_Expires: ['Established', null], TcpConnectionFails: idle(), BGPHeaderErr: idle('1/2'), OpenCollisionDump: idle('6/7'),
    NotifMsgVerErr: idle(), NotifMsg: idle(), KeepAliveMsg: ['Established', null], UpdateMsg: ['Established', null],
    UpdateMsgErr: idle('3/1'), RouteRefreshMsg: ['Established', null], BfdUp: ['Established', null], BfdDown: idle('6/10'),
    CollisionAdopt: ['Established', null],
    other: FSM('Established'),
  },
};

const notificationOf = (actions: readonly FsmAction[]) => {
  const n = actions.find((a) => a.type === 'send-notification');
  return n && n.type === 'send-notification' ? `${n.code}/${n.subcode}` : null;
};

t.test('every state x every event', async (t) => {
  let rows = 0;
  for (const [stateName, state] of Object.entries(STATES)) {
    for (const [eventName, event] of Object.entries(EVENTS) as [FsmEventType, FsmEvent][]) {
      const want = TABLE[stateName][eventName] ?? TABLE[stateName].other;
      const { state: next, actions } = transition(state, event, cfg());
      t.same([next.name, notificationOf(actions)], want, `${stateName} + ${eventName}`);
      if (next.name === 'Idle' && stateName !== 'Idle') {
        t.ok(actions.some((a) => a.type === 'disconnect'), `${stateName} + ${eventName}: connection dropped`);
        t.ok(actions.some((a) => a.type === 'down'), `${stateName} + ${eventName}: reported down`);
      }
      rows++;
    }
  }
  t.equal(rows, 6 * Object.keys(EVENTS).length);
});

t.test('a collision adopted: the other connection continues from OpenSent with the large hold time', async (t) => {
  const c = cfg();
  const fromConfirm = transition({ ...STATES.OpenConfirm, connectRetryCounter: 2 }, EVENTS.CollisionAdopt, c);
  t.same(fromConfirm.state, { ...STATES.OpenConfirm, connectRetryCounter: 2, name: 'OpenSent', negotiated: undefined }, 'OpenSent, the losing connection\'s negotiation forgotten, the rest kept');
  t.same(fromConfirm.actions, [{ type: 'stop-timer', timer: 'keepalive' }, { type: 'start-timer', timer: 'hold', seconds: 240 }], 'keepalives stop, the large hold time runs');
  t.notOk(fromConfirm.actions.some((a) => a.type === 'send-notification' || a.type === 'disconnect'), 'nothing is sent or closed by the FSM (the driver closes the loser)');
  const established = transition(STATES.Established, EVENTS.CollisionAdopt, c);
  t.same([established.state, established.actions], [STATES.Established, []], 'an Established session adopts nothing');
});

t.test('RFC 4271 8.2.2 rows in detail', async (t) => {
  const c = cfg();
  const start = transition(initialState(), { type: 'ManualStart' }, c);
  t.same(start.actions.map((a) => a.type), ['stop-timer', 'start-timer', 'connect'], 'Idle + ManualStart: ConnectRetryTimer started, connection initiated');
  const passive = transition(initialState(), { type: 'ManualStart', passive: true }, c);
  t.equal(passive.state.name, 'Active', 'passive start waits in Active');
  t.notOk(passive.actions.some((a) => a.type === 'connect'), 'and does not connect');
  const sent = transition(STATES.Connect, { type: 'Tcp_CR_Acked' }, c);
  t.same(sent.actions.map((a) => a.type), ['stop-timer', 'send-open', 'start-timer'], 'Connect + Tcp_CR_Acked: OPEN sent, hold timer set large');
  t.same(sent.actions[2], { type: 'start-timer', timer: 'hold', seconds: 240 });
  const confirm = transition(STATES.OpenSent, { type: 'BGPOpen', open }, c);
  t.same(confirm.actions.filter((a) => a.type === 'start-timer'), [{ type: 'start-timer', timer: 'keepalive', seconds: 30 }, { type: 'start-timer', timer: 'hold', seconds: 90 }], 'negotiated timers');
  t.ok(confirm.actions.some((a) => a.type === 'send-keepalive'), 'KEEPALIVE sent');
  const bad = transition(STATES.OpenSent, { type: 'BGPOpen', open: badOpen }, c);
  t.same([bad.state.name, notificationOf(bad.actions)], ['Idle', '2/2'], 'an OPEN failing the checks: NOTIFICATION and Idle');
  const up = transition(STATES.OpenConfirm, { type: 'KeepAliveMsg' }, c);
  t.ok(up.actions.some((a) => a.type === 'established'), 'OpenConfirm + KeepAliveMsg: established');
  const upd = transition(STATES.Established, EVENTS.UpdateMsg, c);
  t.same(upd.actions.map((a) => a.type), ['start-timer', 'deliver'], 'Established + UpdateMsg: hold restarted, update delivered');
  const zeroHold = transition(STATES.OpenSent, { type: 'BGPOpen', open }, cfg({ checkOpen: () => ({ ok: true, negotiated: { ...negotiated, holdTime: 0, keepaliveTime: 0 } }) }));
  t.notOk(zeroHold.actions.some((a) => a.type === 'start-timer' && (a.timer === 'hold' || a.timer === 'keepalive')), 'hold time 0: no hold or keepalive timer');
  const down = transition(STATES.Established, { type: 'HoldTimer_Expires' }, c);
  t.same(down.actions.find((a) => a.type === 'down'), { type: 'down', reason: 'hold-timer-expired', wasEstablished: true });
  const stop = transition(STATES.Established, { type: 'ManualStop', message: 'maintenance' }, c);
  const n = stop.actions.find((a) => a.type === 'send-notification');
  t.equal(n && n.type === 'send-notification' && n.data.subarray(1).toString(), 'maintenance', 'RFC 9003 shutdown message');
  t.equal(stop.state.enabled, false, 'ManualStop disables');
  t.notOk(stop.actions.some((a) => a.type === 'start-timer' && a.timer === 'idleHold'), 'and does not restart');
  t.equal(transition(stop.state, { type: 'IdleHoldTimer_Expires' }, c).state.name, 'Idle', 'a disabled session stays Idle');
});

t.test('DelayOpen (RFC 4271 8.1.1)', async (t) => {
  const c = cfg({ delayOpenTime: 5 });
  const waiting = transition(STATES.Connect, { type: 'Tcp_CR_Acked' }, c);
  t.same([waiting.state.name, waiting.state.delayOpenRunning], ['Connect', true]);
  t.notOk(waiting.actions.some((a) => a.type === 'send-open'), 'OPEN held back');
  const expired = transition(waiting.state, { type: 'DelayOpenTimer_Expires' }, c);
  t.same([expired.state.name, expired.actions[0].type], ['OpenSent', 'send-open']);
  const early = transition(waiting.state, { type: 'BGPOpen', open }, c);
  t.equal(early.state.name, 'OpenConfirm', 'the peer\'s OPEN during DelayOpen: straight to OpenConfirm');
  t.same(early.actions.filter((a) => a.type === 'send-open' || a.type === 'send-keepalive').map((a) => a.type), ['send-open', 'send-keepalive']);
  const ka = transition(waiting.state, { type: 'KeepAliveMsg' }, c);
  t.same([ka.state.name, notificationOf(ka.actions)], ['Idle', '5/0'], 'anything else on the open connection is an FSM error');
});

t.test('idle-hold backoff doubles per failure, and StableTimer resets it', async (t) => {
  const c = cfg({ idleHoldTime: 1, idleHoldMaxTime: 8 });
  let s: SessionState = STATES.Established;
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    const r = transition({ ...s, name: 'OpenSent' }, { type: 'HoldTimer_Expires' }, c);
    const idleHold = r.actions.find((a) => a.type === 'start-timer' && a.timer === 'idleHold');
    delays.push(idleHold && idleHold.type === 'start-timer' ? idleHold.seconds : -1);
    t.ok(idleHold && idleHold.type === 'start-timer' && idleHold.jitter, 'with jitter');
    s = r.state;
  }
  t.same(delays, [1, 2, 4, 8, 8, 8]);
  const stable = transition({ ...s, name: 'Established', negotiated }, { type: 'StableTimer_Expires' }, c);
  t.equal(stable.state.connectRetryCounter, 0);
  const manual = transition(s, { type: 'ManualStart' }, c);
  t.equal(manual.state.connectRetryCounter, 0, 'ManualStart resets the counter');
});

t.test('BFD: a path failure ends the session (RFC 5882, RFC 9384); strict mode holds Established for BFD Up', async (t) => {
  const c = cfg();
  const down = transition(STATES.Established, { type: 'BfdDown' }, c);
  t.same(down.actions.find((a) => a.type === 'down'), { type: 'down', reason: 'bfd-down', wasEstablished: true });
  t.ok(down.actions.some((a) => a.type === 'start-timer' && a.timer === 'idleHold'), 'and starts again after idle hold');
  t.equal(down.state.bfdUp, false);
  const retry = transition({ ...STATES.Active, bfdUp: false }, { type: 'BfdUp' }, c);
  t.ok(retry.actions.some((a) => a.type === 'connect'), 'BFD Up in Active: connect at once');
  t.equal(retry.state.bfdUp, true);
  t.notOk(transition({ ...STATES.Active, passive: true }, { type: 'BfdUp' }, c).actions.some((a) => a.type === 'connect'), 'a passive session keeps waiting');
  t.equal(transition({ ...STATES.Established, bfdUp: true }, { type: 'HoldTimer_Expires' }, c).state.bfdUp, true, 'BFD state outlives the BGP session');

  const strict = cfg({ bfdStrict: true });
  const held = transition(STATES.OpenSent, { type: 'BGPOpen', open }, strict);
  t.equal(held.state.name, 'OpenConfirm');
  t.equal(held.state.keepaliveHeld, true);
  t.notOk(held.actions.some((a) => a.type === 'send-keepalive' || (a.type === 'start-timer' && a.timer === 'keepalive')), 'no KEEPALIVE while BFD is not Up');
  const peerReady = transition(held.state, { type: 'KeepAliveMsg' }, strict);
  t.same([peerReady.state.name, peerReady.state.peerKeepaliveSeen], ['OpenConfirm', true], "the peer's KEEPALIVE is remembered, not acted on");
  t.same(peerReady.actions, [{ type: 'start-timer', timer: 'hold', seconds: 90 }], 'its hold timer restarts');
  const released = transition(peerReady.state, { type: 'BfdUp' }, strict);
  t.equal(released.state.name, 'Established', 'BFD Up: our KEEPALIVE goes and the session is Established');
  t.same(released.actions.filter((a) => a.type === 'send-keepalive' || a.type === 'established').map((a) => a.type), ['send-keepalive', 'established']);
  const early = transition(held.state, { type: 'BfdUp' }, strict);
  t.same([early.state.name, early.state.keepaliveHeld], ['OpenConfirm', false], 'BFD Up before the peer is ready: KEEPALIVE sent, waiting for theirs');
  t.equal(transition(early.state, { type: 'KeepAliveMsg' }, strict).state.name, 'Established');
  const ready = transition({ ...STATES.OpenSent, bfdUp: true }, { type: 'BGPOpen', open }, strict);
  t.ok(ready.actions.some((a) => a.type === 'send-keepalive'), 'with BFD already Up nothing is held');
});

t.test('RFC 8538: with the N bit negotiated, Ceases that end the routes go as Hard Reset carrying the original subcode', async (t) => {
  const withN = { ...STATES.Established, negotiated: { ...negotiated, gracefulRestart: { restartTime: 120, restartState: false, notification: true, afiSafis: [] } } };
  const shut = transition(withN, { type: 'ManualStop', message: 'bye' }, cfg());
  const n = shut.actions.find((a) => a.type === 'send-notification');
  t.ok(n && n.type === 'send-notification' && n.code === 6 && n.subcode === 9, 'Hard Reset (6/9)');
  t.same(n && n.type === 'send-notification' ? [...n.data.subarray(0, 2)] : [], [6, 2], 'carrying Cease / Administrative Shutdown');
  t.equal(n && n.type === 'send-notification' ? n.data.subarray(3).toString() : '', 'bye', 'and its RFC 9003 message');
  const bfd = transition(withN, { type: 'BfdDown' }, cfg());
  t.equal(notificationOf(bfd.actions), '6/10', 'BFD Down stays as it is (a path failure may be helped with)');
  t.equal(notificationOf(transition(STATES.Established, { type: 'ManualStop' }, cfg()).actions), '6/2', 'without N: the plain Cease');
});
