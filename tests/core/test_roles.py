from pathlib import Path

from trialdesk.core.roles import PERMISSIONS, Action, Role, may, render_role_table

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_docs_show_the_role_table_the_services_enforce() -> None:
    assert render_role_table() in (DOCS / "roles.md").read_text(encoding="utf-8")


def test_every_action_has_at_least_one_role() -> None:
    assert set(PERMISSIONS) == set(Action)
    assert all(PERMISSIONS[action] for action in Action)


def test_only_the_epidemiologist_sees_the_randomization_list() -> None:
    assert [r for r in Role if may(frozenset({r}), Action.VIEW_LIST)] == [Role.EPIDEMIOLOGIST]


def test_ethics_committee_is_read_only_on_data() -> None:
    writes = {
        Action.SCREEN,
        Action.RANDOMIZE,
        Action.ENTER_FORM_DATA,
        Action.GIVE_TREATMENT,
        Action.RECORD_CONSENT,
    }
    assert not any(may(frozenset({Role.ETHICS_COMMITTEE}), a) for a in writes)
