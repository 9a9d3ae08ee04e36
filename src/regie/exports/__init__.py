"""Exports to other software and formats: one module per format (XLSX so far)."""
