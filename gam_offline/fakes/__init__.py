"""The offline engine's fake provider: plausible, deterministic outputs and invokes.

To fake a new resource type, add one function to the provider's module here
(`aws.py`, `eks.py`, `kubernetes.py`, `grafana.py`, `pagerduty.py`), decorated with `@fake(type_token, ...)`: it receives the
resource's inputs and a `FakeContext` and returns the outputs a real provider
would compute. Ids (in AWS's format for the kind, or the name), ARNs in the stack's
region and fake account, echoed inputs and `tagsAll` come from `registry` for every
type. Invokes the program may call are in `invokes.py`; any other fails loudly.
"""

from gam_offline.fakes import (  # noqa: F401  (each module registers its fakes)
    aws,
    eks,
    grafana,
    kubernetes,
    pagerduty,
)
from gam_offline.fakes.invokes import INVOKES, UnansweredInvoke
from gam_offline.fakes.registry import FAKES, auto_name, fake, resource_outputs

__all__ = ["FAKES", "INVOKES", "UnansweredInvoke", "auto_name", "fake", "resource_outputs"]
