"""Exports to other software: accounting exports (CSV, UBL/Peppol, journal) and XLSX lists.

One module per format: ``csvfile`` (the accounting CSV), ``ubl`` (UBL 2.1 / Peppol BIS
Billing 3.0), ``journal`` (the ledger's entries), ``xlsx`` (report tables).
"""
