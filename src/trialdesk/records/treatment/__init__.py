"""Storage for doses, product lots, visits, deviations, adverse events, expedited reports, study pauses (its own Django app and migration stream, label `treatment`)."""
