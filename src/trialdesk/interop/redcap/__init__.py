"""REDCap data dictionaries: export our forms (`redcap_dictionary`, `write_redcap_dictionary`) and import a
dictionary into draft protocol forms (`import_redcap_dictionary`)."""

from trialdesk.interop.redcap.dictionary import (
    ALWAYS_LOST,
    COLUMNS,
    HEADERS,
    Untranslated,
    redcap_dictionary,
    write_redcap_dictionary,
)
from trialdesk.interop.redcap.importer import import_redcap_dictionary

__all__ = [
    "ALWAYS_LOST",
    "COLUMNS",
    "HEADERS",
    "Untranslated",
    "import_redcap_dictionary",
    "redcap_dictionary",
    "write_redcap_dictionary",
]
