"""Treatment and safety use cases (issue 4): lots, dosing, visits, adverse events, expedited reports, safety.

Modules: `lots`, `dosing`, `visits`, `adverse_events`, `expedited`, `safety`. Each function checks the actor's
permission, runs the pure rule from `trialdesk.core`, and writes + audits in one transaction.
"""
