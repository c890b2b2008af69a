"""Treatment and safety use cases (issue 4): lots, dosing, visits, adverse events, expedited reports, safety.

Modules: `lots`, `dosing` (with `rungs`, the ladder as shown), `visits`, `adverse_events`, `expedited`, `safety`.
Every write is one `use_case` (permission, transaction, locks, guards, audit); the rules are `trialdesk.core`'s;
the protocol is the version governing the participant's treatment (`services.versions`), the day the study's.
"""
