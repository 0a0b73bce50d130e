"""Imports point inward, read from the real import graph (grimp, the library behind import-linter) plus
every module path named as a string to ``importlib``: lab imports no other package except the three
assemblers (``lab.runtime``, ``lab.app``, ``lab.cli``); matchmaking imports only lab; pipeline imports
lab and matchmaking; showcase imports the three. No module outside ``lab`` imports an assembler.

``import-linter drawgraph lab matchmaking pipeline showcase --show-import-totals`` prints the
package-level graph; ``lint-imports`` checks the same rules from pyproject.toml."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("lab", "matchmaking", "pipeline", "showcase")
ALLOWED = {
    "lab": {"lab"},
    "matchmaking": {"lab", "matchmaking"},
    "pipeline": {"lab", "pipeline", "matchmaking"},
    "showcase": {"lab", "pipeline", "matchmaking", "showcase"},
}
ASSEMBLERS = {"lab.runtime", "lab.app", "lab.cli"}
IMPORT_CALLS = {"import_module", "find_spec", "__import__"}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def _top(module: str) -> str:
    return module.split(".")[0]


def _is_generated_migration(module: str) -> bool:
    # generated migrations describe every package's tables (one Tortoise app), so they name their enums
    return module.startswith("lab.migrations.")


def string_imports(path: Path) -> list[tuple[int, str | None]]:
    """Module paths handed to importlib/__import__ in this file (None: a path built at run time)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found: list[tuple[int, str | None]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        if name not in IMPORT_CALLS:
            continue
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            found.append((node.lineno, arg.value))
        else:  # a module-level string constant is followed too; anything else cannot be
            found.append((node.lineno, constants.get(arg.id) if isinstance(arg, ast.Name) else None))
    return found


def edges(graph: grimp.ImportGraph):
    """(importer, imported, where) for every import between project modules, static or by string."""
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            yield importer, imported, "import"
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            module = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
            for line, target in string_imports(path):
                yield module, target, f"importlib string at line {line}"


def test_imports_point_inward(graph):
    wrong = []
    for importer, imported, how in edges(graph):
        if imported is None:
            wrong.append(f"{importer}: a module path built at run time ({how}) cannot be checked")
            continue
        source, target = _top(importer), _top(imported)
        if source not in ALLOWED or target not in ALLOWED:
            continue  # third-party or standard library
        if importer in ASSEMBLERS or _is_generated_migration(importer):
            continue
        if target not in ALLOWED[source]:
            wrong.append(f"{importer} -> {imported} ({how})")
    assert not wrong, "imports that point outward:\n" + "\n".join(wrong)


def test_nothing_outside_lab_imports_an_assembler(graph):
    wrong = [
        f"{importer} -> {imported} ({how})"
        for importer, imported, how in edges(graph)
        if imported in ASSEMBLERS and _top(importer) != "lab"
    ]
    wrong += [
        f"{importer} -> {imported} ({how})"
        for importer, imported, how in edges(graph)
        if imported in ASSEMBLERS and _top(importer) == "lab" and importer not in ASSEMBLERS
    ]
    assert not wrong, "only the assemblers may import an assembler:\n" + "\n".join(wrong)


def test_the_rule_catches_an_importlib_string(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import importlib\nAPP = 'lab.cli'\nimportlib.import_module('lab.app')\n"
        "importlib.util.find_spec(APP)\nimportlib.import_module(name)\n",
        encoding="utf-8",
    )
    assert string_imports(sample) == [(3, "lab.app"), (4, "lab.cli"), (5, None)]


def test_no_grab_bag_modules():
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            assert path.stem not in {"utils", "helpers", "misc", "common"}, path


def test_importing_packages_builds_nothing():
    """Importing the assemblers must not load a model, open a database or read settings."""
    code = (
        "import sys, lab.app, lab.cli, lab.runtime; "
        "bad = [m for m in ('torch', 'sentence_transformers') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "", f"heavy modules imported at import time: {out.stdout}"
