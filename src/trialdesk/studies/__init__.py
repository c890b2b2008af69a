"""Shipped protocol files; the lupus exosome trial is the default study."""
