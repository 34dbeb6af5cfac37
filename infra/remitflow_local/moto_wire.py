"""What the local stack changes in moto's DynamoDB items and responses so that a request costs per byte.

Once the tables stay linear (``moto_dynamodb``), most of the local stack's time is moto's work per
request, and two of its habits cost far more than the data they handle:

1. ``Item.__init__`` fills a ``LimitedSizeDict`` one attribute at a time, and each ``__setitem__``
   sums the size of every attribute already there, to enforce DynamoDB's 400 KB item limit: making
   an item of n attributes costs O(n²) size computations, on every put, every update, every copy.
2. moto reads every request and renders every response through its generic, model-driven parser
   and serializer, which walk each ``AttributeValue`` member by member (ten per attribute, nested
   ones included; the serializer asks half a dozen alias providers for each): a page of items costs
   hundreds of thousands of calls.

``install()`` (called by ``deploy_local_stack``; idempotent):

- makes ``Item.__init__`` build its attributes, sum their sizes once and raise moto's own
  ``ItemSizeTooLarge`` when the total is over moto's limit (which is when moto's attribute-by-
  attribute check would have raised: sizes only add up). The attributes are still a
  ``LimitedSizeDict``, so later updates keep moto's check.
- reads a DynamoDB request's ``AttributeValue`` (``{"S": ...}``, ``{"M": {...}}``, binary
  base64-decoded) and renders a response's (binary base64-encoded) directly, into what moto's
  parser and serializer make of it. Everything else, and any value not of exactly one known type
  (which DynamoDB rejects), still goes through moto's own code, errors included.

tests/integration/test_local_dynamodb.py checks both against moto's own code. If the internals
relied on are missing, ``install`` raises ``MotoInternalsChanged`` and changes nothing.

This module is dev-only: it is never shipped in the Lambda layer.
"""

from __future__ import annotations

import base64
import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any

import moto
from moto.core.parse import JSONParser, RequestParser
from moto.core.serialize import JSONSerializer, ResponseSerializer
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.utilities import bytesize

from remitflow_local.moto_dynamodb import MotoInternalsChanged

__all__ = [
    "ITEM_SIZE_LIMIT",
    "dynamo_type_and_size",
    "install",
    "installed",
    "parsed_attribute_value",
    "wire_attribute_value",
]

# moto's LimitedSizeDict limit: DynamoDB's 400 KB, set between the 409 and 410 KB moto measured.
ITEM_SIZE_LIMIT = 405000

_INSTALL_LOCK = threading.Lock()
_MARK = "__remitflow_local_patch__"
_NOT_WIRE = object()  # a value this module leaves to moto's serializer


# ---------------------------------------------------------------------------- items


def _item_init(self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]) -> None:
    """moto's ``Item.__init__`` with the size limit checked once for the item, not once per attribute."""
    self.hash_key = hash_key
    self.range_key = range_key
    values: dict[str, DynamoType] = {}
    size = 0  # moto's own measure: each key's bytes plus each value's size()
    for key, value in attrs.items():
        values[key], value_size = dynamo_type_and_size(value)
        size += bytesize(key) + value_size
    if size > ITEM_SIZE_LIMIT:
        raise ItemSizeTooLarge
    self.attrs = LimitedSizeDict()
    dict.update(self.attrs, values)  # bypasses the per-key check just done for the whole item


def dynamo_type_and_size(value: Any) -> tuple[DynamoType, int]:
    """``DynamoType(value)`` and its ``size()``, in one walk of the value.

    moto's constructor walks a list or map to wrap its members, and ``size()`` walks it again,
    wrapping each member of a map once more. Here each member is wrapped once and its size taken
    as it is wrapped; a value that is not a plain ``{type: value}`` dict goes to moto's own code.
    """
    if type(value) is not dict or not value:
        dynamo = DynamoType(value)
        return dynamo, dynamo.size()
    kind = next(iter(value))  # moto's list(value)[0]
    inner = value[kind]
    dynamo = object.__new__(DynamoType)
    dynamo.type = kind
    if kind == "L":
        members = []
        size = 0
        for member in inner:
            wrapped, member_size = dynamo_type_and_size(member)
            members.append(wrapped)
            size += member_size
        dynamo.value = members
        return dynamo, size
    if kind == "M":
        mapping = {}
        size = 0
        for name, member in inner.items():
            mapping[name], member_size = dynamo_type_and_size(member)
            size += bytesize(name) + member_size
        dynamo.value = mapping
        return dynamo, size
    dynamo.value = inner
    return dynamo, dynamo.size()  # a scalar or a set: moto's size() does not recurse


# ---------------------------------------------------------------------------- responses


def _base64(value: Any) -> str | object:
    if isinstance(value, str):
        value = value.encode("utf-8")
    if not isinstance(value, bytes):
        return _NOT_WIRE
    return base64.b64encode(value).strip().decode("utf-8")


def _strings(values: Any) -> list[str] | object:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return _NOT_WIRE
    return list(values)


def wire_attribute_value(value: Any) -> Any:
    """An ``AttributeValue`` as moto's JSON serializer renders it, or ``_NOT_WIRE`` to leave it to moto.

    moto hands the serializer ``{type: value}`` with binary as bytes (``dynamo_to_dict``).
    """
    if type(value) is not dict or len(value) != 1:
        return _NOT_WIRE
    ((kind, inner),) = value.items()
    rendered: Any
    if kind in ("S", "N"):
        rendered = inner if isinstance(inner, str) else _NOT_WIRE
    elif kind in ("BOOL", "NULL"):
        rendered = inner if isinstance(inner, bool) else _NOT_WIRE
    elif kind in ("SS", "NS"):
        rendered = _strings(inner)
    elif kind == "B":
        rendered = _base64(inner)
    elif kind == "BS":
        if not isinstance(inner, list):
            return _NOT_WIRE
        rendered = [_base64(v) for v in inner]
        if any(v is _NOT_WIRE for v in rendered):
            return _NOT_WIRE
    elif kind == "M":
        if type(inner) is not dict or not all(isinstance(k, str) for k in inner):
            return _NOT_WIRE
        rendered = {}
        for name, member in inner.items():
            member_rendered = wire_attribute_value(member)
            if member_rendered is _NOT_WIRE:
                return _NOT_WIRE
            rendered[name] = member_rendered
    elif kind == "L":
        if not isinstance(inner, list):
            return _NOT_WIRE
        rendered = []
        for member in inner:
            member_rendered = wire_attribute_value(member)
            if member_rendered is _NOT_WIRE:
                return _NOT_WIRE
            rendered.append(member_rendered)
    else:
        return _NOT_WIRE
    if rendered is _NOT_WIRE:
        return _NOT_WIRE
    return {kind: rendered}


def _direct_attribute_values(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def _serialize(self: ResponseSerializer, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if shape.name == "AttributeValue" and self.operation_model.service_model.service_name == "dynamodb":
            rendered = wire_attribute_value(value)
            if rendered is not _NOT_WIRE:
                # moto's _default_serialize: the shape's serialized name, else the key.
                serialized[shape.serialization.get("name", key)] = rendered
                return
        original(self, serialized, value, shape, key)

    return _serialize


# ---------------------------------------------------------------------------- requests


def parsed_attribute_value(value: Any) -> Any:
    """A request's ``AttributeValue`` as moto's JSON parser reads it, or ``_NOT_WIRE`` to leave it to moto."""
    if type(value) is not dict or len(value) != 1:
        return _NOT_WIRE
    ((kind, inner),) = value.items()
    parsed: Any
    if kind in ("S", "N"):
        if not isinstance(inner, str):
            return _NOT_WIRE
        parsed = inner
    elif kind in ("BOOL", "NULL"):
        if not isinstance(inner, bool):
            return _NOT_WIRE
        parsed = inner
    elif kind in ("SS", "NS"):
        parsed = _strings(inner)
    elif kind == "B":
        if not isinstance(inner, str):
            return _NOT_WIRE
        parsed = base64.b64decode(inner)  # moto's default_blob_parser
    elif kind == "BS":
        if not isinstance(inner, list) or not all(isinstance(v, str) for v in inner):
            return _NOT_WIRE
        parsed = [base64.b64decode(v) for v in inner]
    elif kind == "M":
        if type(inner) is not dict:
            return _NOT_WIRE
        parsed = {}
        for name, member in inner.items():
            member_parsed = parsed_attribute_value(member)
            if member_parsed is _NOT_WIRE or not isinstance(name, str):
                return _NOT_WIRE
            parsed[name] = member_parsed
    elif kind == "L":
        if not isinstance(inner, list):
            return _NOT_WIRE
        parsed = []
        for member in inner:
            member_parsed = parsed_attribute_value(member)
            if member_parsed is _NOT_WIRE:
                return _NOT_WIRE
            parsed.append(member_parsed)
    else:
        return _NOT_WIRE
    if parsed is _NOT_WIRE:
        return _NOT_WIRE
    return {kind: parsed}


def _direct_attribute_value_reads(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def _parse_shape(self: RequestParser, shape: Any, node: Any) -> Any:
        if shape.name == "AttributeValue" and self.operation_model.service_model.service_name == "dynamodb":
            parsed = parsed_attribute_value(node)
            if parsed is not _NOT_WIRE:
                return parsed
        return original(self, shape, node)

    return _parse_shape


# ---------------------------------------------------------------------------- install


def installed() -> bool:
    return bool(getattr(Item.__init__, _MARK, False))


def install() -> None:
    """Install the changes into this process's moto; idempotent and thread-safe."""
    with _INSTALL_LOCK:
        if installed():
            return
        _check_internals()
        original_init = Item.__init__
        original_serialize = ResponseSerializer._serialize
        original_parse = RequestParser._parse_shape
        init = functools.wraps(original_init)(_item_init)
        serialize = _direct_attribute_values(original_serialize)
        parse = _direct_attribute_value_reads(original_parse)
        for patched, original in ((init, original_init), (serialize, original_serialize), (parse, original_parse)):
            setattr(patched, _MARK, True)
            setattr(patched, "__wrapped__", original)  # noqa: B010 (a union of callables)
        # On DynamoDB's protocol (JSON 1.0) only: the other protocols' classes stay moto's.
        JSONSerializer._serialize = serialize  # type: ignore[method-assign]
        JSONParser._parse_shape = parse  # type: ignore[method-assign]
        Item.__init__ = init  # type: ignore[method-assign]


def _check_internals() -> None:
    problems: list[str] = []
    if list(inspect.signature(Item.__init__).parameters) != ["self", "hash_key", "range_key", "attrs"]:
        problems.append("Item.__init__(hash_key, range_key, attrs) is missing")
    # The patched classes must use the base class's method as it is, with the signature wrapped.
    if JSONSerializer._serialize is not ResponseSerializer._serialize:
        problems.append("JSONSerializer no longer serializes through ResponseSerializer._serialize")
    if list(inspect.signature(ResponseSerializer._serialize).parameters) != [
        "self",
        "serialized",
        "value",
        "shape",
        "key",
    ]:
        problems.append("ResponseSerializer._serialize(serialized, value, shape, key) is missing")
    if JSONParser._parse_shape is not RequestParser._parse_shape:
        problems.append("JSONParser no longer parses through RequestParser._parse_shape")
    if list(inspect.signature(RequestParser._parse_shape).parameters) != ["self", "shape", "node"]:
        problems.append("RequestParser._parse_shape(shape, node) is missing")
    constructor, size = inspect.getsource(DynamoType.__init__), inspect.getsource(DynamoType.size)
    if "[DynamoType(val) for val in self.value]" not in constructor or "list(type_as_dict)[0]" not in constructor:
        problems.append("DynamoType.__init__ no longer wraps the first {type: value} and a list's members")
    if "bytesize(k) + DynamoType(v).size()" not in size or "sum([v.size() for v in self.value])" not in size:
        problems.append("DynamoType.size no longer sums a map's keys and members, and a list's members")
    source = inspect.getsource(LimitedSizeDict.__setitem__)
    if "405000" not in source:
        problems.append(f"LimitedSizeDict no longer limits items to {ITEM_SIZE_LIMIT} bytes")
    if problems:
        raise MotoInternalsChanged(
            f"moto {moto.__version__} is not what remitflow_local.moto_wire was written against (moto 5.2.5): "
            f"{'; '.join(problems)}. Review infra/remitflow_local/moto_wire.py against this moto."
        )
