"""The deploy runner's source-scoped pass rules: their text, their names, their sources.

Where the `suricata` binary is installed (Debian: bookworm-backports' `suricata`; CI does
not install it), Suricata itself loads the rules and judges handshakes built here; those
tests say so when they skip.
"""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
import struct
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import cidr, runner_egress
from components.networking import DEFAULT_DENY_RULES
from components.values import DOMAIN, MULTI_TENANT_SUFFIXES
from gam_offline import reachability

RUNNER = cidr.plan("10.30.0.0/16", 3).runner
SURICATA_CONFIG = Path(__file__).parent / "data" / "suricata-test.yaml"

LABEL = st.from_regex(r"[a-z][a-z0-9]{0,9}", fullmatch=True)
DOMAINS = st.lists(
    st.tuples(st.booleans(), st.lists(LABEL, min_size=2, max_size=4)).map(
        lambda t: ("." if t[0] else "") + ".".join(t[1]) + ".org"
    ),
    min_size=1,
    max_size=12,
    unique=True,
)


def sid(rule: str) -> int:
    found = re.search(r"\bsid:(\d+);", rule)
    assert found, rule
    return int(found[1])


def test_the_default_list_is_valid_and_names_what_a_runner_needs() -> None:
    defaults = runner_egress.DEFAULT_DOMAINS
    assert runner_egress.domain_problems(defaults) == []
    for host in ("github.com", "api.github.com", "codeload.github.com", "get.pulumi.com"):
        assert host in defaults
    assert ".actions.githubusercontent.com" in defaults
    # nothing is listed twice over: no exact host already under a wildcard of the list
    wildcards = [d for d in defaults if d.startswith(".")]
    assert not [h for h in defaults if any(h != w and ("." + h).endswith(w) for w in wildcards)]


@given(DOMAINS)
def test_every_rule_passes_tls_to_443_from_the_runner_cidrs_and_nothing_else(
    domains: list[str],
) -> None:
    rules = runner_egress.pass_rules(RUNNER, domains)
    assert len(rules) == len(domains)
    header = f"pass tls [{','.join(RUNNER)}] any -> $EXTERNAL_NET 443 ("
    for rule, domain in zip(rules, domains, strict=True):
        assert rule.startswith(header), rule
        assert "flow:to_server, established;" in rule
        assert (
            f'tls.sni; {"dotprefix; " if domain.startswith(".") else ""}content:"{domain}";' in rule
        )
        assert "nocase; endswith;" in rule
        assert rule.endswith("rev:1;)")
    sids = [sid(r) for r in rules]
    assert len(set(sids)) == len(sids)
    assert all(s >= runner_egress.FIRST_SID for s in sids)


def test_sids_stay_clear_of_the_default_deny_group() -> None:
    deny = {sid(r) for r in DEFAULT_DENY_RULES}
    rules = runner_egress.pass_rules(RUNNER, [f"h{i}.example.org" for i in range(100)])
    assert deny.isdisjoint({sid(r) for r in rules})


def test_exact_hosts_are_anchored_and_wildcards_take_the_name_and_its_subdomains() -> None:
    exact, wildcard = runner_egress.pass_rules(RUNNER, ["github.com", ".actions.example.org"])
    assert 'content:"github.com"; startswith; nocase; endswith;' in exact
    assert 'dotprefix; content:".actions.example.org"; nocase; endswith;' in wildcard


@given(DOMAINS, st.sampled_from(["10.30.0.10", "10.30.255.1", "172.16.0.1", "192.168.1.1"]))
def test_the_model_reads_the_rules_back_passing_the_runner_alone(
    domains: list[str], other: str
) -> None:
    """What the reachability model makes of the text: each domain passes from every runner
    subnet, and from an address outside them nothing does (the allow-list decides there)."""
    rules = [reachability.parse_rule(r) for r in runner_egress.pass_rules(RUNNER, domains)]
    firewall = reachability.Firewall(before=tuple(r for r in rules if r))
    assert len(firewall.before) == len(domains)
    for domain in domains:
        name = "www" + domain if domain.startswith(".") else domain
        flow = reachability.Flow("tcp", 443, name)
        for block in RUNNER:
            inside = ipaddress.IPv4Network(block).network_address + 10
            assert firewall.verdict(flow, inside) == "pass"
        if not any(ipaddress.IPv4Address(other) in ipaddress.IPv4Network(b) for b in RUNNER):
            assert firewall.verdict(flow, ipaddress.IPv4Address(other)) == "drop"
        assert firewall.verdict(reachability.Flow("tcp", 80, name), inside) == "drop"


@pytest.mark.parametrize(
    ("domains", "says"),
    [
        ((), "lists no domain"),
        (("GitHub.com",), "not lower-case domain names"),
        (("https://github.com",), "not lower-case domain names"),
        (("*.github.com",), "not lower-case domain names"),
        (("",), "not lower-case domain names"),
        ((".githubusercontent.com",), "are or cover multi-tenant suffixes"),
        ((".blob.core.windows.net",), "are or cover multi-tenant suffixes"),
        ((".windows.net",), "are or cover multi-tenant suffixes"),
        ((".com",), "not lower-case domain names"),
        (("github.com", "github.com"), "listed more than once"),
        (tuple(f"h{i}.example.org" for i in range(101)), "more than the rule group's capacity"),
    ],
)
def test_bad_lists_are_refused_saying_what_to_change(domains: tuple[str, ...], says: str) -> None:
    assert any(says in p for p in runner_egress.domain_problems(domains))
    with pytest.raises(ValueError, match=re.escape(says)):
        runner_egress.pass_rules(RUNNER, domains)


def test_every_problem_is_reported_at_once() -> None:
    found = runner_egress.domain_problems(["Bad", ".githubusercontent.com", "a.org", "a.org"])
    assert len(found) == 3


def test_wildcards_beneath_a_multi_tenant_suffix_are_allowed_here_only() -> None:
    """The shared allow-list refuses them; the runner's list takes them, its source being
    scoped, but never the suffix itself or a wildcard above one."""
    for suffix in MULTI_TENANT_SUFFIXES:
        assert runner_egress.covered_suffix("." + suffix) == suffix
        assert runner_egress.covered_suffix(".service." + suffix) is None
        assert runner_egress.covered_suffix(suffix) is None


def test_rules_need_the_runner_cidrs() -> None:
    with pytest.raises(ValueError, match="needs the runner subnets' CIDRs"):
        runner_egress.pass_rules((), ["github.com"])
    with pytest.raises(ValueError):
        runner_egress.pass_rules(("10.30.248.1/24",), ["github.com"])


def test_every_default_domain_is_a_domain_the_firewall_syntax_accepts() -> None:
    assert all(DOMAIN.match(d) for d in runner_egress.DEFAULT_DOMAINS)


# --- with the suricata binary ----------------------------------------------------------------

needs_suricata = pytest.mark.skipif(
    shutil.which("suricata") is None,
    reason="suricata is not installed (Debian: bookworm-backports' suricata)",
)


def suricata(tmp_path: Path, rules: Sequence[str], *arguments: str) -> str:
    path = tmp_path / "test.rules"
    path.write_text("\n".join(rules) + "\n")
    command = ["suricata", "-c", str(SURICATA_CONFIG), "-S", str(path), "-l", str(tmp_path)]
    done = subprocess.run(
        [*command, *arguments], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@needs_suricata
@pytest.mark.parametrize(
    "rules",
    [runner_egress.pass_rules(RUNNER, runner_egress.DEFAULT_DOMAINS), DEFAULT_DENY_RULES],
    ids=["runner", "default-deny"],
)
def test_suricata_loads_the_rules_with_strict_keyword_checks(
    tmp_path: Path, rules: Sequence[str]
) -> None:
    output = suricata(tmp_path, rules, "-T", "--strict-rule-keywords=all")
    assert f"{len(rules)} rules successfully loaded, 0 rules failed" in output


RUNNER_HOST = str(ipaddress.IPv4Network(RUNNER[1]).network_address + 10)
PRIVATE_HOST = str(ipaddress.IPv4Network(cidr.plan("10.30.0.0/16", 3).private[0])[10])
# (source, destination port, SNI) -> the domain whose rule must match it, or None
HANDSHAKES = [
    ((RUNNER_HOST, 443, "github.com"), "github.com"),
    ((RUNNER_HOST, 443, "API.GitHub.com"), "api.github.com"),
    (
        (RUNNER_HOST, 443, "results-receiver.actions.githubusercontent.com"),
        ".actions.githubusercontent.com",
    ),
    ((RUNNER_HOST, 443, "actions.githubusercontent.com"), ".actions.githubusercontent.com"),
    ((PRIVATE_HOST, 443, "github.com"), None),
    ((RUNNER_HOST, 8443, "github.com"), None),
    ((RUNNER_HOST, 443, "evilgithub.com"), None),
    ((RUNNER_HOST, 443, "github.com.evil.example"), None),
    ((RUNNER_HOST, 443, "someone.githubusercontent.com"), None),
]


@needs_suricata
def test_suricata_matches_the_runners_names_from_its_subnets_only(tmp_path: Path) -> None:
    """Real Suricata on TLS handshakes: each rule, turned into an `alert` so that reading a
    capture logs what it matches, fires for its name (any case; a wildcard's name itself
    and what lies under it) from a runner subnet to 443, and for nothing else."""
    rules = runner_egress.pass_rules(RUNNER, runner_egress.DEFAULT_DOMAINS)
    alerts = [r.replace("pass ", "alert ", 1) for r in rules]
    capture = tmp_path / "handshakes.pcap"
    capture.write_bytes(
        pcap([p for n, (flow, _) in enumerate(HANDSHAKES) for p in handshake(*flow, 40000 + n)])
    )
    suricata(tmp_path, alerts, "-r", str(capture), "-k", "none", "--runmode", "single")
    events = [json.loads(line) for line in (tmp_path / "eve.json").read_text().splitlines()]
    by_sid = dict(zip([sid(r) for r in rules], runner_egress.DEFAULT_DOMAINS, strict=True))
    matched = {e["src_port"] - 40000: by_sid[e["alert"]["signature_id"]] for e in events}
    expected = {n: domain for n, (_, domain) in enumerate(HANDSHAKES) if domain}
    assert matched == expected


# A capture of TCP handshakes each followed by a TLS ClientHello, built by hand.


def _checksum(data: bytes) -> int:
    data += b"\0" * (len(data) % 2)
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _packet(
    src: str, dst: str, ports: tuple[int, int], seq: int, ack: int, flags: int, data: bytes = b""
) -> bytes:
    s, d = ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed
    tcp = struct.pack("!HHIIBBHHH", *ports, seq, ack, 5 << 4, flags, 65535, 0, 0) + data
    tcp = (
        tcp[:16]
        + struct.pack("!H", _checksum(s + d + struct.pack("!BBH", 0, 6, len(tcp)) + tcp))
        + tcp[18:]
    )
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, s, d)
    ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
    return bytes(6) + b"\x00\x00\x00\x00\x00\x01\x08\x00" + ip + tcp


def _client_hello(sni: str) -> bytes:
    name = sni.encode()
    names = struct.pack("!BH", 0, len(name)) + name
    extension = struct.pack("!HHH", 0, len(names) + 2, len(names)) + names
    body = b"\x03\x03" + bytes(32) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00"
    body += struct.pack("!H", len(extension)) + extension
    message = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(message)) + message


def handshake(source: str, port: int, sni: str, source_port: int) -> list[bytes]:
    github = "140.82.121.4"
    out, back = (source_port, port), (port, source_port)
    hello = _client_hello(sni)
    return [
        _packet(source, github, out, 1000, 0, 0x02),  # SYN
        _packet(github, source, back, 5000, 1001, 0x12),  # SYN-ACK
        _packet(source, github, out, 1001, 5001, 0x10),  # ACK
        _packet(source, github, out, 1001, 5001, 0x18, hello),  # PSH-ACK: the ClientHello
        _packet(github, source, back, 5001, 1001 + len(hello), 0x10),
    ]


def pcap(packets: list[bytes]) -> bytes:
    header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)  # Ethernet
    return header + b"".join(
        struct.pack("<IIII", 1_700_000_000 + n, 0, len(p), len(p)) + p
        for n, p in enumerate(packets)
    )
