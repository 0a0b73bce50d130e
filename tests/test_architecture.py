"""Imports point inward: lab imports no other package (except the app factory and the CLI, which
assemble them); pipeline and matchmaking import only lab (pipeline may ask matchmaking)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ALLOWED = {
    "lab": {"lab"},
    "matchmaking": {"lab", "matchmaking"},
    "pipeline": {"lab", "pipeline", "matchmaking"},
    "showcase": {"lab", "pipeline", "matchmaking", "showcase"},
}
ASSEMBLERS = {"lab/app.py", "lab/cli.py", "lab/runtime.py"}
# generated migrations describe every package's tables (one Tortoise app), so they name their enums
ASSEMBLER_DIRS = ("lab/migrations/",)


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(ALLOWED)


def sources():
    for package in ALLOWED:
        for path in sorted((REPO / package).rglob("*.py")):
            yield package, path


@pytest.mark.parametrize("package,path", list(sources()), ids=lambda v: str(v.relative_to(REPO)) if isinstance(v, Path) else v)
def test_imports_point_inward(package, path):
    rel = str(path.relative_to(REPO))
    if rel in ASSEMBLERS or rel.startswith(ASSEMBLER_DIRS):
        return
    forbidden = imported_packages(path) - ALLOWED[package]
    assert not forbidden, f"{rel} imports {forbidden}"


def test_no_grab_bag_modules():
    for _, path in sources():
        assert path.stem not in {"utils", "helpers", "misc", "common"}, path


def test_importing_packages_builds_nothing():
    """Importing the app factory must not load a model, open a database or read settings."""
    import subprocess
    import sys

    code = ("import sys, lab.app, lab.cli; "
            "bad = [m for m in ('torch', 'sentence_transformers') if m in sys.modules]; "
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "", f"heavy modules imported at import time: {out.stdout}"
