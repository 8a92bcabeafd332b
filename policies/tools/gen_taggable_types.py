"""Regenerate `gam_policies/taggable_types.json`: the resource types that accept `tags`.

Reads the installed pulumi_aws as text, without importing it (well under a second):
its `_utilities.register(...)` JSON lists every resource type, and a resource class
accepts a `tags` argument exactly when its `_internal_init` stores the input with
`__props__.__dict__["tags"] = tags` (outputs-only tags are stored as `None`).
`eks:index:Cluster` (pulumi_eks) is added after the same check; the other
pulumi_eks components are left out because the cluster creates some of them itself.

Usage: .venv/bin/python policies/tools/gen_taggable_types.py [--check]
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "gam_policies" / "taggable_types.json"
TOKEN = re.compile(r"super\(\w+, __self__\)\.__init__\(\s*'([^']+)'")
TAKES_TAGS = '__props__.__dict__["tags"] = tags'
REGISTERED = re.compile(r'resource_modules="""(.*?)"""', re.S)
EKS_TYPES = ("eks:index:Cluster",)


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)  # locates the package without executing it
    if spec is None or spec.origin is None:
        raise SystemExit(f"{name} is not installed")
    return Path(spec.origin).parent


def _tagged_tokens(files: list[Path]) -> tuple[set[str], set[str]]:
    """(every resource type token found, those whose class takes `tags`)."""
    found: set[str] = set()
    tagged: set[str] = set()
    for path in files:
        text = path.read_text(encoding="utf-8")
        tokens = TOKEN.findall(text)
        found.update(tokens)
        if TAKES_TAGS in text:
            tagged.update(tokens)
    return found, tagged


def taggable_types() -> list[str]:
    aws = _package_dir("pulumi_aws")
    match = REGISTERED.search((aws / "__init__.py").read_text(encoding="utf-8"))
    if match is None:
        raise SystemExit("pulumi_aws/__init__.py has no resource_modules registration")
    registered = {token for module in json.loads(match.group(1)) for token in module["classes"]}
    found, tagged = _tagged_tokens([p for p in aws.glob("*/*.py") if not p.name.startswith("_")])
    if registered - found:
        raise SystemExit(f"resource classes not found for {sorted(registered - found)[:5]} ...")
    _, eks_tagged = _tagged_tokens(list(_package_dir("pulumi_eks").glob("*.py")))
    if not set(EKS_TYPES) <= eks_tagged:
        raise SystemExit(f"{EKS_TYPES} no longer take `tags`")
    return sorted((tagged & registered) | set(EKS_TYPES))


def render(types: list[str]) -> str:
    return json.dumps(types, indent=1) + "\n"


def main(argv: list[str]) -> int:
    text = render(taggable_types())
    if "--check" in argv:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        print("up to date" if current == text else f"{OUTPUT} is stale: regenerate it")
        return 0 if current == text else 1
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({text.count(chr(10)) - 2} types)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
