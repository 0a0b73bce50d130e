"""The one assembly: which packages make up the service, and the pieces built from settings once
and handed to the app (``lab.app``), the CLI (``lab.cli``) and the worker.

Only the assemblers (this module, ``lab.app``, ``lab.cli``) import the outer packages, and they do it
with plain imports so that readers and the import-rule test see every edge. No other package imports
an assembler.
"""

from __future__ import annotations

from lab import permissions

# Model modules of every package, in dependency order (one Tortoise app, one migrations folder).
MODEL_MODULES = ("lab.models", "matchmaking.models", "pipeline.models")


def model_modules() -> list[str]:
    return list(MODEL_MODULES)


def register_policies() -> None:
    """Put every package's permission rules into the one registry (idempotent)."""
    from pipeline.permissions import RULES as pipeline_rules

    permissions.register(pipeline_rules)
