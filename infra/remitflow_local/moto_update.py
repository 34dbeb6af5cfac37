"""What the local stack changes in moto's update expressions so that an update costs per clause.

moto 5 handles an ``UpdateExpression`` (``UpdateItem``, a transaction's ``Update``) in three steps,
and with the claims import's expression (one ``SET`` of fourteen clauses, the same string for
every claim) they cost about 15 ms of CPU a claim, almost none of it spent on the item:

1. It tokenizes and parses the expression on every request, twice (the request handler parses it
   to check the names and values used, the backend again to run it).
2. ``Validator.__init__`` ``deepcopy``-s the parsed tree before validating it.
3. The first three of ``UpdateExpressionValidator``'s processors (at most one clause of each kind,
   no overlapping paths, no key attribute updated) run at every node of the tree, and each of
   them collects every action below that node: super-linear in the clauses, and on a tree whose
   only inputs are the expression, the attribute names and the table's key attributes.

``install()`` (called by ``deploy_local_stack``; idempotent) keeps moto's code for all three and
does each once:

- ``UpdateExpressionParser.make`` remembers the tree it parsed for each expression string (the
  last ``PARSED_EXPRESSIONS`` strings). moto never changes the parsed tree: the validator works on
  a copy. An expression moto cannot parse is parsed again each time, so it fails as moto does.
- The validator copies the tree node by node (every node holds only ``type``, ``children`` and
  ``parent``), which is what ``deepcopy`` makes of it; a tree of any other shape is deep-copied.
- The three item-independent processors run, as moto's code, the first time a tree meets given
  attribute names and key attributes; once they have passed, they are not run again for that
  combination. One that fails is not remembered, so it fails again, with moto's error, each time.
  The other seven processors (values, paths on the item, functions, ``+``/``-``, types, empty
  keys) run on every request, through moto's traversal made cheaper per node: each processor
  builds its map of node classes once, class tests are answered once per class, and a child that
  is not a node (a name, an index) is not visited (moto's traversal returns it untouched).

tests/integration/test_local_update.py checks answers and errors against moto's own code. If the
internals relied on are missing, ``install`` raises ``MotoInternalsChanged`` and changes nothing.

This module is dev-only: it is never shipped in the Lambda layer.
"""

from __future__ import annotations

import copy
import functools
import inspect
import threading
import weakref
from collections.abc import Hashable
from typing import Any

import moto
from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser, Node  # type: ignore[attr-defined]
from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]
from moto.dynamodb.parsing.validators import (
    ActionCountValidator,
    OverlappingPathsValidator,
    UpdateExpressionValidator,
    UpdateHashRangeKeyValidator,
    Validator,
)

from remitflow_local.moto_dynamodb import MotoInternalsChanged
from remitflow_local.recent import Recent

__all__ = ["PARSED_EXPRESSIONS", "install", "installed"]

# Distinct update expressions whose trees are kept; the stack writes a few dozen.
PARSED_EXPRESSIONS = 512

# moto's processors that read only the tree, the attribute names and the table's key attributes.
STRUCTURAL = (ActionCountValidator, OverlappingPathsValidator, UpdateHashRangeKeyValidator)

_INSTALL_LOCK = threading.Lock()
_MARK = "__remitflow_local_patch__"
_NODE_ATTRIBUTES = {"type", "children", "parent"}
_LEAVES = frozenset((str, int, bool, type(None)))  # an index is an int; a NoneExistingPath flag, a bool
_NODE_TYPES: set[type] = set()
_NOT_PLAIN = object()


# ---------------------------------------------------------------------------- parsing once


PARSED: Recent[str, Node] = Recent(PARSED_EXPRESSIONS)  # parsed trees by expression string


def _remembering_make(original: Any) -> Any:
    """``UpdateExpressionParser.make`` (a classmethod) that parses each string once."""
    make = original.__func__

    @functools.wraps(make)
    def cached_make(cls: type[UpdateExpressionParser], expression_str: Any) -> Any:
        if cls is not UpdateExpressionParser or not isinstance(expression_str, str):
            return make(cls, expression_str)
        tree = PARSED.get(expression_str)
        if tree is None:
            tree = make(cls, expression_str)  # raises moto's error for an invalid expression
            PARSED.put(expression_str, tree)
        return tree

    return classmethod(cached_make)


# ---------------------------------------------------------------------------- copying the tree


class _NotPlain(Exception):
    """A tree holding more than nodes, strings and numbers: left to ``deepcopy``."""


def _plain_copy(node: Node, parent: Node | None, copied_parent: Node | None, seen: set[int]) -> Node:
    """``deepcopy`` of a tree whose nodes hold only ``type``, ``children`` and their ``parent``."""
    attributes = node.__dict__
    if len(attributes) != len(_NODE_ATTRIBUTES) or attributes.get("parent", _NOT_PLAIN) is not parent:
        raise _NotPlain  # a node with state of its own, or a parent elsewhere: deepcopy keeps that
    if id(node) in seen:
        raise _NotPlain  # a node in two places: deepcopy keeps it one node
    seen.add(id(node))
    copied: Node = object.__new__(type(node))
    children = attributes["children"]
    new_children: list[Any] | None = None
    if children is not None:
        if type(children) is not list:
            raise _NotPlain
        new_children = []
        for child in children:
            kind = type(child)
            if kind in _LEAVES:
                new_children.append(child)
            elif kind in _NODE_TYPES or _is_node_type(kind):
                new_children.append(_plain_copy(child, node, copied, seen))
            else:
                raise _NotPlain
    copied.__dict__ = {"type": attributes["type"], "children": new_children, "parent": copied_parent}
    return copied


def _is_node_type(kind: type) -> bool:
    if issubclass(kind, Node):
        _NODE_TYPES.add(kind)
        return True
    return False


def copy_tree(tree: Node) -> Node:
    """What ``copy.deepcopy(tree)`` makes of a parsed update expression, without its memo."""
    try:
        return _plain_copy(tree, None, None, set())
    except (_NotPlain, KeyError, RecursionError):
        return copy.deepcopy(tree)


# moto's traversal asks each processor for its map of node types twice per node; the maps are
# constant (a literal of the processor's bound methods), so each processor builds its map once.


def _nodes_to_be_processed(self: DepthFirstTraverser) -> tuple[type, ...]:
    types: tuple[type, ...] | None = self.__dict__.get("_remitflow_types")
    if types is None:
        types = self.__dict__["_remitflow_types"] = tuple(_processing_map(self))
    return types


def _processing_map(self: DepthFirstTraverser) -> dict[type, Any]:
    mapping: dict[type, Any] | None = self.__dict__.get("_remitflow_map")
    if mapping is None:
        mapping = self.__dict__["_remitflow_map"] = self._processing_map()
    return mapping


def _processed(self: DepthFirstTraverser, kind: type) -> bool:
    """``isinstance(node, self.nodes_to_be_processed())``, by the node's class (no virtual subclasses)."""
    by_kind: dict[type, bool] | None = self.__dict__.get("_remitflow_kinds")
    if by_kind is None:
        by_kind = self.__dict__["_remitflow_kinds"] = {}
    processed = by_kind.get(kind)
    if processed is None:
        processed = by_kind[kind] = issubclass(kind, self.nodes_to_be_processed())
    return processed


def _traverse_node_recursively(self: DepthFirstTraverser, node: Any, child_id: int = -1) -> Any:
    """moto's ``DepthFirstTraverser.traverse_node_recursively``, step for step, with its type tests
    answered once per class and no call for a child that is not a node (moto's returns it as is)."""
    kind = type(node)
    if kind in _LEAVES or not (kind in _NODE_TYPES or _is_node_type(kind)):
        return node
    parent_node = node.parent
    children = node.children
    if children is not None:
        hook = type(self).pre_processing_of_child
        pre = None if hook is DepthFirstTraverser.pre_processing_of_child else self.pre_processing_of_child
        for i, child_node in enumerate(children):
            if pre is not None:
                pre(node, i)
            child_kind = type(child_node)
            if child_kind not in _LEAVES and (child_kind in _NODE_TYPES or _is_node_type(child_kind)):
                self.traverse_node_recursively(child_node, i)
    if _processed(self, kind):
        node = self.process(node)
        node.parent = parent_node
        if parent_node:
            parent_node.children[child_id] = node
    return node


def _process(self: DepthFirstTraverser, node: Node) -> Any:
    for class_key, processor in _processing_map(self).items():
        if isinstance(node, class_key):
            return processor(node)
    return None


# ---------------------------------------------------------------------------- validating once


# tree -> the (names, key attributes) it passed the structural processors with
_PASSED: weakref.WeakKeyDictionary[Node, set[Hashable]] = weakref.WeakKeyDictionary()
_PASSED_LOCK = threading.Lock()


def _validator_init(
    self: UpdateExpressionValidator,
    expression: Node,
    expression_attribute_names: dict[str, str],
    expression_attribute_values: dict[str, dict[str, Any]],
    item: Any,
    table: Any,
) -> None:
    """moto's ``Validator.__init__`` with the node-by-node copy."""
    self.expression_attribute_names = expression_attribute_names
    self.expression_attribute_values = expression_attribute_values
    self.item = item
    self.table = table
    self.processors = self.get_ast_processors()
    self.node_to_validate = copy_tree(expression)
    self._remitflow_source = expression  # type: ignore[attr-defined]


def _structure_key(validator: UpdateExpressionValidator) -> Hashable | None:
    """What the structural processors read besides the tree; None if it cannot be a key."""
    names = validator.expression_attribute_names
    try:
        key: Hashable = (
            None if names is None else tuple(sorted(names.items())),
            tuple(validator.table.table_key_attrs),
        )
        hash(key)
    except (TypeError, AttributeError):
        return None
    return key


def _validate(self: UpdateExpressionValidator) -> Node:
    """moto's ``Validator.validate``, skipping the structural processors where they passed before."""
    source: Node | None = getattr(self, "_remitflow_source", None)
    key = _structure_key(self) if source is not None else None
    with _PASSED_LOCK:
        passed = key is not None and source is not None and key in _PASSED.get(source, ())
    n = self.node_to_validate
    structural_left = sum(isinstance(p, STRUCTURAL) for p in self.processors)
    for processor in self.processors:
        if isinstance(processor, STRUCTURAL):
            if passed:
                continue
            n = processor.traverse(n)
            structural_left -= 1
            if structural_left == 0 and key is not None and source is not None:
                with _PASSED_LOCK:
                    _PASSED.setdefault(source, set()).add(key)
        else:
            n = processor.traverse(n)
    return n


# ---------------------------------------------------------------------------- install


def installed() -> bool:
    return bool(getattr(UpdateExpressionParser.make, _MARK, False))


def install() -> None:
    """Install the changes into this process's moto; idempotent and thread-safe."""
    with _INSTALL_LOCK:
        if installed():
            return
        _check_internals()
        original_make = inspect.getattr_static(UpdateExpressionParser, "make")
        make = _remembering_make(original_make)
        init = functools.wraps(Validator.__init__)(_validator_init)
        validate = functools.wraps(Validator.validate)(_validate)
        nodes = functools.wraps(DepthFirstTraverser.nodes_to_be_processed)(_nodes_to_be_processed)
        process = functools.wraps(DepthFirstTraverser.process)(_process)
        traverse = functools.wraps(DepthFirstTraverser.traverse_node_recursively)(_traverse_node_recursively)
        for patched, original in (
            (make.__func__, original_make.__func__),
            (init, Validator.__init__),
            (validate, Validator.validate),
            (nodes, DepthFirstTraverser.nodes_to_be_processed),
            (process, DepthFirstTraverser.process),
            (traverse, DepthFirstTraverser.traverse_node_recursively),
        ):
            setattr(patched, _MARK, True)
            setattr(patched, "__wrapped__", original)  # noqa: B010 (a union of callables)
        UpdateExpressionParser.make = make
        DepthFirstTraverser.nodes_to_be_processed = nodes
        DepthFirstTraverser.process = process
        DepthFirstTraverser.traverse_node_recursively = traverse
        # On the update validator only: condition and projection code keeps moto's own.
        UpdateExpressionValidator.__init__ = init  # type: ignore[method-assign, assignment]
        UpdateExpressionValidator.validate = validate  # type: ignore[method-assign, assignment]


def _original(function: Any) -> Any:
    """moto's function, also once this module has replaced it."""
    return function.__wrapped__ if getattr(function, _MARK, False) else function


def _check_internals() -> None:
    problems: list[str] = []
    make = inspect.getattr_static(UpdateExpressionParser, "make", None)
    make = getattr(make, "__func__", None)
    if make is None or list(inspect.signature(_original(make)).parameters) != ["cls", "expression_str"]:
        problems.append("UpdateExpressionParser.make(expression_str) is not a classmethod")
    if list(inspect.signature(Validator.__init__).parameters) != [
        "self",
        "expression",
        "expression_attribute_names",
        "expression_attribute_values",
        "item",
        "table",
    ]:
        problems.append("Validator.__init__(expression, names, values, item, table) is missing")
    own = vars(UpdateExpressionValidator)
    if any(name in own and not getattr(own[name], _MARK, False) for name in ("__init__", "validate")):
        problems.append("UpdateExpressionValidator no longer inherits Validator's __init__ and validate")
    wanted = {
        (Validator, "__init__"): "deepcopy(expression)",
        (Validator, "validate"): "processor.traverse(n)",
        (DepthFirstTraverser, "nodes_to_be_processed"): "self._processing_map().keys()",
        (DepthFirstTraverser, "process"): "processor(node)",
        (DepthFirstTraverser, "traverse_node_recursively"): "parent_node.children[child_id] = node",
    }
    for (owner, name), text in wanted.items():
        try:
            source = inspect.getsource(_original(getattr(owner, name)))
        except (AttributeError, OSError, TypeError):
            source = ""
        if text not in source:
            problems.append(f"{owner.__name__}.{name} no longer does what moto 5.2.5 does ({text})")
    if problems:
        raise MotoInternalsChanged(
            f"moto {moto.__version__} is not what remitflow_local.moto_update was written against (moto 5.2.5): "
            f"{'; '.join(problems)}. Review infra/remitflow_local/moto_update.py against this moto."
        )
