"""Client-side parameter validation off for the AWS clients this process makes: `make bench` and
`remitflow local up` only.

botocore checks every request against the service model before it sends it (types, required
members, lengths, each nested AttributeValue): on the embedded AWS, where the "network" is a
function call, that check is an eighth of the CPU a posted claim costs. botocore lets a client
or a profile turn it off (``Config(parameter_validation=False)``, ``parameter_validation = false``
in a profile); ``disable()`` does the same for every client created in this process from then
on, without touching the product's code or its client configuration.

Only the bench (``bench/posting.py``) and the long-running local stack (``remitflow local up``)
call it, through ``deploy_local_stack(..., client_validation=False)``. The test suite keeps
botocore's validation on, so a malformed request still fails a test as it would fail on AWS;
with validation off, moto answers a malformed request with its own error (or accepts what AWS
would refuse), which is why nothing else turns it off. Clients made before ``disable()`` keep
their validation. The Lambda functions on AWS never import this module.

This module is dev-only: it is never shipped in the Lambda layer.
"""

from __future__ import annotations

import functools
import inspect
import threading
from typing import Any

import botocore
from botocore.args import ClientArgsCreator

from remitflow_local.moto_dynamodb import MotoInternalsChanged

__all__ = ["disable", "disabled", "enable"]

_LOCK = threading.Lock()
_MARK = "__remitflow_local_patch__"


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
        ClientArgsCreator.compute_client_args = compute_client_args  # type: ignore[method-assign]


def enable() -> None:
    """Back to botocore's default for clients made from now on (for tests of ``disable``)."""
    with _LOCK:
        if not disabled():
            return
        ClientArgsCreator.compute_client_args = ClientArgsCreator.compute_client_args.__wrapped__  # type: ignore[attr-defined, method-assign]


def _check_internals() -> None:
    """``get_client_args`` must build the serializer from ``compute_client_args``'s answer."""
    try:
        source = inspect.getsource(ClientArgsCreator.get_client_args)
    except (OSError, TypeError):
        source = ""
    if "compute_client_args(" not in source or "final_args['parameter_validation']" not in source:
        raise MotoInternalsChanged(
            f"botocore {botocore.__version__}: ClientArgsCreator.get_client_args no longer takes "
            "parameter_validation from compute_client_args; review infra/remitflow_local/client_validation.py."
        )
