"""Risk service events other services consume (published on ``anju.risk.events.v1``).

Each event class sits in its own section so risk contracts written in parallel merge cleanly.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import AwareDatetime, Field

from anju_contracts import topics
from anju_contracts.base import Event, Identifier
from anju_contracts.common import Sha256Hex

# --- the sealed final risk report (RSK-07) → completion acceptance (POL-09) -------------------------


class FinalReportSealed(Event):
    """The insurer sealed the project's final risk assessment report (竣工最终风险评估报告, RSK-07);
    without it the builder may not hold completion acceptance (POL-09)."""

    TYPE = "risk.FinalReportSealed"
    TOPIC: ClassVar[str | None] = topics.RISK.events

    project_id: Identifier
    report_key: str = Field(min_length=1, max_length=512, description="Object key of the sealed report.")
    report_sha256: Sha256Hex
    sealed_at: AwareDatetime
