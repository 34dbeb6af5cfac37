"""What the local stack changes in moto's condition expressions: each one parsed once, not thrice.

moto parses a ``ConditionExpression`` from scratch every time it meets one, and it meets a
transaction's conditions three times (the request handler checks the names used, the transaction
evaluates the condition, ``put_item``/``update_item`` evaluates it again): tokenizing, building
the tree and the ``Op`` objects cost about a twelfth of the CPU a posted claim costs, for a
handful of distinct strings (``attribute_not_exists(pk)``, ``version = :expected``).

``install()`` (called by ``deploy_local_stack``; idempotent) makes ``ConditionExpressionParser.parse``
remember its result by expression, attribute names and attribute values (the last
``PARSED_CONDITIONS``): the ``Op`` tree, and the names and values it found (which ``parse`` adds
to the parser's ``expr_attr_names_found``/``expr_attr_values_found`` for the request handler's
checks). An ``Op`` only reads the item it is given. A remembered tree is parsed from private copies
of the names and values, so nothing a request later does to its own values reaches it. Only plain
wire data (strings, bytes, numbers, booleans, lists, dicts) is remembered; an expression moto cannot
parse is parsed again each time by moto's code, so it fails with moto's error.

tests/integration/test_local_condition.py compares answers and errors with moto's own code.
This module is dev-only: it is never shipped in the Lambda layer.
"""

from __future__ import annotations

import copy
import functools
import inspect
import threading
from typing import Any

import moto
from moto.dynamodb.comparisons import ConditionExpressionParser

from remitflow_local.moto_dynamodb import MotoInternalsChanged
from remitflow_local.recent import Recent

__all__ = ["PARSED", "PARSED_CONDITIONS", "install", "installed"]

PARSED_CONDITIONS = 2048  # a request's own values make it distinct: room for a chunk's worth

_INSTALL_LOCK = threading.Lock()
_MARK = "__remitflow_local_patch__"
_PLAIN = (str, bytes, bool, int, type(None))


# (Op tree, names found, values found) by (expression, names, values)
PARSED: Recent[str, tuple[Any, tuple[str, ...], tuple[str, ...]]] = Recent(PARSED_CONDITIONS)


def _plain(value: Any) -> bool:
    """Wire data only: its repr then says exactly what it holds."""
    kind = type(value)
    if kind in _PLAIN:
        return True
    if kind is list:
        return all(_plain(v) for v in value)
    if kind is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    return False


def _key(parser: ConditionExpressionParser) -> str | None:
    expression = parser.condition_expression
    names, values = parser.expression_attribute_names, parser.expression_attribute_values
    if type(expression) is not str or not _plain(names) or not _plain(values):
        return None
    return repr((expression, names, values))


def _remembering_parse(original: Any) -> Any:
    @functools.wraps(original)
    def parse(self: ConditionExpressionParser) -> Any:
        key = _key(self)
        if key is None:
            return original(self)
        entry = PARSED.get(key)
        if entry is None:
            private = ConditionExpressionParser(
                self.condition_expression,
                copy.deepcopy(self.expression_attribute_names),
                copy.deepcopy(self.expression_attribute_values),
            )
            try:
                op = original(private)
            except Exception:  # moto's own error, raised by moto's own code on the request's parser
                return original(self)
            entry = (op, tuple(private.expr_attr_names_found), tuple(private.expr_attr_values_found))
            PARSED.put(key, entry)
        op, names_found, values_found = entry
        self.expr_attr_names_found.extend(names_found)
        self.expr_attr_values_found.extend(values_found)
        return op

    return parse


def installed() -> bool:
    return bool(getattr(ConditionExpressionParser.parse, _MARK, False))


def install() -> None:
    """Install the change into this process's moto; idempotent and thread-safe."""
    with _INSTALL_LOCK:
        if installed():
            return
        _check_internals()
        original = ConditionExpressionParser.parse
        parse = _remembering_parse(original)
        setattr(parse, _MARK, True)
        ConditionExpressionParser.parse = parse  # type: ignore[method-assign]


def _check_internals() -> None:
    problems: list[str] = []
    init = inspect.signature(ConditionExpressionParser.__init__).parameters
    if list(init) != ["self", "condition_expression", "expression_attribute_names", "expression_attribute_values"]:
        problems.append("ConditionExpressionParser(condition_expression, names, values) is missing")
    try:
        source = inspect.getsource(ConditionExpressionParser.parse)
    except (OSError, TypeError):
        source = ""
    wanted = ("self.expr_attr_names_found.extend", "self.expr_attr_values_found.extend", "_make_op_condition")
    problems.extend(f"ConditionExpressionParser.parse no longer does {text}" for text in wanted if text not in source)
    if problems:
        raise MotoInternalsChanged(
            f"moto {moto.__version__} is not what remitflow_local.moto_condition was written against (moto 5.2.5): "
            f"{'; '.join(problems)}. Review infra/remitflow_local/moto_condition.py against this moto."
        )
