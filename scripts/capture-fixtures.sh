#!/usr/bin/env bash
# Captures real BGP traffic between FRR, BIRD 2 and GoBGP for the codec's golden fixtures.
# Builds a bridge in a hub namespace with one namespace per daemon, lets them peer (eBGP, IPv4 and
# IPv6 unicast, communities, extended and large communities, AS_SET, ADD-PATH, graceful restart,
# extended next hop, shutdown communication), records the bridge with tcpdump, and turns the
# streams into fixtures/wire/<daemon>/*.json with scripts/fixtures-from-pcap.mjs.
# Run as root from the repository root: bash scripts/capture-fixtures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
here=scripts/capture
work=$(mktemp -d /tmp/nodebgp-capture.XXXXXX)
ns() { ip netns exec "nbcap-$1" "${@:2}"; }

cleanup() {
  set +e
  for p in "$work"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
  sleep 0.5
  for n in hub frr bird gobgp; do ip netns pids "nbcap-$n" 2>/dev/null | xargs -r kill -9; ip netns del "nbcap-$n" 2>/dev/null; done
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

for n in hub frr bird gobgp; do ip netns add "nbcap-$n"; ns "$n" ip link set lo up; done
ns hub ip link add br0 type bridge
ns hub ip link set br0 up
i=1
for n in frr bird gobgp; do
  ip link add "cap-$n" netns "nbcap-$n" type veth peer name "port-$n" netns nbcap-hub
  ns hub ip link set "port-$n" master br0 up
  ns "$n" ip addr add "10.77.0.$i/24" dev "cap-$n"
  ns "$n" ip addr add "fd77::$i/64" dev "cap-$n" nodad
  ns "$n" ip link set "cap-$n" up
  i=$((i + 1))
done
ns bird ip addr add 10.77.0.4/24 dev cap-bird

ns hub tcpdump -i br0 -U -s 0 -w "$work/bgp.pcap" tcp port 179 2>"$work/tcpdump.log" &
echo $! >"$work/tcpdump.pid"
sleep 1

mkdir -p "$work/frr"
chmod 777 "$work/frr"
ns frr /usr/lib/frr/bgpd -d -Z -S -f "$here/frr.conf" -i "$work/frr/bgpd.pid" --vty_socket "$work/frr" -z "$work/frr/zserv" --log "file:$work/frr/bgpd.log"
cp "$work/frr/bgpd.pid" "$work/bgpd.pid"
ns bird bird -c "$here/bird.conf" -s "$work/bird.ctl" -P "$work/bird.pid"
ns gobgp gobgpd -f "$here/gobgpd.toml" -p --log-level=warn >"$work/gobgpd.log" 2>&1 &
echo $! >"$work/gobgpd.pid"

vty() { ns frr vtysh --vty_socket "$work/frr" -c "$@"; }
gobgp() { ns gobgp /usr/bin/gobgp "$@"; }

established() {
  local n
  n=$(vty 'show bgp summary json' 2>/dev/null | grep -c '"state":"Established"' || true)
  [ "$n" -ge 2 ]
}
for _ in $(seq 60); do established && break; sleep 1; done
vty 'show bgp summary' || true

gobgp global rib add -a ipv4 10.3.0.0/24 community 65003:100 large-community 65003:1:1 med 30
gobgp global rib add -a ipv4 10.9.3.0/24
gobgp global rib add -a ipv4 10.3.1.0/24 aspath "65010 {65011,65012}"
gobgp global rib add -a ipv6 2001:db8:3::/48
sleep 6
ns bird birdc -s "$work/bird.ctl" show protocols || true
gobgp neighbor || true

# Withdrawals.
vty 'configure terminal' -c 'router bgp 65001' -c 'address-family ipv4 unicast' -c 'no network 10.1.1.0/24'
gobgp global rib del -a ipv4 10.3.1.0/24
gobgp global rib del -a ipv6 2001:db8:3::/48
sleep 4

# Shutdown communications (RFC 9003) from each daemon.
vty 'configure terminal' -c 'router bgp 65001' -c 'neighbor 10.77.0.3 shutdown message frr maintenance window'
ns bird birdc -s "$work/bird.ctl" 'disable frr "bird maintenance window"' || true
gobgp neighbor 10.77.0.2 shutdown --reason "gobgp maintenance window"
sleep 3

kill "$(cat "$work/tcpdump.pid")"
sleep 1
tshark -r "$work/bgp.pcap" -T fields -E separator=, -e frame.number -e ip.src -e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport -e tcp.seq_raw -e tcp.payload 'tcp.len > 0' >"$work/segments.csv"
node scripts/fixtures-from-pcap.mjs "$work/segments.csv" fixtures/wire
echo "fixtures written under fixtures/wire"
