"""What a person sends to match, unmatch or classify by hand: the API's and the CLI's request models.

Apart from the service (`manual_recon`) so that the API's routes name them without loading it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from remitflow.domain.manual_recon import NotInsurance
from remitflow.services.worklist_models import Name, Text

MAX_ITEMS = 50  # a consolidated deposit pays a few dozen ERAs at most


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class ManualMatchRequest(Request):
    era_ids: Annotated[list[Name], Field(min_length=1, max_length=MAX_ITEMS)]
    deposit_ids: Annotated[list[Name], Field(min_length=1, max_length=MAX_ITEMS)]
    note: Text
    amounts_differ: bool = False  # the totals differ, and the note says why


class UnmatchRequest(Request):
    note: Text


class ClassifyRequest(Request):
    category: NotInsurance
    note: Text
