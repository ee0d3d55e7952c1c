"""The schema of a flow participant's collected data in the API documents
(``platform.flow_fold.FlowProgress.as_json``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FlowRejected(_Strict):
    """A value the flow's extractor read but the flow did not keep, and why."""

    field: str
    value: Any
    confidence: float
    note: str = Field(description="e.g. 'confidence 0.55 below 0.60' or 'invalid: …'")


class FlowData(_Strict):
    """What one flow participant collected (``aic export --format flow-data``)."""

    participant: str
    flow: str
    stage: str | None = Field(description="The stage it is in")
    stages: list[str] = Field(description="Every stage it entered, in order")
    complete: bool = Field(description="Whether it reached a final stage")
    values: dict[str, Any] = Field(description="The accepted value of each field")
    confidence: dict[str, float] = Field(description="The confidence of each accepted value")
    output: dict[str, Any] = Field(description="The flow's output, rendered at its final stage")
    rejected: list[FlowRejected]
