"""Claims settings: the kit's ``ServiceSettings`` plus what only claims needs (``ANJU_CLAIMS_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from anju_kit.documents import NOTO_SANS_SC
from anju_kit.settings import ServiceSettings

SERVICE = "claims"
NOTO_CJK = NOTO_SANS_SC.path  # Debian fonts-noto-cjk


class ClaimsSettings(ServiceSettings):
    claims_bucket: str = Field(default="", description="Evidence and documents bucket; default anju-claims-<region>.")
    claims_font_path: Path = Field(default=NOTO_CJK, description="CJK font for the Chinese PDF documents.")
    claims_font_index: int = Field(
        default=NOTO_SANS_SC.index, ge=0, description="Face in the font collection (2 = Simplified Chinese)."
    )
    claims_sweep_interval_s: float = Field(default=5.0, gt=0, description="How often overdue deadlines are looked for.")
    claims_due_grace_s: float = Field(
        default=60.0, gt=0, description="Age after which a due-index entry of a claim that is not there is dropped."
    )
    claims_due_lookback_h: float = Field(
        default=48.0,
        gt=0,
        description="Hours of the due index each sweep reads back: how long the index may trail or the sweeper "
        "be down without missing a deadline (a process's first sweep reads 30 days back).",
    )
    claims_command_attempts: int = Field(default=3, ge=1, le=20)
    claims_batch_max: int = Field(default=500, ge=1, le=5000, description="Most commands consumed as one batch.")
    claims_batch_wait_ms: int = Field(default=20, ge=0, description="How long a batch waits to fill up.")
    claims_batch_concurrency: int = Field(default=8, ge=1, le=256, description="Claims applied at once in a batch.")
    claims_coverage_cache_s: float = Field(
        default=30.0,
        ge=0,
        description="Longest a cached policy serves intake; a read-model change drops it sooner (0 = no cache).",
    )
    claims_consumer_group: str = Field(default="anju-claims", description="Consumer group shared by all instances.")

    @classmethod
    def load(cls, **overrides: object) -> ClaimsSettings:
        settings = cls.for_service(SERVICE, **overrides)
        if not settings.claims_bucket:
            settings.claims_bucket = f"anju-claims-{settings.region}"
        return settings
