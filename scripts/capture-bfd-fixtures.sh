#!/usr/bin/env bash
# Captures real BFD control packets between FRR 8.4 bfdd and BIRD 2 for the BFD codec's golden
# fixtures: the three-way handshake, the Poll/Final exchange that lowers the intervals once Up,
# a detection-time expiry (FRR frozen with SIGSTOP, Diag 1 from both), and AdminDown (the FRR
# peer shut down, Diag 7), over IPv4 and IPv6. Writes fixtures/bfd/<daemon>/*.json.
# Run as root from the repository root (after npm run build): bash scripts/capture-bfd-fixtures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
here=scripts/capture-bfd
work=$(mktemp -d /tmp/nodebgp-bfdcap.XXXXXX)
chmod 777 "$work"
ns() { ip netns exec "nbbfd-$1" "${@:2}"; }

cleanup() {
  set +e
  for n in frr bird; do ip netns pids "nbbfd-$n" 2>/dev/null | xargs -r kill -9; ip netns del "nbbfd-$n" 2>/dev/null; done
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

for n in frr bird; do ip netns add "nbbfd-$n"; ns "$n" ip link set lo up; done
ip link add cap0 netns nbbfd-frr type veth peer name cap0 netns nbbfd-bird
ns frr ip addr add 10.78.0.1/24 dev cap0
ns frr ip addr add fd78::1/64 dev cap0 nodad
ns bird ip addr add 10.78.0.2/24 dev cap0
ns bird ip addr add fd78::2/64 dev cap0 nodad
for n in frr bird; do ns "$n" ip link set cap0 up; done

ns bird tcpdump -i cap0 -U -s 0 -w "$work/bfd.pcap" udp port 3784 2>"$work/tcpdump.log" &
tcpdump=$!
sleep 1
ns frr /usr/lib/frr/zebra -d -u frr -g frr -z "$work/zserv" -i "$work/zebra.pid" --vty_socket "$work" -f /dev/null --log "file:$work/zebra.log"
sleep 0.5
ns frr /usr/lib/frr/bfdd -d -u frr -g frr -z "$work/zserv" -i "$work/bfdd.pid" --vty_socket "$work" -f "$here/frr.conf" --bfdctl "$work/bfdd.sock" --log "file:$work/bfdd.log"
ns bird bird -c "$here/bird.conf" -s "$work/bird.ctl" -P "$work/bird.pid"
sleep 5
ns frr vtysh --vty_socket "$work" -c 'show bfd peers brief' || true

# Detection time expiry on BIRD's side: freeze bfdd for a second.
kill -STOP "$(cat "$work/bfdd.pid")"
sleep 1
kill -CONT "$(cat "$work/bfdd.pid")"
sleep 4
# AdminDown from FRR (BIRD sends none when its protocol is disabled; it just stops).
ns frr vtysh --vty_socket "$work" -c 'configure terminal' -c 'bfd' -c 'peer 10.78.0.2' -c 'shutdown'
sleep 2
ns frr vtysh --vty_socket "$work" -c 'configure terminal' -c 'bfd' -c 'peer 10.78.0.2' -c 'no shutdown'
sleep 3
kill "$tcpdump"
sleep 1
tshark -r "$work/bfd.pcap" -T fields -E separator=, -e frame.time_relative -e ip.src -e ipv6.src -e ip.ttl -e ipv6.hlim -e udp.srcport -e udp.payload 'udp.dstport == 3784' >"$work/packets.csv"
node scripts/bfd-fixtures-from-csv.mjs "$work/packets.csv" fixtures/bfd
