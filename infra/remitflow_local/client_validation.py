"""Client-side parameter validation off for the AWS clients this process makes: `make bench` only.

botocore checks every request against the service model before it sends it (types, required
members, lengths, each nested AttributeValue): on the embedded AWS, where the "network" is a
function call, that check is an eighth of the CPU a posted claim costs. botocore lets a client
or a profile turn it off (``Config(parameter_validation=False)``, ``parameter_validation = false``
in a profile); ``disable()`` does the same for every client created in this process from then
on, without touching the product's code or its client configuration. With nothing left to check,
it also has botocore's JSON serializer render a DynamoDB ``AttributeValue`` in one step (exactly
what botocore's shape-by-shape walk renders: the value as given, binary base64-encoded), the
client-side twin of ``moto_wire``'s reading of it: another twelfth of a posted claim's CPU.

Only the bench (``bench/posting.py``) calls it, through ``deploy_local_stack(...,
client_validation=False)``. The test suite, ``remitflow local up`` (which the browser tests run)
and ``remitflow demo`` keep botocore's validation on, so a malformed request still fails a test
as it would fail on AWS; with validation off, moto answers a malformed request with its own error
(or accepts what AWS would refuse), which is why nothing else turns it off. Clients made before ``disable()`` keep
their validation. The Lambda functions on AWS never import this module.

This module is dev-only: it is never shipped in the Lambda layer.
"""

from __future__ import annotations

import functools
import inspect
import threading
from typing import Any

import botocore
from botocore import serialize
from botocore.args import ClientArgsCreator

from remitflow_local.moto_dynamodb import MotoInternalsChanged

__all__ = ["disable", "disabled", "enable", "render_attribute_value"]

_LOCK = threading.Lock()
_MARK = "__remitflow_local_patch__"
_JSON: Any = serialize.JSONSerializer  # botocore's stubs omit its private methods
_NOT_RENDERED = object()  # a value left to botocore's own serializer
# DynamoDB's AttributeValue members, by how botocore serializes each (no member is renamed).
_AS_IS = frozenset(("S", "N", "NULL", "BOOL"))
_MEMBERS = _AS_IS | {"B", "SS", "NS", "BS", "M", "L"}


def disabled() -> bool:
    """Whether clients made in this process from now on skip parameter validation."""
    return bool(getattr(ClientArgsCreator.compute_client_args, _MARK, False))


def disable() -> None:
    """Clients made in this process from now on skip botocore's parameter validation; idempotent."""
    with _LOCK:
        if disabled():
            return
        _check_internals()
        original = ClientArgsCreator.compute_client_args

        @functools.wraps(original)
        def compute_client_args(self: ClientArgsCreator, *args: Any, **kwargs: Any) -> Any:
            arguments = original(self, *args, **kwargs)
            arguments["parameter_validation"] = False
            return arguments

        setattr(compute_client_args, _MARK, True)
        direct = _direct_serialize(_JSON._serialize)
        setattr(direct, _MARK, True)
        ClientArgsCreator.compute_client_args = compute_client_args  # type: ignore[method-assign]
        _JSON._serialize = direct


def render_attribute_value(serializer: Any, value: Any) -> Any:
    """What ``serializer`` renders of a DynamoDB ``AttributeValue``, or ``_NOT_RENDERED``.

    botocore renders each member present, in the order given: a string or boolean as it is, a blob
    through ``_get_base64``, a list or map member by member. Anything but a dict of known members
    holding plain lists and dicts is left to botocore (and its errors).
    """
    if type(value) is not dict:
        return _NOT_RENDERED
    rendered: dict[str, Any] = {}
    for kind, inner in value.items():
        if kind in _AS_IS:
            rendered[kind] = inner
        elif kind in ("SS", "NS"):
            if type(inner) is not list:
                return _NOT_RENDERED
            rendered[kind] = list(inner)
        elif kind == "B":
            if not isinstance(inner, (str, bytes)):
                return _NOT_RENDERED
            rendered[kind] = serializer._get_base64(inner)
        elif kind == "BS":
            if type(inner) is not list or not all(isinstance(v, (str, bytes)) for v in inner):
                return _NOT_RENDERED
            rendered[kind] = [serializer._get_base64(v) for v in inner]
        elif kind == "M":
            if type(inner) is not dict:
                return _NOT_RENDERED
            members = {}
            for name, member in inner.items():
                members[name] = render_attribute_value(serializer, member)
                if members[name] is _NOT_RENDERED:
                    return _NOT_RENDERED
            rendered[kind] = members
        elif kind == "L":
            if type(inner) is not list:
                return _NOT_RENDERED
            items = []
            for member in inner:
                item = render_attribute_value(serializer, member)
                if item is _NOT_RENDERED:
                    return _NOT_RENDERED
                items.append(item)
            rendered[kind] = items
        else:
            return _NOT_RENDERED
    return rendered


def _is_attribute_value(shape: Any) -> bool:
    """DynamoDB's AttributeValue shape, as this module knows it (checked once per shape object)."""
    known: bool | None = shape.__dict__.get(_SHAPE_FLAG)
    if known is None:
        members = getattr(shape, "members", None) or {}
        known = (
            shape.name == "AttributeValue"
            and set(members) == _MEMBERS
            and not any("name" in member.serialization for member in members.values())
            and members["M"].value.name == "AttributeValue"
            and members["L"].member.name == "AttributeValue"
        )
        shape.__dict__[_SHAPE_FLAG] = known
    return known


_SHAPE_FLAG = "_remitflow_attribute_value"


def _direct_serialize(original: Any) -> Any:
    @functools.wraps(original)
    def _serialize(self: Any, serialized: Any, value: Any, shape: Any, key: Any = None) -> None:
        if shape.type_name == "structure" and shape.name == "AttributeValue" and _is_attribute_value(shape):
            rendered = render_attribute_value(self, value)
            if rendered is not _NOT_RENDERED and key is not None:
                serialized[key] = rendered  # as _serialize_type_structure puts a nested structure
                return
        original(self, serialized, value, shape, key)

    return _serialize


def enable() -> None:
    """Back to botocore's default for clients made from now on (for tests of ``disable``)."""
    with _LOCK:
        if not disabled():
            return
        ClientArgsCreator.compute_client_args = ClientArgsCreator.compute_client_args.__wrapped__  # type: ignore[attr-defined, method-assign]
        _JSON._serialize = _JSON._serialize.__wrapped__


def _check_internals() -> None:
    """``get_client_args`` must build the serializer from ``compute_client_args``'s answer."""
    try:
        source = inspect.getsource(ClientArgsCreator.get_client_args)
    except (OSError, TypeError):
        source = ""
    try:
        structure = inspect.getsource(_JSON._serialize_type_structure)
    except (OSError, TypeError):
        structure = ""
    if "serialized[key] = new_serialized" not in structure or "_get_base64" not in inspect.getsource(
        _JSON._serialize_type_blob
    ):
        source = ""  # the serializer no longer nests a structure and encodes a blob as assumed
    if "compute_client_args(" not in source or "final_args['parameter_validation']" not in source:
        raise MotoInternalsChanged(
            f"botocore {botocore.__version__}: ClientArgsCreator.get_client_args no longer takes "
            "parameter_validation from compute_client_args; review infra/remitflow_local/client_validation.py."
        )
