"""Use cases for form data, item history, queries, source verification, locks, e-signatures, lab imports.
Every write runs in one `use_case` (services/unit_of_work.py): permission, transaction, participant lock,
the database-lock and withdrawal guards, audit entries written before commit.

    entry.py          form_definition_for, forms_for_visit, load_form -> FormView, check_form -> FormCheckResult,
                      save_form -> SaveResult, item_history -> [ItemChangeView]
    queries.py        raise_query, answer_query, close_query, reopen_query -> QueryView; query_inbox, list_queries
    verification.py   verify_form, lock_form, unlock_form, sign_casebook, casebook_signature, lock_database,
                      database_lock; SIGNATURE_MEANING
    tracking.py       expected_forms, site_form_tracking -> [ExpectedForm]
    lab_import.py     preview_lab_import -> LabImportPreview, commit_lab_import -> LabImportCommitted
    lab_plan.py       reading a laboratory file into the forms it would write (no writes)
    common.py         protocol, calendar and stored-form look-ups (which version: services/versions.py)
    storage.py        the one writer of form data (save_form and the lab import), edit-check queries
    (query transitions and who may take them: core/queries.py)

Imports go one way: entry, lab_import -> storage -> queries -> common.

Every write raises `Locked` after the database lock; form writes also on a locked form or a withdrawn
participant (queries, verification, form locks and the signature go on after a withdrawal, as before).
"""
