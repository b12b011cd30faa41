// Metrics as Prometheus sees them: nodebgpd with two FRR peers in namespaces serves its read-only
// metrics listener on the node's address; promtool (Debian's prometheus package) checks the
// exposition with no warning; a real Prometheus scrapes it and PromQL over its HTTP API returns the
// sessions' state and prefix counts; the alert rules shipped in deploy/kubernetes pass promtool's
// checks and its unit tests (each alert fires on the series it is meant for, and only then).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { ROOT } from '../helpers/fixtures.js';
import { Nodebgpd } from '../helpers/nodebgpd.js';
import { bridge, createNamespace, destroyNamespace, inNs, uniquePrefix } from '../helpers/netns.js';
import { Frr, until } from '../helpers/peers.js';
import { tempDir } from '../helpers/tmp.js';

const p = uniquePrefix('prom');
const N = `${p}n`;
const A = `${p}a`;
const B = `${p}b`;
const dir = tempDir('nodebgp-prom-');

t.before(() => {
  for (const ns of [N, A, B]) createNamespace(ns);
  bridge(N, { ipv4: '10.95.0.1', ipv6: 'fd95::1' }, [
    { ns: A, ifname: 'eth0', ipv4: '10.95.0.2', ipv6: 'fd95::2' },
    { ns: B, ifname: 'eth0', ipv4: '10.95.0.3', ipv6: 'fd95::3' },
  ]);
});
t.teardown(() => {
  for (const ns of [N, A, B]) destroyNamespace(ns);
});

const tor = (id: number, networks: string[]) => `frr defaults datacenter
hostname tor${id}
router bgp 6450${id}
 bgp router-id 10.95.0.${id}
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 10.95.0.1 remote-as 64512
 neighbor 10.95.0.1 timers connect 1
 address-family ipv4 unicast
${networks.map((n) => `  network ${n}`).join('\n')}
 exit-address-family
`;

const CONFIG = `
asn: 64512
routerId: 10.95.0.1
listen: { addresses: [0.0.0.0] }
ebgpRequiresPolicy: false
fib: { enabled: false }
neighbors:
  - { address: 10.95.0.2, remoteAs: 64502, timers: { connectRetryTime: 1 } }
  - { address: 10.95.0.3, remoteAs: 64503, timers: { connectRetryTime: 1 } }
  - { address: 10.95.0.9, remoteAs: 64509, timers: { connectRetryTime: 1 } }
`;

t.test('promtool has nothing to say; Prometheus scrapes the metrics listener; PromQL answers', async (t) => {
  const torA = new Frr(A, tor(2, ['10.244.2.0/24', '10.244.3.0/24']));
  const torB = new Frr(B, tor(3, ['10.244.4.0/24']));
  const d = new Nodebgpd(N, CONFIG);
  let prom: ChildProcess | undefined;
  t.teardown(() => {
    prom?.kill('SIGKILL');
    d.stop();
    torA.stop();
    torB.stop();
  });
  await d.ready();
  t.ok(await until(() => d.cli('summary').peers['10.95.0.3']?.pfxRcd === 1 && d.cli('summary').peers['10.95.0.2']?.pfxRcd === 2, 30000), 'both ToRs Established with their routes');
  const listening = d.log.find((l) => l.msg === 'metrics listening');
  t.equal(listening?.metrics, 'http://10.95.0.1:9179/metrics', 'the metrics listener is on the node\'s address (the router ID), port 9179');

  const text = inNs(N, 'curl', ['-s', 'http://10.95.0.1:9179/metrics']);
  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  t.equal(check.status, 0, 'promtool check metrics: exit 0');
  t.equal(`${check.stdout}${check.stderr}`.trim(), '', 'and not one warning');
  t.equal(inNs(N, 'curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://10.95.0.1:9179/v1/summary']), '404', 'the listener serves metrics and nothing else');
  t.equal(inNs(N, 'curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', 'http://10.95.0.1:9179/metrics']), '405', 'and only reads');
  t.match(text, /nodebgp_build_info\{version="[\d.]+",node_version="v\d+\.\d+\.\d+"\} 1/, 'build info');
  const peerSeries = text.split('\n').filter((l) => l.startsWith('nodebgp_peer_') || l.startsWith('nodebgp_bfd_') || l.startsWith('nodebgp_routes_unsendable'));
  t.ok(peerSeries.length > 20 && peerSeries.every((l) => /\{peer="[^"]+",peer_as="[^"]+"/.test(l)), `every peer series carries peer and peer_as (${peerSeries.length} series)`);

  writeFileSync(join(dir, 'prometheus.yml'), stringify({
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    scrape_configs: [{ job_name: 'nodebgp', static_configs: [{ targets: ['10.95.0.1:9179'] }] }],
  }));
  prom = spawn('ip', ['netns', 'exec', N, 'prometheus', `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, '--web.listen-address=127.0.0.1:9090'], { stdio: 'ignore' });
  const query = (q: string) => {
    const out = inNs(N, 'curl', ['-s', '--get', '--data-urlencode', `query=${q}`, 'http://127.0.0.1:9090/api/v1/query'], { allowFail: true });
    try {
      return JSON.parse(out).data.result as { metric: Record<string, string>; value: [number, string] }[];
    } catch {
      return [];
    }
  };
  t.ok(await until(() => query('up{job="nodebgp"}')[0]?.value[1] === '1', 60000), 'Prometheus scrapes the daemon (up == 1)');
  const states = await until(() => {
    const r = query('nodebgp_peer_state');
    return r.length === 3 ? r : undefined;
  }, 20000);
  const state = Object.fromEntries((states ?? []).map((r) => [r.metric.peer, r.value[1]]));
  t.same([state['10.95.0.2'], state['10.95.0.3']], ['6', '6'], 'PromQL: the two ToRs Established (6)');
  t.ok(['1', '2', '3'].includes(state['10.95.0.9']), `and the absent neighbor Idle, Connect or Active (${state['10.95.0.9']})`);
  const accepted = Object.fromEntries(query('sum by (peer) (nodebgp_peer_prefixes_accepted)').map((r) => [r.metric.peer, r.value[1]]));
  t.same([accepted['10.95.0.2'], accepted['10.95.0.3']], ['2', '1'], 'PromQL: prefixes accepted per ToR');
  t.equal(query('sum(nodebgp_rib_prefixes)')[0]?.value[1], '3', 'PromQL: three prefixes in the Loc-RIB');
  t.ok(Number(query('nodebgp_rib_bytes{afi_safi="ipv4-unicast"}')[0]?.value[1]) > 0, 'PromQL: the IPv4 Loc-RIB\'s columns in octets');
  // Two ToRs Established: two Adj-RIB-Outs at their first size (1,024 two-octet slots and 1,024 bits each).
  t.equal(query('nodebgp_adj_rib_out_bytes{afi_safi="ipv4-unicast"}')[0]?.value[1], String(2 * (2048 + 128)), 'PromQL: the ToRs\' Adj-RIB-Out columns in octets');
  t.equal(query('count(nodebgp_peer_up == 0 and nodebgp_peer_admin_shutdown == 0)')[0]?.value[1], '1', 'the session-down alert expression finds the absent neighbor');
});

t.test('the shipped alert rules: promtool check rules and promtool test rules', async (t) => {
  const rule = parse(readFileSync(join(ROOT, 'deploy', 'kubernetes', 'prometheusrule.yaml'), 'utf8'));
  const rules = join(dir, 'rules.yaml');
  writeFileSync(rules, stringify({ groups: rule.spec.groups }));
  const check = spawnSync('promtool', ['check', 'rules', rules], { encoding: 'utf8' });
  t.equal(check.status, 0, `promtool check rules: ${check.stdout.trim().split('\n').at(-1)}`);
  const tests = join(dir, 'rules.test.yaml');
  writeFileSync(tests, stringify({
    rule_files: [rules],
    evaluation_interval: '1m',
    tests: [{
      interval: '1m',
      input_series: [
        { series: 'nodebgp_peer_up{peer="10.0.0.1",peer_as="64501",node="n1"}', values: '1 1 0x10' },
        { series: 'nodebgp_peer_admin_shutdown{peer="10.0.0.1",peer_as="64501",node="n1"}', values: '0x12' },
        { series: 'nodebgp_peer_up{peer="10.0.0.2",peer_as="64502",node="n1"}', values: '1x12' },
        { series: 'nodebgp_peer_admin_shutdown{peer="10.0.0.2",peer_as="64502",node="n1"}', values: '0x12' },
        { series: 'nodebgp_peer_prefixes_accepted{peer="10.0.0.2",peer_as="64502",node="n1",afi_safi="ipv4-unicast"}', values: '5 5 0x10' },
        { series: 'nodebgp_bfd_session_up{peer="10.0.0.1",peer_as="64501",node="n1"}', values: '1 1 0x10' },
        { series: 'nodebgp_peer_malformed_messages_total{peer="10.0.0.2",peer_as="64502",node="n1"}', values: '0 0 0 1 1 1 1 1 1 1 1 1 1' },
      ],
      alert_rule_test: [
        { eval_time: '1m', alertname: 'NodebgpSessionDown', exp_alerts: [] },
        { eval_time: '6m', alertname: 'NodebgpSessionDown', exp_alerts: [{ exp_labels: { severity: 'warning', peer: '10.0.0.1', peer_as: '64501', node: 'n1' }, exp_annotations: { summary: 'BGP session to 10.0.0.1 (AS 64501) on n1 is down', description: 'Not Established for 2 minutes and not administratively shut down; see nodebgp_peer_last_down_reason and nodebgp neighbors 10.0.0.1.' } }] },
        { eval_time: '10m', alertname: 'NodebgpPrefixesDroppedToZero', exp_alerts: [{ exp_labels: { severity: 'warning', peer: '10.0.0.2', peer_as: '64502', node: 'n1' }, exp_annotations: { summary: '10.0.0.2 on n1 sends no routes any more', description: 'The session is up but no prefix is accepted from it, where there were some in the last hour (import policy, or the peer withdrew everything).' } }] },
        { eval_time: '6m', alertname: 'NodebgpBfdDown', exp_alerts: [{ exp_labels: { severity: 'warning', peer: '10.0.0.1', peer_as: '64501', node: 'n1' }, exp_annotations: { summary: 'BFD to 10.0.0.1 on n1 is not Up', description: 'nodebgp_bfd_session_state tells the state (0 AdminDown, 1 Down, 2 Init); the BGP session goes down with BFD.' } }] },
        { eval_time: '5m', alertname: 'NodebgpMalformedMessages', exp_alerts: [{ exp_labels: { severity: 'info', peer: '10.0.0.2', peer_as: '64502', node: 'n1' }, exp_annotations: { summary: '10.0.0.2 on n1 sends malformed BGP messages', description: 'Malformed messages reset the session; RFC 7606 errors withdraw routes or drop attributes. The log has the octets.' } }] },
      ],
    }],
  }));
  const unit = spawnSync('promtool', ['test', 'rules', tests], { encoding: 'utf8' });
  t.equal(unit.status, 0, `promtool test rules: ${(unit.stdout + unit.stderr).trim().split('\n').slice(-3).join(' ')}`);
});
