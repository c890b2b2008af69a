"""Roles and the actions each may take: the one role x action table, enforced by services.

A role is held per site (or study-wide when no site is named). The table below is rendered into
docs/roles.md and a test checks that the two agree.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    RHEUMATOLOGIST = "rheumatologist"  # screens, examines, fills checklists
    INVESTIGATOR = "investigator"  # gives the treatment, signs the casebook
    EPIDEMIOLOGIST = "epidemiologist"  # owns the randomization list
    MONITOR = "monitor"  # verifies source data, raises queries
    STATISTICIAN = "statistician"  # analyses, read-only on data
    ETHICS_COMMITTEE = "ethics_committee"  # read-only reports, safety decisions
    DATA_MANAGER = "data_manager"  # queries, locks
    ADMINISTRATOR = "administrator"  # sites, people, roles


class Action(StrEnum):
    VIEW_STUDY = "view_study"
    MANAGE_SITES = "manage_sites"
    MANAGE_PEOPLE = "manage_people"
    LOAD_PROTOCOL = "load_protocol"
    VIEW_PARTICIPANTS = "view_participants"
    VIEW_IDENTITY = "view_identity"
    REGISTER_PARTICIPANT = "register_participant"
    SCREEN = "screen"
    RECORD_CONSENT = "record_consent"
    RANDOMIZE = "randomize"
    GENERATE_LIST = "generate_list"
    VIEW_LIST = "view_list"
    VIEW_CONCEALMENT_REPORT = "view_concealment_report"
    GIVE_TREATMENT = "give_treatment"
    MANAGE_LOTS = "manage_lots"
    ENTER_FORM_DATA = "enter_form_data"
    REPORT_ADVERSE_EVENT = "report_adverse_event"
    DECIDE_STUDY_PAUSE = "decide_study_pause"
    RAISE_QUERY = "raise_query"
    ANSWER_QUERY = "answer_query"
    VERIFY_SOURCE = "verify_source"
    LOCK_FORM = "lock_form"
    SIGN_CASEBOOK = "sign_casebook"
    LOCK_DATABASE = "lock_database"
    VIEW_REPORTS = "view_reports"
    VIEW_AUDIT = "view_audit"
    IMPORT_LIST = "import_list"
    RECORD_VISIT = "record_visit"
    RECORD_DEVIATION = "record_deviation"
    VIEW_SAFETY = "view_safety"
    SUBMIT_EXPEDITED_REPORT = "submit_expedited_report"
    VIEW_FORM_DATA = "view_form_data"
    IMPORT_LAB_RESULTS = "import_lab_results"
    EXPORT_DATA = "export_data"
    VIEW_RESULTS = "view_results"
    VIEW_SAFETY_REPORT = "view_safety_report"
    RELEASE_RESULTS = "release_results"
    VIEW_RELEASED_RESULTS = "view_released_results"
    VIEW_ARM = "view_arm"
    PROPOSE_AMENDMENT = "propose_amendment"
    APPROVE_AMENDMENT = "approve_amendment"
    ACTIVATE_AMENDMENT = "activate_amendment"
    VIEW_AMENDMENTS = "view_amendments"


R = Role
A = Action

PERMISSIONS: dict[Action, frozenset[Role]] = {
    A.VIEW_STUDY: frozenset(Role),
    A.MANAGE_SITES: frozenset({R.ADMINISTRATOR}),
    A.MANAGE_PEOPLE: frozenset({R.ADMINISTRATOR}),
    A.LOAD_PROTOCOL: frozenset({R.ADMINISTRATOR}),
    A.VIEW_PARTICIPANTS: frozenset(
        {
            R.RHEUMATOLOGIST,
            R.INVESTIGATOR,
            R.EPIDEMIOLOGIST,
            R.MONITOR,
            R.DATA_MANAGER,
            R.ADMINISTRATOR,
            R.STATISTICIAN,
        }
    ),
    # Names and contact details: only those who meet the patient, and the monitor who verifies source documents.
    A.VIEW_IDENTITY: frozenset({R.RHEUMATOLOGIST, R.INVESTIGATOR, R.MONITOR}),
    A.REGISTER_PARTICIPANT: frozenset({R.RHEUMATOLOGIST, R.INVESTIGATOR}),
    A.SCREEN: frozenset({R.RHEUMATOLOGIST}),
    A.RECORD_CONSENT: frozenset({R.RHEUMATOLOGIST, R.INVESTIGATOR}),
    A.RANDOMIZE: frozenset({R.RHEUMATOLOGIST, R.INVESTIGATOR}),
    A.GENERATE_LIST: frozenset({R.EPIDEMIOLOGIST}),
    A.VIEW_LIST: frozenset({R.EPIDEMIOLOGIST}),
    A.VIEW_CONCEALMENT_REPORT: frozenset({R.EPIDEMIOLOGIST, R.MONITOR}),
    A.GIVE_TREATMENT: frozenset({R.INVESTIGATOR}),
    A.MANAGE_LOTS: frozenset({R.INVESTIGATOR}),
    A.ENTER_FORM_DATA: frozenset({R.RHEUMATOLOGIST, R.INVESTIGATOR}),
    A.REPORT_ADVERSE_EVENT: frozenset({R.RHEUMATOLOGIST, R.INVESTIGATOR}),
    A.DECIDE_STUDY_PAUSE: frozenset({R.ETHICS_COMMITTEE}),
    A.RAISE_QUERY: frozenset({R.MONITOR, R.DATA_MANAGER}),
    A.ANSWER_QUERY: frozenset({R.RHEUMATOLOGIST, R.INVESTIGATOR}),
    A.VERIFY_SOURCE: frozenset({R.MONITOR}),
    A.LOCK_FORM: frozenset({R.DATA_MANAGER}),
    A.SIGN_CASEBOOK: frozenset({R.INVESTIGATOR}),
    A.LOCK_DATABASE: frozenset({R.DATA_MANAGER}),
    A.VIEW_REPORTS: frozenset(
        {
            R.ETHICS_COMMITTEE,
            R.STATISTICIAN,
            R.MONITOR,
            R.DATA_MANAGER,
            R.EPIDEMIOLOGIST,
            R.ADMINISTRATOR,
            R.INVESTIGATOR,
            R.RHEUMATOLOGIST,
        }
    ),
    A.VIEW_AUDIT: frozenset({R.MONITOR, R.DATA_MANAGER, R.ADMINISTRATOR}),
    A.IMPORT_LIST: frozenset({R.EPIDEMIOLOGIST}),
    A.RECORD_VISIT: frozenset({R.RHEUMATOLOGIST, R.INVESTIGATOR}),
    # Deviations are noted by the site and by the monitor who finds them.
    A.RECORD_DEVIATION: frozenset({R.RHEUMATOLOGIST, R.INVESTIGATOR, R.MONITOR}),
    A.VIEW_SAFETY: frozenset(
        {
            R.RHEUMATOLOGIST,
            R.INVESTIGATOR,
            R.MONITOR,
            R.ETHICS_COMMITTEE,
            R.DATA_MANAGER,
            R.STATISTICIAN,
        }
    ),
    A.SUBMIT_EXPEDITED_REPORT: frozenset({R.INVESTIGATOR}),
    A.VIEW_FORM_DATA: frozenset(
        {R.RHEUMATOLOGIST, R.INVESTIGATOR, R.MONITOR, R.DATA_MANAGER, R.STATISTICIAN}
    ),
    A.IMPORT_LAB_RESULTS: frozenset({R.DATA_MANAGER, R.RHEUMATOLOGIST}),
    # Pseudonymous data sets for analysis and exchange (issue 14).
    A.EXPORT_DATA: frozenset({R.DATA_MANAGER, R.STATISTICIAN}),
    # Results by arm (issue 13): the statistician; the committee reads the safety report during the trial.
    A.VIEW_RESULTS: frozenset({R.STATISTICIAN}),
    A.VIEW_SAFETY_REPORT: frozenset({R.ETHICS_COMMITTEE, R.STATISTICIAN}),
    # A generated results report is the statistician's until released to the committee and the monitor.
    A.RELEASE_RESULTS: frozenset({R.STATISTICIAN}),
    A.VIEW_RELEASED_RESULTS: frozenset({R.ETHICS_COMMITTEE, R.MONITOR, R.STATISTICIAN}),
    # Which arm a participant is in, on list pages (status grid, participant home): those who treat, randomize,
    # own or audit the list, and analyse by arm; the data manager cleans data without knowing the arm.
    A.VIEW_ARM: frozenset({R.RHEUMATOLOGIST, R.INVESTIGATOR, R.EPIDEMIOLOGIST, R.MONITOR, R.STATISTICIAN}),
    # Protocol amendments (issue 17): the administrator uploads and activates, the ethics committee approves;
    # everyone may read the history of versions and the difference.
    A.PROPOSE_AMENDMENT: frozenset({R.ADMINISTRATOR}),
    A.APPROVE_AMENDMENT: frozenset({R.ETHICS_COMMITTEE}),
    A.ACTIVATE_AMENDMENT: frozenset({R.ADMINISTRATOR}),
    A.VIEW_AMENDMENTS: frozenset(Role),
}


def may(roles: frozenset[Role], action: Action) -> bool:
    """True when any of `roles` allows `action`."""
    return bool(roles & PERMISSIONS[action])


def roles_allowed(action: Action) -> frozenset[Role]:
    return PERMISSIONS[action]


def render_role_table() -> str:
    """The role x action table as Markdown (docs/roles.md embeds it; a test keeps the two equal)."""
    roles = list(Role)
    header = "| action | " + " | ".join(r.value.replace("_", " ") for r in roles) + " |"
    rule = "| --- |" + " :-: |" * len(roles)
    rows = [
        f"| {action.value.replace('_', ' ')} | "
        + " | ".join("✓" if r in PERMISSIONS[action] else "" for r in roles)
        + " |"
        for action in Action
    ]
    return "\n".join([header, rule, *rows])
