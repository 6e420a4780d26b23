"""The layering of the case app: the clocks sit below the actions and call them only through handlers.

If clocks.py (or anything it imports) imported plaint.cases.actions again, even inside a function,
the import circle that the split of actions.py broke would be back.
"""

import ast
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from plaint.cases import actions, clocks
from plaint.cases.inputs import ReportIn
from plaint.cases.models import Case
from plaint.evidence.actions import Upload
from plaint.rulebook import loader
from plaint.rulebook.schema import STAGES
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]


def _module_file(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for path in (base / "__init__.py", base.with_suffix(".py")):
        if path.is_file():
            return path
    return None


def _imports(name: str) -> set[str]:
    """Return the plaint modules `name` imports anywhere in its file (functions included), resolved."""
    path = _module_file(name)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            base = ".".join(parts[: len(parts) - node.level + 1]) if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            found.add(module)
            # `from . import actions` names a module; `from .models import Case` names a class.
            found.update(f"{module}.{alias.name}" for alias in node.names if _module_file(f"{module}.{alias.name}"))
    return {m for m in found if m.startswith("plaint.") and _module_file(m)}


def _closure(name: str) -> set[str]:
    seen, todo = set(), [name]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(_imports(module))
    return seen


def test_clocks_never_import_the_actions_not_even_inside_a_function():
    reached = _closure("plaint.cases.clocks")
    assert "plaint.cases.models" in reached  # the walk does follow imports
    assert sorted(m for m in reached if m == "plaint.cases.actions" or m.startswith("plaint.cases.actions.")) == []


def test_importing_the_clocks_loads_no_actions_module():
    # In a fresh interpreter, with the cases app's start-up import of the actions left out.
    code = (
        "import sys, django\n"
        "from plaint.cases.apps import CasesConfig\n"
        "CasesConfig.ready = lambda self: None\n"
        "django.setup()\n"
        "import plaint.cases.clocks\n"
        "print(sorted(m for m in sys.modules if m.startswith('plaint.cases.actions')))\n"
    )
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "plaint.settings"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_nothing_below_the_api_and_the_pages_imports_them():
    offenders = []
    for path in sorted((ROOT / "plaint").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        if module.startswith(("plaint.api", "plaint.web")) or module in ("plaint.urls", "plaint.settings"):
            continue
        if "migrations" in path.parts:
            continue
        offenders += [(module, m) for m in _imports(module) if m.startswith(("plaint.api", "plaint.web"))]
    assert offenders == []


def test_every_breach_action_and_deadline_has_a_registered_handler():
    # The cases app imported the actions at start-up (django.setup), which registered them.
    assert clocks.missing_handlers() == []
    assert sorted(clocks.BREACH_ORDER) == sorted(clocks.BREACH_ACTIONS)
    named = {
        action for rulebook in loader.versions() for name in STAGES for action in rulebook.sla.stage(name).on_breach
    }
    assert named  # the rulebook does name breach actions
    assert named <= set(clocks.BREACH_ACTIONS)


def test_a_breach_action_cannot_get_a_second_handler():
    def other(case, row, spec, now):
        return True

    with pytest.raises(ValueError, match="already has a handler"):
        clocks.on_breach("merchant_silence", other)
    with pytest.raises(ValueError, match="not one of"):
        clocks.on_deadline("lunch", lambda case, now: True)


def test_a_breach_without_its_handler_is_not_marked_and_fires_on_a_later_tick(db, monkeypatch):
    shop = f.merchant("M-A")
    when = datetime(2026, 9, 30, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    f.order(shop, "C1", external_id="O-1", delivered_at=when - timedelta(days=1))
    data = ReportIn(target_type="order", target_id="O-1", category="product_quality", description="质量问题")
    upload = Upload("p.jpg", f.jpeg(), "photo_of_product")
    case = actions.file_report(f.consumer_user("C1"), data, [upload], now=when).case
    due = case.response_due_at
    with monkeypatch.context() as patch:
        patch.delitem(clocks._breach_handlers, "merchant_silence")
        assert clocks.tick(due).breached == {}
    row = case.clocks.get(stage="merchant_response")
    assert (row.breached_at, Case.objects.get(pk=case.pk).state) == (None, "awaiting_merchant")
    later = due + timedelta(minutes=5)
    assert clocks.tick(later).silence_handled == 1
    assert Case.objects.get(pk=case.pk).state == "awaiting_review"
