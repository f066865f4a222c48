"""The layer contracts are part of the test run.

Two checks: import-linter runs the contracts in pyproject.toml (layers,
Qt-free models, xtquant-free views), and an AST scan covers what import-linter
cannot see: PySide6's modules are compiled extensions, so "services import
no widgets" and "viewmodels import no widgets" are checked on the source.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"

# layer -> module prefixes it must not import
FORBIDDEN = {
    "models": ("PySide6", "qasync", "pyqtgraph", "xtquant.xttrader", "xtquant.xtdata",
               "xtquant.xtpythonclient"),
    "services": ("PySide6", "shiboken6", "qasync", "pyqtgraph"),
    "viewmodels": ("PySide6.QtWidgets", "pyqtgraph", "xtquant"),
    "views": ("xtquant",),
}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return found


def violations(layer: str) -> list[str]:
    bad = []
    for path in sorted((APP / layer).rglob("*.py")):
        for lineno, module in imported_modules(path):
            for prefix in FORBIDDEN[layer]:
                if module == prefix or module.startswith(prefix + "."):
                    bad.append(f"{path.relative_to(ROOT)}:{lineno} imports {module}")
    return bad


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_nothing_forbidden(layer):
    assert violations(layer) == []


def test_scan_catches_a_widget_import(tmp_path, monkeypatch):
    fake_app = tmp_path / "app"
    (fake_app / "services").mkdir(parents=True)
    (fake_app / "services" / "bad.py").write_text("from PySide6.QtWidgets import QLabel\n")
    monkeypatch.setattr(sys.modules[__name__], "APP", fake_app)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert violations("services") == ["app/services/bad.py:1 imports PySide6.QtWidgets",
                                      "app/services/bad.py:1 imports PySide6.QtWidgets.QLabel"]


def test_import_linter_contracts_hold():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 5 kept, 0 broken." in result.stdout, result.stdout
