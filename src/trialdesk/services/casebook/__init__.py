"""Use cases for form data, item history, queries, source verification, locks, e-signatures, lab imports:
permission check, core rule, write and audit entry in one transaction.

    entry.py          form_definition_for, forms_for_visit, load_form -> FormView, check_form -> FormCheckResult,
                      save_form -> SaveResult, item_history -> [ItemChangeView]
    queries.py        raise_query, answer_query, close_query, reopen_query -> QueryView; query_inbox, list_queries
    verification.py   verify_form, lock_form, unlock_form, sign_casebook, casebook_signature, lock_database,
                      database_lock; SIGNATURE_MEANING
    tracking.py       expected_forms, site_form_tracking -> [ExpectedForm]
    lab_import.py     preview_lab_import -> LabImportPreview, commit_lab_import -> LabImportCommitted
    common.py         protocol and calendar look-ups (the database-lock guard is services/database_lock.py)
    storage.py        the one writer of form data (save_form and the lab import), edit-check queries

Every write raises `Locked` after the database lock; form writes also on a locked form or a withdrawn
participant.
"""
