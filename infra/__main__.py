"""The Pulumi program (`Pulumi.yaml` main): settings -> composition -> stack outputs."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `pulumi up` runs this file directly
    sys.path.insert(0, str(ROOT))

import pulumi  # noqa: E402

from infra import settings as stack_settings  # noqa: E402
from stacks import platform  # noqa: E402

try:
    current = stack_settings.from_pulumi_config()
except stack_settings.SettingsError as error:
    # RunError: the engine prints the message alone, without a traceback.
    raise pulumi.RunError(str(error)) from None

for key, value in platform.build(current).items():
    pulumi.export(key, value)
