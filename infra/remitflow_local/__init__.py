"""The embedded local AWS built from template.yaml (dev-only; never shipped in the Lambda layer)."""

from remitflow_local.stack import (
    DEFAULT_LOCAL_PARAMETERS,
    LocalFunction,
    LocalStack,
    LocalStackError,
    S3Trigger,
    SqsTrigger,
    deploy_local_stack,
    load_template,
    translate_template,
)

__all__ = [
    "DEFAULT_LOCAL_PARAMETERS",
    "LocalFunction",
    "LocalStack",
    "LocalStackError",
    "S3Trigger",
    "SqsTrigger",
    "deploy_local_stack",
    "load_template",
    "translate_template",
]
