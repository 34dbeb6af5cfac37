"""The starting dicts of a claim and a service line (copies of their models' field templates) and the
NM1 and REF models: built one way for the fast paths and the segment handlers, so both give the same."""

from __future__ import annotations

from decimal import Decimal

from remitflow.x12.models import ClaimPayment, Entity, Reference, ServiceLine, build, field_template

ONE = Decimal(1)

# Claims and lines start as a copy of a template: far cheaper than writing a dict of 20-40 keys out.
# The *_LISTS name the fields that need a new list of their own in every copy.
CLAIM_TEMPLATE, CLAIM_LISTS = field_template(ClaimPayment)
LINE_TEMPLATE, LINE_LISTS = field_template(ServiceLine)
LINE_TEMPLATE["units"] = ONE  # SVC05 when it is not sent

PAD = [""] * 14  # `segment + PAD[len(segment):]` has every element up to index 13: no bounds checks


def entity(segment: list[str]) -> Entity:
    """An NM1 whose NM101 has been checked."""
    nm1 = segment if len(segment) > 9 else segment + PAD[len(segment) :]
    return build(
        Entity,
        {
            "entity_code": nm1[1],
            "entity_type": nm1[2] or None,
            "last_name": nm1[3] or None,
            "first_name": nm1[4] or None,
            "middle_name": nm1[5] or None,
            "suffix": nm1[7] or None,
            "identifier_qualifier": nm1[8] or None,
            "identifier": nm1[9] or None,
        },
    )


def reference(segment: list[str]) -> Reference:
    """A REF whose REF01 and REF02 have been checked."""
    return build(
        Reference,
        {
            "qualifier": segment[1],
            "value": segment[2],
            "description": segment[3] if len(segment) > 3 and segment[3] else None,
        },
    )
