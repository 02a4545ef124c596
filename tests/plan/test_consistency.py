"""Unit tests of the plan consistency check on small trees of plain objects."""
from enum import Enum
from types import SimpleNamespace as Node

from sip.plan.consistency import check
from sip.plan.reader import Issue


class Status(Enum):
    """An ORM-style status enum."""

    COMPLETED = "completed"
    PLANNED = "planned"


def activity(code, bodies=("glc",), status="planned"):
    """Build an activity node."""
    return Node(code=code, responsibilities=list(bodies), status=status)


def tree(*activities, output="1.1.1", outcome="1.1", pillar=1):
    """Build a one-branch tree holding the given activities."""
    output_node = Node(code=output, activities=list(activities))
    return [Node(number=pillar, outcomes=[Node(code=outcome, outputs=[output_node])])]


def codes(issues: list[Issue]) -> list[str | None]:
    """Return the codes of a list of issues."""
    return [issue.code for issue in issues]


def test_consistent_tree_has_no_issues():
    assert check(tree(activity("1.1.1.1"), activity("1.1.1.2"))) == ([], [])


def test_empty_tree_has_no_issues():
    assert check([]) == ([], [])


def test_activity_outside_its_output_is_a_warning():
    warnings, errors = check(tree(activity("2.3.2.1"), output="2.2.2", outcome="2.2", pillar=2))
    assert codes(warnings) == ["2.3.2.1"] and errors == []
    assert warnings[0].message == "activity 2.3.2.1 does not start with the code of its output 2.2.2"


def test_output_outside_its_outcome_is_a_warning():
    warnings, errors = check(tree(activity("2.3.3.1"), output="2.3.3", outcome="2.2", pillar=2))
    assert codes(warnings) == ["2.3.3"] and errors == []


def test_outcome_outside_its_pillar_is_a_warning():
    warnings, _ = check(tree(activity("3.1.1.1"), output="3.1.1", outcome="3.1", pillar=2))
    assert codes(warnings) == ["3.1"]


def test_prefix_must_end_at_a_dot():
    warnings, _ = check(tree(activity("1.1.11.1"), output="1.1.1"))
    assert codes(warnings) == ["1.1.11.1"]


def test_duplicate_codes_are_errors_at_any_level():
    pillars = tree(activity("1.1.1.1"), activity("1.1.1.1"))
    pillars[0].outcomes.append(Node(code="1.1", outputs=[]))
    pillars.append(Node(number=1, outcomes=[]))
    _, errors = check(pillars)
    assert sorted(codes(errors)) == ["1", "1.1", "1.1.1.1"]
    assert all("duplicate" in error.message for error in errors)


def test_empty_codes_are_errors():
    _, errors = check(tree(activity(""), output="  ", pillar=None))
    assert [error.message for error in errors] == [
        "pillar without a code", "output without a code", "activity without a code",
    ]


def test_activity_without_bodies_is_an_error_unless_completed_or_discontinued():
    _, errors = check(tree(
        activity("1.1.1.1", bodies=()),
        activity("1.1.1.2", bodies=(), status="completed"),
        activity("1.1.1.3", bodies=(), status="discontinued"),
        activity("1.1.1.4", bodies=(), status=Status.COMPLETED),
        activity("1.1.1.5", bodies=(), status=Status.PLANNED),
    ))
    assert codes(errors) == ["1.1.1.1", "1.1.1.5"]


def test_activity_without_responsibility_or_status_attributes_is_not_checked_for_bodies():
    assert check(tree(Node(code="1.1.1.1"))) == ([], [])


def test_issue_line_comes_from_the_node_or_defaults_to_zero():
    with_line = Node(code="1.1.1.1", responsibilities=[], status="planned", line=42)
    _, errors = check(tree(with_line, activity("1.1.1.2", bodies=())))
    assert [error.line for error in errors] == [42, 0]


def test_none_children_are_treated_as_empty():
    assert check([Node(number=1, outcomes=None)]) == ([], [])
