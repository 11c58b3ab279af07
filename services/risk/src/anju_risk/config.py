"""Risk settings: the kit's ``ServiceSettings`` plus what only risk needs (``ANJU_RISK_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from anju_kit.documents import NOTO_SANS_SC
from anju_kit.settings import ServiceSettings

SERVICE = "risk"


class RiskSettings(ServiceSettings):
    risk_bucket: str = Field(default="", description="Risk evidence and reports bucket; default anju-risk-<region>.")
    risk_command_attempts: int = Field(default=3, ge=1, le=20)
    risk_consumer_group: str = Field(default="anju-risk", description="Commands group shared by all instances.")
    risk_font_path: Path = Field(default=NOTO_SANS_SC.path, description="CJK font for the Chinese PDF reports.")
    risk_font_index: int = Field(default=NOTO_SANS_SC.index, ge=0, description="Face in the font collection.")
    risk_sweep_interval_s: float = Field(default=60.0, gt=0, description="How often overdue deadlines are looked for.")
    risk_due_grace_s: float = Field(default=300.0, gt=0)
    risk_due_lookback_h: int = Field(default=48, ge=1)

    @classmethod
    def load(cls, **overrides: object) -> RiskSettings:
        settings = cls.for_service(SERVICE, **overrides)
        if not settings.risk_bucket:
            settings.risk_bucket = f"anju-risk-{settings.region}"
        return settings
