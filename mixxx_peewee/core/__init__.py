"""The ground floor: what every other layer stands on.

Mixxx's value types (``values``), key notations (``keys``), the field types that carry
Mixxx's DDL (``fields``), the is-Mixxx-running check (``running``), the write result
(``results``), the deferred database and its transactions (``connection``), the expected
schema per revision (``schema``) and the live file against it (``inspection``), and the
SQL functions registered on open (``sqlfunctions``).

May import: ``errors``, ``models`` (schema and inspection derive from it), each other in
the order of ``tests/test_architecture.py``. Never ``library`` or anything above it.
"""
