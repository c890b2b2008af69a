"""Use cases for doses, product lots, visits, deviations, adverse events, expedited reports, study pauses: permission check, core rule, write and audit entry in one transaction."""
