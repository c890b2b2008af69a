"""Use cases: each checks the actor's permission, runs the core rule, writes records and the audit entry in one
transaction, and returns a result or raises a `trialdesk.errors` domain error. Web, API and CLI call only these."""
