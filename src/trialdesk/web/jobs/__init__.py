"""Generated files on the web: ask for a report or an export, watch its progress, read, download, release."""
