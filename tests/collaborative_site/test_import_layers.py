"""
Imports point down the layers the README names: home < events < reports <
search < collaborative_site. An app may import its own layer and those below
it, never one above, so that the core can be read (and reused) without the
sections built on it. Every import counts, those inside functions included.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["home", "events", "reports", "search", "collaborative_site"]
CHECKED = LAYERS[:-1]


def imported_modules(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def imports_pointing_up(app):
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for module in imported_modules(tree):
            top = module.split(".")[0]
            if top in LAYERS and LAYERS.index(top) > LAYERS.index(app):
                found.append(f"{path.relative_to(ROOT)} imports {module}")
    return found


@pytest.mark.parametrize("app", CHECKED)
def test_no_app_imports_a_layer_above_it(app):
    assert imports_pointing_up(app) == []


def test_the_check_sees_an_import_inside_a_function():
    tree = ast.parse("def feed():\n    from reports.models import ReportPage\n")
    assert list(imported_modules(tree)) == ["reports.models"]
