"""The code passes ruff with the project's short config (pyproject.toml): one check, in CI too; and
no function of the app is longer than a screen."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


LONGEST_FUNCTION = 60  # lines, its signature and docstring included: what one screen shows


def test_no_function_is_longer_than_a_screen():
    sources = [*ROOT.joinpath("nnlab").rglob("*.py"), *ROOT.joinpath("pages").glob("*.py"), ROOT / "app.py"]
    long = [f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for path in sources for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > LONGEST_FUNCTION]
    assert not long
