"""The dashboards say where a report stands in the one vocabulary of sip.reporting.delivery."""
import ast

from sip.config import ROOT
from sip.dashboards import colours
from sip.reporting.delivery import DELIVERY_LABELS, DELIVERY_STATES


def test_the_delivery_colours_are_keyed_by_the_delivery_states_in_their_order():
    assert colours.COMPLIANCE_STATES == DELIVERY_STATES
    assert tuple(colours.COMPLIANCE_COLOURS) == DELIVERY_STATES
    assert set(DELIVERY_LABELS) == set(DELIVERY_STATES)


def test_the_dashboards_keep_no_copy_of_the_delivery_words_or_rules():
    for path in (ROOT / "sip" / "dashboards").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        assert "_state" not in functions, path.name
        literals = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)}
        assert "Delivered late" not in literals and "Not due yet" not in literals, path.name
