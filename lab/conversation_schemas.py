"""Input shapes of the Q&A, decision and subscription endpoints."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from lab.conversation_models import Frequency
from lab.schemas import District, Domain, Input

QuestionText = Annotated[str, Field(min_length=1, max_length=2000)]
Reason = Annotated[str, Field(min_length=1, max_length=2000)]


class QuestionIn(Input):
    text: QuestionText


class AnswerIn(Input):
    answer: Annotated[str, Field(min_length=1, max_length=5000)]


class HideIn(Input):
    reason: Reason


class DeclineIn(Input):
    reason: Reason
    version: int | None = Field(default=None, ge=1)


class AcceptIn(Input):
    """``reason``: what the other open proposals are told when they are closed (a default otherwise)."""

    reason: Annotated[str, Field(max_length=2000)] = ""
    version: int | None = Field(default=None, ge=1)


class SearchFilters(Input):
    domain: Domain | None = None
    district: District | None = None
    org_kind: Literal["department", "enterprise", "university", "institute"] | None = None


class SavedSearchIn(Input):
    q: Annotated[str, Field(max_length=200)] = ""
    kind: Literal["demand", "capability", "scenario"] | None = None
    filters: SearchFilters = SearchFilters()
    frequency: Frequency = Frequency.INSTANT


class FollowIn(Input):
    object: Annotated[
        str,
        Field(
            pattern=r"^(demand|scenario|organisation):[1-9][0-9]{0,8}$",
            description="demand:12 | scenario:3 | organisation:7",
        ),
    ]


class AlertSettingsIn(Input):
    fit_alerts: bool
