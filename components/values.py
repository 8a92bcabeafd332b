"""What AWS accepts for a few values that settings and components both check."""

from __future__ import annotations

import re

# CloudWatch Logs retention periods in days (0, "never expire", is left out on purpose:
# logs must expire).
LOG_RETENTION_DAYS = (
    *(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731),
    *(1096, 1827, 2192, 2557, 2922, 3288, 3653),
)
# A host name, or with a leading dot every name under a domain (Network Firewall syntax).
DOMAIN = re.compile(r"^\.?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
TGW_ID = re.compile(r"^tgw-[0-9a-f]{8,17}$")
