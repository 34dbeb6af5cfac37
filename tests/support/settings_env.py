"""The environment variables `remitflow.settings.Settings` reads, derived from the model itself."""

from __future__ import annotations

from dataclasses import dataclass

from remitflow.settings import Settings


@dataclass(frozen=True)
class SettingVariable:
    field: str  # the model's field
    variable: str  # the environment variable it is read from, as the template spells it
    required: bool


def settings_variables() -> dict[str, SettingVariable]:
    """Every setting by its environment variable.

    pydantic-settings reads a field from its (validation) alias, else from env_prefix + the field
    name, case-insensitively unless case_sensitive is set; the template spells the names in capitals.
    """
    config = Settings.model_config
    prefix = config.get("env_prefix", "")
    case_sensitive = config.get("case_sensitive", False)
    variables: dict[str, SettingVariable] = {}
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias or field.alias
        if alias is not None and not isinstance(alias, str):
            raise NotImplementedError(f"setting {name}: alias {alias!r} is not a plain name; teach this helper")
        variable = alias or f"{prefix}{name}"
        if not case_sensitive:
            variable = variable.upper()
        variables[variable] = SettingVariable(field=name, variable=variable, required=field.is_required())
    return variables
