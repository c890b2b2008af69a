"""Pages of protocol amendments: upload, the difference, approval, activation, history, re-consent list."""
