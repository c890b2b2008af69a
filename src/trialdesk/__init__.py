"""trialdesk: runs a randomized clinical trial end to end.

Layers (imports point inward): web, cli, interop -> services -> records + core + protocol.
`core`, `protocol` and `analysis` are pure: no Django, no database, no clock, no randomness they were not handed.
"""

__version__ = "0.1.0"
