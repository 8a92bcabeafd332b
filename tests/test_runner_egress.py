"""The deploy runner's source-scoped pass rules: their text, their names, their sources.

`suricata -T` checks the generated rules where the binary is installed (Debian:
bookworm-backports' `suricata`); the test says so when it skips.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import cidr, runner_egress
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
    from components.networking import DEFAULT_DENY_RULES

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


@pytest.mark.skipif(shutil.which("suricata") is None, reason="suricata is not installed")
def test_suricata_loads_the_generated_rules_with_strict_keyword_checks(tmp_path: Path) -> None:
    rules = runner_egress.pass_rules(RUNNER, runner_egress.DEFAULT_DOMAINS)
    path = tmp_path / "runner.rules"
    path.write_text("\n".join(rules) + "\n")
    command = ["suricata", "-T", "-c", str(SURICATA_CONFIG), "-S", str(path), "-l", str(tmp_path)]
    done = subprocess.run(
        [*command, "--strict-rule-keywords=all"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(rules)} rules successfully loaded, 0 rules failed" in done.stdout + done.stderr
