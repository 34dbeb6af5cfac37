"""The base of the 835's models (`X12Model`, and the reader's fast `build`), and the CAS adjustment.

Apart from the rest of `models` because the posting records keep one 835 model, the adjustments of a
claim payment: reading a posting (the sweeper, the worklist) loads this, not the whole 835.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar, Self, TypeVar

from pydantic import BaseModel, ConfigDict

# Each model's __all_fields_set__ again: pydantic's metaclass hooks attribute reads on the class, which
# makes `cls.__all_fields_set__` cost more than setting a slot, so `build` looks it up here.
_ALL_FIELDS_SET: dict[type[X12Model], set[str]] = {}


class X12Model(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    @classmethod
    def trusted(cls, values: dict[str, Any] | None = None, /, **fields: Any) -> Self:
        """Build from values the reader has already checked: every field present, in field order.

        Like `model_construct` without its per-field default handling, which dominates the cost of
        reading a large file. Tests check that every model built this way validates to itself.
        """
        if values is None:
            values = fields
        if len(values) != cls.__field_count__:
            missing = cls.__all_fields_set__.symmetric_difference(values)
            raise TypeError(f"{cls.__name__}.trusted: fields missing or unknown: {sorted(missing)}")
        return build(cls, values)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls.__all_fields_set__ = set(cls.model_fields)
        cls.__field_count__ = len(cls.__all_fields_set__)
        _ALL_FIELDS_SET[cls] = cls.__all_fields_set__

    __all_fields_set__: ClassVar[set[str]] = set()
    __field_count__: ClassVar[int] = 0


_M = TypeVar("_M", bound=X12Model)

# The setters of BaseModel's four slots, taken once: calling a slot's own setter skips the attribute
# lookup object.__setattr__ does each time. Building a small model is mostly these five calls.
_new_object = object.__new__
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def build(cls: type[_M], values: dict[str, Any]) -> _M:
    """`cls.trusted(values)` without the field count check, for the reader's hot loops.

    Only for a dict that holds exactly the fields of `cls`, in order: written out at the call site or
    copied from `field_template(cls)`. Tests check every model the reader builds is so.
    """
    model = _new_object(cls)
    _set_dict(model, values)
    # Shared on purpose: every field is set, so pydantic never has anything to add to it.
    _set_fields_set(model, _ALL_FIELDS_SET[cls])
    _set_extra(model, None)
    _set_private(model, None)
    return model


def field_template(cls: type[X12Model]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The fields of `cls` in order, holding their defaults (None when required), and the names of
    those whose default is a new list, which every instance needs its own of.

    For the reader's largest models: copying this dict costs a tenth of writing the same dict out.
    """
    values: dict[str, Any] = {}
    lists: list[str] = []
    for name, info in cls.model_fields.items():
        if info.default_factory is list:
            lists.append(name)
            values[name] = None
        elif info.default_factory is not None or isinstance(info.default, list | dict | set):
            raise TypeError(f"{cls.__name__}.{name}: a mutable default other than list() would be shared")
        else:
            values[name] = None if info.is_required() else info.default
    return values, tuple(lists)


class Adjustment(X12Model):
    """One CAS reason/amount/quantity triplet. A positive amount reduces the payment."""

    group: str  # CAS01: CO contractual, OA other, PI payer initiated, PR patient responsibility
    reason: str  # CARC
    amount: Decimal
    quantity: Decimal | None = None
